"""The keys an erasure request can name a person by, and the sweep reaching rows by their
hash alone: small frames and a real DuckDB file, no Dagster run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel.hashing import sha256_hex
from leadgen_pipeline.kernel.keys.linkedin import linkedin_member_id, linkedin_member_id_sql
from leadgen_pipeline.kernel.keys.person import (
    NAME_KEY_REVISION,
    person_identity_keys,
    person_name_key,
)
from leadgen_pipeline.kernel.store import registered
from leadgen_pipeline.layers.compliance.erasure import (
    ERASED_REASON,
    bound_parameters,
    erase,
    erased_rejects_with_content,
    holds_identifier,
    identifier_patterns,
    unbalanced_snapshots,
)
from leadgen_pipeline.layers.compliance.suppressions import (
    erasure_hashes,
    read_suppression_inbox,
)
from leadgen_pipeline.layers.raw import history
from leadgen_pipeline.layers.raw.canonical import conform
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.suppression_headers import GDPR_ERASURE_REQUESTS

MEMBER_ID = "ACwAA7LIShnFNer7SEyAcFf-1tvq9iKGHR3kS4C"
RECEIVED = {"received_at": "2026-11-21T09:30:00Z", "regulation": "GDPR"}


def name_keys(*names: tuple[str | None, str | None, str | None]) -> list[str | None]:
    frame = pl.DataFrame(
        names, schema=dict.fromkeys(["first", "last", "full"], pl.String), orient="row"
    )
    return frame.select(person_name_key(pl.col("first"), pl.col("last"), pl.col("full")))[
        "first"
    ].to_list()


def test_a_name_keys_alike_from_first_and_last_or_from_the_full_name() -> None:
    same = name_keys(
        ("José", "Peña", None),
        (None, None, "Jose Pena"),
        (None, None, "JOSÉ MARÍA PEÑA JR."),
        ("Jose", "Peña, PhD", "ignored when first and last are given"),
    )
    assert len(set(same)) == 1 and same[0] is not None
    assert len(set(name_keys(("Bob", "Smith", None), (None, None, "Robert Smith")))) == 1
    assert len(set(name_keys(("Julia", "de Vries", None), (None, None, "Julia de Vries")))) == 1
    assert len(set(name_keys(("Ann", "Smith", None), ("Ann", "Smythe", None)))) == 2
    assert name_keys(("Ann", None, None), (None, None, "Ann"), (None, None, "  ")) == [None] * 3


def test_the_member_id_in_sql_agrees_with_polars() -> None:
    cells = [
        f" {MEMBER_ID} ",
        f"https://www.linkedin.com/sales/lead/{MEMBER_ID},NAME_SEARCH,37iP",
        f"https://www.linkedin.com/sales/people/{MEMBER_ID.replace('ACwAA', 'ACoAA')}",
        f"http://de.linkedin.com/in/{MEMBER_ID}/",
        "https://www.linkedin.com/in/jane-doe",
        f"x{MEMBER_ID}",
        "",
        None,
    ]
    frame = pl.DataFrame({"cell": cells})
    polars_ids = frame.select(linkedin_member_id(pl.col("cell")))["cell"].to_list()
    con = duckdb.connect()
    with registered(con, frame) as table:
        sql = f"select {linkedin_member_id_sql('cell')} from {table}"
        sql_ids = [r[0] for r in con.sql(sql).fetchall()]
    assert sql_ids == polars_ids
    assert polars_ids[:4] == [MEMBER_ID, MEMBER_ID, MEMBER_ID.replace("ACwAA", "ACoAA"), MEMBER_ID]
    assert polars_ids[4:] == [None] * 4


def requests_in(tmp_path: Path, rows: list[dict], header: list[str] | None = None):
    """The suppression inbox read with one erasure export of `rows` in it."""
    vh.write_export(
        tmp_path / "suppression" / "dsar-export-2026-11-21.csv",
        header or [*GDPR_ERASURE_REQUESTS, "company", "company_domain"],
        rows,
    )
    return read_suppression_inbox(duckdb.connect(), tmp_path)


RECORDS = conform(
    pl.DataFrame(
        [
            # (id, first, last, full, company, domain, member id, sales nav url)
            ("sn-1", None, None, None, None, None, MEMBER_ID, None),
            ("sn-2", "Ann", "Lee", None, None, None, None,
             f"https://www.linkedin.com/sales/lead/{MEMBER_ID},NAME_SEARCH,ab"),
            ("ap-1", "José", "Peña", None, "Ulmumis Manufacturing Ltd", None, None, None),
            ("ap-2", None, None, "Jose Pena", "ULMUMIS MANUFACTURING", None, None, None),
            ("ap-3", "Jose", "Pena", None, "Ulmumis Logistics", None, None, None),  # elsewhere
            ("co-1", "Robert", "Smith", None, None, "acme.co.uk", None, None),
            ("co-2", "Robert", "Smith", None, None, "acme.com", None, None),  # other domain
        ],
        schema=["source_record_id", "first_name", "last_name", "full_name", "company_name",
                "company_domain", "linkedin_member_id", "sales_nav_url"],
        orient="row",
    )
)  # fmt: skip


def test_member_id_and_name_at_company_requests_reach_the_records_they_name(
    tmp_path: Path,
) -> None:
    read = requests_in(
        tmp_path,
        [
            {"request_id": "R-1", "linkedin_url": f"https://www.linkedin.com/in/{MEMBER_ID}",
             **RECEIVED},
            {"request_id": "R-2", "full_name": "JOSÉ PEÑA", "company": "Ulmumis Manufacturing",
             **RECEIVED},
            {"request_id": "R-3", "full_name": "Bob Smith", "company_domain": "https://acme.co.uk/",
             **RECEIVED},
        ],
    )  # fmt: skip
    assert read.problems == []
    stored = read.rows.filter(pl.col("kind") == "erasure")
    assert stored["hashed"].all() and stored["key_value"].str.contains("^[0-9a-f]{64}$").all()
    assert sorted(stored["key_type"]) == [
        "linkedin_member_key",
        "name_at_company",
        "name_at_domain",
    ]
    # nothing of the request in plain, name or company
    text = " ".join(str(v) for v in stored.rows())
    assert not any(w in text.lower() for w in ("peña", "pena", "ulmumis", "smith", "acme", "acwaa"))

    keys = person_identity_keys(RECORDS, ["source_record_id"])
    con = duckdb.connect()
    with registered(con, keys) as k, registered(con, erasure_hashes(read.rows)) as h:
        named = con.sql(
            f"select distinct k.source_record_id from {k} k join {h} h "
            "on h.key_type = k.key_type and h.key_hash = sha256(k.key) order by 1"
        ).fetchall()
    assert [r for (r,) in named] == ["ap-1", "ap-2", "co-1", "sn-1", "sn-2"]


def test_an_erasure_request_with_a_name_but_no_company_stops_the_build_naming_the_file(
    tmp_path: Path,
) -> None:
    read = requests_in(
        tmp_path,
        [
            {"request_id": "R-1", "email": "ann@example.com", **RECEIVED},
            {"request_id": "R-2", "full_name": "Ann Example", **RECEIVED},
        ],
        header=GDPR_ERASURE_REQUESTS,
    )
    assert len(read.problems) == 1
    assert "suppression/dsar-export-2026-11-21.csv" in read.problems[0]
    assert "data rows 2" in read.problems[0]


def test_rejects_and_older_snapshots_are_reached_by_the_hash_alone(tmp_path: Path) -> None:
    """A later build: the request file is gone, only the hashes remain; a reject that kept
    the person's row and a row of an older snapshot are still found and blanked, and every
    file still balances."""
    read = requests_in(
        tmp_path,
        [
            {"request_id": "R-1", "email": "Ann.Smith+crm@Example.com", **RECEIVED},
            {"request_id": "R-2", "linkedin_url": "https://www.linkedin.com/in/jane-doe",
             **RECEIVED},
            {"request_id": "R-3", "full_name": "Robert Smith", "company": "Acme Ltd",
             **RECEIVED},
        ],
    )  # fmt: skip
    hashes = erasure_hashes(read.rows)
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    history.ensure_raw_layer(con)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    lineage = {"pulled_at": at, "source": "directory", "vendor": "generic"}
    records = conform(
        pl.DataFrame(
            [
                {**lineage, "snapshot_id": "old", "source_file": "directory/a.csv",
                 "source_row": 1, "first_name": "Bob", "last_name": "Smith",
                 "company_name": "ACME Limited"},
                {**lineage, "snapshot_id": "old", "source_file": "directory/a.csv",
                 "source_row": 2, "first_name": "Bob", "last_name": "Smith",
                 "company_name": "Acme Logistics"},
                {**lineage, "snapshot_id": "old", "source_file": "directory/a.csv",
                 "source_row": 3, "email": "ANN.SMITH@example.com"},
            ]
        )
    )  # fmt: skip
    notes = [
        '{"note":"mail ann.smith@example.com"}',
        '{"note":"see https://uk.linkedin.com/in/Jane-Doe/?x=1"}',
        '{"note":"ann.smithers@example.com"}',  # someone else
    ]
    rejects = pl.DataFrame(
        [
            {**lineage, "snapshot_id": "old", "source_file": "directory/b.csv", "source_row": row,
             "reason": "unrecognised export format", "raw_record": note}
            for row, note in enumerate(notes, start=1)
        ]
    )  # fmt: skip
    with registered(con, records) as r, registered(con, rejects) as j:
        con.execute(f"insert into raw_history.directory by name select * from {r}")
        con.execute(f"insert into raw_history.rejects by name select * from {j}")
    files = '[{"source_file": "directory/a.csv", "data_rows": 3}, ' \
        '{"source_file": "directory/b.csv", "data_rows": 3}]'  # fmt: skip
    con.execute(
        "insert into raw_history.pulls values ('old', 'directory', 'inbox', ?, ?, 6, 3, 3, "
        "null, ?, '[]')",
        [at, at, files],
    )
    assert unbalanced_snapshots(con).is_empty()

    empty = pl.DataFrame(schema={"snapshot_id": str, "source_file": str, "source_row": int})
    report = erase(con, empty, set(), hashes, pl.Series("person_id", [], pl.String))

    kept = con.sql("select source_row from raw_history.directory").fetchall()
    assert kept == [(2,)]  # a namesake at another company stays
    assert report.raw_rows == 2 and report.swept_rows == {"raw_history.rejects": 2}
    blanked = con.sql(
        "select source_file, source_row, reason, raw_record from raw_history.rejects order by all"
    ).fetchall()
    assert blanked == [
        ("directory/a.csv", 1, ERASED_REASON, None),
        ("directory/a.csv", 3, ERASED_REASON, None),
        ("directory/b.csv", 1, ERASED_REASON, None),
        ("directory/b.csv", 2, ERASED_REASON, None),
        ("directory/b.csv", 3, "unrecognised export format", notes[2]),
    ]
    assert unbalanced_snapshots(con).is_empty() and erased_rejects_with_content(con) == 0


def test_a_raw_row_holding_an_identifier_in_any_text_column_is_blanked(tmp_path: Path) -> None:
    """The raw rows' regexes read only values that hold an anchor (`@`, `/in/`, a member
    id's start): an identifier in a free-text column is still found, whichever its kind,
    and a value that merely resembles one is left."""
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    history.ensure_raw_layer(con)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    lineage = {"pulled_at": at, "source": "directory", "vendor": "generic",
               "snapshot_id": "s1", "source_file": "directory/a.csv"}  # fmt: skip
    cells = [
        {"keywords": "ex-colleague: Jane.Doe@Example.com"},
        {"title": "Advisor (see linkedin.com/in/jane-doe/)"},
        {"technologies": f"crm id {MEMBER_ID}"},
        {"keywords": "jane.doe@example.company, /in/jane-doe-2"},  # neither is the identifier
        {"title": "Jane Doe at Example"},  # no anchor, not an identifier
    ]
    records = conform(
        pl.DataFrame(
            [{**lineage, "source_row": row, **cell} for row, cell in enumerate(cells, start=1)]
        )
    )
    with registered(con, records) as r:
        con.execute(f"insert into raw_history.directory by name select * from {r}")
    empty = pl.DataFrame(schema={"snapshot_id": str, "source_file": str, "source_row": int})
    no_hashes = pl.DataFrame(schema={"key_type": str, "key_hash": str})
    identifiers = {"jane.doe@example.com", "/in/jane-doe", MEMBER_ID}
    report = erase(con, empty, identifiers, no_hashes, pl.Series("person_id", [], pl.String))

    kept = con.sql("select source_row from raw_history.directory order by 1").fetchall()
    assert kept == [(4,), (5,)]
    assert report.raw_rows == 3


@pytest.mark.parametrize("deleted", ["raw_history.rejects", "raw_history.directory"])
def test_conservation_after_erasure_sees_a_deleted_row(tmp_path: Path, deleted: str) -> None:
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    history.ensure_raw_layer(con)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    lineage = {"snapshot_id": "s1", "pulled_at": at, "source": "directory", "vendor": "generic"}
    records = conform(
        pl.DataFrame([{**lineage, "source_file": "directory/a.csv", "source_row": 1}])
    )
    rejects = pl.DataFrame(
        [{**lineage, "source_file": "directory/a.csv", "source_row": 2, "reason": "x"}]
    )
    with registered(con, records) as r, registered(con, rejects) as j:
        con.execute(f"insert into raw_history.directory by name select * from {r}")
        con.execute(f"insert into raw_history.rejects by name select * from {j}")
    con.execute(
        "insert into raw_history.pulls values ('s1', 'directory', 'inbox', ?, ?, 2, 1, 1, null, "
        """'[{"source_file": "directory/a.csv", "data_rows": 2}]', '[]')""",
        [at, at],
    )
    assert unbalanced_snapshots(con).is_empty()
    con.execute(f"delete from {deleted}")
    assert unbalanced_snapshots(con).rows() == [("s1", "directory/a.csv", 2, 1)]


# row text -> found, with the identifiers below: whole tokens only, in every group
SWEPT_TEXTS = {
    "ann@acme.io": True,
    "x\x1fANN@ACME.IO\x1fy": False,  # the sweep lower-cases row text before matching
    "x\x1fann@acme.io\x1fy": True,
    "bann@acme.io": False,
    "ann@acme.io.uk": False,
    "ann@acme.io.": True,  # a sentence's full stop ends the token
    "https://www.linkedin.com/in/ann-lee/": True,
    "https://www.linkedin.com/in/ann-leeds": False,
    "mailto:person599@bulk.example": True,
    "person5990@bulk.example": False,
    "nobody@bulk.example": False,
    "urn:li:member:acoaab1234567890abcdefghijk": True,  # a member id has no `@` or `/in/`
    "acoaab1234567890abcdefghijkl": False,
    "in/ann-lee and ann at acme.io": False,  # no anchor, no identifier
}


def test_the_grouped_identifier_patterns_find_whole_tokens_in_every_group() -> None:
    """Hundreds of identifiers are split over several patterns, grouped by anchor: a token
    is found whichever group holds it, and a longer token that merely contains an identifier
    is not. Read through the sweep's own SQL test, anchors included."""
    identifiers = {"ann@acme.io", "/in/ann-lee", "ACoAAB1234567890abcdefghijk"} | {
        f"person{i}@bulk.example" for i in range(600)
    }
    patterns = identifier_patterns(identifiers)
    assert len(patterns) > 2
    assert {p.anchor for p in patterns} == {"@", "/in/", "acoaa"}
    con = duckdb.connect()
    con.execute("create table t (row_text varchar, found boolean)")
    con.executemany("insert into t values (?, ?)", list(SWEPT_TEXTS.items()))
    wrong = con.execute(
        f"select row_text from t where {holds_identifier('row_text', patterns)} <> found "
        "order by 1",
        bound_parameters({}, patterns=patterns),
    ).fetchall()
    assert wrong == []


