"""`every_raw_record_linked_once` counts, in DuckDB, how `core.contact_links` covers the raw
records: on the built demo exactly, and each kind of gap when the links are damaged."""

from __future__ import annotations

import duckdb

from leadgen_pipeline.layers.core.links import LinkCoverage, link_coverage
from leadgen_pipeline_tests.builds import Build


def test_the_demo_links_every_raw_record_exactly_once(demo_copy: Build) -> None:
    with duckdb.connect(str(demo_copy.store)) as con:
        assert link_coverage(con) == LinkCoverage(unlinked=0, linked_twice=0, orphans=0)


def test_a_lost_a_doubled_and_an_orphan_link_are_each_counted(demo_copy: Build) -> None:
    with duckdb.connect(str(demo_copy.store)) as con:
        first, second = con.execute(
            "select snapshot_id, source_file, source_row from core.contact_links "
            "order by source_file, source_row limit 2"
        ).fetchall()
        lost = "snapshot_id = ? and source_file = ? and source_row = ?"
        con.execute(f"delete from core.contact_links where {lost}", list(first))
        # a link to a row no raw table holds, and the second record linked twice
        con.execute(
            "insert into core.contact_links select * replace (source_row + 1000000 as "
            f"source_row) from core.contact_links where {lost}",
            list(second),
        )
        con.execute(
            f"insert into core.contact_links select * from core.contact_links where {lost}",
            list(second),
        )
        coverage = link_coverage(con)
    assert coverage == LinkCoverage(unlinked=1, linked_twice=2, orphans=1)
    assert not coverage.exact
