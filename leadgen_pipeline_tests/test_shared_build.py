"""The session's shared builds: a build that fails is reported to every later test as that
failure, never as a stray error from the half-built folder it left."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgen_pipeline_tests.builds import RunSummary, shared_build


def test_a_failed_shared_build_is_reported_again_not_retried(tmp_path: Path) -> None:
    attempts: list[Path] = []

    def make(folder: Path) -> RunSummary:
        attempts.append(folder)
        (folder / "sample").mkdir()  # what the demo build copies first
        raise ValueError("the demo's raw/apollo step failed")

    with pytest.raises(ValueError, match="raw/apollo step failed"):
        shared_build(tmp_path, "demo", make, inbox="sample")
    with pytest.raises(RuntimeError, match="failed earlier in this session") as later:
        shared_build(tmp_path, "demo", make, inbox="sample")
    assert "raw/apollo step failed" in str(later.value)
    assert len(attempts) == 1


def test_a_shared_build_runs_once_and_is_reused(tmp_path: Path) -> None:
    attempts: list[Path] = []

    def make(folder: Path) -> RunSummary:
        attempts.append(folder)
        (folder / "sample").mkdir()
        return RunSummary(success=True, failed_checks=[])

    first = shared_build(tmp_path, "demo", make, inbox="sample")
    second = shared_build(tmp_path, "demo", make, inbox="sample")
    assert first == second and len(attempts) == 1
    assert first[0].inbox == tmp_path / "demo" / "sample"
