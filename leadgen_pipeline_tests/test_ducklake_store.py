"""The production store: the whole demo graph materialised into a DuckLake whose catalog is a
real PostgreSQL server and whose data are Parquet files, bound from the environment as a
deployment binds it, and read back by a second client as an analyst on another host would."""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel import lake, settings
from leadgen_pipeline.kernel.store import write_tables
from leadgen_pipeline.resources import DuckDBStore, DuckLakeStore, store_from_env
from leadgen_pipeline_tests.builds import EVENT_LOG, Build, RunSummary, build_demo
from leadgen_pipeline_tests.postgres_server import PostgresServer
from leadgen_pipeline_tests.row_counts import ROW_COUNTS, row_counts

LAKE_DB = "lake_catalog"
# what differs between any two builds of one inbox: the one stamp taken from the machine's
# clock (it orders pulls, test_pinned_time.py), the Dagster run, and where the build's export
# files are (their rows and sha256 are compared)
PER_BUILD_COLUMNS = {"ingested_at", "run_id", "path"}


@dataclass(frozen=True)
class LakeBuild:
    server: PostgresServer
    folder: Path
    data_path: Path
    store: DuckDBStore
    summary: RunSummary


def lake_env(server: PostgresServer, data_path: Path) -> dict[str, str]:
    return {
        "LEADGEN_STORE": "ducklake",
        "LEADGEN_LAKE_PG_HOST": server.host,
        "LEADGEN_LAKE_PG_PORT": str(server.port),
        "LEADGEN_LAKE_PG_DB": LAKE_DB,
        "LEADGEN_LAKE_PG_USER": server.user,
        settings.LAKE_PASSWORD_ENV: server.password,
        "LEADGEN_LAKE_DATA_PATH": str(data_path),
    }


