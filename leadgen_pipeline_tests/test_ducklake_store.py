"""The production store: the whole demo graph materialised into a DuckLake whose catalog is a
real PostgreSQL server and whose data are Parquet files, bound from the environment as a
deployment binds it, and read back by a second client as an analyst on another host would."""

from __future__ import annotations

import csv
import importlib.metadata
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._core.instance.ref import InstanceRef

from leadgen_pipeline.definitions import executor_for
from leadgen_pipeline.kernel import lake, settings
from leadgen_pipeline.kernel.hashing import sha256_hex
from leadgen_pipeline.kernel.store import committed, transaction, write_tables
from leadgen_pipeline.layers.raw import apollo_pull
from leadgen_pipeline.resources import DuckDBStore, DuckLakeStore, store_from_env
from leadgen_pipeline_tests.builds import (
    EVENT_LOG,
    STORE,
    Build,
    RunSummary,
    bound_defs,
    build_demo,
    cli_materialise,
    shared_instance,
)
from leadgen_pipeline_tests.postgres_server import PostgresServer
from leadgen_pipeline_tests.row_counts import ROW_COUNTS, row_counts
from leadgen_pipeline_tests.test_erasure import inbox_people, needles_of

# what differs between any two builds of one inbox: the one stamp taken from the machine's
# clock (it orders pulls, test_pinned_time.py), the Dagster run, and where the build's export
# files are (their rows and sha256 are compared)
PER_BUILD_COLUMNS = {"ingested_at", "run_id", "path"}


@dataclass(frozen=True)
class LakeBuild:
    server: PostgresServer
    database: str
    folder: Path
    data_path: Path
    store: DuckDBStore
    summary: RunSummary


