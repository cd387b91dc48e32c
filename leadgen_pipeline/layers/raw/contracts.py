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

    snapshot_id: str = pa.Field(
        description="one pull of one source: a hash of its input files or API call"
    )
    pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the vendor produced the data (export or API time), UTC"
    )
    source: str = pa.Field(
        isin=list(SOURCES), description="the inbox folder / source key from data/sources.yaml"
    )
    vendor: str = pa.Field(
        isin=list(VENDOR_KEYS), description="the vendor, recognised from the file's header"
    )
    source_file: str = pa.Field(
        description="the file's path relative to the inbox (or `api:<endpoint>`)"
    )
    source_row: int = pa.Field(ge=1, description="1-based data row in that file (header excluded)")
    source_record_id: str = pa.Field(
        nullable=True, description="the vendor's own id, when it has one"
    )
    consent_basis: str = pa.Field(description="the source's lawful basis, from data/sources.yaml")
    first_name: str = pa.Field(nullable=True, description="first name, as the vendor states it")
    last_name: str = pa.Field(nullable=True, description="last name, as the vendor states it")
    full_name: str = pa.Field(nullable=True, description="full name, as the vendor states it")
    title: str = pa.Field(nullable=True, description="job title, as the vendor states it")
    seniority: str = pa.Field(nullable=True, description="seniority, in the vendor's wording")
    departments: str = pa.Field(nullable=True, description="departments, in the vendor's wording")
    email: str = pa.Field(
        nullable=True, str_contains="@", description="email address, trimmed, not yet normalised"
    )
    email_vendor_status: str = pa.Field(
        nullable=True,
        description="the vendor's label for the email (an input, never a verification verdict)",
    )
    linkedin_url: str = pa.Field(
        nullable=True, str_contains="/in/", description="a public LinkedIn /in/<slug> profile URL"
    )
    linkedin_member_id: str = pa.Field(
        nullable=True,
        str_matches=r"^AC[wo]AA",
        description="opaque LinkedIn member id (ACwAA…/ACoAA…), case-sensitive",
    )
    sales_nav_url: str = pa.Field(
        nullable=True, description="Sales Navigator URL (/sales/lead/… or /sales/people/…)"
    )
    phone_direct: str = pa.Field(nullable=True, description="direct phone number, as given")
    phone_mobile: str = pa.Field(nullable=True, description="mobile phone number, as given")
    phone_company: str = pa.Field(nullable=True, description="company phone number, as given")
    do_not_call: bool = pa.Field(nullable=True, description="the vendor's do-not-call flag")
    company_name: str = pa.Field(nullable=True, description="company name, as the vendor states it")
    company_domain: str = pa.Field(
        nullable=True, description="lower-case host without scheme, www or path, when given"
    )
    company_website: str = pa.Field(nullable=True, description="company website, as given")
    company_linkedin_url: str = pa.Field(
        nullable=True, description="the company's LinkedIn page URL"
    )
    employee_count: int = pa.Field(nullable=True, ge=0, description="number of employees")
    employee_range: str = pa.Field(
        nullable=True,
        description="employee band as given, e.g. `11-50` (Excel's `Nov-50` repaired)",
    )
    industry: str = pa.Field(nullable=True, description="industry, in the vendor's wording")
    country: str = pa.Field(
        nullable=True, str_length=ISO2, description="country, ISO 3166-1 alpha-2 code"
    )
    country_raw: str = pa.Field(nullable=True, description="country as the vendor wrote it")
    state: str = pa.Field(nullable=True, description="state or region, as given")
    city: str = pa.Field(nullable=True, description="city, as given")
    annual_revenue_usd: int = pa.Field(nullable=True, description="annual revenue, in USD")
    total_funding_usd: int = pa.Field(nullable=True, description="total funding raised, in USD")
    latest_funding_round: str = pa.Field(
        nullable=True, description="the latest funding round's type, as given"
    )
    latest_funding_amount_usd: int = pa.Field(
        nullable=True, description="the latest funding round's amount, in USD"
    )
    latest_funding_date: pl.Date = pa.Field(
        nullable=True, description="the latest funding round's date"
    )
    technologies: str = pa.Field(
        nullable=True, description="the company's technologies, as the vendor lists them"
    )
    keywords: str = pa.Field(nullable=True, description="the vendor's company keywords")
    previous_company_name: str = pa.Field(
        nullable=True, description="the previous employer, for job-change detection"
    )
    job_start_date: pl.Date = pa.Field(nullable=True, description="when the current role began")
    # a kept row's flaws (`email: 'N/A' is a placeholder, not an address`), never a blank flag
    data_quality: str = pa.Field(
        nullable=True,
        str_length={"min_value": 1},
        description="what was wrong with a kept row's cells, `; `-separated (the bad value "
        "nulled); null: nothing",
    )

    class Config:
        strict = True

    @pa.dataframe_check
    def one_row_per_file_row(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """No source row is mapped twice."""
        return data.lazyframe.select(
            ~pl.struct("snapshot_id", "source_file", "source_row").is_duplicated()
        )


class RawRejects(pa.DataFrameModel):
    """`raw.rejects`: every input row or response that could not be used, and why."""

    snapshot_id: str = pa.Field(
        description="the pull the row belongs to: a hash of its input files or API call"
    )
    pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the vendor produced the data (export or API time), UTC"
    )
    source: str = pa.Field(
        isin=list(SOURCES), description="the inbox folder / source key from data/sources.yaml"
    )
    vendor: str = pa.Field(
        nullable=True, description="the vendor; null when the format was not recognised"
    )
    source_file: str = pa.Field(
        description="the file's path relative to the inbox (or `api:<endpoint>`)"
    )
    source_row: int = pa.Field(
        nullable=True,
        ge=1,
        description="1-based data row in that file; null for a failure of the whole file or call",
    )
    source_record_id: str = pa.Field(
        nullable=True, description="the vendor's own id, when it has one"
    )
    reason: str = pa.Field(str_length={"min_value": 1}, description="why the row was not used")
    raw_record: str = pa.Field(
        nullable=True,
        description="the row as read: a JSON object of header -> cell, or the raw text",
    )

    class Config:
        strict = True


