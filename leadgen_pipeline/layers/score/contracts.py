"""Data contracts of the qualification layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import ISO2, UTC
from leadgen_pipeline.layers.config.icp import SENIORITIES
from leadgen_pipeline.layers.score.fit import REASONS
from leadgen_pipeline.layers.score.routing import CHANNELS
from leadgen_pipeline.layers.score.scoring import TIERS


class IcpFit(pa.DataFrameModel):
    """`score.icp_fit`: every person against every ICP segment, with why they do not fit."""

    person_id: str = pa.Field(description="the person (`core.contacts.person_id`)")
    segment: str = pa.Field(description="the ICP segment (`config.icp_segments.segment`)")
    fit: bool = pa.Field(description="true when the person fails no criterion of the segment")
    reasons: pe.List = pa.Field(
        description=(
            "the criteria the person fails, machine-readable: "
            + ", ".join(REASONS)
            + "; empty when `fit`"
        )
    )
    icp_version: int = pa.Field(ge=1, description="the segment's `version` scored against")
    icp_sha256: str = pa.Field(description="SHA-256 of the segment's ICP file")
    company_domain: str = pa.Field(nullable=True, description="the person's company domain")
    employee_count: int = pa.Field(
        nullable=True, ge=0, description="headcount: the person's record, else the account's"
    )
    industry_stated: str = pa.Field(
        nullable=True, description="the industry as the vendor spelled it (record, else account)"
    )
    industry: str = pa.Field(
        nullable=True, description="the industry in the ICP's terms (`score/data/industries.csv`)"
    )
    country: str = pa.Field(
        nullable=True,
        str_length=ISO2,
        description="ISO-2 country: the person's, else the account's",
    )
    seniority: str = pa.Field(
        nullable=True, isin=list(SENIORITIES), description="the ICP seniority compared"
    )
    seniority_basis: str = pa.Field(
        nullable=True,
        isin=["vendor", "title"],
        description="`vendor`: a vendor's stated level, mapped; `title`: inferred from the title",
    )
    email_status: str = pa.Field(
        nullable=True, description="the sendable verdict (`valid`, `catch_all`), null when none"
    )
    send_track: str = pa.Field(
        nullable=True, isin=["main", "capped"], description="`main` or `capped` (catch-all)"
    )

    class Config:
        strict = True
        unique = ["person_id", "segment"]  # noqa: RUF012

    @pa.dataframe_check
    def fit_means_no_reason(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("fit") == (pl.col("reasons").list.len() == 0))


class LeadScores(pa.DataFrameModel):
    """`score.lead_scores`: for each fitting person and segment, the binary buying-signal
    flags, the score and tier, the intent tie-break, and the versions scored under."""

    person_id: str = pa.Field(description="the person (`core.contacts.person_id`)")
    segment: str = pa.Field(description="the ICP segment the person fits")
    tier: str = pa.Field(
        isin=list(TIERS), description="`high` (direct outreach), `medium` (nurture), `parked`"
    )
    score: int = pa.Field(ge=0, le=5, description="how many of the segment's signal flags are 1")
    signal_flags: pe.List = pa.Field(
        description="one entry per counted signal of the segment: `key`, `hit` (the binary "
        "flag) and the `signal_ids` behind it"
    )
    matched_signals: pe.List = pa.Field(description="the keys of the flags that are 1")
    signal_ids: pe.List = pa.Field(description="every verified signal behind the score")
    intent_tiebreak: float = pa.Field(
        nullable=True, description="the strongest intent surge in the window: orders equal scores"
    )
    priority: int = pa.Field(
        ge=1, description="rank within the segment: score, then intent, then person id"
    )
    scoring_version: int = pa.Field(
        ge=0, description="`version` of `data/scoring/<segment>.yaml` (0: the default rules)"
    )
    scoring_sha256: str = pa.Field(nullable=True, description="SHA-256 of the scoring file")
    icp_version: int = pa.Field(ge=1, description="`version` of the ICP file scored against")
    scored_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="'now' of the scoring run")

    class Config:
        strict = True
        unique = ["person_id", "segment"]  # noqa: RUF012

    @pa.dataframe_check
    def tier_follows_score(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("tier") == "parked") == (pl.col("score") == 0))


class ScoreHistory(LeadScores):
    """`score.score_history`: every scoring run's `score.lead_scores` rows, appended, with
    the run: what a lead looked like when it was routed."""

    run_id: str = pa.Field(description="the Dagster run that scored")

    class Config:
        strict = True
        unique = ["run_id", "person_id", "segment"]  # noqa: RUF012


class RoutedLeads(pa.DataFrameModel):
    """`score.routed_leads`: one row per routed person, with the channel and why, the address
    or profile to use, a one-line opener from a verified signal, and the provenance."""

    person_id: str = pa.Field(unique=True, description="the person, routed once")
    segment: str = pa.Field(description="the segment the person is routed for (ranks best)")
    tier: str = pa.Field(isin=["high", "medium"], description="the lead's tier")
    score: int = pa.Field(ge=1, description="the lead's score")
    priority: int = pa.Field(ge=1, description="rank within the segment")
    channel: str = pa.Field(isin=list(CHANNELS), description="where the lead goes")
    channel_reason: str = pa.Field(description="why the rules chose this channel")
    email: str = pa.Field(
        nullable=True, description="the address to send to, on email, multichannel and nurture"
    )
    email_track: str = pa.Field(
        nullable=True,
        isin=["main", "capped"],
        description="`main`, or `capped` for a catch-all address (never the main track)",
    )
    linkedin_url: str = pa.Field(nullable=True, description="the profile, on LinkedIn channels")
    phone: str = pa.Field(nullable=True, description="the number, where calls are allowed")
    opener: str = pa.Field(nullable=True, description="one line from the cited verified signal")
    opener_signal_id: str = pa.Field(nullable=True, description="the signal the opener cites")
    opener_source_url: str = pa.Field(nullable=True, description="where that signal is stated")
    opener_date: pl.Date = pa.Field(nullable=True, description="that signal's date")
    matched_signals: pe.List = pa.Field(description="the buying signals that scored")
    signal_ids: pe.List = pa.Field(description="the verified signals behind the score")
    intent_tiebreak: float = pa.Field(nullable=True, description="intent, for ordering only")
    sources: pe.List = pa.Field(description="the sources the person came from")
    consent_bases: pe.List = pa.Field(description="the consent bases of those sources")
    opt_out_mechanisms: pe.List = pa.Field(description="per source, how the person opts out")
    scoring_version: int = pa.Field(ge=0, description="the scoring config's version")
    icp_version: int = pa.Field(ge=1, description="the ICP's version")
    routed_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="'now' of the routing run")

    class Config:
        strict = True

    @pa.dataframe_check
    def email_channels_have_a_main_address_and_opener(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("channel").is_in(["email", "multichannel"])
            | (
                (pl.col("email_track") == "main")
                & pl.col("email").is_not_null()
                & pl.col("opener_signal_id").is_not_null()
            )
        )


class HandoffExports(pa.DataFrameModel):
    """`score.handoff_exports`: the files the last run handed to sales, one row per file."""

    channel: str = pa.Field(isin=list(CHANNELS), description="the channel the file is for")
    format: str = pa.Field(isin=["csv", "parquet"], description="`csv` or `parquet`")
    path: str = pa.Field(unique=True, description="where the file was written")
    rows: int = pa.Field(ge=1, description="leads in the file")
    sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64}, description="SHA-256 of the file"
    )
    run_date: pl.Date = pa.Field(description="the run's date: the file's folder")

    class Config:
        strict = True
