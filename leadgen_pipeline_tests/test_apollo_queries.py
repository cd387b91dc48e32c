"""Pure Apollo logic: search bodies, query planning around the display cap, title
disqualifiers, and the mapping of revealed people into the canonical shape."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from leadgen_pipeline.clients.apollo import APOLLO_DISPLAY_CAP, ApolloSearchQuery
from leadgen_pipeline.kernel.values import country_code
from leadgen_pipeline.layers.raw.apollo_queries import (
    STANDARD_EMPLOYEE_BUCKETS,
    is_disqualified_title,
    plan_queries,
    split_query,
)
from leadgen_pipeline.layers.raw.apollo_records import people_to_canonical
from leadgen_pipeline.layers.raw.canonical import CANONICAL_SCHEMA

# --- search bodies -----------------------------------------------------------------------


def test_to_body_sends_only_the_filters_given_in_apollo_form() -> None:
    query = ApolloSearchQuery(
        titles=("VP Sales",),
        locations=("California, US",),
        seniorities=("vp", "director"),
        employee_ranges=((51, 200), (10001, None)),
        domains=("example.com",),
        keywords="saas",
    )
    assert query.to_body(page=3, per_page=100) == {
        "person_titles": ["VP Sales"],
        "person_locations": ["California, US"],
        "person_seniorities": ["vp", "director"],
        "organization_num_employees_ranges": ["51,200", "10001,"],
        "q_organization_domains_list": ["example.com"],
        "q_keywords": "saas",
        "page": 3,
        "per_page": 100,
    }
    assert ApolloSearchQuery().to_body(1, 1) == {"page": 1, "per_page": 1}


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 101)])
def test_to_body_refuses_pages_apollo_would_not_serve(page: int, per_page: int) -> None:
    with pytest.raises(ValueError):
        ApolloSearchQuery().to_body(page, per_page)


# --- splitting ---------------------------------------------------------------------------


def test_split_goes_to_standard_employee_buckets_first() -> None:
    query = ApolloSearchQuery(
        locations=("United States", "Germany"), employee_ranges=((51, 200), (30, 40))
    )
    children = split_query(query)
    assert [c.employee_ranges for c in children] == [((51, 100),), ((101, 200),), ((30, 40),)]
    assert all(c.locations == query.locations for c in children)


def test_split_cuts_unaligned_ranges_along_bucket_edges() -> None:
    children = split_query(ApolloSearchQuery(employee_ranges=((30, 80),)))
    assert [c.employee_ranges for c in children] == [((30, 50),), ((51, 80),)]


def test_split_of_a_query_without_headcount_covers_every_bucket() -> None:
    children = split_query(ApolloSearchQuery(titles=("CTO",)))
    assert [c.employee_ranges[0] for c in children] == list(STANDARD_EMPLOYEE_BUCKETS)


def test_split_then_goes_by_location_then_seniority_then_title() -> None:
    base = ApolloSearchQuery(
        titles=("CTO", "VP Engineering"),
        locations=("United States", "Germany"),
        seniorities=("vp", "c_suite"),
        employee_ranges=((51, 100),),
    )
    by_location = split_query(base)
    assert [c.locations for c in by_location] == [("United States",), ("Germany",)]
    by_seniority = split_query(by_location[0])
    assert [c.seniorities for c in by_seniority] == [("vp",), ("c_suite",)]
    by_title = split_query(by_seniority[0])
    assert [c.titles for c in by_title] == [("CTO",), ("VP Engineering",)]
    assert split_query(by_title[0]) == []


# --- planning around the cap -------------------------------------------------------------

# A synthetic population: (employees, location, seniority) -> how many people.
POPULATION: dict[tuple[int | None, str, str], int] = {
    (80, "United States", "vp"): 30_000,
    (80, "United States", "director"): 45_000,
    (80, "Germany", "vp"): 20_000,
    (150, "United States", "vp"): 10_000,
    (7000, "Germany", "director"): 4_000,
    (None, "Germany", "vp"): 1_500,  # companies with no known headcount
}


def count(query: ApolloSearchQuery) -> int:
    def matches(employees: int | None, location: str, seniority: str) -> bool:
        if query.employee_ranges and not (
            employees is not None
            and any(
                low <= employees and (high is None or employees <= high)
                for low, high in query.employee_ranges
            )
        ):
            return False
        if query.locations and location not in query.locations:
            return False
        return not (query.seniorities and seniority not in query.seniorities)

    return sum(n for key, n in POPULATION.items() if matches(*key))


def test_plan_keeps_a_query_under_the_cap_as_it_is() -> None:
    query = ApolloSearchQuery(employee_ranges=((101, 200),))
    assert plan_queries(query, count) == ([query], [])


def test_plan_splits_until_every_query_is_under_the_cap_and_reports_the_gap() -> None:
    query = ApolloSearchQuery(
        locations=("United States", "Germany"), seniorities=("vp", "director")
    )
    planned, warnings = plan_queries(query, count)
    assert all(count(q) <= APOLLO_DISPLAY_CAP for q in planned)
    assert all(count(q) > 0 for q in planned)  # empty buckets are not searched
    reachable = sum(n for key, n in POPULATION.items() if key[0] is not None)
    assert sum(count(q) for q in planned) == reachable
    # The 51-100 bucket (95,000 people) needed a split by location, and the US part of it
    # (75,000) one by seniority.
    assert (
        ApolloSearchQuery(
            locations=("United States",), seniorities=("director",), employee_ranges=((51, 100),)
        )
        in planned
    )
    assert len(warnings) == 1
    assert "1,500 records" in warnings[0] and "not reachable" in warnings[0]


def test_plan_warns_how_many_records_a_query_that_cannot_narrow_leaves_out() -> None:
    query = ApolloSearchQuery(
        locations=("United States",), seniorities=("director",), employee_ranges=((51, 100),)
    )
    big = {query: 62_345}
    planned, warnings = plan_queries(query, lambda q: big.get(q, 0))
    assert planned == [query]
    assert len(warnings) == 1
    assert "12,345 records were not reachable" in warnings[0]


# --- title disqualifiers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Marketing Intern", True),
        ("INTERN - Sales", True),
        ("International Sales Manager", False),
        ("Senior Vice  President, Sales", True),
        ("Vice-Chair", False),
        ("Student Ambassador", True),
        (None, False),
        ("", False),
    ],
)
def test_disqualified_titles_match_whole_words_ignoring_case(
    title: str | None, expected: bool
) -> None:
    disqualifiers = ("intern", "vice president", "student")
    assert is_disqualified_title(title, disqualifiers) is expected


def test_no_disqualifiers_disqualify_nobody() -> None:
    assert is_disqualified_title("Intern", ()) is False


# --- canonical mapping -------------------------------------------------------------------

# The documented people/match person (docs/vendor-formats.md §5b); names there are elided,
# so neutral placeholders stand in for them.
DOCUMENTED_PERSON: dict = {
    "id": "6a571f6b746a3e000c64720e",
    "first_name": "Jordan",
    "last_name": "Example",
    "name": "Jordan Example",
    "linkedin_url": "http://www.linkedin.com/in/jordan-example",
    "title": "Founder",
    "headline": "Founder",
    "photo_url": None,
    "twitter_url": None,
    "github_url": None,
    "facebook_url": None,
    "extrapolated_email_confidence": None,
    "email": "x@tabcorp.com.au",
    "email_status": "verified",
    "state": "California",
    "city": "San Francisco",
    "country": "United States",
    "departments": ["c_suite"],
    "subdepartments": ["executive"],
    "functions": ["general_management"],
    "seniority": "founder",
    "is_likely_to_engage": True,
    "intent_strength": None,
    "show_intent": False,
    "revealed_for_current_team": True,
    "organization_id": "54a1269669702d90a28f1800",
    "employment_history": [],
    "organization": {
        "id": "54a1269669702d90a28f1800",
        "name": "Tabcorp",
        "website_url": "http://www.tabcorp.com.au",
        "primary_domain": "tabcorp.com.au",
        "linkedin_url": "http://www.linkedin.com/company/tabcorp",
        "languages": [],
        "founded_year": 1994,
        "sic_codes": ["7999"],
        "naics_codes": ["71312"],
        "industry": "entertainment",
        "industries": [],
        "secondary_industries": [],
        "estimated_num_employees": 5100,
        "keywords": [],
        "organization_revenue": 1709324000,
        "organization_revenue_printed": "1.7B",
        "snippets_loaded": True,
    },
}

PULLED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_documented_person_maps_to_the_canonical_columns() -> None:
    frame = people_to_canonical(
        [DOCUMENTED_PERSON], snapshot_id="snap-1", pulled_at=PULLED_AT, consent_basis="legit"
    )
    assert frame.schema == pl.Schema(CANONICAL_SCHEMA)
    row = frame.row(0, named=True)
    assert row["snapshot_id"] == "snap-1"
    assert row["pulled_at"] == PULLED_AT
    assert row["source"] == "apollo"
    assert row["vendor"] == "apollo_api"
    assert row["source_file"] == "api:people/bulk_match"
    assert row["source_row"] == 1
    assert row["source_record_id"] == "6a571f6b746a3e000c64720e"
    assert row["consent_basis"] == "legit"
    assert (row["first_name"], row["last_name"], row["full_name"]) == (
        "Jordan",
        "Example",
        "Jordan Example",
    )
    assert row["title"] == "Founder"
    assert row["seniority"] == "founder"
    assert row["departments"] == "c_suite"
    assert row["email"] == "x@tabcorp.com.au"
    assert row["email_vendor_status"] == "verified"
    assert row["linkedin_url"] == "http://www.linkedin.com/in/jordan-example"
    assert row["company_name"] == "Tabcorp"
    assert row["company_domain"] == "tabcorp.com.au"
    assert row["company_website"] == "http://www.tabcorp.com.au"
    assert row["company_linkedin_url"] == "http://www.linkedin.com/company/tabcorp"
    assert row["employee_count"] == 5100
    assert row["industry"] == "entertainment"
    assert row["annual_revenue_usd"] == 1_709_324_000
    assert (row["country"], row["country_raw"]) == ("US", "United States")
    assert (row["state"], row["city"]) == ("California", "San Francisco")
    # Fields the example does not carry stay null rather than guessed.
    for column in ("phone_mobile", "total_funding_usd", "latest_funding_date", "technologies"):
        assert row[column] is None


def test_mapping_covers_phones_funding_history_and_skips_null_matches() -> None:
    person = {
        **DOCUMENTED_PERSON,
        "id": "second",
        "country": "United Kingdom",
        "departments": ["master_sales", "master_marketing"],
        "phone_numbers": [
            {
                "raw_number": "+44 20 7946 0000",
                "sanitized_number": "+442079460000",
                "type": "mobile",
            },
            {"raw_number": "+44 20 7946 0001", "type": "work_direct"},
        ],
        "employment_history": [
            {"current": True, "organization_name": "Tabcorp", "start_date": "2022-05-01"},
            {"current": False, "organization_name": "Earlier Ltd", "start_date": "2018-01-01"},
        ],
        "organization": {
            **DOCUMENTED_PERSON["organization"],
            "primary_domain": "TabCorp.com.au",
            "annual_revenue": 2_000_000.0,
            "total_funding": 35_000_000,
            "latest_funding_stage": "Series B",
            "latest_funding_round_date": "2024-06-01T00:00:00.000+00:00",
            "technology_names": ["Salesforce", "HubSpot"],
            "primary_phone": {"number": "+61 3 0000 0000", "sanitized_number": "+61300000000"},
        },
    }
    frame = people_to_canonical(
        [None, person, {**DOCUMENTED_PERSON, "country": "Atlantis"}],
        snapshot_id="snap-2",
        pulled_at=datetime(2026, 3, 2, 9, 30),  # naive: read as UTC
        consent_basis="legit",
    )
    assert frame.get_column("source_row").to_list() == [2, 3]
    row = frame.row(0, named=True)
    assert row["pulled_at"] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert (row["country"], row["country_raw"]) == ("GB", "United Kingdom")
    assert row["departments"] == "master_sales, master_marketing"
    assert row["phone_mobile"] == "+442079460000"
    assert row["phone_direct"] == "+44 20 7946 0001"
    assert row["phone_company"] == "+61300000000"
    assert row["company_domain"] == "tabcorp.com.au"
    assert row["annual_revenue_usd"] == 2_000_000
    assert row["total_funding_usd"] == 35_000_000
    assert row["latest_funding_round"] == "Series B"
    assert row["latest_funding_date"] == date(2024, 6, 1)
    assert row["technologies"] == "Salesforce, HubSpot"
    assert row["previous_company_name"] == "Earlier Ltd"
    assert row["job_start_date"] == date(2022, 5, 1)
    unknown = frame.row(1, named=True)
    assert (unknown["country"], unknown["country_raw"]) == (None, "Atlantis")


def test_no_matches_give_an_empty_canonical_frame() -> None:
    frame = people_to_canonical([], snapshot_id="s", pulled_at=PULLED_AT, consent_basis="c")
    assert frame.is_empty()
    assert frame.schema == pl.Schema(CANONICAL_SCHEMA)


@pytest.mark.parametrize(
    ("name", "iso"),
    [
        ("United States", "US"),
        ("united kingdom", "GB"),
        ("UK", "GB"),
        ("Germany", "DE"),
        ("Turkey", "TR"),
        ("DE", "DE"),
        ("  ", None),
        ("Narnia", None),
    ],
)
def test_country_names_become_iso2(name: str, iso: str | None) -> None:
    assert country_code(name) == iso
