"""One interface for every email-verification provider, and the verdict vocabulary they share.

Every address is verified before any send and paid for once. Each provider client
(`neverbounce.NeverBounceVerifier`, `zerobounce.ZeroBounceVerifier`,
`millionverifier.MillionVerifierVerifier`) implements `EmailVerifier`: `verify(email)` sends
one normalised address and returns a `Verdict` in our vocabulary, saying whether the call
spent a credit so the caller can write it to the ledger before starting another.

Our vocabulary (`VERDICT_STATUSES`) and what each provider's answer maps to:

| ours          | NeverBounce   | ZeroBounce `status[/sub_status]`          | MillionVerifier |
|---------------|---------------|-------------------------------------------|-----------------|
| valid         | valid         | valid                                     | 1 ok            |
| catch_all     | catchall      | catch-all                                 | 2 catch_all     |
| unknown       | unknown       | unknown; an answer of only Message/error  | 3 unknown       |
| invalid       | invalid       | invalid                                   | 6 invalid       |
| disposable    | disposable    | do_not_mail/disposable                    | 5 disposable    |
| role          | never (below) | do_not_mail/role_based(_catch_all)        | never (below)   |
| do_not_mail   | —             | spamtrap, abuse, do_not_mail/any other    | —               |
|               |               | (toxic, possible_trap, global_supp...)    |                 |
| ProviderError | status other  | an `error` naming the API key or credits  | 4 error         |
|               | than success  | (not retried)                             | (not retried)   |

- Role addresses are decided by our own pre-check, not by the vendor: NeverBounce's
  `role_account` flag and MillionVerifier's `role: true` keep the verdict and are only
  recorded in `provider_status` (as `+role_account` / `+role`). ZeroBounce reports role
  addresses as a `do_not_mail` sub-status, so there the answer itself is `role`.
- `provider_status` keeps the raw answer: the verdict, then `/sub_status` where the provider
  gives one (`invalid/mailbox_not_found`, `do_not_mail/disposable`, `ok/...`), then `+flag`.
- A value outside a provider's documented vocabulary becomes `unknown` (never sendable) and
  is assumed paid.
- No usable answer for one address is never a reason to stop a batch: a request that still
  times out after the retries, or whose body is still not JSON after `policy.max_attempts`
  tries (each after a backoff with jitter, each paced like any attempt), becomes `unknown`,
  detail `timeout` / `unanswered: …`, paid only if the provider's billing rules say so
  (`billing`, outcome `unanswered`), and is asked again after a day. `verify_many` does the
  same for an address whose calls still fail after the retries (HTTP 5xx, refused
  connections). Only a `ProviderError` with a `stop_reason` (bad key, no credits, provider
  down) stops a batch.

Which answers spend a credit (`paid`) is not decided here: each client asks its
`BillingRules` (`clients/billing.py`), where every provider's published rules are stated as
data with their sources: NeverBounce charges every verdict, ZeroBounce everything but
`unknown` and its sandbox, MillionVerifier everything but `unknown` and `catch_all` (unless
the account is flagged for misuse: override `risky_is_paid`). Each client can also read the
account's credit balance (`credit_balance`), which the verify layer reconciles with its
ledger after every batch.

Rate limits used as defaults (`default_rate_per_second` on each client; `verify_many` uses it
when the caller gives none):

- ZeroBounce `/v2/validate`: at most 50,000 requests in 10 seconds per key, then blocked for
  a minute (zerobounce.net/docs/api-dashboard/api-rate-limits; a later revision of that page
  is reported at 80,000 — the lower figure is the default). 200 bad-key requests in an hour
  block the key for an hour, so an auth failure is never retried.
- NeverBounce `/v4/single/check`: no numeric rate is published; throttling arrives as
  `status: throttle_triggered` inside an HTTP 200 with no Retry-After
  (developers.neverbounce.com error-handling). Its usage guidelines warn that walking a whole
  list through single checks can lock the account (bulk jobs are meant for that). Default
  10/s is our conservative choice, not a vendor figure.
- MillionVerifier `/api/v3/`: no published rate limit was found; default 10/s is our
  conservative choice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import httpx

from leadgen_pipeline.clients.billing import BillingRules, Mode
from leadgen_pipeline.clients.http import (
    PooledClient,
    ProviderError,
    ResponseInspector,
    RetryPolicy,
    StopReason,
    scrub_text,
    send_with_retries,
)
from leadgen_pipeline.kernel.keys import scalar, send_address
from leadgen_pipeline.kernel.vocab import VERDICT_STATUSES, VerdictStatus

logger = logging.getLogger(__name__)

TIMEOUT_DETAIL = "timeout"
# the detail of a verdict given for want of any usable answer
UNANSWERED_DETAIL = "unanswered"


@dataclass(frozen=True)
class Verdict:
    """One provider's answer about one address, in our vocabulary.

    `email` is the normalised address that was sent; `status` is one of `VERDICT_STATUSES`;
    `provider_status` the provider's raw verdict (with sub-status and flags); `checked_at` is
    timezone-aware UTC; `paid` says whether this call spent a credit and `cost` how many
    (always 0 when not paid). Construction refuses anything else.
    """

    email: str
    status: VerdictStatus
    provider_status: str
    provider: str
    checked_at: datetime
    paid: bool
    cost: float
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.status not in VERDICT_STATUSES:
            raise ValueError(f"unknown verdict status {self.status!r}")
        if self.checked_at.utcoffset() != timedelta(0):
            raise ValueError("checked_at must be a timezone-aware UTC datetime")
        if self.cost < 0:
            raise ValueError("cost must not be negative")
        if not self.paid and self.cost != 0:
            raise ValueError("an unpaid verdict costs nothing")


@runtime_checkable
class EmailVerifier(Protocol):
    """What every verification provider client offers.

    `verify` sends one address (normalised with `normalise_email`) and returns its verdict,
    or raises `ProviderError` when the provider cannot answer (bad key, no credits, outage).
    Implementations are safe to call from several threads at once.
    """

    name: str
    cost_per_check: float

    def verify(self, email: str) -> Verdict: ...

    def unanswered(self, email: str, reason: str) -> Verdict:
        """The verdict for an address that got no usable answer: `unknown`, paid only if the
        provider's billing rules say so."""
        ...


