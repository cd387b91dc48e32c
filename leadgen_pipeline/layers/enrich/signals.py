"""One table of dated signals from every source: duplicates folded, ids stable, each row
saying whether it may be used and why.

- **The same round reported twice is one signal**: usable funding rounds of one account
  with the same round name (`Series A`, `series_a`, `SERIES-A` alike) dated within
  `SAME_ROUND_DAYS` of each other are one round; the report kept is the one with a source
  URL, then from a file, then the earliest; `reports` counts them and `verification` names
  the others. Every other signal is one per (type, account, person, what, date).
- **`signal_id`** is a hash of the defining fields only (type, account, person, what, date),
  so it survives rebuilds, and the table is the same whatever the input row order.
- **Verified** here means dated, not in the future, and traceable to its file row, vendor
  field or pulls; an undated or future-dated signal is kept with `verified = false` and why.
  Research claims are verified against their pages (`research.py`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.layers.enrich.vocab import SIGNALS_SCHEMA

SAME_ROUND_DAYS = 45

_SOURCE_RANK = (
    pl.when(pl.col("source_url").is_not_null())
    .then(0)
    .when(pl.col("source").str.starts_with("file:"))
    .then(1)
    .otherwise(2)
)


def round_key(expr: pl.Expr) -> pl.Expr:
    """A round name as compared: `Series A`, `series_a`, `SERIES-A` are one round."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()


def _what(value: pl.Expr, signal_type: pl.Expr, claim: pl.Expr) -> pl.Expr:
    """The part of a signal that tells it from another of the same type, account and date."""
    return (
        pl.when(signal_type == "funding_round")
        .then(round_key(value.struct["round"]))
        .when(signal_type.is_in(["tech_adopted", "tech_dropped"]))
        .then(value.struct["technology"].str.to_lowercase())
        .when(signal_type == "intent_surge")
        .then(value.struct["topic"].str.to_lowercase())
        .when(signal_type.is_in(["hiring", "job_change", "role_change"]))
        .then(pl.coalesce(value.struct["role"].str.to_lowercase(), pl.lit("")))
        .when(signal_type == "headcount_growth")
        .then(pl.concat_str([value.struct["from_count"], value.struct["to_count"]], separator=">"))
        .otherwise(claim.str.to_lowercase())
    )


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    # a total order on every column that can differ, so ties never depend on input order
    return frame.sort(
        "rank",
        "signal_date",
        "source",
        "source_row",
        "source_url",
        "claim",
        "evidence",
        nulls_last=True,
    )


def assemble_signals(candidates: pl.DataFrame, today: date) -> pl.DataFrame:
    """`candidates` (every source's signals, `signal_files.CANDIDATE_SCHEMA` + `person_id`)
    as the `enrich.signals` table: duplicates folded, ids minted, verification stated."""
    frame = candidates.with_columns(
        _what(pl.col("value"), pl.col("signal_type"), pl.col("claim")).alias("what"),
        _SOURCE_RANK.alias("rank"),
        pl.col("person_id").fill_null(""),
        pl.col("problem").is_null().alias("usable"),
    )
    rounds = frame.filter(pl.col("signal_type") == "funding_round").sort(
        "account_domain", "what", "usable", "signal_date", nulls_last=True
    )
    gap = (pl.col("signal_date") - pl.col("signal_date").shift(1)).dt.total_days()
    rounds = rounds.with_columns(
        (gap.is_null() | (gap > SAME_ROUND_DAYS))
        .cum_sum()
        .over("account_domain", "what", "usable")
        .alias("cluster")
    )
    rounds = rounds.with_columns(
        pl.col("signal_date")
        .min()
        .over("account_domain", "what", "usable", "cluster")
        .alias("key_date")
    )
    others = frame.filter(pl.col("signal_type") != "funding_round").with_columns(
        pl.lit(0, dtype=pl.UInt32).alias("cluster"), pl.col("signal_date").alias("key_date")
    )
    rounds = rounds.with_columns(pl.col("cluster").cast(pl.UInt32))
    keyed = pl.concat([rounds, others], how="vertical_relaxed")
    # a report that fails its check is never folded into one that passes: it stays visible
    identity = ["signal_type", "account_domain", "person_id", "what", "key_date", "usable"]
    keyed = _ordered(keyed).with_columns(
        pl.len().over(identity).alias("reports"),
        pl.col("source").unique().sort().implode().over(identity).alias("reported_by"),
    )
    kept = keyed.unique(identity, keep="first", maintain_order=True)
    signal_id = pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in identity], separator="\x1f"
    )
    signal_id = pl.lit("s_") + sha256_column(signal_id).str.slice(0, 16)
    future = pl.col("signal_date") > pl.lit(today)
    where = pl.concat_str(
        [
            pl.col("source").str.replace("^file:", ""),
            pl.when(pl.col("source_row").is_not_null())
            .then(pl.concat_str([pl.lit(" row "), pl.col("source_row").cast(pl.String)]))
            .otherwise(pl.lit("")),
        ]
    )
    also = pl.col("reported_by").list.set_difference(pl.concat_list(pl.col("source")))
    verification = (
        pl.when(pl.col("problem").is_not_null())
        .then(pl.col("problem"))
        .when(future)
        .then(pl.concat_str([pl.lit("dated after "), pl.lit(today.isoformat())]))
        .otherwise(pl.coalesce(pl.col("note"), pl.concat_str([pl.lit("stated by "), where])))
    )
    verification = (
        pl.when(also.list.len() > 0)
        .then(pl.concat_str([verification, pl.lit("; also reported by "), also.list.join(", ")]))
        .otherwise(verification)
    )
    table = kept.with_columns(
        signal_id.alias("signal_id"),
        (pl.col("problem").is_null() & ~future.fill_null(False)).alias("verified"),
        verification.alias("verification"),
        pl.when(pl.col("person_id") == "")
        .then(None)
        .otherwise(pl.col("person_id"))
        .alias("person_id"),
        pl.col("reports").cast(pl.Int64),
    )
    return table.select([pl.col(name).cast(dtype) for name, dtype in SIGNALS_SCHEMA.items()]).sort(
        "signal_id"
    )


def round_key_sql(column: str) -> str:
    """`round_key` in DuckDB SQL, for checks that read the stored table."""
    return f"trim(regexp_replace(lower({column}), '[^a-z0-9]+', ' ', 'g'))"
