"""One pull of the `apollo` source through the People API, paying for each person once.

Search is free; revealing an email through `bulk_match` spends a credit. Every paid batch is
written to `raw_history.apollo_reveals` the moment it arrives, in its own transaction, so a
run that dies after paying never pays again on resume: people already in that ledger are
carried into the new snapshot from it instead of being revealed again.

Erasure is applied at ingest: a revealed person whose email, LinkedIn slug or member id, or
name at their company, hashes to an erasure request on the suppression list is dropped
before the batch is written, so they never reach the ledger or a snapshot; one already in
the ledger from before the request is taken out of it. The SHA-256 of their Apollo id is
kept (`raw_history.apollo_erased`), so later pulls never pay to reveal them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import polars as pl
import pycountry

from leadgen_pipeline.clients.apollo import (
    APOLLO_DISPLAY_CAP,
    BULK_MATCH_MAX_DETAILS,
    ApolloClient,
    ApolloSearchQuery,
)
from leadgen_pipeline.kernel import dates
from leadgen_pipeline.kernel.hashing import sha256_hex
from leadgen_pipeline.kernel.keys.person import person_identity_keys
from leadgen_pipeline.kernel.progress import Progress
from leadgen_pipeline.kernel.store import create_if_missing, registered, table_exists, transaction
from leadgen_pipeline.layers.config.icp import IcpSegment
from leadgen_pipeline.layers.raw.apollo_queries import is_disqualified_title, plan_queries
from leadgen_pipeline.layers.raw.apollo_records import SOURCE_FILE, people_to_canonical
from leadgen_pipeline.layers.raw.canonical import REJECT_SCHEMA, conform
from leadgen_pipeline.layers.raw.history import HISTORY_SCHEMA
from leadgen_pipeline.layers.raw.ingest import FileReport, SourcePull, has_identity

REVEALS_TABLE = f"{HISTORY_SCHEMA}.apollo_reveals"
# SHA-256 of the Apollo ids of people erased at ingest: never revealed (paid for) again
ERASED_IDS_TABLE = f"{HISTORY_SCHEMA}.apollo_erased"
# the suppression list, where erasure requests are kept as (key_type, SHA-256 of the key)
SUPPRESSIONS_TABLE = "compliance.suppressions"


@dataclass
class ApolloRun:
    """What an API pull searched, skipped, revealed and spent, for the asset's metadata."""

    queries: int = 0
    searched: int = 0
    revealed: int = 0
    carried_over: int = 0
    skipped_disqualified: int = 0
    credits_spent: int = 0
    erased_at_ingest: int = 0  # revealed, then dropped unstored: an erasure request names them
    warnings: list[str] = field(default_factory=list)
    # calls made, paid, reused, failures and wall time (`kernel.progress`)
    summary: dict[str, int | float] = field(default_factory=dict)


@dataclass
class ApolloPull:
    """The outcome of `pull_people`: what was revealed and what was deliberately not."""

    matches: list[dict[str, Any]] = field(default_factory=list)
    searched: int = 0
    skipped_disqualified: int = 0
    skipped_already_revealed: int = 0
    credits_spent: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped_duplicates: int = 0
    skipped_erased: int = 0
    # people the search showed again who were revealed (and paid for) in an earlier pull
    found_already_revealed: list[str] = field(default_factory=list)


