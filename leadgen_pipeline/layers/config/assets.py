"""The config layer: the operational ICP segments and the source provenance manifest."""

from __future__ import annotations

import dagster as dg

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import contract_result, contract_spec, table_metadata
from leadgen_pipeline.layers.config.contracts import IcpSegments, SourceProvenanceTable
from leadgen_pipeline.layers.config.icp import load_icp_segments, segments_frame
from leadgen_pipeline.layers.config.provenance import load_source_manifest, manifest_frame
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "config"
ICP_SEGMENTS = dg.AssetKey([GROUP, "icp_segments"])
SOURCE_PROVENANCE = dg.AssetKey([GROUP, "source_provenance"])


@dg.asset(
    key=ICP_SEGMENTS,
    group_name=GROUP,
    kinds={"duckdb", "yaml"},
    owners=["team:revops"],
    description=(
        "The operational ICPs, one row per segment file in `data/icp/`: employee band, "
        "ISO-2 countries, industries, titles, seniorities, 3–5 buying signals, "
        "disqualifiers, refresh cadence, version and file hash. A bad file fails the run "
        "with the file and field named."
    ),
    check_specs=[contract_spec(ICP_SEGMENTS, IcpSegments)],
)
def icp_segments(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    segments = load_icp_segments(inputs.icp_path)
    with duckdb.get_connection() as con:
        store.write_table(con, "config.icp_segments", segments_frame(segments))
        metadata = table_metadata(
            con,
            "config.icp_segments",
            segments=dg.MetadataValue.md(
                "\n".join(f"- `{s.segment}` v{s.version} ({s.refresh})" for s in segments)
            ),
        )
        contract = contract_result(con, ICP_SEGMENTS, IcpSegments)
    return dg.MaterializeResult(metadata=metadata, check_results=[contract])


@dg.asset(
    key=SOURCE_PROVENANCE,
    group_name=GROUP,
    kinds={"duckdb", "yaml"},
    owners=["team:revops"],
    description=(
        "The provenance manifest (`data/sources.yaml`): per source its vendors, consent "
        "basis, opt-out mechanism, refresh cadence, cost per record and trust rank. Rows "
        "from a source it does not declare are held back."
    ),
    check_specs=[contract_spec(SOURCE_PROVENANCE, SourceProvenanceTable)],
)
def source_provenance(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    frame = manifest_frame(load_source_manifest(inputs.manifest_path))
    with duckdb.get_connection() as con:
        store.write_table(con, "config.source_provenance", frame)
        return dg.MaterializeResult(
            metadata=table_metadata(con, "config.source_provenance"),
            check_results=[contract_result(con, SOURCE_PROVENANCE, SourceProvenanceTable)],
        )


defs = dg.Definitions(assets=[icp_segments, source_provenance])
