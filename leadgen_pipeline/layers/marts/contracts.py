"""Data contracts of the analyst marts: one pandera model per view.

The models' descriptions become the views' DuckDB comments (`duckdb_columns().comment`), so an
analyst reads what each column means where they query it.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import UTC
from leadgen_pipeline.layers.marts.views import FUNNEL_STEPS
from leadgen_pipeline.layers.score.routing import CHANNELS
from leadgen_pipeline.layers.score.scoring import TIERS


class Funnel(pa.DataFrameModel):
    """`marts.funnel`: per segment and source (`all`: every source, each person once), how
    many at each step: raw records, unique people, verified, ICP fit, scored by tier, routed
    by channel. Every person is weighed against every segment."""

    step: int = pa.Field(ge=1, le=len(FUNNEL_STEPS), description="1 raw ... 6 routed")
    stage: str = pa.Field(isin=list(FUNNEL_STEPS), description="the step's name")
    bucket: str = pa.Field(
        isin=["", *TIERS, *CHANNELS], description="the tier (scored) or channel (routed)"
    )
    segment: str = pa.Field(description="the ICP segment")
    source: str = pa.Field(description="the source, or `all`")
    count: int = pa.Field(ge=0, description="records (raw_records) or people (every other step)")

    class Config:
        strict = True
        unique = ["step", "bucket", "segment", "source"]  # noqa: RUF012


class QualifiedLeads(pa.DataFrameModel):
    """`marts.qualified_leads`: every routed lead with who they are, where they came from,
    the channel and the opener, best first within each segment."""

    person_id: str = pa.Field(unique=True, description="the person")
    segment: str = pa.Field(description="the segment the lead is routed for")
    tier: str = pa.Field(isin=["high", "medium"], description="the tier")
    score: int = pa.Field(ge=1, description="buying signals matched")
    priority: int = pa.Field(ge=1, description="rank within the segment")
    channel: str = pa.Field(isin=list(CHANNELS), description="the channel")
    channel_reason: str = pa.Field(description="why that channel")
    first_name: str = pa.Field(nullable=True, description="first name")
    last_name: str = pa.Field(nullable=True, description="last name")
    title: str = pa.Field(nullable=True, description="job title")
    company_name: str = pa.Field(nullable=True, description="company")
    company_domain: str = pa.Field(nullable=True, description="company domain")
    country: str = pa.Field(nullable=True, description="ISO-2 country")
    email: str = pa.Field(nullable=True, description="the address to send to (email tracks)")
    email_track: str = pa.Field(nullable=True, description="`main` or `capped` (catch-all)")
    linkedin_url: str = pa.Field(nullable=True, description="the profile (LinkedIn channels)")
    phone: str = pa.Field(nullable=True, description="the number (call channels)")
    opener: str = pa.Field(nullable=True, description="the one-line opener")
    opener_source_url: str = pa.Field(nullable=True, description="where the opener's fact is")
    opener_date: pl.Date = pa.Field(nullable=True, description="the opener's fact's date")
    matched_signals: pe.List = pa.Field(description="the buying signals that scored")
    sources: pe.List = pa.Field(description="the sources the person came from")
    consent_bases: pe.List = pa.Field(description="their consent bases")
    scoring_version: int = pa.Field(ge=0, description="scoring config version")
    icp_version: int = pa.Field(ge=1, description="ICP version")
    routed_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when it was routed")

    class Config:
        strict = True


class SourcePerformance(pa.DataFrameModel):
    """`marts.source_performance`: per source, what it contributed and what a qualified lead
    from it cost (records at the manifest's price, plus the verification and research
    ledgers' costs, each person's split evenly across the sources that had them)."""

    source: str = pa.Field(unique=True, description="the source (`raw.<source>`)")
    records: int = pa.Field(ge=0, description="records in the latest pull")
    unique_people: int = pa.Field(ge=0, description="people with a record from the source")
    exclusive_people: int = pa.Field(ge=0, description="people no other source has")
    verified_share: float = pa.Field(
        nullable=True, ge=0, le=1, description="share of its people with a sendable verdict"
    )
    fit_share: float = pa.Field(
        nullable=True, ge=0, le=1, description="share of its people fitting any segment"
    )
    qualified_people: int = pa.Field(ge=0, description="its people routed (high or medium)")
    qualified_share: float = pa.Field(
        nullable=True, ge=0, le=1, description="share of its people routed"
    )
    record_cost_usd: float = pa.Field(
        nullable=True, ge=0, description="records x `cost_per_record_usd` (data/sources.yaml)"
    )
    verification_cost_usd: float = pa.Field(ge=0, description="its share of verify.ledger")
    research_cost_usd: float = pa.Field(ge=0, description="its share of enrich.research_ledger")
    total_cost_usd: float = pa.Field(nullable=True, ge=0, description="the three costs")
    cost_per_qualified_lead_usd: float = pa.Field(
        nullable=True, ge=0, description="total cost / qualified people (null: none qualified)"
    )

    class Config:
        strict = True

    @pa.dataframe_check
    def exclusive_within_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("exclusive_people") <= pl.col("unique_people"))
