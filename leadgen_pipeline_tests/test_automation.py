"""Automation over a simulated year: each source is pulled on its cadence, everything
downstream follows an update once, verification re-checks daily, and the inbox sensor asks
for a pull once per new export."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster import AssetKey

from leadgen_pipeline.automation import INBOX_SENSOR
from leadgen_pipeline.layers.verify.batches import BATCH_KEYS
from leadgen_pipeline.resources import LeadgenInputs
from leadgen_pipeline_tests.builds import PROJECT, bound_defs
from leadgen_pipeline_tests.test_definitions import EXPECTED_KEYS

RAW_SOURCES = {"raw/apollo", "raw/cognism", "raw/sales_navigator", "raw/directory"}
CONFIG = {"config/icp_segments", "config/source_provenance"}
VERIFY = {"verify/email_checks", "verify/ledger"}
MONTHLY = {"score/lead_scores", "score/score_history", "feedback/deals"}
# everything that follows its upstream (raw/rejects is built from the pulls)
DOWNSTREAM = EXPECTED_KEYS - RAW_SOURCES - CONFIG
QUARTER_STARTS = {1, 4, 7, 10}
MID_MONTH_LOOKS = {1, 2, 4}  # months also looked at on the 15th
# Dagster's own evaluation selects with a beta parameter; nothing here uses it
pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning")


def _manifest(tmp_path: Path, quarterly: set[str]) -> Path:
    """The project's manifest with `quarterly` sources refreshed quarterly, the rest monthly."""
    manifest = yaml.safe_load((PROJECT / "data/sources.yaml").read_text())
    for source, entry in manifest["sources"].items():
        entry["refresh"] = "quarterly" if source in quarterly else "monthly"
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return path


class Simulation:
    """Evaluates the automation conditions at pinned times, and plays each requested asset
    as materialised (a runless materialisation), as a run would."""

    def __init__(self, defs: dg.Definitions) -> None:
        self.defs = defs
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor = None

    def evaluate(self, at: datetime) -> dict[str, set[str | None]]:
        """Asset -> the partitions requested at `at` ({None} for an unpartitioned asset)."""
        result = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, cursor=self.cursor, evaluation_time=at
        )
        self.cursor = result.cursor
        return {
            k: set(result.get_requested_partitions(AssetKey.from_user_string(k)))
            for k in EXPECTED_KEYS
            if result.get_num_requested(AssetKey.from_user_string(k))
        }

    def materialise(self, requested: Mapping[str, Iterable[str | None]]) -> None:
        for key, partitions in sorted(requested.items()):
            for partition in sorted(partitions, key=str):
                self.instance.report_runless_asset_event(
                    dg.AssetMaterialization(dg.AssetKey.from_user_string(key), partition=partition)
                )

    def tick(self, at: datetime) -> Wave:
        """Evaluate at `at` and then every five minutes, materialising what each evaluation
        asks for, until one asks for nothing: everything requested in that wave, counted."""
        wave = Wave(Counter(), set())
        for step in range(12):
            requested = self.evaluate(at + timedelta(minutes=5 * step))
            wave.requested.update(requested.keys())
            wave.batches.update(requested.get("verify/email_checks", set()))
            self.materialise(requested)
            if not requested:
                return wave
        raise AssertionError(f"automation never settled after {at}: {wave.requested}")


@dataclass(frozen=True)
class Wave:
    """What one wave of automation asked for: each asset, counted once per evaluation that
    requested it, and the verification batches it requested."""

    requested: Counter[str]
    batches: set[str | None]


def built_once() -> dict[str, set[str | None]]:
    """Everything the README's command builds: every verification batch in one run."""
    return {k: set(BATCH_KEYS) if k in VERIFY else {None} for k in EXPECTED_KEYS}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[datetime, Wave]:
    """A year of automation from a built store: the 1st of each month at 05:00 UTC, and the
    15th of a few; directory and Sales Navigator quarterly, the rest monthly."""
    tmp_path = tmp_path_factory.mktemp("automation")
    manifest = _manifest(tmp_path, quarterly={"directory", "sales_navigator"})
    simulation = Simulation(bound_defs(tmp_path, PROJECT / "data/sample", manifest))
    simulation.evaluate(datetime(2026, 12, 20, tzinfo=UTC))  # the sensor's first look
    simulation.materialise(built_once())  # the README's command built everything once
    simulation.tick(datetime(2026, 12, 20, 0, 5, tzinfo=UTC))
    waves = {}
    for month in range(1, 13):
        for day in (1, 15) if month in MID_MONTH_LOOKS else (1,):
            at = datetime(2027, month, day, 5, 0, 30, tzinfo=UTC)
            waves[at] = simulation.tick(at)
    return waves


def test_each_source_is_pulled_on_the_first_tick_of_its_cadence(
    year: dict[datetime, Wave],
) -> None:
    for at, wave in year.items():
        requested = wave.requested
        pulled = set(requested) & RAW_SOURCES
        if at.day != 1:
            assert pulled == set(), at
        elif at.month in QUARTER_STARTS:
            assert pulled == RAW_SOURCES, at
        else:
            assert pulled == {"raw/apollo", "raw/cognism"}, at
        # the manifest and the ICP files are read again before any pull of the month
        assert (set(requested) >= CONFIG) == (at.day == 1), at


