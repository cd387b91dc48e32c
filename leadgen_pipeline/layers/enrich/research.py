"""AI account research whose every claim is checked by the pipeline itself.

For each account that fits an ICP segment and is not suppressed, one prompt asks for
recent events as JSON where every claim carries a source URL and a verbatim quote. A claim
is **verified** only when (1) its page is on the company's own registrable domain or a
primary source the segment lists, (2) the pipeline fetched the page and found the quote in
its main text (trafilatura; whitespace, entities and quotes normalised), and (3) the
claim's specifics — amounts, currencies, rounds, counts, dates, names — are in the quote
(`kernel.text_facts`). Anything else is kept with `verified = false` and the reason. A
claim that carries a contact email is never used (models invent addresses).

The books: answers are cached by (model, prompt hash) in `enrich.research_answers`, pages
by URL in `enrich.research_pages`. Before each call an intent is written
(`enrich.research_intents`); the answer, its ledger row (`enrich.research_ledger`) and the
closing of the intent are one transaction, done before the next call. A rerun finds every
answer cached and calls nothing; a killed run leaves its in-flight intents, which the next
run books as `possibly_charged` before asking those prompts again. The budget
(`max_cost_usd` per run) stops research before the call that would pass it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import polars as pl

from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.clients.llm import Completion, LlmClient
from leadgen_pipeline.clients.web import Page, WebFetcher, site_of
from leadgen_pipeline.kernel import store
from leadgen_pipeline.kernel.hashing import sha256_hex
from leadgen_pipeline.kernel.privacy import EMAIL_PATTERN
from leadgen_pipeline.kernel.progress import Progress
from leadgen_pipeline.kernel.text_facts import (
    amounts,
    currencies,
    missing_specifics,
    normalise_text,
    rounds,
)
from leadgen_pipeline.layers.enrich.signal_files import CANDIDATE_SCHEMA
from leadgen_pipeline.layers.enrich.vocab import SIGNAL_TYPES, TIE_BREAK_ONLY, VALUE_SCHEMA

PROMPT_VERSION = "research-v1"
RESEARCHABLE = tuple(t for t in SIGNAL_TYPES if t not in TIE_BREAK_ONLY)
CLAIM_SCHEMA = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "signal_type": {"type": "string", "enum": list(RESEARCHABLE)},
                    "claim": {"type": "string"},
                    "date": {"type": ["string", "null"]},
                    "source_url": {"type": "string"},
                    "quote": {"type": "string"},
                },
                "required": ["signal_type", "claim", "date", "source_url", "quote"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["claims"],
    "additionalProperties": False,
}
SYSTEM = (
    "You research B2B accounts. List recent company events (funding, hiring, launches, "
    "acquisitions, partnerships, office openings, executive hires). Every claim must cite "
    "one page URL and quote the sentence from that page verbatim. Return JSON only; no "
    "contact details."
)
_EMAIL = re.compile(EMAIL_PATTERN)

LEDGER_SCHEMA = {
    "model": pl.String(),
    "prompt_sha256": pl.String(),
    "account_domain": pl.String(),
    "prompt_tokens": pl.Int64(),
    "completion_tokens": pl.Int64(),
    "cost_usd": pl.Float64(),
    "called_at": pl.Datetime("us", "UTC"),
    "run_id": pl.String(),
    "charge": pl.String(),
    "outcome": pl.String(),
}
_ANSWERS = "enrich.research_answers"
_PAGES = "enrich.research_pages"
_INTENTS = "enrich.research_intents"
LEDGER = "enrich.research_ledger"


class ResearchStopped(Exception):
    """Research cannot go on at all (the key is refused); answers so far are kept."""


@dataclass
class ResearchRun:
    """What one research pass found and what it cost."""

    candidates: pl.DataFrame
    calls: int = 0
    cached: int = 0
    possibly_charged: int = 0
    failed: int = 0
    cost_usd: float = 0.0
    not_researched: dict[str, str] = field(default_factory=dict)  # account -> why
    rejected_claims: list[tuple[str, str]] = field(default_factory=list)  # (account, why)
    # calls made, paid, reused, failures and wall time (`kernel.progress`)
    summary: dict[str, int | float] = field(default_factory=dict)

    def stats(self) -> dict[str, object]:
        return {
            "llm_calls_this_run": self.calls,
            "answers_from_cache": self.cached,
            "booked_possibly_charged": self.possibly_charged,
            "failed_answers": self.failed,
            "cost_this_run_usd": round(self.cost_usd, 6),
            "accounts_not_researched": len(self.not_researched),
            **self.summary,
        }


def prompt_for(domain: str, company: str | None, segment: str) -> list[dict[str, str]]:
    user = (
        f"Company: {company or domain}\nWebsite: https://{domain}/\nSegment: {segment}\n"
        f"Prompt version: {PROMPT_VERSION}\nList the events of the last 12 months."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def prompt_hash(model: str, messages: list[dict[str, str]]) -> str:
    return sha256_hex(json.dumps([model, messages], sort_keys=True))


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists enrich")
    con.execute(
        f"create table if not exists {_ANSWERS} (model varchar, prompt_sha256 varchar, "
        "account_domain varchar, content varchar, failure varchar, answered_at timestamptz)"
    )
    con.execute(
        f"create table if not exists {_PAGES} (url varchar, final_url varchar, status bigint, "
        "main_text varchar, failure varchar, fetched_at timestamptz)"
    )
    con.execute(
        f"create table if not exists {_INTENTS} (model varchar, prompt_sha256 varchar, "
        "account_domain varchar, run_id varchar, started_at timestamptz)"
    )
    with store.registered(con, pl.DataFrame(schema=LEDGER_SCHEMA)) as empty:
        con.execute(f"create table if not exists {LEDGER} as select * from {empty}")


def book_leftover_intents(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Intents a killed run left: each a call that may have been charged. Booked in the
    ledger, then closed, so the prompts are asked again and the books show the risk."""
    ((left,),) = con.execute(f"select count(*) from {_INTENTS}").fetchall()
    if left:
        with store.transaction(con):
            con.execute(
                f"insert into {LEDGER} select model, prompt_sha256, account_domain, null, null, "
                "null, started_at, run_id, 'possibly_charged', 'in flight when the run "
                f"stopped' from {_INTENTS}"
            )
            con.execute(f"delete from {_INTENTS}")
    return int(left)


