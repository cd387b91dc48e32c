"""The same inbox gives the same people whatever the row order: every export's rows
shuffled, built in a fresh store, and every record lands with the same `person_id`."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.layers.raw.canonical import RECORD_COLUMNS, SOURCES
from leadgen_pipeline_tests.builds import Build, RunSummary, build_demo


def _shuffle_rows(path: Path, rng: random.Random) -> bool:
    """Shuffle a CSV's data rows in place (same encoding, header first); False, and the file
    untouched, when Python's csv module does not read it as one clean table."""
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    rows = list(csv.reader(text.splitlines(keepends=True)))
    if len(rows) < 3 or len({len(r) for r in rows}) != 1:
        return False
    header, body = rows[0], rows[1:]
    rng.shuffle(body)
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n" if b"\r\n" in raw else "\n").writerows(
            [header, *body]
        )
    return True


def people_by_content(store: Path) -> pl.DataFrame:
    """(record content, person_id) for every linked record of the latest pulls."""
    content = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    union = " union all ".join(
        f"select source_file, source_row, to_json(struct_pack({content}))::varchar as content "
        f"from raw.{source}"
        for source in SOURCES
    )
    with duckdb.connect(str(store), read_only=True) as con:
        return con.sql(
            f"select r.source_file, r.content, l.person_id from ({union}) r "
            "join core.contact_links l using (source_file, source_row)"
        ).pl()


def test_shuffled_exports_give_every_record_the_same_person(
    demo_build: tuple[Build, RunSummary], tmp_path: Path
) -> None:
    demo, _ = demo_build
    shuffled = tmp_path / "shuffled_inbox"
    shutil.copytree(demo.inbox, shuffled)
    rng = random.Random(20261201)
    touched = [p for p in sorted(shuffled.rglob("*.csv")) if _shuffle_rows(p, rng)]
    assert len(touched) >= 8  # most exports really are reordered
    folder = tmp_path / "build"
    folder.mkdir()
    summary, _ = build_demo(folder, inbox_source=shuffled)
    assert summary.success

    before = people_by_content(demo.store).sort("source_file", "content", "person_id")
    after = people_by_content(folder / "leadgen.duckdb").sort("source_file", "content", "person_id")
    assert before.height == after.height
    assert before.equals(after)
