"""Data contracts of the enrichment layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the cell values.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import UTC
from leadgen_pipeline.layers.enrich.vocab import SIGNAL_TYPES, VALUE_SCHEMA

_VALUE = {"fields": dict(VALUE_SCHEMA)}
_SIGNAL_ID = r"^s_[0-9a-f]{16}$"


class Signals(pa.DataFrameModel):
    """`enrich.signals`: one row per dated buying signal about an account or a person, with
    where it came from, the evidence, and whether it may be used (and why)."""

    signal_id: str = pa.Field(
        unique=True,
        str_matches=_SIGNAL_ID,
        description="stable id: a hash of the signal's defining fields (type, account, "
        "person, what, date)",
    )
    account_domain: str = pa.Field(description="the account's registrable domain")
    person_id: str = pa.Field(
        nullable=True, description="the person a role or job change is about; null otherwise"
    )
    signal_type: str = pa.Field(isin=list(SIGNAL_TYPES), description="what kind of signal")
    value: pe.Struct = pa.Field(
        dtype_kwargs=_VALUE,
        description="what the signal states, structured: amount + currency + round; role + "
        "department + count; technology + category; topic + score; from/to headcount",
    )
    signal_date: pl.Date = pa.Field(
        nullable=True, description="when it happened (null only on an unverified signal)"
    )
    source: str = pa.Field(
        str_matches=r"^(file:.+|vendor:.+|snapshots|research)$",
        description="`file:<path>` in the inbox, `vendor:<vendor>:<field>`, `snapshots` "
        "(raw history) or `research`",
    )
    source_url: str = pa.Field(nullable=True, description="the page that states it, if any")
    claim: str = pa.Field(description="the statement as the source made it")
    evidence: str = pa.Field(
        nullable=True, description="the quoted text, or the cells and row it was read from"
    )
    verified: bool = pa.Field(description="true when the signal may be used downstream")
    verification: str = pa.Field(description="why it is, or is not, verified")
    reports: int = pa.Field(ge=1, description="how many reports of the same signal were folded")

    class Config:
        strict = True

    @pa.dataframe_check
    def person_signals_name_a_person(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("signal_type").is_in(["role_change"]) | pl.col("person_id").is_not_null()
        )

    @pa.dataframe_check
    def verified_signals_are_dated(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.col("verified") | pl.col("signal_date").is_not_null())


class Leads(pa.DataFrameModel):
    """`enrich.leads`: one row per sendable person, with what scoring, routing and the
    opener use: role and tenure, company size and growth, relevant tech, recent verified
    signals and at most one personalisation hook."""

    person_id: str = pa.Field(unique=True, description="the person (core.contacts)")
    segment: str = pa.Field(
        nullable=True, description="the ICP segment the person's account fits (null: none)"
    )
    title: str = pa.Field(nullable=True, description="current title")
    seniority: str = pa.Field(nullable=True, description="seniority as the vendor states it")
    role_started_on: pl.Date = pa.Field(
        nullable=True, description="start of the current role, from a vendor or a job change"
    )
    tenure_months: int = pa.Field(nullable=True, ge=0, description="months in the current role")
    company_domain: str = pa.Field(nullable=True, description="the account's domain")
    company_name: str = pa.Field(nullable=True, description="the account's name")
    employee_count: int = pa.Field(nullable=True, description="company headcount")
    headcount_change_pct: float = pa.Field(
        nullable=True, description="headcount change across the raw pulls, in percent"
    )
    latest_funding_round: str = pa.Field(
        nullable=True, description="the freshest verified funding round in the window"
    )
    latest_funding_date: pl.Date = pa.Field(nullable=True, description="its date")
    open_roles: int = pa.Field(ge=0, description="verified job postings in the window")
    relevant_technologies: list[str] = pa.Field(
        description="the account's technologies that the segment lists as relevant"
    )
    signal_ids: list[str] = pa.Field(
        description="verified, segment-relevant signals within the segment's window"
    )
    window_days: int = pa.Field(nullable=True, ge=1, description="the segment's window")
    hook: str = pa.Field(nullable=True, description="one factual opener sentence, or null")
    hook_signal_id: str = pa.Field(nullable=True, description="the signal the hook cites")
    hook_date: pl.Date = pa.Field(nullable=True, description="the cited signal's date")
    hook_source_url: str = pa.Field(nullable=True, description="the cited signal's page")
    built_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="'now' of the build")

    class Config:
        strict = True

    @pa.dataframe_check
    def hook_comes_with_its_signal(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("hook").is_null() == pl.col("hook_signal_id").is_null())


class ResearchLedger(pa.DataFrameModel):
    """`enrich.research_ledger`: every LLM research call that cost, or may have cost, money."""

    model: str = pa.Field(description="the model asked")
    prompt_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64}, description="hash of model + prompt"
    )
    account_domain: str = pa.Field(description="the account researched")
    prompt_tokens: int = pa.Field(nullable=True, ge=0, description="tokens sent, as billed")
    completion_tokens: int = pa.Field(nullable=True, ge=0, description="tokens returned")
    cost_usd: float = pa.Field(nullable=True, ge=0, description="cost (null: unknown)")
    called_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when the call was made")
    run_id: str = pa.Field(description="the Dagster run that made it")
    charge: str = pa.Field(
        isin=["paid", "possibly_charged"],
        description="`paid`, or `possibly_charged` for a call a killed run had in flight",
    )
    outcome: str = pa.Field(description="`answered`, or why the answer is not usable")

    class Config:
        strict = True


# The side tables `enrich/signals` writes: the rows it could not use and AI research's caches.


class SignalRejects(pa.DataFrameModel):
    """`enrich.signal_rejects`: rows of the inbox's `signals/` and `intent/` files that could
    not be used, and researched claims rejected or accounts not researched, with the reason
    (the count is in the signals' metadata)."""

    source_file: str = pa.Field(
        description="the signal or intent file, relative to the inbox, or `research:<domain>` "
        "for AI research of that account"
    )
    source_row: int = pa.Field(
        nullable=True,
        ge=1,
        description="1-based data row in that file; null for the whole file or for research",
    )
    reason: str = pa.Field(str_length={"min_value": 1}, description="why the row was not used")

    class Config:
        strict = True


class ResearchAnswers(pa.DataFrameModel):
    """`enrich.research_answers`: every answer an LLM gave to a research prompt, the cache that
    keeps a rerun from paying for the same prompt twice."""

    model: str = pa.Field(description="the model asked")
    prompt_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64},
        description="SHA-256 of model + prompt (`enrich.research_ledger.prompt_sha256`)",
    )
    account_domain: str = pa.Field(description="the account researched (`core.accounts`)")
    content: str = pa.Field(
        nullable=True,
        description="the answer's claims as JSON (each a claim, quote, source URL and date), "
        "checked against the pages before any is used; null when the answer failed",
    )
    failure: str = pa.Field(
        nullable=True,
        description="why the answer is not usable (`refused: ...`, `truncated: ...`, `content "
        "is not JSON`); null when it is",
    )
    answered_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when it answered, UTC")

    class Config:
        strict = True


