"""Survivorship: one row per person from their records, each field traceable to its record.

Every field takes the value of the best record that has one: the most recent pull first,
then the most trusted source (`trust_rank` in `data/sources.yaml`, 1 = most trusted). The
employment fields (title, company, firmographics) survive together, from one record, so a
job changer never shows the new title at the old company. `lineage` records, per field, the
source, file, row and snapshot the surviving value came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import polars as pl

from leadgen_pipeline.kernel.keys import linkedin_canonical_url, phone_e164
from leadgen_pipeline.kernel.vocab import STALE_AFTER_DAYS

# contact column -> the linked-record column it survives from
PERSON_FIELDS: dict[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "full_name": "full_name",
    "linkedin_url": "linkedin_slug",
    "linkedin_member_id": "linkedin_member_key",
    "phone": "_phone_raw",  # normalised to E.164 once per person, after survival
    "country": "country",
    "city": "city",
}
EMPLOYMENT_FIELDS: dict[str, str] = {
    "title": "title",
    "seniority": "seniority",
    "company_name": "company_name",
    "company_domain": "company_domain_key",
    "company_linkedin_url": "company_linkedin_url",
    "employee_count": "employee_count",
    "industry": "industry",
}
LOWEST_TRUST = 99


def _provenance() -> pl.Expr:
    return pl.format(
        "{}:{}#{}@{}", "source", "source_file", pl.col("source_row").cast(pl.String), "snapshot_id"
    )


def survive_contacts(linked: pl.DataFrame, trust_rank: Mapping[str, int]) -> pl.DataFrame:
    """One row per `person_id` with surviving fields, sources, counts and field lineage.

    `linked` holds canonical records with their match keys and `person_id`.
    """
    ranked = linked.with_columns(
        pl.col("source")
        .replace_strict(dict(trust_rank), default=LOWEST_TRUST, return_dtype=pl.Int64)
        .alias("_trust"),
        _provenance().alias("_from"),
        pl.coalesce("phone_direct", "phone_mobile", "phone_company").alias("_phone_raw"),
        # an address is sendable identity only when it is not a shared inbox
        pl.when(~pl.col("email_is_role").fill_null(False))
        .then(pl.col("email_norm"))
        .alias("_personal_email"),
        pl.when(pl.col("company_name").is_not_null() | pl.col("company_domain_key").is_not_null())
        .then(pl.lit(True))
        .otherwise(pl.lit(False))
        .alias("_employed"),
    ).sort(
        ["person_id", "pulled_at", "_trust", "source_file", "source_row"],
        descending=[False, True, False, False, False],
    )

    def best(column: str) -> pl.Expr:
        return pl.col(column).drop_nulls().first()

    def best_from(column: str) -> pl.Expr:
        return pl.col("_from").filter(pl.col(column).is_not_null()).first()

    employment_from = pl.col("_from").filter(pl.col("_employed")).first()
    aggregations = [
        *[best(src).alias(dst) for dst, src in PERSON_FIELDS.items()],
        *[best_from(src).alias(f"{dst}__from") for dst, src in PERSON_FIELDS.items()],
        # the employment unit: every field from the best record that names an employer
        *[
            pl.col(src).filter(pl.col("_employed")).first().alias(dst)
            for dst, src in EMPLOYMENT_FIELDS.items()
        ],
        employment_from.alias("employment__from"),
        pl.coalesce(best("_personal_email"), best("email_norm")).alias("email"),
        pl.coalesce(best_from("_personal_email"), best_from("email_norm")).alias("email__from"),
        pl.col("email_is_role")
        .fill_null(False)
        .filter(pl.col("email_norm").is_not_null())
        .all()
        .alias("email_is_role_only"),
        pl.col("do_not_call").fill_null(False).any().alias("do_not_call"),
        pl.col("source").unique().sort().alias("sources"),
        pl.col("vendor").unique().sort().alias("vendors"),
        pl.col("consent_basis").drop_nulls().unique().sort().alias("consent_bases"),
        pl.len().cast(pl.Int64).alias("record_count"),
        pl.col("pulled_at").min().alias("first_pulled_at"),
        pl.col("pulled_at").max().alias("last_pulled_at"),
    ]
    people = ranked.group_by("person_id").agg(aggregations)
    lineage_fields = [*PERSON_FIELDS, "email"]
    people = people.with_columns(
        linkedin_canonical_url(pl.col("linkedin_url")).alias("linkedin_url"),
        phone_e164(pl.col("phone"), pl.col("country")).alias("phone"),
        pl.struct(
            *[pl.col(f"{f}__from").alias(f) for f in lineage_fields],
            *[pl.col("employment__from").alias(f) for f in EMPLOYMENT_FIELDS],
        ).alias("lineage"),
    )
    columns = [
        "person_id",
        "email",
        "linkedin_url",
        "linkedin_member_id",
        "first_name",
        "last_name",
        "full_name",
        "title",
        "seniority",
        "company_name",
        "company_domain",
        "company_linkedin_url",
        "employee_count",
        "industry",
        "country",
        "city",
        "phone",
        "do_not_call",
        "email_is_role_only",
        "sources",
        "vendors",
        "consent_bases",
        "record_count",
        "first_pulled_at",
        "last_pulled_at",
        "lineage",
    ]
    return people.select(columns).sort("person_id")


def survive_accounts(linked: pl.DataFrame, trust_rank: Mapping[str, int]) -> pl.DataFrame:
    """One row per company (registrable domain): firmographics by the same survivorship."""
    ranked = (
        linked.filter(pl.col("company_domain_key").is_not_null())
        .with_columns(
            pl.col("source")
            .replace_strict(dict(trust_rank), default=LOWEST_TRUST, return_dtype=pl.Int64)
            .alias("_trust")
        )
        .sort(["company_domain_key", "pulled_at", "_trust"], descending=[False, True, False])
    )

    def best(column: str) -> pl.Expr:
        return pl.col(column).drop_nulls().first()

    return (
        ranked.group_by("company_domain_key")
        .agg(
            best("company_name").alias("company_name"),
            best("company_linkedin_url").alias("company_linkedin_url"),
            best("employee_count").alias("employee_count"),
            best("employee_range").alias("employee_range"),
            best("industry").alias("industry"),
            best("country").alias("country"),
            best("annual_revenue_usd").alias("annual_revenue_usd"),
            best("total_funding_usd").alias("total_funding_usd"),
            best("latest_funding_round").alias("latest_funding_round"),
            best("latest_funding_date").alias("latest_funding_date"),
            best("technologies").alias("technologies"),
            pl.col("person_id").n_unique().cast(pl.Int64).alias("people_seen"),
            pl.col("source").unique().sort().alias("sources"),
            pl.col("pulled_at").max().alias("last_pulled_at"),
        )
        .rename({"company_domain_key": "company_domain"})
        .sort("company_domain")
    )


def flag_stale(
    people: pl.DataFrame, as_of: datetime, max_age_days: int = STALE_AFTER_DAYS
) -> pl.DataFrame:
    """Add `stale`: the person's newest source pull is older than `max_age_days` at `as_of`.

    A stale person is not routable until a source pulls them again.
    """
    cutoff = as_of - timedelta(days=max_age_days)
    return people.with_columns((pl.col("last_pulled_at") < cutoff).alias("stale"))
