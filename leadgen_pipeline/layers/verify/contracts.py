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

    email: str = pa.Field(unique=True)
    status: str = pa.Field(isin=list(VERDICT_STATUSES))
    provider: str
    checked_at: pe.DateTime = pa.Field(dtype_kwargs=UTC)
    within_ttl: bool

    class Config:
        strict = False


class VerifyLedger(pa.DataFrameModel):
    """`verify.ledger`: every verification call that cost, or may have cost, a credit."""

    provider: str
    email: str
    cost: float = pa.Field(ge=0)
    called_at: pe.DateTime = pa.Field(dtype_kwargs=UTC)
    run_id: str
    # paid (the answer says so) or possibly_charged (its answer was lost to a kill)
    charge: str = pa.Field(isin=list(LEDGER_CHARGES))
    credits: float = pa.Field(ge=0)
    mode: str = pa.Field(isin=["single", "bulk"])

    class Config:
        strict = False


class SendableContacts(pa.DataFrameModel):
    """`verify.sendable_contacts`: who may be emailed now, and on which track."""

    person_id: str = pa.Field(unique=True)
    email_status: str = pa.Field(isin=list(SENDABLE_STATUSES))
    send_track: str = pa.Field(isin=["main", "capped"])

    class Config:
        strict = False
