"""MillionVerifier v3 single verification as an `EmailVerifier`.

`GET {base}/api/v3/?api=…&email=…&timeout=…` answers
`{"email": ..., "result": "ok", "resultcode": 1, "subresult": "", "role": false,
"credits": 9874, "error": "", ...}` (docs/vendor-formats.md §5e).

`resultcode` 1 ok, 2 catch_all, 3 unknown, 5 disposable, 6 invalid are verdicts. 4 (`result:
error`) is never a verdict: a bad key answers HTTP 200 with `{"result": "error",
"resultcode": 4, "error": "Apikey not found", "credits": 0}`, and the same envelope carries
"Insufficient credits" and the like. Any answer with `resultcode` 4, `result: error` or a
non-empty `error` raises `ProviderError` and is not retried; one naming the key or the
credits stops a batch (`stop_reason` `auth` / `credits`), any other concerns this address.

Credits (`billing`, from help.millionverifier.com): ok, invalid and disposable are charged;
unknown and catch_all are not, except on accounts MillionVerifier flags for misuse — the
billing override `risky_is_paid` (or `risky_is_paid=True` here) for such an account.
`credits` in each answer is the remaining balance, kept in `last_credits_balance`; the
balance alone is `GET {base}/api/v3/credits?api=…` (`{"credits": …}`). No rate limit is
published; the default is our own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

import httpx

from leadgen_pipeline.clients.billing import BillingRules
from leadgen_pipeline.clients.http import RetryPolicy, StopReason
from leadgen_pipeline.clients.verifiers import HttpVerifier, Verdict, VerdictStatus, utc_now

PROVIDER = "millionverifier"
DEFAULT_BASE_URL = "https://api.millionverifier.com"
VERIFY_PATH = "/api/v3/"
CREDITS_PATH = "/api/v3/credits"
# No vendor figure was found; a conservative default of our own.
DEFAULT_RATE_PER_SECOND = 10.0
# MillionVerifier's own `timeout` parameter (2-60 s; 20 in its documentation).
DEFAULT_PROVIDER_TIMEOUT_S = 20
PROVIDER_TIMEOUT_RANGE_S = (2, 60)

RESULT_CODES: Final[dict[int, VerdictStatus]] = {
    1: "valid",
    2: "catch_all",
    3: "unknown",
    5: "disposable",
    6: "invalid",
}
RESULTS: Final[dict[str, VerdictStatus]] = {
    "ok": "valid",
    "catch_all": "catch_all",
    "unknown": "unknown",
    "disposable": "disposable",
    "invalid": "invalid",
}
ERROR_CODE = 4
_AUTH_ERROR = re.compile(r"(?i)api[ _-]?key")
_CREDITS_ERROR = re.compile(r"(?i)credit")


def stop_reason_of(error: str) -> StopReason | None:
    """An error about the key or the balance stops a batch; any other is this address's."""
    if _AUTH_ERROR.search(error):
        return "auth"
    if _CREDITS_ERROR.search(error):
        return "credits"
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MillionVerifierVerifier(HttpVerifier):
    """MillionVerifier single verification. See the module docstring for errors and credits.

    Arguments are `HttpVerifier`'s, plus `risky_is_paid`: count unknown and catch_all answers
    as paid (for an account MillionVerifier no longer refunds), the same as the billing
    override of that name.
    """

    name = PROVIDER
    path = VERIFY_PATH
    balance_path = CREDITS_PATH
    default_base_url = DEFAULT_BASE_URL
    default_rate_per_second = DEFAULT_RATE_PER_SECOND
    default_provider_timeout_s = DEFAULT_PROVIDER_TIMEOUT_S

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 45.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        *,
        cost_per_check: float = 1.0,
        provider_timeout_s: int | None = None,
        now: Callable[[], datetime] = utc_now,
        billing: BillingRules | None = None,
        risky_is_paid: bool = False,
    ) -> None:
        if risky_is_paid:
            base = billing or BillingRules.of(PROVIDER)
            presets = BillingRules.of(PROVIDER, "risky_is_paid").overrides
            billing = BillingRules(PROVIDER, {**base.overrides, **presets})
        super().__init__(
            api_key,
            base_url,
            timeout_s,
            policy,
            sleep,
            transport,
            cost_per_check=cost_per_check,
            provider_timeout_s=provider_timeout_s,
            now=now,
            billing=billing,
        )
        self.last_credits_balance: int | None = None

    def _params(self, email: str) -> dict[str, str]:
        low, high = PROVIDER_TIMEOUT_RANGE_S
        return {
            "api": self._api_key,
            "email": email,
            "timeout": str(min(high, max(low, self.provider_timeout_s))),
        }

    def _balance_params(self) -> dict[str, str]:
        return {"api": self._api_key}

    def _balance(self, data: Mapping[str, Any]) -> float | None:
        error = str(data.get("error") or "").strip()
        if error:
            raise self._error(f"answered {error!r}", stop_reason=stop_reason_of(error))
        credits = _int(data.get("credits"))
        return float(credits) if credits is not None else None

    def _verdict(self, email: str, data: Mapping[str, Any], body: str) -> Verdict:
        result = str(data.get("result") or "").strip().lower()
        code = _int(data.get("resultcode"))
        error = str(data.get("error") or "").strip()
        if code == ERROR_CODE or result == "error" or error:
            reason = error or "an error without a message"
            raise self._error(
                f"answered {reason!r} (not retried)", body, stop_reason=stop_reason_of(reason)
            )
        balance = _int(data.get("credits"))
        if balance is not None:
            self.last_credits_balance = balance
        subresult = str(data.get("subresult") or "").strip().lower()
        raw = result or (str(code) if code is not None else "")
        if not raw:
            raise self._error("answered without a result", body)
        provider_status = raw + (f"/{subresult}" if subresult else "")
        if data.get("role") is True:
            provider_status += "+role"
        ours = RESULT_CODES.get(code) if code is not None else RESULTS.get(result)
        if ours is None:
            ours = RESULTS.get(result)
        if ours is None:
            return self._make(
                email,
                "unknown",
                provider_status,
                paid=self._charged("unrecognised"),
                detail=f"unrecognised MillionVerifier result {raw!r}",
            )
        return self._make(email, ours, provider_status, paid=self._charged(ours))
