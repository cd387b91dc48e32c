"""Data contracts of the config layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe


class IcpSegments(pa.DataFrameModel):
    """`config.icp_segments`: one row per operational ICP segment."""

    segment: str = pa.Field(
        unique=True, str_matches=r"^[a-z0-9_]+$", description="the segment's slug (its key)"
    )
    version: int = pa.Field(ge=1, description="the segment's version, as its file states it")
    refresh: str = pa.Field(
        isin=["monthly", "quarterly"], description="how often the segment is reviewed"
    )
    description: str = pa.Field(description="who the segment is, in a sentence")
    employee_min: int = pa.Field(ge=1, description="the employee band's lower bound")
    employee_max: int = pa.Field(
        nullable=True, ge=1, description="the employee band's upper bound; null: no upper bound"
    )
    countries: pe.List = pa.Field(description="target countries, ISO 3166-1 alpha-2 codes")
    industries: pe.List = pa.Field(description="target industries, matched exactly")
    titles: pe.List = pa.Field(description="target title keywords, matched as whole words")
    seniorities: pe.List = pa.Field(description="target seniorities (Apollo's vocabulary)")
    buying_signals: pe.List = pa.Field(
        description="the 3 to 5 binary buying signals: key, description, kind, lookback_days, "
        "match terms"
    )
    disqualifier_domains: pe.List = pa.Field(
        description="registrable company domains that remove a lead (subdomains included)"
    )
    disqualifier_industries: pe.List = pa.Field(
        description="industries that remove a lead, matched exactly"
    )
    disqualifier_titles: pe.List = pa.Field(
        description="title keywords that remove a lead, matched as whole words"
    )
    relevant_technologies: pe.List = pa.Field(
        description="technologies worth naming on a lead (default: the tech_stack signal terms)"
    )
    signal_window_days: int = pa.Field(
        ge=1,
        description="how old a signal or hook may be on a lead, in days (default: the longest "
        "lookback_days)",
    )
    primary_sources: pe.List = pa.Field(
        description="registrable domains, besides the company's own, whose pages may verify a "
        "researched claim"
    )
    source_file: str = pa.Field(description="the `data/icp/*.yaml` file the segment came from")
    source_sha256: str = pa.Field(
        str_length={"min_value": 64, "max_value": 64},
        description="SHA-256 hex digest of that file",
    )

    class Config:
        strict = True

    @pa.dataframe_check
    def band_not_inverted(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("employee_max").is_null() | (pl.col("employee_min") <= pl.col("employee_max"))
        )


class SourceProvenanceTable(pa.DataFrameModel):
    """`config.source_provenance`: the manifest every source's rows are admitted under."""

    source: str = pa.Field(
        unique=True, description="the source key: its inbox folder name, e.g. `sales_navigator`"
    )
    vendors: pe.List = pa.Field(description="the vendors behind the source")
    consent_basis: str = pa.Field(
        isin=["legitimate_interest", "consent", "contract", "public_task"],
        description="the lawful basis its records are processed under",
    )
    opt_out_mechanism: str = pa.Field(
        str_length={"min_value": 1}, description="how a person opts out of this source"
    )
    refresh: str = pa.Field(
        isin=["monthly", "quarterly"], description="how often the source is pulled"
    )
    cost_per_record_usd: float = pa.Field(ge=0, description="what one record costs, in USD")
    trust_rank: int = pa.Field(
        ge=1, description="1 = most trusted; breaks ties in field survivorship"
    )
    notes: str = pa.Field(nullable=True, description="free-text notes from the manifest")
    manifest_version: int = pa.Field(description="the version of `data/sources.yaml`")

    class Config:
        strict = True
