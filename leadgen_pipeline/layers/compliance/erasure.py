"""Right to erasure: remove a person from every table, keep only a one-way hash.

An erasure request names an email, a LinkedIn profile, a LinkedIn member id, or a name at
a company (`compliance.suppressions` keeps each as the SHA-256 of its kernel key). Through
`core.contact_links` the request reaches every record of that person, including records
that carry none of those keys (a Sales Navigator row linked by name at the company, one
that holds only a member id). Their raw rows, in every snapshot, become content-free
rejects (so count conservation still holds); a reject that kept the row as read is blanked
the same way, never deleted; every other table is swept for the person's addresses,
profile slugs and member ids.

It runs right after each union build (`core/erasure_log`), on the fresh links: a new
request, or a later import of a person erased long ago, reaches every record linked to the
person, and nothing downstream of the union ever sees them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import duckdb
import polars as pl

from leadgen_pipeline.kernel.keys import email_match_key_sql, linkedin_slug_sql
from leadgen_pipeline.kernel.keys.linkedin import (
    MEMBER_ID_PATTERN,
    MEMBER_ID_STARTS,
    linkedin_member_id_sql,
)
from leadgen_pipeline.kernel.keys.person import NAME_KEY_TYPES, person_identity_keys
from leadgen_pipeline.kernel.store import (
    create_if_missing,
    ensure_schema,
    quote_identifier,
    quote_table,
    registered,
    table_exists,
    transaction,
)
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.raw.history import HISTORY_SCHEMA, PULLS_TABLE, REJECTS_HISTORY

ERASED_REASON = "erased on request: the row's content was removed"
# which rows of each table the last sweep read and left, so the next reads only the others
SWEPT_ROWS = "compliance.swept_rows"
# tables keyed by person whose rows go with the person, identifiers or not
_PERSON_TABLES = ("core.contact_links", "core.merge_log")
# a raw record's identity: its snapshot, file and row
_RECORD = ["snapshot_id", "source_file", "source_row"]
_RECORD_SCHEMA = {"snapshot_id": pl.String, "source_file": pl.String, "source_row": pl.Int64}
# the rows of these count towards conservation (or are the pull log): erased rows are
# blanked into content-free rejects there, never deleted by the sweep
_COUNTED_TABLES = {f"{HISTORY_SCHEMA}.{s}" for s in SOURCES} | {REJECTS_HISTORY, PULLS_TABLE}
# a reject's raw text cut at what no address, profile URL or member id holds
_TOKEN = r"""[^\s"',;<>()\[\]{}|]+"""


ERASURE_LOG_SCHEMA: dict[str, pl.DataType] = {
    "erased_at": pl.Datetime("us", "UTC"),
    "table_name": pl.String(),  # the table rows were removed from or blanked in
    "rows_removed": pl.Int64(),
    "people": pl.Int64(),  # people whose erasure reached the table in this build
}


@dataclass(frozen=True)
class ErasureReport:
    people: int
    raw_rows: int  # raw rows turned into content-free rejects, every snapshot
    swept_rows: dict[str, int]  # rows removed (or, for raw_history.rejects, blanked) per table
    # (snapshot_id, source_file, source_row) of those raw rows: no link may point at them
    erased_records: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_RECORD_SCHEMA)
    )

    def log_rows(self, erased_at: datetime) -> pl.DataFrame:
        """`compliance.erasure_log` rows for this build: counts only, never whom."""
        rows = [(f"{HISTORY_SCHEMA}.<source>", self.raw_rows)] if self.raw_rows else []
        rows += sorted(self.swept_rows.items())
        return pl.DataFrame(
            {
                "erased_at": [erased_at] * len(rows),
                "table_name": [table for table, _ in rows],
                "rows_removed": [count for _, count in rows],
                "people": [self.people] * len(rows),
            },
            schema=ERASURE_LOG_SCHEMA,
        )


def _records_and_identifiers(
    links: pl.DataFrame, people: pl.Series
) -> tuple[pl.DataFrame, set[str]]:
    """The people's raw record keys, and every address, slug and member id they carry."""
    theirs = links.filter(pl.col("person_id").is_in(people.implode()))
    identifiers = set(theirs["email_key"].drop_nulls())
    identifiers |= set(theirs["email_norm"].drop_nulls().str.to_lowercase())
    identifiers |= {f"/in/{s}" for s in theirs["linkedin_slug"].drop_nulls()}
    identifiers |= set(theirs["linkedin_member_key"].drop_nulls())
    return theirs.select(_RECORD), identifiers


