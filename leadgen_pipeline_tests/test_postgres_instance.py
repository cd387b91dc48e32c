"""Dagster's own storage on PostgreSQL: the whole demo graph materialises against an instance
whose runs, event log and schedules live in a real PostgreSQL server, and reads back from it."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from leadgen_pipeline_tests.builds import build_demo
from leadgen_pipeline_tests.postgres_server import PostgresServer, dagster_yaml
from leadgen_pipeline_tests.row_counts import ROW_COUNTS, row_counts
from leadgen_pipeline_tests.test_definitions import EXPECTED_KEYS


@pytest.fixture
def dagster_db(postgres: PostgresServer) -> str:
    """A database of its own on the test server, for Dagster's storage."""
    return postgres.new_database("dagster")


@pytest.fixture
def postgres_home(postgres: PostgresServer, dagster_db: str, tmp_path: Path) -> Path:
    """A DAGSTER_HOME whose dagster.yaml puts every storage on `dagster_db`."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(dagster_yaml(postgres, dagster_db))
    return home


def test_whole_demo_graph_materialises_with_dagster_storage_on_postgres(
    postgres: PostgresServer, dagster_db: str, postgres_home: Path, tmp_path: Path
) -> None:
    import psycopg2
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    with dg.DagsterInstance.from_config(str(postgres_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        summary, _ = build_demo(tmp_path / "build", instance=instance)
    assert summary.success and summary.failed_checks == []
    # the store itself is what the demo always builds: the instance changes nothing in it
    assert row_counts(tmp_path / "build/leadgen.duckdb") == json.loads(ROW_COUNTS.read_text())

    # a second instance, opened afresh from the same dagster.yaml, reads it all back
    with dg.DagsterInstance.from_config(str(postgres_home)) as instance:
        run = instance.get_run_by_id(summary.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        materialised = {
            record.asset_key.to_user_string()
            for record in instance.get_records_for_run(
                summary.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=1000
            ).records
            if record.asset_key is not None
        }
        assert materialised == EXPECTED_KEYS
        checks = instance.get_records_for_run(
            summary.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000
        ).records
        assert checks and all(
            r.event_log_entry.dagster_event.event_specific_data.passed for r in checks
        )
        assert instance.all_instigator_state() == []  # schedule storage answers from the server

    # and the rows are in the server's tables: no SQLite storage beside dagster.yaml (only
    # the compute logs, which an instance keeps apart from its storage, are files there)
    assert not [p for p in postgres_home.rglob("*") if p.suffix in (".db", ".sqlite")]
    with psycopg2.connect(postgres.dsn(dagster_db)) as connection, connection.cursor() as cursor:
        cursor.execute("select status from runs where run_id = %s", (summary.run_id,))
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute(
            "select count(distinct asset_key) from event_logs "
            "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
            (summary.run_id,),
        )
        assert cursor.fetchone() == (len(EXPECTED_KEYS),)
        cursor.execute("select to_regclass('public.instigators') is not null")
        assert cursor.fetchone() == (True,)
