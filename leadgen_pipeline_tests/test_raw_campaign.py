"""The raw layer against the exports people really have: one defect per case.

Each case writes a defective copy of part of the bundled demo inbox (its first rows, in its
vendor's real header) into a fresh inbox and pulls it through the raw layer's pure pull,
then asserts one of:

- a clear failure whose message names the path or file;
- exact row conservation against Python's `csv` module (every data record of every file is a
  record or a reject, and every reject has a reason), and for defects that change nothing a
  person reads, the same records as a clean UTF-8 copy of the same rows;
- the file or folder listed as not read, with its reason.

A few cases run real Dagster materialisations of `raw/*` on a store that held a good demo
build: a failed pull names the inbox and leaves the last good views as they were.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.raw.ingest import (
    ExportReadError,
    InboxError,
    SourcePull,
    check_inbox,
    pull_source_from_inbox,
    survey_inbox,
)
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import PROJECT, Build, bound_defs, shared_instance

DEMO = PROJECT / "data/sample"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
VENDORS = {
    "apollo": {"apollo"},
    "cognism": {"cognism"},
    "sales_navigator": {"phantombuster", "evaboot"},
    "directory": {"zoominfo", "lusha", "directory"},
}
# compared between a defective copy and a clean one: what a person reads in the row
COMPARED = ["source_row", "first_name", "last_name", "title", "email", "linkedin_url",
            "company_name", "company_domain", "country", "phone_direct"]  # fmt: skip


@dataclass(frozen=True)
class DemoExport:
    """The first rows of one demo export, as Python's csv module reads them."""

    source: str
    name: str
    header: list[str]
    rows: list[list[str]]


@cache
def demo_export(source: str, name: str, encoding: str = "utf-8", rows: int = 12) -> DemoExport:
    with (DEMO / source / name).open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        body = [row for _, row in zip(range(rows), reader, strict=False)]
    return DemoExport(source, name, header, body)


BASES = {
    "apollo": ("apollo", "apollo-contacts-export-2026-11-02.csv", "utf-8"),
    "cognism": ("cognism", "cognism-export-2026-10-29.csv", "cp1252"),
    "evaboot": ("sales_navigator", "evaboot-leads-export-2026-11-14.csv", "utf-8"),
    "phantombuster": (
        "sales_navigator",
        "phantombuster-sales-navigator-search-export-2026-11-08.csv",
        "utf-8",
    ),
    "zoominfo": ("directory", "zoominfo-contacts-export-2026-11-05.csv", "utf-8"),
    "dach_list": ("directory", "dach-fintech-members-2026-10-28.csv", "utf-8"),
}


def base(key: str) -> DemoExport:
    return demo_export(*BASES[key])


def table_text(
    header: list[str], rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n"
) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    return out.getvalue()


def csv_records(text: str, delimiter: str = ",") -> int:
    """Data records of a table's text by Python's csv module: the independent count (blank
    lines are no records; NUL bytes are dropped first, as they split no record)."""
    records = [r for r in csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=delimiter)]
    return max(sum(1 for r in records if r) - 1, 0)


# ---------------------------------------------------------------------------------------------
# The cases


@dataclass(frozen=True)
class Written:
    """One file a case wrote: its name in the source folder and its data records by `csv`."""

    name: str
    records: int
    # the clean UTF-8 copy of the same table, when the defect must change nothing read
    clean_text: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    make: Callable[[Path], list[Written]]  # writes into inbox/<source>/, returns what it wrote
    fails_naming: str | None = None  # the failure message must hold this (a path or file)
    skipped: tuple[tuple[str, str], ...] = ()  # (path ends with, reason holds) listed not read
    check: Callable[[SourcePull], None] | None = None
    # its files live beside other cases' in one pull of the source (they share no name)
    shared: bool = True


