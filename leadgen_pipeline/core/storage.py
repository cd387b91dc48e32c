"""The one way tables are written to the DuckDB store.

Every write is a single transaction: a run killed midway leaves the previous table (or
snapshot) exactly as it was. Source pulls are appended to an immutable history, and the
`raw.<source>` tables analysts query are views onto the latest pull.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime

import duckdb
import polars as pl

from leadgen_pipeline.core.canonical import CANONICAL_SCHEMA, REJECT_SCHEMA, SOURCES
from leadgen_pipeline.core.ingest import SourcePull

HISTORY_SCHEMA = "raw_history"
PULLS_TABLE = f"{HISTORY_SCHEMA}.pulls"
REJECTS_HISTORY = f"{HISTORY_SCHEMA}.rejects"


def quote_table(name: str) -> str:
    """`schema.table` with each part quoted as a DuckDB identifier."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolled back on any error so no half-written state survives."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> Iterator[str]:
    """`frame` visible to SQL under a unique name for the duration of the block."""
    name = f"frame_{uuid.uuid4().hex[:12]}"
    con.register(name, frame.to_arrow())
    try:
        yield name
    finally:
        con.unregister(name)


def write_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace `schema.table` with `frame`, atomically."""
    schema = table.split(".")[0]
    with transaction(con), registered(con, frame) as name:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f"create or replace table {quote_table(table)} as select * from {name}")


def read_table(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The whole table as a frame, its timestamps in UTC whatever the session time zone."""
    return in_utc(con.sql(f"select * from {quote_table(table)}").pl())


def in_utc(frame: pl.DataFrame) -> pl.DataFrame:
    """Zoned timestamps in UTC: DuckDB hands them back in the session's time zone."""
    zoned = [n for n, t in frame.schema.items() if isinstance(t, pl.Datetime) and t.time_zone]
    return frame.with_columns(pl.col(zoned).dt.convert_time_zone("UTC")) if zoned else frame


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    (found,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0]
    return bool(found)


def _create_history_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {HISTORY_SCHEMA}")
    con.execute("create schema if not exists raw")
    for source in SOURCES:
        with registered(con, pl.DataFrame(schema=CANONICAL_SCHEMA)) as empty:
            con.execute(
                f"create table if not exists {HISTORY_SCHEMA}.{source} as select * from {empty}"
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
    with transaction(con):
        _create_history_tables(con)
        # fetch to the end: duckdb 2 refuses new work while a result is still open
        ((seen,),) = con.execute(
            f"select count(*) from {PULLS_TABLE} where snapshot_id = ?", [pull.snapshot_id]
        ).fetchall()
        is_new = not seen
        if is_new:
            with registered(con, pull.records) as records:
                con.execute(
                    f"insert into {HISTORY_SCHEMA}.{pull.source} by name select * from {records}"
                )
            with registered(con, pull.rejects) as rejects:
                con.execute(f"insert into {REJECTS_HISTORY} by name select * from {rejects}")
        files = json.dumps([asdict(f) for f in pull.files], default=str)
        con.execute(
            f"insert into {PULLS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                pull.snapshot_id, pull.source, mode, pull.pulled_at, datetime.now(tz=UTC),
                pull.data_rows, pull.records.height, pull.rejects.height, credits_spent,
                files, json.dumps(warnings or []),
            ],
        )  # fmt: skip
    return is_new


def ensure_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables and the latest-pull views if this store has none yet."""
    with transaction(con):
        _create_history_tables(con)


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


def read_raw_union(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest pull of every source as one frame of canonical records."""
    ensure_raw_layer(con)
    union = " union all ".join(f"select * from raw.{source}" for source in SOURCES)
    return in_utc(con.sql(union).pl())


def append_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append `frame` to `schema.table` (created from the frame's shape if missing), atomically."""
    schema = table.split(".")[0]
    with transaction(con), registered(con, frame) as name:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(
            f"create table if not exists {quote_table(table)} as select * from {name} limit 0"
        )
        con.execute(f"insert into {quote_table(table)} by name select * from {name}")
