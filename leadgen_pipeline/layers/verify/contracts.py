"""Data contracts of the verification layer's tables: one pandera model per table.

Asset checks validate each table against its model (`lazy=True`, so every broken rule is
reported at once); the failure summary names columns and rules, never the personal data
in the failing cells.
"""

from __future__ import annotations

import pandera.polars as pa
from pandera.engines import polars_engine as pe

from leadgen_pipeline.kernel.contracts import UTC
from leadgen_pipeline.kernel.vocab import LEDGER_CHARGES, SENDABLE_STATUSES, VERDICT_STATUSES


class EmailChecks(pa.DataFrameModel):
    """`verify.email_checks`: the verdict per normalised address."""

    email: str = pa.Field(
        unique=True, description="the normalised address, lower-cased: the key of every verdict"
    )
    status: str = pa.Field(
        isin=list(VERDICT_STATUSES),
        description="the verdict: valid, catch_all, unknown, invalid, disposable, role or "
        "do_not_mail",
    )
    provider_status: str = pa.Field(
        description="the provider's own answer (with sub-status), or the pre-check's reason"
    )
    provider: str = pa.Field(
        description="who gave the verdict: `precheck`, the paid provider, or `<provider>_bulk` "
        "for a bulk export in `verifications/`"
    )
    checked_at: pe.DateTime = pa.Field(dtype_kwargs=UTC, description="when the verdict was given")
    paid: bool = pa.Field(description="true when the call that gave it spent a credit")
    cost: float = pa.Field(ge=0, description="what that call cost (0 when not paid)")
    detail: str = pa.Field(
        nullable=True,
        description="the export file a bulk verdict came from, or why no usable answer came "
        "(`timeout`, `unanswered: ...`); null otherwise",
    )
    within_ttl: bool = pa.Field(description="true when the verdict is younger than the TTL")

    class Config:
        strict = True


class VerifyLedger(pa.DataFrameModel):
    """`verify.ledger`: every verification call that cost, or may have cost, a credit."""

    provider: str = pa.Field(description="the paid provider called")
    email: str = pa.Field(description="the normalised address verified")
    cost: float = pa.Field(ge=0, description="credits x the configured cost of one credit")
    called_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the call was answered (or, lost, started)"
    )
    run_id: str = pa.Field(description="the Dagster run that made the call")
    # paid (the answer says so) or possibly_charged (its answer was lost to a kill)
    charge: str = pa.Field(
        isin=list(LEDGER_CHARGES),
        description="`paid`, or `possibly_charged` for a call whose answer was lost to a kill",
    )
    credits: float = pa.Field(ge=0, description="provider credits the call spent (or may have)")
    mode: str = pa.Field(
        isin=["single", "bulk"], description="`single` (one address per call) or `bulk`"
    )
    job_id: str = pa.Field(
        nullable=True, description="the bulk job (our name for it) the charge belongs to"
    )

    class Config:
        strict = True


class SendableContacts(pa.DataFrameModel):
    """`verify.sendable_contacts`: who may be emailed now, and on which track."""

    person_id: str = pa.Field(unique=True, description="the person (`core.contacts.person_id`)")
    email: str = pa.Field(description="the address as `core.contacts` holds it")
    verified_email: str = pa.Field(
        description="the normalised address the verdict is for (`verify.email_checks.email`)"
    )
    email_status: str = pa.Field(
        isin=list(SENDABLE_STATUSES), description="the verdict: `valid` or `catch_all`"
    )
    send_track: str = pa.Field(
        isin=["main", "capped"], description="`main`, or `capped` for a catch-all address"
    )
    provider: str = pa.Field(description="who gave the verdict")
    checked_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the verdict was given (within the TTL)"
    )
    first_name: str = pa.Field(nullable=True, description="first name (`core.contacts`)")
    last_name: str = pa.Field(nullable=True, description="last name (`core.contacts`)")
    title: str = pa.Field(nullable=True, description="job title (`core.contacts`)")
    company_name: str = pa.Field(nullable=True, description="company name (`core.contacts`)")
    company_domain: str = pa.Field(nullable=True, description="company domain (`core.contacts`)")
    country: str = pa.Field(nullable=True, description="ISO-2 country (`core.contacts`)")
    linkedin_url: str = pa.Field(nullable=True, description="LinkedIn profile URL")

    class Config:
        strict = True


# The verification books beside the two assets (see `ledger.py` and `bulk_jobs.py`).


class Verdicts(pa.DataFrameModel):
    """`verify.verdicts`: every verdict ever given or imported, paid or not, appended as it
    comes: the history `verify.email_checks` takes the newest verdict per address from, and
    the reason no address is paid for twice within the TTL."""

    email: str = pa.Field(description="the normalised address, lower-cased")
    status: str = pa.Field(
        isin=list(VERDICT_STATUSES),
        description="the verdict: valid, catch_all, unknown, invalid, disposable, role or "
        "do_not_mail",
    )
    provider_status: str = pa.Field(
        description="the provider's own answer with its sub-status (`catch_all/risky`)"
    )
    provider: str = pa.Field(
        description="the paid provider that answered (by single check or bulk job), or "
        "`<provider>_bulk` for a verdict imported from a bulk export in `verifications/`"
    )
    checked_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC,
        description="when the verdict was given (an imported one: the export's date), UTC",
    )
    paid: bool = pa.Field(description="true when the call that gave it spent a credit")
    cost: float = pa.Field(ge=0, description="what that call cost (0 when not paid)")
    detail: str = pa.Field(
        nullable=True,
        description="the export file an imported verdict came from, or why no usable answer "
        "came (`timeout`, `unanswered: ...`); null otherwise",
    )

    class Config:
        strict = True


class CallIntents(pa.DataFrameModel):
    """`verify.call_intents`: the single checks in flight, each written before its call starts
    and removed with its answer; a row a killed run left is booked `possibly_charged` in
    `verify.ledger` before the address is asked again. Made by the first paid batch."""

    provider: str = pa.Field(description="the paid provider about to be called")
    email: str = pa.Field(description="the normalised address to verify")
    run_id: str = pa.Field(description="the Dagster run making the call")
    intended_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the call was about to start, UTC"
    )
    credits: float = pa.Field(ge=0, description="the most the call can cost, in provider credits")
    cost: float = pa.Field(ge=0, description="those credits x the configured cost of one credit")

    class Config:
        strict = True


class BulkJobs(pa.DataFrameModel):
    """`verify.bulk_jobs`: every bulk verification job, recorded before its upload starts so a
    killed run resumes it instead of paying for the list twice. Made by the first bulk batch."""

    job_name: str = pa.Field(
        unique=True,
        description="our name for the job, sent as its file name (`job_id` in the ledger)",
    )
    provider: str = pa.Field(description="the provider whose bulk API runs the job")
    provider_job_id: str = pa.Field(
        nullable=True, description="the provider's id for the job; null until the upload answered"
    )
    run_id: str = pa.Field(description="the Dagster run that submitted the job")
    submitted_at: pe.DateTime = pa.Field(
        dtype_kwargs=UTC, description="when the upload started, UTC"
    )
    emails: pe.List = pa.Field(description="the normalised addresses the job carries")
    state: str = pa.Field(
        isin=["submitting", "submitted", "recorded", "abandoned"],
        description="`submitting` (upload not answered), `submitted` (running at the provider), "
        "`recorded` (its verdicts and charges stored) or `abandoned` (refused, never uploaded, "
        "or lost and booked `possibly_charged`; its addresses are asked again)",
    )

    class Config:
        strict = True