def _hashed_matches(
    con: duckdb.DuckDBPyConnection, keys: pl.DataFrame, hashes: pl.DataFrame, id_columns: list[str]
) -> pl.DataFrame:
    """The distinct `id_columns` of the `keys` rows (`key_type`, `key`) whose SHA-256 is on
    the list of `hashes` (`key_type`, `key_hash`): hashed in DuckDB, one set-based join."""
    if keys.is_empty() or hashes.is_empty():
        return keys.select(id_columns).clear()
    ids = ", ".join(f"k.{c}" for c in id_columns)
    with registered(con, keys) as k, registered(con, hashes) as h:
        return con.sql(
            f"""select distinct {ids} from {k} k join {h} h
                on h.key_type = k.key_type and h.key_hash = sha256(k.key)"""
        ).pl()


def _link_keys(links: pl.DataFrame, raw: pl.DataFrame, name_keys: set[str]) -> pl.DataFrame:
    """(person_id, key_type, key) for every key of every linked record; the name keys (from
    the raw records themselves) only when an erasure names someone that way."""
    keys = (
        links.select("person_id", "email_key", "linkedin_slug", "linkedin_member_key")
        .unpivot(index="person_id", variable_name="key_type", value_name="key")
        .drop_nulls("key")
    )
    if not name_keys or raw.is_empty():
        return keys
    named = person_identity_keys(raw, _RECORD, name_keys).join(
        links.select(*_RECORD, "person_id"), on=_RECORD
    )
    return pl.concat([keys, named.select(keys.columns)])


def erase_people(
    con: duckdb.DuckDBPyConnection,
    links: pl.DataFrame,
    raw: pl.DataFrame,
    requests: pl.DataFrame,
    hashes: pl.DataFrame,
) -> tuple[pl.Series, ErasureReport]:
    """Erase every person of a build any of whose records hashes to an erasure request.

    `links` is the fresh `core.contact_links` and `raw` the records it links, so the request
    reaches every record of the person, including records that carry none of the request's
    keys (a Sales Navigator row linked by name at the company). `hashes` is the list's
    (`key_type`, `key_hash`); `requests` holds this run's plain keys (never stored), swept
    too, so a key no record carries any more is still removed from every table. Returns the
    erased person ids; their link and merge-log rows are deleted with the rest.
    """
    identifiers = set(requests["email_key"].drop_nulls()) | {
        f"/in/{s}" for s in requests["linkedin_slug"].drop_nulls()
    }
    identifiers |= set(requests["linkedin_member_key"].drop_nulls())
    people = pl.Series("person_id", [], dtype=pl.String)
    records = pl.DataFrame(schema=_RECORD_SCHEMA)
    if not hashes.is_empty() and not links.is_empty():
        name_keys = set(hashes["key_type"]) & set(NAME_KEY_TYPES)
        keys = _link_keys(links, raw, name_keys)
        people = _hashed_matches(con, keys, hashes, ["person_id"])["person_id"].sort()
        records, theirs = _records_and_identifiers(links, people)
        identifiers |= theirs
    if not identifiers and hashes.is_empty():
        return people, ErasureReport(0, 0, {})
    report = erase(con, records, identifiers, hashes, people)
    return people, ErasureReport(
        people.len(), report.raw_rows, report.swept_rows, report.erased_records
    )


def _history_named_rows(con: duckdb.DuckDBPyConnection, hashes: pl.DataFrame) -> pl.DataFrame:
    """Raw rows of any snapshot whose name at their company hashes to an erasure request:
    the name keys need the kernel's Polars rules (nicknames, legal forms, public suffixes),
    so the few columns they read are taken out of DuckDB once for every source."""
    name_keys = set(hashes["key_type"]) & set(NAME_KEY_TYPES)
    if not name_keys:
        return pl.DataFrame(schema=_RECORD_SCHEMA)
    columns = (
        "snapshot_id, source_file, source_row, first_name, last_name, full_name, "
        "company_name, company_domain, company_website, email"
    )
    history = con.sql(
        " union all ".join(f"select {columns} from {HISTORY_SCHEMA}.{s}" for s in SOURCES)
    ).pl()
    keys = person_identity_keys(history, _RECORD, name_keys)
    return _hashed_matches(con, keys, hashes, _RECORD)


