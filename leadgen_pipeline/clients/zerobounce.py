"""ZeroBounce v2 validate as an `EmailVerifier`.

`GET {base}/v2/validate?api_key=…&email=…&ip_address=&timeout=…` answers
`{"address": ..., "status": "valid", "sub_status": "", ...}` (docs/vendor-formats.md §5d).
`spamtrap`, `abuse` and `do_not_mail` are ordinary 200 answers that must suppress the address.

Answers without `status`, still HTTP 200:

- `{"error": "Invalid API Key or your account ran out of credits"}` (a bad key or an empty
  balance, as ZeroBounce's SDKs document): `ProviderError`, never retried — 200 bad-key
  requests in an hour block the key for an hour. It stops a batch; which of the two it was
  is read from the balance (`getcredits` answers `-1` for a key it does not know).
- any other `error` / `Message` without `status` (a greylisting answer carries only
  `Message`): `unknown`, not paid, the text kept in `detail`.

Mapping is in `verifiers`, credit rules in `billing`: `unknown` is free, as are ZeroBounce's
sandbox addresses (`ZEROBOUNCE_SANDBOX_ADDRESSES`); everything else is one credit. The
balance is `GET {base}/v2/getcredits?api_key=…`, answering `{"Credits": "2375323"}` (a
number inside a string; `-1` for an unknown key), as ZeroBounce's Rust SDK reads it. Rate limit:
50,000 validations per 10 seconds per key, then a one-minute block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from leadgen_pipeline.clients.http import ProviderError, StopReason
from leadgen_pipeline.clients.verifiers import HttpVerifier, Verdict, VerdictStatus

PROVIDER = "zerobounce"
DEFAULT_BASE_URL = "https://api.zerobounce.net"
VALIDATE_PATH = "/v2/validate"
CREDITS_PATH = "/v2/getcredits"
# 50,000 requests in 10 seconds (zerobounce.net/docs/api-dashboard/api-rate-limits).
DEFAULT_RATE_PER_SECOND = 5000.0
# ZeroBounce's own `timeout` parameter accepts 3-60 seconds.
DEFAULT_PROVIDER_TIMEOUT_S = 30
PROVIDER_TIMEOUT_RANGE_S = (3, 60)

STATUSES: Final[dict[str, VerdictStatus]] = {
    "valid": "valid",
    "catch-all": "catch_all",
    "unknown": "unknown",
    "invalid": "invalid",
    "spamtrap": "do_not_mail",
    "abuse": "do_not_mail",
    "do_not_mail": "do_not_mail",
}
# `do_not_mail` sub-statuses that name a more precise verdict; any other stays do_not_mail
# (toxic, possible_trap, global_suppression, ...).
DO_NOT_MAIL_SUB_STATUSES: Final[dict[str, VerdictStatus]] = {
    "disposable": "disposable",
    "role_based": "role",
    "role_based_catch_all": "role",
}
# ZeroBounce's sandbox: these addresses answer canned results and cost no credit.
ZEROBOUNCE_SANDBOX_ADDRESSES: Final[frozenset[str]] = frozenset(
    f"{local}@example.com"
    for local in (
        "valid",
        "invalid",
        "catch_all",
        "unknown",
        "spamtrap",
        "abuse",
        "donotmail",
        "disposable",
        "toxic",
        "free_email",
        "role_based",
        "role_based_catch_all",
        "possible_trap",
        "global_suppression",
        "antispam_system",
        "does_not_accept_mail",
        "exception_occurred",
        "failed_smtp_connection",
        "failed_syntax_check",
        "forcible_disconnect",
        "greylisted",
        "leading_period_removed",
        "mail_server_did_not_respond",
        "mail_server_temporary_error",
        "mailbox_quota_exceeded",
        "mailbox_not_found",
        "no_dns_entries",
        "possible_typo",
        "timeout_exceeded",
        "unroutable_ip_address",
    )
)
# An `error` that means the key or the balance is the problem, not this address.
ACCOUNT_ERROR = re.compile(r"(?i)api[ _-]?key|credits?\b")


def _text(data: Mapping[str, Any], *names: str) -> str | None:
    """The first non-empty string among `names`, matched case-insensitively."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        value = lowered.get(name)
        if isinstance(value, list):  # some answers wrap the message in a list
            value = "; ".join(str(v) for v in value if v)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class ZeroBounceVerifier(HttpVerifier):
    """ZeroBounce validate. See the module docstring for errors and credits.

    Constructor arguments are `HttpVerifier`'s; `provider_timeout_s` (3-60) is sent as
    ZeroBounce's own `timeout` parameter.
    """

    name = PROVIDER
    path = VALIDATE_PATH
    balance_path = CREDITS_PATH
    default_base_url = DEFAULT_BASE_URL
    default_rate_per_second = DEFAULT_RATE_PER_SECOND
    default_provider_timeout_s = DEFAULT_PROVIDER_TIMEOUT_S

    def _params(self, email: str) -> dict[str, str]:
        low, high = PROVIDER_TIMEOUT_RANGE_S
        return {
            "api_key": self._api_key,
            "email": email,
            "ip_address": "",
            "timeout": str(min(high, max(low, self.provider_timeout_s))),
        }

    def _balance_params(self) -> dict[str, str]:
        return {"api_key": self._api_key}

    def _balance(self, data: Mapping[str, Any]) -> float | None:
        raw = _text(data, "credits")
        try:
            credits = float(raw) if raw is not None else None
        except ValueError:
            return None
        if credits is not None and credits < 0:
            raise self._error(
                "answered a balance of -1: the API key is not known", stop_reason="auth"
            )
        return credits

    def _account_problem(self) -> StopReason:
        """Whether a refusal naming "API key or credits" was the key or the balance."""
        try:
            return "credits" if self.credit_balance() <= 0 else "auth"
        except ProviderError as error:
            return error.stop_reason or "auth"

    def _verdict(self, email: str, data: Mapping[str, Any], body: str) -> Verdict:
        status = data.get("status")
        if not isinstance(status, str) or not status:
            message = _text(data, "error", "message")
            if message is None:
                raise self._error("answered without a status", body)
            if ACCOUNT_ERROR.search(message):
                raise self._error(
                    f"refused the request: {message} (not retried)",
                    body,
                    stop_reason=self._account_problem(),
                )
            # Greylisting and similar: no verdict now, which ZeroBounce bills as unknown.
            return self._make(email, "unknown", "", paid=self._charged("unknown"), detail=message)
        status = status.strip().lower()
        sub_status = str(data.get("sub_status") or "").strip().lower()
        provider_status = f"{status}/{sub_status}" if sub_status else status
        sandbox = email in ZEROBOUNCE_SANDBOX_ADDRESSES
        ours = STATUSES.get(status)
        if ours is None:
            return self._make(
                email,
                "unknown",
                provider_status,
                paid=self._charged("sandbox" if sandbox else "unrecognised"),
                detail=f"unrecognised ZeroBounce status {status!r}",
            )
        if status == "do_not_mail":
            ours = DO_NOT_MAIL_SUB_STATUSES.get(sub_status, "do_not_mail")
        paid = self._charged("sandbox" if sandbox else ours)
        return self._make(email, ours, provider_status, paid=paid)
