"""The qualification layer and the marts on the demo: the funnel every layer of it shows, the
source costs, and a parked lead re-scored when a new signal arrives (a real Dagster run)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import yaml

from leadgen_pipeline.layers.score.assets import email_openers_cite_verified_signals
from leadgen_pipeline_tests.builds import Build, RunSummary, bound_defs, shared_instance

SEGMENTS = ("fintech_scaleups_eu", "manufacturing_midmarket_na")


def test_the_demo_funnel_shows_every_layer_for_both_segments(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, summary = demo_build
    assert summary.success and not summary.failed_checks
    with duckdb.connect(str(build.store), read_only=True) as con:
        steps = con.execute(
            "select segment, stage, sum(count) from marts.funnel where source = 'all' "
            "group by all order by 1, min(step)"
        ).fetchall()
        by_source = con.execute(
            "select count(distinct source) from marts.funnel where source <> 'all'"
        ).fetchall()[0][0]
        uncited = con.execute(
            """select count(*) from score.routed_leads r
               left join enrich.signals s on s.signal_id = r.opener_signal_id and s.verified
               where r.channel in ('email', 'multichannel') and s.signal_id is null"""
        ).fetchall()[0][0]
        commented = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and comment is not null"
        ).fetchall()[0][0]
    stages = ["raw_records", "unique_people", "verified", "icp_fit", "scored", "routed"]
    for segment in SEGMENTS:
        counts = {stage: n for seg, stage, n in steps if seg == segment}
        assert list(counts) == stages
        assert all(n > 0 for n in counts.values()), (segment, counts)
        assert counts["raw_records"] >= counts["unique_people"] >= counts["verified"]
        assert counts["verified"] >= counts["icp_fit"] == counts["scored"] >= counts["routed"]
    assert by_source == 4 and uncited == 0 and commented > 20


def test_the_demo_has_high_tier_leads_routed_by_email_with_openers_naming_verified_signals(
    demo_build: tuple[Build, RunSummary],
) -> None:
    """Every bucket of the qualifying steps holds someone in both segments, and each lead
    routed to email (alone or in a multichannel track) opens with its own verified signal:
    the enrichment's hook for that segment, citing a verified signal of the lead's account,
    recent enough for the segment's email track, and stating that signal's facts."""
    build, _ = demo_build
    with duckdb.connect(str(build.store), read_only=True) as con:
        funnel = con.execute(
            "select segment, stage, coalesce(bucket, ''), count from marts.funnel "
            "where source = 'all'"
        ).fetchall()
        tiers = dict(
            con.execute(
                "select segment, count(*) from score.lead_scores where tier = 'high' group by 1"
            ).fetchall()
        )
        emailed = (
            con.sql(
                """select r.person_id, r.segment, r.channel, r.email, r.email_track, r.opener,
                          r.opener_signal_id, l.segment as hook_segment, l.hook,
                          l.hook_signal_id, v.verified_email, v.send_track,
                          c.company_domain, s.account_domain, s.verified, s.signal_type,
                          s.signal_date, s.value, s.claim, r.routed_at
                   from score.routed_leads r
                   join core.contacts c using (person_id)
                   left join enrich.leads l using (person_id)
                   left join verify.sendable_contacts v using (person_id)
                   left join enrich.signals s on s.signal_id = r.opener_signal_id
                   where r.channel in ('email', 'multichannel')"""
            )
            .pl()
            .rows(named=True)
        )
    counts = {(seg, stage, bucket): n for seg, stage, bucket, n in funnel}
    scoring = {
        seg: yaml.safe_load((Path(__file__).parents[1] / f"data/scoring/{seg}.yaml").read_text())
        for seg in SEGMENTS
    }
    for segment in SEGMENTS:
        for stage in ("raw_records", "unique_people", "verified", "icp_fit"):
            assert counts[(segment, stage, "")] > 0, (segment, stage)
        for tier in ("high", "medium", "parked"):
            assert counts[(segment, "scored", tier)] > 0, (segment, tier)
        for channel in ("email", "linkedin", "multichannel", "nurture"):
            assert counts[(segment, "routed", channel)] > 0, (segment, channel)
        assert tiers.get(segment, 0) == counts[(segment, "scored", "high")]
        assert any(r["segment"] == segment and r["channel"] == "email" for r in emailed)
    for lead in emailed:
        who = (lead["person_id"], lead["segment"])
        # a valid address on the main track, the one verification cleared
        assert lead["email_track"] == "main" and lead["send_track"] == "main", who
        assert lead["email"] == lead["verified_email"] is not None, who
        # the opener is the enrichment's hook for this segment, citing that same signal
        assert lead["hook_segment"] == lead["segment"], who
        assert lead["opener"] == lead["hook"] is not None, who
        assert lead["opener_signal_id"] == lead["hook_signal_id"], who
        # ... a verified signal of the lead's own account, fresh enough to email on
        assert lead["verified"] is True, who
        assert lead["account_domain"] == lead["company_domain"], who
        age = (lead["routed_at"].date() - lead["signal_date"]).days
        assert 0 <= age <= scoring[lead["segment"]]["routing"]["email_signal_max_age_days"], who
        # ... and the sentence states that signal: its date and its own fact
        value = lead["value"]
        fact = {
            "funding_round": value["round"],
            "hiring": value["role"],
            "tech_adopted": value["technology"],
            "job_change": value["role"],
            "role_change": value["role"],
        }.get(lead["signal_type"], (lead["claim"] or "").rstrip("."))
        assert fact and fact in lead["opener"], (who, fact, lead["opener"])
        assert lead["signal_date"].isoformat() in lead["opener"], who


def test_source_performance_costs_come_from_the_manifest_and_the_ledgers(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    manifest = yaml.safe_load((Path(__file__).parents[1] / "data/sources.yaml").read_text())
    with duckdb.connect(str(build.store), read_only=True) as con:
        rows = con.sql("select * from marts.source_performance").pl().rows(named=True)
        records = {
            s: con.execute(f"select count(*) from raw.{s}").fetchone()[0]
            for s in manifest["sources"]
        }
        ledger = con.execute("select coalesce(sum(cost), 0) from verify.ledger").fetchone()[0]
    assert {r["source"] for r in rows} == set(manifest["sources"])
    for row in rows:
        price = manifest["sources"][row["source"]]["cost_per_record_usd"]
        assert row["records"] == records[row["source"]]
        assert abs(row["record_cost_usd"] - records[row["source"]] * price) < 1e-6
        assert row["exclusive_people"] <= row["unique_people"] <= row["records"]
        total = row["record_cost_usd"] + row["verification_cost_usd"] + row["research_cost_usd"]
        assert abs(row["total_cost_usd"] - total) < 1e-3
        if row["qualified_people"]:
            assert abs(row["cost_per_qualified_lead_usd"] - total / row["qualified_people"]) < 1e-3
    # each paid verification is shared out across the sources of its person, never twice
    assert sum(r["verification_cost_usd"] for r in rows) <= ledger + 1e-6


def test_a_parked_lead_moves_tier_when_a_signal_arrives_and_history_keeps_both(
    demo_copy: Build, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LEADGEN_EXPORT_DIR", str(tmp_path / "exports"))
    with duckdb.connect(str(demo_copy.store)) as con:
        person, domain, scored_at = con.execute(
            """select s.person_id, f.company_domain, s.scored_at
               from score.lead_scores s join score.icp_fit f using (person_id, segment)
               where s.tier = 'parked' and s.segment = 'manufacturing_midmarket_na'
               order by s.person_id limit 1"""
        ).fetchone()
        # a new verified job posting at the account: hiring_operations matches it
        con.execute(
            """insert into enrich.signals by name select
                 's_00000000000000aa' as signal_id, $domain as account_domain,
                 'hiring' as signal_type,
                 {'amount': null, 'currency': null, 'round': null, 'role': 'Plant Manager',
                  'department': 'Operations', 'count': 1, 'technology': null, 'category': null,
                  'topic': null, 'score': null, 'event': null, 'from_count': null,
                  'to_count': null, 'company': null} as value,
                 $day::date as signal_date, 'file:signals/new.csv' as source,
                 'https://jobs.example.com/new' as source_url,
                 'Hiring a Plant Manager' as claim, 'Plant Manager' as evidence,
                 true as verified, 'stated by signals/new.csv row 1' as verification,
                 1 as reports""",
            {"domain": domain, "day": scored_at.date()},
        )
    defs = bound_defs(demo_copy.folder, demo_copy.inbox, as_of=None)
    keys = [dg.AssetKey(k.split("/")) for k in (
        "score/lead_scores", "score/score_history", "score/routed_leads",
        "score/handoff_exports", "marts/funnel",
    )]  # fmt: skip
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=shared_instance(), asset_selection=keys
    )
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    with duckdb.connect(str(demo_copy.store), read_only=True) as con:
        history = con.execute(
            "select tier, score from score.score_history where person_id = $p "
            "and segment = 'manufacturing_midmarket_na' order by rowid",  # appended in run order
            {"p": person},
        ).fetchall()
        runs = con.execute("select count(distinct run_id) from score.score_history").fetchone()
        routed = con.execute(
            "select tier, channel from score.routed_leads where person_id = $p", {"p": person}
        ).fetchall()
        files = con.execute("select format, sum(rows) from score.handoff_exports group by all")
        exported = dict(files.fetchall())
        total = con.execute("select count(*) from score.routed_leads").fetchone()[0]
    assert [t for t, _ in history] == ["parked", "medium"]
    assert runs == (2,)
    assert routed == [("medium", "nurture")]
    assert exported == {"csv": total, "parquet": total}
    assert any((tmp_path / "exports").rglob("nurture.csv"))


def test_the_opener_check_refuses_a_signal_of_another_account(demo_copy: Build) -> None:
    """The check reads the table, not the router: an email lead whose opener cites another
    account's verified signal, or its own signal with a wrong date, is counted."""
    with duckdb.connect(str(demo_copy.store)) as con:
        assert email_openers_cite_verified_signals(con).passed
        person, domain = con.execute(
            "select r.person_id, f.company_domain from score.routed_leads r "
            "join score.icp_fit f using (person_id, segment) "
            "where r.channel = 'email' order by r.person_id limit 1"
        ).fetchone()
        foreign = con.execute(
            "select signal_id from enrich.signals where verified and account_domain <> ? "
            "order by signal_id limit 1",
            [domain],
        ).fetchone()[0]
        con.execute(
            "update score.routed_leads set opener_signal_id = ? where person_id = ?",
            [foreign, person],
        )
        refused = email_openers_cite_verified_signals(con)
        assert not refused.passed
        assert refused.metadata["uncited_email_openers"].value == 1