def _ask(
    con: duckdb.DuckDBPyConnection,
    client: LlmClient,
    domain: str,
    sha: str,
    messages: list[dict[str, str]],
    run_id: str,
    clock: Callable[[], datetime],
) -> Completion:
    con.execute(
        f"insert into {_INTENTS} values (?, ?, ?, ?, ?)",
        [client.model, sha, domain, run_id, clock()],
    )
    answer = client.complete_json(messages, CLAIM_SCHEMA, name="account_events")
    outcome = answer.failure or "answered"
    with store.transaction(con):
        con.execute(
            f"insert into {_ANSWERS} values (?, ?, ?, ?, ?, ?)",
            [
                client.model,
                sha,
                domain,
                json.dumps(answer.content) if answer.content is not None else None,
                answer.failure,
                clock(),
            ],
        )
        con.execute(
            f"insert into {LEDGER} values (?, ?, ?, ?, ?, ?, ?, ?, 'paid', ?)",
            [
                client.model,
                sha,
                domain,
                answer.prompt_tokens,
                answer.completion_tokens,
                answer.cost_usd,
                clock(),
                run_id,
                outcome,
            ],
        )
        con.execute(
            f"delete from {_INTENTS} where model = ? and prompt_sha256 = ? and run_id = ?",
            [client.model, sha, run_id],
        )
    return answer


def _close_unanswered(
    con: duckdb.DuckDBPyConnection,
    model: str,
    sha: str,
    run_id: str,
    error: ProviderError,
    clock: Callable[[], datetime],
) -> None:
    """A call that got no answer: a refused key charged nothing and leaves no trace; any
    other failure (timeouts, 5xx past the retries) may have been billed, so it is booked
    `possibly_charged`, and the prompt is asked again next run (no answer was cached)."""
    with store.transaction(con):
        if error.stop_reason != "auth":
            con.execute(
                f"insert into {LEDGER} select model, prompt_sha256, account_domain, null, null, "
                "null, ?, run_id, 'possibly_charged', ? from "
                + _INTENTS
                + " where model = ? and prompt_sha256 = ? and run_id = ?",
                [clock(), f"no answer: {error.detail}"[:300], model, sha, run_id],
            )
        con.execute(
            f"delete from {_INTENTS} where model = ? and prompt_sha256 = ? and run_id = ?",
            [model, sha, run_id],
        )


