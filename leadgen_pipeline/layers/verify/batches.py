"""Verification batches: every address belongs to one of a fixed set of batches, so batches can
be verified as runs of their own (Dagster partitions of `verify/email_checks`).

An address's batch is the MD5 digest of its verification key modulo `BATCH_COUNT` (DuckDB's
`md5_number` reads the digest little-endian, so it is the digest's first byte modulo 8): the
same address falls in the same batch on every machine, in every run and whatever else the
inbox holds. The set is fixed in code, not grown per run, so a whole-graph command can name
the one range of every batch. `None` for a set of batches means every batch: a run that names
no partition verifies everything, as it did before batches existed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import duckdb
import polars as pl

from leadgen_pipeline.kernel.store import registered

BATCH_COUNT = 8
BATCH_KEYS: tuple[str, ...] = tuple(str(number) for number in range(BATCH_COUNT))
# what the whole-graph command names: `--partition-range 0...7`, every batch in one run
EVERY_BATCH_RANGE = f"{BATCH_KEYS[0]}...{BATCH_KEYS[-1]}"


def batch_sql(column: str) -> str:
    """The batch key ('0' to '7') of the address in `column`, as a SQL expression."""
    return f"cast(md5_number({column}) % {BATCH_COUNT} as varchar)"


def scoped(batches: Collection[str] | None) -> list[str] | None:
    """`batches` as a sorted list, or None when it is every batch (nothing to filter on).

    An unknown key is a bug in the caller (Dagster only hands out the partitions it
    defines), so it stops the run rather than match nothing."""
    if batches is None:
        return None
    unknown = set(batches) - set(BATCH_KEYS)
    if unknown:
        raise ValueError(f"unknown verification batches {sorted(unknown)}; known: {BATCH_KEYS}")
    return None if set(batches) == set(BATCH_KEYS) else sorted(batches)


def in_batches_sql(column: str, batches: list[str] | None) -> str:
    """A SQL condition true for the rows of `column` in `batches` (every row when None)."""
    if batches is None:
        return "true"
    keys = ", ".join(f"'{key}'" for key in batches)  # keys checked against BATCH_KEYS
    return f"{batch_sql(column)} in ({keys})"


def batch_filter(
    con: duckdb.DuckDBPyConnection, batches: list[str]
) -> Callable[[pl.Series], pl.Series]:
    """A mask function: for a series of addresses, whether each is in `batches` (a null is
    in none). The hash runs in DuckDB once per distinct address."""

    def mask(emails: pl.Series) -> pl.Series:
        distinct = pl.DataFrame(
            {"email": emails.drop_nulls().unique()}, schema={"email": pl.String}
        )
        with registered(con, distinct) as name:
            inside = con.execute(
                f"select email from {name} where {in_batches_sql('email', batches)}"
            ).pl()["email"]
        return emails.is_in(inside.implode()).fill_null(False)

    return mask
