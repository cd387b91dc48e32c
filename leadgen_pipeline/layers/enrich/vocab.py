"""The enrichment layer's vocabulary: signal types, the structured value, what a hook may use."""

from __future__ import annotations

import polars as pl

SIGNAL_TYPES: tuple[str, ...] = (
    "funding_round",
    "hiring",
    "tech_adopted",
    "tech_dropped",
    "exec_hire",
    "product_launch",
    "acquisition",
    "partnership",
    "office_opening",
    "layoffs",
    "role_change",
    "job_change",
    "headcount_growth",
    "intent_surge",
)

# Person signals carry a person_id; every other signal is about the account only.
PERSON_SIGNALS: frozenset[str] = frozenset({"role_change", "job_change"})

# Intent only breaks ties: never a hook, never a listed signal of a lead.
TIE_BREAK_ONLY: frozenset[str] = frozenset({"intent_surge"})

# The ICP's buying-signal kinds (config/icp.py `SignalKind`) each signal type can serve.
KIND_OF_TYPE: dict[str, str] = {
    "funding_round": "funding_round",
    "acquisition": "company_event",
    "hiring": "hiring",
    "tech_adopted": "tech_stack",
    "exec_hire": "job_change",
    "job_change": "job_change",
    "role_change": "job_change",
    "product_launch": "company_event",
    "partnership": "company_event",
    "office_opening": "company_event",
    "layoffs": "company_event",
    "headcount_growth": "hiring",
    "intent_surge": "intent",
}

# What a signal states, structured: amount + currency + round (funding); role + department
# + count (hiring, job changes); technology + category (tech); topic + score (intent);
# from/to counts (headcount); event (company events, as the source typed them).
VALUE_SCHEMA: dict[str, pl.DataType] = {
    "amount": pl.Int64(),
    "currency": pl.String(),
    "round": pl.String(),
    "role": pl.String(),
    "department": pl.String(),
    "count": pl.Int64(),
    "technology": pl.String(),
    "category": pl.String(),
    "topic": pl.String(),
    "score": pl.Float64(),
    "event": pl.String(),
    "from_count": pl.Int64(),
    "to_count": pl.Int64(),
    "company": pl.String(),
}
VALUE_STRUCT = pl.Struct(VALUE_SCHEMA)

# The `enrich.signals` table.
SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.String(),
    "account_domain": pl.String(),
    "person_id": pl.String(),
    "signal_type": pl.String(),
    "value": VALUE_STRUCT,
    "signal_date": pl.Date(),
    "source": pl.String(),
    "source_url": pl.String(),
    "claim": pl.String(),
    "evidence": pl.String(),
    "verified": pl.Boolean(),
    "verification": pl.String(),
    "reports": pl.Int64(),
}

# An event type in a signals file -> the signal type it is (anything else is refused, named).
EVENT_TYPES: dict[str, str] = {
    "acquisition": "acquisition",
    "acquired": "acquisition",
    "merger": "acquisition",
    "partnership": "partnership",
    "product_launch": "product_launch",
    "launch": "product_launch",
    "office_opening": "office_opening",
    "new_office": "office_opening",
    "new_facility": "office_opening",
    "plant_expansion": "office_opening",
    "expansion": "office_opening",
    "layoffs": "layoffs",
    "layoff": "layoffs",
    "leadership_change": "exec_hire",
    "exec_hire": "exec_hire",
    "executive_hire": "exec_hire",
}