class ResearchIntents(pa.DataFrameModel):
    """`enrich.research_intents`: the research calls in flight, each written before its call
    starts and removed with its answer; a row a killed run left is booked
    `possibly_charged` in `enrich.research_ledger` and the prompt is asked again."""

    model: str = pa.Field(description="the model about to be asked")
    prompt_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64}, description="SHA-256 of model + prompt"
    )
    account_domain: str = pa.Field(description="the account to research")
    run_id: str = pa.Field(description="the Dagster run making the call")
    started_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when the call started, UTC")

    class Config:
        strict = True


class ResearchPages(pa.DataFrameModel):
    """`enrich.research_pages`: every web page fetched to check a researched claim, kept so a
    page is fetched once; a claim is verified only when its quote is in the page's main text."""

    url: str = pa.Field(unique=True, description="the page a claim cited as its source")
    final_url: str = pa.Field(
        nullable=True,
        description="where the fetch ended, after redirects within the same site (one to "
        "another site is a failure, never followed)",
    )
    status: int = pa.Field(nullable=True, description="the HTTP status; null when none came")
    main_text: str = pa.Field(
        nullable=True,
        description="the page's main text (boilerplate removed, normalised for quote "
        "matching); null when the page could not be read",
    )
    failure: str = pa.Field(
        nullable=True, description="why the page could not be read; null when it was"
    )
    fetched_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when it was fetched, UTC")

    class Config:
        strict = True