def _hashes_of(hashes: pl.DataFrame, key_type: str) -> list[str]:
    return hashes.filter(pl.col("key_type") == key_type)["key_hash"].to_list()


def erase(
    con: duckdb.DuckDBPyConnection,
    records: pl.DataFrame,
    identifiers: set[str],
    hashes: pl.DataFrame,
    people: pl.Series,
) -> ErasureReport:
    """Turn the records (and any raw row, in every snapshot, that hashes to an erased key or
    holds an identifier) into content-free rejects, blank the rejects that hold an erased
    key or identifier, drop the people's links and merge-log rows, and sweep every other
    table for the identifiers. One transaction."""
    erased: list[pl.DataFrame] = []
    swept: dict[str, int] = {}
    patterns = identifier_patterns(identifiers)
    params = {
        "e": _hashes_of(hashes, "email_key"),
        "s": _hashes_of(hashes, "linkedin_slug"),
        "m": _hashes_of(hashes, "linkedin_member_key"),
        "reason": ERASED_REASON,
    }
    if patterns:  # DDL apart from the data's transaction (`create_if_missing`)
        _create_swept_rows(con)
    with transaction(con):
        marked = pl.concat([records, _history_named_rows(con, hashes)]).unique()
        columns = dict(_text_columns(con))
        for table in _PERSON_TABLES:
            if people.len() and table_exists(con, table):
                ((n,),) = con.execute(
                    f"delete from {table} where person_id in (select unnest($p))",
                    {"p": people.to_list()},
                ).fetchall()
                if n:
                    swept[table] = n
        with registered(con, marked) as keys:
            erased.append(_blank_raw_rows(con, keys, columns, patterns, params))
        con.execute("drop table if exists erased_rows")
        blanked = _blank_rejects(con, hashes, patterns, params)
        if blanked:
            swept[REJECTS_HISTORY] = blanked
        if patterns:
            digest = _identifiers_digest(identifiers)
            # one pass per table: its text columns joined, against all identifiers at once
            for table, text_columns in columns.items():
                if table in _COUNTED_TABLES or table == SWEPT_ROWS:
                    continue
                n = _sweep_table(con, table, text_columns, patterns, digest)
                if n:
                    swept[table] = n
    erased_records = pl.concat(erased)
    return ErasureReport(records.height, erased_records.height, swept, erased_records)


def _blank_raw_rows(
    con: duckdb.DuckDBPyConnection,
    keys: str,
    columns: dict[str, list[str]],
    patterns: tuple[IdentifierPattern, ...],
    params: dict,
) -> pl.DataFrame:
    """Move every source's erased rows (every snapshot) to the rejects as content-free rows
    that keep snapshot, file and row; returns their (snapshot_id, source_file, source_row).
    The rows of all sources are found in one scan, the keys written once: DuckDB spends about
    a tenth of a second setting up the email key's expression for each query that holds it,
    whatever the row count. They are then copied and deleted by their identity."""
    email_key, slug = email_match_key_sql("email"), linkedin_slug_sql("linkedin_url")
    member = (
        "coalesce("
        + ", ".join(
            linkedin_member_id_sql(c)
            for c in ("linkedin_member_id", "sales_nav_url", "linkedin_url")
        )
        + ")"
    )
    identity = "snapshot_id, pulled_at, source, vendor, source_file, source_row"
    read = ", email, linkedin_url, linkedin_member_id, sales_nav_url"
    histories = {source: f"{HISTORY_SCHEMA}.{source}" for source in SOURCES}
    texts = {
        table: f", {_anchored_text(con, table, columns[table], patterns)} as row_text"
        if patterns
        else ""
        for table in histories.values()
    }
    union = "\n union all ".join(
        f"select '{source}' as history, {identity}{read}{texts[table]} from {table}"
        for source, table in histories.items()
    )
    or_holds = f"or {holds_identifier('h.row_text', patterns)}" if patterns else ""
    con.execute(
        f"""create or replace temp table erased_rows as
            select history, {identity} from ({union}) h
            where exists (select 1 from {keys} k where k.snapshot_id = h.snapshot_id
                and k.source_file = h.source_file and k.source_row = h.source_row)
               or sha256({email_key}) in (select unnest($e::varchar[]))
               or sha256({slug}) in (select unnest($s::varchar[]))
               or sha256({member}) in (select unnest($m::varchar[]))
               {or_holds}""",
        bound_parameters(params, "e", "s", "m", patterns=patterns),
    )
    con.execute(
        f"""insert into {REJECTS_HISTORY} by name
            select * exclude (history), null as source_record_id, $reason as reason,
                   null as raw_record
            from erased_rows""",
        bound_parameters(params, "reason"),
    )
    for source, table in histories.items():
        con.execute(
            f"""delete from {table} using erased_rows e
                where e.history = '{source}' and {table}.snapshot_id = e.snapshot_id
                  and {table}.source_file = e.source_file
                  and {table}.source_row = e.source_row"""
        )
    return con.sql("select snapshot_id, source_file, source_row from erased_rows").pl()