def main_text(html_text: str) -> str:
    """The page's main text (trafilatura), normalised for quote matching."""
    import trafilatura  # on first use: importing it costs ~0.5 s, and most runs research nothing

    extracted = trafilatura.extract(html_text, include_comments=False, favor_recall=True)
    return normalise_text(extracted or "")


def _page(con: duckdb.DuckDBPyConnection, fetcher: WebFetcher, url: str, now: datetime) -> Page:
    rows = con.execute(
        f"select final_url, status, main_text, failure from {_PAGES} where url = ?", [url]
    ).fetchall()
    if rows:
        final_url, status, text, failure = rows[0]
        return Page(url, final_url, status, text, failure)
    page = fetcher.fetch(url)
    text = main_text(page.html) if page.html is not None else None
    con.execute(
        f"insert into {_PAGES} values (?, ?, ?, ?, ?, ?)",
        [url, page.final_url, page.status, text, page.failure, now],
    )
    return Page(url, page.final_url, page.status, text, page.failure)


def check_claim(
    claim: dict,
    domain: str,
    primary_sources: list[str],
    page: Callable[[str], Page],
    today: date,
    company: str | None = None,
) -> tuple[bool, str]:
    """Whether one researched claim is verified, and why (or why not)."""
    text, quote, url = claim.get("claim") or "", claim.get("quote") or "", claim.get("source_url")
    if _EMAIL.search(text) or _EMAIL.search(quote):
        return False, "names a contact email: research never supplies addresses"
    if not url or not quote.strip():
        return False, "no source URL or no quote"
    site = site_of(url)
    if site != domain and site not in primary_sources:
        return False, f"third-party page ({site}): not the company's site or a primary source"
    when = pl.Series([claim.get("date")], dtype=pl.String).str.to_date(strict=False)[0]
    if when is None:
        return False, "no readable date"
    if when > today:
        return False, f"dated after {today.isoformat()}"
    fetched = page(url)
    if fetched.failure or fetched.html is None:
        return False, fetched.failure or "page could not be read"
    if normalise_text(quote) not in fetched.html:
        return False, "quote not found in the page's main text"
    missing = missing_specifics(text, quote, (company or "",))
    if missing:
        return False, "claim states what the quote does not: " + ", ".join(missing)
    return True, f"quote found on {site}; every specific of the claim is in the quote"


def research_accounts(
    con: duckdb.DuckDBPyConnection,
    accounts: pl.DataFrame,
    client: LlmClient,
    fetcher: WebFetcher,
    *,
    now: Callable[[], datetime],
    run_id: str,
    max_cost_usd: float | None,
    say: Callable[[str], None] | None = None,
) -> ResearchRun:
    """Research `accounts` (account_domain, company_name, segment, primary_sources):
    cached answers first, then calls, each booked before the next; claims checked. How far
    the calls got is told to `say` every few seconds, in counts."""
    ensure_tables(con)
    run = ResearchRun(pl.DataFrame(schema={**CANDIDATE_SCHEMA, "person_id": pl.String()}))
    run.possibly_charged = book_leftover_intents(con, now())
    today = now().date()
    rows: list[dict] = []
    planned = []
    for account in accounts.sort("account_domain").iter_rows(named=True):
        messages = prompt_for(
            account["account_domain"], account["company_name"], account["segment"]
        )
        planned.append((account, messages, _cached(con, client.model, messages)))
    cached_count = sum(answer is not None for _, _, answer in planned)
    progress = Progress(
        "enrich/research", len(planned) - cached_count, say, unit="accounts", reused=cached_count
    )
    try:
        for account, messages, cached in planned:
            rows += _research_one(
                con, client, fetcher, account, messages, cached, run, progress,
                run_id=run_id, now=now, today=today, max_cost_usd=max_cost_usd,
            )  # fmt: skip
    finally:
        run.summary = progress.finish()
    if rows:
        run.candidates = (
            pl.DataFrame(rows)
            .with_columns(
                pl.col("signal_date").str.to_date(strict=False),
                pl.struct([pl.lit(None).cast(t).alias(n) for n, t in VALUE_SCHEMA.items()]).alias(
                    "value"
                ),
            )
            .select(*CANDIDATE_SCHEMA, "person_id")
        )
    return run


