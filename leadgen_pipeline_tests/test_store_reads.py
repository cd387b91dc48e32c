"""Reading stored tables into Polars: the columns asked for, zoned timestamps in UTC, and the
same frame as DuckDB's own `.pl()` gives, on a real DuckDB file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.core.links import read_contacts


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "reads.duckdb"))
    connection.execute("set timezone = 'America/New_York'")
    connection.execute("create schema core")
    connection.execute(
        """create table core.contacts as
           select 'p_' || i as person_id,
                  timestamptz '2026-11-30 23:30:00+00' + to_hours(i) as last_pulled_at,
                  ['apollo', 'cognism'][1 + i % 2] as source,
                  {'email': 'apollo:a.csv#' || i} as lineage
           from range(2500) t(i)"""
    )
    return connection


def test_a_read_streams_the_same_frame_as_duckdbs_own_conversion(
    con: duckdb.DuckDBPyConnection,
) -> None:
    read = store.read_table(con, "core.contacts")
    direct = store.in_utc(con.sql("select * from core.contacts").pl())
    assert read.equals(direct)
    assert read.schema["last_pulled_at"] == pl.Datetime("us", "UTC")
    # the session's zone is New York, the frame's clock UTC: 23:30 UTC stays 23:30
    assert read["last_pulled_at"][0] == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def test_exclude_reads_every_column_but_those_named(con: duckdb.DuckDBPyConnection) -> None:
    read = store.read_table(con, "core.contacts", exclude=["lineage"])
    assert read.columns == ["person_id", "last_pulled_at", "source"]
    assert read.height == 2500


def test_columns_and_exclude_together_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="columns or exclude"):
        store.read_table(con, "core.contacts", ["person_id"], exclude=["lineage"])


def test_later_layers_read_contacts_without_lineage(con: duckdb.DuckDBPyConnection) -> None:
    contacts = read_contacts(con)
    assert "lineage" not in contacts.columns
    assert contacts.sort("person_id")["person_id"].head(2).to_list() == ["p_0", "p_1"]


def test_an_empty_result_keeps_its_schema(con: duckdb.DuckDBPyConnection) -> None:
    empty = store.fetch_frame(con.sql("select * from core.contacts where false"))
    assert empty.height == 0
    assert empty.schema["last_pulled_at"] == pl.Datetime("us", "UTC")
    assert empty.columns == ["person_id", "last_pulled_at", "source", "lineage"]


def test_a_narrowed_read_keeps_its_columns_and_derives_from_whole_batches(
    con: duckdb.DuckDBPyConnection,
) -> None:
    relation = con.sql("select * from core.contacts")
    read = store.fetch_narrowed(
        relation,
        keep=["person_id", "last_pulled_at"],
        # `source` is read only to derive from: it is not kept
        derive=lambda batch: batch.select(pl.col("source").str.len_chars().alias("n")),
        batch_rows=1024,  # three batches of the 2,500 rows
    )
    assert read.columns == ["person_id", "last_pulled_at", "n"]
    whole = store.read_table(con, "core.contacts")
    expected = whole.select(
        "person_id", "last_pulled_at", pl.col("source").str.len_chars().alias("n")
    )
    assert read.sort("person_id").equals(expected.sort("person_id"))
    assert read.schema["last_pulled_at"] == pl.Datetime("us", "UTC")


def test_a_narrowed_read_of_no_rows_has_the_columns_all_the_same(
    con: duckdb.DuckDBPyConnection,
) -> None:
    read = store.fetch_narrowed(
        con.sql("select * from core.contacts where false"),
        keep=["person_id"],
        derive=lambda batch: batch.select(pl.col("source").alias("s")),
        batch_rows=1024,
    )
    assert read.is_empty() and read.columns == ["person_id", "s"]


def test_a_table_written_from_string_views_reads_back_as_written(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Writes hand Polars' string views to DuckDB as they are: every kind of column the
    layers write comes back equal, strings longer than a view's 12 inline bytes included."""
    long = "apollo:apollo/people-export-2026-11-01.csv#12345@apollo-0123456789abcdef"
    frame = pl.DataFrame(
        {
            "person_id": ["p_1", "p_2", None],
            "note": [long, "", "short"],
            "sources": [["apollo", "cognism"], [], None],
            "lineage": [{"email": long, "phone": None}, {"email": "x", "phone": "y"}, None],
            "pulled_at": [datetime(2026, 11, 30, 23, 30, tzinfo=UTC)] * 3,
            "fit": [True, False, None],
            "records": [1, 2, 3],
        }
    )
    store.write_table(con, "core.views", frame)
    assert store.read_table(con, "core.views").equals(frame)
    types = dict(con.execute("select column_name, data_type from duckdb_columns() "
                             "where table_name = 'views'").fetchall())  # fmt: skip
    assert types["note"] == "VARCHAR" and types["sources"] == "VARCHAR[]"
    # appended rows go the same way
    store.append_rows(con, "core.views", frame.head(1))
    assert store.read_table(con, "core.views").height == 4