def pull_people(
    client: ApolloClient,
    queries: Iterable[ApolloSearchQuery],
    *,
    disqualifier_titles: Sequence[str],
    already_revealed: set[str],
    max_records: int | None,
    on_revealed: Callable[[list[dict[str, Any]]], None] | None = None,
    erased_id_hashes: Collection[str] = frozenset(),
    say: Callable[[str], None] | None = None,
    label: str = "raw/apollo",
    search_total: int | None = None,
) -> ApolloPull:
    """Search each planned query and reveal only the people worth paying for.

    Drops people whose title matches a disqualifier, people revealed in an earlier pull
    (`already_revealed`), people erased on request (the SHA-256 of their id in
    `erased_id_hashes`), and repeats across queries, before any paid call; then reveals the
    rest through `bulk_match`, at most `max_records` of them. Searching stops as soon as
    `max_records` candidates are found. `on_revealed` receives each paid batch as it arrives.
    How far the search (of `search_total` people, when the plan counted them) and the
    reveals got is told to `say` every few seconds, in counts.
    """
    pull = ApolloPull()
    searching = Progress(f"{label} search", search_total, say, unit="people")
    candidates: list[str] = []
    seen: set[str] = set()
    credits_before = client.credits_spent
    limit_reached = False
    for query in queries:
        shown = 0
        for person in client.search_people(query):
            pull.searched += 1
            shown += 1
            searching.advance(calls=0)  # a page is one call for 100 people
            person_id = str(person.get("id") or "")
            if not person_id:
                continue
            if person_id in seen:
                pull.skipped_duplicates += 1
                continue
            seen.add(person_id)
            if is_disqualified_title(person.get("title"), disqualifier_titles):
                pull.skipped_disqualified += 1
            elif erased_id_hashes and sha256_hex(person_id) in erased_id_hashes:
                pull.skipped_erased += 1
            elif person_id in already_revealed:
                pull.skipped_already_revealed += 1
                pull.found_already_revealed.append(person_id)
            else:
                candidates.append(person_id)
                if max_records is not None and len(candidates) >= max_records:
                    limit_reached = True
                    break
        total = client.last_search_total
        if not limit_reached and total is not None and total > APOLLO_DISPLAY_CAP:
            pull.warnings.append(
                f"Apollo query {query.describe()} matches {total:,} people; search showed "
                f"{shown:,}, so {total - shown:,} records were not reachable."
            )
        if limit_reached:
            pull.warnings.append(
                f"Stopped at max_records={max_records:,}: any further matching people were not "
                "searched or revealed."
            )
            break
    searching.finish()
    revealing = Progress(
        f"{label} reveal", len(candidates), say, unit="people",
        reused=len(pull.found_already_revealed),
    )  # fmt: skip
    credits_so_far = client.credits_spent

    def on_chunk(matches: list[dict[str, Any]]) -> None:
        nonlocal credits_so_far
        if on_revealed is not None:
            on_revealed(matches)  # stored first: a count never runs ahead of the books
        paid, credits_so_far = client.credits_spent - credits_so_far, client.credits_spent
        asked = min(BULK_MATCH_MAX_DETAILS, len(candidates) - revealing.done)
        revealing.advance(asked, calls=1, paid=paid, cost=paid)

    try:
        pull.matches = client.bulk_match(candidates, on_chunk=on_chunk)
    finally:
        revealing.finish()
    pull.credits_spent = client.credits_spent - credits_before
    return pull


def query_for_segment(segment: IcpSegment) -> ApolloSearchQuery:
    """The People API Search filters that select a segment's targets."""
    locations = tuple(pycountry.countries.get(alpha_2=code).name for code in segment.countries)
    band = segment.employee_band
    return ApolloSearchQuery(
        titles=tuple(segment.titles),
        locations=locations,
        seniorities=tuple(segment.seniorities),
        employee_ranges=((band.min, band.max),),
    )


def _ensure_reveals_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {HISTORY_SCHEMA}")
    con.execute(
        # no primary key: DuckLake has no constraints; `record_reveals` keeps one row per id
        f"""create table if not exists {REVEALS_TABLE} (
            person_id varchar not null, revealed_at timestamptz not null, person json)"""
    )


