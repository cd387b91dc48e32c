"""Scoring: binary flags from verified signals in their windows, tier boundaries, intent as
a tie-break only, and the versioned scoring files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from leadgen_pipeline.layers.score.fit import icp_fit
from leadgen_pipeline.layers.score.scoring import ScoringError, lead_scores, load_scoring
from leadgen_pipeline_tests import score_fixtures as fx

DAY = timedelta(days=1)
# one verified signal per fintech buying signal, each inside its window
FUNDING = fx.signal("funding_round", fx.TODAY - 30 * DAY, round="Series B", amount=12_000_000)
HIRING = fx.signal("hiring", fx.TODAY - 10 * DAY, role="FP&A Analyst", count=2)
TECH = fx.signal("tech_adopted", fx.TODAY - 40 * DAY, technology="Snowflake")
LEADER = fx.signal("exec_hire", fx.TODAY - 20 * DAY, role="CFO", claim="Appointed a new CFO")
INTENT = fx.signal("intent_surge", fx.TODAY - 5 * DAY, topic="Spend Management", score=81.0)


def scored(*signal_rows: dict, people: pl.DataFrame | None = None) -> pl.DataFrame:
    people = people if people is not None else fx.contacts({})
    segments = [fx.segment(fx.FINTECH)]
    fit = icp_fit(people, fx.accounts(), fx.segments(), fx.sendable(people))
    configs = load_scoring(fx.PROJECT / "data/scoring", segments)
    return lead_scores(fit, fx.signals(*signal_rows), segments, configs, fx.NOW)


@pytest.mark.parametrize(
    ("signal_rows", "score", "tier"),
    [
        ((), 0, "parked"),
        ((FUNDING,), 1, "medium"),
        ((FUNDING, HIRING), 2, "medium"),
        ((FUNDING, HIRING, TECH), 3, "high"),
        ((FUNDING, HIRING, TECH, LEADER), 4, "high"),
        ((INTENT,), 0, "parked"),  # intent never counts
        ((FUNDING, HIRING, INTENT), 2, "medium"),
    ],
)
def test_tier_boundaries(signal_rows: tuple, score: int, tier: str) -> None:
    (row,) = scored(*signal_rows).to_dicts()
    assert (row["score"], row["tier"]) == (score, tier)
    assert len(row["signal_flags"]) == 4  # the four counted signals of the scoring file
    assert sum(f["hit"] for f in row["signal_flags"]) == score
    assert row["scoring_version"] == 1 and row["icp_version"] >= 1


@pytest.mark.parametrize(
    ("row", "counts"),
    [
        (fx.signal("funding_round", fx.TODAY - 179 * DAY, round="Series A"), True),
        (fx.signal("funding_round", fx.TODAY - 180 * DAY, round="Series A"), False),  # window
        (fx.signal("funding_round", fx.TODAY + DAY, round="Series A"), False),  # future
        (fx.signal("funding_round", fx.TODAY - DAY, round="Series E"), False),  # not a term
        (fx.signal("funding_round", fx.TODAY - DAY, round="series_b"), True),  # spelled apart
        (fx.signal("funding_round", fx.TODAY - DAY, round="Seed", verified=False), False),
        (fx.signal("funding_round", fx.TODAY - DAY, round="Seed", domain="other.example"), False),
        (fx.signal("hiring", fx.TODAY - 89 * DAY, role="Senior Data Engineer"), True),
        (fx.signal("hiring", fx.TODAY - DAY, role="Account Executive"), False),
        (fx.signal("tech_adopted", fx.TODAY - DAY, technology="dbt"), True),
        (fx.signal("tech_dropped", fx.TODAY - DAY, technology="dbt"), False),  # wrong type
        # new_finance_leader: the scoring file widens its window to 120 days
        (fx.signal("job_change", fx.TODAY - 110 * DAY, role="Chief Financial Officer"), True),
        (fx.signal("job_change", fx.TODAY - 121 * DAY, role="Chief Financial Officer"), False),
    ],
)
def test_a_flag_needs_a_verified_matching_signal_of_the_account_in_its_window(
    row: dict, counts: bool
) -> None:
    (lead,) = scored(row).to_dicts()
    assert lead["score"] == (1 if counts else 0)
    assert lead["signal_ids"] == ([row["signal_id"]] if counts else [])


def test_intent_breaks_ties_and_never_tiers() -> None:
    people = fx.contacts({}, {"person_id": "p_0000000000000002",
                              "company_domain": "quayside.example"})  # fmt: skip
    rows = [
        FUNDING,
        fx.signal("funding_round", fx.TODAY - 30 * DAY, domain="quayside.example", round="Seed"),
        fx.signal("intent_surge", fx.TODAY - 2 * DAY, domain="quayside.example",
                  topic="Spend Management", score=70.0),
    ]  # fmt: skip
    table = scored(*rows, people=people).sort("priority")
    assert table["tier"].to_list() == ["medium", "medium"]
    assert table["person_id"].to_list() == ["p_0000000000000002", "p_0000000000000001"]
    assert table["intent_tiebreak"].to_list() == [70.0, None]
    # a higher score outranks any intent
    table = scored(*rows, HIRING, people=people).sort("priority")
    assert table["person_id"].to_list() == ["p_0000000000000001", "p_0000000000000002"]


def test_only_fitting_people_are_scored_and_order_does_not_matter() -> None:
    people = fx.contacts({}, {"person_id": "p_0000000000000002", "country": "US"})
    table = scored(FUNDING, HIRING, TECH, people=people)
    assert table["person_id"].to_list() == ["p_0000000000000001"]
    assert scored(TECH, HIRING, FUNDING, people=people.reverse()).equals(table)


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{fx.FINTECH}.yaml").write_text(text)
    return folder


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("segment: fintech_scaleups_eu\nversion: 1\nsignals: [{key: nope}]\n",
         "signals[0].key: 'nope' is not a buying signal"),
        ("segment: fintech_scaleups_eu\nversion: 1\n"
         "signals: [{key: finance_automation_intent}]\n", "is intent"),
        ("segment: fintech_scaleups_eu\nversion: 1\nsignals: []\nintent_signal: recent_funding\n",
         "intent_signal: 'recent_funding' is no intent signal"),
        ("segment: fintech_scaleups_eu\nversion: 1\nsignals: []\ntiers: {high: 1, medium: 2}\n",
         "medium (2) is above high (1)"),
        ("segment: fintech_scaleups_eu\nversion: 1\nsignals: []\nweights: {}\n", "weights"),
    ],
)  # fmt: skip
def test_a_bad_scoring_file_stops_with_the_file_and_field(
    tmp_path: Path, text: str, problem: str
) -> None:
    folder = write(tmp_path / "scoring", text)
    with pytest.raises(ScoringError) as error:
        load_scoring(folder, [fx.segment(fx.FINTECH)])
    assert f"{fx.FINTECH}.yaml" in str(error.value) and problem in str(error.value)


def test_without_a_scoring_file_every_non_intent_signal_counts(tmp_path: Path) -> None:
    configs = load_scoring(tmp_path / "none", [fx.segment(fx.FINTECH)])
    config = configs[fx.FINTECH]
    assert config.version == 0 and config.intent_signal == "finance_automation_intent"
    assert [s.key for s in config.signals] == [
        "recent_funding", "hiring_finance_data", "adopted_finance_stack", "new_finance_leader",
    ]  # fmt: skip
