"""The raw layer: each source's latest pull in the canonical shape, and its rejects."""

# no `from __future__ import annotations`: Dagster inspects the real `context` annotation

import dataclasses
from typing import Any

import dagster as dg
import duckdb
import polars as pl
from dagster import AssetExecutionContext

from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.kernel.privacy import masked_preview
from leadgen_pipeline.layers.checks import (
    check,
    contract_result,
    contract_spec,
    side_table,
    side_table_metadata,
    table_metadata,
)
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS, SOURCE_PROVENANCE
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.layers.config.provenance import SourceProvenance, load_source_manifest
from leadgen_pipeline.layers.raw import history
from leadgen_pipeline.layers.raw.apollo_pull import ERASED_IDS_TABLE, REVEALS_TABLE, pull_apollo_api
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.raw.contracts import (
    ApolloErased,
    ApolloReveals,
    RawHistoryRecords,
    RawHistoryRejects,
    RawPulls,
    RawRecords,
    RawRejects,
)
from leadgen_pipeline.layers.raw.ingest import (
    ExportReadError,
    InboxError,
    SkippedInput,
    SourcePull,
    check_inbox,
    pull_source_from_inbox,
    survey_inbox,
)
from leadgen_pipeline.resources import ApolloResource, DuckDBStore, LeadgenInputs

# the suppression list the Apollo API pull reads (a key, not an import: a later layer)
ERASURE_SOURCE = dg.AssetKey(["compliance", "suppressions"])

GROUP = "raw"
RAW_SOURCES = [dg.AssetKey([GROUP, source]) for source in SOURCES]
RAW_REJECTS = dg.AssetKey([GROUP, "rejects"])

# the history behind the `raw` views (their columns: commented, not shown twice), the pull
# log, and the Apollo API pull's books of who was revealed (paid for) or erased
HISTORY_TABLES = [side_table(f"raw_history.{s}", RawHistoryRecords) for s in SOURCES]
REJECTS_HISTORY = side_table(history.REJECTS_HISTORY, RawHistoryRejects)
PULL_LOG = side_table(history.PULLS_TABLE, RawPulls)
APOLLO_BOOKS = [
    side_table(REVEALS_TABLE, ApolloReveals),
    side_table(ERASED_IDS_TABLE, ApolloErased),
]

_SOURCE_DESCRIPTIONS = {
    "apollo": "Apollo contacts exports (2024–2026 header versions), or the Apollo People API "
    "when `APOLLO_API_KEY` is set",
    "cognism": "Cognism platform and enrichment exports",
    "sales_navigator": "LinkedIn Sales Navigator lead exports (PhantomBuster, Evaboot)",
    "directory": "Other databases' exports (ZoomInfo, Lusha) and niche directory lists",
}


def _files_markdown(files: list[dict]) -> str:
    lines = [
        "| file | vendor | encoding | delimiter | rows | records | rejects |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {f['source_file']} | {f['vendor'] or '?'} | {f['encoding']} "
        f"| {f['delimiter']!r} | {f['data_rows']} | {f['records']} | {f['rejects']} |"
        for f in files
    ]
    return "\n".join(_masked_lines(lines))


def _masked_lines(lines: list[str]) -> list[str]:
    """Lines for the event log with any personal data in them (a file named after a
    person's address, say) masked."""
    if not lines:
        return []
    return masked_preview(pl.DataFrame({"line": lines}))["line"].to_list()


def _skipped_markdown(skipped: list[SkippedInput]) -> str:
    return "\n".join(_masked_lines([f"- {s.path}: {s.reason}" for s in skipped])) or "none"


def _say_everything(
    context: AssetExecutionContext, label: str, skipped: list[SkippedInput], warnings: list[str]
) -> None:
    """Every input not read and every guess made, in the run log as well as the metadata."""
    for line in _masked_lines([f"{s.path}: not read: {s.reason}" for s in skipped] + warnings):
        context.log.warning(f"{label}: {line}")


def _describe_pull(
    con: duckdb.DuckDBPyConnection, pull: SourcePull, is_new: bool, **extra: Any
) -> dict[str, Any]:
    return table_metadata(
        con,
        f"raw.{pull.source}",
        snapshot_id=pull.snapshot_id,
        pulled_at=dg.MetadataValue.timestamp(pull.pulled_at),
        new_snapshot=is_new,
        input_rows=pull.data_rows,
        rejected_rows=pull.reject_count,
        files=dg.MetadataValue.md(_files_markdown([vars(f) for f in pull.files])),
        not_read=dg.MetadataValue.md(_skipped_markdown(pull.skipped)),
        warnings=dg.MetadataValue.md("\n".join(_masked_lines(pull.warnings)) or "none"),
        **extra,
        **side_table_metadata(con, f"raw_history.{pull.source}", REJECTS_HISTORY, schemas=False),
        **side_table_metadata(con, PULL_LOG, *(APOLLO_BOOKS if pull.source == "apollo" else [])),
    )


