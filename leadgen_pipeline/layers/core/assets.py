"""The core layer: the deduplicated union, one row per person, and every record's link."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import contract_check, table_metadata
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.compliance.contracts import ErasureLog
from leadgen_pipeline.layers.compliance.suppressions import (
    mark_suppressed,
    person_suppressions,
)
from leadgen_pipeline.layers.config.provenance import load_source_manifest
from leadgen_pipeline.layers.core.contracts import Accounts, ContactLinks, Contacts
from leadgen_pipeline.layers.core.links import link_and_erase, linked_records
from leadgen_pipeline.layers.core.survivorship import (
    EMPLOYMENT_FIELDS,
    PERSON_FIELDS,
    flag_stale,
    survive_accounts,
    survive_contacts,
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

# canonical raw columns each contact column can come from, for Dagster's column lineage
_RAW_COLUMNS = {
    "email": ["email"],
    "linkedin_url": ["linkedin_url"],
    "linkedin_member_id": ["linkedin_member_id", "sales_nav_url", "linkedin_url"],
    "phone": ["phone_direct", "phone_mobile", "phone_company"],
    "company_domain": ["company_domain", "company_website", "email"],
}


def _column_lineage() -> dg.TableColumnLineage:
    fields = [*PERSON_FIELDS, *EMPLOYMENT_FIELDS, "email"]
    return dg.TableColumnLineage(
        deps_by_column={
            field: [
                dg.TableColumnDep(asset_key=key, column_name=column)
                for key in RAW_SOURCES
                for column in _RAW_COLUMNS.get(field, [field])
            ]
            for field in fields
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
                "id, fuzzy name at a company, or singleton). `person_id` survives rebuilds; "
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
                "erasure request names (by the SHA-256 of their email key or LinkedIn slug), "
                "with every record linked to them, is removed from every table and every "
                "`raw_history` snapshot; their raw rows become content-free rejects, so "
                "counts still balance. One row per table and build with how many rows were "
                "removed, never whom. Built in the same step as `core/contact_links`, so no "
                "build of the links can ever hold an erased person."
            ),
        ),
    ]
)
def link_records_and_erase(
    context: dg.AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs
):
    with duckdb.get_connection() as con:
        build = link_and_erase(con, inputs.inbox_path, datetime.now(tz=UTC))
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
            ),
        )


@dg.asset_check(
    asset=CONTACT_LINKS,
    name="every_raw_record_linked_once",
    blocking=True,
    description="each raw record of the latest pulls has exactly one link",
)
def every_raw_record_linked_once(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        raw = history.read_raw_union(con).select("snapshot_id", "source_file", "source_row")
        links = store.read_table(con, "core.contact_links")
    keys = ["snapshot_id", "source_file", "source_row"]
    unlinked = raw.join(links, on=keys, how="anti").height
    linked_twice = links.select(keys).is_duplicated().sum()
    orphans = links.join(raw, on=keys, how="anti").height
    return dg.AssetCheckResult(
        passed=unlinked == linked_twice == orphans == 0,
        metadata={"unlinked": unlinked, "linked_twice": int(linked_twice), "orphans": orphans},
    )


@dg.asset_check(
    asset=ERASURE_LOG,
    name="rows_conserved_after_erasure",
    blocking=True,
    description="after the sweep, every data row of every input file is still in a raw table "
    "or raw.rejects, exactly once (erased rows are content-free rejects)",
)
def rows_conserved_after_erasure(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        gaps = {source: history.conservation_gaps(con, source).height for source in SOURCES}
    return dg.AssetCheckResult(
        passed=not any(gaps.values()),
        metadata={f"files_out_of_balance_{source}": n for source, n in gaps.items()},
    )


@dg.asset_check(
    asset=CONTACT_LINKS,
    name="one_linkedin_identity_per_person",
    blocking=True,
    description="no person holds two different public LinkedIn slugs",
)
def one_linkedin_identity_per_person(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        links = store.read_table(con, "core.contact_links")
    doubled = (
        links.group_by("person_id")
        .agg(pl.col("linkedin_slug").drop_nulls().n_unique().alias("slugs"))
        .filter(pl.col("slugs") > 1)
    )
    return dg.AssetCheckResult(passed=doubled.is_empty(), metadata={"people": doubled.height})


@dg.asset(
    key=CONTACTS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:data-engineering"],
    deps=[CONTACT_LINKS, *RAW_SOURCES, SUPPRESSIONS],
    description=(
        "One row per person: the deduplicated union of every source. Each field survives "
        "from the most recent pull of the most trusted source (`trust_rank`), employment "
        "fields together from one record; `lineage` names the source, file, row and "
        "snapshot of every surviving value. A person any of whose records is suppressed is "
        "suppressed (consent survives merges); one whose newest pull is over 90 days old is "
        "`stale` and not routable until refreshed."
    ),
)
def contacts(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    trust = {s: p.trust_rank for s, p in load_source_manifest(inputs.manifest_path).sources.items()}
    with duckdb.get_connection() as con:
        linked = linked_records(con)
        people = flag_stale(survive_contacts(linked, trust), inputs.now())
        people = mark_suppressed(people, linked, store.read_table(con, "compliance.suppressions"))
        store.write_table(con, "core.contacts", people)
        metadata = table_metadata(
            con,
            "core.contacts",
            suppressed=int(people["suppressed"].sum()),
            stale=int(people["stale"].sum()),
            multi_source=int((people["sources"].list.len() > 1).sum()),
            **{"dagster/column_lineage": _column_lineage()},
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(
    asset=CONTACTS, name="person_id_unique", blocking=True, description="one row per person"
)
def person_id_unique(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        ((rows, people),) = con.execute(
            "select count(*), count(distinct person_id) from core.contacts"
        ).fetchall()
    return dg.AssetCheckResult(passed=rows == people, metadata={"rows": rows, "people": people})


@dg.asset_check(
    asset=CONTACTS,
    name="suppression_survives_merge",
    blocking=True,
    description="every person with a suppressed record is suppressed",
)
def suppression_survives_merge(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        hits = person_suppressions(
            linked_records(con), store.read_table(con, "compliance.suppressions")
        )
        people = store.read_table(con, "core.contacts").select("person_id", "suppressed")
    leaked = hits.join(people, on="person_id").filter(~pl.col("suppressed"))
    return dg.AssetCheckResult(passed=leaked.is_empty(), metadata={"leaked": leaked.height})


@dg.asset(
    key=ACCOUNTS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:data-engineering"],
    deps=[CONTACT_LINKS, *RAW_SOURCES],
    description=(
        "One row per company, keyed by registrable domain: firmographics and funding by "
        "the same survivorship as people, and how many people were seen there."
    ),
)
def accounts(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    trust = {s: p.trust_rank for s, p in load_source_manifest(inputs.manifest_path).sources.items()}
    with duckdb.get_connection() as con:
        store.write_table(con, "core.accounts", survive_accounts(linked_records(con), trust))
        metadata = table_metadata(con, "core.accounts")
    return dg.MaterializeResult(metadata=metadata)


defs = dg.Definitions(
    assets=[link_records_and_erase, contacts, accounts],
    asset_checks=[
        every_raw_record_linked_once,
        one_linkedin_identity_per_person,
        contract_check(CONTACT_LINKS, ContactLinks),
        contract_check(ERASURE_LOG, ErasureLog),
        rows_conserved_after_erasure,
        person_id_unique,
        suppression_survives_merge,
        contract_check(CONTACTS, Contacts),
        contract_check(ACCOUNTS, Accounts),
    ],
)
