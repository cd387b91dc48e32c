"""The same inbox gives the same people whatever the row order: every export's rows
shuffled, built in a fresh store, and every record lands with the same `person_id`."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

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


@pytest.fixture(scope="module")
def shuffled_build(
    demo_build: tuple[Build, RunSummary], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo with every export's rows shuffled, built once in a fresh store."""
    demo, _ = demo_build
    root = tmp_path_factory.mktemp("shuffled")
    shuffled = root / "shuffled_inbox"
    shutil.copytree(demo.inbox, shuffled)
    rng = random.Random(20261201)
    touched = [p for p in sorted(shuffled.rglob("*.csv")) if _shuffle_rows(p, rng)]
    assert len(touched) >= 8  # most exports really are reordered
    folder = root / "build"
    folder.mkdir()
    summary, _ = build_demo(folder, inbox_source=shuffled)
    assert summary.success
    return folder / "leadgen.duckdb"


def test_shuffled_exports_give_every_record_the_same_person(
    demo_build: tuple[Build, RunSummary], shuffled_build: Path
) -> None:
    demo, _ = demo_build
    before = people_by_content(demo.store).sort("source_file", "content", "person_id")
    after = people_by_content(shuffled_build).sort("source_file", "content", "person_id")
    assert before.height == after.height
    assert before.equals(after)


def _contacts_by_content(store: Path) -> pl.DataFrame:
    """`core.contacts` with each lineage pointer replaced by what its record says: a
    shuffled file renumbers its rows (and so its snapshot), never what a row says."""
    content = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    union = " union all ".join(
        f"select format('{{}}:{{}}#{{}}@{{}}', source, source_file, source_row, snapshot_id) "
        f"as pointer, to_json(struct_pack({content}))::varchar as content from raw.{source}"
        for source in SOURCES
    )
    with duckdb.connect(str(store), read_only=True) as con:
        contacts = con.sql("select * from core.contacts").pl()
        records = con.sql(union).pl()
    said = dict(records.iter_rows())
    fields = contacts.schema["lineage"].fields  # type: ignore[attr-defined]
    lineage = pl.struct(
        *(
            pl.col("lineage").struct.field(f.name).replace_strict(said, default=None).alias(f.name)
            for f in fields
        )
    )
    pointers = pl.concat_list(pl.col("lineage").struct.field(f.name) for f in fields)
    return contacts.with_columns(
        # a pointer that names no raw row of the store would be a survivorship bug
        pointers.list.eval(pl.element().is_in(list(said)) | pl.element().is_null())
        .list.all()
        .alias("lineage_resolves"),
        lineage.alias("lineage"),
    ).sort("person_id")


def test_shuffled_exports_give_the_same_contacts_and_accounts(
    demo_build: tuple[Build, RunSummary], shuffled_build: Path
) -> None:
    demo, _ = demo_build
    before, after = _contacts_by_content(demo.store), _contacts_by_content(shuffled_build)
    assert before["lineage_resolves"].all() and after["lineage_resolves"].all()
    assert before.height == after.height
    changed = before.join(after, on="person_id", how="anti").height
    assert changed == 0
    for column in before.columns:
        differ = before.filter(before[column].ne_missing(after[column])).height
        assert differ == 0, f"{differ} contacts differ in {column}"
    with (
        duckdb.connect(str(demo.store), read_only=True) as a,
        duckdb.connect(str(shuffled_build), read_only=True) as b,
    ):
        accounts_before = a.sql("select * from core.accounts order by company_domain").pl()
        accounts_after = b.sql("select * from core.accounts order by company_domain").pl()
    for column in accounts_before.columns:
        differ = accounts_before.filter(
            accounts_before[column].ne_missing(accounts_after[column])
        ).height
        assert differ == 0, f"{differ} accounts differ in {column}"
