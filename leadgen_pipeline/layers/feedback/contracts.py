"""Data contracts of the closed-won feedback layer: one pandera model per table."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import UTC
from leadgen_pipeline.layers.feedback.attribution import FEATURE_KINDS
from leadgen_pipeline.layers.feedback.crm import OUTCOMES


class Deals(pa.DataFrameModel):
    """`feedback.deals`: one row per deal of the CRM exports in `crm/` (a deal exported
    twice is one deal, as its latest export has it), matched to a person and an account
    where the export allows; unmatched deals are kept."""

    deal_key: str = pa.Field(
        unique=True,
        str_matches=r"^[0-9a-f]{16}$",
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
        nullable=True,
        str_matches=r"^p_[0-9a-f]{16}$",
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


class Attribution(pa.DataFrameModel):
    """`feedback.attribution`: one row per closed deal with its features as they stood when
    it mattered: from the scoring run that routed the lead before the deal was created, else
    reconstructed as of the deal's create date. No signal dated after that day is used."""

    deal_key: str = pa.Field(unique=True, description="the deal (`feedback.deals.deal_key`)")
    outcome: str = pa.Field(isin=["won", "lost"], description="won or lost: closed deals only")
    won: bool = pa.Field(description="true when the deal was won")
    amount: float = pa.Field(nullable=True, description="the deal amount as exported")
    currency: str = pa.Field(nullable=True, description="ISO currency code where exported")
    created_on: pl.Date = pa.Field(
        nullable=True,
        description="the day the deal was created (the close date if none): the "
        "point in time the features are taken at",
    )
    closed_on: pl.Date = pa.Field(nullable=True, description="the day the deal closed")
    person_id: str = pa.Field(nullable=True, description="the deal's person, when matched")
    account_domain: str = pa.Field(nullable=True, description="the deal's account, when matched")
    basis: str = pa.Field(
        isin=["routed", "reconstructed"],
        description="`routed`: from `score.score_history` of the last non-parked scoring before "
        "the deal; `reconstructed`: from dated signals and raw snapshots as of its create date",
    )
    routed_at: pe.DateTime = pa.Field(
        nullable=True, dtype_kwargs=UTC, description="the scoring run's 'now' (routed basis)"
    )
    segment: str = pa.Field(
        nullable=True,
        description="the ICP segment: scored under (routed), or whose "
        "firmographic criteria the account meets (reconstructed)",
    )
    score: int = pa.Field(nullable=True, ge=0, description="the lead's score when routed")
    tier: str = pa.Field(nullable=True, description="the lead's tier when routed")
    channel: str = pa.Field(
        nullable=True, description="the channel of that routing, when `score.routed_leads` holds it"
    )
    scoring_version: int = pa.Field(nullable=True, ge=0, description="scoring config version")
    icp_version: int = pa.Field(nullable=True, ge=1, description="the segment's ICP version")
    sources: pe.List = pa.Field(description="the sources that held the person (snapshot rule)")
    signal_types: pe.List = pa.Field(
        description="types of the verified signals dated on or before the create date, within "
        "the lookback (routed basis: those the score counted)"
    )
    technologies: pe.List = pa.Field(
        description="technologies, lower-case: dated tech signals and snapshots pulled by then"
    )
    seniority: str = pa.Field(nullable=True, description="the person's seniority (ICP terms)")
    employee_count: int = pa.Field(nullable=True, ge=0, description="the company's headcount")
    employee_band: str = pa.Field(nullable=True, description="the headcount's band (`51-200`)")
    snapshot_basis: str = pa.Field(
        nullable=True,
        isin=["as_of_create_date", "first_pull_after"],
        description="which raw records gave sources, seniority and headcount: those pulled by "
        "the create date, else the person's first pull (the deal predates every pull)",
    )
    snapshot_pulled_on: pl.Date = pa.Field(nullable=True, description="the newest pull used")

    class Config:
        strict = True


class AttributionFeatures(pa.DataFrameModel):
    """`feedback.attribution_features`: the long form of `feedback.attribution`, one row per
    deal and feature: what the lift analysis takes."""

    deal_key: str = pa.Field(description="the deal (`feedback.attribution.deal_key`)")
    feature_kind: str = pa.Field(isin=list(FEATURE_KINDS), description="what kind of feature")
    feature_value: str = pa.Field(
        str_matches=r"^[^A-Z]*$", description="the feature's value, lower-case (`funding_round`)"
    )

    class Config:
        strict = True
        unique = ["deal_key", "feature_kind", "feature_value"]  # noqa: RUF012


