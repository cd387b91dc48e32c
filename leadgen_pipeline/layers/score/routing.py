"""Routing by channel mechanics: one row per routed lead, with its channel, why, the address
or profile to use, a one-line opener from a verified signal, and the provenance.

A person fitting several segments is routed once, for the segment where they rank best (tier,
then score, then intent, then segment name). Parked leads are not routed. The channel is
the first of these that holds (`channel`, and why in `channel_reason`):

- `multichannel`: high tier, `email` holds, and the account has at least the segment's
  `routing.multichannel_min_employees`: email + LinkedIn (+ call where allowed);
- `email`: high tier, a `valid` verdict within the TTL (the main track), a verified hook for
  the segment, no older than `routing.email_signal_max_age_days`;
- `linkedin`: high tier, a LinkedIn profile, and a matched signal visible on LinkedIn (job,
  role or leadership change) or no address on the main track;
- `call`: high tier, the segment allows calls, a phone, and the number is not do-not-call;
- `nurture`: medium tier; or high tier with none of the above.

Catch-all addresses never reach the main track: a nurture lead whose address is catch-all is
on the capped track (`email_track`). Only fitting people are scored, and fit already excludes
the suppressed, the stale, and anyone without a `valid` or `catch_all` verdict within the TTL
(so invalid, do-not-mail, disposable, role and unknown addresses); erased people are in no
table at all.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from leadgen_pipeline.layers.score.scoring import LINKEDIN_VISIBLE_TYPES, ScoringConfig

CHANNELS: tuple[str, ...] = ("multichannel", "email", "linkedin", "call", "nurture")
ROUTED_TIERS: tuple[str, ...] = ("high", "medium")
_TIER_RANK = {"high": 0, "medium": 1, "parked": 2}
_EMPTY = pl.lit([], dtype=pl.List(pl.String))


def routing_rules(configs: dict[str, ScoringConfig]) -> pl.DataFrame:
    """Per segment, the routing settings of its scoring config."""
    return pl.DataFrame(
        {
            "segment": list(configs),
            "calls_allowed": [c.routing.calls for c in configs.values()],
            "email_max_age_days": [c.routing.email_signal_max_age_days for c in configs.values()],
            "multichannel_min_employees": [
                c.routing.multichannel_min_employees for c in configs.values()
            ],
        },
        schema_overrides={"multichannel_min_employees": pl.Int64},
    )


def best_segment(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per person: the segment where they rank best; parked leads dropped."""
    ranked = scores.filter(pl.col("tier").is_in(ROUTED_TIERS)).with_columns(
        pl.col("tier").replace_strict(_TIER_RANK, return_dtype=pl.Int64).alias("_tier_rank")
    )
    return (
        ranked.sort(
            ["person_id", "_tier_rank", "score", "intent_tiebreak", "segment"],
            descending=[False, False, True, True, False],
            nulls_last=True,
        )
        .unique("person_id", keep="first", maintain_order=True)
        .drop("_tier_rank")
    )


def _provenance(contacts: pl.DataFrame, provenance: pl.DataFrame) -> pl.DataFrame:
    """Per person, the opt-out mechanism of every source they came from."""
    mechanisms = (
        contacts.select("person_id", pl.col("sources").alias("source"))
        .explode("source")
        .join(provenance.select("source", "opt_out_mechanism"), on="source", how="left")
        .sort("person_id", "source")
        .group_by("person_id")
        .agg(
            pl.concat_str(
                [pl.col("source"), pl.col("opt_out_mechanism").fill_null("not declared")],
                separator=": ",
            ).alias("opt_out_mechanisms")
        )
    )
    return mechanisms


# (table, the columns `route` reads of it), in `route`'s order of arguments: the rest of
# those tables is gigabytes at a million records, beside what a run already holds
ROUTE_READS = (
    ("score.icp_fit", ["person_id", "segment", "employee_count"]),
    ("core.contacts", ["person_id", "linkedin_url", "phone", "do_not_call", "sources",
                       "consent_bases"]),
    ("verify.sendable_contacts", ["person_id", "verified_email", "send_track"]),
    ("enrich.leads", ["person_id", "segment", "hook", "hook_signal_id", "hook_date",
                      "hook_source_url"]),
    ("enrich.signals", ["signal_id", "signal_type", "signal_date", "claim", "source_url",
                        "verified"]),
)  # fmt: skip


