"""Rejects, count conservation and snapshot history of the raw layer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.raw import history, ingest
from leadgen_pipeline.layers.raw.ingest import NO_IDENTITY, pull_source_from_inbox
from leadgen_pipeline_tests import vendor_headers as vh

VENDORS = {"apollo", "zoominfo", "lusha", "directory"}


def pull(con: duckdb.DuckDBPyConnection, inbox: Path, source: str, vendors=VENDORS):
    return pull_source_from_inbox(
        con, inbox, source, declared_vendors=vendors, consent_basis="legitimate_interest"
    )


def messy_directory(inbox: Path, newline: str = "\r\n") -> dict[str, int]:
    """A directory folder with every kind of unreadable input; returns rows per file."""
    folder = inbox / "directory"
    folder.mkdir(parents=True)
    good = vh.write_export(
        folder / "zoominfo-2026-11-01.csv",
        vh.ZOOMINFO,
        [
            {"ZoomInfo Contact ID": "1", "First Name": "A", "Last Name": "One",
             "Email Address": "a@one.example", "Company Name": "One"},
            # no identity at all; the accuracy score is a column the mapping does not read
            {"ZoomInfo Contact ID": "2", "Person City": "Leeds", "Contact Accuracy Score": "91"},
            {"ZoomInfo Contact ID": "3", "First Name": "C", "Last Name": 'O"Neil',
             "Company Name": "Three"},
        ],
    )  # fmt: skip
    # broken quoting appended by hand: too many fields, then an unterminated quote
    width = len(vh.ZOOMINFO)
    with good.open("a", encoding="utf-8", newline="") as handle:
        handle.write(",".join(["4", "Four", "D"] + [""] * (width - 3) + ["extra"]) + newline)
        five = {"ZoomInfo Contact ID": "5", "Last Name": "Five", "Email Address": "e@five.example"}
        handle.write(",".join(five.get(column, "") for column in vh.ZOOMINFO) + newline)
        handle.write('6,"Six,F' + "," * (width - 2) + newline)
    (folder / "empty-2026-11-01.csv").write_bytes(b"")
    vh.write_export(folder / "header-only-2026-11-01.csv", vh.LUSHA, [])
    with (folder / "notes-2026-11-01.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [["meeting", "when"], ["kickoff", "monday"], ["retro", "friday"]]
        )
    # the empty file is not read: it is listed among the skipped inputs instead
    return {"zoominfo-2026-11-01.csv": 6, "header-only-2026-11-01.csv": 0,
            "notes-2026-11-01.csv": 2}  # fmt: skip


def count_csv_records(path: Path) -> int:
    """Records as Python's csv module reads them: the independent count."""
    with path.open(encoding="utf-8", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "mixed-line-endings"])
def test_every_row_lands_in_records_or_rejects_with_a_reason(con, inbox: Path, newline) -> None:
    expected = messy_directory(inbox, newline)
    result = pull(con, inbox, "directory")
    assert result.records.height + result.rejects.height == sum(expected.values())
    per_file = {f.source_file.split("/")[-1]: f.data_rows for f in result.files}
    assert per_file == expected
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("directory/empty-2026-11-01.csv", "empty file (0 bytes)")
    ]
    rejects = {
        (r["source_file"].split("/")[-1], r["source_row"]): r for r in result.rejects.to_dicts()
    }
    assert rejects[("zoominfo-2026-11-01.csv", 2)]["reason"] == NO_IDENTITY
    # a rejected row keeps every cell, not only the ones the mapping reads
    kept_cells = json.loads(rejects[("zoominfo-2026-11-01.csv", 2)]["raw_record"])
    assert kept_cells["Contact Accuracy Score"] == "91" and kept_cells["Person City"] == "Leeds"
    assert "too many columns" in rejects[("zoominfo-2026-11-01.csv", 4)]["reason"]
    assert "unterminated quote" in rejects[("zoominfo-2026-11-01.csv", 6)]["reason"].lower()
    swallowed = rejects[("zoominfo-2026-11-01.csv", 6)]["raw_record"]
    assert swallowed.startswith("6,") and "Six,F" in swallowed  # the text is kept
    assert {rejects[("notes-2026-11-01.csv", n)]["reason"][:22] for n in (1, 2)} == {
        "unrecognised export fo"
    }
    # the stray quote in O"Neil is read, not rejected, and row numbers skip the rejects
    kept = result.records.sort("source_row")
    assert kept["source_row"].to_list() == [1, 3, 5]
    assert kept.filter(pl.col("source_row") == 3)["last_name"].item() == 'O"Neil'


def test_reader_agrees_with_python_csv_on_clean_files(con, inbox: Path) -> None:
    rows = [{"Name": f"Person {i}", "E-mail": f"p{i}@x.example",
             "Sector": "multi\nline, \"quoted\" cell"} for i in range(250)]  # fmt: skip
    path = vh.write_export(inbox / "directory/list-2026-11-01.csv", vh.DIRECTORY_LIST, rows)
    result = pull(con, inbox, "directory")
    assert result.records.height == count_csv_records(path) == 250
    assert result.records["source_row"].to_list() == list(range(1, 251))
    assert result.records["industry"][0] == 'multi\nline, "quoted" cell'


