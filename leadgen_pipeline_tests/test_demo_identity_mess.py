"""The generator's identity messes (`--messes`): each effect is in the written files, the
ground truth and the manifest stay exact, the same seed gives the same bytes, and the raw
layer keeps the messy rows as records."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest

from leadgen_pipeline.demo.generator import InboxSummary, generate_inbox, main
from leadgen_pipeline.demo.identity_mess import EFFECTS
from leadgen_pipeline.layers.config.provenance import load_source_manifest
from leadgen_pipeline.layers.raw.ingest import SourcePull, pull_source_from_inbox
from leadgen_pipeline_tests.test_demo_generator import _rows

AS_OF = date(2026, 11, 20)
CONTACT_SOURCES = ("apollo", "cognism", "sales_navigator", "directory")
PEOPLE, SEED = 600, 7
SPACES = ("\t", "\u00a0")

Row = dict[str, str]


def _records(path: Path) -> list[Row]:
    """Data rows by header name, numbered from 1 as the ground truth numbers them."""
    header, *rows = _rows(path)
    return [dict(zip(header, row, strict=False)) for row in rows]


def _wrapped(cell: str) -> bool:
    """Whether an email cell starts or ends with a TAB or a no-break space."""
    return bool(cell) and (cell[0] in SPACES or cell[-1] in SPACES)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InboxSummary]:
    root = tmp_path_factory.mktemp("messy")
    return root, generate_inbox(root, people=PEOPLE, seed=SEED, as_of=AS_OF, messes=True)


@pytest.fixture(scope="module")
def person_of(inbox: tuple[Path, InboxSummary]) -> dict[tuple[str, int], str]:
    root, _ = inbox
    with (root / "_ground_truth.csv").open(newline="") as handle:
        return {
            (r["source_file"], int(r["source_row"])): r["person_key"]
            for r in csv.DictReader(handle)
        }


def _vendor_files(root: Path, folder: str, prefix: str) -> dict[str, list[Row]]:
    return {
        p.relative_to(root).as_posix(): _records(p)
        for p in sorted((root / folder).glob(f"{prefix}*.csv"))
    }


def test_every_effect_is_counted_in_the_manifest(inbox: tuple[Path, InboxSummary]) -> None:
    root, summary = inbox
    manifest = json.loads((root / "_manifest.json").read_text())
    assert summary.messes is not None
    assert manifest["messes"] == summary.messes
    assert list(summary.messes) == list(EFFECTS)
    assert all(n > 0 for n in summary.messes.values()), summary.messes


def test_a_clean_inbox_has_no_messes_and_the_same_other_files(
    inbox: tuple[Path, InboxSummary], tmp_path: Path
) -> None:
    root, _ = inbox
    summary = generate_inbox(tmp_path, people=PEOPLE, seed=SEED, as_of=AS_OF)
    assert summary.messes is None
    assert "messes" not in json.loads((tmp_path / "_manifest.json").read_text())
    # the messes rewrite contact files only: signals, verifications, CRM and suppression
    # lists are the clean inbox's, byte for byte
    others = [
        p.relative_to(tmp_path)
        for p in _files(tmp_path)
        if p.parent != tmp_path and p.relative_to(tmp_path).parts[0] not in CONTACT_SOURCES
    ]
    assert others
    for name in others:
        assert (root / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_apollo_has_tab_and_nbsp_wrapped_emails_and_double_encoded_urls(
    inbox: tuple[Path, InboxSummary],
) -> None:
    root, summary = inbox
    rows = [r for rows in _vendor_files(root, "apollo", "apollo-").values() for r in rows]
    wrapped = [r["Email"] for r in rows if _wrapped(r["Email"])]
    assert len(wrapped) == summary.messes["tab_nbsp_email"]  # type: ignore[index]
    assert {w[0] if w[0] in SPACES else w[-1] for w in wrapped} == set(SPACES)
    for cell in wrapped:
        assert re.fullmatch(r"[^@\s\u00a0]+@[^@\s\u00a0]+", cell.strip("".join(SPACES)))
    encoded = [r["Person Linkedin Url"] for r in rows if "%252F" in r["Person Linkedin Url"]]
    assert len(encoded) == summary.messes["double_encoded_url"]  # type: ignore[index]
    assert all("linkedin.com%252Fin%252F" in url for url in encoded)


def test_lusha_has_an_unreadable_email_on_a_row_with_linkedin(
    inbox: tuple[Path, InboxSummary],
) -> None:
    root, _ = inbox
    rows = [r for rows in _vendor_files(root, "directory", "lusha-").values() for r in rows]
    assert any(r["Work Email"] == "N/A" and "linkedin.com/" in r["LinkedIn URL"] for r in rows)


def test_a_cognism_export_holds_its_rows_twice(inbox: tuple[Path, InboxSummary]) -> None:
    root, summary = inbox
    doubled = []
    for path in sorted((root / "cognism").glob("cognism-export-*.csv")):
        data = _rows(path)[1:]
        half = len(data) // 2
        if data and len(data) % 2 == 0 and data[:half] == data[half:]:
            doubled.append(half)
    assert doubled == [summary.messes["concatenated_export"]]  # type: ignore[index]


def test_job_changers_are_linked_to_an_old_apollo_row_only_by_their_history(
    inbox: tuple[Path, InboxSummary], person_of: dict[tuple[str, int], str]
) -> None:
    root, summary = inbox
    old_jobs: dict[str, set[str]] = defaultdict(set)  # person -> companies in Apollo, no LinkedIn
    for name, rows in _vendor_files(root, "apollo", "apollo-").items():
        for n, row in enumerate(rows, start=1):
            if not row["Person Linkedin Url"] and row.get("Company Name"):
                old_jobs[person_of[(name, n)]].add(row["Company Name"])
    linked = set()
    for name, rows in _vendor_files(root, "directory", "zoominfo-").items():
        for n, row in enumerate(rows, start=1):
            person = person_of[(name, n)]
            if row["Previous Company Name"] in old_jobs[person]:
                assert row["Company Name"] not in old_jobs[person]
                linked.add(person)
    assert len(linked) >= summary.messes["job_change_history"] > 0  # type: ignore[index]


def test_a_zoominfo_contact_id_is_given_to_two_people(
    inbox: tuple[Path, InboxSummary], person_of: dict[tuple[str, int], str]
) -> None:
    root, _ = inbox
    by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)  # id -> (person, LinkedIn URL)
    for name, rows in _vendor_files(root, "directory", "zoominfo-").items():
        for n, row in enumerate(rows, start=1):
            by_id[row["ZoomInfo Contact ID"]].append(
                (person_of[(name, n)], row["LinkedIn Contact Profile URL"])
            )
    shared = [rows for rows in by_id.values() if len({p for p, _ in rows}) > 1]
    assert shared
    for rows in shared:  # the receiving contact has no LinkedIn URL of its own
        assert any(not url for _, url in rows)


def test_a_numbered_namesake_is_another_person(
    inbox: tuple[Path, InboxSummary], person_of: dict[tuple[str, int], str]
) -> None:
    root, summary = inbox
    zoominfo = {}
    for name, rows in _vendor_files(root, "directory", "zoominfo-").items():
        for n, row in enumerate(rows, start=1):
            zoominfo[row["Email Address"].strip().lower()] = (row, person_of[(name, n)])
    namesakes = 0
    for name, rows in _vendor_files(root, "directory", "lusha-").items():
        for n, row in enumerate(rows, start=1):
            if not person_of[(name, n)].startswith("NAMESAKE"):
                continue
            local, _, domain = row["Work Email"].lower().partition("@")
            stem, plus, tag = local.partition("+")
            assert stem.endswith("2") and not row["LinkedIn URL"], row["Work Email"]
            original, person = zoominfo[f"{stem[:-1]}{plus}{tag}@{domain}"]
            assert (row["First Name"], row["Last Name"], row["Company Name"]) == (
                original["First Name"], original["Last Name"], original["Company Name"],
            )  # fmt: skip
            assert not person.startswith("NAMESAKE")
            namesakes += 1
    assert namesakes == summary.messes["numbered_namesake"] > 0  # type: ignore[index]


def test_ground_truth_and_manifest_cover_every_row(
    inbox: tuple[Path, InboxSummary], person_of: dict[tuple[str, int], str]
) -> None:
    root, summary = inbox
    manifest = json.loads((root / "_manifest.json").read_text())
    on_disk = {p.relative_to(root).as_posix() for p in _files(root) if p.parent != root}
    assert on_disk == set(manifest["records"]) == set(summary.records)
    not_people = {
        (row["file"], row["row"])
        for row in manifest["deliberate_rows"]
        if not row["readable"] or row["kind"] == "no_identity"
    }
    expected = set()
    for relpath, count in manifest["records"].items():
        assert max(len(_rows(root / relpath)) - 1, 0) == count, relpath
        contacts = relpath.split("/")[0] in CONTACT_SOURCES
        if contacts and relpath not in manifest["unknown_format_files"]:
            expected |= {(relpath, n) for n in range(1, count + 1)} - not_people
    assert set(person_of) == expected
    assert len(person_of) == sum(manifest["person_records"].values())
    namesakes = {p for p in person_of.values() if p.startswith("NAMESAKE")}
    assert len(namesakes) == summary.messes["numbered_namesake"]  # type: ignore[index]


def test_same_seed_writes_byte_identical_messy_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate_inbox(first, people=300, seed=3, as_of=AS_OF, messes=True)
    generate_inbox(second, people=300, seed=3, as_of=AS_OF, messes=True)
    names = [p.relative_to(first) for p in _files(first)]
    assert names == [p.relative_to(second) for p in _files(second)]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_command_line_flag_adds_the_messes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--out", str(tmp_path), "--people", "300", "--seed", "3", "--messes"])
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert list(manifest["messes"]) == list(EFFECTS)
    assert manifest["messes"]["concatenated_export"] > 0
    assert "messes (rows): tab_nbsp_email " in capsys.readouterr().out


def test_the_raw_layer_keeps_the_messy_rows_as_records(
    inbox: tuple[Path, InboxSummary],
) -> None:
    root, _ = inbox
    messy: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for folder, prefix, column in (("apollo", "apollo-", "Email"),
                                   ("directory", "lusha-", "Work Email")):  # fmt: skip
        for name, rows in _vendor_files(root, folder, prefix).items():
            for n, row in enumerate(rows, start=1):
                cell = row[column]
                if cell == "N/A" or _wrapped(cell):
                    messy[folder].add((name, n))
    assert messy["apollo"] and messy["directory"]
    con = duckdb.connect()
    for source, rows in messy.items():
        pull = _pull(con, root, source)
        kept = set(pull.records.select("source_file", "source_row").iter_rows())
        assert rows <= kept, source
        rejected = set(pull.rejects.select("source_file", "source_row").iter_rows())
        assert not rows & rejected, source
    con.close()


def _pull(con: duckdb.DuckDBPyConnection, root: Path, source: str) -> SourcePull:
    """One source of the inbox through the raw layer, with the project's declared vendors."""
    manifest = load_source_manifest(Path(__file__).resolve().parents[1] / "data/sources.yaml")
    provenance = manifest.provenance_for(source)
    assert provenance is not None
    return pull_source_from_inbox(
        con, root, source, declared_vendors=provenance.vendors,
        consent_basis=provenance.consent_basis,
    )  # fmt: skip
