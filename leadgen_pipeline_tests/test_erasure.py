"""Right to erasure across every table and the event log, by every key a request can carry
(email, LinkedIn URL, LinkedIn member id, name at a company name or domain), with row
counts conserved, and a re-import of an erased person dropped.

One demo copy and one rebuild: the requests of every shape, a reject that holds an erased
person's row and the re-import all arrive together, as they would in a real inbox.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
from dagster._serdes import serialize_value

from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import Build, bound_defs, run_all, shared_instance
from leadgen_pipeline_tests.suppression_headers import GDPR_ERASURE_REQUESTS

# what the scan looks for, written out here rather than taken from the code under test
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SLUG = re.compile(r"linkedin\.com/in/([^/?#\s,\"']+)", re.IGNORECASE)
_MEMBER_ID = re.compile(r"AC[ow]AA[A-Za-z0-9_-]{20,}")
_SOURCES = ("apollo", "cognism", "directory", "sales_navigator")
NOTES_FILE = "directory/board-notes-2026-11-21.csv"  # not a contact export: rejected whole


@dataclass
class InboxPerson:
    """One person of the demo's ground truth: their rows, and what identifies them."""

    key: str
    rows: list[tuple[str, int]] = field(default_factory=list)  # (source_file, source_row)
    emails: set[str] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)
    member_ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


def _cell(record: dict[str, str], *names: str) -> str:
    return next((record[n] for n in names if record.get(n)), "")


def inbox_people(inbox: Path) -> dict[str, InboxPerson]:
    """Every person of the generator's ground truth, with the emails, profile slugs, member
    ids and names their rows hold, read from the inbox files with Python's `csv`."""
    truth = pl.read_csv(inbox / "_ground_truth.csv")
    people: dict[str, InboxPerson] = {}
    for (source_file,), rows in truth.group_by("source_file"):
        with (inbox / source_file).open(encoding="utf-8-sig", errors="replace") as handle:
            records = list(csv.DictReader(handle))
        for row_number, key in rows.select("source_row", "person_key").iter_rows():
            person = people.setdefault(key, InboxPerson(key))
            person.rows.append((source_file, row_number))
            record = {k.lower(): (v or "") for k, v in records[row_number - 1].items() if k}
            text = " ".join(record.values())
            person.emails |= {e.lower() for e in _EMAIL.findall(text)}
            person.slugs |= {s.lower().rstrip("/") for s in _SLUG.findall(text)} - {
                s.lower() for s in _MEMBER_ID.findall(text)
            }
            person.member_ids |= set(_MEMBER_ID.findall(text))
            first = _cell(record, "first name", "firstname")
            last = _cell(record, "last name", "lastname")
            full = _cell(record, "full name", "fullname", "name")
            person.names |= {n.lower() for n in (f"{first} {last}".strip(), full) if " " in n}
    return people


def needles_of(subjects: list[InboxPerson], everyone: dict[str, InboxPerson]) -> list[str]:
    """The subjects' emails, `/in/` slugs, member ids and names; a name another person of
    the inbox shares is left out, so a namesake is not mistaken for one of them."""
    others = [p for p in everyone.values() if p.key not in {s.key for s in subjects}]
    shared_names = set().union(*(p.names for p in others))
    needles = []
    for person in subjects:
        needles += sorted(person.emails) + [f"/in/{s}" for s in sorted(person.slugs)]
        needles += sorted(person.member_ids) + sorted(person.names - shared_names)
    return needles


def occurrences(store: Path, needles: list[str]) -> list[tuple[str, str]]:
    """Every (table, needle) where a needle appears in any text of any column of a table
    (lists, structs and JSON cast to text)."""
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


def stored_rows_per_file(store: Path) -> dict[str, int]:
    """Rows of each input file in its source's latest pull: raw records plus rejects."""
    with duckdb.connect(str(store), read_only=True) as con:
        union = " union all ".join(
            f"select source_file from raw.{s}" for s in [*_SOURCES, "rejects"]
        )
        return dict(con.sql(f"select source_file, count(*) from ({union}) group by 1").fetchall())