def test_undeclared_vendor_rows_are_held_back(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "directory/lusha-2026-11-01.csv", vh.LUSHA, [{"Work Email": "a@b.example"}]
    )
    result = pull(con, inbox, "directory", vendors={"zoominfo"})
    assert result.records.is_empty()
    assert result.rejects["reason"].item().startswith("vendor 'lusha' is not declared")


def test_source_without_provenance_uses_no_rows(con, inbox: Path) -> None:
    vh.write_export(inbox / "apollo/a-2026-11-01.csv", vh.APOLLO_2026, [{"Email": "a@b.example"}])
    result = pull(con, inbox, "apollo", vendors=())
    assert result.records.is_empty() and result.rejects.height == 1


def test_conservation_gaps_empty_after_a_pull_and_caught_after_tampering(con, inbox: Path) -> None:
    messy_directory(inbox)
    history.record_pull(con, pull(con, inbox, "directory"))
    assert history.conservation_gaps(con, "directory").is_empty()
    # a row lost after ingest (as a faulty write or a hand edit would) is caught
    con.execute("delete from raw_history.directory where source_row = 1")
    gaps = history.conservation_gaps(con, "directory")
    assert gaps["source_file"].to_list() == ["directory/zoominfo-2026-11-01.csv"]
    assert gaps.row(0, named=True)["stored"] == gaps.row(0, named=True)["data_rows"] - 1


def test_history_keeps_each_pull_and_the_view_shows_the_latest(con, inbox: Path) -> None:
    first = vh.write_export(inbox / "apollo/a-2026-09-01.csv", vh.APOLLO_2026,
                            [{"Email": "old@x.example"}, {"Email": "both@x.example"}])  # fmt: skip
    first_pull = pull(con, inbox, "apollo")
    assert history.record_pull(con, first_pull) is True
    assert history.record_pull(con, pull(con, inbox, "apollo")) is False  # same inputs: no copy
    first.unlink()
    vh.write_export(inbox / "apollo/a-2026-11-01.csv", vh.APOLLO_2026,
                    [{"Email": "both@x.example"}, {"Email": "new@x.example"}])  # fmt: skip
    second_pull = pull(con, inbox, "apollo")
    history.record_pull(con, second_pull)
    latest = set(con.sql("select email from raw.apollo").pl()["email"])
    assert latest == {"both@x.example", "new@x.example"}
    # the list as it stood on the earlier date can be rebuilt from history
    as_of_september = con.sql(
        "select email from raw_history.apollo where snapshot_id = ?",
        params=[first_pull.snapshot_id],
    ).pl()
    assert set(as_of_september["email"]) == {"old@x.example", "both@x.example"}
    assert con.sql("select count(*) from raw_history.pulls").fetchall()[0][0] == 3


