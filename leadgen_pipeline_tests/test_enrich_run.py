"""The enrich layer in real Dagster runs on the demo: every sendable person becomes a lead,
hooks cite verified, fresh, segment-relevant signals only, a file that cannot be read stops
the build and keeps the last signals, and AI research reaches a hook only once verified."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb
import polars as pl

from leadgen_pipeline.layers.enrich.assets import LEADS, RESEARCH_LEDGER, SIGNALS, signals_assets
from leadgen_pipeline.layers.enrich.assets import enrich_leads as leads_asset
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs, ResearchResource
from leadgen_pipeline_tests import enrich_headers as eh
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import PROJECT, Build, RunSummary, bound_defs, shared_instance
from leadgen_pipeline_tests.fakes.llm_server import FakeLlmServer
from leadgen_pipeline_tests.fakes.web_site import FakeWebSite, article

ENRICH = {SIGNALS, RESEARCH_LEDGER, LEADS}
MANUFACTURER = "vexisrel-works.com"  # a demo account in manufacturing_midmarket_na
FINTECH = "coraara-credit.io"  # a demo account in fintech_scaleups_eu
DEMO_DAY = date(2026, 11, 20)


def _run_enrich(build: Build) -> dg.ExecuteInProcessResult:
    defs = bound_defs(build.folder, build.inbox, as_of=None)
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=ENRICH)
    return job.execute_in_process(instance=shared_instance(), raise_on_error=False)


def _read(build: Build, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(build.store), read_only=True) as con:
        return con.sql(sql).pl()


def test_the_demo_gives_every_sendable_person_a_lead_and_only_cited_fresh_hooks(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, run = demo_build
    assert not [c for c in run.failed_checks if c.startswith("enrich/")]
    leads = _read(build, "select * from enrich.leads")
    sendable = _read(build, "select person_id from verify.sendable_contacts")
    assert sorted(leads["person_id"]) == sorted(sendable["person_id"])
    hooked = _read(
        build,
        """select l.hook, l.hook_date, l.built_at, l.window_days, s.signal_date, s.verified,
                  s.signal_type, s.account_domain = l.company_domain as same_account
           from enrich.leads l join enrich.signals s on s.signal_id = l.hook_signal_id""",
    )
    assert hooked.height == leads["hook"].is_not_null().sum() > 0
    assert hooked["verified"].all() and hooked["same_account"].all()
    assert (hooked["hook_date"] == hooked["signal_date"]).all()
    assert all(str(d) in hook for hook, d in zip(hooked["hook"], hooked["hook_date"], strict=True))
    age = (hooked["built_at"].dt.date() - hooked["signal_date"]).dt.total_days()
    assert (age <= hooked["window_days"]).all()
    assert "intent_surge" not in hooked["signal_type"].to_list()
    kinds = _read(build, "select distinct source from enrich.signals")["source"].to_list()
    assert "snapshots" in kinds and any(k.startswith("vendor:") for k in kinds)
    # Evaboot's time in position, read again from its file, dates a recent role change
    tenure = _read(
        build,
        """select s.signal_date, s.claim, s.person_id from enrich.signals s
           where s.source = 'vendor:evaboot:Months in Position'""",
    )
    assert tenure.height > 0 and tenure["person_id"].is_not_null().all()
    for claim, day in zip(tenure["claim"], tenure["signal_date"], strict=True):
        months = int(claim.split(" for ")[1].split(" months")[0])
        pulled = date.fromisoformat(claim.rsplit(" ", 1)[1])
        assert (pulled.year * 12 + pulled.month) - (day.year * 12 + day.month) == months
        assert day.day == pulled.day or day.day < pulled.day  # month ends clamp the day


def test_a_fresh_relevant_round_becomes_the_hook_and_a_bad_file_keeps_the_last_signals(
    demo_copy: Build,
) -> None:
    vh.write_export(
        demo_copy.inbox / "signals/pe-deals-2026-11-19.csv",
        eh.FUNDING_ROUNDS,
        [
            {
                "company_domain": f"https://www.{MANUFACTURER}/",
                "company_name": "Vexisrel Works",
                "round": "Growth Equity",
                "amount_usd": "25000000",
                "announced_on": "2026-11-15",
                "source_url": f"https://{MANUFACTURER}/news/growth",
            },
            {"company_domain": MANUFACTURER, "round": "Series Z", "announced_on": "2026-12-24"},
            {
                "company_domain": MANUFACTURER,
                "round": "Private Equity",
                "announced_on": "2024-01-10",
            },
            {"company_domain": MANUFACTURER, "round": "Series B", "announced_on": "2026-11-18"},
        ],
    )
    assert _run_enrich(demo_copy).success
    signals = _read(
        demo_copy,
        f"select * from enrich.signals where account_domain = '{MANUFACTURER}'"
        " and source like 'file:signals/pe-deals%'",
    )
    by_round = {row["value"]["round"]: row for row in signals.iter_rows(named=True)}
    assert not by_round["Series Z"]["verified"]
    assert by_round["Series Z"]["verification"] == f"dated after {DEMO_DAY.isoformat()}"
    leads = _read(demo_copy, f"select * from enrich.leads where company_domain = '{MANUFACTURER}'")
    assert leads.height >= 1
    growth = by_round["Growth Equity"]
    # one account, one hook: the account's name, whatever each person's record spells
    assert leads["hook"].n_unique() == 1
    for lead in leads.iter_rows(named=True):
        assert lead["hook"].endswith(" raised a Growth Equity of $25.0M (2026-11-15).")
        assert lead["hook_signal_id"] == growth["signal_id"]
        assert lead["hook_source_url"] == f"https://{MANUFACTURER}/news/growth"
        listed = set(lead["signal_ids"])
        assert by_round["Series Z"]["signal_id"] not in listed  # unverified
        assert by_round["Private Equity"]["signal_id"] not in listed  # older than the window
        assert by_round["Series B"]["signal_id"] not in listed  # not what this segment buys on
    before = _read(demo_copy, "select * from enrich.signals order by signal_id")

    vh.write_export(
        demo_copy.inbox / "signals/unknown-2026-11-19.csv",
        ["Organisation", "Happened"],
        [{"Organisation": "x"}],
    )
    failed = _run_enrich(demo_copy)
    assert not failed.success
    (failure,) = [e for e in failed.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert "signals/unknown-2026-11-19.csv" in message and "`announced_on`" in message
    assert _read(demo_copy, "select * from enrich.signals order by signal_id").equals(before)


CLAIM_URL = f"https://{FINTECH}/press/series-a"
QUOTE = "Coraara Credit has closed a €18 million Series A to expand its lending platform."


def _research(demo_copy: Build, llm: FakeLlmServer, site: FakeWebSite) -> dg.ExecuteInProcessResult:
    research = ResearchResource(
        base_url=llm.base_url,
        api_key="sk-test-key",
        model="fake-model",
        web_mirror=site.base_url,
        max_attempts=2,
        retry_base_delay_s=0.01,
    )
    return dg.materialize(
        [signals_assets(research), leads_asset],
        resources={
            "duckdb": DuckDBStore(database=str(demo_copy.store)),
            "inputs": LeadgenInputs(
                inbox=str(demo_copy.inbox),
                icp_dir=str(PROJECT / "data/icp"),
                sources_manifest=str(PROJECT / "data/sources.yaml"),
            ),
        },
        instance=shared_instance(),
        raise_on_error=False,
    )


def test_research_reaches_a_hook_only_verified_and_a_rerun_asks_nothing(
    demo_copy: Build,
) -> None:
    answers = {
        FINTECH: [
            {
                "signal_type": "funding_round",
                "claim": "Coraara Credit raised a €18M Series A",
                "date": "2026-11-12",
                "source_url": CLAIM_URL,
                "quote": QUOTE,
            },
            {
                "signal_type": "funding_round",
                "claim": "Coraara Credit raised a €28M Series A",
                "date": "2026-11-19",
                "source_url": CLAIM_URL,
                "quote": QUOTE,
            },
        ]
    }
    pages = {CLAIM_URL: article("Coraara Credit raises Series A", QUOTE)}
    with FakeLlmServer(answers) as llm, FakeWebSite(pages) as site:
        first = _research(demo_copy, llm, site)
        asked = len(llm.requests)
        second = _research(demo_copy, llm, site)
        assert len(llm.requests) == asked
    failed = [
        (c.check_name, c.metadata) for c in first.get_asset_check_evaluations() if not c.passed
    ]
    assert first.success and second.success, failed
    researched = _read(demo_copy, "select * from enrich.signals where source = 'research'")
    true, near_miss = sorted(researched.iter_rows(named=True), key=lambda r: r["signal_date"])
    assert true["verified"] and "every specific" in true["verification"]
    assert not near_miss["verified"] and "amount:28000000" in near_miss["verification"]
    ledger = _read(demo_copy, "select * from enrich.research_ledger")
    assert ledger.height == asked and set(ledger["charge"]) == {"paid"}
    leads = _read(demo_copy, f"select * from enrich.leads where company_domain = '{FINTECH}'")
    assert leads.height >= 1
    assert set(leads["hook_signal_id"]) == {true["signal_id"]}
    (hook,) = set(leads["hook"])
    assert hook.endswith(" raised a Series A of EUR 18.0M (2026-11-12).") or hook.startswith(
        "Coraara Credit raised a €18M Series A"
    ), hook
    assert near_miss["signal_id"] not in set(leads["signal_ids"].explode())
