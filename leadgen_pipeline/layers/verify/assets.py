"""The verify layer: a verdict for every address before any send, paid for once."""

import uuid
from contextlib import nullcontext
from datetime import datetime

import dagster as dg
import duckdb

from leadgen_pipeline.clients.http import STOP_REASONS, ProviderError
from leadgen_pipeline.kernel import store
from leadgen_pipeline.kernel.keys import email_match_key_sql
from leadgen_pipeline.kernel.vocab import LEDGER_PAID, LEDGER_POSSIBLY_CHARGED, SENDABLE_STATUSES
from leadgen_pipeline.layers.checks import (
    built_together,
    check,
    contract_result,
    contract_spec,
    no_rows,
    side_table,
    side_table_metadata,
    table_metadata,
)
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.compliance.contracts import Suppressions
from leadgen_pipeline.layers.core.assets import CONTACTS
from leadgen_pipeline.layers.core.links import read_contacts
from leadgen_pipeline.layers.verify.batches import BATCH_KEYS
from leadgen_pipeline.layers.verify.contracts import (
    BulkJobs,
    CallIntents,
    EmailChecks,
    SendableContacts,
    Verdicts,
    VerifyLedger,
)
from leadgen_pipeline.layers.verify.ledger import Reconciliation
from leadgen_pipeline.layers.verify.verification import (
    VerificationRun,
    sendable_now,
    suppression_list,
    verify_contacts,
)
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs, VerifierResource

GROUP = "verify"
# each address's batch is a stable hash of it (`batches.py`): a fixed set, so the whole-graph
# command names one range, and batches fan out as runs of their own
VERIFY_BATCHES = dg.StaticPartitionsDefinition(list(BATCH_KEYS))
EMAIL_CHECKS = dg.AssetKey([GROUP, "email_checks"])
LEDGER = dg.AssetKey([GROUP, "ledger"])
SENDABLE = dg.AssetKey([GROUP, "sendable_contacts"])
SUPPRESSION_LIST = dg.AssetKey([GROUP, "suppression_list"])
# the verdict history behind the checks, and the books behind the ledger (`ledger.py`)
VERDICTS = side_table("verify.verdicts", Verdicts)
LEDGER_BOOKS = [
    side_table("verify.call_intents", CallIntents),
    side_table("verify.bulk_jobs", BulkJobs),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            EMAIL_CHECKS,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=["team:revops"],
            deps=[CONTACTS, SUPPRESSIONS],
            description=(
                "The verdict on every address of a contact who may be mailed (not "
                "suppressed): normalised `status` (valid, catch_all, unknown, invalid, "
                "disposable, role, do_not_mail), the provider's own verdict, provider, "
                "checked time and whether it is within the TTL. Free pre-checks first; "
                "bulk exports and earlier paid verdicts younger than the TTL are reused; an "
                "address once found invalid or do-not-mail is never paid for again. "
                "Partitioned in 8 batches by a stable hash of the address: a run of some "
                "batches replaces only their rows."
            ),
        ),
        dg.AssetSpec(
            LEDGER,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=["team:revops"],
            deps=[CONTACTS, SUPPRESSIONS],
            description=(
                "Every verification call that cost, or may have cost, a credit: provider, "
                "normalised address, credits, cost, time, run and `charge` (`paid`, or "
                "`possibly_charged` for a call a killed run had in flight). Each call's "
                "intent is written before it starts and its answer before the next, so a "
                "resumed run books what it may have paid instead of losing it."
            ),
        ),
    ],
    check_specs=[
        contract_spec(EMAIL_CHECKS, EmailChecks),
        contract_spec(LEDGER, VerifyLedger),
        check(LEDGER, "paid_once", "no address paid for twice within the TTL"),
        dg.AssetCheckSpec(
            "ledger_matches_provider_balance",
            asset=LEDGER,
            blocking=False,  # a warning: the verdicts stand, the books need a look
            description=(
                "the credits the provider's own balance lost during the batch equal the "
                "credits the ledger recorded for it"
            ),
        ),
    ],
    can_subset=True,
    partitions_def=VERIFY_BATCHES,
)
@built_together
def verify_emails(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBStore,
    inputs: LeadgenInputs,
    verifier: VerifierResource,
):
    clock = inputs.clock()
    with (
        duckdb.get_connection() as con,
        verifier.verifier(now=clock) if verifier.enabled else nullcontext() as client,
        verifier.bulk_verifier(now=clock) if verifier.enabled else nullcontext() as bulk,
    ):
        try:
            run = verify_contacts(
                con,
                inputs.inbox_path,
                clock(),
                verifier.ttl_days,
                client=client,
                run_id=context.run.run_id or uuid.uuid4().hex,
                max_concurrency=verifier.max_concurrency,
                rate_per_second=verifier.rate_per_second,
                bulk=bulk,
                bulk_threshold=verifier.bulk_threshold,
                bulk_poll_s=verifier.bulk_poll_s,
                say=context.log.info,
                batches=run_batches(context),
            )
        except ProviderError as error:
            why = STOP_REASONS.get(error.stop_reason, "the provider failed")  # type: ignore[arg-type]
            raise dg.Failure(
                description=f"verification stopped: {why}; answers so far are kept: {error}"
            ) from error
        unverified = run.to_verify - run.paid
        if unverified and client is None:
            context.log.warning(
                f"{unverified} addresses have no verdict within {verifier.ttl_days} days and "
                "no paid verifier is configured (LEADGEN_VERIFIER + <PROVIDER>_API_KEY): "
                "they are not sendable"
            )
        by_status = run.checks.group_by("status").len().sort("status").iter_rows()
        yield dg.MaterializeResult(
            asset_key=EMAIL_CHECKS,
            metadata=table_metadata(
                con,
                "verify.email_checks",
                prechecked=run.prechecked,
                imported=run.imported,
                unverified=unverified if client is None else 0,
                by_status=dg.MetadataValue.md("\n".join(f"- {s}: {n}" for s, n in by_status)),
                **side_table_metadata(con, VERDICTS),
            ),
        )
        yield dg.MaterializeResult(asset_key=LEDGER, metadata=ledger_metadata(con, run))
        yield contract_result(con, EMAIL_CHECKS, EmailChecks)
        yield contract_result(con, LEDGER, VerifyLedger)
        yield paid_once(con, verifier.ttl_days)
        yield ledger_matches_provider_balance(run.reconciliation)


