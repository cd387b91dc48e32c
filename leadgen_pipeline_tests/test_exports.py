"""Handoff exports: cells safe against CSV injection, awkward names intact, read back with
Python's csv module; headers the CRMs' imports map."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.score.exports import (
    HEADERS,
    engagement_history,
    neutralise,
    write_exports,
)
from leadgen_pipeline_tests.builds import Build, RunSummary

AWKWARD = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tleading tab",
    "\rcarriage return",
    'O\'Brien, "Jr."',
    "line one\nline two",
    "Zoë, Ünal & Søn",
    "plain",
]


def leads(values: list[str], channel: str = "email") -> pl.DataFrame:
    """Routed-lead export rows whose names, title and opener carry `values`."""
    rows = []
    for i, value in enumerate(values):
        row: dict[str, object] = dict.fromkeys(HEADERS.values())
        row |= {"person_id": f"p_{i:016x}", "first_name": value, "last_name": value,
                "title": value, "company_name": value, "opener": value, "channel": channel,
                "segment": "fintech_scaleups_eu", "priority": i + 1, "score": 3, "tier": "high",
                "email": f"p{i}@example.com", "phone": "+442079460958"}  # fmt: skip
        rows.append(row)
    return pl.DataFrame(rows).select(list(HEADERS.values()))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), ("plain", "plain"), (None, None),
    ],
)  # fmt: skip
def test_formula_starts_are_neutralised(cell: str | None, safe: str | None) -> None:
    assert pl.select(neutralise(pl.lit(cell, dtype=pl.String))).item() == safe


def test_the_csv_reads_back_with_every_cell_safe_and_intact(tmp_path: Path) -> None:
    files = write_exports(leads(AWKWARD), tmp_path, date(2026, 11, 25))
    assert set(files["format"]) == {"csv", "parquet"} and files["rows"].to_list() == [10, 10]
    path = tmp_path / "2026-11-25" / "email.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(HEADERS)
    assert len(rows) == len(AWKWARD)
    for value, row in zip(AWKWARD, rows, strict=True):
        for header in ("First Name", "Last Name", "Job Title", "Company Name", "Personalization"):
            cell = row[header]
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (header, cell)
            # the value itself survives: a leading apostrophe is all that is added
            assert cell in (value, "'" + value)
        assert row["Phone Number"] == "'+442079460958"
    # the Parquet file keeps the values as they are, for tools that read types
    parquet = pl.read_parquet(tmp_path / "2026-11-25" / "email.parquet")
    assert parquet["First Name"].to_list() == AWKWARD


def test_one_file_pair_per_channel(tmp_path: Path) -> None:
    frame = pl.concat([leads(["a"], "email"), leads(["b", "c"], "nurture")])
    files = write_exports(frame, tmp_path, date(2026, 11, 25))
    assert sorted(files.select("channel", "format", "rows").rows()) == [
        ("email", "csv", 1), ("email", "parquet", 1),
        ("nurture", "csv", 2), ("nurture", "parquet", 2),
    ]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "2026-11-25").iterdir()) == [
        "email.csv", "email.parquet", "nurture.csv", "nurture.parquet",
    ]  # fmt: skip


def test_the_headers_are_the_crm_import_labels() -> None:
    # HubSpot's default contact property labels and Instantly's personalization variable
    assert list(HEADERS)[:10] == [
        "Email", "First Name", "Last Name", "Job Title", "Company Name", "Website URL",
        "Country/Region", "Phone Number", "LinkedIn URL", "Personalization",
    ]  # fmt: skip


def test_engagement_history_from_a_hubspot_deals_export(tmp_path: Path) -> None:
    crm = tmp_path / "crm"
    crm.mkdir()
    (crm / "hubspot-crm-exports-all-deals-2026-11-19.csv").write_text(
        '"Record ID","Deal Name","Deal Stage","Amount","Close Date","Last Activity Date",'
        '"Associated Contact"\n'
        '"1","Acme - New Business","Closed Won","100","2026-01-04","2025-12-22",'
        '"Mei.Turner@acme.example"\n'
        '"2","Acme - Expansion","Appointment Scheduled","50","2026-03-01","2026-02-02",'
        '"mei.turner@acme.example"\n'
    )
    (crm / "notes.csv").write_text("a,b\n1,2\n")
    with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        history, unread = engagement_history(con, tmp_path)
    assert history.rows() == [(
        "mei.turner@acme.example",
        "Acme - Expansion (Appointment Scheduled, last activity 2026-02-02); "
        "Acme - New Business (Closed Won, last activity 2025-12-22)",
    )]  # fmt: skip
    assert unread == ["crm/notes.csv: no contact email or stage column"]


def test_a_builds_exports_and_reports_land_beside_its_duckdb_file(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    with duckdb.connect(str(build.store), read_only=True) as con:
        paths = [Path(p) for (p,) in con.sql("select path from score.handoff_exports").fetchall()]
    assert paths and all(p.parent.parent == build.folder / "exports" for p in paths)
    assert all(p.is_file() for p in paths)
    assert any((build.folder / "reports").iterdir())
