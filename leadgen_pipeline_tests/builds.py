"""Test builds: the definitions bound to a store under a test's folder, and how to run them."""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import json
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._serdes import deserialize_value, serialize_value

from leadgen_pipeline.definitions import build_defs
from leadgen_pipeline.layers.verify.batches import EVERY_BATCH_RANGE
from leadgen_pipeline.resources import (
    ApolloResource,
    DuckDBStore,
    LeadgenInputs,
    VerifierResource,
)

PROJECT = Path(__file__).resolve().parents[1]
# "now" for every test build: business dates never come from the wall clock
TEST_AS_OF = "2026-11-25"


def bound_defs(
    tmp_path: Path,
    inbox: Path,
    manifest: Path | None = None,
    *,
    icp_dir: Path | None = None,
    apollo: ApolloResource | None = None,
    verifier: VerifierResource | None = None,
    as_of: str | None = TEST_AS_OF,
    analyst_copy: Path | None = None,
    store: DuckDBStore | None = None,
) -> dg.Definitions:
    """The whole graph on a store in `tmp_path` (or `store`); `as_of=None` takes the inbox's
    own date."""
    return build_defs(
        {
            "duckdb": store
            or DuckDBStore(
                database=str(tmp_path / STORE),
                analyst_copy=str(analyst_copy) if analyst_copy else None,
            ),
            "inputs": LeadgenInputs(
                inbox=str(inbox),
                icp_dir=str(icp_dir or PROJECT / "data/icp"),
                sources_manifest=str(manifest or PROJECT / "data/sources.yaml"),
                as_of=as_of,
            ),
            "apollo": apollo or ApolloResource(),
            "verifier": verifier or VerifierResource(),
        }
    )


@functools.cache
def shared_instance() -> dg.DagsterInstance:
    """One in-memory Dagster instance per test process: setting one up costs a quarter of a
    second, and no test reads another test's runs (each asserts on its own result)."""
    return dg.DagsterInstance.ephemeral()


def run_all(defs: dg.Definitions, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=shared_instance(), raise_on_error=raise_on_error)


STORE = "leadgen.duckdb"


def cli_materialise(
    selection: str,
    home: Path,
    store: Path,
    inbox: Path,
    extra_env: dict[str, str] | None = None,
    timeout: int = 300,
) -> subprocess.CompletedProcess:
    """The README's run command for `selection` (`dagster asset materialize --select`, every
    verification batch in one run), on `store` and `inbox`, recorded in the instance at
    `home`, as a process of its own."""
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LEADGEN_DUCKDB_PATH": str(store),
        "LEADGEN_INBOX": str(inbox),
        "LEADGEN_ICP_DIR": str(PROJECT / "data/icp"),
        "LEADGEN_SOURCES_MANIFEST": str(PROJECT / "data/sources.yaml"),
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "--select", selection,
         "--partition-range", EVERY_BATCH_RANGE, "-m", "leadgen_pipeline.definitions"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class Build:
    """A materialised store and the inbox it was built from, in one folder."""

    folder: Path
    inbox: Path

    @property
    def store(self) -> Path:
        return self.folder / STORE

    def copy_to(self, folder: Path) -> Build:
        """The same store and inbox under `folder`, for a test to change as it likes."""
        inbox = folder / self.inbox.relative_to(self.folder)
        shutil.copytree(self.inbox, inbox)
        shutil.copy2(self.store, folder / STORE)
        return Build(folder, inbox)


@dataclass(frozen=True)
class RunSummary:
    """What a test needs of a build's run: it succeeded, and which checks failed."""

    success: bool
    failed_checks: list[str]
    run_id: str = ""

    @classmethod
    def of(cls, result: dg.ExecuteInProcessResult) -> RunSummary:
        failed = [
            f"{c.asset_key.to_user_string()}:{c.check_name}"
            for c in result.get_asset_check_evaluations()
            if not c.passed
        ]
        return cls(result.success, sorted(failed), result.run_id)


def build_demo(
    folder: Path,
    instance: dg.DagsterInstance | None = None,
    inbox_source: Path | None = None,
    store: DuckDBStore | None = None,
) -> tuple[RunSummary, dg.ExecuteInProcessResult]:
    """The bundled demo inbox (or `inbox_source`), copied to `folder/sample` and materialised
    whole into a fresh store in `folder` (or `store`), with the inbox's own reference date as
    "now" (the README's command)."""
    inbox = folder / "sample"
    shutil.copytree(inbox_source or PROJECT / "data/sample", inbox)
    instance = instance or shared_instance()
    defs = bound_defs(folder, inbox, as_of=None, store=store)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance)
    # every event of the run as its instance stored it, for tests in any process to scan
    (folder / EVENT_LOG).write_text(serialize_value(instance.all_logs(result.run_id)))
    return RunSummary.of(result), result


EVENT_LOG = "event_log.json"


def stored_events(build: Build) -> list[dg.EventLogEntry]:
    """The event log entries of the run that made `build`, read back from its instance."""
    return deserialize_value((build.folder / EVENT_LOG).read_text(), as_type=list)


def shared_build(
    shared_root: Path, name: str, make: Callable[[Path], RunSummary], inbox: str
) -> tuple[Build, RunSummary]:
    """`make(folder)` run once for every test process of a session: the first process to
    ask builds under `shared_root/name` while holding a lock; the others wait, then reuse it.
    Tests read the shared store only; one that changes it works on a `Build.copy_to`."""
    folder = shared_root / name
    summary_file = folder / "run_summary.json"
    failure_file = shared_root / f"{name}.failed"  # so a failed build is reported, not redone
    with (shared_root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failure_file.exists():
            raise RuntimeError(
                f"the shared {name!r} build failed earlier in this session:\n"
                f"{failure_file.read_text()}"
            )
        if not summary_file.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            try:
                summary = make(folder)
            except BaseException:
                failure_file.write_text(traceback.format_exc())
                raise
            summary_file.write_text(json.dumps(dataclasses.asdict(summary)))
    summary = RunSummary(**json.loads(summary_file.read_text()))
    return Build(folder, folder / inbox), summary
