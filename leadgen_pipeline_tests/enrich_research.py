"""Research fixtures: an account list, the claims the fake model makes about it (true ones,
near misses, invented quotes and emails, dead links, third-party pages), the pages the
fake site serves, and a runner for the kill-and-resume test
(`python -m leadgen_pipeline_tests.enrich_research DB LLM_URL SITE_URL`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.clients.http import RetryPolicy
from leadgen_pipeline.clients.llm import LlmClient
from leadgen_pipeline.clients.web import WebFetcher
from leadgen_pipeline.layers.enrich.research import ResearchRun, research_accounts
from leadgen_pipeline_tests.fakes.web_site import article

NOW = datetime(2026, 11, 25, tzinfo=UTC)
KEY = "sk-test-key"
ACME = "acmerobotics.io"
SERIES_A = f"https://{ACME}/news/series-a"
HIRING = f"https://www.{ACME}/careers"
REGISTER = "https://find-and-update.companieshouse.gov.uk/company/09912345"
QUOTE_A = "Acme Robotics today announced a $12 million Series A led by Northwind Ventures."
QUOTE_HIRING = "We are hiring 3 account executives for our London office."
QUOTE_REGISTER = "Acme Robotics Ltd allotted new shares on 2 October 2026."

PAGES = {
    SERIES_A: article("Acme Robotics raises Series A", QUOTE_A, "The round closes in October."),
    HIRING: article("Careers at Acme", QUOTE_HIRING),
    REGISTER: article("ACME ROBOTICS LTD", QUOTE_REGISTER),
    f"https://{ACME}/moved": "",
}
REDIRECTS = {f"https://{ACME}/moved": "https://elsewhere-news.com/acme"}


def claim(kind: str, text: str, url: str, quote: str, day: str = "2026-10-01") -> dict:
    return {"signal_type": kind, "claim": text, "date": day, "source_url": url, "quote": quote}


# claim text -> (verified, a word of the reason)
ACME_CLAIMS: dict[str, tuple[dict, bool, str]] = {
    "true_round": (
        claim(
            "funding_round",
            "Acme Robotics raised a $12M Series A led by Northwind Ventures",
            SERIES_A,
            QUOTE_A,
        ),
        True,
        "quote found",
    ),
    "wrong_amount": (
        claim("funding_round", "Acme Robotics raised a $15M Series A", SERIES_A, QUOTE_A),
        False,
        "amount:15000000",
    ),
    "wrong_round": (
        claim("funding_round", "Acme Robotics raised a $12M Series B", SERIES_A, QUOTE_A),
        False,
        "round:series b",
    ),
    "wrong_investor": (
        claim("funding_round", "Acme Robotics raised $12M from Sequoia Capital", SERIES_A, QUOTE_A),
        False,
        "name:sequoia capital",
    ),
    "invented_quote": (
        claim(
            "office_opening",
            "Acme Robotics opened an office in Berlin",
            SERIES_A,
            "Acme Robotics opened a new office in Berlin.",
        ),
        False,
        "quote not found",
    ),
    "invented_email": (
        claim("exec_hire", "New CFO, reachable at jane.cfo@acmerobotics.io", SERIES_A, QUOTE_A),
        False,
        "contact email",
    ),
    "dead_link": (
        claim(
            "product_launch",
            "Acme Robotics launched Arm 2",
            f"https://{ACME}/news/arm-2",
            "Acme launched Arm 2.",
        ),
        False,
        "dead link: HTTP 404",
    ),
    "third_party": (
        claim(
            "funding_round",
            "Acme Robotics raised a $12M Series A",
            "https://techgossip.com/acme-series-a",
            QUOTE_A,
        ),
        False,
        "third-party",
    ),
    "off_site_redirect": (
        claim(
            "partnership",
            "Acme Robotics partnered with Globex",
            f"https://{ACME}/moved",
            "Acme partners with Globex.",
        ),
        False,
        "redirects off the site",
    ),
    "true_hiring": (
        claim("hiring", "Acme Robotics is hiring three account executives", HIRING, QUOTE_HIRING),
        True,
        "quote found",
    ),
    "true_register": (
        claim(
            "funding_round",
            "Acme Robotics allotted new shares in October 2026",
            REGISTER,
            QUOTE_REGISTER,
            "2026-10-02",
        ),
        True,
        "quote found",
    ),
    "future": (
        claim(
            "funding_round", "Acme Robotics raised a $12M Series A", SERIES_A, QUOTE_A, "2027-01-01"
        ),
        False,
        "dated after",
    ),
}

ANSWERS = {
    ACME: [c for c, _, _ in ACME_CLAIMS.values()],
    "refusing.io": "refuse",
    "truncated.io": "truncate",
    "quiet.io": [],
}


def accounts() -> pl.DataFrame:
    domains = sorted(ANSWERS)
    return pl.DataFrame(
        {
            "account_domain": domains,
            "company_name": ["Acme Robotics Ltd" if d == ACME else d for d in domains],
            "segment": ["fintech_scaleups_eu"] * len(domains),
            "primary_sources": [["companieshouse.gov.uk"]] * len(domains),
        }
    )


def run(
    con: duckdb.DuckDBPyConnection,
    llm_url: str,
    site_url: str,
    *,
    budget: float | None = None,
    run_id: str = "r1",
    frame: pl.DataFrame | None = None,
) -> ResearchRun:
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.01)
    with (
        LlmClient(
            base_url=llm_url, api_key=KEY, model="fake-model", timeout_s=60, policy=policy
        ) as llm,
        WebFetcher(mirror=site_url, timeout_s=5) as fetcher,
    ):
        return research_accounts(
            con,
            accounts() if frame is None else frame,
            llm,
            fetcher,
            now=lambda: NOW,
            run_id=run_id,
            max_cost_usd=budget,
        )


if __name__ == "__main__":
    database, llm_base, site_base = sys.argv[1:4]
    with duckdb.connect(database) as connection:
        run(connection, llm_base, site_base, run_id="killed")
    Path(database + ".done").write_text("finished")