def _rejects_naming_erased(con: duckdb.DuckDBPyConnection, hashes: pl.DataFrame) -> pl.DataFrame:
    """Rejects whose row as read holds an address, a profile URL or a member id whose kernel
    key hashes to an erasure request: the tokens are cut out of the raw text and keyed by
    the same Polars rules as the requests, each kind only on tokens that can be one."""
    if hashes.is_empty():
        return pl.DataFrame(schema=_RECORD_SCHEMA)
    rejects = con.sql(
        f"select {', '.join(_RECORD)}, raw_record from {REJECTS_HISTORY} "
        f"where raw_record is not null and reason <> $reason",
        params={"reason": ERASED_REASON},
    ).pl()
    token = pl.col("token")
    tokens = (
        rejects.select(*_RECORD, pl.col("raw_record").str.extract_all(_TOKEN).alias("token"))
        .explode("token")
        .drop_nulls("token")
        .unique()
    )
    as_records = tokens.select(
        *_RECORD,
        pl.when(token.str.contains("@", literal=True)).then(token).alias("email"),
        pl.when(token.str.contains(r"(?i)linkedin\.com/in/")).then(token).alias("linkedin_url"),
        pl.when(token.str.contains(MEMBER_ID_PATTERN)).then(token).alias("linkedin_member_id"),
        pl.lit(None, pl.String).alias("sales_nav_url"),
    )
    keys = person_identity_keys(
        as_records, _RECORD, {"email_key", "linkedin_slug", "linkedin_member_key"}
    )
    return _hashed_matches(con, keys, hashes, _RECORD)


def _blank_rejects(
    con: duckdb.DuckDBPyConnection,
    hashes: pl.DataFrame,
    patterns: tuple[IdentifierPattern, ...],
    params: dict,
) -> int:
    """Blank every reject that still holds an erased person's content: its row as read and
    its vendor id go, its snapshot, file and row stay (the row still counts), with the
    erased reason. A reject is found by an identifier in its text, or by a key in its raw
    text that hashes to an erasure request."""
    or_holds = ""
    if patterns:
        text = "lower(coalesce(raw_record, '') || chr(31) || coalesce(source_record_id, ''))"
        or_holds = f"or {holds_identifier(text, patterns)}"
    with registered(con, _rejects_naming_erased(con, hashes)) as named:
        ((blanked,),) = con.execute(
            f"""update {REJECTS_HISTORY} r
                set raw_record = null, source_record_id = null, reason = $reason
                where (raw_record is not null or source_record_id is not null)
                  and (exists (select 1 from {named} n where n.snapshot_id = r.snapshot_id
                        and n.source_file = r.source_file and n.source_row = r.source_row)
                       {or_holds})""",
            bound_parameters(params, "reason", patterns=patterns),
        ).fetchall()
    return blanked


def _identifiers_digest(identifiers: set[str]) -> str:
    """One SHA-256 for the whole set of identifiers a sweep looks for."""
    joined = "\n".join(sorted(i.lower() for i in identifiers))
    return hashlib.sha256(joined.encode()).hexdigest()


def _create_swept_rows(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, SWEPT_ROWS)
    create_if_missing(
        con,
        lambda c: c.execute(
            f"""create table if not exists {SWEPT_ROWS} (
                    table_name varchar, identifiers_sha256 varchar, row_hash ubigint)"""
        ),
    )