def _write(inbox: Path, source: str, name: str, data: bytes) -> Path:
    path = inbox / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def text_case(
    key: str,
    defect: str,
    encode: Callable[[str], bytes],
    *,
    delimiter: str = ",",
    preamble: str = "",
    suffix: str = ".csv",
    newline: str = "\r\n",
    roundtrip: str | None = None,
    name: str | None = None,
    accents: bool = False,
) -> Case:
    """A demo export written with one defect of encoding, delimiter or layout that a person
    reading the file would not notice: the records must equal a clean copy's."""
    demo = base(key)

    def make(inbox: Path) -> list[Written]:
        header, rows = demo.header, [list(r) for r in demo.rows]
        if accents:  # non-ASCII letters on the lines the defect re-encodes, and on others
            rows[1][0], rows[4][0], rows[6][0] = "Renée", "Zoë", "François"
        if roundtrip:  # only characters the target code page has
            rows = [[c.encode(roundtrip, "replace").decode(roundtrip) for c in r] for r in rows]
        text = table_text(header, rows, delimiter, newline)
        clean = table_text(header, rows)
        file_name = name.format(key=key) if name else f"{defect}-{key}-2026-11-02{suffix}"
        _write(inbox, demo.source, file_name, encode(preamble + text))
        return [Written(file_name, csv_records(text, delimiter), clean)]

    return Case(f"{defect}[{key}]", demo.source, make)


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _mixed_cp1252_line(text: str) -> bytes:
    """A UTF-8 file with its third line saved in cp1252 (a row pasted from another file)."""
    lines = text.split("\r\n")
    encoded = [line.encode("utf-8") for line in lines]
    encoded[2] = lines[2].encode("cp1252", "replace")
    return b"\r\n".join(encoded)


def _mixed_newlines(text: str) -> bytes:
    lines = text.split("\r\n")
    return "".join(
        line + ("\n" if i % 2 else "\r\n") for i, line in enumerate(lines[:-1])
    ).encode("utf-8")


TEXT_DEFECTS: list[tuple[str, dict]] = [
    ("clean-control", {"encode": utf8}),
    ("bom-crlf", {"encode": lambda t: codecs.BOM_UTF8 + t.encode("utf-8")}),
    ("lf-only", {"encode": utf8, "newline": "\n"}),
    ("mixed-line-endings", {"encode": _mixed_newlines}),
    ("utf16-bom", {"encode": lambda t: t.encode("utf-16")}),
    ("utf16le-no-bom", {"encode": lambda t: t.encode("utf-16-le")}),
    ("utf16be-no-bom", {"encode": lambda t: t.encode("utf-16-be")}),
    ("cp1252", {"encode": lambda t: t.encode("cp1252"), "roundtrip": "cp1252"}),
    ("utf8-with-a-cp1252-line", {"encode": _mixed_cp1252_line, "roundtrip": "cp1252",
                                 "accents": True}),
    ("cp1252-accents", {"encode": lambda t: t.encode("cp1252"), "roundtrip": "cp1252",
                        "accents": True}),
    ("semicolons", {"encode": utf8, "delimiter": ";"}),
    ("tabs-tsv", {"encode": utf8, "delimiter": "\t", "suffix": ".tsv"}),
    ("pipes-txt", {"encode": utf8, "delimiter": "|", "suffix": ".txt"}),
    ("excel-sep-hint", {"encode": utf8, "delimiter": ";", "preamble": "sep=;\r\n"}),
    ("excel-sep-comma-hint", {"encode": utf8, "preamble": "sep=,\r\n"}),
    ("blank-line-above-header", {"encode": utf8, "preamble": "\r\n"}),
    ("title-above-header", {"encode": utf8, "preamble": "Contacts export\r\n\r\n"}),
    ("gzip", {"encode": _gz, "suffix": ".csv.gz"}),
    ("sql-injection-name", {"encode": utf8,
                            "name": "x'); drop table raw_history.pulls; -- {key} 2026-11-02.csv"}),
]  # fmt: skip


def _zip_case(key: str) -> Case:
    demo = base(key)

    def make(inbox: Path) -> list[Written]:
        text = table_text(demo.header, demo.rows)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("export/leads.csv", text)
            archive.writestr("export/readme.pdf", b"%PDF-1.4")
        _write(inbox, demo.source, f"zipped-{key}-2026-11-02.zip", buffer.getvalue())
        return [Written(f"zipped-{key}-2026-11-02.zip#export/leads.csv", csv_records(text), text)]

    return Case(
        f"zip[{key}]", demo.source, make,
        skipped=(("#export/readme.pdf", "unsupported file type inside the archive"),),
    )  # fmt: skip