@pytest.fixture(scope="module")
def lake_build(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LakeBuild]:
    """The demo built once into a fresh lake, its store bound by `store_from_env` from the
    variables a deployment sets (the password among them, as an EnvVar)."""
    postgres.create_database(LAKE_DB)
    folder = tmp_path_factory.mktemp("lake_build")
    data_path = folder / "lake_files"
    env = {
        **lake_env(postgres, data_path),
        "LEADGEN_DUCKDB_PATH": str(folder / "leadgen.duckdb"),
        "LEADGEN_ANALYST_COPY": str(folder / "analyst.duckdb"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        store = store_from_env()
        summary, _ = build_demo(folder, store=store)
        yield LakeBuild(postgres, folder, data_path, store, summary)


def open_lake(build: LakeBuild) -> duckdb.DuckDBPyConnection:
    """A second client: its own DuckDB session, attaching the lake from its catalog alone."""
    con = duckdb.connect(":memory:", config=lake.OFFLINE_CONFIG)
    catalog = lake.LakeCatalog(
        build.server.host, build.server.port, LAKE_DB, build.server.user,
        build.server.password, str(build.data_path),
    )  # fmt: skip
    lake.attach_lake(con, catalog, "lake")
    return con


def test_the_whole_demo_graph_builds_into_the_lake(lake_build: LakeBuild) -> None:
    assert isinstance(lake_build.store, DuckLakeStore)
    assert lake_build.summary.success and lake_build.summary.failed_checks == []
    with open_lake(lake_build) as con:
        tables = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = 'lake' order by 1"
        ).fetchall()
        counts = {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for (t,) in tables}
    assert counts == json.loads(ROW_COUNTS.read_text())
    # nothing of the pipeline's landed in the process's own DuckDB file: there is none
    assert not (lake_build.folder / "leadgen.duckdb").exists()
    # the files a run writes beside its store go to the folder of LEADGEN_DUCKDB_PATH
    with open_lake(lake_build) as con:
        exports = [Path(p) for (p,) in con.sql("select path from score.handoff_exports").fetchall()]
    assert exports and all(p.is_relative_to(lake_build.folder / "exports") for p in exports)
    assert all(p.is_file() for p in exports)
    assert (lake_build.folder / "reports").is_dir()


def test_the_lake_holds_the_same_rows_as_the_duckdb_file_build(
    lake_build: LakeBuild, demo_build: tuple[Build, RunSummary]
) -> None:
    file_build, _ = demo_build
    differing = {}
    with open_lake(lake_build) as con:
        con.execute(f"attach '{file_build.store}' as file_store (read_only)")
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'file_store' and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        assert len(tables) > 40
        for schema, table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_catalog = 'file_store' and table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in PER_BUILD_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            lake_rows = f'select {select} from lake."{schema}"."{table}"'
            file_rows = f'select {select} from file_store."{schema}"."{table}"'
            ((only_lake,),) = con.sql(
                f"select count(*) from ({lake_rows} except all {file_rows})"
            ).fetchall()
            ((only_file,),) = con.sql(
                f"select count(*) from ({file_rows} except all {lake_rows})"
            ).fetchall()
            if only_lake or only_file:
                differing[f"{schema}.{table}"] = (only_lake, only_file)
    assert differing == {}


def test_the_catalog_is_in_postgres_and_the_data_are_parquet_files(lake_build: LakeBuild) -> None:
    import psycopg2

    with (
        psycopg2.connect(lake_build.server.dsn(LAKE_DB)) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select s.schema_name || '.' || t.table_name from ducklake_table t "
            "join ducklake_schema s using (schema_id) "
            "where t.end_snapshot is null and s.end_snapshot is null"
        )
        live = {name for (name,) in cursor.fetchall()}
    written = {"raw_history.apollo", "core.contacts", "core.contact_links", "verify.email_checks"}
    assert written <= live
    parquet = list(lake_build.data_path.rglob("*.parquet"))
    assert parquet and all(p.stat().st_size > 0 for p in parquet)


def test_the_catalog_password_reaches_no_log_table_or_file(lake_build: LakeBuild) -> None:
    password = lake_build.server.password
    assert password not in (lake_build.folder / EVENT_LOG).read_text()
    assert password not in repr(lake_build.store.catalog())
    for path in lake_build.folder.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":  # parquet is compressed: read below
            assert password.encode() not in path.read_bytes(), path
    with duckdb.connect() as con:
        holding = [
            path
            for path in sorted(lake_build.data_path.rglob("*.parquet"))
            if con.execute(
                "select count(*) from read_parquet(?) t where contains(t::varchar, ?)",
                [str(path), password],
            ).fetchall()[0][0]
        ]
    assert holding == []


def test_the_analysts_copy_is_published_from_the_lake(lake_build: LakeBuild) -> None:
    assert row_counts(lake_build.folder / "analyst.duckdb") == json.loads(ROW_COUNTS.read_text())


def test_a_write_that_fails_midway_leaves_the_lakes_tables_as_they_were(
    lake_build: LakeBuild,
) -> None:
    with open_lake(lake_build) as con:
        before = con.sql("select count(*), min(person_id) from core.contacts").fetchall()
        with pytest.raises(duckdb.Error):
            write_tables(
                con,
                {
                    "core.contacts": pl.DataFrame({"person_id": ["replaced"]}),
                    "no_such_catalog.core.contacts": pl.DataFrame({"person_id": ["x"]}),
                },
            )
    with open_lake(lake_build) as con:
        assert con.sql("select count(*), min(person_id) from core.contacts").fetchall() == before


def test_an_unknown_store_or_a_missing_lake_setting_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADGEN_STORE", "motherduck")
    with pytest.raises(ValueError, match="LEADGEN_STORE='motherduck': expected one of"):
        store_from_env()
    monkeypatch.setenv("LEADGEN_STORE", "ducklake")
    for name, _ in settings.LAKE_ENV.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(settings.LAKE_PASSWORD_ENV, raising=False)
    with pytest.raises(ValueError) as raised:
        store_from_env()
    for name in ("LEADGEN_LAKE_PG_HOST", "LEADGEN_LAKE_PG_DB", "LEADGEN_LAKE_PG_USER",
                 "LEADGEN_LAKE_DATA_PATH", "LEADGEN_LAKE_PG_PASSWORD"):  # fmt: skip
        assert name in str(raised.value)
    assert "LEADGEN_LAKE_PG_PORT" not in str(raised.value)  # it has a default


def test_an_extension_built_for_another_duckdb_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = importlib.metadata.version("duckdb-extension-ducklake")
    monkeypatch.setattr(lake.duckdb, "__version__", "9.9.9")
    with pytest.raises(lake.LakeUnavailable, match=f"ships ducklake for DuckDB v{shipped}, not"):
        lake.extension_file("ducklake")
