"""Two exports concatenated into one file (a Cognism habit) list the same person twice: the
repeated row is one person, while two different rows of one file stay two people."""

from __future__ import annotations

from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline_tests.test_resolve import people, records


def test_a_row_repeated_in_one_file_is_one_person() -> None:
    row = {"first_name": "Ann", "last_name": "Lee", "company_name": "Acme",
           "company_domain": "acme-tools.io", "source_file": "cognism/export.csv"}  # fmt: skip
    linked = link_records(
        records(
            {**row, "title": "first", "source_row": 1},
            {**row, "title": "first", "source_row": 7},  # the second export, appended
            # same name at the same company but another row: a namesake, kept apart
            {**row, "title": "other", "first_name": "Anne", "source_row": 9},
        )
    )
    assert people(linked) == [{"first"}, {"other"}]
    assert set(linked.filter(linked["title"] == "first")["match_rule"]) == {"duplicate_row"}
