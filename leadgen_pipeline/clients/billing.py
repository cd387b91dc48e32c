"""What each email-verification provider charges for: per provider, per mode, per outcome.

The rules are the providers' own published terms, stated once as data (`PROVIDER_BILLING`)
with the source of each, so a client never carries a billing assumption of its own: a client
asks `BillingRules.charged(outcome, mode)` when it turns an answer into a `Verdict`, and
the verify layer asks `BillingRules.most_a_call_costs()` for a call whose answer was lost.
They sit among the clients because a client must know, before its next call, whether the
last one was paid for, and clients import no layer.

Outcomes are our verdict statuses (`kernel.vocab.VERDICT_STATUSES`) plus:

- `unrecognised`: a verdict outside the provider's documented vocabulary;
- `sandbox`: ZeroBounce's documented test addresses (`…@example.com`);
- `unanswered`: no usable answer after the retries (timeouts, 5xx, bodies that are not
  JSON). No provider documents a charge without an answer, so it is free unless an
  account override says otherwise; the credit-balance reconciliation shows if it was not;
- `duplicate`, `malformed`: rows of a bulk file that repeat an address or hold no address.

Anything a provider does not document is counted as charged: the ledger may over-count,
never under-count.

Account overrides (`parse_overrides`) change rules for one account, for example
MillionVerifier's accounts flagged for misuse, which pay for risky answers too
(`risky_is_paid`). They come from an environment variable through `VerifierResource`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, get_args

from leadgen_pipeline.kernel.vocab import VERDICT_STATUSES

Mode = Literal["single", "bulk"]
MODES: Final[tuple[Mode, ...]] = get_args(Mode)
EXTRA_OUTCOMES: Final = ("unrecognised", "sandbox", "unanswered", "duplicate", "malformed")
OUTCOMES: Final[tuple[str, ...]] = (*VERDICT_STATUSES, *EXTRA_OUTCOMES)

Rules = Mapping[tuple[Mode, str], bool]


def _every(charged: bool, *, except_for: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """Every outcome `charged`, but those in `except_for`."""
    return {outcome: charged for outcome in OUTCOMES} | dict(except_for or {})


def _modes(single: dict[str, bool], bulk: dict[str, bool]) -> Rules:
    rules = {("single", o): c for o, c in single.items()} | {
        ("bulk", o): c for o, c in bulk.items()
    }
    return MappingProxyType(rules)


@dataclass(frozen=True)
class ProviderBilling:
    """One provider's published charging rules, and where they are published."""

    provider: str
    rules: Rules
    sources: tuple[str, ...]
    # named account overrides this provider documents: name -> rules they replace
    presets: Mapping[str, Rules] = field(default_factory=dict)


NEVERBOUNCE = ProviderBilling(
    provider="neverbounce",
    rules=_modes(
        # "1 Credit = 1 Email Verification"; no free verdict is documented
        single=_every(True, except_for={"sandbox": False, "unanswered": False}),
        # bulk jobs de-duplicate a list before charging; rows without an address are
        # reported as bad syntax and are not verifications
        bulk=_every(True, except_for={"unanswered": False, "duplicate": False, "malformed": False}),
    ),
    sources=(
        "neverbounce.com/help: pricing and billing (1 Credit = 1 Email Verification)",
        "developers.neverbounce.com: jobs/create (duplicates removed before processing)",
    ),
)

ZEROBOUNCE = ProviderBilling(
    provider="zerobounce",
    rules=_modes(
        # "We do not charge credits [when] the email verification status is 'unknown'";
        # the sandbox addresses answer canned results for free
        single=_every(True, except_for={"unknown": False, "sandbox": False, "unanswered": False}),
        bulk=_every(
            True,
            except_for={
                "unknown": False,
                "sandbox": False,
                "unanswered": False,
                "duplicate": False,
                "malformed": False,
            },
        ),
    ),
    sources=(
        "zerobounce.net/email-validation-pricing (unknown results are not charged)",
        "zerobounce.net/docs: sandbox mode (test addresses cost no credit)",
    ),
)

