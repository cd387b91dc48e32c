"""The raw layer's immutable pull history and the latest-pull views onto it.

Source pulls are appended to `raw_history.<source>` under a snapshot id, logged in
`raw_history.pulls`, and the `raw.<source>` tables analysts query are views onto the latest
pull. Every write is one transaction: a killed run leaves the previous snapshot as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates
from leadgen_pipeline.kernel.store import (
    committed,
    create_if_missing,
    registered,
    table_exists,
)
from leadgen_pipeline.layers.raw.canonical import CANONICAL_SCHEMA, REJECT_SCHEMA, SOURCES
from leadgen_pipeline.layers.raw.ingest import FileReport, SourcePull

HISTORY_SCHEMA = "raw_history"
PULLS_TABLE = f"{HISTORY_SCHEMA}.pulls"
REJECTS_HISTORY = f"{HISTORY_SCHEMA}.rejects"


def _create_history_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {HISTORY_SCHEMA}")
    con.execute("create schema if not exists raw")
    for source in SOURCES:
        with registered(con, pl.DataFrame(schema=CANONICAL_SCHEMA)) as empty:
            con.execute(
                f"create table if not exists {HISTORY_SCHEMA}.{source} as select * from {empty}"
            )
        # a store built before `data_quality` existed gains the column (null for old rows)
        con.execute(
            f"alter table {HISTORY_SCHEMA}.{source} add column if not exists data_quality varchar"
        )
    with registered(con, pl.DataFrame(schema=REJECT_SCHEMA)) as empty:
        con.execute(f"create table if not exists {REJECTS_HISTORY} as select * from {empty}")
    con.execute(
        f"""create table if not exists {PULLS_TABLE} (
            snapshot_id varchar not null, source varchar not null, mode varchar not null,
            pulled_at timestamptz not null, ingested_at timestamptz not null,
            data_rows bigint not null, records bigint not null, rejects bigint not null,
            credits_spent double, files json, warnings json)"""
    )
    latest = f"""(select snapshot_id from {PULLS_TABLE} p where p.source = '{{source}}'
                  order by ingested_at desc limit 1)"""
    for source in SOURCES:
        con.execute(
            f"create view if not exists raw.{source} as select * from {HISTORY_SCHEMA}.{source} "
            f"where snapshot_id = {latest.format(source=source)}"
        )
    con.execute(
        f"""create view if not exists raw.rejects as
        select r.* from {REJECTS_HISTORY} r
        join (select source, arg_max(snapshot_id, ingested_at) as snapshot_id
              from {PULLS_TABLE} group by source) latest using (source, snapshot_id)"""
    )


def record_pull(
    con: duckdb.DuckDBPyConnection,
    pull: SourcePull,
    *,
    mode: str = "inbox",
    credits_spent: float | None = None,
    warnings: list[str] | None = None,
) -> bool:
    """Append `pull` to the history and make it the latest; False if it was already stored.

    An identical pull (same snapshot id: same inputs, same mapping) is not stored twice;
    it is logged again and becomes the latest.
    """
    # row order is carried by source_row; not preserving it lets DuckDB insert in parallel
    ((preserve,),) = con.execute("select current_setting('preserve_insertion_order')").fetchall()
    con.execute("set preserve_insertion_order = false")
    try:
        return _append_pull(con, pull, mode, credits_spent, warnings)
    finally:
        con.execute(f"set preserve_insertion_order = {bool(preserve)}")


def _append_pull(
    con: duckdb.DuckDBPyConnection,
    pull: SourcePull,
    mode: str,
    credits_spent: float | None,
    warnings: list[str] | None,
) -> bool:
    # every pull creates every source's history: apart from the data, so pulls running at
    # once in several processes (the lake) never conflict on it
    create_if_missing(con, _create_history_tables)
    files = json.dumps([asdict(f) for f in pull.files], default=str)

    def append(con: duckdb.DuckDBPyConnection) -> bool:
        # fetch to the end: duckdb 2 refuses new work while a result is still open
        ((seen,),) = con.execute(
            f"select count(*) from {PULLS_TABLE} where snapshot_id = ?", [pull.snapshot_id]
        ).fetchall()
        is_new = not seen
        if is_new and pull.stored:  # a bug: a pull not read cannot be a new snapshot
            raise RuntimeError(f"{pull.snapshot_id} was not read but is not in the history")
        if is_new:
            with registered(con, pull.records) as records:
                con.execute(
                    f"insert into {HISTORY_SCHEMA}.{pull.source} by name select * from {records}"
                )
            with registered(con, pull.rejects) as rejects:
                con.execute(f"insert into {REJECTS_HISTORY} by name select * from {rejects}")
        con.execute(
            f"insert into {PULLS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                # ingested_at orders the pulls (the latest is the raw view): the machine's
                # clock, since two runs pinned to one date must still be told apart
                pull.snapshot_id, pull.source, mode, pull.pulled_at, dates.wall_clock(),
                pull.data_rows, pull.record_count, pull.reject_count, credits_spent,
                files, json.dumps(warnings or []),
            ],
        )  # fmt: skip
        return is_new

    # the other pulls append to the same pull log at once in a lake: a refused commit retries
    return committed(con, append)


def ensure_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables and the latest-pull views if this store has none yet."""
    if table_exists(con, PULLS_TABLE) and table_exists(con, REJECTS_HISTORY):
        return  # created together with the views, in one transaction
    create_if_missing(con, _create_history_tables)


