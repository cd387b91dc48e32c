"""A vendor id (or an address) two different people share is evidence, not proof: it never
puts two LinkedIn identities into one person, and the build stays green."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import bound_defs, run_all
from leadgen_pipeline_tests.test_resolve import people, records


def test_a_shared_vendor_id_does_not_merge_two_linkedin_identities() -> None:
    linked = link_records(
        records(
            # ZoomInfo gave one Contact ID to two people; only the first has LinkedIn here
            {"title": "x", "vendor": "zoominfo", "source_record_id": "1234567",
             "linkedin_url": "https://www.linkedin.com/in/ann-lee", "email": "ann@acme.io"},
            {"title": "y", "vendor": "zoominfo", "source_record_id": "1234567",
             "email": "bo.chen@acme.io"},
            # ... and the second person is on LinkedIn through another export
            {"title": "z", "email": "bo.chen@acme.io",
             "linkedin_url": "https://www.linkedin.com/in/bo-chen"},
            {"title": "w", "linkedin_url": "https://www.linkedin.com/in/ann-lee"},
        )
    )  # fmt: skip
    clusters = people(linked)
    assert {"x", "w"} <= next(c for c in clusters if "x" in c)
    assert not any({"x", "z"} <= c for c in clusters)  # never one person with both slugs
    # the address is the stronger of the two weak links: y stays with z
    assert {"y", "z"} <= next(c for c in clusters if "z" in c)
    slugs = linked.group_by("cluster_id").agg(pl.col("linkedin_slug").drop_nulls().n_unique())
    assert slugs["linkedin_slug"].max() == 1


def test_a_vendor_id_on_two_rows_of_one_export_links_no_one() -> None:
    # one Contact ID on two rows of one ZoomInfo export, only one person on LinkedIn
    export = {"vendor": "zoominfo", "source_record_id": "7654321",
              "source_file": "directory/zoominfo.csv"}  # fmt: skip
    linked = link_records(
        records(
            {**export, "title": "ann", "source_row": 1, "first_name": "Ann",
             "last_name": "Lee", "linkedin_url": "https://www.linkedin.com/in/ann-lee"},
            {**export, "title": "bo", "source_row": 2, "first_name": "Bo", "last_name": "Chen",
             "email": "bo.chen@acme.io"},
            # the id in another export of the vendor says nothing about which of the two
            {**export, "title": "later", "source_file": "directory/zoominfo-2.csv",
             "source_row": 1},
        )
    )  # fmt: skip
    assert people(linked) == [{"ann"}, {"bo"}, {"later"}]


def test_the_build_stays_green_when_a_vendor_id_is_shared(tmp_path: Path, inbox: Path) -> None:
    vh.write_export(inbox / "directory/zoominfo-contacts-export-2026-11-05.csv", vh.ZOOMINFO, [
        {"ZoomInfo Contact ID": "1234567", "First Name": "Ann", "Last Name": "Lee",
         "Email Address": "ann@acme-tools.io",
         "LinkedIn Contact Profile URL": "https://www.linkedin.com/in/ann-lee"},
        {"ZoomInfo Contact ID": "1234567", "First Name": "Bo", "Last Name": "Chen",
         "Email Address": "bo.chen@acme-tools.io"},
    ])  # fmt: skip
    vh.write_export(inbox / "apollo/apollo-contacts-export-2026-11-04.csv", vh.APOLLO_2026, [
        {"First Name": "Bo", "Last Name": "Chen", "Email": "bo.chen@acme-tools.io",
         "Person Linkedin Url": "https://www.linkedin.com/in/bo-chen"},
    ])  # fmt: skip
    result = run_all(bound_defs(tmp_path, inbox), raise_on_error=False)
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert result.success and failed == []
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        ((people_count,),) = con.sql("select count(*) from core.contacts").fetchall()
    assert people_count == 2
