"""Fields survive in units, so a person is never stitched together from parts that do not
belong together: the name from one record, title and seniority from one record at the
surviving employer, a phone read in its own record's country, and each value's lineage
naming the row it was read from. Accounts rank records by a total order, so the row order
of the files changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from leadgen_pipeline.layers.core.identity import build_contact_links
from leadgen_pipeline.layers.core.survivorship import ranked, survive_accounts, survive_contacts
from leadgen_pipeline_tests.test_identity_and_survivorship import BUILD_1, raw

TRUST = {"cognism": 1, "apollo": 3, "directory": 4}
OCTOBER, NOVEMBER = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
LINKEDIN = "https://linkedin.com/in/dana-ruiz"


def one_person(*rows: dict) -> dict:
    """The surviving contact of records that share a LinkedIn URL (one person)."""
    records = raw(*({"linkedin_url": LINKEDIN, **row} for row in rows))
    links, _ = build_contact_links(records, None, BUILD_1)
    linked = records.join(links, on=["snapshot_id", "source_file", "source_row"])
    people = survive_contacts(linked, TRUST)
    assert people.height == 1
    return people.row(0, named=True)


def test_a_newer_title_less_row_at_the_same_employer_keeps_the_title() -> None:
    person = one_person(
        {"label": "cfo", "seniority": "c_suite", "company_name": "Acme", "company_domain":
         "acme.io", "pulled_at": OCTOBER},
        {"label": "newer", "title": None, "company_name": "Acme Inc", "company_domain":
         "acme.io", "industry": "Software", "pulled_at": NOVEMBER},
    )  # fmt: skip
    person_title = (person["title"], person["seniority"])
    assert person_title == ("cfo", "c_suite")
    assert person["lineage"]["title"] == person["lineage"]["seniority"]
    assert person["lineage"]["title"].startswith("apollo:apollo/cfo.csv#1@")
    # the employer's own fields still come from the newest record that has them
    assert person["company_name"] == "Acme Inc" and person["industry"] == "Software"
    assert person["lineage"]["company_name"].startswith("apollo:apollo/newer.csv#1@")


def test_a_job_changer_does_not_carry_the_old_title_to_the_new_employer() -> None:
    person = one_person(
        {"label": "cfo", "company_name": "Acme", "company_domain": "acme.io",
         "pulled_at": OCTOBER},
        {"label": "moved", "company_name": "Orbit", "company_domain": "orbit.io",
         "pulled_at": NOVEMBER},
    )  # fmt: skip
    # the newest record names Orbit and has a title of its own ("moved")
    assert (person["company_name"], person["title"]) == ("Orbit", "moved")
    person = one_person(
        {"label": "cfo", "company_name": "Acme", "company_domain": "acme.io",
         "pulled_at": OCTOBER},
        {"label": "moved", "title": None, "company_name": "Orbit", "company_domain":
         "orbit.io", "pulled_at": NOVEMBER},
    )  # fmt: skip
    assert person["company_name"] == "Orbit"
    assert person["title"] is None and person["lineage"]["title"] is None


def test_a_phone_is_read_in_its_own_records_country() -> None:
    person = one_person(
        {"label": "us", "country": "US", "pulled_at": NOVEMBER},
        {"label": "gb", "country": "GB", "phone_direct": "020 7946 0958", "pulled_at": OCTOBER},
    )
    assert person["country"] == "US"  # the newest record's country
    assert person["phone"] == "+442079460958"  # read in GB, where its record is
    assert person["lineage"]["phone"].startswith("apollo:apollo/gb.csv#1@")


def test_a_phone_invalid_in_its_country_is_not_surviving_with_a_lineage() -> None:
    person = one_person(
        {"label": "gb", "country": "GB", "phone_direct": "07700 900123", "pulled_at": NOVEMBER},
    )
    assert person["phone"] is None and person["lineage"]["phone"] is None


def test_the_phone_comes_from_the_best_record_that_holds_a_valid_one() -> None:
    person = one_person(
        # the best record: its direct line is invalid in GB, its mobile is valid
        {"label": "newest", "country": "GB", "phone_direct": "07700 900123",
         "phone_mobile": "07475 443939", "pulled_at": NOVEMBER},
        {"label": "older", "country": "GB", "phone_direct": "020 7946 0958",
         "pulled_at": OCTOBER},
    )  # fmt: skip
    assert person["phone"] == "+447475443939"
    assert person["lineage"]["phone"].startswith("apollo:apollo/newest.csv#1@")
    person = one_person(
        # the best record's only phone is invalid: the next record's valid phone survives
        {"label": "newest", "country": "GB", "phone_company": "07700 900123",
         "pulled_at": NOVEMBER},
        {"label": "no-phone", "country": "GB", "pulled_at": NOVEMBER},
        {"label": "older", "country": "GB", "phone_company": "020 7946 0958",
         "pulled_at": OCTOBER},
        {"label": "oldest", "country": "GB", "phone_direct": "020 7946 0000",
         "pulled_at": datetime(2026, 9, 1, tzinfo=UTC)},
    )  # fmt: skip
    assert person["phone"] == "+442079460958"
    assert person["lineage"]["phone"].startswith("apollo:apollo/older.csv#1@")


def test_first_and_last_name_come_from_one_record() -> None:
    person = one_person(
        {"label": "initial", "first_name": "J.", "pulled_at": NOVEMBER, "source": "cognism"},
        {"label": "whole", "first_name": "Dana", "last_name": "Ruiz", "full_name": "Dana Ruiz",
         "pulled_at": OCTOBER},
        {"label": "surname", "last_name": "Ruiz-Ortega", "pulled_at": NOVEMBER},
    )  # fmt: skip
    assert (person["first_name"], person["last_name"]) == ("Dana", "Ruiz")
    lineage = person["lineage"]
    assert lineage["first_name"] == lineage["last_name"] == lineage["full_name"]
    assert lineage["first_name"].startswith("apollo:apollo/whole.csv#1@")


def test_accounts_do_not_depend_on_the_row_order_of_a_file() -> None:
    rows = [
        {"company_name": "Acme Inc", "employee_count": 40},
        {"company_name": "ACME", "employee_count": 45},
        {"company_name": "Acme Tools", "industry": "Software"},
    ]

    def accounts(order: list[int]) -> pl.DataFrame:
        # the same three rows of one file, written in another order: the rows renumber
        records = raw(
            *(
                {"label": "x", "company_domain": "acme.io", **rows[i], "source_row": row}
                for row, i in enumerate(order, start=1)
            )
        )
        linked = records.with_columns(
            pl.col("company_domain").alias("company_domain_key"),
            pl.lit("p_0000000000000000").alias("person_id"),
        )
        return survive_accounts(linked, TRUST)

    first = accounts([0, 1, 2])
    assert first.height == 1
    for order in ([2, 1, 0], [1, 2, 0], [1, 0, 2]):
        assert accounts(order).equals(first)


def test_ranking_only_the_kept_columns_keeps_the_full_rankings_order() -> None:
    # one file's rows tie on pull, source and file: only their content and row order them
    records = raw(
        *(
            {"label": "same", "source_row": row, "first_name": name, "pulled_at": pulled}
            for row, name, pulled in [
                (3, "Cy", OCTOBER), (1, "Ann", OCTOBER), (2, "Bo", OCTOBER),
                (4, "Di", NOVEMBER), (5, "Ann", OCTOBER),
            ]
        ),
        {"label": "other", "source": "cognism", "first_name": "Ed", "pulled_at": OCTOBER},
    ).with_columns(pl.lit("p_1").alias("person_id"))  # fmt: skip
    kept = ["first_name", "source_row"]
    whole = ranked(records, "person_id", TRUST).select("person_id", "_from", *kept)
    narrow = ranked(records, "person_id", TRUST, keep=kept)
    assert narrow.select("person_id", "_from", *kept).equals(whole)
    # the newest pull first, then the most trusted source (cognism ranks 1)
    assert narrow["first_name"].head(2).to_list() == ["Di", "Ed"]
    assert set(narrow.columns) == {"person_id", "_from", *kept, "pulled_at", "_trust",
                                   "source_file", "_content", "snapshot_id"}  # fmt: skip