def linked_as_one(store: Path, people: dict[str, InboxPerson]) -> dict[str, list[str]]:
    """person_key -> the match rules of their links, for people the union linked exactly as
    the ground truth has them (all their rows, nobody else's): who a test may erase."""
    rows = pl.DataFrame(
        [(p.key, f, r) for p in people.values() for f, r in p.rows],
        schema=["person_key", "source_file", "source_row"],
        orient="row",
    )
    with duckdb.connect(str(store), read_only=True) as con:
        links = con.sql(
            "select source_file, source_row, person_id, match_rule, "
            "email_key is null and linkedin_slug is null and linkedin_member_key is not null "
            "as member_id_only from core.contact_links"
        ).pl()
    joined = rows.join(links, on=["source_file", "source_row"])
    one = (
        joined.group_by("person_key")
        .agg(
            pl.col("person_id").n_unique().alias("ids"),
            pl.col("person_id").first(),
            pl.len().alias("linked"),
            (
                pl.col("match_rule")
                + pl.when(pl.col("member_id_only")).then(pl.lit("+member")).otherwise(pl.lit(""))
            ).alias("rules"),
        )
        .join(links.group_by("person_id").len(), on="person_id")
        .filter((pl.col("ids") == 1) & (pl.col("linked") == pl.col("len")))
    )
    counts = rows.group_by("person_key").len()
    one = one.join(counts, on="person_key", suffix="_truth").filter(
        pl.col("linked") == pl.col("len_truth")
    )
    return {
        k: sorted(r) for k, r in one.select("person_key", "rules").sort("person_key").iter_rows()
    }


def pick_subjects(store: Path, people: dict[str, InboxPerson], taken: set[str]) -> dict[str, str]:
    """One person for each way a request can name someone, each with three or more records,
    at least one reached only by the union's name-and-company pass, and no address any
    other person of the inbox holds (a shared inbox would take others with it)."""
    email_owners: dict[str, set[str]] = {}
    for person in people.values():
        for email in person.emails:
            email_owners.setdefault(email, set()).add(person.key)
    candidates = {
        key: rules
        for key, rules in linked_as_one(store, people).items()
        if len(rules) >= 3
        and "fuzzy_name_at_domain" in {r.removesuffix("+member") for r in rules}
        and key not in taken
        and all(email_owners[e] == {key} for e in people[key].emails)
        and people[key].names
    }
    chosen: dict[str, str] = {}
    member = next(k for k, r in candidates.items() if "fuzzy_name_at_domain+member" in r)
    chosen["member_id"] = member
    rest = [k for k in candidates if k != member and people[k].emails and people[k].slugs]
    for way, key in zip(["email", "slug", "name_at_company", "name_at_domain"], rest, strict=False):
        chosen[way] = key
    assert len(chosen) == 5, "the demo has people for every kind of request"
    return chosen


def company_of(store: Path, person: InboxPerson) -> tuple[str, str, str]:
    """(full name, company name, company domain) as the first of the person's records that
    states all of them has them."""
    union = " union all ".join(
        f"select source_file, source_row, first_name, last_name, company_name, company_domain "
        f"from raw.{s}"
        for s in _SOURCES
    )
    with duckdb.connect(str(store), read_only=True) as con:
        with_company = con.execute(
            f"""select first_name, last_name, company_name, company_domain from ({union})
                where struct_pack(f := source_file, r := source_row)
                    in (select unnest(?::struct(f varchar, r bigint)[]))
                  and first_name is not null and last_name is not null
                  and company_name is not null and company_domain is not null
                order by source_file, source_row limit 1""",
            [[{"f": f, "r": r} for f, r in person.rows]],
        ).fetchall()
    ((first, last, company, domain),) = with_company
    return f"{first} {last}", company, domain


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)] if isinstance(value, str | int | float) else []


def event_texts(entries: list) -> list[str]:
    """Every string of every stored event (metadata values unescaped) and each message,
    lower-cased: the serialised JSON escapes accents, which a plain search would miss."""
    texts = []
    for entry in entries:
        texts += [s.lower() for s in _strings(json.loads(serialize_value(entry)))]
        texts.append((entry.user_message or "").lower())
    return texts