def test_a_request_hashed_under_an_older_name_key_revision_still_reaches_its_rows(
    tmp_path: Path,
) -> None:
    """Revision 1 of the name keys read neither `Jon` as Jonathan nor `Pty Limited` as a
    legal form, so a request stored then is the hash of `jon smith@acme pty`. Records keyed
    the current way alone would never meet it: the erased person would come back with the
    next export. The sweep keys them under every revision."""
    stored = pl.DataFrame(
        {"key_type": ["name_at_company"], "key_hash": [sha256_hex("jon smith@acme pty")]}
    )
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    history.ensure_raw_layer(con)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    lineage = {"pulled_at": at, "source": "directory", "vendor": "generic", "snapshot_id": "s1",
               "source_file": "directory/a.csv"}  # fmt: skip
    names = [("Jon", "Smith", "Acme Pty Limited"), ("Jon", "Smith", "Acme Holdings Pty Ltd")]
    records = conform(
        pl.DataFrame(
            [
                {**lineage, "source_row": row, "first_name": first, "last_name": last,
                 "company_name": company}
                for row, (first, last, company) in enumerate(names, start=1)
            ]
        )
    )  # fmt: skip
    with registered(con, records) as r:
        con.execute(f"insert into raw_history.directory by name select * from {r}")

    keys = person_identity_keys(records, ["source_row"], {"name_at_company"})
    assert sorted(keys.filter(pl.col("source_row") == 1)["key"]) == [
        "jon smith@acme pty",  # revision 1
        "jonathan smith@acme",  # revision 2
    ]
    current = person_identity_keys(
        records, ["source_row"], {"name_at_company"}, revisions=(NAME_KEY_REVISION,)
    )
    assert current["key"].to_list() == [
        "jonathan smith@acme",
        "jonathan smith@acme holdings",
    ]

    empty = pl.DataFrame(schema={"snapshot_id": str, "source_file": str, "source_row": int})
    report = erase(con, empty, set(), stored, pl.Series("person_id", [], pl.String))
    assert report.raw_rows == 1
    assert con.sql("select source_row from raw_history.directory").fetchall() == [(2,)]