def _xlsx_case(key: str) -> Case:
    from openpyxl import Workbook

    demo = base(key)

    def make(inbox: Path) -> list[Written]:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Contacts"
        for row in [demo.header, *demo.rows]:
            sheet.append(row)
        notes = workbook.create_sheet("Notes")
        notes.append(["exported by", "ops"])
        path = inbox / demo.source / f"workbook-{key}-2026-11-02.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)
        clean = table_text(demo.header, demo.rows)
        return [Written(f"{path.name}#Contacts", len(demo.rows), clean)]

    return Case(
        f"xlsx[{key}]", demo.source, make,
        skipped=(("#Notes", "sheet without a recognisable header"),),
    )  # fmt: skip


def _two_sheet_workbook(inbox: Path) -> list[Written]:
    """Every sheet with a recognisable header is read, whatever its position."""
    from openpyxl import Workbook

    apollo, zoominfo = base("apollo"), base("zoominfo")
    workbook = Workbook()
    workbook.active.title = "Summary"
    workbook.active.append(["metric", "value"])
    workbook.active.append(["total", "24"])
    for title, demo in (("Apollo", apollo), ("ZoomInfo", zoominfo)):
        sheet = workbook.create_sheet(title)
        for row in [demo.header, *demo.rows]:
            sheet.append(row)
    path = inbox / "directory/two-vendors-2026-11-02.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return [
        Written(f"{path.name}#Summary", 1),  # the first sheet is read, and held back whole
        Written(f"{path.name}#Apollo", len(apollo.rows)),
        Written(f"{path.name}#ZoomInfo", len(zoominfo.rows)),
    ]


def _assert_held_back_summary(pull: SourcePull) -> None:
    summary = pull.rejects.filter(pl.col("source_file").str.ends_with("#Summary"))
    assert summary["reason"].str.starts_with("unrecognised export format").all()
    apollo = pull.rejects.filter(pl.col("source_file").str.ends_with("#Apollo"))
    assert apollo["reason"].str.starts_with("vendor 'apollo' is not declared").all()


# -- structural defects: rows conserved, the broken ones rejected with a reason


def _rejected_rows(reason: str, count: int) -> Callable[[SourcePull], None]:
    def check(pull: SourcePull) -> None:
        matching = pull.rejects.filter(pl.col("reason").str.contains(reason, literal=True))
        assert matching.height == count, pull.rejects.select("source_row", "reason")

    return check


STRUCTURAL_CHECKS = {
    "trailing-delimiter": _rejected_rows("too many columns", 1),
    "short-row": _rejected_rows("missing columns", 1),
}




def _rows_with(key: str, change: Callable[[list[list[str]]], str], defect: str) -> Case:
    """A demo export with one structural defect: every csv record is still accounted for."""
    demo = base(key)

    def make(inbox: Path) -> list[Written]:
        rows = [list(r) for r in demo.rows]
        text = change([demo.header, *rows])
        name = f"{defect}-{key}-2026-11-02.csv"
        _write(inbox, demo.source, name, text.encode("utf-8"))
        return [Written(name, csv_records(text))]

    return Case(f"{defect}[{key}]", demo.source, make, check=STRUCTURAL_CHECKS.get(defect))


def _nul_bytes(table: list[list[str]]) -> str:
    table[3][1] = table[3][1] + "\x00\x00"
    return table_text(table[0], table[1:])


def _stray_quote(table: list[list[str]]) -> str:
    text = table_text(table[0], table[1:])
    lines = text.split("\r\n")
    lines[4] = lines[4].replace(",", ',O"Brien ', 1)  # a quote inside an unquoted cell
    return "\r\n".join(lines)


def _unterminated_quote(table: list[list[str]]) -> str:
    text = table_text(table[0], table[1:])
    lines = text.split("\r\n")
    lines[-2] = '"' + lines[-2]  # the last row opens a quote that never closes
    return "\r\n".join(lines)


def _trailing_delimiter(table: list[list[str]]) -> str:
    text = table_text(table[0], table[1:])
    lines = text.split("\r\n")
    lines[2] = lines[2] + ","  # one field more than the header: the row's structure is broken
    return "\r\n".join(lines)


def _short_row(table: list[list[str]]) -> str:
    return table_text(table[0], table[1:]) + "only,three,cells\r\n"


def _multiline_cells(table: list[list[str]]) -> str:
    table[2][3] = "line one\nline two, with a comma and \"quotes\""
    return table_text(table[0], table[1:])