def stored_files(con: duckdb.DuckDBPyConnection, snapshot_id: str) -> list[FileReport] | None:
    """The file reports a snapshot was stored with, or None if the history does not hold it:
    a pull of the same files under the same mapping need not read them again."""
    if not table_exists(con, PULLS_TABLE):
        return None
    rows = con.execute(
        f"select files from {PULLS_TABLE} where snapshot_id = ? order by ingested_at limit 1",
        [snapshot_id],
    ).fetchall()
    if not rows:
        return None
    try:
        return [
            FileReport(**{**f, "pulled_at": datetime.fromisoformat(f["pulled_at"])})
            for f in json.loads(rows[0][0])
        ]
    except (TypeError, ValueError, KeyError):
        return None  # logged by an older version in another shape: read the files again


def latest_pull(con: duckdb.DuckDBPyConnection, source: str) -> dict | None:
    """The pull log row of the source's latest pull, or None before its first pull."""
    if not table_exists(con, PULLS_TABLE):
        return None
    rows = con.sql(
        f"select * from {PULLS_TABLE} where source = $source order by ingested_at desc limit 1",
        params={"source": source},
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def conservation_gaps(con: duckdb.DuckDBPyConnection, source: str) -> pl.DataFrame:
    """Files of the source's latest pull whose rows read != records + rejects stored.

    Empty when every data row of every file landed in exactly one place. The rows read are
    the reader's count at ingest time; the stored counts come from the tables as they are
    now, so a lost or duplicated write shows up here.
    """
    pull = latest_pull(con, source)
    if pull is None:
        return pl.DataFrame(
            schema={"source_file": pl.String, "data_rows": pl.Int64, "stored": pl.Int64}
        )
    files = pl.DataFrame(
        json.loads(pull["files"]) or None, schema_overrides={"data_rows": pl.Int64}
    )
    if files.is_empty():
        files = pl.DataFrame(schema={"source_file": pl.String, "data_rows": pl.Int64})
    stored = con.sql(
        f"""select source_file, count(*) as stored from (
              select source_file from {HISTORY_SCHEMA}.{source} where snapshot_id = $snapshot
              union all
              select source_file from {REJECTS_HISTORY} where snapshot_id = $snapshot)
            group by source_file""",
        params={"snapshot": pull["snapshot_id"]},
    ).pl()
    return (
        files.select("source_file", "data_rows")
        .join(stored, on="source_file", how="full", coalesce=True)
        .with_columns(pl.col("data_rows").fill_null(0), pl.col("stored").fill_null(0))
        .filter(pl.col("data_rows") != pl.col("stored"))
    )


def raw_union_sql(columns: Sequence[str] = ("*",)) -> str:
    """SQL for the latest pull of every source as one relation of canonical records, with
    only `columns` (so DuckDB reads no other column). Run `ensure_raw_layer` first."""
    select = ", ".join(columns)
    return " union all ".join(f"select {select} from raw.{source}" for source in SOURCES)