def normalise_email(email: str) -> str:
    """The form of `email` that is sent, cached and paid for: the kernel's `send_address`.

    The address as email-validator normalises it, lower-cased. Nothing else changes: a `+tag`
    or dots stay, because that is the mailbox a send would reach. Raises `ValueError` for a
    value that is not a valid address (empty, no `@`, nothing before or after it, whitespace
    inside, a domain email-validator refuses such as `.test`), so nothing is paid for it. For
    many addresses at once, `send_address` over the column is one pass (as `verify_batch` does).
    """
    address = scalar(send_address, email)
    if address is None:
        raise ValueError(f"not an email address: {email!r}")
    return address


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class _TimeoutAwareClient(httpx.Client):
    """An httpx client that remembers, per thread, whether its last send timed out.

    `send_with_retries` turns a timeout on the last attempt into a `ProviderError` like any
    transport failure; the verifier needs to tell the two apart (a timeout becomes an
    `unknown` verdict, a refused connection stops the batch). Overriding `send` also sees
    timeouts while the body is read, which a transport wrapper would miss.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._local = threading.local()
        # called before every attempt, retries included, so a rate limit covers them all
        self.pacer: Callable[[], None] | None = None

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        if self.pacer is not None:
            self.pacer()
        self._local.timed_out = False
        try:
            return super().send(request, **kwargs)
        except httpx.TimeoutException:
            self._local.timed_out = True
            raise

    @property
    def last_send_timed_out(self) -> bool:
        """Whether this thread's most recent `send` ended in a timeout."""
        return bool(getattr(self._local, "timed_out", False))


