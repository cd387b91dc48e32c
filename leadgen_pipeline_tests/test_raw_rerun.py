"""A refresh of an unchanged source folder, through Dagster: not read again, told the same."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from leadgen_pipeline_tests.builds import bound_defs
from leadgen_pipeline_tests.test_raw_layer import messy_directory

DIRECTORY = dg.AssetKey(["raw", "directory"])
SELECTION = [dg.AssetKey(["config", "source_provenance"]), DIRECTORY]
TOLD = ("snapshot_id", "input_rows", "rejected_rows", "files", "not_read", "dagster/row_count")


def test_a_refresh_of_an_unchanged_folder_is_told_as_the_pull_it_was(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    messy_directory(inbox)
    defs = bound_defs(tmp_path, inbox)
    job = defs.resolve_implicit_global_asset_job_def()
    instance = dg.DagsterInstance.ephemeral()
    runs = [job.execute_in_process(instance=instance, asset_selection=SELECTION) for _ in "ab"]

    told = []
    for run in runs:
        assert run.success
        (materialised,) = [
            m for m in run.get_asset_materialization_events()
            if m.asset_key == DIRECTORY
        ]  # fmt: skip
        metadata = materialised.materialization.metadata
        told.append(metadata)
        checks = run.get_asset_check_evaluations()
        assert checks and all(c.passed for c in checks if c.asset_key == DIRECTORY)
    first, again = told
    assert first["new_snapshot"].value is True and again["new_snapshot"].value is False
    assert {k: again[k].value for k in TOLD} == {k: first[k].value for k in TOLD}
    assert first["rejected_rows"].value > 0  # the folder's broken rows are told both times