def _sweep_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    text_columns: list[str],
    patterns: tuple[IdentifierPattern, ...],
    digest: str,
) -> int:
    """Delete the table's rows that hold an identifier, reading only rows whose text columns
    are not as they were when the last sweep for the same identifiers left them (a row's
    text unchanged is a row the same regexes cannot newly match); then note every row now
    in the table as swept. Returns the rows deleted.

    The regexes run once per distinct text value of those rows, each column (each field of a
    struct) on its own, not once per row over the row's joined text: a token never spans two
    columns, and most values repeat (a survivor's lineage names a few records in 16 fields).

    Rows are known by a 64-bit hash of their text columns: a changed row is skipped only if
    its hash equals a swept row's of the same table, about one chance in 10^12 a build at a
    few million rows. The notes hold hashes of rows still in the table, and nothing else."""
    ref = quote_table(table)
    row_hash = "hash(" + ", ".join(quote_identifier(c) for c in text_columns) + ")"
    marks = {"table": table, "digest": digest}
    texts = ", ".join(_column_texts(con, table, text_columns))
    unswept = f"""select rowid as row_at, unnest([{texts}]) as text from {ref}
        where {row_hash} not in (select row_hash from {SWEPT_ROWS}
                                 where table_name = $table and identifiers_sha256 = $digest)"""
    # the distinct values are stored before the regexes run: DuckDB's optimiser pushes a
    # filter over `select distinct` below it, onto every row's values (3x the time at 1M).
    # The delete reads the unswept values again rather than keeping them (19M at 1M).
    con.execute(
        f"""create or replace temp table sweep_texts as
            select distinct text from ({unswept}) where text is not null""",
        marks,
    )
    ((removed,),) = con.execute(
        f"""delete from {ref} where rowid in (
                with holding as (
                    select text from sweep_texts where {holds_identifier("text", patterns)})
                select row_at from ({unswept}) semi join holding using (text))""",
        bound_parameters(marks, "table", "digest", patterns=patterns),
    ).fetchall()
    con.execute("drop table sweep_texts")
    con.execute(f"delete from {SWEPT_ROWS} where table_name = $table", {"table": table})
    con.execute(
        f"insert into {SWEPT_ROWS} select distinct $table, $digest, {row_hash} from {ref}",
        marks,
    )
    return int(removed)


