"""The core layer: the deduplicated union, one row per person, and every record's link."""

from collections.abc import Iterator

import dagster as dg
import duckdb
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import (
    StepResult,
    built_together,
    check,
    contract_result,
    contract_spec,
    side_table,
    side_table_metadata,
    table_metadata,
)
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.compliance.contracts import ErasureLog, SweptRows
from leadgen_pipeline.layers.compliance.erasure import (
    SWEPT_ROWS,
    erased_rejects_with_content,
    unbalanced_snapshots,
)
from leadgen_pipeline.layers.config.provenance import load_source_manifest
from leadgen_pipeline.layers.core.contracts import Accounts, ContactLinks, Contacts, MergeLog
from leadgen_pipeline.layers.core.links import (
    link_and_erase,
    link_coverage,
    survive_union,
)
from leadgen_pipeline.layers.core.survivorship import (
    LINEAGE_FIELDS,
)
from leadgen_pipeline.layers.raw import history
from leadgen_pipeline.layers.raw.assets import RAW_REJECTS, RAW_SOURCES
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "core"
CONTACT_LINKS = dg.AssetKey([GROUP, "contact_links"])
CONTACTS = dg.AssetKey([GROUP, "contacts"])
ACCOUNTS = dg.AssetKey([GROUP, "accounts"])
ERASURE_LOG = dg.AssetKey([GROUP, "erasure_log"])
MERGE_LOG = side_table("core.merge_log", MergeLog)
side_table(SWEPT_ROWS, SweptRows)

# canonical raw columns each contact column can come from, for Dagster's column lineage
_RAW_COLUMNS = {
    "email": ["email"],
    "linkedin_url": ["linkedin_url"],
    "linkedin_member_id": ["linkedin_member_id", "sales_nav_url", "linkedin_url"],
    "phone": ["phone_direct", "phone_mobile", "phone_company"],
    "company_domain": ["company_domain", "company_website", "email"],
}


def _column_lineage() -> dg.TableColumnLineage:
    return dg.TableColumnLineage(
        deps_by_column={
            field: [
                dg.TableColumnDep(asset_key=key, column_name=column)
                for key in RAW_SOURCES
                for column in _RAW_COLUMNS.get(field, [field])
            ]
            for field in LINEAGE_FIELDS
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CONTACT_LINKS,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=["team:data-engineering"],
            deps=[*RAW_SOURCES, SUPPRESSIONS],
            description=(
                "Every raw record of the sources' latest pulls -> its `person_id`, with the "
                "rule and evidence that linked it (email, LinkedIn slug or member id, vendor "
                "id, fuzzy name at a company, name at a previous employer the current record's "
                "employment history names, or singleton). `person_id` survives rebuilds; "
                "merges, splits, new and retired people of each build are appended to "
                "`core.merge_log`. People with an erasure request are never in it."
            ),
        ),
        dg.AssetSpec(
            ERASURE_LOG,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=["team:revops"],
            deps=[*RAW_SOURCES, RAW_REJECTS, SUPPRESSIONS],
            description=(
                "The right to erasure, carried out on each union build: every person an "
                "erasure request names (by the SHA-256 of their email key, LinkedIn slug, "
                "LinkedIn member id, or name at a company name or domain), with every record "
                "linked to them, is removed from every table and every `raw_history` "
                "snapshot; their raw rows become content-free rejects and a reject that kept "
                "their row is blanked, never deleted, so counts still balance. One row per "
                "table and build with how many rows were removed or blanked, never whom. "
                "Built in the same step as `core/contact_links`, so no build of the links "
                "can ever hold an erased person."
            ),
        ),
    ],
    check_specs=[
        check(
            CONTACT_LINKS,
            "every_raw_record_linked_once",
            "each raw record of the latest pulls has exactly one link",
        ),
        check(
            CONTACT_LINKS,
            "one_linkedin_identity_per_person",
            "no person holds two different public LinkedIn slugs",
        ),
        contract_spec(CONTACT_LINKS, ContactLinks),
        check(
            ERASURE_LOG,
            "rows_conserved_after_erasure",
            "after the sweep, every data row of every input file of every snapshot is still "
            "in a raw table or the rejects, exactly once (erased rows are content-free "
            "rejects), and no erased reject keeps content",
        ),
        contract_spec(ERASURE_LOG, ErasureLog),
    ],
    can_subset=True,
)
@built_together
def link_records_and_erase(
    context: dg.AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs
):
    with duckdb.get_connection() as con:
        build = link_and_erase(con, inputs.inbox_path, inputs.now())
        links, report = build.links, build.erasure
        events = dict(build.log.group_by("event").len().iter_rows())
        context.log.info(f"identity changes this build: {events}")
        rules = links.group_by("match_rule").len().sort("len", descending=True).iter_rows()
        yield dg.MaterializeResult(
            asset_key=CONTACT_LINKS,
            metadata=table_metadata(
                con,
                "core.contact_links",
                people=links["person_id"].n_unique(),
                **{f"people_{event}": count for event, count in sorted(events.items())},
                match_rules=dg.MetadataValue.md("\n".join(f"- {r}: {n}" for r, n in rules)),
                **side_table_metadata(con, MERGE_LOG),
            ),
        )
        yield dg.MaterializeResult(
            asset_key=ERASURE_LOG,
            metadata=table_metadata(
                con,
                "core.erasure_log",
                erased_people=report.people,
                erased_raw_rows=report.raw_rows,
                erased_from=dg.MetadataValue.md(
                    "\n".join(f"- {t}: {n}" for t, n in sorted(report.swept_rows.items()))
                    or "nothing left to erase"
                ),
                **side_table_metadata(con, SWEPT_ROWS),
            ),
        )
        yield every_raw_record_linked_once(con)
        yield one_linkedin_identity_per_person(con)
        yield contract_result(con, CONTACT_LINKS, ContactLinks)
        yield rows_conserved_after_erasure(con)
        yield contract_result(con, ERASURE_LOG, ErasureLog)


