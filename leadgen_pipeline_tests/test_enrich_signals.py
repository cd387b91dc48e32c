"""Signal and intent files, vendor fields and snapshots become one table of dated signals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.enrich.signal_files import (
    SignalFileError,
    account_names,
    read_signal_inbox,
)
from leadgen_pipeline.layers.enrich.signals import assemble_signals
from leadgen_pipeline_tests import enrich_headers as eh
from leadgen_pipeline_tests import vendor_headers as vh

TODAY = date(2026, 11, 25)


def _signals(con: duckdb.DuckDBPyConnection, inbox: Path, names=None) -> pl.DataFrame:
    read = read_signal_inbox(con, inbox, TODAY, *([names] if names is not None else []))
    people = read.candidates.with_columns(pl.lit(None, dtype=pl.String).alias("person_id"))
    return assemble_signals(people, TODAY)


def test_spelled_domains_are_one_account_and_a_round_reported_twice_is_one_signal(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    vh.write_export(
        inbox / "signals/funding-2026-11-01.csv",
        eh.FUNDING_ROUNDS,
        [
            {
                "company_domain": "WWW.Acme.io",
                "round": "Series A",
                "amount_usd": "12000000",
                "announced_on": "2026-03-04",
                "source_url": "https://acme.io/news/a",
            },
            {
                "company_domain": "https://acme.io/",
                "round": "series_a",
                "amount_usd": "12,000,000",
                "announced_on": "2026-03-06",
            },
            {"company_domain": "acme.io", "round": "Series B", "announced_on": "2026-10-01"},
        ],
    )
    vh.write_export(
        inbox / "signals/more/rounds-2026-11-02.csv",
        eh.FUNDING_ROUNDS,
        [
            {
                "company_domain": "http://www.acme.io/about",
                "round": "SERIES-A",
                "announced_on": "2026-03-05",
            },
        ],
    )
    table = _signals(con, inbox)
    assert table["account_domain"].unique().to_list() == ["acme.io"]
    rounds = table.sort("signal_date")
    assert rounds["value"].struct["round"].to_list() == ["Series A", "Series B"]
    first = rounds.row(0, named=True)
    assert first["reports"] == 3
    assert first["signal_date"] == date(2026, 3, 4)
    assert first["source_url"] == "https://acme.io/news/a"  # the report with a page is kept
    assert "also reported by file:signals/more/rounds-2026-11-02.csv" in first["verification"]


def test_crunchbase_exports_are_read_and_placed_by_company_name(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    vh.write_export(
        inbox / "signals/funding_rounds.csv",
        eh.CRUNCHBASE_FUNDING_ROUNDS,
        [
            {
                "org_name": "Acme Robotics Ltd",
                "investment_type": "series_b",
                "announced_on": "2026-06-01",
                "raised_amount": "4500000",
                "raised_amount_currency_code": "EUR",
                "cb_url": "https://www.crunchbase.com/x",
            },
            {"org_name": "Nobody We Know", "investment_type": "seed", "announced_on": "2026-06-02"},
        ],
    )
    vh.write_export(
        inbox / "signals/rounds.csv",
        eh.CRUNCHBASE_2015_ROUNDS,
        [
            {
                "company_name": "ACME ROBOTICS",
                "funding_round_type": "venture",
                "funding_round_code": "A",
                "funded_at": "2015-05-13",
                "raised_amount_usd": "1100000",
            },
        ],
    )
    names = account_names(
        pl.DataFrame({"company_domain": ["acmerobotics.io"], "company_name": ["Acme Robotics"]})
    )
    read = read_signal_inbox(con, inbox, TODAY, names)
    assert read.files == {
        "signals/funding_rounds.csv": "funding_rounds",
        "signals/rounds.csv": "funding_rounds",
    }
    got = read.candidates.sort("signal_date")
    assert got["account_domain"].to_list() == ["acmerobotics.io", "acmerobotics.io"]
    euro = got.row(1, named=True)["value"]
    assert (euro["round"], euro["amount"], euro["currency"]) == ("Series B", 4500000, "EUR")
    assert got.row(0, named=True)["value"]["amount"] == 1100000
    (reject,) = read.rejects.to_dicts()
    assert reject["source_file"] == "signals/funding_rounds.csv"
    assert reject["source_row"] == 2
    assert "not exactly one account's" in reject["reason"]


def test_builtwith_epoch_dates_and_old_detections_become_adopted_and_dropped(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    vh.write_export(
        inbox / "signals/builtwith-2026-11-20.csv",
        eh.BUILTWITH_DOMAIN,
        [
            {
                "Domain": "belkin.com",
                "Name": "Snowflake",
                "Tag": "analytics",
                "FirstDetected": "1767225600000",
                "LastDetected": "1794700800000",
            },
            {
                "Domain": "belkin.com",
                "Name": "jQuery 1.7.1",
                "Tag": "javascript",
                "FirstDetected": "1385679600000",
                "LastDetected": "1574722800000",
            },
        ],
    )
    table = _signals(con, inbox).sort("signal_date")
    assert table["signal_type"].to_list() == ["tech_dropped", "tech_adopted"]
    assert table["value"].struct["technology"].to_list() == ["jQuery 1.7.1", "Snowflake"]
    assert table["signal_date"].to_list() == [date(2019, 11, 25), date(2026, 1, 1)]


def test_an_unknown_header_names_the_file_and_the_missing_columns(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    vh.write_export(
        inbox / "signals/ok-2026-11-01.csv",
        eh.JOB_POSTINGS,
        [{"company_domain": "acme.io", "job_title": "CFO", "posted_on": "2026-11-01"}],
    )
    vh.write_export(inbox / "signals/mystery.csv", ["company", "what", "when"], [{"what": "x"}])
    vh.write_export(inbox / "intent/surge.csv", ["Domain", "Composite Score"], [{"Domain": "a.io"}])
    (inbox / "signals/notes.json").write_text("{}")
    with pytest.raises(SignalFileError) as failure:
        read_signal_inbox(con, inbox, TODAY)
    problems = "\n".join(failure.value.problems)
    assert "signals/mystery.csv: not a known signals export" in problems
    assert "`round`" in problems and "`announced_on`" in problems
    assert "intent/surge.csv" in problems and "`topic`" in problems
    assert "signals/notes.json: not a CSV export" in problems
    assert "ok-2026-11-01" not in problems


def test_intent_and_events_are_typed_and_unusable_rows_listed_with_why(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    vh.write_export(
        inbox / "intent/bombora-company-surge-2026-11-18.csv",
        eh.BOMBORA_SURGE,
        [
            {"Domain": "Acme.io", "Topic": "Spend Management", "Composite Score": "71"},
            {"Domain": "gmail.com", "Topic": "Spend Management", "Composite Score": "60"},
        ],
    )
    vh.write_export(
        inbox / "signals/events-2026-11-10.csv",
        eh.COMPANY_EVENTS,
        [
            {
                "company_domain": "acme.io",
                "event_type": "Office Opening",
                "event_date": "2026-10-02",
                "headline": "Acme opens Berlin office",
            },
            {"company_domain": "acme.io", "event_type": "rebrand", "event_date": "2026-10-03"},
            {"company_domain": "acme.io", "event_type": "partnership", "event_date": "someday"},
        ],
    )
    read = read_signal_inbox(con, inbox, TODAY)
    table = assemble_signals(
        read.candidates.with_columns(pl.lit(None, dtype=pl.String).alias("person_id")), TODAY
    )
    by_type = {row["signal_type"]: row for row in table.iter_rows(named=True)}
    # an intent row without a date is dated by its file
    assert by_type["intent_surge"]["signal_date"] == date(2026, 11, 18)
    assert by_type["office_opening"]["verified"]
    assert not by_type["partnership"]["verified"]
    assert "no readable date" in by_type["partnership"]["verification"]
    reasons = sorted(read.rejects["reason"].to_list())
    assert reasons[0].startswith("event type not known: rebrand")
    assert reasons[1] == "not a company domain: gmail.com"


def test_the_table_is_the_same_whatever_the_row_order(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> None:
    sample = Path(__file__).resolve().parents[1] / "data/sample"
    read = read_signal_inbox(con, sample, TODAY)
    people = read.candidates.with_columns(pl.lit(None, dtype=pl.String).alias("person_id"))
    table = assemble_signals(people, TODAY)
    for seed in (1, 2):
        shuffled = people.sample(fraction=1.0, shuffle=True, seed=seed)
        assert assemble_signals(shuffled, TODAY).equals(table)
    assert table["signal_id"].n_unique() == table.height
