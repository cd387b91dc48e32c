"""The erasure sweep reads again only the rows it has not swept for the same identifiers: a
row changed or added since is read, a row it left is not, and a new request reads every
row again. On a real DuckDB file, through `erase` itself."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.compliance.erasure import SWEPT_ROWS, erase
from leadgen_pipeline.layers.raw import history

NO_RECORDS = pl.DataFrame(
    schema={"snapshot_id": pl.String, "source_file": pl.String, "source_row": pl.Int64}
)
NO_HASHES = pl.DataFrame(schema={"key_type": pl.String, "key_hash": pl.String})
NO_PEOPLE = pl.Series("person_id", [], dtype=pl.String)
ANN, BEA = "ann@acme.example", "bea@orbit.example"


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "sweep.duckdb"))
    history.ensure_raw_layer(connection)
    connection.execute("create schema enrich")
    connection.execute(
        "create table enrich.notes (note_id integer, note varchar, detail struct(who varchar))"
    )
    connection.execute(
        f"""insert into enrich.notes values
            (1, 'call {ANN} back', {{'who': null}}),
            (2, 'quarterly plan', {{'who': 'ops'}}),
            (3, 'met at the fair', {{'who': '{BEA}'}})"""
    )
    return connection


def sweep(con: duckdb.DuckDBPyConnection, *identifiers: str) -> dict[str, int]:
    return erase(con, NO_RECORDS, set(identifiers), NO_HASHES, NO_PEOPLE).swept_rows


def notes(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [n for (n,) in con.execute("select note_id from enrich.notes order by 1").fetchall()]


def swept_hashes(con: duckdb.DuckDBPyConnection) -> int:
    ((n,),) = con.execute(
        f"select count(*) from {SWEPT_ROWS} where table_name = 'enrich.notes'"
    ).fetchall()
    return n


def test_a_row_added_after_a_sweep_is_still_swept(con: duckdb.DuckDBPyConnection) -> None:
    assert sweep(con, ANN) == {"enrich.notes": 1}
    assert notes(con) == [2, 3]
    assert swept_hashes(con) == 2  # the two rows the sweep left, nothing of the erased one
    con.execute(f"insert into enrich.notes values (4, 'ask {ANN.upper()} again', null)")
    con.execute("update enrich.notes set note = 'plan, mail ' || $e where note_id = 2", {"e": ANN})
    assert sweep(con, ANN) == {"enrich.notes": 2}
    assert notes(con) == [3]


def test_a_row_the_last_sweep_left_is_not_read_again(con: duckdb.DuckDBPyConnection) -> None:
    sweep(con, ANN)
    # what a skipped row looks like: one the notes say was swept, made to hold the address
    # (the hash is of the text columns in name order: detail, note)
    forged = f"hash(null::struct(who varchar), 'call {ANN} back')"
    con.execute(
        f"""insert into {SWEPT_ROWS} select table_name, identifiers_sha256, {forged}
            from {SWEPT_ROWS} where table_name = 'enrich.notes' limit 1"""
    )
    con.execute(f"insert into enrich.notes values (5, 'call {ANN} back', null)")
    assert sweep(con, ANN) == {}  # the same identifiers: that row's text is taken as swept
    assert notes(con) == [2, 3, 5]
    # a new request is a new set of identifiers: every row is read again
    assert sweep(con, ANN, BEA) == {"enrich.notes": 2}
    assert notes(con) == [2]


def test_the_notes_are_not_swept_as_a_table_of_people(con: duckdb.DuckDBPyConnection) -> None:
    sweep(con, ANN)
    sweep(con, BEA)
    tables = {t for (t,) in con.execute(f"select distinct table_name from {SWEPT_ROWS}").fetchall()}
    assert "enrich.notes" in tables and SWEPT_ROWS not in tables
    assert not any(t.startswith("raw_history.") for t in tables)  # blanked, never deleted


def test_a_value_many_rows_share_sweeps_every_one(con: duckdb.DuckDBPyConnection) -> None:
    # the regexes run once per distinct value: every row holding it still goes, whichever
    # column (a list, a struct's field) and whatever the case
    con.execute(
        "create table enrich.tags (tag_id integer, owners varchar[], who struct(a varchar))"
    )
    con.execute(
        f"""insert into enrich.tags values
            (1, ['{ANN}', 'ops'], null), (2, ['{ANN}', 'ops'], null),
            (3, ['ops'], {{'a': '{ANN.upper()}'}}), (4, ['ops'], {{'a': 'x{ANN}'}}),
            (5, ['ops'], {{'a': 'ops'}})"""
    )
    assert sweep(con, ANN) == {"enrich.notes": 1, "enrich.tags": 3}
    kept = con.execute("select tag_id from enrich.tags order by 1").fetchall()
    assert kept == [(4,), (5,)]  # `xann@…` is another address
