"""The compliance layer: every opt-out, bounce, erasure and do-not-contact domain."""

import dagster as dg

from leadgen_pipeline.contracts import Suppressions
from leadgen_pipeline.core import storage
from leadgen_pipeline.core.compliance import build_suppressions
from leadgen_pipeline.core.erasure import erase_requested
from leadgen_pipeline.defs.icp import ICP_SEGMENTS
from leadgen_pipeline.defs.metadata import contract_check, table_metadata
from leadgen_pipeline.defs.resources import DuckDBStore, LeadgenInputs

SUPPRESSIONS = dg.AssetKey(["compliance", "suppressions"])


@dg.asset(
    key=SUPPRESSIONS,
    group_name="compliance",
    kinds={"duckdb", "csv"},
    owners=["team:revops"],
    deps=[ICP_SEGMENTS],
    description=(
        "Who must never be contacted: opt-outs, hard bounces, erasure requests (kept only as "
        "SHA-256 hashes of the normalised email and LinkedIn slug) and do-not-contact "
        "domains from the inbox's `suppression/` files, plus every ICP's disqualifier "
        "domains. Unreadable rows go to `compliance.suppression_rejects` with the reason. "
        "New erasure requests are carried out here, across every table and snapshot. "
        "Addresses the last verification found invalid or do-not-mail are added too."
    ),
)
def suppressions(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        rows, rejects, erasure_requests = build_suppressions(
            con, inputs.inbox_path, inputs.segments()
        )
        storage.write_table(con, "compliance.suppression_rejects", rejects)
        storage.write_table(con, "compliance.suppressions", rows)
        erased = erase_requested(con, erasure_requests)
        by_kind = rows.group_by("kind").len().sort("kind").iter_rows()
        metadata = table_metadata(
            con,
            "compliance.suppressions",
            rejected_rows=rejects.height,
            erased_people=erased.people,
            erased_raw_rows=erased.raw_rows,
            erased_from=dg.MetadataValue.md(
                "\n".join(f"- {t}: {n}" for t, n in sorted(erased.swept_rows.items()))
                or "nothing left to erase"
            ),
            by_kind=dg.MetadataValue.md("\n".join(f"- {k}: {n}" for k, n in by_kind)),
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(
    asset=SUPPRESSIONS, name="contract", blocking=True, description="Suppressions contract"
)
def suppressions_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(Suppressions, storage.read_table(con, "compliance.suppressions"))


defs = dg.Definitions(assets=[suppressions], asset_checks=[suppressions_contract])
