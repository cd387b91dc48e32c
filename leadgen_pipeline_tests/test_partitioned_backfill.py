"""A backfill of verification batches as a deployment runs it: `dagster job backfill` queues one
run per batch on an instance whose storage is a real PostgreSQL server, the daemon takes them
from the queue one at a time, and each batch succeeds as a run of its own that rewrote only its
own batch's verdicts in the store."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from leadgen_pipeline.layers.verify.assets import EMAIL_CHECKS, LEDGER
from leadgen_pipeline.layers.verify.batches import BATCH_KEYS, batch_sql
from leadgen_pipeline_tests.builds import PROJECT, STORE, build_demo
from leadgen_pipeline_tests.postgres_server import PostgresServer, dagster_yaml

JOB = "verify_batches"
BACKFILLED = ("0", "1", "2")
TIMEOUT_S = 240  # for every run of the backfill to end, from the daemon's start
POLL_S = 0.5
BACKFILL_TAG = "dagster/backfill"
PARTITION_TAG = "dagster/partition"
MARK = " (before the backfill)"


def verdicts_by_batch(store: Path) -> dict[str, set[tuple]]:
    """Every row of `verify.email_checks`, grouped by its address's batch."""
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            f"select {batch_sql('email')} as batch, * from verify.email_checks"
        ).fetchall()
    grouped: dict[str, set[tuple]] = {}
    for batch, *row in rows:
        grouped.setdefault(batch, set()).add(tuple(row))
    return grouped


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no output)"


def test_backfill_of_verify_batches_runs_each_batch_as_its_own_run_through_the_daemon(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # a DuckDB file takes one writer at a time: the queue starts the batch runs one by one.
    # The asset daemon is off: a later automation tick could request runs downstream of the
    # new batches, which would write the store while the test compares it
    (home / "dagster.yaml").write_text(
        dagster_yaml(postgres, postgres.new_database("dagster"))
        + "run_queue:\n  max_concurrent_runs: 1\n"
        + "auto_materialize:\n  enabled: false\n  use_sensors: false\n"
    )
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_module:\n"
        "      module_name: leadgen_pipeline.definitions\n"
        f"      working_directory: {PROJECT}\n"
    )
    build = tmp_path / "build"
    store = build / STORE

    # 1. the whole graph, every batch in one run: the verify job reads contacts and suppressions
    with dg.DagsterInstance.from_config(str(home)) as instance:
        summary, _ = build_demo(build, instance=instance)
    assert summary.success and summary.failed_checks == []
    built = verdicts_by_batch(store)
    assert set(built) == set(BATCH_KEYS), "the demo should have an address in every batch"
    # every verdict marked, so the rows a batch run rewrote are told from those it left
    with duckdb.connect(str(store)) as con:
        con.execute(
            "update verify.email_checks set provider_status = provider_status || $mark",
            {"mark": MARK},
        )
    marked = verdicts_by_batch(store)

    # the daemon's run processes inherit this environment: the store and inbox just built
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LEADGEN_DUCKDB_PATH": str(store),
        "LEADGEN_INBOX": str(build / "sample"),
        "LEADGEN_ICP_DIR": str(PROJECT / "data/icp"),
        "LEADGEN_SOURCES_MANIFEST": str(PROJECT / "data/sources.yaml"),
    }

    # 2. the backfill only queues its runs (one per batch): nothing runs without the daemon
    launched = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "backfill", "-j", JOB,
         "--partitions", ",".join(BACKFILLED), "--noprompt", "-w", str(workspace)],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stdout + launched.stderr
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (backfill,) = instance.get_backfills()
        by_backfill = dg.RunsFilter(tags={BACKFILL_TAG: backfill.backfill_id})
        queued = instance.get_runs(filters=by_backfill)
        assert [run.status for run in queued] == [dg.DagsterRunStatus.QUEUED] * len(BACKFILLED)

        # 3. the daemon dequeues and launches them. The command marked the backfill completed
        # once it had queued them, so its runs, not its status, say when it is done
        daemon_log = tmp_path / "daemon.log"
        with daemon_log.open("w") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "dagster._daemon", "run", "-w", str(workspace)],
                cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its code server stops with it
            )  # fmt: skip
        try:
            deadline = time.monotonic() + TIMEOUT_S
            while True:
                runs = instance.get_runs(filters=by_backfill)
                if all(run.is_finished for run in runs):
                    break
                waiting = sorted(f"{r.tags.get(PARTITION_TAG)}:{r.status.value}" for r in runs)
                if daemon.poll() is not None or time.monotonic() > deadline:
                    why = "the daemon exited" if daemon.poll() is not None else "timed out"
                    raise AssertionError(
                        f"{why} with the backfill's runs unfinished ({waiting}); daemon "
                        f"output:\n{tail(daemon_log)}"
                    )
                time.sleep(POLL_S)
        finally:
            stop(daemon)

        # 4. one successful run per batch, each tagged with its own batch
        assert len(runs) == len(BACKFILLED)
        statuses = [run.status for run in runs]
        assert statuses == [dg.DagsterRunStatus.SUCCESS] * len(runs), tail(daemon_log)
        partitions = [run.tags.get(PARTITION_TAG) for run in runs]
        assert sorted(partitions) == sorted(BACKFILLED)  # distinct, and exactly these
        for run in runs:  # and each run materialised both assets for its own batch only
            materialised = {
                (record.asset_key, record.partition_key)
                for record in instance.get_records_for_run(
                    run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
                ).records
            }
            batch = run.tags[PARTITION_TAG]
            assert materialised == {(EMAIL_CHECKS, batch), (LEDGER, batch)}
        # one at a time, as the queue's limit says: no two runs wrote the store at once
        spans = sorted(
            (record.start_time, record.end_time)
            for record in instance.get_run_records(filters=by_backfill)
        )
        assert all(None not in span for span in spans)
        assert all(ended <= started for (_, ended), (started, _) in itertools.pairwise(spans))
        for key in (EMAIL_CHECKS, LEDGER):
            assert set(BACKFILLED) <= instance.get_materialized_partitions(key)

    # 5. each batch run rewrote its own batch's verdicts (as the whole build did: the same
    # inbox and clock), and left every other batch's rows as they were, marks and all
    after = verdicts_by_batch(store)
    assert set(after) == set(BATCH_KEYS)
    for batch in BATCH_KEYS:
        assert after[batch] == (built[batch] if batch in BACKFILLED else marked[batch]), batch


def stop(daemon: subprocess.Popen) -> None:
    """The daemon and what it started (its code server), by its own process group."""
    if daemon.poll() is None:
        os.killpg(daemon.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):  # whatever of its group outlived it
        os.killpg(daemon.pid, signal.SIGKILL)
    daemon.wait()
