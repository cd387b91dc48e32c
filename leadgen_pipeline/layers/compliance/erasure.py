"""Right to erasure: remove a person from every table, keep only a one-way hash.

An erasure request names an email and/or a LinkedIn profile. Through `core.contact_links`
the request reaches every record of that person, including records that carry neither
(a Sales Navigator row linked by name at the company). Their raw rows are deleted from the
snapshot history and replaced by content-free rejects (so count conservation still holds),
and every other table is swept for the person's addresses, profile slugs and member ids.
What remains is the SHA-256 of the normalised email and slug in `compliance.suppressions`.

It runs right after each union build (`core/erasure_log`), on the fresh links: a new
request, or a later import of a person erased long ago, reaches every record linked to the
person, and nothing downstream of the union ever sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from leadgen_pipeline.kernel.hashing import sha256_column, sha256_hex
from leadgen_pipeline.kernel.keys import email_match_key_sql, linkedin_slug_sql
from leadgen_pipeline.kernel.store import quote_table, registered, table_exists, transaction
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.raw.history import HISTORY_SCHEMA, REJECTS_HISTORY

ERASED_REASON = "erased on request: the row's content was removed"
# tables keyed by person whose rows go with the person, identifiers or not
_PERSON_TABLES = ("core.contact_links", "core.merge_log")


ERASURE_LOG_SCHEMA: dict[str, pl.DataType] = {
    "erased_at": pl.Datetime("us", "UTC"),
    "table_name": pl.String(),  # the table rows were removed from or blanked in
    "rows_removed": pl.Int64(),
    "people": pl.Int64(),  # people whose erasure reached the table in this build
}


@dataclass(frozen=True)
class ErasureReport:
    people: int
    raw_rows: int
    swept_rows: dict[str, int]

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
    return theirs.select("snapshot_id", "source_file", "source_row"), identifiers


def _hashes(values: set[str]) -> list[str]:
    return sorted(sha256_hex(v) for v in values)


def erase_people(
    con: duckdb.DuckDBPyConnection,
    links: pl.DataFrame,
    requests: pl.DataFrame,
    email_hashes: list[str],
    slug_hashes: list[str],
) -> tuple[pl.Series, ErasureReport]:
    """Erase every person of a build any of whose records hashes to an erasure request.

    `links` is the fresh `core.contact_links`, so the request reaches every record of the
    person, including records that carry neither key (a Sales Navigator row linked by name
    at the company). `requests` holds this run's plain keys (never stored), swept too, so a
    key no record carries any more is still removed from every table. Returns the erased
    person ids; their link and merge-log rows are deleted with the rest.
    """
    identifiers = set(requests["email_key"].drop_nulls()) | {
        f"/in/{s}" for s in requests["linkedin_slug"].drop_nulls()
    }
    people = pl.Series("person_id", [], dtype=pl.String)
    records = pl.DataFrame(
        schema={"snapshot_id": pl.String, "source_file": pl.String, "source_row": pl.Int64}
    )
    if (email_hashes or slug_hashes) and not links.is_empty():
        hashed = links.select(
            "person_id",
            sha256_column(pl.col("email_key")).alias("email_hash"),
            sha256_column(pl.col("linkedin_slug")).alias("slug_hash"),
        )
        people = (
            hashed.filter(
                pl.col("email_hash").is_in(email_hashes) | pl.col("slug_hash").is_in(slug_hashes)
            )["person_id"]
            .unique()
            .sort()
        )
        records, theirs = _records_and_identifiers(links, people)
        identifiers |= theirs
    if not (identifiers or email_hashes or slug_hashes):
        return people, ErasureReport(0, 0, {})
    report = erase(con, records, identifiers, email_hashes, slug_hashes, people)
    return people, ErasureReport(people.len(), report.raw_rows, report.swept_rows)


def erase(
    con: duckdb.DuckDBPyConnection,
    records: pl.DataFrame,
    identifiers: set[str],
    email_hashes: list[str],
    slug_hashes: list[str],
    people: pl.Series,
) -> ErasureReport:
    """Delete the records (and any raw row hashing to the erased keys, in every snapshot),
    leave content-free rejects in their place, drop the people's links and merge-log rows,
    and sweep every table for the identifiers."""
    raw_rows = 0
    swept: dict[str, int] = {}
    # the raw rows' match keys in SQL (the kernel's forms, which give its keys), so a row is
    # tested against the hashes without Python per row
    email_key, slug = email_match_key_sql("email"), linkedin_slug_sql("linkedin_url")
    with transaction(con), registered(con, records) as keys:
        for table in _PERSON_TABLES:
            if people.len() and table_exists(con, table):
                ((n,),) = con.execute(
                    f"select count(*) from {table} where person_id in (select unnest($p))",
                    {"p": people.to_list()},
                ).fetchall()
                con.execute(
                    f"delete from {table} where person_id in (select unnest($p))",
                    {"p": people.to_list()},
                )
                if n:
                    swept[table] = n
        for source in SOURCES:
            table = f"{HISTORY_SCHEMA}.{source}"
            # the rows are found once (the keys are hashed in one scan), then copied to the
            # rejects as content-free rows and deleted by their identity
            con.execute(
                f"""create or replace temp table erased_rows as
                    select snapshot_id, pulled_at, source, vendor, source_file, source_row
                    from {table}
                    where exists (select 1 from {keys} k where k.snapshot_id = {table}.snapshot_id
                        and k.source_file = {table}.source_file
                        and k.source_row = {table}.source_row)
                       or sha256({email_key}) in (select unnest($e::varchar[]))
                       or sha256({slug}) in (select unnest($s::varchar[]))""",
                {"e": email_hashes, "s": slug_hashes},
            )
            con.execute(
                f"""insert into {REJECTS_HISTORY} by name
                    select *, null as source_record_id, $reason as reason, null as raw_record
                    from erased_rows""",
                {"reason": ERASED_REASON},
            )
            ((deleted,),) = con.execute(
                f"""delete from {table} using erased_rows e
                    where {table}.snapshot_id = e.snapshot_id
                      and {table}.source_file = e.source_file
                      and {table}.source_row = e.source_row"""
            ).fetchall()
            raw_rows += deleted
        con.execute("drop table if exists erased_rows")
        if identifiers:
            # one pass per table: its text columns joined, against all identifiers at once
            pattern = "|".join(f"({_whole_token(i)})" for i in sorted(identifiers))
            for table, columns in _text_columns(con):
                text = "lower(" + " || chr(31) || ".join(
                    f"coalesce(\"{c}\"::varchar, '')" for c in columns
                ) + ")"
                ((n,),) = con.execute(
                    f"delete from {quote_table(table)} where regexp_matches({text}, $pattern)",
                    {"pattern": pattern},
                ).fetchall()
                if n:
                    swept[table] = n
    return ErasureReport(records.height, raw_rows, swept)


def _whole_token(identifier: str) -> str:
    """A regex that finds the identifier as a whole token: `a@b.io` must not match
    `ba@b.io` or `a@b.io.uk`, nor `/in/ann` match `/in/anne`."""
    body = re.escape(identifier.lower())
    before = "(^|[^a-z0-9._%+-])" if identifier[:1].isalnum() else ""
    return before + body + r"($|[^a-z0-9_.-]|\.($|[^a-z0-9]))"


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
