"""Data contracts of the compliance layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import UTC


class Suppressions(pa.DataFrameModel):
    """`compliance.suppressions`: keys never to contact; erasures only as hashes."""

    kind: str = pa.Field(
        isin=[
            "opt_out",
            "spam_complaint",
            "hard_bounce",
            "erasure",
            "do_not_contact",
            "icp_disqualifier",
            "undeliverable",
        ],
        description="why the key is suppressed: opt-out, spam complaint, hard bounce, erasure, "
        "do-not-contact, ICP disqualifier or undeliverable",
    )
    key_type: str = pa.Field(
        isin=[
            "email_key",
            "linkedin_slug",
            "domain",
            # an erasure's other keys (`kernel.keys.person.PERSON_KEY_TYPES`), hashed only
            "linkedin_member_key",
            "name_at_company",
            "name_at_domain",
        ],
        description="what the key is: an email key, a LinkedIn slug or a domain (an erasure "
        "also: member key, name at company, name at domain)",
    )
    key_value: str = pa.Field(
        str_length={"min_value": 1},
        description="the normalised key, or its SHA-256 hex digest when `hashed`",
    )
    hashed: bool = pa.Field(description="true when `key_value` is a SHA-256 hash (erasures)")
    recorded_at: pe.DateTime = pa.Field(
        nullable=True,
        dtype_kwargs=UTC,
        description="when the suppression was recorded, UTC; null for an ICP disqualifier",
    )
    reason: str = pa.Field(
        nullable=True, description="the stated reason, as given; null for an erasure"
    )
    source_file: str = pa.Field(
        description="where the key came from: the suppression file relative to the inbox, the "
        "ICP file of a disqualifier"
    )
    source_row: int = pa.Field(
        nullable=True, description="1-based data row in that file; null when not from a file row"
    )

    class Config:
        strict = True

    @pa.dataframe_check
    def member_ids_and_names_only_as_erasures(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A member id or a name at a company is kept for an erasure alone, hashed."""
        return data.lazyframe.select(
            ~pl.col("key_type").is_in(["linkedin_member_key", "name_at_company", "name_at_domain"])
            | (pl.col("kind") == "erasure")
        )

    @pa.dataframe_check
    def erasures_are_hashed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An erasure keeps nothing but a SHA-256 hex digest."""
        return data.lazyframe.select(
            (pl.col("kind") != "erasure")
            | (pl.col("hashed") & pl.col("key_value").str.contains(r"^[0-9a-f]{64}$"))
        )


class ErasureLog(pa.DataFrameModel):
    """`core.erasure_log`: what each build's erasure sweep removed, table by table."""

    erased_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when the sweep ran, UTC")
    table_name: str = pa.Field(
        str_length={"min_value": 1}, description="the table rows were removed from or blanked in"
    )
    rows_removed: int = pa.Field(ge=1, description="how many rows the sweep removed or blanked")
    people: int = pa.Field(
        ge=0, description="how many people's erasure reached the table in this build (never whom)"
    )

    class Config:
        strict = True
