"""Suppression lists: opt-outs, hard bounces, erasure requests and do-not-contact domains.

Each list names people or companies that exist in the contact sources (a few showcase
people always), so later layers can prove the suppressed are dropped.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo.rng import Draw

OPTED_OUT_SHOWCASE = 5  # Michael Byrne opted out
ERASED_SHOWCASE = 1  # José Peña asked to be erased
BOUNCED_SHOWCASE = 3  # Robert Núñez's old mailbox bounced


def _timestamp(as_of: date, key: pl.Expr, draw: Draw, stream: str) -> pl.Expr:
    day = c.days_before(as_of, key, draw, stream, 1, 400).cast(pl.Datetime("us"))
    moment = day + pl.duration(seconds=draw.integers(key, f"{stream}.s", 0, 86400))
    return moment.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def opt_outs(draw: Draw, people: pl.DataFrame, as_of: date) -> pl.DataFrame:
    key = pl.col("pid")
    chosen = draw.chance(key, "sup.optout", 0.015) | (key == OPTED_OUT_SHOWCASE)
    return people.filter(chosen).select(
        pl.col("email"),
        _timestamp(as_of, key, draw, "sup.optout.at").alias("opted_out_at"),
        draw.weighted(
            key, "sup.channel", ("email", "web_form", "phone", "linkedin"), (60, 25, 10, 5)
        ).alias("channel"),
    )


def hard_bounces(draw: Draw, people: pl.DataFrame, as_of: date) -> pl.DataFrame:
    key = pl.col("pid")
    old = people.filter(
        pl.col("prev_email").is_not_null()
        & (draw.chance(key, "sup.bounce.old", 0.4) | (key == BOUNCED_SHOWCASE))
    ).select(pl.col("prev_email").alias("email"), key)
    current = people.filter(draw.chance(key, "sup.bounce.cur", 0.005)).select("email", key)
    return (
        pl.concat([old, current])
        .with_columns(
            bounced_at=_timestamp(as_of, key, draw, "sup.bounce.at"),
            provider=draw.pick(
                key, "sup.bounce.via", ("sendgrid", "mailgun", "amazon_ses", "postmark")
            ),
            order=draw.u32(key, "sup.bounce.order"),
        )
        .sort("order")
        .select("email", "bounced_at", "provider")
    )


def erasure_requests(draw: Draw, people: pl.DataFrame, as_of: date) -> pl.DataFrame:
    key = pl.col("pid")
    chosen = draw.chance(key, "sup.erase", 0.004) | (key == ERASED_SHOWCASE)
    rows = people.filter(chosen)
    return rows.select(
        pl.col("email"),
        pl.concat_str(pl.lit("https://www.linkedin.com/in/"), pl.col("slug")).alias("linkedin_url"),
        c.days_before(as_of, key, draw, "sup.erase.at", 1, 200)
        .cast(pl.String)
        .alias("requested_at"),
        pl.format(
            "DSAR-{}-{}",
            pl.lit(as_of.year),
            (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(4),
        ).alias("reference"),
    )


def do_not_contact_domains(
    draw: Draw, companies: pl.DataFrame, people: pl.DataFrame
) -> pl.DataFrame:
    key = pl.col("cid")
    showcase_customer = people.item(0, "cid") if people.height else -1
    reason = (
        pl.when((key == showcase_customer) | draw.chance(key, "sup.customer", 0.012))
        .then(pl.lit("customer"))
        .when(draw.chance(key, "sup.competitor", 0.006))
        .then(pl.lit("competitor"))
        .when(draw.chance(key, "sup.legal", 0.003))
        .then(pl.lit("legal"))
    )
    return (
        companies.with_columns(reason=reason)
        .filter(pl.col("reason").is_not_null())
        .select("domain", "reason")
    )
