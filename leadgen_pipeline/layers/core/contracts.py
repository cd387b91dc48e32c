"""Data contracts of the deduplicated union's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa

from leadgen_pipeline.kernel.contracts import ISO2
from leadgen_pipeline.layers.raw.canonical import SOURCES


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
    country: str = pa.Field(nullable=True, str_length=ISO2)
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
