"""The shared vocabularies and defaults, stated once for every layer and client."""

from __future__ import annotations

from typing import Final, Literal, get_args

# The verdict on an address, in our words; each provider's answers map onto these.
VerdictStatus = Literal[
    "valid", "catch_all", "unknown", "invalid", "disposable", "role", "do_not_mail"
]
VERDICT_STATUSES: Final[tuple[VerdictStatus, ...]] = get_args(VerdictStatus)
# Verdicts that may be mailed: `valid` on the main track, `catch_all` on a capped one.
SENDABLE_STATUSES: Final[tuple[VerdictStatus, ...]] = ("valid", "catch_all")
# Verdicts after which an address is never paid for again.
UNDELIVERABLE_STATUSES: Final[tuple[VerdictStatus, ...]] = ("invalid", "do_not_mail")

# What a ledger row says of its call: the answer was paid for, or the answer was lost (a run
# killed with the call in flight) and the provider may have charged for it.
LedgerCharge = Literal["paid", "possibly_charged"]
LEDGER_CHARGES: Final[tuple[LedgerCharge, ...]] = get_args(LedgerCharge)
LEDGER_PAID: Final[LedgerCharge] = "paid"
LEDGER_POSSIBLY_CHARGED: Final[LedgerCharge] = "possibly_charged"

# How long a paid verdict is trusted before the address is asked again.
DEFAULT_TTL_DAYS: Final = 30
# An `unknown` (a timeout, a greylisting server) is asked again sooner.
UNKNOWN_RETRY_DAYS: Final = 1
# A person whose newest pull is older than this is stale: lists drift ~20% in 90 days.
STALE_AFTER_DAYS: Final = 90
