"""A job changer's old-job record, without LinkedIn, is linked to the current record when
the current record's employment history names the old employer (ZoomInfo's `Previous
Company Name`, PhantomBuster's `pastExperienceCompanyName`); a namesake at a company no
history names, or an old record two people's histories both claim, stays apart."""

from __future__ import annotations

from pathlib import Path

import duckdb

from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import bound_defs, run_all
from leadgen_pipeline_tests.test_resolve import people, records

DANA = {"first_name": "Dana", "last_name": "Ruiz"}
NOW = {**DANA, "company_name": "Orbit Labs", "company_domain": "orbit-labs.io",
       "email": "dana.ruiz@orbit-labs.io"}  # fmt: skip
OLD = {**DANA, "company_name": "Acme Tools", "company_domain": "acme-tools.io",
       "email": "druiz@acme-tools.io"}  # fmt: skip


def test_an_old_job_record_joins_the_current_one_through_its_history() -> None:
    linked = link_records(
        records(
            {**NOW, "title": "now", "previous_company_name": "Acme Tools Ltd"},
            {**OLD, "title": "old"},
        )
    )
    assert people(linked) == [{"now", "old"}]
    assert set(linked["match_rule"]) == {"previous_employer"}


def test_the_old_employer_is_found_by_the_domain_its_name_stands_for() -> None:
    linked = link_records(
        records(
            {**NOW, "title": "now", "previous_company_name": "ACME TOOLS"},
            # the old record gives only a website; another record says whose domain it is
            {**DANA, "title": "old", "company_website": "https://www.acme-tools.io"},
            {"title": "colleague", "first_name": "Raj", "last_name": "Das",
             "company_name": "Acme Tools Inc.", "company_domain": "acme-tools.io"},
        )
    )  # fmt: skip
    assert people(linked) == [{"colleague"}, {"now", "old"}]


def test_a_namesake_at_an_employer_no_history_names_stays_apart() -> None:
    linked = link_records(
        records(
            {**NOW, "title": "now", "previous_company_name": "Globex"},
            {**OLD, "title": "old"},
        )
    )
    assert people(linked) == [{"now"}, {"old"}]


def test_an_old_record_two_histories_claim_joins_neither() -> None:
    linked = link_records(
        records(
            {**NOW, "title": "orbit", "previous_company_name": "Acme Tools",
             "linkedin_url": "https://www.linkedin.com/in/dana-ruiz"},
            {**DANA, "title": "initech", "company_name": "Initech", "previous_company_name":
             "Acme Tools", "linkedin_url": "https://www.linkedin.com/in/dana-ruiz-2"},
            {**OLD, "title": "old"},
        )
    )  # fmt: skip
    assert people(linked) == [{"initech"}, {"old"}, {"orbit"}]


def test_a_built_store_links_job_changers_through_vendor_history(
    tmp_path: Path, inbox: Path
) -> None:
    vh.write_export(inbox / "directory/zoominfo-contacts-export-2026-11-05.csv", vh.ZOOMINFO, [
        {"ZoomInfo Contact ID": "2200001", "First Name": "Dana", "Last Name": "Ruiz",
         "Job Title": "VP Finance", "Email Address": "dana.ruiz@orbit-labs.io",
         "Company Name": "Orbit Labs", "Website": "orbit-labs.io",
         "Last Job Change Type": "Changed Company", "Last Job Change Date": "2026-08-01",
         "Previous Job Title": "Finance Director", "Previous Company Name": "Acme Tools Ltd"},
    ])  # fmt: skip
    vh.write_export(
        inbox / "sales_navigator/phantombuster-sales-navigator-2026-11-06.csv",
        vh.PHANTOMBUSTER_SEARCH,
        [
            {"profileUrl": "https://www.linkedin.com/sales/lead/ACwAAB1x2y3z4,NAME_SEARCH,abcd",
             "fullName": "Tomás Okafor", "firstName": "Tomás", "lastName": "Okafor",
             "companyName": "Brightline Health", "title": "Head of Data",
             "pastExperienceCompanyName": "Globex Corporation",
             "pastExperienceCompanyTitle": "Data Lead", "pastExperienceDate": "2021 - 2025",
             "linkedInProfileUrl": "https://www.linkedin.com/in/tomas-okafor"},
        ],
    )  # fmt: skip
    vh.write_export(inbox / "apollo/apollo-contacts-export-2026-03-02.csv", vh.APOLLO_2026, [
        # both at their old employers, before the move, and without LinkedIn URLs
        {"First Name": "Dana", "Last Name": "Ruiz", "Title": "Finance Director",
         "Company Name": "Acme Tools", "Email": "druiz@acme-tools.io",
         "Website": "https://acme-tools.io"},
        {"First Name": "Tomas", "Last Name": "Okafor", "Title": "Data Lead",
         "Company Name": "Globex Corp", "Email": "tokafor@globex.example.com",
         "Website": "https://globex.example.com"},
        # a namesake of Dana at a company neither history names
        {"First Name": "Dana", "Last Name": "Ruiz", "Company Name": "Umbrella",
         "Email": "dana.ruiz@umbrella.example.org", "Website": "umbrella.example.org"},
    ])  # fmt: skip
    result = run_all(bound_defs(tmp_path, inbox), raise_on_error=False)
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert result.success and failed == []
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        links = con.sql(
            "select source, source_row, person_id, match_rule from core.contact_links"
        ).pl()
        ((contacts,),) = con.sql("select count(*) from core.contacts").fetchall()
    by_row = {(s, r): (p, rule) for s, r, p, rule in links.iter_rows()}
    dana_now, dana_old = by_row[("directory", 1)], by_row[("apollo", 1)]
    tomas_now, tomas_old = by_row[("sales_navigator", 1)], by_row[("apollo", 2)]
    assert dana_now[0] == dana_old[0] and tomas_now[0] == tomas_old[0]
    assert {dana_old[1], tomas_old[1]} == {"previous_employer"}
    assert by_row[("apollo", 3)][0] not in {dana_now[0], tomas_now[0]}
    assert contacts == 3
