"""The verification books: every answer, every call that may have cost a credit, and whether
they agree with the provider's own balance.

Three tables, all written one row at a time as calls happen (each write its own transaction):

- `verify.verdicts`: every answer, paid or not (the verdict history).
- `verify.call_intents`: one row per single check about to be sent, written before the call
  starts and removed in the same transaction that records its answer. A row still there when
  a run starts belongs to a call whose answer was lost (the run was killed while it was in
  flight): the provider may have charged for it.
- `verify.ledger`: every call that cost, or may have cost, a credit: `charge` is `paid` (the
  answer says so, by the provider's billing rules) or `possibly_charged` (a lost answer,
  settled from its intent before the address is asked again). Both count in the cost.

At most `max_concurrency` calls are in flight at any moment, so a kill leaves at most that
many intents, and that many possible double charges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from leadgen_pipeline.clients.verifiers import Verdict
from leadgen_pipeline.kernel.store import registered, transaction
from leadgen_pipeline.kernel.vocab import LEDGER_PAID, LEDGER_POSSIBLY_CHARGED
from leadgen_pipeline.layers.verify.batches import in_batches_sql

VERDICT_SCHEMA: dict[str, pl.DataType] = {
    "email": pl.String(),  # the normalised address, lower-cased: the key of every verdict
    "status": pl.String(),  # one of VERDICT_STATUSES
    "provider_status": pl.String(),  # the provider's own answer
    "provider": pl.String(),
    "checked_at": pl.Datetime("us", "UTC"),
    "paid": pl.Boolean(),
    "cost": pl.Float64(),
    "detail": pl.String(),
}
LEDGER_SCHEMA: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "email": pl.String(),
    "cost": pl.Float64(),  # credits x the configured cost of one credit
    "called_at": pl.Datetime("us", "UTC"),
    "run_id": pl.String(),
    "charge": pl.String(),  # LEDGER_CHARGES: paid, possibly_charged
    "credits": pl.Float64(),  # provider credits the call spent (or may have)
    "mode": pl.String(),  # single (one address per call) or bulk
    "job_id": pl.String(),  # the bulk job (our name for it) the charge belongs to
}
INTENT_SCHEMA: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "email": pl.String(),
    "run_id": pl.String(),
    "intended_at": pl.Datetime("us", "UTC"),
    "credits": pl.Float64(),  # the most the call can cost, by the billing rules
    "cost": pl.Float64(),
}
# Columns added to `verify.ledger` after it was first published: (name, type, default for
# the rows already there, which were all paid single checks of one credit).
_LEDGER_ADDED = (("charge", "varchar", f"'{LEDGER_PAID}'"), ("credits", "double", "1.0"),
                 ("mode", "varchar", "'single'"), ("job_id", "varchar", "null"))  # fmt: skip


def ensure_verify_tables(con: duckdb.DuckDBPyConnection) -> None:
    """`verify.verdicts` and `verify.ledger`, if missing; a ledger of an earlier release gains
    its new columns."""
    with (
        registered(con, pl.DataFrame(schema=VERDICT_SCHEMA)) as verdicts,
        registered(con, pl.DataFrame(schema=LEDGER_SCHEMA)) as ledger,
    ):
        con.execute("create schema if not exists verify")
        con.execute(f"create table if not exists verify.verdicts as select * from {verdicts}")
        con.execute(f"create table if not exists verify.ledger as select * from {ledger}")
    for name, sql_type, default in _LEDGER_ADDED:
        con.execute(
            f"alter table verify.ledger add column if not exists {name} {sql_type} "
            f"default {default}"
        )


def ensure_intent_log(con: duckdb.DuckDBPyConnection) -> None:
    """`verify.call_intents`, if missing: made by the first paid batch, so a store that never
    paid for a call has none."""
    with registered(con, pl.DataFrame(schema=INTENT_SCHEMA)) as intents:
        con.execute(f"create table if not exists verify.call_intents as select * from {intents}")


def _has_intent_log(con: duckdb.DuckDBPyConnection) -> bool:
    ((found,),) = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'verify' and table_name = 'call_intents'"
    ).fetchall()
    return bool(found)


def verdict_rows(verdicts: list[Verdict]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"email": v.email, "status": v.status, "provider_status": v.provider_status,
             "provider": v.provider, "checked_at": v.checked_at, "paid": v.paid,
             "cost": v.cost, "detail": v.detail}
            for v in verdicts
        ],
        schema=VERDICT_SCHEMA,
    )  # fmt: skip


def record_intent(
    con: duckdb.DuckDBPyConnection,
    email: str,
    *,
    provider: str,
    run_id: str,
    intended_at: datetime,
    credits: float,
    cost: float,
) -> None:
    """Note that a call for `email` is about to start (committed before it is sent)."""
    con.execute(
        "insert into verify.call_intents values (?, ?, ?, ?, ?, ?)",
        [provider, email, run_id, intended_at, credits, cost],
    )


def drop_intent(con: duckdb.DuckDBPyConnection, email: str, *, provider: str, run_id: str) -> None:
    """Forget the intent of a call that was never sent or that the provider refused."""
    con.execute(
        "delete from verify.call_intents where provider = ? and email = ? and run_id = ?",
        [provider, email, run_id],
    )


def record_verdict(con: duckdb.DuckDBPyConnection, verdict: Verdict, *, run_id: str) -> None:
    """Store one answer, its ledger row if it was paid for, and close its intent (the intent
    log must exist: `ensure_intent_log`), in one transaction: called for each verdict before
    its worker takes the next address, so a killed run loses no paid answer and leaves an
    intent only for calls in flight."""
    with transaction(con), registered(con, verdict_rows([verdict])) as frame:
        con.execute(f"insert into verify.verdicts by name select * from {frame}")
        if verdict.paid:
            con.execute(
                "insert into verify.ledger by name select ? as provider, ? as email, "
                "? as cost, ? as called_at, ? as run_id, ? as charge, ? as credits, "
                "'single' as mode",
                [
                    verdict.provider,
                    verdict.email,
                    verdict.cost,
                    verdict.checked_at,
                    run_id,
                    LEDGER_PAID,
                    1.0,  # one paid single check is one credit
                ],
            )
        con.execute(
            "delete from verify.call_intents where provider = ? and email = ? and run_id = ?",
            [verdict.provider, verdict.email, run_id],
        )


def settle_open_intents(
    con: duckdb.DuckDBPyConnection, batches: list[str] | None = None
) -> int:
    """Record every call of `batches` (None: of every batch) whose answer was lost as
    `possibly_charged` in the ledger (with the most it can have cost), then forget those
    intents; returns how many there were. Run before anything is asked again, so a charge
    the provider made is never missing from the books. Only the run's own batches: a run of
    other batches going on at the same time has its calls in flight, not lost."""
    if not _has_intent_log(con):
        return 0
    ours = in_batches_sql("email", batches)
    with transaction(con):
        ((open_intents,),) = con.execute(
            f"select count(*) from verify.call_intents where {ours}"
        ).fetchall()
        con.execute(
            "insert into verify.ledger by name select provider, email, cost, "
            "intended_at as called_at, run_id, ? as charge, credits, 'single' as mode "
            f"from verify.call_intents where {ours}",
            [LEDGER_POSSIBLY_CHARGED],
        )
        con.execute(f"delete from verify.call_intents where {ours}")
    return int(open_intents)


def ledger_credits(con: duckdb.DuckDBPyConnection, run_id: str) -> float:
    """Credits the ledger says the calls of run `run_id` spent."""
    ((credits,),) = con.execute(
        "select coalesce(sum(credits), 0) from verify.ledger where run_id = ? and charge = ?",
        [run_id, LEDGER_PAID],
    ).fetchall()
    return float(credits)


@dataclass(frozen=True)
class Reconciliation:
    """The provider's balance before and after a batch, against the ledger's credits for it."""

    balance_before: float | None
    balance_after: float | None
    ledger_credits: float

    @property
    def provider_spent(self) -> float | None:
        if self.balance_before is None or self.balance_after is None:
            return None
        return self.balance_before - self.balance_after

    @property
    def agrees(self) -> bool:
        """Whether the provider charged exactly what the ledger recorded (unknown: no)."""
        spent = self.provider_spent
        return spent is not None and abs(spent - self.ledger_credits) < 1e-9
