"""The compliance layer: every opt-out, bounce, erasure request and do-not-contact domain."""

from __future__ import annotations

import dagster as dg

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import (
    contract_result,
    contract_spec,
    side_table,
    side_table_metadata,
    table_metadata,
)
from leadgen_pipeline.layers.compliance.contracts import (
    SoftBounces,
    SuppressionHistory,
    SuppressionLifts,
    SuppressionRejects,
    Suppressions,
)
from leadgen_pipeline.layers.compliance.history import (
    HISTORY_TABLE,
    LIFTS_TABLE,
    effective_suppressions,
)
from leadgen_pipeline.layers.compliance.suppressions import (
    SuppressionFileError,
    build_suppressions,
)
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "compliance"
SUPPRESSIONS = dg.AssetKey([GROUP, "suppressions"])
SIDE_TABLES = [
    side_table(HISTORY_TABLE, SuppressionHistory),
    side_table(LIFTS_TABLE, SuppressionLifts),
    side_table("compliance.soft_bounces", SoftBounces),
    side_table("compliance.suppression_rejects", SuppressionRejects),
]


@dg.asset(
    key=SUPPRESSIONS,
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    owners=["team:revops"],
    deps=[ICP_SEGMENTS],
    description=(
        "Who must never be contacted: opt-outs, spam complaints, hard bounces (the address, "
        "not the person), erasure requests (kept only as SHA-256 hashes of the normalised "
        "email, LinkedIn slug, LinkedIn member id, or name at a company name or domain) and "
        "do-not-contact domains from the inbox's `suppression/` "
        "files, recognised by header (HubSpot, Salesforce, Mailchimp, SendGrid, Instantly, "
        "lemlist, Smartlead and the project's own lists), plus every ICP's disqualifier "
        "domains. Rows that ask for nothing go to `compliance.suppression_rejects` with the "
        "reason; soft bounces are counted in `compliance.soft_bounces` and suppress nothing. "
        "A file that cannot be understood, or a suppressing row with no usable key, stops the "
        "build with the file named, and the last good list stays. Suppression only grows: "
        "every suppression ever seen is kept in `compliance.suppression_history`, so an "
        "emptied or removed file brings no one back; only a re-consent file "
        "(`email,consented_at,proof`) lifts an earlier opt-out, logged in "
        "`compliance.suppression_lifts`. "
        "Addresses verification finds undeliverable join the complete list in "
        "`verify.suppression_list`."
    ),
    check_specs=[contract_spec(SUPPRESSIONS, Suppressions)],
)
def suppressions(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    now = inputs.now()  # the pinned date, when there is one: undated rows, first seen
    with duckdb.get_connection() as con:
        try:
            read = build_suppressions(
                con, inputs.inbox_path, load_icp_segments(inputs.icp_path), now
            )
        except SuppressionFileError as error:
            raise dg.Failure(description=str(error)) from None  # the last good list stays
        store.write_table(con, "compliance.suppression_rejects", read.rejects)
        store.write_table(con, "compliance.soft_bounces", read.soft_bounces)
        # suppression only grows: the list is the whole history, less what re-consent lifted
        rows = effective_suppressions(con, read.rows, read.consents, now)
        store.write_table(con, "compliance.suppressions", rows)
        by_kind = rows.group_by("kind").len().sort("kind").iter_rows()
        metadata = table_metadata(
            con,
            "compliance.suppressions",
            rejected_rows=read.rejects.height,
            in_todays_files=read.rows.height,
            soft_bounces=read.soft_bounces.height,
            by_kind=dg.MetadataValue.md("\n".join(f"- {k}: {n}" for k, n in by_kind)),
            **side_table_metadata(con, *SIDE_TABLES),
        )
        contract = contract_result(con, SUPPRESSIONS, Suppressions)
    return dg.MaterializeResult(metadata=metadata, check_results=[contract])


defs = dg.Definitions(assets=[suppressions])