def _inbox_pull(
    context: AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    inputs: LeadgenInputs,
    source: str,
    provenance: SourceProvenance | None,
) -> dict[str, Any]:
    """Pull the source's inbox folder and store it, or fail naming the path or file; a
    folder with nothing to read keeps the last good pull as the latest."""
    previous = history.latest_pull(con, source)
    kept = (
        f"the last good snapshot ({previous['snapshot_id']}) is kept"
        if previous
        else "nothing was stored"
    )
    try:
        check_inbox(inputs.inbox_path, SOURCES)
        pull = pull_source_from_inbox(
            con,
            inputs.inbox_path,
            source,
            declared_vendors=provenance.vendors if provenance else (),
            consent_basis=provenance.consent_basis if provenance else None,
            now=inputs.now(),
            stored_files=lambda snapshot_id: history.stored_files(con, snapshot_id),
        )
    except (InboxError, ExportReadError) as error:
        # a parser's message can quote the row it failed on: masked like any log line
        (message,) = _masked_lines([f"raw/{source}: {error}; {kept}"])
        raise dg.Failure(description=message) from error
    _say_everything(context, f"raw/{source}", pull.skipped, pull.warnings)
    if not pull.files and previous is not None:
        # an emptied or missing folder is no evidence the source emptied: keep the last pull
        context.log.warning(
            f"raw/{source}: {inputs.inbox_path / source} has no export to read; {kept}"
        )
        shown = dataclasses.replace(
            pull, snapshot_id=previous["snapshot_id"], pulled_at=previous["pulled_at"]
        )
        return _describe_pull(con, shown, False, mode="inbox", kept_previous=True)
    is_new = history.record_pull(con, pull, warnings=pull.warnings)
    return _describe_pull(con, pull, is_new, mode="inbox", kept_previous=False)


def _apollo_api_pull(
    context: AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    inputs: LeadgenInputs,
    apollo: ApolloResource,
    provenance: SourceProvenance | None,
) -> dict[str, Any]:
    if provenance is None or "apollo_api" not in provenance.vendors:
        raise dg.Failure("APOLLO_API_KEY is set but data/sources.yaml does not declare apollo_api")
    previous = history.latest_pull(con, "apollo")
    try:
        with apollo.client() as client:
            pull, run = pull_apollo_api(
                con,
                client,
                load_icp_segments(inputs.icp_path),
                consent_basis=provenance.consent_basis,
                max_records_per_segment=apollo.max_records_per_segment,
                say=context.log.info,
                now=inputs.clock(),
            )
    except ProviderError as error:
        kept = previous["snapshot_id"] if previous else "none yet"
        raise dg.Failure(
            description=f"Apollo pull failed; the last good snapshot ({kept}) is kept: {error}"
        ) from error
    for warning in run.warnings:
        context.log.warning(warning)
    is_new = history.record_pull(
        con, pull, mode="api", credits_spent=run.credits_spent, warnings=run.warnings
    )
    return _describe_pull(
        con, pull, is_new, mode="api", queries=run.queries, searched=run.searched,
        revealed=run.revealed, carried_over=run.carried_over,
        skipped_disqualified=run.skipped_disqualified, credits_spent=run.credits_spent,
        **run.summary,
    )  # fmt: skip


def _source_checks(
    con: duckdb.DuckDBPyConnection, inputs: LeadgenInputs, source: str, declared: bool
) -> list[dg.AssetCheckResult]:
    """Provenance declared, every row conserved, the contract: on the table as just written."""
    key = dg.AssetKey([GROUP, source])
    gaps = history.conservation_gaps(con, source)
    return [
        dg.AssetCheckResult(
            asset_key=key,
            check_name="provenance_declared",
            passed=declared,
            description=None
            if declared
            else (
                f"source '{source}' has no provenance in {inputs.sources_manifest}: declare its "
                "vendors, consent basis and opt-out mechanism; until then its rows are held "
                "back in raw.rejects and not used downstream"
            ),
        ),
        dg.AssetCheckResult(
            asset_key=key,
            check_name="rows_conserved",
            passed=gaps.height == 0,
            metadata={
                "files_out_of_balance": gaps.height,
                "detail": dg.MetadataValue.md(
                    "\n".join(
                        f"- {r['source_file']}: {r['data_rows']} rows read, {r['stored']} stored"
                        for r in gaps.iter_rows(named=True)
                    )
                    or "every file balances"
                ),
            },
        ),
        contract_result(con, key, RawRecords),
    ]


