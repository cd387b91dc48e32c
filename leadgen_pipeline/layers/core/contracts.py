"""Data contracts of the deduplicated union's tables: one pandera model per table.

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

_PERSON_ID = r"^p_[0-9a-f]{16}$"


class ContactLinks(pa.DataFrameModel):
    """`core.contact_links`: every raw record of the latest pulls -> one person."""

    person_id: str = pa.Field(
        str_matches=_PERSON_ID, description="the person the record belongs to, stable across builds"
    )
    source: str = pa.Field(isin=list(SOURCES), description="the record's source key")
    vendor: str = pa.Field(description="the record's vendor")
    source_file: str = pa.Field(
        description="the record's file relative to the inbox (or `api:<endpoint>`)"
    )
    source_row: int = pa.Field(ge=1, description="1-based data row in that file")
    source_record_id: str = pa.Field(
        nullable=True, description="the vendor's own id, when it has one"
    )
    snapshot_id: str = pa.Field(description="the pull the record came from")
    match_rule: str = pa.Field(
        isin=[
            "linkedin_slug",
            "linkedin_member_key",
            "email_key",
            "vendor_key",
            "duplicate_row",
            "fuzzy_name_at_domain",
            "previous_employer",
            "singleton",
        ],
        description="the strongest rule that tied the record to its person",
    )
    match_evidence: str = pa.Field(
        nullable=True,
        description="the key value or the name pair that did it; null for a singleton",
    )
    record_key: str = pa.Field(
        description="the record's identity across rebuilds: `<snapshot_id>|<source_file>#<row>`"
    )
    email_norm: str = pa.Field(nullable=True, description="the email address, normalised")
    email_key: str = pa.Field(nullable=True, description="the address's match key")
    email_is_role: bool = pa.Field(
        nullable=True,
        description="true for a shared inbox (info@, sales@…), never a match key; null without "
        "a valid address",
    )
    linkedin_slug: str = pa.Field(
        nullable=True, description="the public slug of the record's `linkedin_url`"
    )
    linkedin_member_key: str = pa.Field(
        nullable=True,
        description="the opaque LinkedIn member id: from `linkedin_member_id`, else "
        "`sales_nav_url`, else an `/in/AC…` `linkedin_url`",
    )
    vendor_key: str = pa.Field(
        nullable=True, description="`<vendor>:<source_record_id>`, when the vendor has an id"
    )
    company_domain_key: str = pa.Field(
        nullable=True,
        description="registrable, non-free-mail domain of `company_domain`, else "
        "`company_website`, else the email's domain",
    )

    class Config:
        strict = True


class Contacts(pa.DataFrameModel):
    """`core.contacts`: one row per person."""

    person_id: str = pa.Field(
        unique=True, str_matches=_PERSON_ID, description="the person's stable id"
    )
    email: str = pa.Field(
        nullable=True,
        str_contains="@",
        description="the surviving address, normalised; a personal one before a shared inbox",
    )
    linkedin_url: str = pa.Field(
        nullable=True,
        str_startswith="https://www.linkedin.com/in/",
        description="the canonical public LinkedIn profile URL",
    )
    linkedin_member_id: str = pa.Field(
        nullable=True, description="the opaque LinkedIn member id (ACwAA…/ACoAA…)"
    )
    first_name: str = pa.Field(nullable=True, description="first name (name unit)")
    last_name: str = pa.Field(nullable=True, description="last name (name unit)")
    full_name: str = pa.Field(nullable=True, description="full name (name unit)")
    title: str = pa.Field(
        nullable=True, description="job title at the surviving employer (with seniority)"
    )
    seniority: str = pa.Field(
        nullable=True, description="seniority at the surviving employer (with title)"
    )
    company_name: str = pa.Field(nullable=True, description="employer's name (employment unit)")
    company_domain: str = pa.Field(
        nullable=True, description="employer's registrable domain (employment unit)"
    )
    company_linkedin_url: str = pa.Field(
        nullable=True, description="employer's LinkedIn page URL (employment unit)"
    )
    employee_count: int = pa.Field(
        nullable=True, description="employer's number of employees (employment unit)"
    )
    industry: str = pa.Field(nullable=True, description="employer's industry (employment unit)")
    country: str = pa.Field(
        nullable=True, str_length=ISO2, description="country, ISO 3166-1 alpha-2 code"
    )
    city: str = pa.Field(nullable=True, description="city")
    phone: str = pa.Field(
        nullable=True,
        description="phone number in E.164: the first valid of direct, mobile, company, read in "
        "the country of the record it came from",
    )
    do_not_call: bool = pa.Field(description="true when any of the person's records says so")
    email_is_role_only: bool = pa.Field(
        description="true when every address the person has is a shared inbox"
    )
    sources: pe.List = pa.Field(description="the sources holding the person's records")
    vendors: pe.List = pa.Field(description="the vendors behind those records")
    consent_bases: pe.List = pa.Field(description="the lawful bases of those records")
    record_count: int = pa.Field(ge=1, description="how many raw records the person has")
    first_pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="the oldest pull of any of those records, UTC"
    )
    last_pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="the newest pull of any of those records, UTC"
    )
    lineage: pe.Struct = pa.Field(
        description="per field, the record its value survived from: "
        "`<source>:<source_file>#<source_row>@<snapshot_id>`"
    )
    stale: bool = pa.Field(
        description="true when the newest pull is over 90 days old: not routable until refreshed"
    )
    suppression_kinds: pe.List = pa.Field(
        description="the suppression kinds that hit any of the person's records"
    )
    suppressed: bool = pa.Field(
        description="true when any of the person's records is suppressed (survives merges)"
    )

    class Config:
        strict = True


class Accounts(pa.DataFrameModel):
    """`core.accounts`: one row per company domain."""

    company_domain: str = pa.Field(unique=True, description="the company's registrable domain")
    company_name: str = pa.Field(nullable=True, description="company name")
    company_linkedin_url: str = pa.Field(
        nullable=True, description="the company's LinkedIn page URL"
    )
    employee_count: int = pa.Field(nullable=True, description="number of employees")
    employee_range: str = pa.Field(
        nullable=True, description="employee band as given, e.g. `11-50`"
    )
    industry: str = pa.Field(nullable=True, description="industry, in the vendor's wording")
    country: str = pa.Field(nullable=True, description="country, ISO 3166-1 alpha-2 code")
    annual_revenue_usd: int = pa.Field(nullable=True, description="annual revenue, in USD")
    total_funding_usd: int = pa.Field(nullable=True, description="total funding raised, in USD")
    latest_funding_round: str = pa.Field(
        nullable=True, description="the latest funding round's type"
    )
    latest_funding_date: pl.Date = pa.Field(
        nullable=True, description="the latest funding round's date"
    )
    technologies: str = pa.Field(
        nullable=True, description="the company's technologies, as the vendor lists them"
    )
    people_seen: int = pa.Field(ge=1, description="how many people the company's records name")
    sources: pe.List = pa.Field(description="the sources holding the company's records")
    last_pulled_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="the newest pull of any of those records, UTC"
    )

    class Config:
        strict = True


class MergeLog(pa.DataFrameModel):
    """`core.merge_log`: how each union build changed who is who, appended per build: people
    new, merged, split or retired, so a `person_id` that disappears can be traced. People
    with an erasure request are never in it."""

    built_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when the union build ran, UTC")
    event: str = pa.Field(
        isin=["new", "merge", "split", "retire"],
        description="`new` (a person first seen), `merge` (took over earlier people sharing its "
        "keys), `split` (its records now resolve to more than one person) or `retire` (none of "
        "its records or keys remain)",
    )
    person_id: str = pa.Field(
        str_matches=_PERSON_ID, description="the person the event is about (`core.contacts`)"
    )
    related_person_ids: pe.List = pa.Field(
        description="the other people involved: those a merge absorbed, or a split's heirs; "
        "empty for new and retire"
    )
    records: int = pa.Field(
        nullable=True,
        ge=0,
        description="raw records the person holds after the build (0 when retired); null for "
        "a split",
    )
    detail: str = pa.Field(nullable=True, description="the event in words; null for a new person")

    class Config:
        strict = True
