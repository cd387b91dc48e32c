"""Data contracts of the raw layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import ISO2, UTC
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.raw.vendors import VENDOR_KEYS


class RawRecords(pa.DataFrameModel):
    """`raw.<source>`: one canonical record per readable source row of the latest pull."""

    snapshot_id: str
    pulled_at: pe.DateTime = pa.Field(dtype_kwargs=UTC)
    source: str = pa.Field(isin=list(SOURCES))
    vendor: str = pa.Field(isin=list(VENDOR_KEYS))
    source_file: str
    source_row: int = pa.Field(ge=1)
    source_record_id: str = pa.Field(nullable=True)
    consent_basis: str
    email: str = pa.Field(nullable=True, str_contains="@")
    linkedin_url: str = pa.Field(nullable=True, str_contains="/in/")
    linkedin_member_id: str = pa.Field(nullable=True, str_matches=r"^AC[wo]AA")
    country: str = pa.Field(nullable=True, str_length=ISO2)
    employee_count: int = pa.Field(nullable=True, ge=0)
    do_not_call: bool = pa.Field(nullable=True)
    # a kept row's flaws (`email: 'N/A' is a placeholder, not an address`), never a blank flag
    data_quality: str = pa.Field(nullable=True, str_length={"min_value": 1})

    class Config:
        strict = False  # the remaining canonical columns are free text

    @pa.dataframe_check
    def one_row_per_file_row(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """No source row is mapped twice."""
        return data.lazyframe.select(
            ~pl.struct("snapshot_id", "source_file", "source_row").is_duplicated()
        )


class RawRejects(pa.DataFrameModel):
    """`raw.rejects`: every input row or response that could not be used, and why."""

    snapshot_id: str
    pulled_at: pe.DateTime = pa.Field(dtype_kwargs=UTC)
    source: str = pa.Field(isin=list(SOURCES))
    vendor: str = pa.Field(nullable=True)
    source_file: str
    source_row: int = pa.Field(nullable=True, ge=1)
    source_record_id: str = pa.Field(nullable=True)
    reason: str = pa.Field(str_length={"min_value": 1})
    raw_record: str = pa.Field(nullable=True)

    class Config:
        strict = True
