"""Every person against every ICP segment: `fit`, with a machine-readable reason for each
criterion the person fails.

A person fits a segment when none of these fails (the reason codes, in `REASONS` order):

| reason | fails when |
|---|---|
| `size_band` | the company's headcount is outside the segment's band, or unknown |
| `country` | the person's (else the company's) country is not one of the segment's, or unknown |
| `industry` | the industry, in the ICP's terms (`vocabularies`), is not the segment's, or unknown |
| `title_seniority` | no target title keyword is a whole word of the title, and the seniority |
| | (the vendor's, mapped; else inferred from the title) is not one of the segment's |
| `disqualified_domain` | the company or email domain is a disqualifier domain or under one |
| `disqualified_industry` | the industry is a disqualifier industry |
| `disqualified_title` | a disqualifier keyword is a whole word of the title |
| `suppressed` | any record of the person is suppressed |
| `stale` | the person's newest pull is older than the staleness window |
| `no_verified_address` | no `valid` or `catch_all` verdict within the TTL (`verify.sendable`) |

Firmographics come from the person's record and, where it has none, from the account
(`core.accounts`). The table is one row per (person, segment), sorted, whatever the input
order.
"""

from __future__ import annotations

import re

import polars as pl

from leadgen_pipeline.kernel.vocab import SENDABLE_STATUSES
from leadgen_pipeline.layers.score.vocabularies import (
    fold_term,
    title_seniority,
    vendor_industry,
    vendor_seniority,
)

REASONS: tuple[str, ...] = (
    "size_band",
    "country",
    "industry",
    "title_seniority",
    "disqualified_domain",
    "disqualified_industry",
    "disqualified_title",
    "suppressed",
    "stale",
    "no_verified_address",
)

_PERSON_COLUMNS = (
    "person_id", "email", "title", "seniority", "company_domain", "employee_count",
    "industry", "country", "suppressed", "stale",
)  # fmt: skip
_ACCOUNT_COLUMNS = ("company_domain", "employee_count", "industry", "country")


def _keyword_pattern(keywords: list[str]) -> str | None:
    """One regex matching any keyword as whole words of a lower-cased text; None for none."""
    if not keywords:
        return None
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return rf"(?:^|[^\p{{L}}\p{{N}}])(?:{alternatives})(?:$|[^\p{{L}}\p{{N}}])"