def test_erased_people_leave_no_trace_in_any_table_or_the_event_log(demo_copy: Build) -> None:
    inbox, store = demo_copy.inbox, demo_copy.store
    people = inbox_people(inbox)
    with (inbox / "suppression/erasure_requests-2026-11-19.csv").open() as handle:
        demo_requests = list(csv.DictReader(handle))
    demo_emails = {r["email"].lower() for r in demo_requests}
    demo_erased = [p for p in people.values() if p.emails & demo_emails]
    assert len(demo_erased) > 5, "the demo asks to erase people who are in its sources"
    demo_needles = needles_of(demo_erased, people)
    assert occurrences(store, demo_needles) == []  # the demo build itself erased them

    # requests of every shape, for people the demo build still holds
    ways = pick_subjects(store, people, {p.key for p in demo_erased})
    subjects = {way: people[key] for way, key in ways.items()}
    needles = needles_of(list(subjects.values()), people)
    member_id = sorted(subjects["member_id"].member_ids)[0]
    email = sorted(subjects["email"].emails)[0]
    slug = sorted(subjects["slug"].slugs)[0]
    present = {n for _, n in occurrences(store, needles)}
    # the scan finds them before the requests arrive, or it would pass on anything
    assert {member_id.lower(), email, f"/in/{slug}"} <= present
    assert all(present & {n.lower() for n in needles_of([p], people)} for p in subjects.values())
    gdpr = {"received_at": "2026-11-21T09:30:00Z", "regulation": "GDPR"}
    vh.write_export(
        inbox / "suppression/dsar-export-2026-11-21.csv",
        GDPR_ERASURE_REQUESTS,
        [
            {"request_id": "R-1", "email": email.upper(), **gdpr},
            {"request_id": "R-2", "linkedin_url": f"https://uk.linkedin.com/in/{slug}/", **gdpr},
            # a Sales Navigator lead URL: all the requester knew of the profile
            {
                "request_id": "R-3",
                "linkedin_url": f"https://www.linkedin.com/sales/lead/{member_id},NAME_SEARCH,x1Yz",
                **gdpr,
            },
        ],
    )
    by_name, name_company, _ = company_of(store, subjects["name_at_company"])
    by_domain, _, domain = company_of(store, subjects["name_at_domain"])
    vh.write_export(
        inbox / "suppression/dsar-by-name-2026-11-21.csv",
        ["request_id", "full_name", "company", "company_domain", "received_at", "regulation"],
        [
            {"request_id": "R-4", "full_name": by_name.upper(), "company": name_company, **gdpr},
            {
                "request_id": "R-5",
                "full_name": by_domain,
                "company_domain": f"www.{domain}",
                **gdpr,
            },
        ],
    )
    # a file no vendor wrote: its rows are rejects that keep the row as read
    vh.write_export(
        inbox / NOTES_FILE,
        ["topic", "owner", "due", "comment"],
        [
            {"topic": "Q4 plan", "owner": "Hannah", "due": "2026-11-30", "comment": "keep me"},
            {"topic": "follow up", "owner": "Hannah", "comment": f"call {email} back"},
            {"topic": "intro", "owner": "Ravi", "comment": f"linkedin.com/in/{slug} asked"},
        ],
    )
    # a new export that brings a demo-erased person back: dropped on arrival
    returning = sorted(demo_emails)[0]
    vh.write_export(
        inbox / "apollo/apollo-contacts-export-2026-11-24.csv",
        vh.APOLLO_2026,
        [
            {"First Name": "Back", "Last Name": "Again", "Email": returning.upper(),
             "Company Name": "Somewhere", "Apollo Contact Id": "0123456789abcdef01234567"},
            {"First Name": "Still", "Last Name": "Here", "Email": "still.here@keep.example"},
        ],
    )  # fmt: skip
    before = stored_rows_per_file(store)

    result = run_all(bound_defs(demo_copy.folder, inbox, as_of=None), raise_on_error=False)
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert result.success and failed == []

    # no trace of anyone erased, old or new, in any column of any table
    assert occurrences(store, [*demo_needles, *needles, "back again"]) == []
    # nor anywhere in the events the rebuild stored (previews, messages, check results)
    events = "\n".join(event_texts(shared_instance().all_logs(result.run_id)))
    assert len(events) > 100_000, "the rebuild's events were read back"
    assert [n for n in [*needles, *demo_needles] if n.lower() in events] == []

    with duckdb.connect(str(store), read_only=True) as con:
        hashed = con.sql(
            "select key_type, count(*) from compliance.suppressions "
            "where kind = 'erasure' and hashed and regexp_full_match(key_value, '[0-9a-f]{64}') "
            "group by all"
        ).fetchall()
        kept = con.sql("select count(*) from core.contacts where email = 'still.here@keep.example'")
        assert kept.fetchall() == [(1,)]
        erased = set(
            con.sql(
                "select source_file, source_row from raw.rejects "
                "where reason like 'erased%' and raw_record is null and source_record_id is null"
            ).fetchall()
        )
        notes = dict(
            con.execute(
                "select source_row, raw_record is null from raw.rejects where source_file = ?",
                [NOTES_FILE],
            ).fetchall()
        )
    assert {"linkedin_member_key", "name_at_company", "name_at_domain"} <= dict(hashed).keys()
    # every record of every person asked for is still counted, as a content-free reject
    for person in subjects.values():
        assert set(person.rows) <= erased, person.key
    # the reject that named an erased person is blanked, not deleted; the other one kept
    assert notes == {1: False, 2: True, 3: True}

    # counts conserved: every file has the rows it had, each new file the rows written
    after = stored_rows_per_file(store)
    written = {
        "apollo/apollo-contacts-export-2026-11-24.csv": 2,
        NOTES_FILE: 3,
    }
    assert after == {**before, **written}
