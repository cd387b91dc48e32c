"""Small frames shaped like the stored tables the score layer reads, for rule tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from leadgen_pipeline.layers.config.icp import IcpSegment, load_icp_file, segments_frame
from leadgen_pipeline.layers.enrich.vocab import SIGNALS_SCHEMA, VALUE_SCHEMA

PROJECT = Path(__file__).resolve().parents[1]
FINTECH = "fintech_scaleups_eu"
MANUFACTURING = "manufacturing_midmarket_na"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
TODAY = NOW.date()

CONTACT_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "email": pl.String(),
    "linkedin_url": pl.String(),
    "first_name": pl.String(),
    "last_name": pl.String(),
    "title": pl.String(),
    "seniority": pl.String(),
    "company_name": pl.String(),
    "company_domain": pl.String(),
    "employee_count": pl.Int64(),
    "industry": pl.String(),
    "country": pl.String(),
    "phone": pl.String(),
    "do_not_call": pl.Boolean(),
    "sources": pl.List(pl.String()),
    "consent_bases": pl.List(pl.String()),
    "suppressed": pl.Boolean(),
    "stale": pl.Boolean(),
}
ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "company_domain": pl.String(),
    "employee_count": pl.Int64(),
    "industry": pl.String(),
    "country": pl.String(),
}
SENDABLE_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "verified_email": pl.String(),
    "email_status": pl.String(),
    "send_track": pl.String(),
}

# a head of finance at a 120-person UK financial-services company: fits the fintech ICP
FITTING: dict[str, Any] = {
    "person_id": "p_0000000000000001",
    "email": "ann.lee@brightlane.example",
    "linkedin_url": "https://www.linkedin.com/in/ann-lee",
    "first_name": "Ann",
    "last_name": "Lee",
    "title": "Head of Finance",
    "seniority": None,
    "company_name": "Brightlane Ltd",
    "company_domain": "brightlane.example",
    "employee_count": 120,
    "industry": "Financial Services",
    "country": "GB",
    "phone": "+442079460958",
    "do_not_call": False,
    "sources": ["apollo"],
    "consent_bases": ["legitimate_interest"],
    "suppressed": False,
    "stale": False,
}


def segment(name: str) -> IcpSegment:
    return load_icp_file(PROJECT / "data/icp" / f"{name}.yaml")


def segments(*names: str) -> pl.DataFrame:
    return segments_frame([segment(n) for n in names or (FINTECH,)])


def contacts(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([{**FITTING, **row} for row in rows], schema=CONTACT_SCHEMA)


def accounts(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=ACCOUNT_SCHEMA)


def sendable(people: pl.DataFrame, status: str = "valid") -> pl.DataFrame:
    """Everyone in `people` with an address, verified `status` within the TTL."""
    track = {"valid": "main", "catch_all": "capped"}[status]
    return people.filter(pl.col("email").is_not_null()).select(
        "person_id",
        pl.col("email").str.to_lowercase().alias("verified_email"),
        pl.lit(status).alias("email_status"),
        pl.lit(track).alias("send_track"),
    )


def signal(
    signal_type: str,
    signal_date: date,
    *,
    domain: str = "brightlane.example",
    verified: bool = True,
    signal_id: str | None = None,
    person_id: str | None = None,
    claim: str = "",
    **value: Any,
) -> dict[str, Any]:
    """One `enrich.signals` row."""
    defining = repr((signal_type, signal_date, domain, person_id, sorted(value.items())))
    ident = signal_id or "s_" + hashlib.sha256(defining.encode()).hexdigest()[:16]
    return {
        "signal_id": ident,
        "account_domain": domain,
        "person_id": person_id,
        "signal_type": signal_type,
        "value": {k: value.get(k) for k in VALUE_SCHEMA},
        "signal_date": signal_date,
        "source": "file:signals/x.csv",
        "source_url": f"https://news.example.com/{ident}",
        "claim": claim or f"{signal_type} at {domain}",
        "evidence": None,
        "verified": verified,
        "verification": "stated by signals/x.csv" if verified else "undated",
        "reports": 1,
    }


def signals(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SIGNALS_SCHEMA)