def people_profile(contacts: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One row per person with what fit is decided on: headcount, industry (ICP terms),
    country, seniority and where it came from (`vendor` or `title`)."""
    account = accounts.select(
        pl.col(c).alias(f"account_{c}") if c != "company_domain" else pl.col(c)
        for c in _ACCOUNT_COLUMNS
    )
    people = contacts.select(_PERSON_COLUMNS).join(
        account, on="company_domain", how="left", nulls_equal=False
    )
    people = people.with_columns(
        pl.coalesce("employee_count", "account_employee_count").alias("employee_count"),
        pl.coalesce("industry", "account_industry").alias("industry_stated"),
        pl.coalesce("country", "account_country").alias("country"),
        vendor_seniority(pl.col("seniority")).alias("_vendor_seniority"),
        title_seniority(pl.col("title")).alias("_title_seniority"),
    ).drop("industry")
    people = vendor_industry(people, "industry_stated", "industry")
    return people.select(
        "person_id",
        "email",
        "title",
        "company_domain",
        "employee_count",
        "industry_stated",
        "industry",
        "country",
        pl.coalesce("_vendor_seniority", "_title_seniority").alias("seniority"),
        pl.when(pl.col("_vendor_seniority").is_not_null()).then(pl.lit("vendor"))
        .when(pl.col("_title_seniority").is_not_null()).then(pl.lit("title"))
        .alias("seniority_basis"),
        pl.col("suppressed").fill_null(True),  # unknown consent is no consent
        pl.col("stale").fill_null(True),
    )  # fmt: skip


def _segment_rules(segments: pl.DataFrame) -> pl.DataFrame:
    """Per segment, the lists as compared (folded) and the title patterns."""
    folded = [
        pl.col(c).list.eval(fold_term(pl.element())).alias(f"{c}_folded")
        for c in ("industries", "disqualifier_industries")
    ]
    patterns = pl.DataFrame(
        {
            "segment": segments["segment"],
            "title_pattern": [_keyword_pattern(t) for t in segments["titles"].to_list()],
            "disqualifier_title_pattern": [
                _keyword_pattern(t) for t in segments["disqualifier_titles"].to_list()
            ],
            "disqualifier_domain_pattern": [
                _domain_pattern(d) for d in segments["disqualifier_domains"].to_list()
            ],
        },
        schema={
            "segment": pl.String,
            "title_pattern": pl.String,
            "disqualifier_title_pattern": pl.String,
            "disqualifier_domain_pattern": pl.String,
        },
    )
    return segments.select(
        "segment",
        pl.col("version").alias("icp_version"),
        pl.col("source_sha256").alias("icp_sha256"),
        "employee_min",
        "employee_max",
        "countries",
        "seniorities",
        *folded,
    ).join(patterns, on="segment")


def _domain_pattern(domains: list[str]) -> str | None:
    """One regex matching a domain that is one of `domains` or a subdomain of one."""
    if not domains:
        return None
    return rf"(?:^|\.)(?:{'|'.join(re.escape(d) for d in sorted(domains))})$"


def icp_fit(
    contacts: pl.DataFrame,
    accounts: pl.DataFrame,
    segments: pl.DataFrame,
    sendable: pl.DataFrame,
) -> pl.DataFrame:
    """`score.icp_fit`: every person x every segment, `fit` and the failed criteria."""
    people = people_profile(contacts, accounts).join(
        sendable.select("person_id", "email_status", "send_track"), on="person_id", how="left"
    )
    rules = _segment_rules(segments)
    pairs = people.join(rules, how="cross")
    title = pl.col("title").str.to_lowercase()
    email_domain = pl.col("email").str.to_lowercase().str.extract(r"@([^@]+)$")
    industry = fold_term(pl.col("industry"))
    domains = pl.col("disqualifier_domain_pattern")
    domain_hit = pl.col("company_domain").str.to_lowercase().str.contains(domains)
    email_hit = email_domain.str.contains(domains)
    failed = {
        "size_band": ~(
            (pl.col("employee_count") >= pl.col("employee_min"))
            & (
                pl.col("employee_max").is_null()
                | (pl.col("employee_count") <= pl.col("employee_max"))
            )
        ),
        "country": ~pl.col("countries").list.contains(pl.col("country")),
        "industry": ~pl.col("industries_folded").list.contains(industry),
        "title_seniority": ~(
            title.str.contains(pl.col("title_pattern")).fill_null(False)
            | pl.col("seniorities").list.contains(pl.col("seniority")).fill_null(False)
        ),
        "disqualified_domain": domain_hit.fill_null(False) | email_hit.fill_null(False),
        "disqualified_industry": pl.col("disqualifier_industries_folded").list.contains(industry),
        "disqualified_title": title.str.contains(pl.col("disqualifier_title_pattern")),
        "suppressed": pl.col("suppressed"),
        "stale": pl.col("stale"),
        # only what verification calls sendable, whatever else a table may hold
        "no_verified_address": ~pl.col("email_status").is_in(list(SENDABLE_STATUSES)),
    }
    # an unknown value fails a target criterion and trips no disqualifier
    unknown_fails = {"size_band", "country", "industry", "title_seniority", "no_verified_address"}
    flags = [
        expr.fill_null(name in unknown_fails).alias(f"_fails_{name}")
        for name, expr in failed.items()
    ]
    reasons = pl.concat_list(
        [pl.when(pl.col(f"_fails_{name}")).then(pl.lit(name)) for name in REASONS]
    ).list.drop_nulls()
    scored = pairs.with_columns(flags).with_columns(reasons.alias("reasons"))
    return scored.select(
        "person_id",
        "segment",
        (pl.col("reasons").list.len() == 0).alias("fit"),
        "reasons",
        "icp_version",
        "icp_sha256",
        "company_domain",
        "employee_count",
        "industry_stated",
        "industry",
        "country",
        "seniority",
        "seniority_basis",
        "email_status",
        "send_track",
    ).sort("person_id", "segment")