def test_an_unchanged_folder_is_not_read_again_and_is_logged_as_it_was_stored(
    con, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second pull of the same files knows its snapshot from the files' SHA-256s before
    reading a row: it comes back `stored`, with the first pull's file reports, and the pull
    log's new row carries the same counts. A changed byte is a new snapshot, read in full."""
    expected = messy_directory(inbox)

    def stored(snapshot_id: str):
        return history.stored_files(con, snapshot_id)

    def pull_again():
        return pull_source_from_inbox(
            con, inbox, "directory", declared_vendors=VENDORS,
            consent_basis="legitimate_interest", stored_files=stored,
        )  # fmt: skip

    first = pull_again()
    assert not first.stored and history.record_pull(con, first) is True
    history_rows = con.sql("select count(*) from raw_history.directory").fetchall()

    def no_reading(*_args, **_kwargs):
        raise AssertionError("a stored snapshot's files were read again")

    with monkeypatch.context() as patched:
        patched.setattr(ingest, "_read_planned", no_reading)
        again = pull_again()
    assert again.stored and again.snapshot_id == first.snapshot_id
    assert again.files == first.files and again.pulled_at == first.pulled_at
    assert (again.record_count, again.reject_count, again.data_rows) == (
        first.records.height, first.rejects.height, sum(expected.values()))  # fmt: skip
    assert [s.path for s in again.skipped] == [s.path for s in first.skipped]
    assert history.record_pull(con, again) is False
    logged = con.sql(
        "select snapshot_id, data_rows, records, rejects, files from raw_history.pulls "
        "order by ingested_at"
    ).fetchall()
    assert len(logged) == 2 and logged[0] == logged[1]
    assert con.sql("select count(*) from raw_history.directory").fetchall() == history_rows
    assert history.conservation_gaps(con, "directory").is_empty()

    notes = inbox / "directory/notes-2026-11-01.csv"
    notes.write_text(notes.read_text() + "standup,daily\n")
    changed = pull_again()
    assert not changed.stored and changed.snapshot_id != first.snapshot_id
    assert changed.data_rows == sum(expected.values()) + 1


def test_a_failed_write_leaves_the_previous_snapshot_intact(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "apollo/a-2026-09-01.csv", vh.APOLLO_2026, [{"Email": "kept@x.example"}]
    )
    history.record_pull(con, pull(con, inbox, "apollo"))
    vh.write_export(inbox / "apollo/a-2026-11-01.csv", vh.APOLLO_2026, [{"Email": "new@x.example"}])
    broken = pull(con, inbox, "apollo")
    # rejects that cannot be stored make the write fail after the records were inserted
    broken.rejects = pl.DataFrame({"source_row": ["not a number"]})
    with pytest.raises(duckdb.Error):
        history.record_pull(con, broken)
    assert con.sql("select email from raw.apollo").pl()["email"].to_list() == ["kept@x.example"]
    assert con.sql("select count(*) from raw_history.apollo").fetchall()[0][0] == 1
    files = json.loads(history.latest_pull(con, "apollo")["files"])
    assert [f["source_file"] for f in files] == ["apollo/a-2026-09-01.csv"]


def test_a_row_whose_columns_shifted_is_rejected_and_placeholders_are_flagged(
    con, inbox: Path
) -> None:
    path = vh.write_export(
        inbox / "apollo/a-2026-11-01.csv",
        vh.APOLLO_2024,
        [
            {"First Name": "Ann", "Company": "Acme", "Email": "N/A"},
            {"First Name": "Bo", "Company": "Acme", "Email": "email_not_unlocked@domain.com"},
        ],
    )
    # an unquoted "Acme, Inc." moves every later cell one place right; the row keeps its
    # field count because the last (empty) cell falls off the end as a trailing delimiter
    cells = [""] * len(vh.APOLLO_2024)
    cells[:6] = ["Cy", "Lee", "CFO", "Acme, Inc.", "Acme", "cy@acme.example"]
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(",".join(cells) + "\r\n")
    result = pull(con, inbox, "apollo")
    kept = result.records.sort("source_row")
    assert kept["email"].to_list() == [None, None]
    # the placeholder is not an address: nulled, and the row says so
    assert kept["data_quality"].to_list() == [
        "email: 'N/A' is a placeholder, not an address",
        "email: 'email_not_unlocked@domain.com' is a placeholder, not an address",
    ]
    # the shifted row has one field more than the header: its structure is broken
    assert result.rejects["source_row"].to_list() == [3]
    assert result.rejects["reason"].item().startswith("unparseable CSV record (too many columns)")
    assert result.records.height + result.rejects.height == 3


def test_a_row_whose_email_is_no_address_is_kept_and_still_links(con, inbox: Path) -> None:
    from leadgen_pipeline.layers.core.resolve import link_records

    slug = "https://www.linkedin.com/in/ana-ruiz-4411/"
    vh.write_export(
        inbox / "apollo/a-2026-11-01.csv",
        vh.APOLLO_2026,
        [
            {"First Name": "Ana", "Last Name": "Ruiz", "Company Name": "Velmora Analytics",
             "Email": "ana@@velmora.example", "Person Linkedin Url": slug},
            {"First Name": "Omar", "Last Name": "Haddad", "Company Name": "Coraara Credit",
             "Website": "coraara.example", "Email": "omar.haddad@coraara.example"},
        ],
    )  # fmt: skip
    vh.write_export(
        inbox / "directory/list-2026-11-01.csv",
        vh.DIRECTORY_LIST,
        [
            {"Name": "Ana Ruiz", "E-mail": "ana.ruiz@velmora.example", "LinkedIn": slug,
             "Organisation": "Velmora Analytics"},
            {"Name": "Omar Haddad", "E-mail": "N/A", "Organisation": "Coraara Credit",
             "Website": "https://coraara.example"},
        ],
    )  # fmt: skip
    apollo, directory = pull(con, inbox, "apollo"), pull(con, inbox, "directory")
    assert apollo.rejects.is_empty() and directory.rejects.is_empty()
    records = pl.concat([apollo.records, directory.records])
    flagged = records.filter(pl.col("data_quality").is_not_null())
    assert flagged["email"].to_list() == [None, None]
    clusters = link_records(records).group_by("cluster_id").agg(pl.col("full_name").sort())
    # the bad address links no one, and blocks no one: LinkedIn, then name at the company
    assert sorted(clusters["full_name"].to_list()) == [
        ["Ana Ruiz", "Ana Ruiz"],
        ["Omar Haddad", "Omar Haddad"],
    ]


def test_a_store_from_before_data_quality_gains_the_column(con, inbox: Path) -> None:
    vh.write_export(inbox / "apollo/a-2026-11-01.csv", vh.APOLLO_2026, [{"Email": "a@b.example"}])
    con.execute("create schema raw_history")
    columns = ", ".join(
        f"{name} varchar" for name in history.CANONICAL_SCHEMA if name != "data_quality"
    )
    con.execute(f"create table raw_history.apollo ({columns})")
    history.record_pull(con, pull(con, inbox, "apollo"))
    stored = con.sql("select email, data_quality from raw.apollo").fetchall()
    assert stored == [("a@b.example", None)]