def _column_texts(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[str]:
    """SQL: each text column's value lower-cased, a struct's fields each on their own."""
    relation = con.sql(f"select * from {quote_table(table)}")
    texts = []
    for name, kind in zip(relation.columns, relation.types, strict=True):
        if name not in columns:
            continue
        column = quote_identifier(name)
        if kind.id == "struct":
            texts += [
                f"lower({column}.{quote_identifier(field)}::varchar)" for field, _ in kind.children
            ]
        else:
            texts.append(f"lower({column}::varchar)")
    return texts


def bound_parameters(
    params: dict, *names: str, patterns: tuple[IdentifierPattern, ...] = ()
) -> dict:
    """The named parameters a statement uses (DuckDB refuses unused ones), with the
    identifier patterns."""
    return {n: params[n] for n in names} | {
        f"pattern{k}": p.regex for k, p in enumerate(patterns)
    }


def _holds_anchor(text: str, anchor: str) -> str:
    """SQL: the text holds the anchor (a code constant, never data)."""
    return f"contains({text}, '{anchor}')"


def holds_identifier(text: str, patterns: tuple[IdentifierPattern, ...]) -> str:
    """SQL: the text holds one of the erased identifiers as a whole token. A group's regexes
    run only on text that holds the group's anchor, a plain substring test that skips most
    values (names, titles, amounts)."""
    tests: dict[str | None, list[str]] = {}
    for k, pattern in enumerate(patterns):
        tests.setdefault(pattern.anchor, []).append(f"regexp_matches({text}, $pattern{k})")
    groups = [
        f"({_holds_anchor(text, anchor)} and ({' or '.join(regexes)}))"
        if anchor
        else f"({' or '.join(regexes)})"
        for anchor, regexes in tests.items()
    ]
    return "(" + " or ".join(groups) + ")"


def unbalanced_snapshots(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """(snapshot_id, source_file, data_rows, stored) for every file of every logged pull
    whose rows read at ingest differ from the rows now in its raw table and the rejects:
    conservation after every step that rewrites stored rows, in every snapshot."""
    stored = " union all ".join(
        f"select snapshot_id, source_file from {t}"
        for t in [*(f"{HISTORY_SCHEMA}.{s}" for s in SOURCES), REJECTS_HISTORY]
    )
    return con.sql(
        f"""with logged as (
                select distinct p.snapshot_id, f.source_file, f.data_rows
                from {PULLS_TABLE} p, unnest(from_json(p.files,
                    '[{{"source_file": "VARCHAR", "data_rows": "BIGINT"}}]')) as t(f)),
            stored as (select snapshot_id, source_file, count(*) as stored from ({stored})
                group by all)
            select snapshot_id, source_file, coalesce(data_rows, 0) as data_rows,
                coalesce(stored, 0) as stored
            from logged full join stored using (snapshot_id, source_file)
            where coalesce(data_rows, 0) <> coalesce(stored, 0)
            order by all"""
    ).pl()


def erased_rejects_with_content(con: duckdb.DuckDBPyConnection) -> int:
    """Rejects marked erased that still hold a row as read or a vendor id: always 0."""
    ((n,),) = con.execute(
        f"""select count(*) from {REJECTS_HISTORY} where reason = $reason
            and (raw_record is not null or source_record_id is not null)""",
        {"reason": ERASED_REASON},
    ).fetchall()
    return n


def _anchored_text(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    patterns: tuple[IdentifierPattern, ...],
) -> str:
    """SQL: a row's text values that hold an anchor of the patterns (all of them if a group
    has none), lower-cased and joined by a separator no token holds, for one regex test per
    row. A row's names, titles and company fields hold no `@` or `/in/`, so the regexes
    read about a fifth of its text."""
    values = "[" + ", ".join(_column_texts(con, table, columns)) + "]"
    anchors = {p.anchor for p in patterns}
    if None not in anchors:
        held = " or ".join(_holds_anchor("v", anchor) for anchor in sorted(anchors))
        values = f"list_filter({values}, lambda v: {held})"
    return f"array_to_string({values}, chr(31))"


# identifiers per pattern: RE2 keeps a pattern of a few hundred alternatives as one small
# automaton; one pattern of every identifier outgrows its cache and stalls (250 identifiers
# over 5,000 rows took over a minute, benchmarks/erasure_sweep.py)
_IDENTIFIERS_PER_PATTERN = 250
_TOKEN_BEFORE = "(^|[^a-z0-9._%+-])"
_TOKEN_AFTER = r"($|[^a-z0-9_.-]|\.($|[^a-z0-9]))"


# a literal that every identifier of a kind holds, so text without it cannot hold one: a
# profile's path, an address's at sign, a member id's start (lower-cased, as the text is)
_ANCHORS = ("/in/", "@", *(start.lower() for start in MEMBER_ID_STARTS))


class IdentifierPattern(NamedTuple):
    anchor: str | None  # held by every identifier of the group (None: no test before the regex)
    regex: str


def _anchor(identifier: str) -> str | None:
    return next((anchor for anchor in _ANCHORS if anchor in identifier), None)


def identifier_patterns(identifiers: set[str]) -> tuple[IdentifierPattern, ...]:
    """Regexes that together find any of the identifiers as a whole token: `a@b.io` must not
    match `ba@b.io` or `a@b.io.uk`, nor `/in/ann` match `/in/anne`. The boundaries are
    written once around each group of identifiers, not once per identifier, which keeps
    each automaton small. Identifiers are grouped by anchor (`/in/` for profile slugs, `@`
    for addresses): text that lacks a group's anchor cannot hold any of its identifiers."""
    by_anchor: dict[str | None, list[str]] = {}
    for identifier in sorted(i.lower() for i in identifiers):
        by_anchor.setdefault(_anchor(identifier), []).append(identifier)
    patterns = []
    for anchor, ordered in by_anchor.items():
        for start in range(0, len(ordered), _IDENTIFIERS_PER_PATTERN):
            group = ordered[start : start + _IDENTIFIERS_PER_PATTERN]
            words = [re.escape(i) for i in group if i[:1].isalnum()]
            others = [re.escape(i) for i in group if not i[:1].isalnum()]
            parts = [f"{_TOKEN_BEFORE}({'|'.join(words)}){_TOKEN_AFTER}"] if words else []
            parts += [f"({'|'.join(others)}){_TOKEN_AFTER}"] if others else []
            patterns.append(IdentifierPattern(anchor, "|".join(parts)))
    return tuple(patterns)


def _text_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str]]]:
    """Every stored table with its text, JSON and struct columns (hashed keys never match)."""
    return con.execute(
        """select c.table_schema || '.' || c.table_name, list(c.column_name order by c.column_name)
           from information_schema.columns c
           join information_schema.tables t using (table_schema, table_name)
           where t.table_type = 'BASE TABLE' and t.table_schema not in ('temp')
             and (c.data_type in ('VARCHAR', 'JSON') or c.data_type like '%VARCHAR%'
                  or c.data_type like 'STRUCT%')
           group by all"""
    ).fetchall()