def run_batches(context: dg.AssetExecutionContext) -> list[str] | None:
    """The verification batches this run covers: its partition or range, or None (every
    batch) when it names none, as `execute_in_process` without partition tags runs it."""
    if context.has_partition_key or context.has_partition_key_range:
        return list(context.partition_keys)
    return None


def ledger_metadata(con: duckdb.DuckDBPyConnection, run: VerificationRun) -> dict:
    """The ledger's table metadata, with what this run paid and what it booked as possibly
    charged (the calls a killed run had in flight: each a possible double charge)."""
    ((possibly_total, cost_total),) = con.execute(
        "select count(*) filter (where charge = $possibly), coalesce(sum(cost), 0) "
        "from verify.ledger",
        {"possibly": LEDGER_POSSIBLY_CHARGED},
    ).fetchall()
    return table_metadata(
        con,
        "verify.ledger",
        paid_this_run=run.paid - run.possibly_charged,
        mode="bulk" if run.bulk else "single",
        possibly_charged_this_run=run.possibly_charged,
        possibly_charged_total=int(possibly_total),
        cost_total=float(cost_total),
        **side_table_metadata(con, *LEDGER_BOOKS),
        **run.summary,  # the batch: calls made, paid, reused, failures, wall time
    )


def paid_once(con: duckdb.DuckDBPyConnection, ttl_days: int) -> dg.AssetCheckResult:
    """No address paid for twice within the TTL. An `unknown` is no answer and is asked
    again after a day, so a paid `unknown` followed by a new charge is by design; a lost
    answer asked again is a possible double charge, shown but not failed (a kill, not the
    pipeline, caused it)."""
    ((repeats, possible),) = con.execute(
        f"""select count(*) filter (where a.charge = $paid and b.charge = $paid
                                     and not {_PAID_UNKNOWN}),
                   count(*) filter (where a.charge <> $paid or b.charge <> $paid)
            from verify.ledger a join verify.ledger b
              on a.provider = b.provider and a.email = b.email and a.rowid < b.rowid
             and b.called_at < a.called_at + interval {int(ttl_days)} day
             and a.called_at < b.called_at + interval {int(ttl_days)} day""",
        {"paid": LEDGER_PAID},
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=LEDGER,
        check_name="paid_once",
        passed=repeats == 0,
        metadata={"paid_twice_within_ttl": repeats, "possible_double_charges": possible},
    )


# the earlier of two charges bought an `unknown`, which is asked again after a day
_PAID_UNKNOWN = """exists (select 1 from verify.verdicts v
                    where v.provider = a.provider and v.email = a.email and v.paid
                      and v.status = 'unknown'
                      and v.checked_at = least(a.called_at, b.called_at))"""


def ledger_matches_provider_balance(
    reconciliation: Reconciliation | None,
) -> dg.AssetCheckResult:
    """WARN when the provider's balance moved by other than the ledger's credits."""
    if reconciliation is None:
        return dg.AssetCheckResult(
            asset_key=LEDGER,
            check_name="ledger_matches_provider_balance",
            passed=True,
            metadata={"reconciled": "nothing was asked of a paid provider"},
        )
    spent = reconciliation.provider_spent
    return dg.AssetCheckResult(
        asset_key=LEDGER,
        check_name="ledger_matches_provider_balance",
        passed=reconciliation.agrees,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "ledger_credits": reconciliation.ledger_credits,
            "provider_credits_spent": spent if spent is not None else "balance unreadable",
            "balance_before": _figure(reconciliation.balance_before),
            "balance_after": _figure(reconciliation.balance_after),
        },
    )