def _blank_lines_between(table: list[list[str]]) -> str:
    text = table_text(table[0], table[1:])
    lines = text.split("\r\n")
    return "\r\n".join([*lines[:3], "", "", *lines[3:]])


STRUCTURAL = {
    "nul-bytes": _nul_bytes,
    "stray-quote": _stray_quote,
    "unterminated-quote": _unterminated_quote,
    "trailing-delimiter": _trailing_delimiter,
    "short-row": _short_row,
    "multiline-cells": _multiline_cells,
    "blank-lines-between-rows": _blank_lines_between,
}


# -- emails that are addresses, or are not, on rows that are fine


def _email_cells(inbox: Path) -> list[Written]:
    rows = [
        {"Name": "Jane Doe", "E-mail": '"Jane Doe" <jane.doe@display.example>',
         "Organisation": "Display Ltd"},
        {"Name": "Ben Koch", "E-mail": "ben@xn--mnchen-3ya.de", "Organisation": "München AG"},
        {"Name": "Ana Ruiz", "E-mail": "ana@@double.example", "Organisation": "Double SL",
         "LinkedIn": "https://www.linkedin.com/in/ana-ruiz-double/"},
        {"Name": "Tom Berg", "E-mail": "N/A", "Organisation": "Placeholder AB",
         "LinkedIn": "https://www.linkedin.com/in/tom-berg-ph/"},
        {"Name": "Eva Lund", "E-mail": "eva@two.example; eva.lund@two.example",
         "Organisation": "Two Oy"},
        {"Name": "Kai Wu", "E-mail": "\tkai.wu@tab.example\u00a0", "Organisation": "Tab GmbH"},
        {"Name": "Liv Ek", "E-mail": "liv ek@spaced.example", "Organisation": "Spaced AB"},
    ]  # fmt: skip
    path = vh.write_export(inbox / "directory/emails-2026-11-02.csv", vh.DIRECTORY_LIST, rows)
    return [Written(path.name, len(rows))]


def _emails_are_parsed_or_flagged(pull: SourcePull) -> None:
    kept = pull.records.sort("source_row")
    assert pull.rejects.is_empty()  # each row names a person: none is rejected
    assert kept["email"].to_list() == [
        "jane.doe@display.example", "ben@xn--mnchen-3ya.de", None, None, None,
        "kai.wu@tab.example", None,
    ]  # fmt: skip
    flags = kept["data_quality"].to_list()
    assert flags[:2] == [None, None] and flags[5] is None
    assert flags[2] == "email: 'ana@@double.example' is not one valid address"
    assert flags[3] == "email: 'N/A' is a placeholder, not an address"
    assert "is not one valid address" in flags[4] and "is not a valid address" in flags[6]
    # the rows whose address is gone still carry what links them: LinkedIn, name + company
    assert kept["linkedin_url"][2] and kept["linkedin_url"][3]
    assert kept["company_name"][4] == "Two Oy" and kept["last_name"][4] == "Lund"


# -- dates in file names


def _dated(name: str, mtime: datetime | None = None) -> Callable[[Path], list[Written]]:
    def make(inbox: Path) -> list[Written]:
        demo = base("apollo")
        text = table_text(demo.header, demo.rows[:3])
        path = _write(inbox, "apollo", name, text.encode("utf-8"))
        if mtime is not None:
            os.utime(path, (mtime.timestamp(), mtime.timestamp()))
        return [Written(name, 3)]

    return make


def _pulled_at(expected: datetime, warning: str | None) -> Callable[[SourcePull], None]:
    def check(pull: SourcePull) -> None:
        assert pull.pulled_at == expected
        assert pull.records["pulled_at"].unique().to_list() == [expected]
        if warning is None:
            assert pull.warnings == []
        else:
            assert len(pull.warnings) == 1 and warning in pull.warnings[0]
            assert pull.files[0].source_file.split("/")[-1] in pull.warnings[0]

    return check


OCT_1 = datetime(2026, 10, 1, tzinfo=UTC)


# -- big and many


def _huge_cell(inbox: Path) -> list[Written]:
    rows = [
        {"Name": "Big Cell", "E-mail": "big@cell.example", "Sector": "x" * 10_000_000},
        {"Name": "Next Row", "E-mail": "next@row.example"},
    ]
    path = vh.write_export(inbox / "directory/huge-cell-2026-11-02.csv", vh.DIRECTORY_LIST, rows)
    return [Written(path.name, 2)]


