"""Data contracts of the closed-won feedback layer: one pandera model per table."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from leadgen_pipeline.layers.feedback.crm import OUTCOMES


class Deals(pa.DataFrameModel):
    """`feedback.deals`: one row per deal of the CRM exports in `crm/` (a deal exported
    twice is one deal, as its latest export has it), matched to a person and an account
    where the export allows; unmatched deals are kept."""

    deal_key: str = pa.Field(
        unique=True, str_matches=r"^[0-9a-f]{16}$",
        description="stable id of the deal: a hash of the CRM and its deal id",
    )
    crm: str = pa.Field(isin=["hubspot", "salesforce"], description="the CRM the export is from")
    deal_id: str = pa.Field(description="the CRM's own id (HubSpot Record ID, Salesforce Id)")
    deal_name: str = pa.Field(nullable=True, description="the deal's name in the CRM")
    stage: str = pa.Field(nullable=True, description="the stage label as exported")
    outcome: str = pa.Field(
        isin=list(OUTCOMES),
        description="won, lost or open: IsWon/IsClosed where exported, else the stage label",
    )
    amount: float = pa.Field(nullable=True, description="the deal amount, separators read")
    currency: str = pa.Field(nullable=True, description="ISO currency code where exported")
    created_on: pl.Date = pa.Field(nullable=True, description="the day the deal was created")
    closed_on: pl.Date = pa.Field(nullable=True, description="the close date (expected if open)")
    lead_source: str = pa.Field(nullable=True, description="the CRM's lead source, as exported")
    contact_email_key: str = pa.Field(
        nullable=True, description="the kernel's email key of the deal's contact"
    )
    company_domain_key: str = pa.Field(
        nullable=True,
        description="the company's registrable domain, from its website or the contact's email",
    )
    company_name: str = pa.Field(nullable=True, description="the associated company's name")
    source_file: str = pa.Field(description="the export file, relative to the inbox")
    source_row: int = pa.Field(ge=1, description="the data row in that file (1 = first)")
    person_id: str = pa.Field(
        nullable=True, str_matches=r"^p_[0-9a-f]{16}$",
        description="the person the contact email names (core.contacts), if exactly one",
    )
    account_domain: str = pa.Field(
        nullable=True, description="the account the domain names (core.accounts.company_domain)"
    )
    match: str = pa.Field(
        isin=["person", "account", "unmatched"], description="what the deal was matched to"
    )
    match_reason: str = pa.Field(description="why it matched as it did, or not at all")

    class Config:
        strict = True
