"""The contacts layer: the deduplicated union, one row per person, and every record's link."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from leadgen_pipeline.contracts import Accounts, ContactLinks, Contacts
from leadgen_pipeline.core import storage
from leadgen_pipeline.core.canonical import SOURCES
from leadgen_pipeline.core.compliance import mark_suppressed, person_suppressions
from leadgen_pipeline.core.erasure import erase_linked
from leadgen_pipeline.core.identity import build_contact_links
from leadgen_pipeline.core.survivorship import (
    EMPLOYMENT_FIELDS,
    PERSON_FIELDS,
    flag_stale,
    survive_accounts,
    survive_contacts,
)
from leadgen_pipeline.defs.compliance import SUPPRESSIONS
from leadgen_pipeline.defs.metadata import contract_check, table_metadata
from leadgen_pipeline.defs.resources import DuckDBStore, LeadgenInputs

GROUP = "contacts"
RAW = [dg.AssetKey(["raw", source]) for source in SOURCES]
CONTACT_LINKS = dg.AssetKey(["core", "contact_links"])
CONTACTS = dg.AssetKey(["core", "contacts"])
ACCOUNTS = dg.AssetKey(["core", "accounts"])

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
                for key in RAW
                for column in _RAW_COLUMNS.get(field, [field])
            ]
            for field in fields
        }
    )


def _linked_records(con) -> pl.DataFrame:
    """Every raw record of the latest pulls with its person and match keys."""
    raw = storage.read_raw_union(con)
    links = storage.read_table(con, "core.contact_links").select(
        "snapshot_id",
        "source_file",
        "source_row",
        "person_id",
        "email_norm",
        "email_key",
        "email_is_role",
        "linkedin_slug",
        "linkedin_member_key",
        "company_domain_key",
    )
    return raw.join(links, on=["snapshot_id", "source_file", "source_row"])


def _erasure_hashes(con) -> tuple[list[str], list[str]]:
    if not storage.table_exists(con, "compliance.suppressions"):
        return [], []
    hashed = con.sql(
        "select key_type, key_value from compliance.suppressions where kind = 'erasure'"
    ).pl()
    return (
        hashed.filter(pl.col("key_type") == "email_key")["key_value"].to_list(),
        hashed.filter(pl.col("key_type") == "linkedin_slug")["key_value"].to_list(),
    )


@dg.asset(
    key=CONTACT_LINKS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:data-engineering"],
    deps=[*RAW, SUPPRESSIONS],
    description=(
        "Every raw record of the sources' latest pulls -> its `person_id`, with the rule and "
        "evidence that linked it (email, LinkedIn slug or member id, vendor id, fuzzy name "
        "at a company, or singleton). `person_id` survives rebuilds; merges, splits, new and "
        "retired people of each build are appended to `core.merge_log`."
    ),
)
def contact_links(context: dg.AssetExecutionContext, duckdb: DuckDBStore) -> dg.MaterializeResult:
    built_at = datetime.now(tz=UTC)
    with duckdb.get_connection() as con:
        previous = (
            storage.read_table(con, "core.contact_links")
            if storage.table_exists(con, "core.contact_links")
            else None
        )
        links, log = build_contact_links(storage.read_raw_union(con), previous, built_at)
        # a re-import of an erased person never reaches the union, nor what links to it
        email_hashes, slug_hashes = _erasure_hashes(con)
        erased, report = erase_linked(con, links, email_hashes, slug_hashes)
        links = links.filter(~pl.col("person_id").is_in(erased.implode()))
        log = log.filter(~pl.col("person_id").is_in(erased.implode()))
        storage.write_table(con, "core.contact_links", links)
        storage.append_rows(con, "core.merge_log", log)
        events = dict(log.group_by("event").len().iter_rows())
        context.log.info(f"identity changes this build: {events}")
        rules = links.group_by("match_rule").len().sort("len", descending=True).iter_rows()
        metadata = table_metadata(
            con,
            "core.contact_links",
            people=links["person_id"].n_unique(),
            erased_on_arrival=report.people,
            **{f"people_{event}": count for event, count in sorted(events.items())},
            match_rules=dg.MetadataValue.md("\n".join(f"- {r}: {n}" for r, n in rules)),
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(
    asset=CONTACT_LINKS,
    name="every_raw_record_linked_once",
    blocking=True,
    description="each raw record of the latest pulls has exactly one link",
)
def every_raw_record_linked_once(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        raw = storage.read_raw_union(con).select("snapshot_id", "source_file", "source_row")
        links = storage.read_table(con, "core.contact_links")
    keys = ["snapshot_id", "source_file", "source_row"]
    unlinked = raw.join(links, on=keys, how="anti").height
    linked_twice = links.select(keys).is_duplicated().sum()
    orphans = links.join(raw, on=keys, how="anti").height
    return dg.AssetCheckResult(
        passed=unlinked == linked_twice == orphans == 0,
        metadata={"unlinked": unlinked, "linked_twice": int(linked_twice), "orphans": orphans},
    )


@dg.asset_check(
    asset=CONTACT_LINKS,
    name="one_linkedin_identity_per_person",
    blocking=True,
    description="no person holds two different public LinkedIn slugs",
)
def one_linkedin_identity_per_person(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        links = storage.read_table(con, "core.contact_links")
    doubled = (
        links.group_by("person_id")
        .agg(pl.col("linkedin_slug").drop_nulls().n_unique().alias("slugs"))
        .filter(pl.col("slugs") > 1)
    )
    return dg.AssetCheckResult(passed=doubled.is_empty(), metadata={"people": doubled.height})


@dg.asset_check(
    asset=CONTACT_LINKS, name="contract", blocking=True, description="ContactLinks contract"
)
def contact_links_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(ContactLinks, storage.read_table(con, "core.contact_links"))


@dg.asset(
    key=CONTACTS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:data-engineering"],
    deps=[CONTACT_LINKS, SUPPRESSIONS],
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
    trust = {s: p.trust_rank for s, p in inputs.manifest().sources.items()}
    with duckdb.get_connection() as con:
        linked = _linked_records(con)
        people = flag_stale(survive_contacts(linked, trust), datetime.now(tz=UTC))
        people = mark_suppressed(people, linked, storage.read_table(con, "compliance.suppressions"))
        storage.write_table(con, "core.contacts", people)
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
            _linked_records(con), storage.read_table(con, "compliance.suppressions")
        )
        people = storage.read_table(con, "core.contacts").select("person_id", "suppressed")
    leaked = hits.join(people, on="person_id").filter(~pl.col("suppressed"))
    return dg.AssetCheckResult(passed=leaked.is_empty(), metadata={"leaked": leaked.height})


@dg.asset_check(asset=CONTACTS, name="contract", blocking=True, description="Contacts contract")
def contacts_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(Contacts, storage.read_table(con, "core.contacts"))


@dg.asset(
    key=ACCOUNTS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:data-engineering"],
    deps=[CONTACT_LINKS],
    description=(
        "One row per company, keyed by registrable domain: firmographics and funding by "
        "the same survivorship as people, and how many people were seen there."
    ),
)
def accounts(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    trust = {s: p.trust_rank for s, p in inputs.manifest().sources.items()}
    with duckdb.get_connection() as con:
        storage.write_table(con, "core.accounts", survive_accounts(_linked_records(con), trust))
        metadata = table_metadata(con, "core.accounts")
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(asset=ACCOUNTS, name="contract", blocking=True, description="Accounts contract")
def accounts_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(Accounts, storage.read_table(con, "core.accounts"))


defs = dg.Definitions(
    assets=[contact_links, contacts, accounts],
    asset_checks=[
        every_raw_record_linked_once,
        one_linkedin_identity_per_person,
        contact_links_contract,
        person_id_unique,
        suppression_survives_merge,
        contacts_contract,
        accounts_contract,
    ],
)
