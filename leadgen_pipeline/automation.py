"""When each asset rebuilds, with no one clicking: cadences from the manifests, freshness from
the same cadences, and a sensor on the inbox.

- A source's raw asset is pulled on its `refresh` in `data/sources.yaml`: monthly on the 1st
  at 05:00 UTC, quarterly on the 1st of January, April, July and October.
- `config/*` re-read the manifest and the ICP files on the most frequent cadence of any source
  or segment, so a source's pull at a tick runs against the manifest as it is then.
- Every other asset updates when an upstream asset updated (`eager`), once nothing upstream
  is missing or in progress: one monthly pull flows through the union and verification.
- Verification also runs each day at 06:00 UTC: verdicts leave their TTL day by day, and a
  run pays only for those (and for addresses it never saw).
- Lead scores (parked leads included) and the CRM's deals are rebuilt on the 1st of each
  month at 05:00 UTC as well, with the monthly pulls, since new signals and closed deals
  arrive on their own.
- Each source asset carries a freshness policy: it warns when its cadence has passed without
  a pull and fails a week later.
- `inbox_exports` watches the inbox: a new export file (new content, whatever its name)
  requests the pull of its folder's asset once (a verification export: every batch).
- Verification is partitioned in batches (`layers/verify/batches.py`): a condition that
  fires for it requests every batch, and one run (a range, `single_run` backfill policy on
  every asset) or a backfill of the `verify_batches` job (a run per batch) builds them.

Both sensors start running when the code location loads; stop them in the UI (Automation) or
with `dagster sensor stop <name>`.

Nothing here reads a clock. The cron ticks and the freshness states are Dagster's, judged by
the daemon's wall clock; `LEADGEN_AS_OF` pins what each run computes (through the inputs'
clock), not when it runs. Tests pin the evaluation itself with
`dg.evaluate_automation_conditions(..., evaluation_time=...)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import dagster as dg

from leadgen_pipeline.kernel.config_errors import ConfigError
from leadgen_pipeline.kernel.inbox_files import scan_inbox
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.layers.config.provenance import load_source_manifest
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.verify.batches import BATCH_KEYS
from leadgen_pipeline.resources import LeadgenInputs

CRON_BY_CADENCE = {"monthly": "0 5 1 * *", "quarterly": "0 5 1 1,4,7,10 *"}
# (warn after, fail after) without a pull: the cadence, then a week's grace
FRESHNESS_BY_CADENCE = {
    "monthly": (timedelta(days=31), timedelta(days=38)),
    "quarterly": (timedelta(days=92), timedelta(days=99)),
}
# a source whose cadence cannot be read is pulled as often as any: the manifest's own asset
# then fails its step with the file's problems, and the UI shows why
FALLBACK_CADENCE = "monthly"
DAILY_RECHECK_CRON = "0 6 * * *"
# parked leads are scored again each month as new signals arrive, and the closed-won
# analysis runs monthly, whether or not anything upstream changed
MONTHLY_CRON = CRON_BY_CADENCE["monthly"]  # with the monthly pulls: one wave, not two
MONTHLY_KEYS = (
    dg.AssetKey(["score", "lead_scores"]),
    dg.AssetKey(["score", "score_history"]),
    dg.AssetKey(["feedback", "deals"]),
)
AUTOMATION_SENSOR = "leadgen_automation"
INBOX_SENSOR = "inbox_exports"

VERIFY_KEYS = (dg.AssetKey(["verify", "email_checks"]), dg.AssetKey(["verify", "ledger"]))
# a run of every verification batch, as the whole-graph command's range names them
EVERY_BATCH_TAGS = {
    "dagster/asset_partition_range_start": BATCH_KEYS[0],
    "dagster/asset_partition_range_end": BATCH_KEYS[-1],
}
CONFIG_GROUP = "config"
RAW_KEYS = {dg.AssetKey(["raw", source]): source for source in SOURCES}
# inbox folder -> the assets that read it (verification's two tables are built together)
FOLDER_ASSETS: dict[str, tuple[dg.AssetKey, ...]] = {
    **{source: (dg.AssetKey(["raw", source]),) for source in SOURCES},
    "suppression": (dg.AssetKey(["compliance", "suppressions"]),),
    "verifications": VERIFY_KEYS,
    "crm": (dg.AssetKey(["feedback", "deals"]),),
    # signals and research are written in one step
    **dict.fromkeys(
        ("signals", "intent"),
        (dg.AssetKey(["enrich", "signals"]), dg.AssetKey(["enrich", "research_ledger"])),
    ),
}


def source_cadences(manifest: Path) -> dict[str, str]:
    """Source -> `monthly` or `quarterly`, from the manifest (each source of the raw layer)."""
    try:
        declared = load_source_manifest(manifest).sources
    except (ConfigError, OSError):
        declared = {}
    return {
        source: declared[source].refresh if source in declared else FALLBACK_CADENCE
        for source in SOURCES
    }


def segment_cadences(icp_dir: Path) -> set[str]:
    try:
        return {segment.refresh for segment in load_icp_segments(icp_dir)}
    except (ConfigError, OSError):
        return {FALLBACK_CADENCE}


def _most_frequent(cadences: set[str]) -> str:
    return "monthly" if "monthly" in cadences or not cadences else "quarterly"


def on_tick(cron: str, label: str) -> dg.AutomationCondition:
    """At each tick of `cron`, whatever changed upstream; never while the asset is running."""
    return (
        dg.AutomationCondition.cron_tick_passed(cron).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.in_progress()
    ).with_label(f"{label}({cron}, UTC)")


def daily_recheck() -> dg.AutomationCondition:
    return on_tick(DAILY_RECHECK_CRON, "daily_recheck")


def _automated(
    spec: dg.AssetSpec, cadences: Mapping[str, str], config_cadence: str
) -> dg.AssetSpec:
    if spec.key in RAW_KEYS:
        cadence = cadences[RAW_KEYS[spec.key]]
        warn, fail = FRESHNESS_BY_CADENCE[cadence]
        return spec.replace_attributes(
            automation_condition=dg.AutomationCondition.on_cron(CRON_BY_CADENCE[cadence]),
            freshness_policy=dg.FreshnessPolicy.time_window(fail_window=fail, warn_window=warn),
        )
    if spec.group_name == CONFIG_GROUP:
        return spec.replace_attributes(
            automation_condition=dg.AutomationCondition.on_cron(CRON_BY_CADENCE[config_cadence])
        )
    condition = dg.AutomationCondition.eager()
    if spec.key in VERIFY_KEYS:
        condition = (condition | daily_recheck()).with_label("eager_or_daily_recheck")
    elif spec.key in MONTHLY_KEYS:
        monthly = on_tick(MONTHLY_CRON, "monthly")
        condition = (condition | monthly).with_label("eager_or_monthly")
    return spec.replace_attributes(automation_condition=condition)


def automated_assets(
    assets: Sequence[dg.AssetsDefinition], inputs: LeadgenInputs
) -> list[dg.AssetsDefinition]:
    """`assets` with their automation conditions and freshness policies, the cadences read
    from the manifests `inputs` names."""
    cadences = source_cadences(Path(inputs.sources_manifest))
    config_cadence = _most_frequent(
        set(cadences.values()) | segment_cadences(Path(inputs.icp_dir))
    )
    automated = dg.map_asset_specs(lambda spec: _automated(spec, cadences, config_cadence), assets)
    # one run covers a range of verification batches (the whole-graph command names every
    # batch): Dagster runs a range in one step only when every selected asset, partitioned
    # or not, allows it; a backfill of the `verify_batches` job still makes a run per batch
    return [
        asset.with_attributes(backfill_policy=dg.BackfillPolicy.single_run())
        if isinstance(asset, dg.AssetsDefinition)
        else asset
        for asset in automated
    ]


def automation_sensors() -> list[dg.SensorDefinition]:
    """The sensor that evaluates every condition, and the one that watches the inbox."""
    return [
        dg.AutomationConditionSensorDefinition(
            AUTOMATION_SENSOR,
            target=dg.AssetSelection.all(),
            default_status=dg.DefaultSensorStatus.RUNNING,
            description="Evaluates every asset's automation condition (see the README).",
        ),
        inbox_exports,
    ]


def _run_key(files: list[str], cursor: Mapping[str, list[int | str]]) -> str:
    digests = sorted(str(cursor[name][2]) for name in files)
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()[:32]


@dg.sensor(
    name=INBOX_SENSOR,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    target=dg.AssetSelection.assets(*{key for keys in FOLDER_ASSETS.values() for key in keys}),
    description=(
        "Requests the pull of an inbox folder's asset when a new export lands there (new "
        "content, whatever the file's name: a file is pulled once). The first look records "
        "what is there without requesting anything."
    ),
)
def inbox_exports(context: dg.SensorEvaluationContext, inputs: LeadgenInputs) -> dg.SensorResult:
    previous = json.loads(context.cursor) if context.cursor else None
    scan = scan_inbox(Path(inputs.inbox), previous or {})
    cursor = json.dumps(scan.cursor, sort_keys=True)
    if previous is None:
        context.log.info(f"first look at the inbox: {len(scan.cursor)} file(s) recorded")
        for name in scan.outside:
            context.log.info(f"{name}: not in an inbox folder, or links out of it; not read")
        return dg.SensorResult(cursor=cursor)
    requests = []
    for folder, files in sorted(scan.new_files.items()):
        if folder not in FOLDER_ASSETS:
            context.log.info(f"{folder}/: {len(files)} new file(s), read by no asset yet")
            continue
        tags = {"leadgen/inbox_folder": folder}
        if set(FOLDER_ASSETS[folder]) & set(VERIFY_KEYS):  # any batch's address may be there
            tags |= EVERY_BATCH_TAGS
        requests.append(
            dg.RunRequest(
                run_key=f"{folder}:{_run_key(files, scan.cursor)}",
                asset_selection=list(FOLDER_ASSETS[folder]),
                tags=tags,
            )
        )
    return dg.SensorResult(run_requests=requests, cursor=cursor)
