"""Closed deals get their features as they stood when it mattered: a routed lead's from the
scoring run before the deal, an older deal's rebuilt as of its create date, and never a
signal dated after the deal was created. One run of the feedback assets on the demo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.enrich.vocab import VALUE_SCHEMA
from leadgen_pipeline.layers.feedback.attribution import RECORD_SCHEMA, attribute
from leadgen_pipeline_tests.builds import Build, bound_defs, shared_instance

ACME, ANN, BOB = "acme.example", "p_" + "a" * 16, "p_" + "b" * 16
SIGNAL_SCHEMA = {
    "signal_id": pl.String, "account_domain": pl.String, "person_id": pl.String,
    "signal_type": pl.String, "signal_date": pl.Date, "verified": pl.Boolean,
    "value": pl.Struct(dict(VALUE_SCHEMA)),
}  # fmt: skip


def deal(key: str, person: str | None, created: date, outcome: str = "won") -> dict:
    return {
        "deal_key": key * 16, "outcome": outcome, "amount": 1000.0, "currency": "USD",
        "created_on": created, "closed_on": date(2026, 9, 1), "person_id": person,
        "account_domain": ACME,
    }  # fmt: skip


def signal(signal_id: str, kind: str, on: date, technology: str | None = None) -> dict:
    value = dict.fromkeys(VALUE_SCHEMA) | {"technology": technology}
    return {
        "signal_id": signal_id, "account_domain": ACME, "person_id": None, "signal_type": kind,
        "signal_date": on, "verified": True, "value": value,
    }  # fmt: skip


def history_row(person: str, tier: str, score: int, at: datetime, signal_ids: list[str]) -> dict:
    return {
        "person_id": person, "segment": "fintech_scaleups_eu", "tier": tier, "score": score,
        "priority": 1, "signal_ids": signal_ids, "scoring_version": 1, "icp_version": 2,
        "scored_at": at,
    }  # fmt: skip


def frames(deals, signals, history=(), routed=(), records=()):
    history_schema = {
        "person_id": pl.String, "segment": pl.String, "tier": pl.String, "score": pl.Int64,
        "priority": pl.Int64, "signal_ids": pl.List(pl.String), "scoring_version": pl.Int64,
        "icp_version": pl.Int64, "scored_at": pl.Datetime("us", "UTC"),
    }  # fmt: skip
    routed_schema = {
        "person_id": pl.String, "segment": pl.String, "routed_at": pl.Datetime("us", "UTC"),
        "channel": pl.String,
    }  # fmt: skip
    fit_schema = {
        "person_id": pl.String, "segment": pl.String, "icp_version": pl.Int64,
        "reasons": pl.List(pl.String),
    }  # fmt: skip
    return attribute(
        pl.DataFrame(deals, schema_overrides={"created_on": pl.Date, "closed_on": pl.Date}),
        pl.DataFrame(list(history), schema=history_schema),
        pl.DataFrame(list(routed), schema=routed_schema),
        pl.DataFrame(signals, schema=SIGNAL_SCHEMA),
        pl.DataFrame(list(records), schema=RECORD_SCHEMA),
        pl.DataFrame(
            [{"person_id": ANN, "segment": "fintech_scaleups_eu", "icp_version": 2,
              "reasons": ["no_verified_address"]}], schema=fit_schema,
        ),
    )  # fmt: skip


def test_a_funding_round_announced_after_a_deal_was_created_does_not_count_for_it() -> None:
    table, features = frames(
        [deal("a", ANN, date(2026, 3, 1)), deal("b", ANN, date(2026, 5, 1), "lost")],
        [
            signal("s_fund", "funding_round", date(2026, 4, 1)),
            signal("s_tech", "tech_adopted", date(2026, 2, 1), technology="Snowflake"),
            signal("s_late", "tech_adopted", date(2026, 6, 1), technology="Looker"),
        ],
        records=[{"person_id": ANN, "source": "apollo", "pulled_on": date(2026, 2, 10),
                  "seniority": "C suite", "employee_count": 120, "technologies": "Slack, Dbt"},
                 {"person_id": ANN, "source": "cognism", "pulled_on": date(2026, 4, 10),
                  "seniority": "Director", "employee_count": 900, "technologies": "Gong"}],
    )  # fmt: skip
    by_deal = {row["deal_key"][0]: row for row in table.iter_rows(named=True)}
    assert by_deal["a"]["signal_types"] == ["tech_adopted"]  # the round came a month later
    assert by_deal["b"]["signal_types"] == ["funding_round", "tech_adopted"]
    assert by_deal["a"]["technologies"] == ["dbt", "slack", "snowflake"]  # not looker, not gong
    # the snapshot as of the create date: apollo's pull only, for the March deal
    assert by_deal["a"]["sources"] == ["apollo"] and by_deal["a"]["employee_band"] == "51-200"
    assert by_deal["a"]["seniority"] == "c_suite"
    assert by_deal["b"]["sources"] == ["apollo", "cognism"]
    assert {r["basis"] for r in by_deal.values()} == {"reconstructed"}
    assert by_deal["a"]["segment"] == "fintech_scaleups_eu"  # its firmographics fit
    signals_of_a = features.filter(
        (pl.col("deal_key") == "a" * 16) & (pl.col("feature_kind") == "signal")
    )["feature_value"].to_list()
    assert signals_of_a == ["tech_adopted"]


def test_a_deal_before_every_pull_takes_the_first_pull_and_says_so() -> None:
    table, _ = frames(
        [deal("a", ANN, date(2025, 12, 1))],
        [],
        records=[{"person_id": ANN, "source": "directory", "pulled_on": date(2026, 7, 3),
                  "seniority": "VP", "employee_count": 40, "technologies": "Slack"}],
    )  # fmt: skip
    row = table.row(0, named=True)
    assert row["snapshot_basis"] == "first_pull_after" and row["sources"] == ["directory"]
    assert row["technologies"] == []  # a later snapshot's technologies are not the deal's


def test_a_routed_lead_takes_the_scoring_run_before_the_deal() -> None:
    january, june = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    table, features = frames(
        [deal("a", ANN, date(2026, 3, 1)), deal("b", BOB, date(2026, 3, 1), "lost")],
        [signal("s_fund", "funding_round", date(2026, 1, 5)),
         signal("s_hire", "hiring", date(2026, 2, 20))],
        history=[history_row(ANN, "medium", 1, january, ["s_fund"]),
                 history_row(ANN, "high", 3, june, ["s_fund", "s_hire"]),
                 history_row(BOB, "parked", 0, january, [])],
        routed=[{"person_id": ANN, "segment": "fintech_scaleups_eu", "routed_at": january,
                 "channel": "nurture"}],
    )  # fmt: skip
    ann, bob = table.sort("deal_key").iter_rows(named=True)
    assert (ann["basis"], ann["tier"], ann["score"], ann["channel"]) == (
        "routed", "medium", 1, "nurture",
    )  # fmt: skip
    assert ann["signal_types"] == ["funding_round"]  # what the score counted then
    assert ann["routed_at"] == january and ann["scoring_version"] == 1
    assert bob["basis"] == "reconstructed"  # parked: never routed
    assert bob["signal_types"] == ["funding_round", "hiring"]
    kinds = set(features.filter(pl.col("deal_key") == "a" * 16)["feature_kind"])
    assert {"tier", "channel", "segment", "signal"} <= kinds


FEEDBACK = [
    dg.AssetKey(["feedback", name])
    for name in ("deals", "attribution", "attribution_features", "feature_lift", "win_rates",
                 "source_costs", "recommendations")
]  # fmt: skip


def test_the_feedback_assets_run_on_the_demo(
    demo_copy: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADGEN_RECOMMENDATIONS_DIR", str(tmp_path / "proposals"))
    defs = bound_defs(demo_copy.folder, demo_copy.inbox, as_of=None)
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=shared_instance(), asset_selection=FEEDBACK, raise_on_error=False
    )
    assert result.success
    failed = {c.check_name: c for c in result.get_asset_check_evaluations() if not c.passed}
    # the demo's ICP files were reviewed days before its reference date: nothing is due
    assert failed == {}
    with duckdb.connect(str(demo_copy.store), read_only=True) as con:
        count = {
            t: con.execute(f"select count(*) from feedback.{t}").fetchall()[0][0]
            for t in ("attribution", "attribution_features", "feature_lift", "win_rates",
                      "source_costs")
        }  # fmt: skip
        ((closed,),) = con.sql(
            "select count(*) from feedback.deals where outcome in ('won', 'lost')"
        ).fetchall()
        dimensions = {d for (d,) in con.sql("select distinct dimension from feedback.win_rates")
                      .fetchall()}  # fmt: skip
    assert count["attribution"] == closed > 0
    assert all(n > 0 for n in count.values()), count
    assert dimensions == {"segment", "source", "tier", "channel"}
    (folder,) = (tmp_path / "proposals").iterdir()
    assert {"changes.diff", "recommendations.md", "recommendations.csv"} <= {
        p.name for p in folder.iterdir()
    }
