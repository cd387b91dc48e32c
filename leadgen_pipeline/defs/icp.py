"""The ICP layer: operational segment definitions, validated and published as a table."""

from __future__ import annotations

import dagster as dg

from leadgen_pipeline.contracts import IcpSegments
from leadgen_pipeline.core.icp import segments_frame
from leadgen_pipeline.core.storage import read_table, write_table
from leadgen_pipeline.defs.metadata import contract_check, table_metadata
from leadgen_pipeline.defs.resources import DuckDBStore, LeadgenInputs

ICP_SEGMENTS = dg.AssetKey(["config", "icp_segments"])


@dg.asset(
    key=ICP_SEGMENTS,
    group_name="icp",
    kinds={"duckdb", "yaml"},
    owners=["team:revops"],
    description=(
        "The operational ICPs, one row per segment file in `data/icp/`: employee band, "
        "ISO-2 countries, industries, titles, seniorities, 3–5 buying signals, "
        "disqualifiers, refresh cadence, version and file hash. A bad file fails the run "
        "with the file and field named."
    ),
)
def icp_segments(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    segments = inputs.segments()
    frame = segments_frame(segments)
    with duckdb.get_connection() as con:
        write_table(con, "config.icp_segments", frame)
        metadata = table_metadata(
            con,
            "config.icp_segments",
            segments=dg.MetadataValue.md(
                "\n".join(f"- `{s.segment}` v{s.version} ({s.refresh})" for s in segments)
            ),
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=ICP_SEGMENTS, blocking=True, description="config.icp_segments contract")
def icp_segments_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(IcpSegments, read_table(con, "config.icp_segments"))


defs = dg.Definitions(assets=[icp_segments], asset_checks=[icp_segments_contract])
