"""Recommendations follow the evidence and nothing else: on a generated history with planted
effects, 5,000 deals propose raising the weight of the scoring signals the true signals serve
and nothing for the noise; 300 deals propose nothing false. Proposals are files and a diff,
never edits of the config; an ICP file without a recent `reviewed_on` is due a review."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from leadgen_pipeline.demo.deal_history import PLANTED_ODDS, generate_deal_history
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.layers.feedback import recommend
from leadgen_pipeline.layers.feedback.lift import feature_lift
from leadgen_pipeline.layers.score.scoring import load_scoring
from leadgen_pipeline_tests.builds import PROJECT

SEGMENTS = load_icp_segments(PROJECT / "data/icp")
CONFIGS = load_scoring(PROJECT / "data/scoring", SEGMENTS)
# the scoring signals the planted signal types serve (enrich.leads.SERVES), per segment
TRUE_TARGETS = {
    ("fintech_scaleups_eu", "recent_funding"),
    ("fintech_scaleups_eu", "hiring_finance_data"),
    ("manufacturing_midmarket_na", "funding_or_acquisition"),
    ("manufacturing_midmarket_na", "hiring_operations"),
}


def proposals_for(deals: int, seed: int) -> pl.DataFrame:
    history = generate_deal_history(deals, seed=seed)
    lift = feature_lift(history.deals, history.features)
    return recommend.scoring_proposals(lift, SEGMENTS, CONFIGS)


def test_with_5000_deals_the_true_signals_are_raised_and_the_noise_left_alone() -> None:
    proposals = proposals_for(5000, seed=7)
    assert set(proposals["action"]) == {"raise_weight"}
    assert set(proposals.select("segment", "target").rows()) == TRUE_TARGETS
    # office openings and partnerships (noise) serve plant_expansion: nothing proposed for it
    assert "plant_expansion" not in set(proposals["target"])
    for row in proposals.iter_rows(named=True):
        planted = PLANTED_ODDS[("signal", row["evidence"].split(":")[0].split("=")[1])]
        assert row["ci_low"] <= planted <= row["ci_high"] and row["ci_low"] > 1
        assert "95% CI" in row["evidence"] and "deals with it" in row["evidence"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_300_deals_nothing_false_is_proposed(seed: int) -> None:
    proposals = proposals_for(300, seed=seed)
    assert set(proposals.select("segment", "target").rows()) <= TRUE_TARGETS
    assert set(proposals["action"]) <= {"raise_weight"}


def test_proposals_are_files_and_a_diff_never_edits_of_the_config(tmp_path: Path) -> None:
    proposals = pl.concat([
        proposals_for(5000, seed=7),
        recommend.icp_proposals(
            pl.DataFrame({
                "segment": ["manufacturing_midmarket_na"] * 3,
                "field": ["industries", "countries", "industries"],
                "value": ["logistics & supply chain", "CA", "manufacturing"],
                "qualified_leads": [12, 30, 40], "won_deals": [0, 0, 3],
            }),
            SEGMENTS,
        ),
    ])  # fmt: skip
    before = {p: p.read_bytes() for p in (PROJECT / "data").glob("[is]c*/*.yaml")}
    files = recommend.write_recommendations(
        tmp_path, proposals, PROJECT / "data/scoring", PROJECT / "data/icp"
    )
    assert before == {p: p.read_bytes() for p in before}  # nothing applied
    names = {str(f.relative_to(tmp_path)) for f in files}
    expected_files = {
        "changes.diff", "recommendations.md", "recommendations.csv",
        "scoring/fintech_scaleups_eu.yaml", "icp/manufacturing_midmarket_na.yaml",
    }  # fmt: skip
    assert expected_files <= names
    proposed = (tmp_path / "scoring/fintech_scaleups_eu.yaml").read_text()
    assert "  - key: recent_funding\n    # weigh more: odds ratio " in proposed
    # a reviewer can take the proposal as it is: it loads with the project's own loader
    proposed_dir = tmp_path / "scoring"
    segments = load_icp_segments(PROJECT / "data/icp")
    assert set(load_scoring(proposed_dir, segments)) >= {"fintech_scaleups_eu"}
    icp = (tmp_path / "icp/manufacturing_midmarket_na.yaml").read_text()
    assert "countries: [US]" in icp and "- logistics & supply chain" not in icp
    assert "  - manufacturing\n" in icp  # it has won deals: kept
    diff = (tmp_path / "changes.diff").read_text()
    current = (PROJECT / "data/scoring/fintech_scaleups_eu.yaml").read_text()
    expected = "".join(difflib.unified_diff(
        current.splitlines(keepends=True), proposed.splitlines(keepends=True),
        fromfile=str(PROJECT / "data/scoring/fintech_scaleups_eu.yaml"),
        tofile=str(tmp_path / "scoring/fintech_scaleups_eu.yaml"),
    ))  # fmt: skip
    assert expected in diff
    icp_rows = proposals.filter(pl.col("kind") == "icp")
    assert icp_rows["target"].to_list() == ["countries=CA", "industries=logistics & supply chain"]
    assert icp_rows["qualified_leads"].to_list() == [30, 12]


def test_a_dropped_signal_is_removed_with_its_window(tmp_path: Path) -> None:
    text = "signals:\n  - key: a\n  - key: b\n    window_days: 120\n  - key: c\nintent_signal: x\n"
    drop = pl.DataFrame(
        [{"kind": "scoring", "segment": "s", "action": "drop", "target": "b", "evidence": "e"}],
        schema=recommend.RECOMMENDATION_SCHEMA,
    )
    proposed = recommend.proposed_scoring_text(text, drop)
    assert proposed == (
        "signals:\n  - key: a\n  # dropped: b  # proposed: e\n  - key: c\nintent_signal: x\n"
    )


def test_an_icp_file_is_due_a_review_without_a_recent_reviewed_on(tmp_path: Path) -> None:
    (tmp_path / "fresh.yaml").write_text("segment: fresh\nreviewed_on: 2026-10-01\n")
    (tmp_path / "old.yaml").write_text("segment: old\nreviewed_on: '2026-07-01'\n")
    (tmp_path / "never.yaml").write_text("segment: never\n")
    reviews = recommend.icp_reviews(tmp_path, date(2026, 11, 25))
    due = dict(zip(reviews["file"], reviews["due"], strict=True))
    assert due == {"fresh.yaml": False, "never.yaml": True, "old.yaml": True}
    assert reviews.filter(pl.col("file") == "old.yaml")["days_since_review"].item() == 147


def test_the_recommendations_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADGEN_RECOMMENDATIONS_DIR", raising=False)
    assert recommend.recommendations_dir(tmp_path) == (
        tmp_path / "recommendations"
    )
    monkeypatch.setenv("LEADGEN_RECOMMENDATIONS_DIR", str(tmp_path / "elsewhere"))
    assert recommend.recommendations_dir(tmp_path) == tmp_path / "elsewhere"
