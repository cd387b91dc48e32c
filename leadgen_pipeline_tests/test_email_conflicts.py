"""A differing address at one company is two people only when it says so: a number telling
namesakes apart (`donna@` / `donna2@`), or each address spelling its own side's name. A vendor
guessing another pattern (`jdoe@` for `jane.doe@`) or a personal address beside a work one is
the same person when name and company agree."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel.keys import match_keys
from leadgen_pipeline.layers.core.addresses import conflicting_clusters
from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import bound_defs, run_all
from leadgen_pipeline_tests.test_resolve import people, records

# (first, last, address) of one record, the same of another, and whether they are two people
CASES = [
    pytest.param(("Jane", "Doe", "jane.doe@acme.io"), ("Jane", "Doe", "jdoe@acme.io"), False,
                 id="vendor guessed another pattern"),
    pytest.param(("Jane", "Doe", "jane.doe@acme.io"), ("Jane", "Doe", "j_doe@mail.acme.io"), False,
                 id="pattern variant on a subdomain of the same registrable domain"),
    pytest.param(("Jane", "Doe", "jane.doe@acme.io"), ("Jane", "Doe", "jane.doe@gmail.com"), False,
                 id="personal address beside a work one"),
    pytest.param(("Jane", "Doe", "jdoe@acme.io"), ("Jane", "Doe", "janedoe84@gmail.com"), False,
                 id="numbered personal address beside a work one"),
    pytest.param(("Bob", "Chen", "bob.chen@acme.io"), ("Robert", "Chen", "rchen@acme.io"), False,
                 id="nickname in one address, given name in the other"),
    pytest.param(("Ann", "Lee", "ann@acme.io"), ("Ann", "Lee", "ann.lee@acme.co.uk"), False,
                 id="another domain of the company"),
    pytest.param(("Donna", "Smith", "donna@acme.io"), ("Donna", "Smith", "donna2@acme.io"), True,
                 id="numbered namesakes"),
    pytest.param(("Jane", "Doe", "jane.doe2@acme.io"), ("Jane", "Doe", "jane.doe3@acme.io"), True,
                 id="two numbered namesakes"),
    pytest.param(("Jane", "Doe", "jane.doe@gmail.com"), ("Jane", "Doe", "janedoe2@gmail.com"),
                 True, id="numbered namesakes at one free-mail domain"),
    pytest.param(("Jon", "Smith", "jon.smith@acme.io"), ("John", "Smith", "john.smith@acme.io"),
                 True, id="each address spells its own name"),
    pytest.param(("Maria", "Garcia", "mgarcia@acme.io"), ("Maria", "Garza", "mgarza@acme.io"),
                 True, id="each address spells its own surname"),
]  # fmt: skip


def _pair(left: tuple[str, str, str], right: tuple[str, str, str]) -> pl.DataFrame:
    rows = [
        {"title": label, "first_name": first, "last_name": last, "email": email,
         "company_name": "Acme", "company_domain": "acme.io"}
        for label, (first, last, email) in (("left", left), ("right", right))
    ]  # fmt: skip
    return records(*rows)


@pytest.mark.parametrize(("left", "right", "two_people"), CASES)
def test_the_address_rule(left: tuple, right: tuple, two_people: bool) -> None:
    keyed = match_keys(_pair(left, right), phones=False).with_row_index("exact_cluster")
    keyed = keyed.with_columns(pl.col("exact_cluster").cast(pl.Int64))
    groups = pl.DataFrame({"node": [0, 1], "label": [0, 0]})
    apart = conflicting_clusters(keyed, groups)
    assert apart.height == int(two_people)


@pytest.mark.parametrize(("left", "right", "two_people"), CASES)
def test_linking_follows_the_address_rule(left: tuple, right: tuple, two_people: bool) -> None:
    groups = people(link_records(_pair(left, right)))
    assert len(groups) == (2 if two_people else 1)


def test_a_record_that_could_be_either_numbered_namesake_joins_neither() -> None:
    # the address-less record would join either Donna by name: it is one of them, and
    # nothing says which, so it stays a contact of its own rather than lend its title,
    # phone or LinkedIn to the wrong Donna
    donna = {"first_name": "Donna", "last_name": "Smith", "company_domain": "acme.io"}
    linked = link_records(
        records(
            {**donna, "title": "donna", "email": "donna@acme.io"},
            {**donna, "title": "no address"},
            {**donna, "title": "donna2", "email": "donna2@acme.io"},
            # with one Donna only, the same record joins her
            {**donna, "company_domain": "globex.io", "title": "globex donna",
             "email": "donna2@globex.io"},
            {**donna, "company_domain": "globex.io", "title": "globex, no address"},
        )
    )  # fmt: skip
    assert people(linked) == [
        {"donna"}, {"donna2"}, {"globex donna", "globex, no address"}, {"no address"}
    ]  # fmt: skip


def test_an_address_under_two_surnames_links_no_one() -> None:
    """A vendor guessing `james@` for two Jameses at one company, or a mailbox given to a
    newcomer after its owner left: the address is not the person's."""
    at_acme = {"company_name": "Acme", "company_domain": "acme.io", "email": "james@acme.io"}
    linked = link_records(
        records(
            {**at_acme, "title": "turner", "first_name": "James", "last_name": "Turner",
             "linkedin_url": "https://www.linkedin.com/in/james-turner-1"},
            {**at_acme, "title": "price", "first_name": "James", "last_name": "Price"},
            {**at_acme, "title": "price again", "first_name": "Jim", "last_name": "Price"},
            # one person's records under a nickname, a nickname's typo and a surname's typo
            {"title": "sam", "first_name": "Sam", "last_name": "Kelly",
             "email": "samantha.kelly@acme.io"},
            {"title": "samantha", "first_name": "Samantha", "last_name": "Kelly",
             "email": "samantha.kelly@acme.io"},
            {"title": "trish", "first_name": "Trsih", "last_name": "Hguhes",
             "email": "patricia.hughes@acme.io"},
            {"title": "patricia", "first_name": "Patricia", "last_name": "Hughes",
             "email": "patricia.hughes@acme.io"},
        )
    )  # fmt: skip
    assert people(linked) == [
        {"patricia", "trish"}, {"price", "price again"}, {"sam", "samantha"}, {"turner"}
    ]  # fmt: skip
    rules = dict(zip(linked["title"], linked["match_rule"], strict=True))
    assert rules["price"] == rules["price again"] == "fuzzy_name_at_domain"


