from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from leadgen_pipeline_tests.builds import Build, RunSummary, build_demo, shared_build
from leadgen_pipeline_tests.postgres_server import PostgresServer, postgres_bin, running_postgres


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a real DuckDB file under the test's temporary folder."""
    connection = duckdb.connect(str(tmp_path / "store.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every test process of this session sees (pytest-xdist gives each worker its
    own base folder, under one common parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_build(shared_root: Path) -> tuple[Build, RunSummary]:
    """The bundled demo materialised once per session; tests that change it use
    `demo_copy`, never this store."""
    return shared_build(shared_root, "demo", lambda folder: build_demo(folder)[0], inbox="sample")


@pytest.fixture
def demo_copy(demo_build: tuple[Build, RunSummary], tmp_path: Path) -> Build:
    """A private copy of the built demo (store and inbox) for one test."""
    return demo_build[0].copy_to(tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server, one per test process; each test module makes its own
    database on it."""
    bin_dir = postgres_bin()
    if bin_dir is None:  # the test extra's pgserver wheel bundles them: never skipped
        pytest.fail("no PostgreSQL binaries (initdb, pg_ctl): pip install -e '.[test]'")
    with running_postgres(bin_dir) as server:
        yield server