class ProviderAccount(PooledClient):
    """What every client of a paid verification provider holds, single checks or bulk:
    the key (never logged), the retry policy, the clock, the account's billing rules and
    what one credit costs."""

    name: str = ""

    def _set_account(
        self,
        api_key: str,
        policy: RetryPolicy | None,
        sleep: Callable[[float], None],
        now: Callable[[], datetime],
        cost_per_check: float,
        billing: BillingRules | None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError(f"a {self.name} API key is required")
        if cost_per_check < 0:
            raise ValueError("cost_per_check must not be negative")
        self._api_key = api_key.strip()
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._now = now
        self.cost_per_check = float(cost_per_check)
        self.billing = billing or BillingRules.of(self.name)


class HttpVerifier(ProviderAccount):
    """Shared plumbing of the provider clients: one GET, the one retry policy, key scrubbing.

    Subclasses set `name`, `path`, `balance_path`, `default_base_url`,
    `default_rate_per_second` and `default_provider_timeout_s`, and implement `_params` (the
    query, key included), `_verdict` (the parsed answer to a `Verdict`, raising
    `ProviderError` for an error inside a 200) and `_balance` (the credit balance in an
    account answer). They may override `_inspect` to retry errors a provider reports inside
    a 200.

    `provider_timeout_s` (default: the class's) is the provider's own budget for its SMTP
    check, sent with each request; keep it below `timeout_s` so a slow mailbox yields the
    provider's `unknown` rather than our timeout. `cost_per_check` is what one credit costs;
    `billing` the account's charging rules (default: the provider's published ones);
    `now` stamps `checked_at`.

    Every request goes through `send_with_retries` with `policy` (transport errors,
    timeouts, 429 and 5xx are retried with backoff and Retry-After; other 4xx are not).
    A body that is not a JSON object is asked again after the policy's backoff, up to
    `policy.max_attempts` times, then the address is `unanswered` (an `unknown` verdict).
    A timeout on the last attempt yields an `unknown` verdict with detail `timeout`.
    The API key never appears in an error or a log line. Thread-safe: one connection pool
    serves every thread. Use as a context manager so connections close.
    """

    name: str = ""
    path: str = "/"
    balance_path: str = "/"
    default_base_url: str = ""
    default_rate_per_second: float | None = None
    default_provider_timeout_s: int = 30

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
    ) -> None:
        self._set_account(api_key, policy, sleep, now, cost_per_check, billing)
        self.provider_timeout_s = provider_timeout_s or self.default_provider_timeout_s
        self._http = _TimeoutAwareClient(
            base_url=(base_url or self.default_base_url).rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            headers={"accept": "application/json"},
        )

    def set_pacer(self, pacer: Callable[[], None] | None) -> None:
        """Have `pacer` run before every HTTP attempt, retries included (`verify_many`'s
        rate limiter), or stop pacing with None."""
        self._http.pacer = pacer

    # --- subclass hooks ----------------------------------------------------------------

    def _params(self, email: str) -> dict[str, str]:
        raise NotImplementedError

    def _verdict(self, email: str, data: Mapping[str, Any], body: str) -> Verdict:
        raise NotImplementedError

    def _balance_params(self) -> dict[str, str]:
        raise NotImplementedError

    def _balance(self, data: Mapping[str, Any]) -> float | None:
        """The credits left, from the account endpoint's answer; None if it holds none."""
        raise NotImplementedError

    def _inspect(self) -> ResponseInspector | None:
        """A fresh per-call inspector for `send_with_retries`, or None."""
        return None

    def _on_send_failure(
        self, error: ProviderError, inspector: ResponseInspector | None
    ) -> ProviderError:
        """The error to raise when `send_with_retries` gave up; subclasses may make it clearer."""
        return error

    # --- helpers for subclasses --------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return scrub_text(text, (self._api_key,))

    def _error(
        self, message: str, body: str | None = None, *, stop_reason: StopReason | None = None
    ) -> ProviderError:
        """A `ProviderError` for this provider's endpoint, the key scrubbed from everything."""
        return ProviderError(
            self.name,
            self._scrub(f"GET {self.path} {message}"),
            status_code=200,
            endpoint=self.path,
            body=self._scrub(body) if body else None,
            stop_reason=stop_reason,
        )

    def _charged(self, outcome: str, mode: Mode = "single") -> bool:
        return self.billing.charged(outcome, mode)

    def _make(
        self,
        email: str,
        status: VerdictStatus,
        provider_status: str,
        *,
        paid: bool,
        detail: str | None = None,
    ) -> Verdict:
        return Verdict(
            email=email,
            status=status,
            provider_status=provider_status,
            provider=self.name,
            checked_at=self._now(),
            paid=paid,
            cost=self.cost_per_check if paid else 0.0,
            detail=detail,
        )

    # --- the call ----------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str]) -> httpx.Response | None:
        """One `send_with_retries` round; None when its last attempt timed out."""
        request = self._http.build_request("GET", path, params=params)
        inspector = self._inspect() if path == self.path else None
        try:
            return send_with_retries(
                self._http,
                request,
                self._policy,
                self._sleep,
                provider=self.name,
                secrets=(self._api_key,),
                inspect=inspector,
            )
        except ProviderError as error:
            if error.status_code is None and self._http.last_send_timed_out:
                return None
            raise self._on_send_failure(error, inspector) from None

    def unanswered(self, email: str, reason: str) -> Verdict:
        """`unknown` for an address that got no usable answer; `reason` is kept in `detail`
        (scrubbed: it may quote an error)."""
        detail = f"{UNANSWERED_DETAIL}: {self._scrub(reason)}"
        return self._make(
            email, "unknown", UNANSWERED_DETAIL, paid=self._charged("unanswered"), detail=detail
        )

    def verify(self, email: str) -> Verdict:
        """Verify one address and return its verdict (see the module docstring's table).

        Raises `ValueError` for a value that is not an address (nothing is sent), and
        `ProviderError` when the provider cannot answer: auth or credit failures (never
        retried, `stop_reason` set), errors still there after the retries. A body that is
        not JSON is asked again after a backoff; if it never is, the verdict is `unknown`.
        """
        address = normalise_email(email)
        attempts = self._policy.max_attempts
        for attempt in range(1, attempts + 1):
            response = self._get(self.path, self._params(address))
            if response is None:
                logger.warning("%s: no answer for one address before the timeout", self.name)
                return self._make(
                    address,
                    "unknown",
                    TIMEOUT_DETAIL,
                    paid=self._charged("unanswered"),
                    detail=TIMEOUT_DETAIL,
                )
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict):
                return self._verdict(address, data, response.text)
            if attempt < attempts:
                # A cut-off body is usually a dropped connection; asking again at once tends
                # to land on the same trouble, so back off as for any failed attempt.
                delay = self._policy.backoff_s(attempt)
                logger.warning(
                    "%s: GET %s answered HTTP %d with a body that is not a JSON object "
                    "(attempt %d/%d); retrying in %.2fs",
                    self.name,
                    self.path,
                    response.status_code,
                    attempt,
                    attempts,
                    delay,
                )
                self._sleep(delay)
        logger.warning(
            "%s: GET %s gave no readable answer for one address in %d attempts; it stays "
            "unknown and is asked again later",
            self.name,
            self.path,
            attempts,
        )
        return self.unanswered(address, f"no JSON body in {attempts} attempts")

    def credit_balance(self) -> float:
        """The account's credits left, as the provider reports them now (a free call).

        Raises `ProviderError` when the provider cannot tell (its key refused, no answer,
        an answer without a balance)."""
        response = self._get(self.balance_path, self._balance_params())
        if response is None:
            raise ProviderError(
                self.name, f"GET {self.balance_path} timed out", endpoint=self.balance_path
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        balance = self._balance(data) if isinstance(data, dict) else None
        if balance is None:
            raise ProviderError(
                self.name,
                f"GET {self.balance_path} answered no credit balance",
                status_code=response.status_code,
                endpoint=self.balance_path,
                body=self._scrub(response.text),
            )
        return balance