def _cached(
    con: duckdb.DuckDBPyConnection, model: str, messages: list[dict[str, str]]
) -> tuple[str | None, str | None] | None:
    """(content, failure) of the newest stored answer to this prompt, or None."""
    rows = con.execute(
        f"select content, failure from {_ANSWERS} where model = ? and prompt_sha256 = ? "
        "order by answered_at desc limit 1",
        [model, prompt_hash(model, messages)],
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def _research_one(
    con: duckdb.DuckDBPyConnection,
    client: LlmClient,
    fetcher: WebFetcher,
    account: dict,
    messages: list[dict[str, str]],
    cached: tuple[str | None, str | None] | None,
    run: ResearchRun,
    progress: Progress,
    *,
    run_id: str,
    now: Callable[[], datetime],
    today: date,
    max_cost_usd: float | None,
) -> list[dict]:
    """One account: its cached answer, or a call booked before the next; its claims checked."""
    domain = account["account_domain"]
    sha = prompt_hash(client.model, messages)
    if cached:
        run.cached += 1
        content_text, failure = cached
    else:
        if max_cost_usd is not None and run.cost_usd >= max_cost_usd:
            run.not_researched[domain] = f"budget of {max_cost_usd} USD reached"
            progress.advance(calls=0)
            return []
        try:
            answer = _ask(con, client, domain, sha, messages, run_id, now)
        except ProviderError as error:
            _close_unanswered(con, client.model, sha, run_id, error, now)
            if error.stop_reason == "auth":
                raise ResearchStopped(str(error)) from error
            run.not_researched[domain] = f"no answer: {error.detail}"
            run.failed += 1
            progress.advance(failed=1)
            return []
        run.calls += 1
        run.cost_usd += answer.cost_usd
        progress.advance(paid=1, cost=answer.cost_usd, failed=int(answer.failure is not None))
        content_text = json.dumps(answer.content) if answer.content is not None else None
        failure = answer.failure
    if failure or content_text is None:
        run.failed += 1
        run.not_researched[domain] = f"answer not usable: {failure}"
        return []
    rows = []
    claims = json.loads(content_text).get("claims") or []
    for claim in claims if isinstance(claims, list) else []:
        if not isinstance(claim, dict) or claim.get("signal_type") not in RESEARCHABLE:
            kind = claim.get("signal_type") if isinstance(claim, dict) else type(claim)
            run.rejected_claims.append((domain, f"claim of unknown signal type {kind!r}"))
            continue
        verified, why = check_claim(
            claim,
            domain,
            list(account["primary_sources"] or []),
            lambda url: _page(con, fetcher, url, now()),
            today,
            account["company_name"],
        )
        rows.append(_candidate(claim, domain, verified, why))
    return rows


def claim_value(text: str) -> dict[str, object]:
    """The structured value a researched claim states: its round, amount and currency,
    or its count (the largest number it names)."""
    value: dict[str, object] = dict.fromkeys(VALUE_SCHEMA)
    named_rounds = sorted(t.partition(":")[2] for t in rounds(text))
    named_amounts = [float(t.partition(":")[2]) for t in amounts(text)]
    named_currencies = sorted(t.partition(":")[2] for t in currencies(text))
    if named_rounds:
        value["round"] = named_rounds[0].title()
    if named_amounts:
        value["amount" if named_currencies else "count"] = int(max(named_amounts))
    if named_currencies:
        value["currency"] = named_currencies[0]
    return value


def _candidate(claim: dict, domain: str, verified: bool, why: str) -> dict:
    text = _EMAIL.sub("[email removed]", claim.get("claim") or "")
    return {
        "account_domain": domain,
        "signal_type": claim.get("signal_type"),
        "value": claim_value(text),
        "signal_date": claim.get("date"),
        "source": "research",
        "source_url": claim.get("source_url"),
        "claim": text,
        "evidence": _EMAIL.sub("[email removed]", claim.get("quote") or ""),
        "source_row": None,
        "problem": None if verified else why,
        "note": why if verified else None,
        "person_id": None,
    }
