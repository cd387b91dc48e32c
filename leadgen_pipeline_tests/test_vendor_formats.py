"""Each vendor's real export header maps into the canonical shape, mess included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.raw.ingest import pull_source_from_inbox
from leadgen_pipeline.layers.raw.vendors import recognise_vendor
from leadgen_pipeline_tests import vendor_headers as vh

ALL_VENDORS = {"apollo", "cognism", "zoominfo", "lusha", "phantombuster", "evaboot", "directory"}


def pull(con: duckdb.DuckDBPyConnection, inbox: Path, source: str, vendors=ALL_VENDORS):
    return pull_source_from_inbox(
        con, inbox, source, declared_vendors=vendors, consent_basis="legitimate_interest"
    )


@pytest.mark.parametrize(
    ("header", "vendor"),
    [
        (vh.APOLLO_2024, "apollo"),
        (vh.APOLLO_2025_12, "apollo"),
        (["Proceed", *vh.APOLLO_2026, "AI custom field 4893"], "apollo"),
        (vh.PHANTOMBUSTER_SEARCH, "phantombuster"),
        (vh.EVABOOT, "evaboot"),
        (vh.ZOOMINFO, "zoominfo"),
        (vh.LUSHA, "lusha"),
        (vh.COGNISM_PLATFORM, "cognism"),
        (vh.COGNISM_ENRICHMENT, "cognism"),
        (vh.DIRECTORY_LIST, "directory"),
        (["Record ID", "Deal Name", "Deal Stage", "Amount"], None),
    ],
)
def test_vendor_is_recognised_from_its_real_header(header: list[str], vendor: str | None) -> None:
    found = recognise_vendor(header)
    assert (found.key if found else None) == vendor


def test_apollo_versions_map_by_name_not_position(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "apollo/apollo-contacts-export-2024-01-15.csv",
        vh.APOLLO_2024,
        [
            {
                "First Name": "Ann", "Last Name": "Okafor", "Title": "CFO", "Company": "Brightlane",
                "Email": "Ann.Okafor@brightlane.io", "Email Status": "Verified",
                "Seniority": "C suite", "Departments": "C-Suite, Finance",
                "Work Direct Phone": "'+1 630-773-3800", "# Employees": "54000",
                "Person Linkedin Url": "http://www.linkedin.com/in/ann-okafor",
                "Website": "http://www.brightlane.io", "Country": "United Kingdom",
                "Email Sent": "FALSE", "Annual Revenue": "11554900000",
                "Last Raised At": "2023-12-15T06:50:01+00:00", "Latest Funding": "Series A",
                "Apollo Contact Id": "5f1e2d3c4b5a69788796a5b4",
            }
        ],
    )  # fmt: skip
    vh.write_export(
        inbox / "apollo/apollo-contacts-export-2026-11-02.csv",
        ["Proceed", *vh.APOLLO_2026, "AI custom field 4893"],
        [
            {
                "Proceed": "yes", "First Name": "Bo", "Last Name": "Lind",
                "Company Name": "Fjordpay", "Email": "bo@fjordpay.se", "Do Not Call": "true",
                "Mobile Phone": "+46 70 123 45 67", "Country": "Sweden",
                "Apollo Contact Id": "6a571f6b746a3e000c64720e",
                "Apollo Record Id": "6a571f6b746a3e000c64720e", "AI custom field 4893": "x",
            }
        ],
    )  # fmt: skip
    result = pull(con, inbox, "apollo")
    rows = {r["first_name"]: r for r in result.records.to_dicts()}
    assert result.rejects.is_empty()
    ann, bo = rows["Ann"], rows["Bo"]
    assert ann["vendor"] == "apollo"
    assert ann["source_record_id"] == "5f1e2d3c4b5a69788796a5b4"
    assert ann["phone_direct"] == "+1 630-773-3800"  # Excel-guard apostrophe removed
    assert ann["company_name"] == "Brightlane" and ann["company_domain"] == "brightlane.io"
    assert ann["employee_count"] == 54000 and ann["annual_revenue_usd"] == 11_554_900_000
    assert ann["country"] == "GB" and ann["country_raw"] == "United Kingdom"
    assert ann["latest_funding_date"] == date(2023, 12, 15)
    assert ann["linkedin_url"] == "http://www.linkedin.com/in/ann-okafor"
    assert ann["pulled_at"].date() == date(2024, 1, 15)  # from the file name
    assert bo["company_name"] == "Fjordpay"  # 2026 header renamed Company -> Company Name
    assert bo["do_not_call"] is True and bo["phone_mobile"] == "+46 70 123 45 67"
    assert bo["country"] == "SE" and bo["source_row"] == 1


def test_sales_navigator_ids_are_not_taken_for_public_profiles(con, inbox: Path) -> None:
    member = "ACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA"
    vh.write_export(
        inbox / "sales_navigator/sn-search-2026-11-10.csv",
        vh.PHANTOMBUSTER_SEARCH,
        [
            {
                "profileUrl": f"https://www.linkedin.com/sales/lead/{member},NAME_SEARCH,x6ZR",
                "fullName": "Mia Chen", "firstName": "Mia", "lastName": "Chen",
                "companyName": "Ledgerly", "title": "VP Finance", "vmid": member,
                "linkedInProfileUrl": f"https://www.linkedin.com/in/{member}/",
                "defaultProfileUrl": f"https://www.linkedin.com/in/{member}/",
                "regularCompanyUrl": "https://www.linkedin.com/company/13039779",
                "location": "Berlin, Berlin, Germany",
                "pastExperienceCompanyName": "Coinrail",
            }
        ],
    )  # fmt: skip
    vh.write_export(
        inbox / "sales_navigator/evaboot-export-2026-11-12.csv",
        vh.EVABOOT,
        [
            {
                "First Name": "Raj", "Last Name": "Patel", "Current Job": "Head of Data  ",
                "Linkedin URL Public": "https://www.linkedin.com/in/raj-patel-42/",
                "Linkedin URL Unique ID": "https://www.linkedin.com/in/ACoAAB1x2y3z4w5v6u7t8s9r0q1p2o3n4m5l6k7/",
                "Sales Navigator URL": "https://www.linkedin.com/sales/lead/ACoAAB1x2y3z4w5v6u7t8s9r0q1p2o3n4m5l6k7,NAME_SEARCH,3f2a",
                "Email": "raj@Ledgerly.IO", "Company Name": "Ledgerly",
                "Company Domain": "Ledgerly.IO", "Matches Filters": "YES",
                "Company Employee Range": "51-200",
                "Department Headcounts": "Sales: 5\nEngineering: 6",
            }
        ],
    )  # fmt: skip
    records = pull(con, inbox, "sales_navigator").records
    mia = records.filter(pl.col("first_name") == "Mia").row(0, named=True)
    raj = records.filter(pl.col("first_name") == "Raj").row(0, named=True)
    assert mia["vendor"] == "phantombuster"
    assert mia["linkedin_url"] is None  # /in/<member id> is not a public slug
    assert mia["linkedin_member_id"] == member
    assert mia["sales_nav_url"].startswith("https://www.linkedin.com/sales/lead/")
    assert mia["country"] == "DE" and mia["previous_company_name"] == "Coinrail"
    assert raj["vendor"] == "evaboot"
    assert raj["linkedin_url"] == "https://www.linkedin.com/in/raj-patel-42/"
    assert raj["linkedin_member_id"] == "ACoAAB1x2y3z4w5v6u7t8s9r0q1p2o3n4m5l6k7"
    assert raj["title"] == "Head of Data"
    assert raj["company_domain"] == "ledgerly.io"
    assert raj["employee_range"] == "51-200"


def test_zoominfo_and_lusha_quirks(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "directory/zoominfo-export-2026-10-01.csv",
        vh.ZOOMINFO,
        [
            {
                "ZoomInfo Contact ID": "-12345", "First Name": "Lena", "Last Name": "Vogel",
                "Job Title": "COO", "Email Address": "lena.vogel@kranwerk.de",
                "Mobile phone": "+49 151 2345678", "Direct Phone Number": "2125550100 ext 3",
                "Job Start Date": "June 01, 2024", "Previous Company Name": "Stahlbau AG",
                "Revenue (in 000s USD)": "25000", "Total Funding Amount (in 000s USD)": "1,500",
                "Employees": "850", "Employee Range": "500 - 1,000", "Country": "Germany",
                "Company Name": "Kranwerk", "Website": "www.kranwerk.de",
                "Contact Accuracy Score": "91",
            }
        ],
    )  # fmt: skip
    vh.write_export(
        inbox / "directory/lusha-contacts-2026-10-02.csv",
        vh.LUSHA,
        [
            {
                "First Name": "Tom", "Last Name": "Hardy", "Work Email": "tom@quaymetal.co.uk",
                "Phone 1": "07475 443939", "Phone 1 Type": "mobile", "Country ISO": "GB",
                "Company Name": "Quay Metal", "Company Domain": "quaymetal.co.uk",
                "Company Number of Employees": "Nov-50",
            }
        ],
    )  # fmt: skip
    records = pull(con, inbox, "directory").records
    lena = records.filter(pl.col("vendor") == "zoominfo").row(0, named=True)
    tom = records.filter(pl.col("vendor") == "lusha").row(0, named=True)
    assert lena["source_record_id"] == "-12345"  # negative ids stay text
    assert lena["annual_revenue_usd"] == 25_000_000  # ZoomInfo states thousands
    assert lena["total_funding_usd"] == 1_500_000
    assert lena["job_start_date"] == date(2024, 6, 1)
    assert lena["phone_mobile"] == "+49 151 2345678"  # the lowercase-p "Mobile phone"
    assert lena["employee_count"] == 850 and lena["company_domain"] == "kranwerk.de"
    assert lena["previous_company_name"] == "Stahlbau AG"
    assert tom["employee_range"] == "11-50"  # Excel's Nov-50 repaired
    assert tom["country"] == "GB" and tom["email"] == "tom@quaymetal.co.uk"


def test_cognism_cp1252_and_bom_files_read_with_their_accents(con, inbox: Path) -> None:
    row = {"First Name": "José", "Last Name": "Muñoz", "Email": "jose@rioplata.es",
           "Company Name": "Río Plata", "Job Title": "Director’s Office",
           "Country": "España"}  # fmt: skip
    vh.write_export(
        inbox / "cognism/export-2026-11-01.csv", vh.COGNISM_PLATFORM, [row], encoding="cp1252"
    )
    vh.write_export(
        inbox / "cognism/export-2026-11-03.csv",
        vh.COGNISM_PLATFORM,
        [{**row, "First Name": "Jürgen", "Email": "j@rioplata.es"}],
        encoding="utf-8-sig",
    )
    result = pull(con, inbox, "cognism")
    assert {f.encoding for f in result.files} == {"cp1252", "utf-8"}
    names = sorted(result.records["first_name"].to_list())
    assert names == ["José", "Jürgen"]
    assert set(result.records["title"]) == {"Director’s Office"}
    assert set(result.records["country"]) == {"ES"}
    assert set(result.records["vendor"]) == {"cognism"}


def test_generic_directory_aliases_and_localised_values(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "directory/fintech-association-members-2026-09-30.csv",
        vh.DIRECTORY_LIST,
        [
            {"Name": "Greta Lind Holm", "E-mail": " GRETA@Nordbank.example ",
             "Organisation": "Nordbank", "Website": "https://nordbank.example/about",
             "Country": "Deutschland", "Company Size": "250", "Sector": "Banking"},
            {"Name": "Only Name", "Organisation": "Acme Widgets"},
        ],
    )  # fmt: skip
    records = pull(con, inbox, "directory").records.sort("source_row")
    greta, only = records.to_dicts()
    assert greta["first_name"] == "Greta" and greta["last_name"] == "Lind Holm"
    assert greta["email"] == "GRETA@Nordbank.example"  # trimmed; normalised downstream
    assert greta["company_domain"] == "nordbank.example"
    assert greta["country"] == "DE" and greta["employee_count"] == 250
    assert only["company_name"] == "Acme Widgets"  # a name at a company is an identity


def test_localised_booleans_are_read(con, inbox: Path) -> None:
    vh.write_export(
        inbox / "apollo/export-es-2026-11-01.csv",
        vh.APOLLO_2026,
        [
            {"First Name": "Ana", "Email": "ana@a.example", "Do Not Call": "VERDADERO"},
            {"First Name": "Luis", "Email": "luis@a.example", "Do Not Call": "FALSO"},
        ],
    )
    records = pull(con, inbox, "apollo").records.sort("source_row")
    assert records["do_not_call"].to_list() == [True, False]
