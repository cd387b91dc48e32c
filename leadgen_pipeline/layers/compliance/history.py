"""Suppression only grows: every suppression ever recorded is kept, and only an explicit
re-consent record lifts an opt-out.

Tools export their lists as they stand today, so a later export can lack a person who opted
out long ago, a file can be emptied or removed, or an export can come back header-only.
None of that may make anyone contactable again: `compliance.suppression_history` keeps
every (kind, key) ever seen, with the build that first saw it, and the suppression list is
built from the history, not from today's files alone.

The one way back is a re-consent file (`email,consented_at,proof`): it lifts an opt-out or a
spam complaint of the same address recorded before the consent, and the lift is logged in
`compliance.suppression_lifts`. Erasures, hard bounces and do-not-contact domains are never
lifted this way.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from leadgen_pipeline.kernel.store import append_rows, read_table, table_exists

HISTORY_TABLE = "compliance.suppression_history"
LIFTS_TABLE = "compliance.suppression_lifts"
LIFTABLE = ("opt_out", "spam_complaint")
KEY = ["kind", "key_type", "key_value"]
# a later opt-out of a re-consented address is a new record, so the date is part of it
RECORD = [*KEY, "recorded_at"]


def grow_history(
    con: duckdb.DuckDBPyConnection, current: pl.DataFrame, seen_at: datetime
) -> pl.DataFrame:
    """Append every suppression of `current` the history does not hold yet, and return the
    whole history. ICP disqualifiers follow the ICP files as they are and are not kept."""
    consent_kinds = current.filter(pl.col("kind") != "icp_disqualifier")
    known = (
        read_table(con, HISTORY_TABLE)
        if table_exists(con, HISTORY_TABLE)
        else consent_kinds.head(0).with_columns(
            pl.lit(None, pl.Datetime("us", "UTC")).alias("first_seen_at")
        )
    )
    new = (
        consent_kinds.join(known.select(RECORD), on=RECORD, how="anti", nulls_equal=True)
        .unique(RECORD, keep="first", maintain_order=True)
        .with_columns(pl.lit(seen_at).cast(pl.Datetime("us", "UTC")).alias("first_seen_at"))
    )
    append_rows(con, HISTORY_TABLE, new)
    return pl.concat([known, new.select(known.columns)])


def lifted_by_consent(history: pl.DataFrame, consents: pl.DataFrame) -> pl.DataFrame:
    """The history rows a re-consent lifts: an opt-out or complaint of the same address,
    recorded before a consent that states its proof."""
    proven = consents.filter(pl.col("proof").str.strip_chars().str.len_chars() > 0)
    latest = proven.group_by("email_key").agg(
        pl.col("consented_at").max(), pl.col("proof").sort_by("consented_at").last()
    )
    return (
        history.filter(pl.col("kind").is_in(LIFTABLE) & (pl.col("key_type") == "email_key"))
        .join(latest, left_on="key_value", right_on="email_key")
        .filter(pl.col("recorded_at").is_null() | (pl.col("recorded_at") < pl.col("consented_at")))
    )


def effective_suppressions(
    con: duckdb.DuckDBPyConnection,
    current: pl.DataFrame,
    consents: pl.DataFrame,
    seen_at: datetime,
) -> pl.DataFrame:
    """The suppression list of this build: the whole history less what re-consent lifted,
    plus today's ICP disqualifiers. Lifts are logged once each."""
    history = grow_history(con, current, seen_at)
    lifted = lifted_by_consent(history, consents)
    logged = (
        read_table(con, LIFTS_TABLE).select(*RECORD, "consented_at")
        if table_exists(con, LIFTS_TABLE)
        else lifted.head(0).select(*RECORD, "consented_at")
    )
    append_rows(
        con,
        LIFTS_TABLE,
        lifted.join(logged, on=[*RECORD, "consented_at"], how="anti", nulls_equal=True).select(
            *RECORD,
            "consented_at",
            "proof",
            pl.lit(seen_at).cast(pl.Datetime("us", "UTC")).alias("lifted_at"),
        ),
    )
    standing = (
        history.join(lifted.select(RECORD), on=RECORD, how="anti", nulls_equal=True)
        .drop("first_seen_at")
        .unique(RECORD, keep="first", maintain_order=True)
    )
    disqualifiers = current.filter(pl.col("kind") == "icp_disqualifier")
    return pl.concat([standing, disqualifiers.select(standing.columns)])