def _many_columns(inbox: Path) -> list[Written]:
    header = ["Email", "Name", *(f"extra {i}" for i in range(99_998))]
    text = table_text(header, [["wide@table.example", "Wide Table", *[""] * 99_998]])
    _write(inbox, "directory", "wide-2026-11-02.csv", text.encode("utf-8"))
    return [Written("wide-2026-11-02.csv", 1)]


def _many_tiny_files(inbox: Path) -> list[Written]:
    folder = inbox / "directory"
    folder.mkdir(parents=True)
    written = []
    for i in range(500):
        name = f"tiny-{i:03d}-2026-11-02.csv"
        (folder / name).write_text(f"Name,Email,Company\nP{i} Tiny,p{i}@tiny.example,Tiny Co\n")
        written.append(Written(name, 1))
    return written


def _glob_and_odd_names(inbox: Path) -> list[Written]:
    demo = base("zoominfo")
    text = table_text(demo.header, demo.rows[:2])
    names = ["leads[1]*?.csv", "ünïcode naïve 2026-11-02.csv", "semi;colon,comma 2026.csv"]
    for name in names:
        _write(inbox, "directory", name, text.encode("utf-8"))
    return [Written(n, 2) for n in names]


def _non_utf8_name(inbox: Path) -> list[Written]:
    demo = base("zoominfo")
    folder = inbox / "directory"
    folder.mkdir(parents=True, exist_ok=True)
    raw_name = b"caf\xe9-leads-2026-11-02.csv"  # a cp1252 file name from a Windows share
    with open(os.path.join(os.fsencode(folder), raw_name), "wb") as handle:
        handle.write(table_text(demo.header, demo.rows[:2]).encode("utf-8"))
    return [Written("caf\\xe9-leads-2026-11-02.csv", 2)]


# -- what is not read


