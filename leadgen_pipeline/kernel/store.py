"""The one way tables are written to and read from the DuckDB store.

Every write is a single transaction: a run killed midway leaves the previous table exactly
as it was. Timestamps come back in UTC whatever the session's time zone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl


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


def append_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append `frame` to `schema.table` (created from the frame's shape if missing), atomically."""
    schema = table.split(".")[0]
    with transaction(con), registered(con, frame) as name:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(
            f"create table if not exists {quote_table(table)} as select * from {name} limit 0"
        )
        con.execute(f"insert into {quote_table(table)} by name select * from {name}")
