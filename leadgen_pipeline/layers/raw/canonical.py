"""The canonical shape every source record is mapped into.

Every raw table (`raw.apollo`, `raw.cognism`, `raw.sales_navigator`, `raw.directory`) holds
exactly these columns, whatever vendor format or API the record came from. Vendors differ in
what they carry; a column a vendor lacks is null, never guessed.
"""

from __future__ import annotations

import polars as pl

SOURCES: tuple[str, ...] = ("apollo", "cognism", "sales_navigator", "directory")

# Provenance and lineage: where the record came from and under which pull.
LINEAGE_COLUMNS: dict[str, pl.DataType] = {
    "snapshot_id": pl.String(),  # one pull of one source: hash of its input files or API call
    "pulled_at": pl.Datetime("us", "UTC"),  # when the vendor produced the data (export/API time)
    "source": pl.String(),  # the inbox folder / source key from data/sources.yaml
    "vendor": pl.String(),  # recognised from the header: apollo, cognism, zoominfo, lusha, ...
    "source_file": pl.String(),  # path relative to the inbox (or `api:<endpoint>`)
    "source_row": pl.Int64(),  # 1-based data row in that file (header excluded)
    "source_record_id": pl.String(),  # the vendor's own id when it has one
    "consent_basis": pl.String(),  # from data/sources.yaml
}

# The person and their company, as the vendor states them (trimmed, not yet normalised).
RECORD_COLUMNS: dict[str, pl.DataType] = {
    "first_name": pl.String(),
    "last_name": pl.String(),
    "full_name": pl.String(),
    "title": pl.String(),
    "seniority": pl.String(),
    "departments": pl.String(),
    "email": pl.String(),
    "email_vendor_status": pl.String(),  # the vendor's label (an input, never a verdict)
    "linkedin_url": pl.String(),  # a public /in/<slug> profile URL
    "linkedin_member_id": pl.String(),  # opaque ACwAA…/ACoAA… member id, case-sensitive
    "sales_nav_url": pl.String(),  # /sales/lead/… or /sales/people/…
    "phone_direct": pl.String(),
    "phone_mobile": pl.String(),
    "phone_company": pl.String(),
    "do_not_call": pl.Boolean(),
    "company_name": pl.String(),
    "company_domain": pl.String(),  # lower-case host without scheme/www/path, when given
    "company_website": pl.String(),
    "company_linkedin_url": pl.String(),
    "employee_count": pl.Int64(),
    "employee_range": pl.String(),  # "11-50" as given (Excel's "Nov-50" repaired)
    "industry": pl.String(),
    "country": pl.String(),  # ISO 3166-1 alpha-2
    "country_raw": pl.String(),  # as the vendor wrote it
    "state": pl.String(),
    "city": pl.String(),
    "annual_revenue_usd": pl.Int64(),
    "total_funding_usd": pl.Int64(),
    "latest_funding_round": pl.String(),
    "latest_funding_amount_usd": pl.Int64(),
    "latest_funding_date": pl.Date(),
    "technologies": pl.String(),
    "keywords": pl.String(),
    "previous_company_name": pl.String(),  # employment history, for job-change detection
    "job_start_date": pl.Date(),
    # what was wrong with a kept row's cells, `; `-separated (`email: 'a@@b.com' is not a valid
    # address`): the row is kept and the bad value nulled, never silently
    "data_quality": pl.String(),
}

CANONICAL_SCHEMA: dict[str, pl.DataType] = {**LINEAGE_COLUMNS, **RECORD_COLUMNS}
CANONICAL_COLUMNS: tuple[str, ...] = tuple(CANONICAL_SCHEMA)

# Rejects keep the row's text so nothing is lost, and say why.
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "snapshot_id": pl.String(),
    "pulled_at": pl.Datetime("us", "UTC"),
    "source": pl.String(),
    "vendor": pl.String(),  # null when the format was not recognised
    "source_file": pl.String(),
    "source_row": pl.Int64(),  # null for a failure that concerns the whole file or call
    "source_record_id": pl.String(),
    "reason": pl.String(),
    "raw_record": pl.String(),  # the row as read (JSON object of header -> cell, or raw text)
}


def empty_canonical() -> pl.DataFrame:
    return pl.DataFrame(schema=CANONICAL_SCHEMA)


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType] = CANONICAL_SCHEMA) -> pl.DataFrame:
    """Select and cast `frame` to `schema`, adding missing columns as nulls, in schema order."""
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )
