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


# The side tables `compliance/suppressions` writes beside the list itself.


class SuppressionHistory(Suppressions):
    """`compliance.suppression_history`: every suppression ever read from the inbox's
    `suppression/` files (ICP disqualifiers follow the ICP files and are not kept), appended
    once per (kind, key, recorded time); the list is built from it, so an emptied or removed
    file brings no one back."""

    first_seen_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the build that first read this suppression ran, UTC"
    )


class SuppressionLifts(pa.DataFrameModel):
    """`compliance.suppression_lifts`: every opt-out or spam complaint a re-consent file
    (`email,consented_at,proof`) lifted, logged once each; the only way off the list."""

    kind: str = pa.Field(
        isin=["opt_out", "spam_complaint"],
        description="the suppression lifted: opt-out or spam "
        "complaint (erasures, bounces and do-not-contact domains are never lifted)",
    )
    key_type: str = pa.Field(isin=["email_key"], description="always `email_key`")
    key_value: str = pa.Field(description="the normalised address whose suppression was lifted")
    recorded_at: pe.DateTime = pa.Field(
        nullable=True, dtype_kwargs=UTC, description="when the lifted suppression was recorded, UTC"
    )
    consented_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the person consented again (after `recorded_at`), UTC"
    )
    proof: str = pa.Field(
        str_length={"min_value": 1},
        description="the consent's proof as the re-consent file states it (form, ticket, URL)",
    )
    lifted_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the build that lifted it ran, UTC"
    )

    class Config:
        strict = True


class SoftBounces(pa.DataFrameModel):
    """`compliance.soft_bounces`: soft bounces (mailbox full, greylisted) in today's
    `suppression/` files; counted and kept for analysts, they suppress nothing."""

    email_key: str = pa.Field(description="the bounced address, normalised (the email match key)")
    recorded_at: pe.DateTime = pa.Field(
        nullable=True,
        dtype_kwargs=UTC,
        description="when the bounce happened (the row's date, else the file's), UTC",
    )
    reason: str = pa.Field(nullable=True, description="the bounce reason, as the tool gives it")
    source_row: int = pa.Field(nullable=True, ge=1, description="1-based data row in that file")
    source_file: str = pa.Field(description="the suppression file, relative to the inbox")

    class Config:
        strict = True


class SuppressionRejects(pa.DataFrameModel):
    """`compliance.suppression_rejects`: rows of today's `suppression/` files that ask for no
    suppression or cannot be read, with the reason (a suppressing row with no usable key
    stops the build instead)."""

    source_file: str = pa.Field(description="the suppression file, relative to the inbox")
    source_row: int = pa.Field(nullable=True, ge=1, description="1-based data row in that file")
    reason: str = pa.Field(
        str_length={"min_value": 1},
        description="why the row was not used: `<format>: the row asks for no suppression`, an "
        "unparseable record, or an unrecognised file",
    )

    class Config:
        strict = True


class SweptRows(pa.DataFrameModel):
    """`compliance.swept_rows`: which rows of each table the last erasure sweep read and
    left, so the next sweep for the same identifiers reads only rows added or changed since.
    Rewritten per table by each sweep, in its transaction; holds no text of any row."""

    table_name: str = pa.Field(description="the swept table, `schema.table`")
    identifiers_sha256: str = pa.Field(
        str_matches=r"^[0-9a-f]{64}$",
        description="SHA-256 of the sorted identifiers the sweep looked for: a new request "
        "changes it, and every row is read again",
    )
    row_hash: pe.UInt64 = pa.Field(
        description="DuckDB's 64-bit `hash` of a row's text columns (in name order), as the "
        "sweep left the row"
    )

    class Config:
        strict = True
