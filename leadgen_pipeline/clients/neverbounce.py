"""NeverBounce v4 single check as an `EmailVerifier`.

`GET {base}/v4/single/check?key=…&email=…&timeout=…` answers
`{"status": "success", "result": "valid", "flags": [...], ...}` (docs/vendor-formats.md §5c).

Errors arrive with HTTP 200 and a `status` other than `success` (developers.neverbounce.com,
error handling), so `status` is read before `result`:

- `auth_failure`, `bad_referrer`, `general_failure` (a malformed request): `ProviderError` at
  once, never retried; retrying cannot fix a key or a request. The first two concern the
  account and stop a batch (`stop_reason` `auth`, or `credits` when the message speaks of
  credits); `general_failure` concerns this request only.
- `throttle_triggered`, `temp_unavail`: retried with the shared backoff. NeverBounce sends no
  Retry-After, and `send_with_retries` retries only HTTP statuses, so the inspector re-labels
  such a 200 with the status it means (429 / 503) before the retry decision; after the last
  attempt a `ProviderError` names the in-body status.

Mapping to our vocabulary is in `verifiers`, the credit rule in `billing` (every `success`
answer is one credit: no free outcome is documented). The balance is
`GET {base}/v4/account/info?key=…`: `credits_info{paid_credits_remaining,
free_credits_remaining, …}` (the official .NET SDK's model), or `credits` and `free_credits`
in older answers. NeverBounce publishes no numeric rate
for single checks, and warns that walking a whole list through them can lock the account;
large lists belong in its bulk jobs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from leadgen_pipeline.clients.http import ProviderError, ResponseInspector
from leadgen_pipeline.clients.verifiers import HttpVerifier, Verdict, VerdictStatus

PROVIDER = "neverbounce"
DEFAULT_BASE_URL = "https://api.neverbounce.com"
SINGLE_CHECK_PATH = "/v4/single/check"
ACCOUNT_INFO_PATH = "/v4/account/info"
# No vendor figure exists for single checks; a conservative default of our own.
DEFAULT_RATE_PER_SECOND = 10.0
# NeverBounce's own `timeout` parameter (seconds), as in its documented example.
DEFAULT_PROVIDER_TIMEOUT_S = 30

RESULTS: Final[dict[str, VerdictStatus]] = {
    "valid": "valid",
    "catchall": "catch_all",
    "unknown": "unknown",
    "invalid": "invalid",
    "disposable": "disposable",
}
# In-body statuses that mean "try again later", with the HTTP status they stand for.
RETRYABLE_STATUSES: Final[dict[str, int]] = {"throttle_triggered": 429, "temp_unavail": 503}
FATAL_STATUSES: Final[frozenset[str]] = frozenset(
    {"auth_failure", "bad_referrer", "general_failure"}
)
# Of those, the ones about the account rather than the request: they stop a batch.
ACCOUNT_STATUSES: Final[frozenset[str]] = frozenset({"auth_failure", "bad_referrer"})
_CREDITS = re.compile(r"(?i)credit")
ROLE_FLAG = "role_account"


class _InBodyStatusInspector:
    """Sees every NeverBounce response before the retry decision; one per `verify` call.

    Re-labels a 200 carrying `throttle_triggered` / `temp_unavail` as 429 / 503 so the one
    retry policy backs off and retries it; `last_status` is that status when the latest
    response carried one (so the final error can name it), else None.
    """

    def __init__(self) -> None:
        self.last_status: str | None = None

    def __call__(self, response: httpx.Response) -> float | None:
        self.last_status = None
        if response.status_code != 200:
            return None
        try:
            data = json.loads(response.content)
        except ValueError:
            return None  # a cut-off body is handled after the send
        status = data.get("status") if isinstance(data, dict) else None
        if isinstance(status, str) and status in RETRYABLE_STATUSES:
            self.last_status = status
            response.status_code = RETRYABLE_STATUSES[status]
        return None  # no advice of our own: the policy's backoff applies


class NeverBounceVerifier(HttpVerifier):
    """NeverBounce single check. See the module docstring for errors and retries.

    Constructor arguments are `HttpVerifier`'s; `provider_timeout_s` is sent as NeverBounce's
    own `timeout` parameter.
    """

    name = PROVIDER
    path = SINGLE_CHECK_PATH
    balance_path = ACCOUNT_INFO_PATH
    default_base_url = DEFAULT_BASE_URL
    default_rate_per_second = DEFAULT_RATE_PER_SECOND
    default_provider_timeout_s = DEFAULT_PROVIDER_TIMEOUT_S

    def _params(self, email: str) -> dict[str, str]:
        return {
            "key": self._api_key,
            "email": email,
            "address_info": "0",
            "credits_info": "0",
            "timeout": str(self.provider_timeout_s),
        }

    def _balance_params(self) -> dict[str, str]:
        return {"key": self._api_key}

    def _balance(self, data: Mapping[str, Any]) -> float | None:
        if data.get("status") != "success":
            self._raise_status(data, json.dumps(data))
        info = data.get("credits_info")
        if isinstance(info, Mapping):
            parts = [info.get("paid_credits_remaining"), info.get("free_credits_remaining")]
        else:
            parts = [data.get("credits"), data.get("free_credits")]
        numbers = [n for n in map(_as_float, parts) if n is not None]
        return sum(numbers) if numbers else None

    def _raise_status(self, data: Mapping[str, Any], body: str) -> None:
        """Raise the `ProviderError` an answer whose `status` is not `success` means."""
        status = data.get("status")
        message = data.get("message")
        reason = f": {message}" if message else ""
        if status in ACCOUNT_STATUSES:
            stop = "credits" if _CREDITS.search(str(message or "")) else "auth"
            raise self._error(
                f"answered status {status!r}{reason} (not retried)", body, stop_reason=stop
            )
        if status in FATAL_STATUSES:
            raise self._error(f"answered status {status!r}{reason} (not retried)", body)
        raise self._error(f"answered an unexpected status {status!r}{reason}", body)

    def _inspect(self) -> ResponseInspector:
        return _InBodyStatusInspector()

    def _on_send_failure(
        self, error: ProviderError, inspector: ResponseInspector | None
    ) -> ProviderError:
        if isinstance(inspector, _InBodyStatusInspector) and inspector.last_status:
            return self._error(
                f"answered status {inspector.last_status!r} on every one of "
                f"{self._policy.max_attempts} attempts",
                error.body,
            )
        return error

    def _verdict(self, email: str, data: Mapping[str, Any], body: str) -> Verdict:
        if data.get("status") != "success":
            self._raise_status(data, body)
        result = data.get("result")
        if not isinstance(result, str) or not result:
            raise self._error("answered success without a result", body)
        flags = data.get("flags") if isinstance(data.get("flags"), list) else []
        provider_status = result + (f"+{ROLE_FLAG}" if ROLE_FLAG in flags else "")
        ours = RESULTS.get(result)
        if ours is None:
            return self._make(
                email,
                "unknown",
                provider_status,
                paid=self._charged("unrecognised"),
                detail=f"unrecognised NeverBounce result {result!r}",
            )
        return self._make(email, ours, provider_status, paid=self._charged(ours))


def _as_float(value: object) -> float | None:
    """A count as a number (providers send some as strings); None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
