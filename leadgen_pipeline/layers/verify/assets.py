"""The verify layer: a verdict for every address before any send, paid for once."""

import uuid
from contextlib import nullcontext
from datetime import datetime

import dagster as dg
import duckdb

from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.kernel import store
from leadgen_pipeline.kernel.keys import email_match_key_sql
from leadgen_pipeline.kernel.vocab import SENDABLE_STATUSES
from leadgen_pipeline.layers.checks import check, contract_result, contract_spec, table_metadata
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.compliance.contracts import Suppressions
from leadgen_pipeline.layers.core.assets import CONTACTS
from leadgen_pipeline.layers.verify.contracts import EmailChecks, SendableContacts, VerifyLedger
from leadgen_pipeline.layers.verify.verification import (
    sendable_now,
    suppression_list,
    verify_contacts,
)
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs, VerifierResource

GROUP = "verify"
EMAIL_CHECKS = dg.AssetKey([GROUP, "email_checks"])
LEDGER = dg.AssetKey([GROUP, "ledger"])
SENDABLE = dg.AssetKey([GROUP, "sendable_contacts"])
SUPPRESSION_LIST = dg.AssetKey([GROUP, "suppression_list"])


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
                "address once found invalid or do-not-mail is never paid for again."
            ),
        ),
        dg.AssetSpec(
            LEDGER,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=["team:revops"],
            deps=[CONTACTS, SUPPRESSIONS],
            description=(
                "Every paid verification call: provider, normalised address, cost, time and "
                "run; written before the next call starts, so a resumed run never pays twice."
            ),
        ),
    ],
    check_specs=[
        contract_spec(EMAIL_CHECKS, EmailChecks),
        contract_spec(LEDGER, VerifyLedger),
        check(LEDGER, "paid_once", "no address paid for twice within the TTL"),
    ],
)
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
            )
        except ProviderError as error:
            raise dg.Failure(
                description=f"verification stopped; answers so far are kept: {error}"
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
            ),
        )
        yield dg.MaterializeResult(
            asset_key=LEDGER, metadata=table_metadata(con, "verify.ledger", paid_this_run=run.paid)
        )
        yield contract_result(con, EMAIL_CHECKS, EmailChecks)
        yield contract_result(con, LEDGER, VerifyLedger)
        yield paid_once(con, verifier.ttl_days)


def paid_once(con: duckdb.DuckDBPyConnection, ttl_days: int) -> dg.AssetCheckResult:
    ((repeats,),) = con.execute(
        "select count(*) from verify.ledger a join verify.ledger b on a.provider = b.provider "
        "and a.email = b.email and a.called_at < b.called_at "
        f"and b.called_at < a.called_at + interval {int(ttl_days)} day"
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=LEDGER,
        check_name="paid_once",
        passed=repeats == 0,
        metadata={"paid_twice_within_ttl": repeats},
    )


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
            store.read_table(con, "core.contacts"), store.read_table(con, "verify.email_checks")
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
    key = email_match_key_sql("s.verified_email")
    ((unsafe,),) = con.execute(
        f"""select count(*) from verify.sendable_contacts s
           join core.contacts c using (person_id)
           left join verify.email_checks v on v.email = s.verified_email
           where c.suppressed or c.stale
              or coalesce(v.status, 'missing') not in (select unnest($sendable::varchar[]))
              or {key} in (select key_value from compliance.suppressions
                           where key_type = 'email_key' and not hashed)
              or sha256({key}) in (select key_value from compliance.suppressions
                                   where key_type = 'email_key' and hashed)""",
        {"sendable": list(SENDABLE_STATUSES)},
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=SENDABLE,
        check_name="nothing_unsafe_is_sendable",
        passed=unsafe == 0,
        metadata={"unsafe": unsafe},
    )


def verdict_within_ttl(
    con: duckdb.DuckDBPyConnection, now: datetime, ttl_days: int
) -> dg.AssetCheckResult:
    ((late,),) = con.execute(
        "select count(*) from verify.sendable_contacts "
        f"where checked_at < $now - interval {int(ttl_days)} day",
        {"now": now},
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=SENDABLE,
        check_name="verdict_within_ttl",
        passed=late == 0,
        metadata={"older_than_ttl": late},
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


defs = dg.Definitions(assets=[verify_emails, sendable_contacts, complete_suppression_list])
