"""ICP fit: every criterion, table-driven, and the vendor vocabularies mapped to the ICP's."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.config.icp import SENIORITIES, load_icp_segments
from leadgen_pipeline.layers.score.fit import REASONS, icp_fit
from leadgen_pipeline.layers.score.vocabularies import (
    fold_term,
    industry_table,
    seniority_table,
    title_seniority,
    vendor_industry,
    vendor_seniority,
)
from leadgen_pipeline_tests import score_fixtures as fx
from leadgen_pipeline_tests.builds import Build, RunSummary


def fit_of(change: dict, account: dict | None = None, status: str | None = "valid") -> list[str]:
    """The reasons the fintech ICP gives for the fitting person with `change` applied."""
    people = fx.contacts(change)
    verified = fx.sendable(people, status) if status else fx.sendable(people).clear()
    table = icp_fit(people, fx.accounts(*([account] if account else [])), fx.segments(), verified)
    assert table.height == 1
    (row,) = table.to_dicts()
    assert row["fit"] == (row["reasons"] == [])
    return row["reasons"]


def test_the_baseline_person_fits() -> None:
    assert fit_of({}) == []


@pytest.mark.parametrize(
    ("change", "reasons"),
    [
        # size band 51-500, inclusive
        ({"employee_count": 51}, []),
        ({"employee_count": 500}, []),
        ({"employee_count": 50}, ["size_band"]),
        ({"employee_count": 501}, ["size_band"]),
        ({"employee_count": None}, ["size_band"]),  # unknown is no fit
        # countries GB DE NL FR IE SE
        ({"country": "DE"}, []),
        ({"country": "US"}, ["country"]),
        ({"country": None}, ["country"]),
        # industries, through the vendors' vocabularies
        ({"industry": "financial services"}, []),  # Apollo's spelling
        ({"industry": "Banking"}, []),  # LinkedIn's, mapped to financial services
        ({"industry": "Finance > Banking"}, []),  # ZoomInfo's hierarchy
        ({"industry": "Payments"}, []),  # Cognism's
        ({"industry": "FinTech"}, []),  # Crunchbase's
        ({"industry": "Computer Software"}, ["industry"]),
        ({"industry": None}, ["industry"]),
        # title keyword or seniority
        ({"title": "CFO"}, []),
        ({"title": "VP Finance"}, []),
        ({"title": "Sales Director"}, []),  # director, inferred from the title
        ({"title": "Software Engineer"}, ["title_seniority"]),  # entry
        ({"title": "Account Executive", "seniority": "VP-Level"}, []),  # ZoomInfo's level
        ({"title": "Account Executive", "seniority": "Non-Manager"}, ["title_seniority"]),
        ({"title": None}, ["title_seniority"]),
        # disqualifiers
        ({"company_domain": "ledgerlark.example"}, ["disqualified_domain"]),
        ({"company_domain": "eu.ledgerlark.example"}, ["disqualified_domain"]),
        ({"company_domain": "notledgerlark.example"}, []),
        ({"email": "ann@paygrid-analytics.example"}, ["disqualified_domain"]),
        (
            {"industry": "Staffing and Recruiting"},
            ["industry", "disqualified_industry"],
        ),
        ({"title": "Executive Assistant to the CFO"}, ["disqualified_title"]),
        ({"title": "Finance Intern"}, ["title_seniority", "disqualified_title"]),
        # consent, staleness
        ({"suppressed": True}, ["suppressed"]),
        ({"suppressed": None}, ["suppressed"]),  # unknown consent is no consent
        ({"stale": True}, ["stale"]),
        (
            {"employee_count": 10, "country": "US", "stale": True},
            ["size_band", "country", "stale"],
        ),
    ],
)
def test_each_criterion_gives_its_reason(change: dict, reasons: list[str]) -> None:
    assert fit_of(change) == reasons


def test_no_verified_address_is_no_fit_and_catch_all_is_capped() -> None:
    assert fit_of({}, status=None) == ["no_verified_address"]
    assert fit_of({"email": None}, status=None) == ["no_verified_address"]
    people = fx.contacts({})
    table = icp_fit(people, fx.accounts(), fx.segments(), fx.sendable(people, "catch_all"))
    assert table.row(0, named=True)["fit"] and table["send_track"].to_list() == ["capped"]


def test_the_account_fills_what_the_record_lacks() -> None:
    account = {"company_domain": "brightlane.example", "employee_count": 300,
               "industry": "Insurance", "country": "IE"}  # fmt: skip
    assert fit_of({"employee_count": None, "industry": None, "country": None}, account) == [
        "industry"  # insurance is not a fintech industry: the account's value was used
    ]
    assert fit_of({"employee_count": None, "country": None}, account) == []
    # the person's own values win over the account's
    assert fit_of({"employee_count": 20}, account) == ["size_band"]


def test_every_person_against_every_segment_whatever_the_row_order() -> None:
    people = fx.contacts(
        {}, {"person_id": "p_0000000000000002", "country": "US", "industry": "Machinery",
             "employee_count": 800, "title": "Plant Manager"},
        {"person_id": "p_0000000000000003", "suppressed": True},
    )  # fmt: skip
    segments = fx.segments(fx.FINTECH, fx.MANUFACTURING)
    table = icp_fit(people, fx.accounts(), segments, fx.sendable(people))
    assert table.height == 6
    fitting = set(table.filter("fit").select("person_id", "segment").iter_rows())
    assert fitting == {
        ("p_0000000000000001", fx.FINTECH),
        ("p_0000000000000002", fx.MANUFACTURING),
    }
    shuffled = icp_fit(
        people.reverse(), fx.accounts(), segments.reverse(), fx.sendable(people).reverse()
    )
    assert shuffled.equals(table)
    assert set(table["reasons"].explode().drop_nulls()) <= set(REASONS)


@pytest.mark.parametrize(
    ("stated", "seniority"),
    [
        ("Vp", "vp"), ("VP", "vp"), ("vp", "vp"), ("VP-Level", "vp"), ("Vice President", "vp"),
        ("c_suite", "c_suite"), ("C suite", "c_suite"), ("C-Suite", "c_suite"),
        ("C-Level", "c_suite"), ("CXO", "c_suite"), ("Director", "director"),
        ("Experienced Manager", "manager"), ("Non-Manager", "entry"), ("Entry Level", "entry"),
        ("Owner / Partner", "owner"), ("In Training", "intern"), ("Founder", "founder"),
        ("Wizard", None), (None, None),
    ],
)  # fmt: skip
def test_vendor_seniorities_map_to_the_icp_vocabulary(stated: str | None, seniority: str | None):
    mapped = pl.select(vendor_seniority(pl.lit(stated, dtype=pl.String))).item()
    assert mapped == seniority


@pytest.mark.parametrize(
    ("title", "seniority"),
    [
        ("Co-Founder & CEO", "founder"), ("Chief Financial Officer", "c_suite"),
        ("CFO", "c_suite"), ("President", "c_suite"), ("VP of Sales", "vp"),
        ("Vice President, Finance", "vp"), ("SVP Engineering", "vp"), ("Head of Data", "head"),
        ("Director of Engineering", "director"), ("Plant Manager", "manager"),
        ("Team Lead, Payments", "manager"), ("Senior Software Engineer", "senior"),
        ("Sr. Accountant", "senior"), ("Principal Engineer", "senior"),
        ("Software Engineer", "entry"), ("People Partner", "entry"),
        ("Managing Partner", "partner"), ("Marketing Intern", "intern"),
        ("Owner", "owner"), ("   ", None), (None, None),
    ],
)  # fmt: skip
def test_seniority_is_inferred_from_the_title(title: str | None, seniority: str | None) -> None:
    assert pl.select(title_seniority(pl.lit(title, dtype=pl.String))).item() == seniority


def test_the_vocabulary_tables_are_consistent() -> None:
    # one meaning per folded term, whatever vendor lists it
    assert industry_table()["term"].is_unique().all()
    assert seniority_table()["term"].is_unique().all()
    assert set(seniority_table()["seniority"]) <= set(SENIORITIES)
    # every industry an ICP names (target or disqualifier) is one some vendor term maps onto
    icp_terms = set(industry_table()["industry"])
    for seg in load_icp_segments(fx.PROJECT / "data/icp"):
        for term in [*seg.industries, *seg.disqualifiers.industries]:
            assert term in icp_terms, (seg.segment, term)


def test_the_demo_industries_fold_to_twelve_and_every_titled_person_gets_a_seniority(
    demo_build: tuple[Build, RunSummary],
) -> None:
    with duckdb.connect(str(demo_build[0].store), read_only=True) as con:
        people = con.sql("select industry, seniority, title from core.contacts").pl()
    spellings = people["industry"].drop_nulls().n_unique()
    industries = vendor_industry(people, "industry", "icp_industry")["icp_industry"]
    assert spellings > 12 and industries.drop_nulls().n_unique() == 12
    assert people["seniority"].null_count() > people.height / 2  # most state none
    inferred = people.select(
        pl.coalesce(vendor_seniority(pl.col("seniority")), title_seniority(pl.col("title")))
    ).to_series()
    assert inferred.null_count() == people["title"].null_count()


def test_terms_fold_case_ampersands_and_punctuation() -> None:
    folded = pl.select(
        fold_term(pl.Series(["Logistics & Supply Chain", "logistics and supply-chain",
                             "LOGISTICS/SUPPLY  CHAIN", ""]))
    ).to_series()  # fmt: skip
    assert folded.to_list()[:2] == ["logistics and supply chain"] * 2
    assert folded[2] == "logistics supply chain" and folded[3] is None
