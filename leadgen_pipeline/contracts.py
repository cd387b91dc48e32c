"""Data contracts: one pandera model per table the pipeline writes.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.core.canonical import SOURCES
from leadgen_pipeline.core.vendors import VENDOR_KEYS

_UTC = {"time_zone": "UTC", "time_unit": "us"}
_ISO2 = {"min_value": 2, "max_value": 2}


class RawRecords(pa.DataFrameModel):
    """`raw.<source>`: one canonical record per readable source row of the latest pull."""

    snapshot_id: str
    pulled_at: pe.DateTime = pa.Field(dtype_kwargs=_UTC)
    source: str = pa.Field(isin=list(SOURCES))
    vendor: str = pa.Field(isin=list(VENDOR_KEYS))
    source_file: str
    source_row: int = pa.Field(ge=1)
    source_record_id: str = pa.Field(nullable=True)
    consent_basis: str
    email: str = pa.Field(nullable=True, str_contains="@")
    linkedin_url: str = pa.Field(nullable=True, str_contains="/in/")
    linkedin_member_id: str = pa.Field(nullable=True, str_matches=r"^AC[wo]AA")
    country: str = pa.Field(nullable=True, str_length=_ISO2)
    employee_count: int = pa.Field(nullable=True, ge=0)
    do_not_call: bool = pa.Field(nullable=True)

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
    pulled_at: pe.DateTime = pa.Field(dtype_kwargs=_UTC)
    source: str = pa.Field(isin=list(SOURCES))
    vendor: str = pa.Field(nullable=True)
    source_file: str
    source_row: int = pa.Field(nullable=True, ge=1)
    source_record_id: str = pa.Field(nullable=True)
    reason: str = pa.Field(str_length={"min_value": 1})
    raw_record: str = pa.Field(nullable=True)

    class Config:
        strict = True


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


class Suppressions(pa.DataFrameModel):
    """`compliance.suppressions`: keys never to contact; erasures only as hashes."""

    kind: str = pa.Field(
        isin=[
            "opt_out",
            "hard_bounce",
            "erasure",
            "do_not_contact",
            "icp_disqualifier",
            "undeliverable",
        ]
    )
    key_type: str = pa.Field(isin=["email_key", "linkedin_slug", "domain"])
    key_value: str = pa.Field(str_length={"min_value": 1})
    hashed: bool

    class Config:
        strict = False

    @pa.dataframe_check
    def erasures_are_hashed(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An erasure keeps nothing but a SHA-256 hex digest."""
        return data.lazyframe.select(
            (pl.col("kind") != "erasure")
            | (pl.col("hashed") & pl.col("key_value").str.contains(r"^[0-9a-f]{64}$"))
        )


class ContactLinks(pa.DataFrameModel):
    """`core.contact_links`: every raw record of the latest pulls -> one person."""

    person_id: str = pa.Field(str_matches=r"^p_[0-9a-f]{16}$")
    source: str = pa.Field(isin=list(SOURCES))
    source_file: str
    source_row: int = pa.Field(ge=1)
    source_record_id: str = pa.Field(nullable=True)
    match_rule: str = pa.Field(
        isin=[
            "linkedin_slug",
            "linkedin_member_key",
            "email_key",
            "vendor_key",
            "fuzzy_name_at_domain",
            "singleton",
        ]
    )

    class Config:
        strict = False


class Contacts(pa.DataFrameModel):
    """`core.contacts`: one row per person."""

    person_id: str = pa.Field(unique=True, str_matches=r"^p_[0-9a-f]{16}$")
    email: str = pa.Field(nullable=True, str_contains="@")
    linkedin_url: str = pa.Field(nullable=True, str_startswith="https://www.linkedin.com/in/")
    first_name: str = pa.Field(nullable=True)
    last_name: str = pa.Field(nullable=True)
    company_domain: str = pa.Field(nullable=True)
    country: str = pa.Field(nullable=True, str_length=_ISO2)
    record_count: int = pa.Field(ge=1)
    suppressed: bool
    stale: bool

    class Config:
        strict = False


class Accounts(pa.DataFrameModel):
    """`core.accounts`: one row per company domain."""

    company_domain: str = pa.Field(unique=True)
    people_seen: int = pa.Field(ge=1)

    class Config:
        strict = False


_VERDICTS = ["valid", "catch_all", "unknown", "invalid", "disposable", "role", "do_not_mail"]


class EmailChecks(pa.DataFrameModel):
    """`verify.email_checks`: the verdict per normalised address."""

    email: str = pa.Field(unique=True)
    status: str = pa.Field(isin=_VERDICTS)
    provider: str
    checked_at: pe.DateTime = pa.Field(dtype_kwargs=_UTC)
    within_ttl: bool

    class Config:
        strict = False


class VerifyLedger(pa.DataFrameModel):
    """`verify.ledger`: every paid verification call."""

    provider: str
    email: str
    cost: float = pa.Field(ge=0)
    called_at: pe.DateTime = pa.Field(dtype_kwargs=_UTC)

    class Config:
        strict = False


class SendableContacts(pa.DataFrameModel):
    """`verify.sendable_contacts`: who may be emailed now, and on which track."""

    person_id: str = pa.Field(unique=True)
    email_status: str = pa.Field(isin=["valid", "catch_all"])
    send_track: str = pa.Field(isin=["main", "capped"])

    class Config:
        strict = False