def build_raw_source(source: str) -> dg.AssetsDefinition:
    """The `raw/<source>` asset, with the checks that guard it run in its step."""
    key = dg.AssetKey([GROUP, source])
    spec = dict(
        key=key,
        group_name=GROUP,
        kinds={"duckdb", "polars", "csv"},
        owners=["team:data-engineering"],
        deps=[SOURCE_PROVENANCE],
        description=(
            f"{_SOURCE_DESCRIPTIONS[source]}, mapped to the canonical record shape: the "
            f"latest pull of `{source}` (a view onto the immutable `raw_history.{source}`). "
            "Rows that cannot be read go to `raw.rejects` with the reason."
        ),
        check_specs=[
            check(
                key,
                "provenance_declared",
                f"`{source}` has a vendor, consent basis and opt-out in the manifest",
            ),
            check(
                key,
                "rows_conserved",
                "every data row of every input file is in the raw table or raw.rejects",
            ),
            contract_spec(key, RawRecords),
        ],
    )
    if source != "apollo":

        @dg.asset(**spec)
        def raw_source(
            context: AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs
        ) -> dg.MaterializeResult:
            provenance = load_source_manifest(inputs.manifest_path).provenance_for(source)
            with duckdb.get_connection() as con:
                metadata = _inbox_pull(context, con, inputs, source, provenance)
                checks = _source_checks(con, inputs, source, provenance is not None)
            return dg.MaterializeResult(metadata=metadata, check_results=checks)

        return raw_source

    # API mode drops people named by an erasure request before storing anything, so the
    # suppression list it reads is declared (a key, not an import: compliance comes later)
    @dg.asset(**{**spec, "deps": [SOURCE_PROVENANCE, ICP_SEGMENTS, ERASURE_SOURCE]})
    def raw_apollo(
        context: AssetExecutionContext,
        duckdb: DuckDBStore,
        inputs: LeadgenInputs,
        apollo: ApolloResource,
    ) -> dg.MaterializeResult:
        provenance = load_source_manifest(inputs.manifest_path).provenance_for(source)
        with duckdb.get_connection() as con:
            if apollo.enabled:
                metadata = _apollo_api_pull(context, con, inputs, apollo, provenance)
            else:
                metadata = _inbox_pull(context, con, inputs, source, provenance)
            checks = _source_checks(con, inputs, source, provenance is not None)
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return raw_apollo


@dg.asset(
    key=RAW_REJECTS,
    group_name=GROUP,
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    deps=RAW_SOURCES,
    description=(
        "Every input row or API response of the sources' latest pulls that could not be "
        "used, with file, row, reason and the row as read: broken quoting, a field count "
        "other than the header's, no identity, unknown format, undeclared vendor. Nothing is "
        "dropped silently: inbox folders and files no pull reads are listed in the metadata."
    ),
    check_specs=[contract_spec(RAW_REJECTS, RawRejects)],
)
def raw_rejects(
    context: AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs
) -> dg.MaterializeResult:
    declared = load_source_manifest(inputs.manifest_path).sources
    # what no source pull reads: unknown folders, loose files, manifest entries with no
    # raw table or no folder (each source's own unread files are listed on its asset)
    unread = survey_inbox(inputs.inbox_path, SOURCES, declared)
    _say_everything(context, "inbox", unread, [])
    with duckdb.get_connection() as con:
        history.ensure_raw_layer(con)
        by_reason = con.sql(
            "select source, split_part(reason, ':', 1) as reason, count(*) as n "
            "from raw.rejects group by all order by source, n desc"
        ).fetchall()
        metadata = table_metadata(
            con,
            "raw.rejects",
            by_reason=dg.MetadataValue.md(
                "\n".join(f"- {s}: {r} — {n}" for s, r, n in by_reason) or "no rejects"
            ),
            inbox_not_read=dg.MetadataValue.md(_skipped_markdown(unread)),
            # made here too when no source has been pulled yet
            **side_table_metadata(con, *HISTORY_TABLES, REJECTS_HISTORY, PULL_LOG, schemas=False),
        )
        contract = contract_result(con, RAW_REJECTS, RawRejects)
    return dg.MaterializeResult(metadata=metadata, check_results=[contract])


defs = dg.Definitions(assets=[*(build_raw_source(source) for source in SOURCES), raw_rejects])
