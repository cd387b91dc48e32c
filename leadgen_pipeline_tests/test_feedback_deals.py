"""Deals from the CRM exports teams have: HubSpot (standard and localised headers, custom
closed-won labels) and Salesforce (report labels and API names), stages mapped to won / lost /
open, matched to people and accounts, unmatched deals kept, a file that cannot be read
stopping the build by name."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.feedback.crm import amount, match_deals, read_crm_inbox
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import Build, bound_defs, shared_instance

# HubSpot's deals export as the demo writes it (docs/vendor-formats.md §4a): every field quoted
HUBSPOT = [
    "Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
    "Last Activity Date", "Pipeline", "Deal owner", "Deal Type",
    "Associated Company IDs (Primary)", "Associated Company (Primary)", "Associated Contact",
]  # fmt: skip
# a Spanish portal: labels localised, association columns in English (§4a)
HUBSPOT_ES = [
    "ID de registro", "Nombre del negocio", "Etapa del negocio", "Importe", "Fecha de cierre",
    "Fecha de creación", "Associated Company (Primary)", "Associated Contact",
]  # fmt: skip
# a Salesforce opportunities report (§4b), with a contact email column the user added
SALESFORCE_REPORT = [
    "Opportunity ID", "Opportunity Name", "Account Name", "Stage", "Is Won", "Closed", "Amount",
    "Close Date", "Created Date", "Lead Source", "Contact Email",
]  # fmt: skip
# a Salesforce API / Data Loader export (§4b)
SALESFORCE_API = [
    "Id", "Name", "StageName", "IsWon", "IsClosed", "Amount", "CloseDate", "CreatedDate",
    "LeadSource", "Account.Website", "Contact.Email",
]  # fmt: skip


def write(inbox: Path, name: str, header: list[str], rows: list[dict]) -> None:
    vh.write_export(inbox / "crm" / name, header, rows, quote_all=True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("45362.12", 45362.12),
        ("95,570.69", 95570.69),
        ("$12,400.00", 12400.0),
        ("1.234,56 €", 1234.56),
        ("12 400", 12400.0),
        ("1,200", 1200.0),
        ("", None),
    ],
)
def test_amounts_are_read_with_their_separators(text: str, value: float | None) -> None:
    assert pl.select(amount(pl.lit(text))).item() == value


def test_hubspot_stages_custom_labels_and_amounts(tmp_path: Path) -> None:
    stages = {
        "1": "Closed Won", "2": "Closed won", "3": "Closed Won & Paid", "4": "Closed & Won",
        "5": "Closed Lost", "6": "Presentation Scheduled", "7": "closedwon",
    }  # fmt: skip
    write(tmp_path, "hubspot-crm-exports-all-deals-2026-11-19.csv", HUBSPOT, [
        {"Record ID": i, "Deal Name": f"Deal {i}", "Deal Stage": s, "Amount": "95,570.69",
         "Create Date": "2025-12-12 09:42", "Close Date": "2026-01-04",
         "Associated Contact": f"Buyer{i}@Acme-Tools.io"}
        for i, s in stages.items()
    ])  # fmt: skip
    read = read_crm_inbox(duckdb.connect(), tmp_path)
    assert read.problems == [] and read.rejects.is_empty()
    outcome = dict(zip(read.deals["deal_id"], read.deals["outcome"], strict=True))
    assert outcome == {"1": "won", "2": "won", "3": "won", "4": "won", "5": "lost",
                       "6": "open", "7": "won"}  # fmt: skip
    first = read.deals.filter(pl.col("deal_id") == "1").row(0, named=True)
    assert first["crm"] == "hubspot" and first["amount"] == 95570.69
    assert str(first["created_on"]) == "2025-12-12" and str(first["closed_on"]) == "2026-01-04"
    assert first["contact_email_key"] == "buyer1@acme-tools.io"
    assert first["company_domain_key"] == "acme-tools.io"  # from the contact's address


def test_a_localised_hubspot_header_is_read_like_the_english_one(tmp_path: Path) -> None:
    write(tmp_path, "hubspot-crm-exports-all-deals-2026-11-19.csv", HUBSPOT_ES, [
        {"ID de registro": "9", "Nombre del negocio": "Renovación", "Etapa del negocio":
         "Closed Won", "Importe": "1.234,56", "Fecha de cierre": "2026-03-02",
         "Fecha de creación": "2026-01-15 10:00", "Associated Contact": "ana@fjord.example"},
    ])  # fmt: skip
    (deal,) = read_crm_inbox(duckdb.connect(), tmp_path).deals.iter_rows(named=True)
    assert (deal["outcome"], deal["amount"], str(deal["created_on"])) == (
        "won", 1234.56, "2026-01-15",
    )


def test_salesforce_is_won_decides_over_the_stage_label(tmp_path: Path) -> None:
    write(tmp_path, "opportunities-report-2026-11-19.csv", SALESFORCE_REPORT, [
        {"Opportunity ID": "006A", "Stage": "Closed Won", "Is Won": "1", "Closed": "1",
         "Amount": "$12,400.00", "Contact Email": "a@north.example"},
        {"Opportunity ID": "006B", "Stage": "Closed Won", "Is Won": "0", "Closed": "1"},
        {"Opportunity ID": "006C", "Stage": "Negotiation/Review", "Is Won": "0", "Closed": "0"},
    ])  # fmt: skip
    write(tmp_path, "opportunities-api-2026-11-20.csv", SALESFORCE_API, [
        {"Id": "006D", "StageName": "Contract Signed", "IsWon": "true", "IsClosed": "true",
         "Account.Website": "https://www.South-Works.co.uk/about", "CreatedDate":
         "2026-02-01T09:00:00.000+0000"},
        {"Id": "006E", "StageName": "Closed Lost", "IsWon": "false", "IsClosed": "true"},
    ])  # fmt: skip
    deals = read_crm_inbox(duckdb.connect(), tmp_path).deals
    outcome = dict(zip(deals["deal_id"], deals["outcome"], strict=True))
    assert outcome == {"006A": "won", "006B": "lost", "006C": "open", "006D": "won",
                       "006E": "lost"}  # fmt: skip
    assert set(deals["crm"]) == {"salesforce"}
    d = deals.filter(pl.col("deal_id") == "006D").row(0, named=True)
    assert d["company_domain_key"] == "south-works.co.uk" and str(d["created_on"]) == "2026-02-01"


def test_a_deal_in_two_exports_is_one_deal_as_the_latest_has_it(tmp_path: Path) -> None:
    row = {"Record ID": "7", "Deal Name": "Expansion", "Associated Contact": "b@x.example"}
    write(tmp_path, "hubspot-crm-exports-all-deals-2026-10-01.csv", HUBSPOT,
          [{**row, "Deal Stage": "Contract Sent"}])  # fmt: skip
    write(tmp_path, "hubspot-crm-exports-all-deals-2026-11-01.csv", HUBSPOT,
          [{**row, "Deal Stage": "Closed Won"}, {"Deal Name": "no id"}])  # fmt: skip
    read = read_crm_inbox(duckdb.connect(), tmp_path)
    assert read.deals["outcome"].to_list() == ["won"] and read.repeated == 1
    assert read.rejects["reason"].to_list() == ["no deal id: the row names no deal"]
    assert read.deals.height + read.repeated + read.rejects.height == read.rows_read == 3


def test_unmatched_deals_are_kept_with_the_reason() -> None:
    deals = pl.DataFrame(
        {
            "deal_key": ["a" * 16, "b" * 16, "c" * 16, "d" * 16],
            "contact_email_key": ["ann@acme.example", "info@acme.example", "zed@nowhere.example",
                                  None],
            "company_domain_key": ["acme.example", "acme.example", "nowhere.example", None],
        }
    )  # fmt: skip
    from leadgen_pipeline.layers.feedback.crm import DEAL_SCHEMA

    deals = deals.with_columns(
        pl.lit(None, dtype).alias(name) for name, dtype in DEAL_SCHEMA.items()
        if name not in deals.columns
    ).select(list(DEAL_SCHEMA))  # fmt: skip
    links = pl.DataFrame({
        "person_id": ["p_" + "1" * 16, "p_" + "2" * 16, "p_" + "3" * 16],
        "email_key": ["ann@acme.example", "info@acme.example", "info@acme.example"],
    })  # fmt: skip
    accounts = pl.DataFrame({"company_domain": ["acme.example"]})
    matched = match_deals(deals, links, accounts).sort("deal_key")
    assert matched["match"].to_list() == ["person", "account", "unmatched", "unmatched"]
    assert matched["person_id"].to_list() == ["p_" + "1" * 16, None, None, None]
    assert matched["match_reason"].to_list() == [
        "person by email",
        "contact email shared by several people; account only",
        "no known person or account",
        "no contact email or company domain in the export",
    ]


@pytest.mark.parametrize(
    ("name", "header", "named"),
    [
        ("pipeline-2026-11-19.csv", ["Deal", "Owner", "Value"], "missing deal_id"),
        ("deals-2026-11-19.xlsx", ["Record ID"], "not a CSV file"),
    ],
)
def test_a_crm_file_that_cannot_be_read_is_a_problem_naming_it(
    tmp_path: Path, name: str, header: list[str], named: str
) -> None:
    write(tmp_path, name, header, [dict.fromkeys(header, "x")])
    (problem,) = read_crm_inbox(duckdb.connect(), tmp_path).problems
    assert problem.startswith(f"crm/{name}: ") and named in problem


DEALS = dg.AssetKey(["feedback", "deals"])


def run_deals(build: Build) -> dg.ExecuteInProcessResult:
    job = bound_defs(build.folder, build.inbox, as_of=None).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=shared_instance(), asset_selection=[DEALS], raise_on_error=False
    )


def test_the_demo_deals_are_matched_and_a_bad_file_stops_the_build(demo_copy: Build) -> None:
    result = run_deals(demo_copy)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    with duckdb.connect(str(demo_copy.store), read_only=True) as con:
        by_match = dict(con.sql("select match, count(*) from feedback.deals group by 1").fetchall())
        ((won,),) = con.sql("select count(*) from feedback.deals where outcome = 'won'").fetchall()
        ((orphans,),) = con.sql(
            "select count(*) from feedback.deals d anti join core.contacts c using (person_id) "
            "where d.person_id is not null"
        ).fetchall()
    assert by_match.get("person", 0) > 0 and won > 0 and orphans == 0

    write(demo_copy.inbox, "pipeline-2026-11-30.csv", ["Deal", "Owner"], [{"Deal": "x"}])
    failed = run_deals(demo_copy)
    failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    assert "crm/pipeline-2026-11-30.csv" in str(failure.event_specific_data.error)
    with duckdb.connect(str(demo_copy.store), read_only=True) as con:  # the last good deals stay
        kept = dict(con.sql("select match, count(*) from feedback.deals group by 1").fetchall())
    assert kept == by_match
