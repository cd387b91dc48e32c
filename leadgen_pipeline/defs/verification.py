"""The verification layer: a verdict for every address before any send, paid for once."""

import uuid
from datetime import UTC, datetime
from functools import partial

import dagster as dg

from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.clients.verify_batch import verify_many
from leadgen_pipeline.contracts import EmailChecks, SendableContacts, VerifyLedger
from leadgen_pipeline.core import storage
from leadgen_pipeline.core.verification import (
    email_checks,
    ensure_verify_tables,
    plan_verification,
    read_verification_exports,
    record_verdict,
    sendable_now,
)
from leadgen_pipeline.defs.compliance import SUPPRESSIONS
from leadgen_pipeline.defs.contacts import CONTACTS
from leadgen_pipeline.defs.metadata import contract_check, table_metadata
from leadgen_pipeline.defs.resources import DuckDBStore, LeadgenInputs, VerifierResource

GROUP = "verification"
EMAIL_CHECKS = dg.AssetKey(["verify", "email_checks"])
LEDGER = dg.AssetKey(["verify", "ledger"])
SENDABLE = dg.AssetKey(["verify", "sendable_contacts"])


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
                "bulk exports and earlier paid verdicts younger than the TTL are reused."
            ),
        ),
        dg.AssetSpec(
            LEDGER,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=["team:revops"],
            description=(
                "Every paid verification call: provider, normalised address, cost, time and "
                "run; written before the next call starts, so a resumed run never pays twice."
            ),
        ),
    ]
)
def verify_emails(
    context: dg.AssetExecutionContext,
    duckdb: DuckDBStore,
    inputs: LeadgenInputs,
    verifier: VerifierResource,
):
    now = datetime.now(tz=UTC)
    run_id = context.run.run_id or uuid.uuid4().hex
    with duckdb.get_connection() as con:
        ensure_verify_tables(con)
        suppressed_emails = con.sql(
            "select key_value from compliance.suppressions "
            "where key_type = 'email_key' and not hashed"
        ).pl()["key_value"]
        prechecks, new_imports, todo = plan_verification(
            storage.read_table(con, "core.contacts"),
            suppressed_emails,
            read_verification_exports(con, inputs.inbox_path),
            storage.read_table(con, "verify.verdicts"),
            now,
            verifier.ttl_days,
        )
        storage.append_rows(con, "verify.verdicts", new_imports)
        paid_before = con.execute("select count(*) from verify.ledger").fetchall()[0][0]
        if todo and verifier.enabled:
            with verifier.verifier() as client:
                try:
                    verify_many(
                        client,
                        todo,
                        max_concurrency=verifier.max_concurrency,
                        rate_per_second=verifier.rate_per_second,
                        on_verdict=partial(record_verdict, con.cursor(), run_id=run_id),
                    )
                except ProviderError as error:
                    raise dg.Failure(
                        description=f"verification stopped; answers so far are kept: {error}"
                    ) from error
        elif todo:
            context.log.warning(
                f"{len(todo)} addresses have no verdict within {verifier.ttl_days} days and "
                "no paid verifier is configured (LEADGEN_VERIFIER + <PROVIDER>_API_KEY): "
                "they are not sendable"
            )
        checks = email_checks(
            prechecks, storage.read_table(con, "verify.verdicts"), now, verifier.ttl_days
        )
        storage.write_table(con, "verify.email_checks", checks)
        paid_now = con.execute("select count(*) from verify.ledger").fetchall()[0][0] - paid_before
        by_status = checks.group_by("status").len().sort("status").iter_rows()
        yield dg.MaterializeResult(
            asset_key=EMAIL_CHECKS,
            metadata=table_metadata(
                con,
                "verify.email_checks",
                prechecked=prechecks.height,
                imported=new_imports.height,
                unverified=max(len(todo) - paid_now, 0) if not verifier.enabled else 0,
                by_status=dg.MetadataValue.md("\n".join(f"- {s}: {n}" for s, n in by_status)),
            ),
        )
        yield dg.MaterializeResult(
            asset_key=LEDGER, metadata=table_metadata(con, "verify.ledger", paid_this_run=paid_now)
        )