def load_reveals(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Every person revealed so far, by Apollo id, as the person object Apollo returned."""
    create_if_missing(con, _ensure_reveals_table)
    rows = con.execute(f"select person_id, person from {REVEALS_TABLE}").fetchall()
    return {person_id: json.loads(person) for person_id, person in rows}


def record_reveals(
    con: duckdb.DuckDBPyConnection, people: Sequence[dict[str, Any] | None], at: datetime
) -> None:
    """Store a paid batch at once (its own transaction), before the next paid call."""
    # the last of a person's objects in the batch, replacing any stored one
    latest = {str(p["id"]): json.dumps(p) for p in people if isinstance(p, dict) and p.get("id")}
    if not latest:
        return
    batch = pl.DataFrame(
        {
            "person_id": list(latest),
            "revealed_at": [at] * len(latest),
            "person": list(latest.values()),
        },
        schema={
            "person_id": pl.String,
            "revealed_at": pl.Datetime("us", "UTC"),
            "person": pl.String,
        },
    )
    with transaction(con), registered(con, batch) as rows:
        con.execute(
            f"delete from {REVEALS_TABLE} where person_id in (select person_id from {rows})"
        )
        con.execute(
            f"insert into {REVEALS_TABLE} select person_id, revealed_at, person from {rows}"
        )


def stored_erasure_hashes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(`key_type`, `key_hash`) of every erasure request on the store's suppression list;
    empty before the list is first built."""
    if not table_exists(con, SUPPRESSIONS_TABLE):
        return pl.DataFrame(schema={"key_type": pl.String, "key_hash": pl.String})
    return con.sql(
        f"""select distinct key_type, key_value as key_hash from {SUPPRESSIONS_TABLE}
            where kind = 'erasure' and hashed order by all"""
    ).pl()


def erased_people(
    con: duckdb.DuckDBPyConnection,
    people: Sequence[dict[str, Any] | None],
    hashes: pl.DataFrame,
) -> set[str]:
    """Apollo ids of the person objects an erasure request names: each person's keys (the
    kernel's, on the canonical record) hashed in DuckDB against the requests' hashes."""
    if hashes.is_empty() or not people:
        return set()
    canonical = people_to_canonical(
        people, snapshot_id="", pulled_at=dates.EARLIEST_PULL, consent_basis=""  # keys only
    )
    keys = person_identity_keys(canonical, ["source_record_id"], set(hashes["key_type"]))
    with registered(con, keys) as k, registered(con, hashes) as h:
        rows = con.execute(
            f"""select distinct k.source_record_id from {k} k join {h} h
                on h.key_type = k.key_type and h.key_hash = sha256(k.key)"""
        ).fetchall()
    return {person_id for (person_id,) in rows}


def load_erased_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The SHA-256 of the Apollo id of every person erased at ingest so far."""
    create_if_missing(
        con,
        lambda c: c.execute(
            f"create table if not exists {ERASED_IDS_TABLE} "
            "(id_hash varchar not null, erased_at timestamptz not null)"  # one row per hash
        ),
    )
    return {
        id_hash for (id_hash,) in con.execute(f"select id_hash from {ERASED_IDS_TABLE}").fetchall()
    }


def forget_erased(con: duckdb.DuckDBPyConnection, person_ids: set[str], at: datetime) -> None:
    """Take erased people out of the reveals ledger and keep only the hash of their Apollo
    id, so no later pull pays to reveal them again (one transaction)."""
    if person_ids:
        with transaction(con):
            con.execute(
                f"delete from {REVEALS_TABLE} where person_id in (select unnest($ids))",
                {"ids": sorted(person_ids)},
            )
            con.execute(
                f"""insert into {ERASED_IDS_TABLE}
                    select sha256(id), $at from (select unnest($ids) as id)
                    where sha256(id) not in (select id_hash from {ERASED_IDS_TABLE})""",
                {"ids": sorted(person_ids), "at": at},
            )


def _plan_segment(
    client: ApolloClient, segment: IcpSegment
) -> tuple[list[ApolloSearchQuery], list[str], int]:
    """The segment's planned queries, their warnings, and how many people their searches
    will show (each query's count, up to the display cap), for the search's progress."""
    counts: dict[ApolloSearchQuery, int] = {}

    def count(query: ApolloSearchQuery) -> int:
        counts[query] = client.count_people(query)
        return counts[query]

    queries, warnings = plan_queries(query_for_segment(segment), count)
    return queries, warnings, sum(min(counts.get(q, 0), APOLLO_DISPLAY_CAP) for q in queries)


def pull_apollo_api(
    con: duckdb.DuckDBPyConnection,
    client: ApolloClient,
    segments: Sequence[IcpSegment],
    *,
    consent_basis: str,
    max_records_per_segment: int | None = None,
    say: Callable[[str], None] | None = None,
    now: Callable[[], datetime] = dates.wall_clock,
) -> tuple[SourcePull, ApolloRun]:
    """Search every segment, reveal the unrevealed, and assemble the pull's snapshot.

    Raises the client's `ProviderError` on a failed call; nothing of the snapshot is stored
    then (the caller records the pull only on success), while batches already paid for stay
    in the reveals ledger. People an erasure request names are dropped before anything of
    them is stored, and taken out of the ledger if an earlier pull put them there. Each
    segment's search and reveals tell `say` how far they got every few seconds. `now` is the
    run's clock (pinned by `LEADGEN_AS_OF`): it dates the pull and the ledger's rows.
    """
    whole = Progress("raw/apollo", None, None)  # the pull's summary; segments say the lines
    requests_before = client.requests
    hashes = stored_erasure_hashes(con)
    reveals = load_reveals(con)
    erased_ids = load_erased_ids(con)
    # erased people this pull must neither store nor pay for again
    erased = erased_people(con, list(reveals.values()), hashes)
    forget_erased(con, erased, now())
    erased_ids |= {sha256_hex(person_id) for person_id in erased}
    reveals = {person_id: p for person_id, p in reveals.items() if person_id not in erased}
    run = ApolloRun()
    in_pull: dict[str, None] = {}  # ordered set of the people this pull found
    for segment in segments:
        queries, warnings, shows = _plan_segment(client, segment)
        run.queries += len(queries)
        run.warnings += [f"{segment.segment}: {w}" for w in warnings]

        def on_revealed(batch: list[dict[str, Any]]) -> None:
            dropped = erased_people(con, batch, hashes)
            run.erased_at_ingest += len(dropped)
            forget_erased(con, dropped, now())
            erased_ids.update(sha256_hex(person_id) for person_id in dropped)
            kept = [
                p
                for p in batch
                if isinstance(p, dict) and p.get("id") and str(p["id"]) not in dropped
            ]
            record_reveals(con, kept, now())
            reveals.update({str(p["id"]): p for p in kept})

        outcome = pull_people(
            client,
            queries,
            disqualifier_titles=list(segment.disqualifiers.titles),
            already_revealed=set(reveals),
            max_records=max_records_per_segment,
            on_revealed=on_revealed,
            erased_id_hashes=erased_ids,
            say=say,
            label=f"raw/apollo {segment.segment}",
            search_total=shows,
        )
        run.searched += outcome.searched
        run.revealed += len(outcome.matches)
        run.carried_over += len(outcome.found_already_revealed)
        run.skipped_disqualified += outcome.skipped_disqualified
        run.credits_spent += outcome.credits_spent
        run.warnings += [f"{segment.segment}: {w}" for w in outcome.warnings]
        for person in outcome.matches:
            if isinstance(person, dict) and person.get("id"):
                in_pull.setdefault(str(person["id"]))
        in_pull.update(dict.fromkeys(outcome.found_already_revealed))

    whole.reused = run.carried_over
    whole.advance(
        run.revealed, calls=client.requests - requests_before, paid=run.credits_spent,
        cost=run.credits_spent,
    )  # fmt: skip
    run.summary = whole.finish()
    if run.erased_at_ingest:
        run.warnings.append(
            f"{run.erased_at_ingest} people Apollo returned are erased on request: "
            "they were not stored"
        )
    pulled_at = now().replace(microsecond=0)
    ids = [person_id for person_id in in_pull if person_id in reveals]
    digest = hashlib.sha256("|".join(["api", *sorted(ids), pulled_at.isoformat()]).encode())
    snapshot_id = f"apollo-api-{digest.hexdigest()[:16]}"
    mapped = people_to_canonical(
        [reveals[i] for i in ids],
        snapshot_id=snapshot_id,
        pulled_at=pulled_at,
        consent_basis=consent_basis,
    )
    identified = mapped.select(has_identity()).to_series()
    anonymous = mapped.filter(~identified)
    rejects = conform(
        anonymous.select(
            "snapshot_id", "pulled_at", "source", "vendor", "source_file", "source_row",
            "source_record_id",
            pl.lit("no identity: Apollo returned no email, LinkedIn URL or name at a company")
            .alias("reason"),
            pl.lit(None, dtype=pl.String).alias("raw_record"),
        ),
        REJECT_SCHEMA,
    )  # fmt: skip
    records = mapped.filter(identified)
    report = FileReport(
        source_file=SOURCE_FILE,
        sha256=digest.hexdigest(),
        encoding="json",
        vendor="apollo_api",
        data_rows=mapped.height,
        records=records.height,
        rejects=rejects.height,
        pulled_at=pulled_at,
    )
    return SourcePull("apollo", snapshot_id, pulled_at, records, rejects, [report]), run
