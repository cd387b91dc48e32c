"""Right to erasure across every table, and a re-import of an erased person dropped."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import Build, bound_defs, run_all


def erased_people(inbox: Path) -> tuple[list[str], list[str], list[str]]:
    """(emails, LinkedIn slugs, full names) of the people the demo asks to erase.

    Names come from every source row of those people (the generator's ground truth), and
    only names no other person in the inbox shares, so a namesake is not mistaken for one.
    """
    with (inbox / "suppression/erasure_requests-2026-11-19.csv").open() as handle:
        requests = list(csv.DictReader(handle))
    emails = [r["email"].lower() for r in requests]
    slugs = [r["linkedin_url"].rstrip("/").rsplit("/in/", 1)[1].lower() for r in requests]
    truth = pl.read_csv(inbox / "_ground_truth.csv")
    names: dict[str, set[str]] = {}
    for source_file, rows in truth.group_by("source_file"):
        with (inbox / source_file[0]).open(encoding="utf-8-sig", errors="replace") as handle:
            records = list(csv.DictReader(handle))
        for row_number, person in rows.select("source_row", "person_key").iter_rows():
            record = {k.lower(): (v or "") for k, v in records[row_number - 1].items() if k}
            first = record.get("first name") or record.get("firstname") or ""
            last = record.get("last name") or record.get("lastname") or ""
            email = (record.get("email") or record.get("email address") or "").lower()
            if first and last:
                names.setdefault(person, set()).add(f"{first} {last}".lower())
            if email in emails:
                names.setdefault("__erased__", set()).add(person)
    erased = names.pop("__erased__", set())
    erased_names = set().union(*(names.get(p, set()) for p in erased))
    others = set().union(*(n for p, n in names.items() if p not in erased))
    return emails, slugs, sorted(erased_names - others)


def occurrences(store: Path, needles: list[str]) -> list[tuple[str, str]]:
    """Every (table, needle) where a needle appears in any text of any column of a table."""
    pattern = "|".join(re.escape(n.lower()) for n in needles)
    found = []
    with duckdb.connect(str(store), read_only=True) as con:
        tables = con.sql(
            "select table_schema || '.' || table_name, list(column_name) "
            "from information_schema.columns group by all"
        ).fetchall()
        for table, columns in tables:
            text = " || '|' || ".join(f"coalesce(\"{c}\"::varchar, '')" for c in columns)
            hits = con.execute(
                f"select distinct unnest(regexp_extract_all(lower({text}), ?)) from {table}",
                [pattern],
            ).fetchall()
            found += [(table, needle) for (needle,) in hits]
    return found


def test_erased_people_leave_no_trace_in_any_table_across_rebuilds(demo_copy: Build) -> None:
    inbox, store = demo_copy.inbox, demo_copy.store
    emails, slugs, names = erased_people(inbox)
    assert len(emails) > 5 and names, "the demo asks to erase people who are in its sources"
    needles = emails + [f"/in/{s}" for s in slugs] + names
    assert occurrences(store, needles) == []
    with duckdb.connect(str(store), read_only=True) as con:
        ((hashed,),) = con.sql(
            "select count(*) from compliance.suppressions where kind = 'erasure' and hashed"
        ).fetchall()
    assert hashed >= len(emails)

    # a rebuild with a new export that brings one of them back: dropped on arrival
    vh.write_export(
        inbox / "apollo/apollo-contacts-export-2026-11-24.csv",
        vh.APOLLO_2026,
        [
            {
                "First Name": "Back",
                "Last Name": "Again",
                "Email": emails[0].upper(),
                "Company Name": "Somewhere",
                "Apollo Contact Id": "0123456789abcdef01234567",
            },
            {"First Name": "Still", "Last Name": "Here", "Email": "still.here@keep.example"},
        ],
    )
    assert run_all(bound_defs(demo_copy.folder, inbox, as_of=None)).success
    assert occurrences(store, [*needles, "back again"]) == []
    with duckdb.connect(str(store), read_only=True) as con:
        kept = con.sql("select count(*) from core.contacts where email = 'still.here@keep.example'")
        assert kept.fetchall() == [(1,)]
