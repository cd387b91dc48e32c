"""The union build: every raw record of the latest pulls linked to a person, erasure
requests carried out on the fresh links, the records read back beside their keys, and the
people and companies that survive from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.kernel.lake import forget_deleted_rows
from leadgen_pipeline.layers.compliance.erasure import ErasureReport, erase_people
from leadgen_pipeline.layers.compliance.suppressions import (
    erasure_hashes,
    mark_suppressed,
    person_suppressions,
    read_suppression_inbox,
)
from leadgen_pipeline.layers.core.identity import (
    LINK_KEY_COLUMNS,
    RECORD_PLACE,
    ContentOf,
    build_contact_links,
)
from leadgen_pipeline.layers.core.resolve import DUPLICATE_ROW, LINKING_COLUMNS, content_order
from leadgen_pipeline.layers.core.survivorship import (
    RECORD_READS,
    content_hash,
    flag_stale,
    survive_accounts,
    survive_contacts,
)
from leadgen_pipeline.layers.raw import history
from leadgen_pipeline.layers.raw.canonical import CANONICAL_COLUMNS

LINK_KEYS = RECORD_PLACE
# what survivorship reads of a record's link, beside the raw record itself
LINKED_COLUMNS = (
    "person_id",
    "email_norm",
    "email_key",
    "email_is_role",
    "linkedin_slug",
    "linkedin_member_key",
    "company_domain_key",
)


def read_contacts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`core.contacts` without `lineage`: no later layer decides by where a value came from,
    and at a million records the lineage struct is three quarters of the table's memory."""
    return store.read_table(con, "core.contacts", exclude=["lineage"])


