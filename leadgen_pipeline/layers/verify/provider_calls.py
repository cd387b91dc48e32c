"""Asking the paid provider: open bulk jobs first, then the batch in bulk or one address per
call, the books written as the answers arrive, the provider's balance read around it all."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import duckdb

from leadgen_pipeline.clients.bulk import BulkVerifier
from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.clients.verifiers import HttpVerifier, Verdict
from leadgen_pipeline.clients.verify_batch import NO_ANSWER, verify_many
from leadgen_pipeline.kernel.progress import Progress
from leadgen_pipeline.layers.verify.bulk_jobs import open_jobs, resume_open_jobs, verify_in_bulk
from leadgen_pipeline.layers.verify.ledger import (
    Reconciliation,
    drop_intent,
    ensure_intent_log,
    ledger_credits,
    record_intent,
    record_verdict,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderOutcome:
    """What asking the provider came to: the balance reconciled with the ledger (None when
    nothing was asked), the addresses of lost bulk uploads booked as possibly charged, and
    the batch's summary (calls, paid, reused, failures, wall time)."""

    reconciliation: Reconciliation | None = None
    possibly_charged: int = 0
    summary: dict[str, int | float] = field(default_factory=dict)


def ask_provider(
    con: duckdb.DuckDBPyConnection,
    client: HttpVerifier,
    bulk: BulkVerifier | None,
    todo: list[str],
    now: datetime,
    run_id: str,
    *,
    in_bulk: bool,
    bulk_poll_s: float,
    max_concurrency: int,
    rate_per_second: float | None,
    reused: int = 0,
    say: Callable[[str], None] | None = None,
    batches: list[str] | None = None,
) -> ProviderOutcome:
    """Finish the bulk jobs an earlier run left open (those with an address of `batches`),
    then verify `todo` in bulk or one by one, telling `say` how far the batch got every few
    seconds. `reused` is how many addresses earlier verdicts settled (for the summary)."""
    left_open = open_jobs(con, bulk.name, batches) if bulk is not None else 0
    if not todo and not left_open:
        return ProviderOutcome()  # an unchanged rerun sends nothing, not even a balance read
    before = _balance(client)
    possibly = 0
    if bulk is not None and left_open:
        resumed, possibly = resume_open_jobs(
            con, bulk, run_id=run_id, now=now, poll_every_s=bulk_poll_s, batches=batches
        )
        settled = {v.email for v in resumed}
        reused += sum(e in settled for e in todo)  # paid for by the run that was stopped
        todo = [e for e in todo if e not in settled]
    mode = "bulk" if in_bulk and bulk is not None else "single"
    progress = Progress(
        f"verify/{client.name} ({mode})", len(todo), say, unit="addresses", reused=reused
    )
    try:
        if mode == "bulk" and bulk is not None:
            verify_in_bulk(
                con, bulk, todo, run_id=run_id, now=now, poll_every_s=bulk_poll_s,
                progress=progress,
            )  # fmt: skip
        elif todo:
            _verify_singly(
                con, client, todo, now, run_id, max_concurrency, rate_per_second, progress
            )
    finally:
        summary = progress.finish()  # a stopped batch says how far it got, too
    reconciliation = Reconciliation(before, _balance(client), ledger_credits(con, run_id))
    return ProviderOutcome(reconciliation, possibly, summary)


def _verify_singly(
    con: duckdb.DuckDBPyConnection,
    client: HttpVerifier,
    todo: list[str],
    now: datetime,
    run_id: str,
    max_concurrency: int,
    rate_per_second: float | None,
    progress: Progress,
) -> None:
    """Pay for `todo` through `client` one address per call, the books written call by
    call: each call's intent before it starts, its answer before the worker moves on."""
    ensure_intent_log(con)
    cursor = con.cursor()  # the workers' writes, one at a time under verify_many's lock
    credits_at_stake = float(client.billing.most_a_call_costs())
    verify_many(
        client,
        todo,
        max_concurrency=max_concurrency,
        rate_per_second=rate_per_second,
        before_call=partial(
            record_intent,
            cursor,
            provider=client.name,
            run_id=run_id,
            intended_at=now,
            credits=credits_at_stake,
            cost=credits_at_stake * client.cost_per_check,
        ),
        on_verdict=partial(_record_and_count, cursor, run_id=run_id, progress=progress),
        on_refused=partial(drop_intent, cursor, provider=client.name, run_id=run_id),
    )


def _record_and_count(
    cursor: duckdb.DuckDBPyConnection, verdict: Verdict, *, run_id: str, progress: Progress
) -> None:
    """The verdict in the books first, then in the progress: a count never runs ahead of
    what is recorded."""
    record_verdict(cursor, verdict, run_id=run_id)
    progress.advance(
        paid=int(verdict.paid),
        cost=verdict.cost,
        failed=int(verdict.provider_status in NO_ANSWER),
    )


def _balance(client: HttpVerifier) -> float | None:
    """The provider's credit balance now, or None (and a warning) when it cannot be read."""
    try:
        return client.credit_balance()
    except ProviderError as error:
        logger.warning("%s: the credit balance could not be read: %s", client.name, error)
        return None
