"""The one way tables are written to and read from the DuckDB store.

Every write is a single transaction: a run killed midway leaves the previous table exactly
as it was. Timestamps come back in UTC whatever the session's time zone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl
import pyarrow as pa


def quote_identifier(name: str) -> str:
    """One name (a column, a struct field, a schema) quoted as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_table(name: str) -> str:
    """`schema.table` with each part quoted as a DuckDB identifier."""
    return ".".join(quote_identifier(part) for part in name.split("."))


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


T = TypeVar("T")
# attempts at a transaction that another writer of the store may make conflict
COMMIT_ATTEMPTS = 5


def committed(
    con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]
) -> T:
    """`work(con)` in a transaction of its own, run again from the start when the store
    refuses the commit; what `work` returned.

    A store with several writing processes (the lake, `kernel/lake.py`) commits
    optimistically: of two transactions that change one table at once (one appends, the
    other comments on it; both create the same schema) one commit is refused, and the loser
    redoing its work on the winner's snapshot is the remedy. `work` must therefore decide
    from what it reads inside the transaction. On a DuckDB file (one writer) the first
    attempt holds."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            with transaction(con):
                result = work(con)
            return result
        except duckdb.TransactionException:
            if attempt == COMMIT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def create_if_missing(
    con: duckdb.DuckDBPyConnection, create: Callable[[duckdb.DuckDBPyConnection], None]
) -> None:
    """Run `create` (DDL of the `... if not exists` kind) in a transaction of its own, apart
    from the data's (`committed`): a writer that loses the race finds the object there, and
    no data transaction ever conflicts on DDL."""
    committed(con, create)


def ensure_schema(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The schema of `schema.table`, created if missing."""
    schema = table.split(".")[0].replace('"', '""')
    create_if_missing(con, lambda c: c.execute(f'create schema if not exists "{schema}"'))


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, views: bool = False
) -> Iterator[str]:
    """`frame` visible to SQL under a unique name for the duration of the block.

    With `views`, for a block that only copies the frame into a table, it is handed over at
    Polars' newest Arrow level, whose string views DuckDB reads as they are: the default
    level copies every string column first (1 GiB for `core.contacts` at a million
    records). A filter on such a frame fails, since DuckDB pushes it into pyarrow, which
    cannot compare a string view with a string."""
    name = f"frame_{uuid.uuid4().hex[:12]}"
    level = pl.CompatLevel.newest() if views else pl.CompatLevel.oldest()
    con.register(name, frame.to_arrow(compat_level=level))
    try:
        yield name
    finally:
        con.unregister(name)


def write_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace `schema.table` with `frame`, atomically."""
    ensure_schema(con, table)
    with transaction(con), registered(con, frame, views=True) as name:
        con.execute(f"create or replace table {quote_table(table)} as select * from {name}")


def write_tables(con: duckdb.DuckDBPyConnection, frames: Mapping[str, pl.DataFrame]) -> None:
    """Replace each `schema.table` with its frame, all in one transaction: a run killed
    midway leaves every one of them as it was."""
    for table in frames:
        ensure_schema(con, table)
    with transaction(con):
        for table, frame in frames.items():
            with registered(con, frame, views=True) as name:
                con.execute(f"create or replace table {quote_table(table)} as select * from {name}")


def read_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str] | None = None,
    *,
    exclude: Sequence[str] = (),
) -> pl.DataFrame:
    """The table (only `columns`, when given, or every column but `exclude`: DuckDB reads no
    other) as a frame, its timestamps in UTC whatever the session time zone."""
    if columns and exclude:
        raise ValueError("read_table takes columns or exclude, not both")
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    if exclude:
        select += " exclude ({})".format(", ".join(f'"{c}"' for c in exclude))
    return fetch_frame(con.sql(f"select {select} from {quote_table(table)}"))


READ_BATCH_ROWS = 1_000_000


def fetch_frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's whole result as a frame, timestamps in UTC. Streamed through Arrow batches:
    `.pl()` builds DuckDB's whole result beside the frame and keeps that memory resident
    after, about 1 GiB more for `core.contacts` at a million records."""
    return in_utc(_frame_of(relation.to_arrow_reader(READ_BATCH_ROWS).read_all()))


def fetch_narrowed(
    relation: duckdb.DuckDBPyRelation,
    keep: Sequence[str],
    derive: Callable[[pl.DataFrame], pl.DataFrame],
    *,
    batch_rows: int,
) -> pl.DataFrame:
    """The `keep` columns of a query's result beside the columns `derive` computes from each
    whole batch of `batch_rows` rows (a hash of every column, say): the other columns are
    never held for every row at once.

    The kept columns are copied out of each batch: DuckDB frees a batch's memory only when
    nothing points into any of its columns, so a frame of a few of them would keep all of
    them resident."""
    reader = relation.to_arrow_reader(batch_rows)
    frames = []
    for batch in reader:
        derived = derive(in_utc(_frame_of(batch)))
        kept = batch.select(list(keep))
        copied = pa.RecordBatch.from_arrays(
            [pa.concat_arrays([column]) for column in kept.columns], schema=kept.schema
        )
        frames.append(in_utc(_frame_of(copied)).hstack(derived.get_columns()))
    if not frames:  # no rows: the shape of an empty batch
        empty = in_utc(_frame_of(reader.schema.empty_table()))
        frames = [empty.select(keep).hstack(derive(empty).get_columns())]
    return pl.concat(frames, rechunk=False)


def _frame_of(batch: pa.RecordBatch | pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)  # a table, never a lone column
    return frame


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
    ensure_schema(con, table)
    with registered(con, frame, views=True) as name:
        create_if_missing(
            con,
            lambda c: c.execute(
                f"create table if not exists {quote_table(table)} as select * from {name} limit 0"
            ),
        )
        with transaction(con):
            con.execute(f"insert into {quote_table(table)} by name select * from {name}")


# Analysts' DuckDB clients lag the pipeline's: a copy in this storage format opens in DuckDB
# 1.0 and every later release (CLI, Python, JDBC for DBeaver).
ANALYST_STORAGE_VERSION = "v1.0.0"


def publish_copy(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    storage_version: str = ANALYST_STORAGE_VERSION,
) -> None:
    """The whole database copied to `target` and swapped in whole: written beside it, then
    renamed, so a reader never opens half a copy, and one holding the old copy keeps it
    until it reconnects. The store itself is only read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    partial = target.with_name(f".{target.name}.{token}.partial")
    alias = f"publish_{token}"
    ((source,),) = con.execute("select current_database()").fetchall()
    path = str(partial).replace("'", "''")
    try:
        con.execute(f"attach '{path}' as {alias} (storage_version '{storage_version}')")
        try:
            con.execute(f'copy from database "{source}" to {alias}')
        finally:
            con.execute(f"detach {alias}")
        os.replace(partial, target)
    finally:
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