def test_downstream_follows_each_pull_once(year: dict[datetime, Wave]) -> None:
    for at, wave in year.items():
        requested = wave.requested
        if at.day == 1:
            assert set(requested) >= DOWNSTREAM, (at, DOWNSTREAM - set(requested))
        assert max(requested.values(), default=0) <= 1, (at, requested)


def after_verification() -> set[str]:
    """Every asset downstream of verification, from the graph itself."""
    graph = bound_defs(PROJECT, PROJECT / "data/sample").resolve_asset_graph()
    selection = dg.AssetSelection.assets(*(AssetKey.from_user_string(k) for k in VERIFY))
    keys = selection.downstream().resolve(graph)
    return {k.to_user_string() for k in keys} - VERIFY


def test_verification_rechecks_daily_without_a_pull(year: dict[datetime, Wave]) -> None:
    # the 15th at 05:00 is after the daily 06:00 tick of the 14th: verification only, and what
    # follows it (the sendable list, the complete suppression list, and what reads them)
    assert sum(at.day == 15 for at in year) == len(MID_MONTH_LOOKS)
    downstream = after_verification()
    assert {"verify/sendable_contacts", "verify/suppression_list"} <= downstream
    for at, wave in year.items():
        requested = wave.requested
        if at.day == 15:
            assert set(requested) == VERIFY | downstream, at
        # each verification batch is a partition of its own: every one is rechecked
        assert wave.batches == set(BATCH_KEYS), at


def test_scores_and_deals_are_rebuilt_monthly(year: dict[datetime, Wave]) -> None:
    present = MONTHLY & EXPECTED_KEYS
    assert "feedback/deals" in present
    for at, wave in year.items():
        requested = wave.requested
        if at.day == 1:
            assert present <= set(requested), at
        else:  # no tick of its own mid-month, and nothing it reads changed
            assert "feedback/deals" not in requested, at


def test_every_source_has_a_freshness_policy_by_its_cadence(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, quarterly={"directory"})
    specs = {
        s.key.to_user_string(): s
        for s in bound_defs(tmp_path, PROJECT / "data/sample", manifest).resolve_all_asset_specs()
    }
    windows = {key: specs[key].freshness_policy for key in RAW_SOURCES}
    assert all(isinstance(p, dg.FreshnessPolicy) for p in windows.values())
    # a source is overdue a week after its cadence passed without a pull
    assert windows["raw/directory"].fail_window.to_timedelta() == timedelta(days=99)
    assert windows["raw/cognism"].fail_window.to_timedelta() == timedelta(days=38)
    assert windows["raw/cognism"].warn_window.to_timedelta() == timedelta(days=31)


def _look(inbox: Path, cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
    defs = bound_defs(inbox.parent, inbox)
    sensor = defs.get_sensor_def(INBOX_SENSOR)
    context = dg.build_sensor_context(
        cursor=cursor, resources={"inputs": LeadgenInputs(inbox=str(inbox))}
    )
    result = sensor(context)
    return list(result.run_requests or []), result.cursor


def test_the_inbox_sensor_asks_for_a_pull_once_per_new_export(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(PROJECT / "data/sample", inbox)
    requests, cursor = _look(inbox, None)
    assert requests == []  # the first look records what is there

    export = inbox / "cognism/cognism-export-2026-12-01.csv"
    shutil.copy2(inbox / "cognism/cognism-export-2026-11-04.csv", export)
    requests, cursor = _look(inbox, cursor)
    assert requests == []  # a copy of an export already read is not new

    export.write_text(export.read_text() + "Ann,Lee\n")
    requests, cursor = _look(inbox, cursor)
    assert [r.asset_selection for r in requests] == [[dg.AssetKey(["raw", "cognism"])]]
    assert _look(inbox, cursor)[0] == []  # pulled once

    (inbox / "suppression/opt_outs-2026-12-01.csv").write_text("email\nzed@example.org\n")
    (inbox / "crm/hubspot-deals-2026-12-01.csv").write_text("Deal Name\nRenewal\n")
    (inbox / "notes/call-notes-2026-12-01.csv").parent.mkdir()
    (inbox / "notes/call-notes-2026-12-01.csv").write_text("note\nhello\n")
    (inbox / "intent/bombora-company-surge-2026-12-01.csv").write_text("Domain,Topic\nx.io,crm\n")
    (inbox / "verifications/neverbounce-results-2026-12-01.csv").write_text(
        "email,result\nzed@example.org,valid\n"
    )
    requests, _ = _look(inbox, cursor)
    assert [r.asset_selection for r in requests] == [
        [dg.AssetKey(["feedback", "deals"])],  # crm/
        [dg.AssetKey(["enrich", "signals"]), dg.AssetKey(["enrich", "research_ledger"])],
        [dg.AssetKey(["compliance", "suppressions"])],
        [dg.AssetKey(["verify", "email_checks"]), dg.AssetKey(["verify", "ledger"])],
    ]  # `notes/` is read by no asset: logged, not pulled
    # a verification export may settle an address of any batch: the run covers them all
    verifications = requests[-1].tags
    assert verifications["dagster/asset_partition_range_start"] == BATCH_KEYS[0]
    assert verifications["dagster/asset_partition_range_end"] == BATCH_KEYS[-1]
    assert "dagster/asset_partition_range_start" not in requests[0].tags