# The side tables behind the `raw` views. Every `raw_history.<source>` is created from the one
# canonical shape whatever the vendor (a vendor's other fields are mapped or dropped at ingest),
# so one model documents them all, and the view onto each shares its descriptions.


class RawHistoryRecords(RawRecords):
    """`raw_history.<source>`: every pull of the source ever stored, one canonical record per
    readable source row, under its `snapshot_id`; append-only (only an erasure request removes
    rows). `raw.<source>` shows the latest pull; `raw_history.pulls` logs each pull."""


class RawHistoryRejects(RawRejects):
    """`raw_history.rejects`: every input row or response of every pull that could not be used,
    and why; append-only. `raw.rejects` shows those of each source's latest pull."""


class RawPulls(pa.DataFrameModel):
    """`raw_history.pulls`: one row per pull of a source (an identical pull is logged again):
    the log that makes a snapshot the latest and the counts that prove no row was lost."""

    snapshot_id: str = pa.Field(
        description="the pull's snapshot: `<source>-<hash of its input files or API call>`; "
        "an identical pull has the same id and stores no rows twice"
    )
    source: str = pa.Field(
        isin=list(SOURCES), description="the inbox folder / source key from data/sources.yaml"
    )
    mode: str = pa.Field(
        isin=["inbox", "api"],
        description="`inbox` (export files) or `api` (the Apollo People API)",
    )
    pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the vendor produced the data (export or API time), UTC"
    )
    ingested_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC,
        description="when this run stored or re-logged the pull, UTC; the newest per source is "
        "the latest pull",
    )
    data_rows: int = pa.Field(
        ge=0, description="data rows read from the pull's files (headers excluded)"
    )
    records: int = pa.Field(ge=0, description="rows stored as canonical records")
    rejects: int = pa.Field(ge=0, description="rows stored in the rejects, with the reason")
    credits_spent: float = pa.Field(
        nullable=True, ge=0, description="Apollo credits an API pull spent; null for an inbox pull"
    )
    files: str = pa.Field(
        description="JSON list of the files read, each with its path relative to the inbox, "
        "SHA-256, encoding, vendor, data rows, records, rejects, export time, delimiter and "
        "preamble lines"
    )
    warnings: str = pa.Field(
        description="JSON list of the guesses and skipped inputs the pull reported (`[]`: none)"
    )

    class Config:
        strict = True


class ApolloReveals(pa.DataFrameModel):
    """`raw_history.apollo_reveals` (Apollo API mode only): every person whose contact details
    were revealed (paid for), kept so that no later pull pays to reveal them again."""

    person_id: str = pa.Field(
        unique=True, description="Apollo's person id (`source_record_id` in `raw.apollo`)"
    )
    revealed_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the paid batch that revealed them was stored, UTC"
    )
    person: str = pa.Field(
        description="the person object Apollo returned, as JSON (personal data: an erasure "
        "request removes the row)"
    )

    class Config:
        strict = True


class ApolloErased(pa.DataFrameModel):
    """`raw_history.apollo_erased` (Apollo API mode only): people an erasure request named at
    ingest, kept as a hash only, so no later pull reveals (pays for) them again."""

    id_hash: str = pa.Field(
        unique=True,
        str_matches=r"^[0-9a-f]{64}$",
        description="SHA-256 hex digest of the person's Apollo id; never the id itself",
    )
    erased_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when they were erased, UTC")

    class Config:
        strict = True