@dg.asset_check(
    asset=EMAIL_CHECKS, name="contract", blocking=True, description="EmailChecks contract"
)
def email_checks_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(EmailChecks, storage.read_table(con, "verify.email_checks"))


@dg.asset_check(
    asset=LEDGER,
    name="paid_once",
    blocking=True,
    description="no address paid for twice within the TTL",
)
def paid_once(duckdb: DuckDBStore, verifier: VerifierResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        ledger = storage.read_table(con, "verify.ledger")
        repeats = con.sql(
            "select count(*) from verify.ledger a join verify.ledger b on a.provider = b.provider "
            "and a.email = b.email and a.called_at < b.called_at "
            f"and b.called_at < a.called_at + interval {int(verifier.ttl_days)} day"
        ).fetchall()[0][0]
    result = contract_check(VerifyLedger, ledger)
    return dg.AssetCheckResult(
        passed=result.passed and repeats == 0,
        metadata={"paid_twice_within_ttl": repeats, **result.metadata},
    )


@dg.asset(
    key=SENDABLE,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=["team:revops"],
    deps=[EMAIL_CHECKS],
    description=(
        "Contacts who may be emailed now: not suppressed, not stale, and with a verdict "
        "within the TTL that is `valid` (main track) or `catch_all` (capped sends only)."
    ),
)
def sendable_contacts(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        contacts = storage.read_table(con, "core.contacts")
        checks = storage.read_table(con, "verify.email_checks")
        sendable = sendable_now(contacts, checks)
        storage.write_table(con, "verify.sendable_contacts", sendable)
        tracks = dict(sendable.group_by("send_track").len().iter_rows())
        metadata = table_metadata(
            con, "verify.sendable_contacts", **{f"track_{k}": v for k, v in tracks.items()}
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(
    asset=SENDABLE,
    name="nothing_unsafe_is_sendable",
    blocking=True,
    description="no suppressed, erased, stale, invalid or do-not-mail address is sendable",
)
def nothing_unsafe_is_sendable(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        ((unsafe,),) = con.execute(
            """select count(*) from verify.sendable_contacts s
               join core.contacts c using (person_id)
               left join verify.email_checks v on v.email = s.verified_email
               where c.suppressed or c.stale
                  or coalesce(v.status, 'missing') not in ('valid', 'catch_all')
                  or s.verified_email in (select key_value from compliance.suppressions
                                          where key_type = 'email_key' and not hashed)
                  or sha256(s.verified_email) in (select key_value from compliance.suppressions
                                                  where key_type = 'email_key' and hashed)"""
        ).fetchall()
    return dg.AssetCheckResult(passed=unsafe == 0, metadata={"unsafe": unsafe})


@dg.asset_check(
    asset=SENDABLE,
    name="verdict_within_ttl",
    blocking=True,
    description="every sendable contact has a verdict younger than the TTL",
)
def verdict_within_ttl(duckdb: DuckDBStore, verifier: VerifierResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        ((late,),) = con.execute(
            "select count(*) from verify.sendable_contacts "
            f"where checked_at < now() - interval {int(verifier.ttl_days)} day"
        ).fetchall()
    return dg.AssetCheckResult(passed=late == 0, metadata={"older_than_ttl": late})


@dg.asset_check(
    asset=SENDABLE, name="contract", blocking=True, description="SendableContacts contract"
)
def sendable_contract(duckdb: DuckDBStore) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return contract_check(SendableContacts, storage.read_table(con, "verify.sendable_contacts"))


defs = dg.Definitions(
    assets=[verify_emails, sendable_contacts],
    asset_checks=[
        email_checks_contract,
        paid_once,
        nothing_unsafe_is_sendable,
        verdict_within_ttl,
        sendable_contract,
    ],
)
