"""Research benchmark: AI account research against a loopback OpenAI-compatible model and a
loopback web site, every claim checked against its page and every call booked in DuckDB.

The servers are the test suite's fakes (`leadgen_pipeline_tests.fakes.llm_server`,
`.web_site`), each answering after `--latency-ms` and failing about `--fault-rate` of the
requests (the model with 429 or 503, the site with 503), drawn from seeded generators. For
each of `--accounts` generated accounts the model makes five claims: two true (a funding
round and a hiring count, each quoted from the company's own page) and three fabrications
(the real quote with a wrong amount, an invented quote, and in turn a third-party page, a
dead link or an invented contact email). The pipeline's `research_accounts` asks, fetches,
checks and books; a rerun on the same store must ask nothing.

Reported per run: claims checked per second, fabrications accepted (target 0), true
claims rejected (target <= 2 %), LLM calls on the rerun (target 0); medians of `--repeat`
runs, each on a fresh store.

    python benchmarks/research.py
    python benchmarks/research.py --accounts 200 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.clients.http import RetryPolicy
from leadgen_pipeline.clients.llm import LlmClient
from leadgen_pipeline.clients.web import WebFetcher
from leadgen_pipeline.layers.enrich.research import research_accounts
from leadgen_pipeline_tests.fakes.llm_server import FakeLlmServer
from leadgen_pipeline_tests.fakes.web_site import FakeWebSite, article

NOW = datetime(2026, 11, 25, tzinfo=UTC)
ROUNDS = ("Seed", "Series A", "Series B", "Series C")
SYLLABLES = ("kor", "vel", "tam", "ris", "bra", "zen", "lum", "dor", "fen", "qua", "mir", "sol")


def company(i: int) -> str:
    a, b, c = i % 12, (i // 12) % 12, (i // 144) % 12
    return f"{SYLLABLES[a].title()}{SYLLABLES[b]}{SYLLABLES[c]} Systems"


def world(accounts: int, seed: int) -> tuple[pl.DataFrame, dict, dict, set[tuple[str, str]]]:
    """Accounts, the model's claims per domain, the site's pages, and the true claims."""
    rng = random.Random(seed)
    answers: dict[str, list[dict]] = {}
    pages: dict[str, str] = {}
    true_claims: set[tuple[str, str]] = set()
    rows = []
    for i in range(accounts):
        name = company(i)
        domain = f"{name.split()[0].lower()}{i}.io"
        millions = rng.randint(2, 90)
        round_name = rng.choice(ROUNDS)
        hires = rng.randint(2, 9)
        news, careers = f"https://{domain}/news/{i}", f"https://www.{domain}/careers"
        quote = f"{name} today announced a ${millions} million {round_name} round."
        hiring = f"We are hiring {hires} account executives this quarter."
        pages[news] = article(f"{name} raises {round_name}", quote, "More to follow.")
        pages[careers] = article("Careers", hiring)
        day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
        true = [
            {
                "signal_type": "funding_round",
                "date": day,
                "source_url": news,
                "quote": quote,
                "claim": f"{name} raised a ${millions}M {round_name}",
            },
            {
                "signal_type": "hiring",
                "date": day,
                "source_url": careers,
                "quote": hiring,
                "claim": f"{name} is hiring {hires} account executives",
            },
        ]
        kind = i % 3
        fabricated = [
            {
                "signal_type": "funding_round",
                "date": day,
                "source_url": news,
                "quote": quote,
                "claim": f"{name} raised a ${millions + 5}M {round_name}",
            },
            {
                "signal_type": "office_opening",
                "date": day,
                "source_url": news,
                "quote": f"{name} opened a new office in Lisbon.",
                "claim": f"{name} opened an office in Lisbon",
            },
            {
                "signal_type": "funding_round",
                "date": day,
                "source_url": [
                    f"https://startup-gossip.com/{i}",
                    f"https://{domain}/gone/{i}",
                    news,
                ][kind],
                "quote": quote if kind != 1 else "Gone.",
                "claim": [
                    f"{name} raised a ${millions}M {round_name}",
                    f"{name} launched a product",
                    f"Reach the CEO at ceo{i}@{domain}",
                ][kind],
            },
        ]
        answers[domain] = true + fabricated
        true_claims |= {(c["claim"], c["source_url"]) for c in true}
        rows.append((domain, name, "fintech_scaleups_eu", []))
    frame = pl.DataFrame(
        rows,
        schema={
            "account_domain": pl.String,
            "company_name": pl.String,
            "segment": pl.String,
            "primary_sources": pl.List(pl.String),
        },
        orient="row",
    )
    return frame, answers, pages, true_claims


def one_run(args: argparse.Namespace, seed: int) -> dict:
    accounts, answers, pages, true_claims = world(args.accounts, seed)
    latency = args.latency_ms / 1000
    policy = RetryPolicy(max_attempts=4, base_delay_s=0.05)
    with (
        FakeLlmServer(answers, latency_s=latency, fault_rate=args.fault_rate, seed=seed) as llm,
        FakeWebSite(pages, latency_s=latency, fault_rate=args.fault_rate, seed=seed) as site,
        tempfile.TemporaryDirectory() as folder,
        duckdb.connect(str(Path(folder) / "research.duckdb")) as con,
    ):

        def research(run_id: str):
            with (
                LlmClient(
                    base_url=llm.base_url,
                    api_key="sk-test-key",
                    model="bench-model",
                    timeout_s=10,
                    policy=policy,
                ) as client,
                WebFetcher(mirror=site.base_url, timeout_s=10, policy=policy) as fetcher,
            ):
                return research_accounts(
                    con,
                    accounts,
                    client,
                    fetcher,
                    now=lambda: NOW,
                    run_id=run_id,
                    max_cost_usd=None,
                )

        started = time.perf_counter()
        run = research("first")
        wall = time.perf_counter() - started
        asked = len(llm.requests)
        rerun = research("rerun")
        rerun_calls = len(llm.requests) - asked
    claims = run.candidates
    # a claim is told true or fabricated by its wording and its page together: the same
    # wording on a third-party page is a fabrication of provenance
    keyed = claims.select(pl.struct("claim", "source_url").alias("key"), "problem")
    verified = [
        (k["claim"], k["source_url"]) for k in keyed.filter(pl.col("problem").is_null())["key"]
    ]
    rejected = [
        (k["claim"], k["source_url"]) for k in keyed.filter(pl.col("problem").is_not_null())["key"]
    ]
    true_total = (
        len(verified) + len(rejected) - sum(1 for c in verified + rejected if c not in true_claims)
    )
    return {
        "accounts": args.accounts,
        "claims": claims.height,
        "wall_s": round(wall, 2),
        "claims_per_s": round(claims.height / wall, 1),
        "verified_per_s": round(len(verified) / wall, 1),
        "fabrications_accepted": sum(1 for c in verified if c not in true_claims),
        "true_claims_rejected_pct": round(
            100 * sum(1 for c in rejected if c in true_claims) / max(true_total, 1), 2
        ),
        "llm_requests_first_run": asked,
        "llm_calls_on_rerun": rerun_calls + rerun.calls,
        "accounts_not_researched": len(run.not_researched),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args, seed) for seed in range(1, args.repeat + 1)]
    for run in runs:
        print(json.dumps(run))
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(json.dumps({"median": median, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
