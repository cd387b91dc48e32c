"""AI research over real HTTP on 127.0.0.1: a fake OpenAI-compatible model and a fake site
of primary-source pages (through `LEADGEN_WEB_MIRROR`-style mirroring). Every kind of
fabrication is rejected with its reason, true claims are verified, refusals and truncated
JSON are handled, a rerun calls nothing, and a killed run's resume asks only the prompt
that was in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.clients.http import ProviderError, RetryPolicy
from leadgen_pipeline.clients.llm import LlmClient
from leadgen_pipeline.clients.web import WebFetcher
from leadgen_pipeline.kernel.text_facts import missing_specifics
from leadgen_pipeline_tests import enrich_research as er
from leadgen_pipeline_tests.fakes import Fault
from leadgen_pipeline_tests.fakes.llm_server import PATH, FakeLlmServer
from leadgen_pipeline_tests.fakes.web_site import FakeWebSite


@pytest.fixture
def site() -> FakeWebSite:
    with FakeWebSite(er.PAGES, er.REDIRECTS) as server:
        yield server


def _ledger(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("select * from enrich.research_ledger order by called_at, prompt_sha256").pl()


def test_every_fabrication_is_rejected_with_its_reason_and_true_claims_are_verified(
    con: duckdb.DuckDBPyConnection, site: FakeWebSite
) -> None:
    with FakeLlmServer(er.ANSWERS) as llm:
        llm.script(
            Fault.status(429, headers={"retry-after": "0"}, path=PATH), Fault.status(503, path=PATH)
        )
        run = er.run(con, llm.base_url, site.base_url)
    claims = {
        (row["claim"], row["source_url"], str(row["signal_date"])): row
        for row in run.candidates.iter_rows(named=True)
    }
    assert len(claims) == len(er.ACME_CLAIMS)
    for name, (claim, verified, reason) in er.ACME_CLAIMS.items():
        text = claim["claim"].replace("jane.cfo@acmerobotics.io", "[email removed]")
        row = claims[(text, claim["source_url"], claim["date"])]
        why = row["note"] if verified else row["problem"]
        assert (row["problem"] is None) is verified, name
        assert reason in why, (name, why)
    assert "jane.cfo" not in " ".join(run.candidates["claim"].to_list())
    # the refusal and the truncated JSON are paid answers with no claims, named as such
    assert "refused" in run.not_researched["refusing.io"]
    assert "finish_reason length" in run.not_researched["truncated.io"]
    # the 429 and the 503 were retried: four accounts, four paid answers
    assert run.calls == 4
    assert _ledger(con)["outcome"].to_list().count("answered") == 2


def test_a_rerun_makes_no_call_and_pages_are_fetched_once(
    con: duckdb.DuckDBPyConnection, site: FakeWebSite
) -> None:
    with FakeLlmServer(er.ANSWERS) as llm:
        first = er.run(con, llm.base_url, site.base_url, run_id="first")
        asked, fetched = len(llm.requests), len(site.requests)
        second = er.run(con, llm.base_url, site.base_url, run_id="second")
        assert len(llm.requests) == asked and len(site.requests) == fetched
    assert (first.calls, second.calls, second.cached) == (4, 0, 4)
    assert second.candidates.sort("claim").equals(first.candidates.sort("claim"))
    assert _ledger(con).height == 4


def test_the_budget_stops_research_before_the_call_that_would_pass_it(
    con: duckdb.DuckDBPyConnection, site: FakeWebSite
) -> None:
    with FakeLlmServer(er.ANSWERS) as llm:
        run = er.run(con, llm.base_url, site.base_url, budget=0.0001)
    # one answer costs 0.000066 USD at the default pricing: the second passes the budget
    assert run.calls == 2
    assert sum("budget" in why for why in run.not_researched.values()) == 2


def test_a_refused_key_stops_research(con: duckdb.DuckDBPyConnection, site: FakeWebSite):
    from leadgen_pipeline.layers.enrich.research import ResearchStopped

    with FakeLlmServer(er.ANSWERS, api_key="another-key") as llm, pytest.raises(ResearchStopped):
        er.run(con, llm.base_url, site.base_url)


def test_a_killed_run_resumes_asking_only_the_prompt_in_flight(
    tmp_path: Path, site: FakeWebSite
) -> None:
    database = tmp_path / "research.duckdb"
    with FakeLlmServer(er.ANSWERS, block_after=2) as llm:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "leadgen_pipeline_tests.enrich_research",
                str(database),
                llm.base_url,
                site.base_url,
            ],
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while llm.answered < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the first two answers are booked before the third call starts
        child.send_signal(signal.SIGKILL)
        child.wait()
        llm.release.set()  # the dead run's request is answered into a closed socket
        time.sleep(0.3)
        in_flight = sorted(er.ANSWERS)[2]
        llm.block_after = None
        llm.clear_log()
        with duckdb.connect(str(database)) as con:
            resumed = er.run(con, llm.base_url, site.base_url, run_id="resumed")
            ledger = _ledger(con)
        asked = [r.body["messages"][1]["content"] for r in llm.requests]
    assert not (tmp_path / "research.duckdb.done").exists()
    # the third prompt was in flight: booked as possibly charged, then asked again, along
    # with the fourth that was never reached; the first two come from the cache
    assert resumed.possibly_charged == 1
    assert resumed.calls == 2 and resumed.cached == 2
    assert any(in_flight in prompt for prompt in asked) and len(asked) == 2
    possibly = ledger.filter(pl.col("charge") == "possibly_charged")
    assert possibly["account_domain"].to_list() == [in_flight]
    assert ledger.filter(pl.col("charge") == "paid").height == 4


def test_llm_client_reports_truncation_and_refusal_and_keeps_the_key_out_of_errors():
    with FakeLlmServer({"a.io": "truncate", "b.io": "refuse"}) as llm:
        client = LlmClient(
            base_url=llm.base_url + "/v1",
            api_key=er.KEY,
            model="m",
            policy=RetryPolicy(max_attempts=2, base_delay_s=0.01),
        )
        with client:
            cut = client.complete_json([{"role": "user", "content": "Website: https://a.io/"}], {})
            no = client.complete_json([{"role": "user", "content": "Website: https://b.io/"}], {})
            llm.script(*[Fault.status(500, path=PATH)] * 2)
            with pytest.raises(ProviderError) as failure:
                client.complete_json([{"role": "user", "content": "x"}], {})
    assert cut.content is None and "truncated" in cut.failure and cut.prompt_tokens == 120
    assert no.content is None and no.failure.startswith("refused")
    assert er.KEY not in str(failure.value)


def test_fetcher_mirrors_caps_size_and_keeps_redirects_on_the_site(site: FakeWebSite) -> None:
    site.script(Fault.status(503, headers={"retry-after": "0"}))
    with WebFetcher(mirror=site.base_url, max_bytes=200) as fetcher:
        page = fetcher.fetch(er.SERIES_A)  # a 503 first: asked again
        moved = fetcher.fetch(f"https://{er.ACME}/moved")
        missing = fetcher.fetch(f"https://{er.ACME}/nowhere")
    assert page.url == er.SERIES_A and page.truncated and len(page.html) == 200
    assert [r.status for r in site.requests[:2]] == [503, 200]
    assert site.requests[0].path == f"/{er.ACME}/news/series-a"
    assert moved.failure.startswith("redirects off the site")
    assert missing.failure == "dead link: HTTP 404"


@pytest.mark.parametrize(
    ("claim", "quote", "missing"),
    [
        ("raised $12M in March 2026", "closed a $12 million round on 4 March 2026", []),
        ("raised €12M", "closed a $12 million round", ["currency:EUR"]),
        ("hired 40 engineers", "hired forty engineers and 3 designers", ["amount:40"]),
        ("raised a Series A in May 2026", "raised a Series A in 2026", ["month:2026-05"]),
        ("Jane Doe joined as CFO", "Jane Doe joined as CFO", []),
        ("John Roe joined as CFO", "Jane Doe joined as CFO", ["name:john roe"]),
    ],
)
def test_a_claims_specifics_must_be_in_its_quote(claim, quote, missing) -> None:
    assert missing_specifics(claim, quote) == missing


def test_a_prompt_without_an_answer_is_booked_possibly_charged_and_asked_again(
    con: duckdb.DuckDBPyConnection, site: FakeWebSite
) -> None:
    with FakeLlmServer(er.ANSWERS) as llm:
        llm.script(*[Fault.status(503, path=PATH)] * 3)  # every attempt for the first account
        first = er.run(con, llm.base_url, site.base_url, run_id="first")
        llm.clear_log()
        second = er.run(con, llm.base_url, site.base_url, run_id="second")
        asked = [r.body["messages"][1]["content"] for r in llm.requests]
    assert first.calls == 3 and first.not_researched[er.ACME].startswith("no answer")
    ledger = _ledger(con)
    (lost,) = ledger.filter(pl.col("charge") == "possibly_charged").to_dicts()
    assert lost["account_domain"] == er.ACME and lost["outcome"].startswith("no answer")
    assert second.calls == 1 and len(asked) == 1 and er.ACME in asked[0]
    assert ledger.filter(pl.col("charge") == "paid").height == 4
