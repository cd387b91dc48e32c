from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from leadgen_pipeline_tests.builds import Build, build_demo


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
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, dg.ExecuteInProcessResult]:
    """The bundled demo materialised once per test process; tests that change it use
    `demo_copy`, never this store."""
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_copy(demo_build: tuple[Build, dg.ExecuteInProcessResult], tmp_path: Path) -> Build:
    """A private copy of the built demo (store and inbox) for one test."""
    return demo_build[0].copy_to(tmp_path)