_MV_RISKY = ("unknown", "catch_all")
MILLIONVERIFIER = ProviderBilling(
    provider="millionverifier",
    rules=_modes(
        # "we deduct your credits ... for good (ok) and bad (invalid, disposable) emails.
        # We don't deduct any credits for risky (unknown and catch-all) emails"
        single=_every(
            True,
            except_for={**dict.fromkeys(_MV_RISKY, False), "sandbox": False, "unanswered": False},
        ),
        bulk=_every(
            True,
            except_for={
                **dict.fromkeys(_MV_RISKY, False),
                "sandbox": False,
                "unanswered": False,
                "duplicate": False,
                "malformed": False,
            },
        ),
    ),
    sources=(
        "help.millionverifier.com: Refund for Risky Emails",
        "help.millionverifier.com: bulk verification (duplicates removed, not charged)",
    ),
    # accounts MillionVerifier flags for misuse pay for risky answers too (same page)
    presets={
        "risky_is_paid": _modes(
            single=dict.fromkeys(_MV_RISKY, True), bulk=dict.fromkeys(_MV_RISKY, True)
        )
    },
)

PROVIDER_BILLING: Final[Mapping[str, ProviderBilling]] = MappingProxyType(
    {p.provider: p for p in (NEVERBOUNCE, ZEROBOUNCE, MILLIONVERIFIER)}
)


def parse_overrides(provider: str, text: str | None) -> Rules:
    """Account overrides from their text form: comma-separated tokens, each a preset the
    provider documents (`risky_is_paid`) or `[single.|bulk.]<outcome>=paid|free` (both modes
    when none is named). Raises `ValueError` naming the first token it cannot read."""
    billing = PROVIDER_BILLING.get(provider)
    overrides: dict[tuple[Mode, str], bool] = {}
    for token in (t.strip() for t in (text or "").split(",")):
        if not token:
            continue
        if billing is not None and token in billing.presets:
            overrides.update(billing.presets[token])
            continue
        name, sep, value = token.partition("=")
        mode_name, dot, outcome = name.strip().rpartition(".")
        modes = MODES if not dot else tuple(m for m in MODES if m == mode_name)
        if not sep or value.strip() not in ("paid", "free") or outcome not in OUTCOMES or not modes:
            presets = ", ".join(billing.presets) if billing and billing.presets else "none"
            raise ValueError(
                f"billing override {token!r} for {provider}: expected a preset ({presets}) or "
                f"[single.|bulk.]<outcome>=paid|free with outcome one of {', '.join(OUTCOMES)}"
            )
        for mode in modes:
            overrides[(mode, outcome)] = value.strip() == "paid"
    return MappingProxyType(overrides)


@dataclass(frozen=True)
class BillingRules:
    """The rules one account is billed by: its provider's, with the account's overrides."""

    provider: str
    overrides: Rules = field(default_factory=dict)

    @classmethod
    def of(cls, provider: str, overrides: str | None = None) -> BillingRules:
        return cls(provider, parse_overrides(provider, overrides))

    def charged(self, outcome: str, mode: Mode = "single") -> bool:
        """Whether one answer of `outcome` in `mode` costs a credit (undocumented: yes)."""
        if (mode, outcome) in self.overrides:
            return self.overrides[(mode, outcome)]
        billing = PROVIDER_BILLING.get(self.provider)
        if billing is None:
            return True
        return billing.rules.get((mode, outcome), True)

    def most_a_call_costs(self, mode: Mode = "single") -> int:
        """Credits a call may have cost when its answer was lost: 1 if any answer is paid."""
        return int(any(self.charged(outcome, mode) for outcome in OUTCOMES))

    @property
    def sources(self) -> tuple[str, ...]:
        billing = PROVIDER_BILLING.get(self.provider)
        return billing.sources if billing else ()