def route(
    scores: pl.DataFrame,
    fit: pl.DataFrame,
    contacts: pl.DataFrame,
    sendable: pl.DataFrame,
    leads: pl.DataFrame,
    signals: pl.DataFrame,
    provenance: pl.DataFrame,
    configs: dict[str, ScoringConfig],
    now: datetime,
) -> pl.DataFrame:
    """`score.routed_leads`: one row per routed person, see the module's table."""
    today: date = now.date()
    chosen = best_segment(scores)
    person = contacts.select(
        "person_id", "linkedin_url", "phone", "do_not_call", "sources",
        pl.col("consent_bases").list.unique().list.sort(),
    )  # fmt: skip
    address = sendable.select("person_id", "verified_email", "send_track")
    hooks = leads.select(
        "person_id", pl.col("segment").alias("hook_segment"), "hook", "hook_signal_id",
        "hook_date", "hook_source_url",
    )  # fmt: skip
    signal_facts = signals.filter("verified").select(
        "signal_id", "signal_type", "signal_date", "claim", "source_url"
    )
    matched = (
        chosen.select("person_id", "segment", pl.col("signal_ids").alias("signal_id"))
        .explode("signal_id")
        .join(signal_facts, on="signal_id")
    )
    visible = matched.group_by("person_id", "segment").agg(
        pl.col("signal_type").is_in(LINKEDIN_VISIBLE_TYPES).any().alias("linkedin_visible")
    )
    freshest = (
        matched.sort(["signal_date", "signal_id"], descending=[True, False])
        .unique(["person_id", "segment"], keep="first", maintain_order=True)
        .select(
            "person_id",
            "segment",
            pl.col("signal_id").alias("fallback_signal_id"),
            pl.col("claim").alias("fallback_claim"),
            pl.col("source_url").alias("fallback_source_url"),
            pl.col("signal_date").alias("fallback_date"),
        )
    )
    frame = (
        chosen.join(
            fit.select("person_id", "segment", "employee_count"), on=["person_id", "segment"]
        )
        .join(person, on="person_id")
        .join(address, on="person_id")
        .join(hooks, on="person_id", how="left")
        .join(visible, on=["person_id", "segment"], how="left")
        .join(freshest, on=["person_id", "segment"], how="left")
        .join(routing_rules(configs), on="segment")
        .join(_provenance(contacts, provenance), on="person_id", how="left")
    )
    hook_fits = pl.col("hook").is_not_null() & (pl.col("hook_segment") == pl.col("segment"))
    hook_recent = pl.col("hook_date") >= pl.lit(today) - pl.duration(
        days=pl.col("email_max_age_days")
    )
    main_track = pl.col("send_track") == "main"
    email_ok = (main_track & hook_fits & hook_recent).fill_null(False)
    big_account = (pl.col("employee_count") >= pl.col("multichannel_min_employees")).fill_null(
        False
    )
    has_profile = pl.col("linkedin_url").is_not_null()
    linkedin_ok = has_profile & (pl.col("linkedin_visible").fill_null(False) | ~main_track)
    call_ok = (
        pl.col("calls_allowed")
        & pl.col("phone").is_not_null()
        & ~pl.col("do_not_call").fill_null(False)
    )
    high = pl.col("tier") == "high"
    channel = (
        pl.when(~high).then(pl.lit("nurture"))
        .when(email_ok & big_account).then(pl.lit("multichannel"))
        .when(email_ok).then(pl.lit("email"))
        .when(linkedin_ok).then(pl.lit("linkedin"))
        .when(call_ok).then(pl.lit("call"))
        .otherwise(pl.lit("nurture"))
    )  # fmt: skip
    employees = pl.col("employee_count").cast(pl.String)
    reason = (
        pl.when(~high).then(pl.lit("medium tier: nurture"))
        .when(email_ok & big_account).then(pl.concat_str([
            pl.lit("high tier, account of "), employees, pl.lit(" employees: email + linkedin"),
            pl.when(call_ok).then(pl.lit(" + call")).otherwise(pl.lit("")),
        ]))
        .when(email_ok).then(pl.lit("high tier, valid address, verified recent hook"))
        .when(linkedin_ok & pl.col("linkedin_visible").fill_null(False))
        .then(pl.lit("high tier, signal visible on LinkedIn"))
        .when(linkedin_ok).then(pl.lit("high tier, no address on the main email track"))
        .when(call_ok).then(pl.lit("high tier, calls allowed, phone not do-not-call"))
        .otherwise(pl.lit("high tier with no one-to-one channel (no main-track address with a "
                          "recent hook, no LinkedIn profile, no callable phone): nurture"))
    )  # fmt: skip
    frame = frame.with_columns(channel.alias("channel"), reason.alias("channel_reason"))
    emailed = pl.col("channel").is_in(["email", "multichannel", "nurture"])
    # never the main track for a catch-all: it accepts anything, so it is capped at most
    email_track = pl.when(emailed).then(
        pl.when(main_track).then(pl.lit("main")).otherwise(pl.lit("capped"))
    )
    opener = (
        pl.when(hook_fits)
        .then(pl.col("hook"))
        .otherwise(pl.concat_str([pl.lit("Noticed: "), pl.col("fallback_claim")]))
    )
    return frame.select(
        "person_id", "segment", "tier", "score", "priority", "channel", "channel_reason",
        pl.when(emailed).then(pl.col("verified_email")).alias("email"),
        email_track.alias("email_track"),
        pl.when(pl.col("channel").is_in(["linkedin", "multichannel"]))
        .then(pl.col("linkedin_url")).alias("linkedin_url"),
        pl.when(pl.col("channel").is_in(["call", "multichannel"]) & call_ok)
        .then(pl.col("phone")).alias("phone"),
        opener.alias("opener"),
        pl.when(hook_fits).then(pl.col("hook_signal_id"))
        .otherwise(pl.col("fallback_signal_id")).alias("opener_signal_id"),
        pl.when(hook_fits).then(pl.col("hook_source_url"))
        .otherwise(pl.col("fallback_source_url")).alias("opener_source_url"),
        pl.when(hook_fits).then(pl.col("hook_date"))
        .otherwise(pl.col("fallback_date")).alias("opener_date"),
        "matched_signals", "signal_ids", "intent_tiebreak",
        "sources", "consent_bases",
        pl.col("opt_out_mechanisms").fill_null(_EMPTY),
        "scoring_version", "icp_version",
        pl.lit(now).dt.cast_time_unit("us").alias("routed_at"),
    ).sort("person_id")  # fmt: skip
