"""Routing by channel mechanics, table-driven, and a property: no unsafe person is ever
routed, whatever their signals."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadgen_pipeline.kernel.vocab import VERDICT_STATUSES
from leadgen_pipeline.layers.score.fit import icp_fit
from leadgen_pipeline.layers.score.routing import route
from leadgen_pipeline.layers.score.scoring import lead_scores, load_scoring
from leadgen_pipeline_tests import score_fixtures as fx

DAY = timedelta(days=1)
FIN = [
    fx.signal("funding_round", fx.TODAY - 30 * DAY, round="Series B", amount=12_000_000),
    fx.signal("hiring", fx.TODAY - 10 * DAY, role="FP&A Analyst", count=2),
    fx.signal("tech_adopted", fx.TODAY - 40 * DAY, technology="Snowflake"),
]
LEADER = fx.signal("exec_hire", fx.TODAY - 20 * DAY, role="CFO", claim="Appointed a new CFO")
PLANT = {"person_id": "p_0000000000000009", "country": "US", "industry": "Machinery",
         "employee_count": 800, "title": "Plant Manager", "company_domain": "forge.example",
         "email": "bo@forge.example"}  # fmt: skip
MFG = [
    fx.signal("office_opening", fx.TODAY - 60 * DAY, domain="forge.example",
              event="plant_expansion", claim="Forge opens a new facility in Ohio"),
    fx.signal("hiring", fx.TODAY - 30 * DAY, domain="forge.example", role="Plant Manager"),
    fx.signal("tech_adopted", fx.TODAY - 90 * DAY, domain="forge.example", technology="Epicor"),
]  # fmt: skip
PROVENANCE = pl.DataFrame(
    {"source": ["apollo"], "opt_out_mechanism": ["Unsubscribe link in every email"]}
)
LEAD_COLUMNS = {
    "person_id": pl.String, "segment": pl.String, "hook": pl.String,
    "hook_signal_id": pl.String, "hook_date": pl.Date, "hook_source_url": pl.String,
}  # fmt: skip


def hook_for(person_id: str, segment: str, cited: dict, age_days: int | None = None) -> dict:
    when = fx.TODAY - age_days * DAY if age_days is not None else cited["signal_date"]
    return {"person_id": person_id, "segment": segment, "hook": f"Saw: {cited['claim']}",
            "hook_signal_id": cited["signal_id"], "hook_date": when,
            "hook_source_url": cited["source_url"]}  # fmt: skip


def routed(
    people: pl.DataFrame,
    signal_rows: list[dict],
    hooks: list[dict] = (),  # type: ignore[assignment]
    status: str = "valid",
    sendable: pl.DataFrame | None = None,
) -> pl.DataFrame:
    names = (fx.FINTECH, fx.MANUFACTURING)
    segments = [fx.segment(n) for n in names]
    verified = sendable if sendable is not None else fx.sendable(people, status)
    fit = icp_fit(people, fx.accounts(), fx.segments(*names), verified)
    configs = load_scoring(fx.PROJECT / "data/scoring", segments)
    signals = fx.signals(*signal_rows)
    scores = lead_scores(fit, signals, segments, configs, fx.NOW)
    leads = pl.DataFrame(list(hooks), schema=LEAD_COLUMNS)
    return route(scores, fit, people, verified, leads, signals, PROVENANCE, configs, fx.NOW)


ANN = fx.FITTING["person_id"]


@pytest.mark.parametrize(
    ("change", "signal_rows", "hook", "status", "expected"),
    [
        # high tier, valid, verified recent hook: email on the main track
        ({}, FIN, (FIN[0], None), "valid", ("email", "main", True, False, False)),
        # ... at an account of 250+ employees: every channel (fintech allows no calls)
        ({"employee_count": 300}, FIN, (FIN[0], None), "valid",
         ("multichannel", "main", True, True, False)),
        # no hook: no email; no LinkedIn-visible signal; no calls: nurture
        ({}, FIN, None, "valid", ("nurture", "main", True, False, False)),
        # a hook too old for email (180 days in the scoring file)
        ({}, FIN, (FIN[0], 200), "valid", ("nurture", "main", True, False, False)),
        # a leadership change is visible on LinkedIn
        ({}, [*FIN[:2], LEADER], None, "valid", ("linkedin", None, False, True, False)),
        # catch-all: never the main track; LinkedIn instead
        ({}, FIN, (FIN[0], None), "catch_all", ("linkedin", None, False, True, False)),
        # catch-all and no profile: nurture, capped
        ({"linkedin_url": None}, FIN, (FIN[0], None), "catch_all",
         ("nurture", "capped", True, False, False)),
        # medium tier: nurture
        ({}, FIN[:1], (FIN[0], None), "valid", ("nurture", "main", True, False, False)),
        # manufacturing allows calls; below 1,000 employees a hook means email
        (PLANT, MFG, (MFG[0], None), "valid", ("email", "main", True, False, False)),
        (PLANT | {"employee_count": 1500}, MFG, (MFG[0], None), "valid",
         ("multichannel", "main", True, True, True)),
        (PLANT | {"linkedin_url": None}, MFG, None, "valid", ("call", None, False, False, True)),
        (PLANT | {"linkedin_url": None, "do_not_call": True}, MFG, None, "valid",
         ("nurture", "main", True, False, False)),
        (PLANT | {"linkedin_url": None, "phone": None}, MFG, None, "valid",
         ("nurture", "main", True, False, False)),
    ],
)  # fmt: skip
def test_each_routing_rule(change, signal_rows, hook, status, expected) -> None:
    people = fx.contacts(change)
    person = people["person_id"][0]
    segment = fx.MANUFACTURING if change.get("person_id") == PLANT["person_id"] else fx.FINTECH
    hooks = [hook_for(person, segment, hook[0], hook[1])] if hook else []
    table = routed(people, signal_rows, hooks, status)
    assert table.height == 1, table
    row = table.row(0, named=True)
    channel, track, has_email, has_profile, has_phone = expected
    assert (row["channel"], row["email_track"]) == (channel, track), row["channel_reason"]
    assert (row["email"] is not None, row["linkedin_url"] is not None) == (has_email, has_profile)
    assert (row["phone"] is not None) == has_phone
    assert row["segment"] == segment and row["sources"] == ["apollo"]
    assert row["opt_out_mechanisms"] == ["apollo: Unsubscribe link in every email"]
    if channel in ("email", "multichannel"):
        assert row["opener"] == hooks[0]["hook"] and row["opener_signal_id"] == hook[0]["signal_id"]
    assert row["opener_signal_id"] in {s["signal_id"] for s in signal_rows}


def test_parked_leads_are_not_routed_and_a_hook_for_another_segment_is_not_used() -> None:
    people = fx.contacts({})
    assert routed(people, []).is_empty()
    other = hook_for(ANN, fx.MANUFACTURING, FIN[0])
    row = routed(people, FIN, [other]).row(0, named=True)
    assert row["channel"] == "nurture" and row["opener"].startswith("Noticed: ")


def test_a_person_fitting_two_segments_is_routed_once_where_they_rank_best() -> None:
    people = fx.contacts({})
    rows = [*FIN[:1], *(s | {"account_domain": "brightlane.example"} for s in MFG)]
    segments = [fx.segment(fx.FINTECH), fx.segment(fx.MANUFACTURING)]
    # the same person fits both segments when both ICPs accept them: widen manufacturing's
    fit = icp_fit(people, fx.accounts(), fx.segments(fx.FINTECH), fx.sendable(people))
    both = pl.concat([fit, fit.with_columns(pl.lit(fx.MANUFACTURING).alias("segment"))])
    configs = load_scoring(fx.PROJECT / "data/scoring", segments)
    scores = lead_scores(both, fx.signals(*rows), segments, configs, fx.NOW)
    assert dict(scores.select("segment", "tier").iter_rows()) == {
        fx.FINTECH: "medium", fx.MANUFACTURING: "high"
    }
    leads = pl.DataFrame([], schema=LEAD_COLUMNS)
    table = route(scores, both, people, fx.sendable(people), leads, fx.signals(*rows),
                  PROVENANCE, configs, fx.NOW)  # fmt: skip
    assert table.select("person_id", "segment", "tier").rows() == [
        (ANN, fx.MANUFACTURING, "high")
    ]


UNSAFE_STATUSES = [s for s in VERDICT_STATUSES if s not in ("valid", "catch_all")]


@st.composite
def populations(draw):
    """People with random consent, staleness, verdicts and signals; some erased (absent from
    `core.contacts` yet still in the tables built before the erasure)."""
    size = draw(st.integers(1, 12))
    rows, verdicts, erased = [], [], []
    for i in range(size):
        pid = f"p_{i:016x}"
        domain = draw(st.sampled_from(["brightlane.example", "quayside.example"]))
        status = draw(st.sampled_from([*VERDICT_STATUSES, None]))
        rows.append({"person_id": pid, "email": f"p{i}@{domain}", "company_domain": domain,
                     "suppressed": draw(st.booleans()), "stale": draw(st.booleans()),
                     "linkedin_url": draw(st.sampled_from([None, f"https://www.linkedin.com/in/p{i}"]))})  # fmt: skip  # noqa: E501
        if status is not None:
            verdicts.append((pid, f"p{i}@{domain}", status))
        if draw(st.booleans()) and draw(st.booleans()):
            erased.append(pid)
    pool = [*FIN, LEADER, *(s | {"account_domain": "quayside.example",
                                 "signal_id": s["signal_id"][:-1] + "f"} for s in FIN)]  # fmt: skip
    chosen = draw(st.lists(st.sampled_from(pool), unique_by=lambda s: s["signal_id"]))
    return rows, verdicts, erased, chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations())
def test_no_unsafe_person_is_ever_routed(population) -> None:
    rows, verdicts, erased, signal_rows = population
    everyone = fx.contacts(*rows)
    people = everyone.filter(~pl.col("person_id").is_in(erased))
    # a verify layer that listed every verdict as sendable, for the suppressed and stale too:
    # fit must still refuse every unsafe one
    sendable = pl.DataFrame(
        [(p, e, s, "main" if s == "valid" else "capped") for p, e, s in verdicts],
        schema=fx.SENDABLE_SCHEMA, orient="row",
    )  # fmt: skip
    hooks = [hook_for(r["person_id"], fx.FINTECH, FIN[0]) for r in rows]
    table = routed(people, signal_rows, hooks, sendable=sendable)
    safe = set(
        people.join(sendable, on="person_id")
        .filter(~pl.col("suppressed") & ~pl.col("stale"))
        .filter(pl.col("email_status").is_in(["valid", "catch_all"]))["person_id"]
    )
    assert set(table["person_id"]) <= safe
    assert not set(table["person_id"]) & set(erased)
    status = dict(sendable.select("person_id", "email_status").iter_rows())
    for row in table.iter_rows(named=True):
        assert status[row["person_id"]] in ("valid", "catch_all")
        if row["email_track"] == "main":
            assert status[row["person_id"]] == "valid"

    assert set(UNSAFE_STATUSES) == {"unknown", "invalid", "disposable", "role", "do_not_mail"}