def every_raw_record_linked_once(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    coverage = link_coverage(con)
    return dg.AssetCheckResult(
        asset_key=CONTACT_LINKS,
        check_name="every_raw_record_linked_once",
        passed=coverage.exact,
        metadata={
            "unlinked": coverage.unlinked,
            "linked_twice": coverage.linked_twice,
            "orphans": coverage.orphans,
        },
    )


def rows_conserved_after_erasure(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """On the tables as the sweep left them: every file of every snapshot (not only the
    latest pulls) still balances, rejects included, and no erased reject holds content."""
    history.ensure_raw_layer(con)
    gaps = {source: history.conservation_gaps(con, source).height for source in SOURCES}
    unbalanced = unbalanced_snapshots(con)
    with_content = erased_rejects_with_content(con)
    return dg.AssetCheckResult(
        asset_key=ERASURE_LOG,
        check_name="rows_conserved_after_erasure",
        passed=not any(gaps.values()) and unbalanced.is_empty() and with_content == 0,
        metadata={
            **{f"files_out_of_balance_{source}": n for source, n in gaps.items()},
            "snapshot_files_out_of_balance": unbalanced.height,
            "erased_rejects_with_content": with_content,
        },
    )


def one_linkedin_identity_per_person(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    links = store.read_table(con, "core.contact_links", ["person_id", "linkedin_slug"])
    doubled = (
        links.group_by("person_id")
        .agg(pl.col("linkedin_slug").drop_nulls().n_unique().alias("slugs"))
        .filter(pl.col("slugs") > 1)
    )
    return dg.AssetCheckResult(
        asset_key=CONTACT_LINKS,
        check_name="one_linkedin_identity_per_person",
        passed=doubled.is_empty(),
        metadata={"people": doubled.height},
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CONTACTS,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=["team:data-engineering"],
            deps=[CONTACT_LINKS, *RAW_SOURCES, SUPPRESSIONS],
            description=(
                "One row per person: the deduplicated union of every source. Each field "
                "survives from the most recent pull of the most trusted source (`trust_rank`), "
                "in units: the name from one record, title and seniority together from one "
                "record at the surviving employer (a title-less row there never wipes a "
                "title), the phone read in its own record's country; `lineage` names the "
                "source, file, row and snapshot of every surviving value. A person any of "
                "whose records is suppressed is suppressed (consent survives merges); one "
                "whose newest pull is over 90 days old is `stale` and not routable until "
                "refreshed. Built in one step with `core/accounts`, which reads the same "
                "linked records."
            ),
        ),
        dg.AssetSpec(
            ACCOUNTS,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=["team:data-engineering"],
            deps=[CONTACT_LINKS, *RAW_SOURCES],
            description=(
                "One row per company, keyed by registrable domain: firmographics and funding "
                "by the same survivorship as people, and how many people were seen there. "
                "Built in one step with `core/contacts`."
            ),
        ),
    ],
    check_specs=[
        check(CONTACTS, "person_id_unique", "one row per person"),
        check(
            CONTACTS,
            "suppression_survives_merge",
            "every person with a suppressed record is suppressed",
        ),
        contract_spec(CONTACTS, Contacts),
        contract_spec(ACCOUNTS, Accounts),
    ],
    can_subset=True,
)
@built_together
def contacts_and_accounts(duckdb: DuckDBStore, inputs: LeadgenInputs) -> Iterator[StepResult]:
    trust = load_source_manifest(inputs.manifest_path).trust_ranks()
    with duckdb.get_connection() as con:
        suppressed = survive_union(con, trust, inputs.now())
        ((suppressed_people, stale, multi_source),) = con.execute(
            "select count(*) filter (where suppressed), count(*) filter (where stale), "
            "count(*) filter (where len(sources) > 1) from core.contacts"
        ).fetchall()
        yield dg.MaterializeResult(
            asset_key=CONTACTS,
            metadata=table_metadata(
                con,
                "core.contacts",
                suppressed=int(suppressed_people),
                stale=int(stale),
                multi_source=int(multi_source),
                **{"dagster/column_lineage": _column_lineage()},
            ),
        )
        yield dg.MaterializeResult(
            asset_key=ACCOUNTS, metadata=table_metadata(con, "core.accounts")
        )
        yield person_id_unique(con)
        yield suppression_survives_merge(con, suppressed)
        yield contract_result(con, CONTACTS, Contacts)
        yield contract_result(con, ACCOUNTS, Accounts)


def person_id_unique(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    ((rows, people),) = con.execute(
        "select count(*), count(distinct person_id) from core.contacts"
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=CONTACTS,
        check_name="person_id_unique",
        passed=rows == people,
        metadata={"rows": rows, "people": people},
    )


def suppression_survives_merge(
    con: duckdb.DuckDBPyConnection, hits: pl.DataFrame
) -> dg.AssetCheckResult:
    """Against the stored table: every person with a suppressed record (`hits`, from
    `person_suppressions`) is suppressed."""
    people = store.read_table(con, "core.contacts", ["person_id", "suppressed"])
    leaked = hits.join(people, on="person_id").filter(~pl.col("suppressed"))
    return dg.AssetCheckResult(
        asset_key=CONTACTS,
        check_name="suppression_survives_merge",
        passed=leaked.is_empty(),
        metadata={"leaked": leaked.height},
    )


defs = dg.Definitions(assets=[link_records_and_erase, contacts_and_accounts])