def _figure(value: float | None) -> float | str:
    return value if value is not None else "unreadable"


@dg.asset(
    key=SENDABLE,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:revops"],
    deps=[EMAIL_CHECKS, CONTACTS],
    description=(
        "Contacts who may be emailed now: not suppressed, not stale, and with a verdict "
        "within the TTL that is `valid` (main track) or `catch_all` (capped sends only)."
    ),
    check_specs=[
        check(
            SENDABLE,
            "nothing_unsafe_is_sendable",
            "no suppressed, erased, stale, invalid or do-not-mail address is sendable",
        ),
        check(
            SENDABLE,
            "verdict_within_ttl",
            "every sendable contact has a verdict younger than the TTL",
        ),
        contract_spec(SENDABLE, SendableContacts),
    ],
)
def sendable_contacts(
    duckdb: DuckDBStore, inputs: LeadgenInputs, verifier: VerifierResource
) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        sendable = sendable_now(
            read_contacts(con),
            store.read_table(con, "verify.email_checks"),
            inputs.now(),
            verifier.ttl_days,
        )
        store.write_table(con, "verify.sendable_contacts", sendable)
        tracks = dict(sendable.group_by("send_track").len().iter_rows())
        metadata = table_metadata(
            con, "verify.sendable_contacts", **{f"track_{k}": v for k, v in tracks.items()}
        )
        checks = [
            nothing_unsafe_is_sendable(con),
            verdict_within_ttl(con, inputs.now(), verifier.ttl_days),
            contract_result(con, SENDABLE, SendableContacts),
        ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def nothing_unsafe_is_sendable(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Against the stored tables, independently of how `sendable_now` decided."""
    # suppressions hold match keys: the send address is compared through the same key
    # (the key written once: DuckDB sets its expression up anew for each use, ~0.1 s each)
    key = email_match_key_sql("verified_email")
    return no_rows(
        con,
        SENDABLE,
        "nothing_unsafe_is_sendable",
        f"""with sendable as (
               select person_id, verified_email, {key} as email_key
               from verify.sendable_contacts)
           select count(*) from sendable s
           join core.contacts c using (person_id)
           left join verify.email_checks v on v.email = s.verified_email
           where c.suppressed or c.stale
              or coalesce(v.status, 'missing') not in (select unnest($sendable::varchar[]))
              or s.email_key in (select key_value from compliance.suppressions
                                 where key_type = 'email_key' and not hashed)
              or sha256(s.email_key) in (select key_value from compliance.suppressions
                                         where key_type = 'email_key' and hashed)""",
        counted_as="unsafe",
        params={"sendable": list(SENDABLE_STATUSES)},
    )


def verdict_within_ttl(
    con: duckdb.DuckDBPyConnection, now: datetime, ttl_days: int
) -> dg.AssetCheckResult:
    return no_rows(
        con,
        SENDABLE,
        "verdict_within_ttl",
        "select count(*) from verify.sendable_contacts "
        f"where checked_at < $now - interval {int(ttl_days)} day",
        counted_as="older_than_ttl",
        params={"now": now},
    )


@dg.asset(
    key=SUPPRESSION_LIST,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:revops"],
    deps=[SUPPRESSIONS, EMAIL_CHECKS],
    description=(
        "The complete list of keys never to contact, for analysts and exports: every row of "
        "`compliance.suppressions` plus each address verification found invalid or "
        "do-not-mail (`kind = 'undeliverable'`), so no later source brings it back."
    ),
    check_specs=[contract_spec(SUPPRESSION_LIST, Suppressions)],
)
def complete_suppression_list(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        complete = suppression_list(
            store.read_table(con, "compliance.suppressions"),
            store.read_table(con, "verify.email_checks"),
        )
        store.write_table(con, "verify.suppression_list", complete)
        by_kind = complete.group_by("kind").len().sort("kind").iter_rows()
        metadata = table_metadata(
            con,
            "verify.suppression_list",
            by_kind=dg.MetadataValue.md("\n".join(f"- {k}: {n}" for k, n in by_kind)),
        )
        contract = contract_result(con, SUPPRESSION_LIST, Suppressions)
    return dg.MaterializeResult(metadata=metadata, check_results=[contract])


# one run per batch (a backfill of this job fans batches out as runs of their own)
verify_batches = dg.define_asset_job(
    "verify_batches",
    selection=dg.AssetSelection.assets(EMAIL_CHECKS, LEDGER),  # partitioned by VERIFY_BATCHES
    description=(
        "Verification, one batch of addresses per run: backfill it to verify batches as "
        "separate runs (on Kubernetes or Celery, side by side)."
    ),
)

defs = dg.Definitions(
    assets=[verify_emails, sendable_contacts, complete_suppression_list], jobs=[verify_batches]
)