def join_links(raw: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Raw records with their person and match keys (the `LINKED_COLUMNS` of `links`)."""
    return raw.join(links.select(*LINK_KEYS, *LINKED_COLUMNS), on=LINK_KEYS)


# rows per batch of a narrowed read of raw records: each batch is hashed and narrowed as it
# arrives, so the columns a step does not read are never held for every record
_NARROWED_BATCH_ROWS = 131_072


def linked_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every raw record of the latest pulls with its person and match keys (`join_links`),
    joined in DuckDB, holding only what survivorship reads: the `RECORD_READS`, the
    `LINKED_COLUMNS` and each record's content hash (`content_hash`, over every content
    column). The raw union and the links never sit in memory beside their join."""
    history.ensure_raw_layer(con)
    linked = ", ".join(f"l.{c}" for c in LINKED_COLUMNS)
    return store.fetch_narrowed(
        con.sql(
            f"""select r.*, {linked}
                from ({history.raw_union_sql()}) r
                join core.contact_links l using ({", ".join(LINK_KEYS)})"""
        ),
        keep=[*RECORD_READS, *LINKED_COLUMNS],
        derive=lambda batch: batch.select(content_hash(batch.columns)),
        batch_rows=_NARROWED_BATCH_ROWS,
    )


def survive_union(
    con: duckdb.DuckDBPyConnection, trust_rank: Mapping[str, int], as_of: datetime
) -> pl.DataFrame:
    """People and companies from one read of the linked records, each person marked stale
    (at `as_of`) and suppressed, both tables written in one transaction; returns who is
    suppressed (`person_suppressions`), for the check. Nothing larger is kept: at a million
    records the frames are gigabytes, and the step's checks read the stored tables."""
    linked = linked_records(con)
    suppressed = person_suppressions(linked, store.read_table(con, "compliance.suppressions"))
    people = mark_suppressed(flag_stale(survive_contacts(linked, trust_rank), as_of), suppressed)
    companies = survive_accounts(linked, trust_rank)
    del linked  # not needed while the tables are written
    store.write_tables(con, {"core.contacts": people, "core.accounts": companies})
    return suppressed


@dataclass(frozen=True)
class LinkCoverage:
    """How `core.contact_links` covers the raw records of the latest pulls."""

    unlinked: int  # raw records without a link
    linked_twice: int  # links in a group of two or more for one raw record
    orphans: int  # links to no raw record

    @property
    def exact(self) -> bool:
        return self.unlinked == self.linked_twice == self.orphans == 0


def link_coverage(con: duckdb.DuckDBPyConnection) -> LinkCoverage:
    """Counted in DuckDB on the three lineage columns alone, so no table is read whole."""
    history.ensure_raw_layer(con)
    keys = ", ".join(LINK_KEYS)
    ((unlinked, linked_twice, orphans),) = con.execute(
        f"""with raw as ({history.raw_union_sql(LINK_KEYS)}),
                links as (select {keys} from core.contact_links)
            select
                (select count(*) from raw anti join links using ({keys})),
                (select coalesce(sum(n), 0) from
                    (select count(*) as n from links group by {keys} having count(*) > 1)),
                (select count(*) from links anti join raw using ({keys}))"""
    ).fetchall()
    return LinkCoverage(int(unlinked), int(linked_twice), int(orphans))


# what the links step reads of a raw record: what linking reads, and the full name an
# erasure by name at a company also reads (`person_identity_keys`)
_LINKING_READS = tuple(c for c in CANONICAL_COLUMNS if c in {*LINKING_COLUMNS, "full_name"})


def _linking_union(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The raw union narrowed to `_LINKING_READS`, with each record's `duplicate_row` (its
    `content_order`, over the whole record): at a million records the whole union is 1.3
    GiB resident, the narrowed one about half."""
    history.ensure_raw_layer(con)
    return store.fetch_narrowed(
        con.sql(history.raw_union_sql()),
        keep=_LINKING_READS,
        derive=lambda batch: batch.select(content_order(batch).alias(DUPLICATE_ROW)),
        batch_rows=_NARROWED_BATCH_ROWS,
    )


def _content_reader(con: duckdb.DuckDBPyConnection) -> ContentOf:
    """Reads the whole raw records of the few clusters person ids are minted from content
    for, by their place (`identity.ContentOf`)."""
    history.ensure_raw_layer(con)

    def content_of(places: pl.DataFrame) -> pl.DataFrame:
        with store.registered(con, places) as name:
            return store.fetch_frame(
                con.sql(
                    f"""select p.cluster_id, r.*
                        from ({history.raw_union_sql()}) r
                        join {name} p using ({", ".join(LINK_KEYS)})"""
                )
            )

    return content_of


@dataclass(frozen=True)
class UnionBuild:
    links: pl.DataFrame  # `core.contact_links` as written: no erased person in it
    log: pl.DataFrame  # this build's `core.merge_log` rows
    erasure: ErasureReport


def link_and_erase(con: duckdb.DuckDBPyConnection, inbox: Path, built_at: datetime) -> UnionBuild:
    """Link the latest pulls (ids carried over from the last build), erase every person an
    erasure request names from every table and snapshot, then write the links, the merge
    log and the erasure log. The erased never reach `core.contact_links`."""
    # what carrying ids over reads of the last build: its ids and their continuity keys
    previous = (
        store.read_table(
            con, "core.contact_links", ["person_id", *LINK_KEY_COLUMNS, "email_is_role"]
        )
        if store.table_exists(con, "core.contact_links")
        else None
    )
    raw = _linking_union(con)
    links, log = build_contact_links(raw, previous, built_at, _content_reader(con))
    requests = read_suppression_inbox(con, inbox, built_at).requests
    hashes = erasure_hashes(store.read_table(con, "compliance.suppressions"))
    erased, report = erase_people(con, links, raw, requests, hashes)
    # a raw row can go without its person (it held an erased address in another column)
    links = links.filter(~pl.col("person_id").is_in(erased.implode())).join(
        report.erased_records, on=LINK_KEYS, how="anti", maintain_order="left"
    )
    log = log.filter(~pl.col("person_id").is_in(erased.implode()))
    store.write_table(con, "core.contact_links", links)
    store.append_rows(con, "core.merge_log", log)
    store.append_rows(con, "core.erasure_log", report.log_rows(built_at))
    # a lake would keep the erased rows in its files and earlier snapshots
    forget_deleted_rows(con)
    return UnionBuild(links, log, report)