def _not_read(inbox: Path) -> list[Written]:
    folder = inbox / "directory"
    folder.mkdir(parents=True)
    (folder / "partner-upload-2026-11-03.csv").write_bytes(b"")
    (folder / "contacts.json").write_text("[]")
    (folder / "old-export.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "~$leads.xlsx").write_bytes(b"lock")
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    (folder / "outside").symlink_to("/etc", target_is_directory=True)
    (folder / "broken-2026-11-02.zip").write_bytes(b"PK\x03\x04 not really a zip")
    demo = base("zoominfo")
    text = table_text(demo.header, demo.rows[:2])
    (folder / "kept-2026-11-02.csv").write_text(text)
    (folder / "same-as-kept.csv").symlink_to(folder / "kept-2026-11-02.csv")
    return [Written("kept-2026-11-02.csv", 2), Written("same-as-kept.csv", 2)]


NOT_READ = (
    ("partner-upload-2026-11-03.csv", "empty file (0 bytes)"),
    ("contacts.json", "unsupported file type (.json)"),
    ("old-export.xls", "legacy Excel .xls workbook"),
    (".DS_Store", "hidden or temporary file"),
    ("~$leads.xlsx", "hidden or temporary file"),
    ("passwd.csv", "symlink pointing outside the inbox: refused"),
    ("outside/", "symlinked folder pointing outside the inbox: refused"),
    ("broken-2026-11-02.zip", "unreadable file"),
)


def _source_folder_linked_outside(inbox: Path) -> list[Written]:
    outside = inbox.parent / "elsewhere"
    demo = base("apollo")
    _write(outside, "exports", "apollo-2026-11-02.csv",
           table_text(demo.header, demo.rows[:2]).encode("utf-8"))  # fmt: skip
    (inbox / "apollo").symlink_to(outside / "exports", target_is_directory=True)
    _write(inbox, "directory", "kept-2026-11-02.csv",
           table_text(base("zoominfo").header, base("zoominfo").rows[:1]).encode("utf-8"))
    return []


def _undeclared_and_unknown(inbox: Path) -> list[Written]:
    demo = base("apollo")
    text = table_text(demo.header, demo.rows[:3])
    _write(inbox, "directory", "apollo-in-directory-2026-11-02.csv", text.encode("utf-8"))
    _write(inbox, "directory", "notes-2026-11-02.csv", b"meeting,when\r\nkickoff,monday\r\n")
    return [Written("apollo-in-directory-2026-11-02.csv", 3), Written("notes-2026-11-02.csv", 1)]


def _all_rejected_with(*starts: str) -> Callable[[SourcePull], None]:
    def check(pull: SourcePull) -> None:
        assert pull.records.is_empty()
        reasons = pull.rejects["reason"].to_list()
        assert all(any(r.startswith(s) for s in starts) for r in reasons), reasons

    return check


# -- the inbox itself


def _inbox_missing(inbox: Path) -> list[Written]:
    inbox.rmdir()
    return []


def _inbox_is_a_file(inbox: Path) -> list[Written]:
    inbox.rmdir()
    inbox.write_text("not a folder")
    return []


def _inbox_empty(inbox: Path) -> list[Written]:
    return []


def _inbox_with_empty_source_folders(inbox: Path) -> list[Written]:
    for source in SOURCES:
        (inbox / source).mkdir()
    (inbox / "directory/empty-2026-11-02.csv").write_bytes(b"")
    return []


def _damaged_text_file(inbox: Path) -> list[Written]:
    # a gzip stream cut short: the reader cannot get its text, and says which file
    data = gzip.compress(table_text(base("apollo").header, base("apollo").rows).encode())
    _write(inbox, "apollo", "cut-short-2026-11-02.csv.gz", data[: len(data) // 2])
    return []


CASES: list[Case] = [
    *(text_case(key, defect, **options) for defect, options in TEXT_DEFECTS for key in BASES),
    *(_zip_case(key) for key in BASES),
    *(_xlsx_case(key) for key in BASES),
    Case("xlsx-every-recognised-sheet", "directory", _two_sheet_workbook,
         check=_assert_held_back_summary),
    *(_rows_with(key, change, defect)
      for defect, change in STRUCTURAL.items() for key in ("apollo", "dach_list")),
    Case("emails-display-name-idn-and-malformed", "directory", _email_cells,
         check=_emails_are_parsed_or_flagged),
    # a pull's date and warnings belong to the whole pull: these cases pull alone
    Case("date-impossible-in-name", "apollo", _dated("a-2026-02-30.csv", OCT_1),
         check=_pulled_at(OCT_1, "not a calendar date"), shared=False),
    Case("date-in-the-future-in-name", "apollo", _dated("a-2099-01-01.csv", OCT_1),
         check=_pulled_at(OCT_1, "later than now"), shared=False),
    Case("date-future-mtime-no-name-date", "apollo",
         _dated("a.csv", datetime(2099, 5, 1, tzinfo=UTC)),
         check=_pulled_at(NOW, "later than now"), shared=False),
    Case("date-mtime-before-2000", "apollo", _dated("b.csv", datetime(1980, 1, 2, tzinfo=UTC)),
         check=_pulled_at(datetime(2000, 1, 1, tzinfo=UTC), "before 2000"), shared=False),
    Case("date-ordinary", "apollo", _dated("apollo-contacts-export-2026-11-02.csv", OCT_1),
         check=_pulled_at(datetime(2026, 11, 2, tzinfo=UTC), None), shared=False),
    Case("cell-of-10-mb", "directory", _huge_cell, shared=False),
    Case("100000-columns", "directory", _many_columns, shared=False),
    Case("500-tiny-files", "directory", _many_tiny_files, shared=False),
    Case("glob-and-odd-file-names", "directory", _glob_and_odd_names),
    Case("file-name-not-utf8", "directory", _non_utf8_name),
    Case("files-not-read-are-listed", "directory", _not_read, skipped=NOT_READ, shared=False),
    Case("source-folder-linked-outside-the-inbox", "apollo", _source_folder_linked_outside,
         skipped=(("apollo/", "symlinked folder pointing outside the inbox: refused"),),
         shared=False),
    Case("undeclared-vendor-and-unknown-format", "directory", _undeclared_and_unknown,
         check=_all_rejected_with("vendor 'apollo' is not declared",
                                  "unrecognised export format")),
    Case("inbox-missing", "apollo", _inbox_missing, fails_naming="does not exist", shared=False),
    Case("inbox-is-a-file", "apollo", _inbox_is_a_file, fails_naming="is not a folder",
         shared=False),
    Case("inbox-empty", "apollo", _inbox_empty, fails_naming="holds no export", shared=False),
    Case("inbox-with-only-empty-files", "apollo", _inbox_with_empty_source_folders,
         fails_naming="holds no export", shared=False),
    Case("damaged-gzip", "apollo", _damaged_text_file,
         fails_naming="apollo/cut-short-2026-11-02.csv.gz", shared=False),
]  # fmt: skip


@cache
def _clean_records(source: str, text: str) -> pl.DataFrame:
    """What a clean UTF-8 copy of a table reads as (cached: many defects share one)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        inbox = Path(tmp)
        _write(inbox, source, "clean-2026-11-02.csv", text.encode("utf-8"))
        pull = pull_source_from_inbox(
            con, inbox, source, declared_vendors=VENDORS[source], consent_basis="consent", now=NOW
        )
    return pull.records.select(COMPARED).sort("source_row")


def _pull(con: duckdb.DuckDBPyConnection, inbox: Path, source: str) -> SourcePull:
    check_inbox(inbox, SOURCES)
    return pull_source_from_inbox(
        con, inbox, source, declared_vendors=VENDORS[source], consent_basis="consent", now=NOW
    )


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory DuckDB for the module's pulls: they read files and write no table."""
    connection = duckdb.connect()
    yield connection
    connection.close()


@dataclass(frozen=True)
class SharedPulls:
    """One inbox holding every shared case's files, pulled once per source."""

    pulls: dict[str, SourcePull]
    written: dict[str, list[Written]]  # case id -> its files


@pytest.fixture(scope="module")
def shared(con: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory) -> SharedPulls:
    inbox = tmp_path_factory.mktemp("campaign") / "inbox"
    inbox.mkdir()
    written = {case.id: case.make(inbox) for case in CASES if case.shared}
    sources = {case.source for case in CASES if case.shared}
    return SharedPulls({source: _pull(con, inbox, source) for source in sources}, written)


def _container(name: str) -> str:
    return name.split("#", 1)[0]


def _only(pull: SourcePull, source: str, written: list[Written]) -> SourcePull:
    """The part of a pull that comes from one case's files."""
    files = {f"{source}/{w.name}" for w in written}
    containers = {_container(f) for f in files}
    mine = pl.col("source_file").is_in(list(files))
    return SourcePull(
        pull.source,
        pull.snapshot_id,
        pull.pulled_at,
        pull.records.filter(mine),
        pull.rejects.filter(mine),
        [r for r in pull.files if r.source_file in files],
        [s for s in pull.skipped if _container(s.path) in containers],
        pull.warnings,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_defective_export(
    case: Case, con: duckdb.DuckDBPyConnection, inbox: Path, request: pytest.FixtureRequest
) -> None:
    if case.shared:
        pulls: SharedPulls = request.getfixturevalue("shared")
        written = pulls.written[case.id]
        pull = _only(pulls.pulls[case.source], case.source, written)
    else:
        written = case.make(inbox)
        if case.fails_naming is not None:
            with pytest.raises((InboxError, ExportReadError)) as failure:
                _pull(con, inbox, case.source)
            message = str(failure.value)
            assert case.fails_naming in message
            # the message names the path: the inbox, or the file inside it
            assert str(inbox) in message or case.fails_naming.startswith(case.source)
            return
        pull = _pull(con, inbox, case.source)
    reports = {r.source_file.split("/", 1)[1]: r for r in pull.files}
    # every file written is read, and every one of its csv records is a record or a reject
    assert set(reports) == {w.name for w in written}
    for w in written:
        report = reports[w.name]
        assert report.data_rows == w.records, w.name
        assert report.records + report.rejects == w.records, w.name
    stored = pl.concat([pull.records.select("source_file", "source_row"),
                        pull.rejects.select("source_file", "source_row")])  # fmt: skip
    assert stored.height == sum(w.records for w in written)
    assert not stored.filter(pl.col("source_row").is_not_null()).is_duplicated().any()
    assert (pull.rejects["reason"].fill_null("").str.len_chars() > 0).all()
    for w in written:
        if w.clean_text is not None:
            read = pull.records.filter(pl.col("source_file") == f"{case.source}/{w.name}")
            assert read.select(COMPARED).sort("source_row").equals(
                _clean_records(case.source, w.clean_text)
            ), w.name
    listed = [(s.path, s.reason) for s in pull.skipped]
    for tail, reason in case.skipped:
        assert any(p.endswith(tail) and reason in r for p, r in listed), (tail, listed)
    assert len(listed) == len(case.skipped), listed
    if case.check is not None:
        case.check(pull)


def test_the_campaign_has_at_least_a_hundred_cases() -> None:
    assert len(CASES) >= 100


def test_unknown_folders_and_manifest_gaps_are_listed(inbox: Path) -> None:
    (inbox / "sales-navigator").mkdir()
    (inbox / "apollo").mkdir()
    (inbox / "suppression").mkdir()
    (inbox / "leads.csv").write_text("Email\na@b.example\n")
    (inbox / "elsewhere").symlink_to("/etc", target_is_directory=True)
    listed = {
        s.path: s.reason
        for s in survey_inbox(inbox, SOURCES, ["apollo", "cognism", "hubspot_lists"])
    }
    assert "did you mean sales_navigator/?" in listed["sales-navigator/"]
    assert listed["leads.csv"].startswith("file at the inbox root")
    assert listed["elsewhere"] == "symlink pointing outside the inbox: refused"
    assert listed["cognism/"] == "declared source with no folder in the inbox"
    assert "no raw table" in listed["hubspot_lists/"]
    assert "apollo/" not in listed and "suppression/" not in listed


# ---------------------------------------------------------------------------------------------
# Real runs on a store that held a good build


def _raw_run(
    build: Build, only: tuple[str, ...] = ()
) -> tuple[dg.ExecuteInProcessResult, str, dict[str, int]]:
    """Materialise raw/* (or the raw assets named): (result, failures, rows per raw view)."""
    defs = bound_defs(build.folder, build.inbox)
    job = defs.resolve_implicit_global_asset_job_def()
    raw_keys = [
        k for k in job.asset_layer.executable_asset_keys
        if k.path[0] == "raw" and (not only or k.path[1] in only)
    ]  # fmt: skip
    result = job.execute_in_process(
        instance=shared_instance(), asset_selection=raw_keys, raise_on_error=False
    )
    failures = "\n".join(
        str(e.step_failure_data.user_failure_data.description)
        for e in result.all_events
        if e.is_step_failure and e.step_failure_data.user_failure_data is not None
    )
    return result, failures, _view_counts(build)


def _view_counts(build: Build) -> dict[str, int]:
    with duckdb.connect(str(build.store), read_only=True) as con:
        return {
            t: con.sql(f"select count(*) from raw.{t}").fetchall()[0][0]
            for t in [*SOURCES, "rejects"]
        }


def test_a_missing_inbox_fails_naming_it_and_keeps_the_last_good_views(
    demo_copy: Build,
) -> None:
    before = _view_counts(demo_copy)
    assert min(before[s] for s in SOURCES) > 0
    shutil.rmtree(demo_copy.inbox)
    result, failures, after = _raw_run(demo_copy)
    assert not result.success
    for source in SOURCES:
        assert f"raw/{source}: inbox {demo_copy.inbox} does not exist" in failures
    assert "the last good snapshot" in failures
    assert after == before


def test_an_emptied_source_folder_keeps_its_last_pull_and_says_so(demo_copy: Build) -> None:
    before = _view_counts(demo_copy)
    for path in (demo_copy.inbox / "cognism").iterdir():
        path.unlink()
    (demo_copy.inbox / "cognism/cognism-export-2026-12-01.xls").write_bytes(b"\xd0\xcf")
    (demo_copy.inbox / "sales-navigator").mkdir()
    result, failures, after = _raw_run(demo_copy, only=("cognism", "rejects"))
    assert result.success, failures
    assert after == before and before["cognism"] > 0
    events = {
        e.asset_key.path[1]: e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    metadata = events["cognism"]
    assert metadata["kept_previous"].value is True
    assert "legacy Excel .xls workbook" in metadata["not_read"].value
    # what no pull reads at the top of the inbox is listed on raw/rejects
    assert "- sales-navigator/: unknown folder" in events["rejects"]["inbox_not_read"].value
    assert "did you mean sales_navigator/?" in events["rejects"]["inbox_not_read"].value
    # and the run log says it too
    log = [e.user_message for e in shared_instance().all_logs(result.run_id)]
    assert any(
        "cognism/cognism-export-2026-12-01.xls: not read: legacy Excel" in m for m in log
    ), log
    assert any("has no export to read; the last good snapshot" in m for m in log)
    assert any("inbox: sales-navigator/: not read: unknown folder" in m for m in log)