def test_a_vendor_id_under_two_surnames_links_no_one() -> None:
    zoominfo = {"source": "directory", "vendor": "zoominfo", "source_record_id": "1002141498"}
    linked = link_records(
        records(
            {**zoominfo, "title": "ward", "first_name": "Max", "last_name": "Ward",
             "company_name": "Acme", "company_domain": "acme.io"},
            {**zoominfo, "title": "wolf", "first_name": "Max", "last_name": "Wolf",
             "company_name": "Globex", "company_domain": "globex.io"},
            {**zoominfo, "title": "ward moved", "first_name": "Max", "last_name": "Ward",
             "company_name": "Initech", "company_domain": "initech.io"},
        )
    )  # fmt: skip
    assert people(linked) == [{"ward"}, {"ward moved"}, {"wolf"}]


def test_a_built_store_links_vendor_guesses_and_keeps_namesakes_apart(
    tmp_path: Path, inbox: Path
) -> None:
    vh.write_export(inbox / "apollo/apollo-contacts-export-2026-11-04.csv", vh.APOLLO_2026, [
        {"First Name": "Jane", "Last Name": "Doe", "Title": "CFO", "Company Name": "Acme Tools",
         "Email": "jane.doe@acme-tools.io", "Website": "https://acme-tools.io",
         "Person Linkedin Url": "https://www.linkedin.com/in/jane-doe-7f3a"},
        {"First Name": "Donna", "Last Name": "Smith", "Company Name": "Acme Tools",
         "Email": "donna@acme-tools.io", "Website": "https://acme-tools.io"},
    ])  # fmt: skip
    vh.write_export(inbox / "directory/zoominfo-contacts-export-2026-11-05.csv", vh.ZOOMINFO, [
        # ZoomInfo guessed the company's other pattern, and has no LinkedIn URL
        {"ZoomInfo Contact ID": "1100001", "First Name": "Jane", "Last Name": "Doe",
         "Email Address": "jdoe@acme-tools.io", "Company Name": "Acme Tools",
         "Website": "acme-tools.io"},
        # the second Donna at the company: her mailbox is numbered
        {"ZoomInfo Contact ID": "1100002", "First Name": "Donna", "Last Name": "Smith",
         "Email Address": "donna2@acme-tools.io", "Company Name": "Acme Tools",
         "Website": "acme-tools.io"},
    ])  # fmt: skip
    vh.write_export(inbox / "cognism/cognism-export-2026-11-06.csv", vh.COGNISM_PLATFORM, [
        {"First Name": "Jane", "Last Name": "Doe", "Email": "jane.doe@gmail.com",
         "Company Name": "Acme Tools", "Website": "www.acme-tools.io"},
    ])  # fmt: skip
    result = run_all(bound_defs(tmp_path, inbox), raise_on_error=False)
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert result.success and failed == []
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        people_by_address = dict(
            con.sql("select email_norm, person_id from core.contact_links").fetchall()
        )
        ((contacts,),) = con.sql("select count(*) from core.contacts").fetchall()
    jane = {people_by_address[a] for a in
            ("jane.doe@acme-tools.io", "jdoe@acme-tools.io", "jane.doe@gmail.com")}  # fmt: skip
    assert len(jane) == 1
    assert people_by_address["donna@acme-tools.io"] != people_by_address["donna2@acme-tools.io"]
    assert contacts == 3
