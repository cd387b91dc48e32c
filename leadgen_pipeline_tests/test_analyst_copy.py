"""Analysts never block runs, and runs never block analysts: after each run in which no step
failed, the store is published as a copy analysts open read-only, swapped in whole, in a
storage format the oldest DuckDB the README promises reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from leadgen_pipeline_tests.builds import Build, bound_defs, shared_instance

CONFIG = [dg.AssetKey(["config", "icp_segments"]), dg.AssetKey(["config", "source_provenance"])]
# the oldest duckdb the README promises analysts
OLDEST_DUCKDB = "1.0.0"


@pytest.fixture(scope="session")
def oldest_duckdb(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A Python and an environment in which `import duckdb` is the oldest promised release:
    `LEADGEN_OLDEST_DUCKDB_PYTHON` when set, else duckdb installed for this interpreter into
    a folder of its own, put first on its path."""
    python = os.environ.get("LEADGEN_OLDEST_DUCKDB_PYTHON")
    if python:
        return python, dict(os.environ)
    target = tmp_path_factory.mktemp("oldest_duckdb")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(target), f"duckdb=={OLDEST_DUCKDB}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if installed.returncode != 0:  # no package index to fetch it from: nothing to test with
        last = (installed.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"duckdb {OLDEST_DUCKDB} could not be installed: {last}")
    return sys.executable, {**os.environ, "PYTHONPATH": str(target)}


def run_config(build: Build, copy: Path, icp_dir: Path | None = None) -> bool:
    defs = bound_defs(build.folder, build.inbox, as_of=None, analyst_copy=copy, icp_dir=icp_dir)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=shared_instance(), asset_selection=CONFIG, raise_on_error=False
    )
    return result.success


def tables(database: Path) -> dict[str, int]:
    """Every table and view with its row count, read in a fresh process (DuckDB shares one
    open file per path within a process)."""
    code = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "names = [r[0] for r in con.execute(\"select schema_name || '.' || table_name from"
        " duckdb_tables() union all select schema_name || '.' || view_name from duckdb_views()"
        " where not internal\").fetchall()]\n"
        "print(json.dumps({n: con.execute(f'select count(*) from {n}').fetchone()[0]"
        " for n in names}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(database)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_a_run_succeeds_while_an_analyst_holds_the_copy_open(demo_copy: Build) -> None:
    copy = demo_copy.folder / "analyst" / "leadgen_analyst.duckdb"
    assert run_config(demo_copy, copy)
    assert tables(copy) == tables(demo_copy.store)  # the whole store, every table and view

    analyst = duckdb.connect(str(copy), read_only=True)  # held open through the next run
    first = os.stat(copy).st_ino
    assert run_config(demo_copy, copy)
    assert os.stat(copy).st_ino != first  # a new copy was swapped in
    # the analyst's open connection still reads the copy it opened
    assert analyst.execute("select count(*) from core.contacts").fetchone()[0] > 0
    analyst.close()
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no partial copy left


def test_a_failed_run_leaves_the_last_good_copy(demo_copy: Build, tmp_path: Path) -> None:
    copy = demo_copy.folder / "leadgen_analyst.duckdb"
    assert run_config(demo_copy, copy)
    published = os.stat(copy).st_ino
    broken_icp = tmp_path / "icp"
    broken_icp.mkdir()
    (broken_icp / "broken.yaml").write_text("segment: broken\nversion: 0\n")
    assert not run_config(demo_copy, copy, icp_dir=broken_icp)
    assert os.stat(copy).st_ino == published


def test_the_oldest_promised_duckdb_reads_the_copy(
    demo_copy: Build, oldest_duckdb: tuple[str, dict[str, str]]
) -> None:
    copy = demo_copy.folder / "leadgen_analyst.duckdb"
    assert run_config(demo_copy, copy)
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__)\n"
        "print(con.execute('select count(*) from core.contacts').fetchone()[0])\n"
    )
    python, env = oldest_duckdb
    out = subprocess.run(
        [python, "-c", code, str(copy)], capture_output=True, text=True, check=True, env=env
    )
    version, contacts = out.stdout.split()
    assert version.startswith("1.0.")
    with duckdb.connect(str(demo_copy.store), read_only=True) as store:
        assert int(contacts) == store.execute("select count(*) from core.contacts").fetchone()[0]
