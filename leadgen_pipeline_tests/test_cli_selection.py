"""Any single asset can be selected from the command line, as in the UI: an asset written in
one step with others (a multi-asset) builds them all, and every table the step wrote is on
record as materialised, with its checks, in the instance the command used."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from leadgen_pipeline.layers.checks import StepResult, built_together
from leadgen_pipeline_tests.builds import PROJECT, Build, cli_materialise

# a selected asset -> the partners its step writes with it
SINGLE_ASSETS = {
    "verify/email_checks": ["verify/ledger"],
    "core/erasure_log": ["core/contact_links"],
    "core/accounts": ["core/contacts"],
    "score/score_history": ["score/lead_scores"],
    "feedback/win_rates": ["feedback/feature_lift", "feedback/source_costs"],
}


@pytest.mark.parametrize("selected", sorted(SINGLE_ASSETS))
def test_one_asset_of_a_step_materialises_from_the_command_line(
    demo_copy: Build, tmp_path: Path, selected: str
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy2(PROJECT / "data/.dagster/dagster.yaml", home / "dagster.yaml")

    done = cli_materialise(selected, home, demo_copy.store, demo_copy.inbox)

    assert done.returncode == 0, done.stderr[-3000:]
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        events = instance.all_logs(run.run_id)
        materialised = {
            m.asset_key.to_user_string() for e in events if (m := e.asset_materialization)
        }
        checked = {c.asset_key.to_user_string() for e in events if (c := e.asset_check_evaluation)}
    # the partners' tables were rewritten too, so their materialisations are recorded,
    # and their checks ran on what was written
    written = {selected, *SINGLE_ASSETS[selected]}
    assert materialised == written
    assert checked == written


def test_a_failing_blocking_check_of_an_unselected_partner_still_stops_the_run() -> None:
    """The partner's check is logged rather than returned, but a refusal must not be lost:
    the step fails, and what reads the refused table does not build."""
    written: list[str] = []

    @dg.multi_asset(
        specs=[dg.AssetSpec("picked", skippable=True), dg.AssetSpec("partner", skippable=True)],
        check_specs=[dg.AssetCheckSpec("guard", asset="partner", blocking=True)],
        can_subset=True,
    )
    @built_together
    def step() -> Iterator[StepResult]:
        written.extend(["picked", "partner"])
        yield dg.MaterializeResult(asset_key="picked")
        yield dg.MaterializeResult(asset_key="partner")
        yield dg.AssetCheckResult(asset_key="partner", check_name="guard", passed=False)

    @dg.asset(deps=["picked"])
    def reader() -> None:
        written.append("reader")

    result = dg.materialize([step, reader], selection=["picked", "reader"], raise_on_error=False)

    assert not result.success
    assert written == ["picked", "partner"]
    assert "partner:guard" in str(result.failure_data_for_node("step").error)
