"""The closed-won feedback layer: deals from the CRM, matched to the people and accounts the
pipeline knows."""

from __future__ import annotations

import dagster as dg
import duckdb

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import check, contract_result, contract_spec, table_metadata
from leadgen_pipeline.layers.core.assets import ACCOUNTS, CONTACT_LINKS
from leadgen_pipeline.layers.feedback.contracts import Deals
from leadgen_pipeline.layers.feedback.crm import CrmRead, match_deals, read_crm_inbox
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "feedback"
DEALS = dg.AssetKey([GROUP, "deals"])


@dg.asset(
    key=DEALS,
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    owners=["team:revops"],
    deps=[CONTACT_LINKS, ACCOUNTS],
    description=(
        "Every deal of the CRM exports in the inbox's `crm/` (HubSpot deal exports, Salesforce "
        "opportunity reports or API exports), recognised by header with aliases (localised "
        "labels, columns added to a view). Stages map to won / lost / open (`IsWon` wins where "
        "present). Each deal is matched to a person by its contact's email key and to an "
        "account by its company domain; unmatched deals are kept and counted. Rows that name "
        "no deal are in `feedback.deal_rejects` with the reason. A CRM file that cannot be "
        "understood stops the build, naming it."
    ),
    check_specs=[
        contract_spec(DEALS, Deals),
        check(
            DEALS,
            "rows_conserved",
            "every data row of every CRM export is a deal, a repeat of a later export's deal, "
            "or a reject with its reason",
        ),
    ],
)
def deals(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        read = read_crm_inbox(con, inputs.inbox_path)
        if read.problems:
            raise dg.Failure(
                description="the deals cannot be read, so no closed-won analysis may run:\n"
                + "\n".join(f"- {p}" for p in read.problems)
            )
        matched = match_deals(
            read.deals,
            store.read_table(con, "core.contact_links"),
            store.read_table(con, "core.accounts"),
        )
        store.write_tables(con, {"feedback.deals": matched, "feedback.deal_rejects": read.rejects})
        counts = dict(matched.group_by("match").len().iter_rows())
        outcomes = matched.group_by("outcome").len().sort("outcome").iter_rows()
        metadata = table_metadata(
            con,
            "feedback.deals",
            matched_to_person=counts.get("person", 0),
            matched_to_account_only=counts.get("account", 0),
            unmatched=counts.get("unmatched", 0),
            rejected_rows=read.rejects.height,
            repeated_rows=read.repeated,
            by_outcome=dg.MetadataValue.md("\n".join(f"- {o}: {n}" for o, n in outcomes)),
        )
        checks = [contract_result(con, DEALS, Deals), rows_conserved(con, read)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def rows_conserved(con: duckdb.DuckDBPyConnection, read: CrmRead) -> dg.AssetCheckResult:
    ((kept,),) = con.execute("select count(*) from feedback.deals").fetchall()
    ((rejected,),) = con.execute("select count(*) from feedback.deal_rejects").fetchall()
    accounted = kept + read.repeated + rejected
    return dg.AssetCheckResult(
        asset_key=DEALS,
        check_name="rows_conserved",
        passed=accounted == read.rows_read,
        metadata={"rows_read": read.rows_read, "rows_accounted_for": accounted},
    )


defs = dg.Definitions(assets=[deals])