class FeatureLift(pa.DataFrameModel):
    """`feedback.feature_lift`: per feature, closed deals with and without it, win rates, the
    odds ratio of winning with its 95% interval from one ridge-penalised logistic regression
    over all features, and `credible` (Holm, family-wise 5%)."""

    feature_kind: str = pa.Field(isin=list(FEATURE_KINDS), description="what kind of feature")
    feature_value: str = pa.Field(description="the feature's value, lower-case")
    deals_with: int = pa.Field(ge=1, description="closed deals that had the feature")
    deals_without: int = pa.Field(ge=0, description="closed deals that did not")
    win_rate_with: float = pa.Field(ge=0, le=1, description="share of those with it won")
    win_rate_without: float = pa.Field(
        nullable=True, ge=0, le=1, description="share of those without it won"
    )
    odds_ratio: float = pa.Field(
        nullable=True,
        gt=0,
        description="odds ratio of winning, the other features held fixed; "
        "null when too few deals either side, or for an exclusive kind's reference value",
    )
    ci_low: float = pa.Field(nullable=True, gt=0, description="95% interval, lower bound")
    ci_high: float = pa.Field(nullable=True, gt=0, description="95% interval, upper bound")
    p_value: float = pa.Field(nullable=True, ge=0, le=1, description="Wald test p-value")
    credible: bool = pa.Field(
        description="true when Holm's test over all features rejects 'no effect'"
    )

    class Config:
        strict = True
        unique = ["feature_kind", "feature_value"]  # noqa: RUF012


class WinRates(pa.DataFrameModel):
    """`feedback.win_rates`: win rate and revenue won of the closed deals by segment, source,
    tier and channel (a deal counts under each source that held its person)."""

    dimension: str = pa.Field(
        isin=["segment", "source", "tier", "channel"], description="what the rows are split by"
    )
    value: str = pa.Field(description="the segment, source, tier or channel (`unknown`: none)")
    deals: int = pa.Field(ge=1, description="closed deals")
    won: int = pa.Field(ge=0, description="of which won")
    win_rate: float = pa.Field(ge=0, le=1, description="won / deals")
    revenue_won: float = pa.Field(ge=0, description="sum of the won deals' amounts")

    class Config:
        strict = True
        unique = ["dimension", "value"]  # noqa: RUF012


class SourceCosts(pa.DataFrameModel):
    """`feedback.source_costs`: per source, what it cost (records at `cost_per_record_usd` plus
    its share of the verification and research ledgers), its qualified leads and its won
    deals, and the cost of each."""

    source: str = pa.Field(unique=True, description="the source (`data/sources.yaml`)")
    cost_usd: float = pa.Field(ge=0, description="records, verification and research cost")
    qualified_leads: int = pa.Field(ge=0, description="routed leads the source held")
    cost_per_qualified_lead: float = pa.Field(
        nullable=True, ge=0, description="cost / qualified leads (null: none)"
    )
    won_deals: int = pa.Field(ge=0, description="won deals whose person the source held")
    cost_per_won_deal: float = pa.Field(nullable=True, ge=0, description="cost / won deals")

    class Config:
        strict = True


class Recommendations(pa.DataFrameModel):
    """`feedback.recommendations`: proposed changes, never applied: scoring signals to add,
    drop or re-weight (each with its evidence row of `feedback.feature_lift`), and ICP values
    with qualified leads but no wins over the window. Files: `data/recommendations/<date>/`."""

    kind: str = pa.Field(isin=["scoring", "icp"], description="which config the change is to")
    segment: str = pa.Field(description="the segment whose file changes")
    action: str = pa.Field(
        isin=["raise_weight", "lower_weight", "add", "drop", "tighten"],
        description="what is proposed",
    )
    target: str = pa.Field(description="the scoring signal key, or `<field>=<value>` of the ICP")
    evidence: str = pa.Field(description="why: the lift row, or the counts over the window")
    odds_ratio: float = pa.Field(nullable=True, description="the evidence's odds ratio")
    ci_low: float = pa.Field(nullable=True, description="its 95% interval, lower bound")
    ci_high: float = pa.Field(nullable=True, description="its 95% interval, upper bound")
    qualified_leads: int = pa.Field(nullable=True, ge=0, description="ICP: qualified leads")
    won_deals: int = pa.Field(nullable=True, ge=0, description="ICP: won deals (0)")

    class Config:
        strict = True


class DealRejects(pa.DataFrameModel):
    """`feedback.deal_rejects`: rows of the CRM exports in `crm/` that name no deal or cannot be
    read, with the reason; with the deals and repeats they account for every row read."""

    source_file: str = pa.Field(description="the CRM export, relative to the inbox")
    source_row: int = pa.Field(nullable=True, ge=1, description="1-based data row in that file")
    reason: str = pa.Field(
        str_length={"min_value": 1},
        description="why the row is not a deal: `no deal id: the row names no deal`, or an "
        "unparseable record",
    )

    class Config:
        strict = True
