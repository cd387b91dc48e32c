"""Data contracts of the config layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


class IcpSegments(pa.DataFrameModel):
    """`config.icp_segments`: one row per operational ICP segment."""

    segment: str = pa.Field(unique=True, str_matches=r"^[a-z0-9_]+$")
    version: int = pa.Field(ge=1)
    refresh: str = pa.Field(isin=["monthly", "quarterly"])
    employee_min: int = pa.Field(ge=1)
    employee_max: int = pa.Field(nullable=True, ge=1)
    source_file: str
    source_sha256: str = pa.Field(str_length={"min_value": 64, "max_value": 64})

    class Config:
        strict = False

    @pa.dataframe_check
    def band_not_inverted(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("employee_max").is_null() | (pl.col("employee_min") <= pl.col("employee_max"))
        )


class SourceProvenanceTable(pa.DataFrameModel):
    """`config.source_provenance`: the manifest every source's rows are admitted under."""

    source: str = pa.Field(unique=True)
    consent_basis: str = pa.Field(
        isin=["legitimate_interest", "consent", "contract", "public_task"]
    )
    opt_out_mechanism: str = pa.Field(str_length={"min_value": 1})
    refresh: str = pa.Field(isin=["monthly", "quarterly"])
    cost_per_record_usd: float = pa.Field(ge=0)

    class Config:
        strict = False