def lake_env(server: PostgresServer, database: str, data_path: Path) -> dict[str, str]:
    return {
        "LEADGEN_STORE": "ducklake",
        "LEADGEN_LAKE_PG_HOST": server.host,
        "LEADGEN_LAKE_PG_PORT": str(server.port),
        "LEADGEN_LAKE_PG_DB": database,
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
    database = postgres.new_database("lake_catalog")
    folder = tmp_path_factory.mktemp("lake_build")
    data_path = folder / "lake_files"
    env = {
        **lake_env(postgres, database, data_path),
        "LEADGEN_DUCKDB_PATH": str(folder / "leadgen.duckdb"),
        "LEADGEN_ANALYST_COPY": str(folder / "analyst.duckdb"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        store = store_from_env()
        summary, _ = build_demo(folder, store=store)
        yield LakeBuild(postgres, database, folder, data_path, store, summary)


def lake_session(
    server: PostgresServer, database: str, data_path: Path
) -> duckdb.DuckDBPyConnection:
    """A DuckDB session of its own with the lake of `database` on `server` attached."""
    con = duckdb.connect(":memory:", config=lake.OFFLINE_CONFIG)
    catalog = lake.LakeCatalog(
        server.host, server.port, database, server.user, server.password, str(data_path)
    )
    lake.attach_lake(con, catalog, "lake")
    return con


def parquet_files_matching(data_path: Path, pattern: str) -> list[Path]:
    """The lake's Parquet files (relative to `data_path`) with a row whose text, lower-cased,
    matches the regular expression `pattern`."""
    with duckdb.connect() as con:
        return [
            path.relative_to(data_path)
            for path in sorted(data_path.rglob("*.parquet"))
            if con.execute(
                "select count(*) from read_parquet(?) t where regexp_matches(lower(t::varchar), ?)",
                [str(path), pattern],
            ).fetchall()[0][0]
        ]


def open_lake(build: LakeBuild) -> duckdb.DuckDBPyConnection:
    """A second client: its own DuckDB session, attaching the lake from its catalog alone."""
    return lake_session(build.server, build.database, build.data_path)


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


def differing_rows(
    con: duckdb.DuckDBPyConnection, store: Path, schemas: tuple[str, ...]
) -> dict[str, tuple[int, int]]:
    """Tables of `schemas` in the DuckDB file `store` whose rows the lake (the connection's
    default catalog) does not hold exactly: table -> (rows only in the lake, only in the
    file), every column compared but `PER_BUILD_COLUMNS`."""
    con.execute(f"attach '{store}' as file_store (read_only)")
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'file_store' and table_type = 'BASE TABLE' "
        "and list_contains(?, table_schema) order by 1, 2",
        [list(schemas)],
    ).fetchall()
    assert tables, f"no table of {schemas} in {store}"
    differing = {}
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
    return differing


def test_the_lake_holds_the_same_rows_as_the_duckdb_file_build(
    lake_build: LakeBuild, demo_build: tuple[Build, RunSummary]
) -> None:
    every_schema = tuple(json.loads(ROW_COUNTS.read_text()).keys())
    schemas = tuple(sorted({table.split(".")[0] for table in every_schema}))
    with open_lake(lake_build) as con:
        assert differing_rows(con, demo_build[0].store, schemas) == {}


def test_the_catalog_is_in_postgres_and_the_data_are_parquet_files(lake_build: LakeBuild) -> None:
    import psycopg2

    with (
        psycopg2.connect(lake_build.server.dsn(lake_build.database)) as connection,
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
    assert parquet_files_matching(lake_build.data_path, re.escape(password.lower())) == []


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


# the sources' pulls and what they read: four raw steps that no step orders among themselves
PULL_STEPS = ["raw/apollo", "raw/cognism", "raw/sales_navigator", "raw/directory"]
PULLS = ["config/source_provenance", "config/icp_segments", "compliance/suppressions",
         *PULL_STEPS, "raw/rejects"]  # fmt: skip


def test_the_pulls_run_as_processes_of_their_own_writing_one_lake_at_once(
    postgres: PostgresServer, demo_build: tuple[Build, RunSummary], tmp_path: Path
) -> None:
    """The README's command with `LEADGEN_EXECUTOR=multiprocess`: each step a process of its
    own (what `k8s_job_executor` makes a pod), up to two at a time, all writing the lake."""
    fanout_db = postgres.new_database("lake_fanout")
    home, inbox, data_path = tmp_path / "dagster_home", tmp_path / "inbox", tmp_path / "lake"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    shutil.copytree(demo_build[0].inbox, inbox)
    fan_out = {
        **lake_env(postgres, fanout_db, data_path),
        "LEADGEN_EXECUTOR": "multiprocess",
        "LEADGEN_MAX_CONCURRENT_STEPS": "2",
    }
    done = cli_materialise(
        ",".join(PULLS), home, tmp_path / STORE, inbox, extra_env=fan_out, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        events = [e for e in instance.all_logs(run.run_id) if e.dagster_event is not None]
    run_pid = next(
        e.dagster_event.pid
        for e in events
        if e.dagster_event and e.dagster_event_type == dg.DagsterEventType.RUN_START
    )
    pids = {
        (event.step_key or "").replace("__", "/"): event.dagster_event.pid
        for event in events
        if event.dagster_event_type == dg.DagsterEventType.STEP_START
    }
    # each pull in a process of its own, none in the run's (whether two of them overlap is
    # the scheduler's affair: the conflict they can meet is forced in the test below)
    assert set(PULL_STEPS) <= set(pids)
    pull_pids = {pids[step] for step in PULL_STEPS}
    assert len(pull_pids) == len(PULL_STEPS) and run_pid not in pull_pids

    # the history the concurrent pulls wrote is the history one process writes in a file
    file_folder = tmp_path / "file_build"
    file_folder.mkdir()
    job = bound_defs(file_folder, inbox, as_of=None).resolve_implicit_global_asset_job_def()
    selection = [dg.AssetKey.from_user_string(key) for key in PULLS]
    assert job.execute_in_process(instance=shared_instance(), asset_selection=selection).success
    with lake_session(postgres, fanout_db, data_path) as con:
        assert differing_rows(con, file_folder / STORE, ("raw_history", "config")) == {}
        pulled = con.sql("select source from raw_history.pulls order by 1").fetchall()
    assert [s for (s,) in pulled] == sorted(p.split("/")[1] for p in PULL_STEPS)


def test_the_apollo_reveals_ledger_keeps_one_row_per_person_in_the_lake(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """The API pull's ledgers, which had a primary key a lake cannot hold: a reveal replaces
    the person's earlier one, an erased id is kept once however often it is erased."""
    first, later = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    database = postgres.new_database("lake_apollo")
    with lake_session(postgres, database, tmp_path / "lake") as con:
        con.execute(f"create schema {apollo_pull.HISTORY_SCHEMA}")
        assert apollo_pull.load_reveals(con) == {}  # as a pull starts: creates the ledger
        apollo_pull.record_reveals(con, [{"id": "a1", "title": "CFO"}, {"id": "b2"}], first)
        apollo_pull.record_reveals(con, [{"id": "a1", "title": "CEO"}, None], later)
        assert apollo_pull.load_reveals(con) == {
            "a1": {"id": "a1", "title": "CEO"},
            "b2": {"id": "b2"},
        }
        assert apollo_pull.load_erased_ids(con) == set()  # as a pull starts
        apollo_pull.forget_erased(con, {"b2"}, first)
        apollo_pull.forget_erased(con, {"b2"}, later)
        assert set(apollo_pull.load_reveals(con)) == {"a1"}
        assert apollo_pull.load_erased_ids(con) == {sha256_hex("b2")}
        ((rows,),) = con.sql(f"select count(*) from {apollo_pull.ERASED_IDS_TABLE}").fetchall()
    assert rows == 1


def test_erased_people_leave_no_trace_in_the_lakes_files_or_catalog(lake_build: LakeBuild) -> None:
    """A lake keeps every snapshot's files for time travel: the rows the erasure sweep took
    out of raw history stay in the pulls' Parquet files and the catalog's inlined data until
    those snapshots are expired and their files deleted."""
    import psycopg2

    inbox = lake_build.folder / "sample"
    people = inbox_people(inbox)
    with (inbox / "suppression/erasure_requests-2026-11-19.csv").open() as handle:
        emails = {r["email"].lower() for r in csv.DictReader(handle)}
    erased = [p for p in people.values() if p.emails & emails]
    assert len(erased) > 5, "the demo asks to erase people who are in its sources"
    needles = needles_of(erased, people)
    pattern = "|".join(re.escape(n.lower()) for n in needles)
    assert parquet_files_matching(lake_build.data_path, pattern) == []
    with (
        psycopg2.connect(lake_build.server.dsn(lake_build.database)) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = 'public'"
        )
        catalog_tables = [name for (name,) in cursor.fetchall()]
        inlined = []
        for name in catalog_tables:
            cursor.execute(f'select count(*) from "{name}" t where lower(t::text) ~ %s', (pattern,))
            if cursor.fetchone()[0]:
                inlined.append(name)
    assert catalog_tables and inlined == []
    # and the oldest snapshot a time-travel query can still reach holds none of them
    with open_lake(lake_build) as con:
        ((oldest,),) = con.sql("select min(snapshot_id) from ducklake_snapshots('lake')").fetchall()
        ((found,),) = con.execute(
            "select count(*) from "
            f"(select * from raw_history.apollo at (version => {int(oldest)})) t "
            "where regexp_matches(lower(t::varchar), ?)",
            [pattern],
        ).fetchall()
    assert found == 0


def test_a_duckdb_file_refuses_steps_in_processes_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_store = DuckDBStore(database=str(tmp_path / STORE))
    assert executor_for(file_store, "in_process") is dg.in_process_executor
    with pytest.raises(ValueError, match="needs LEADGEN_STORE=ducklake"):
        executor_for(file_store, "multiprocess")
    monkeypatch.setenv("LEADGEN_EXECUTOR", "celery")
    with pytest.raises(ValueError, match="LEADGEN_EXECUTOR='celery': expected one of"):
        settings.executor_kind()


def test_a_commit_the_lake_refuses_is_redone_on_the_winners_snapshot(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """Two writers, one table: while one appends, the other comments on it (as two pulls
    do to the pull log); the lake refuses the append's commit and `committed` redoes it."""
    database = postgres.new_database("lake_conflict")
    with (
        lake_session(postgres, database, tmp_path / "lake") as writer,
        lake_session(postgres, database, tmp_path / "lake") as other,
    ):
        writer.execute("create schema raw_history; create table raw_history.pulls (n int)")
        attempts = []

        def append(con: duckdb.DuckDBPyConnection) -> int:
            attempts.append(1)
            con.execute("insert into raw_history.pulls values (1)")
            if len(attempts) == 1:  # the other writer commits first, meanwhile
                other.execute("comment on table raw_history.pulls is 'the pull log'")
            return len(attempts)

        assert committed(writer, append) == 2
        assert writer.sql("select count(*) from raw_history.pulls").fetchall() == [(1,)]
        # without the redo, the row is lost
        with pytest.raises(duckdb.TransactionException), transaction(writer):
            writer.execute("insert into raw_history.pulls values (2)")
            other.execute("comment on table raw_history.pulls is 'changed again'")
        assert writer.sql("select count(*) from raw_history.pulls").fetchall() == [(1,)]
