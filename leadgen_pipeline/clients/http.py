"""The project's one HTTP retry policy, shared by every outside-world client.

Every client (Apollo, email verifiers, ...) sends its requests through
`send_with_retries`, so retries, backoff, `Retry-After` handling and the shape of errors are
the same everywhere. Secrets never leave this module in an error or a log line: URLs and
bodies are scrubbed of anything that looks like a key before they are quoted.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Final, Literal, Self

import httpx

from leadgen_pipeline.kernel.privacy import EMAIL_PATTERN, MASK

logger = logging.getLogger(__name__)

BODY_QUOTE_LIMIT = 300
REDACTED = "***"

# Names a credential travels under, in query strings, headers or JSON. Matched whole and
# case-insensitively, so `key=` is scrubbed but `monkey=` is not.
_SECRET_NAMES = r"x-api-key|api[_-]?key|apikey|api|key|access[_-]?token|token|authorization|secret"
_QUERY_SECRET = re.compile(rf"(?i)([?&;](?:{_SECRET_NAMES})=)[^&#\s\"']*")
_FIELD_SECRET = re.compile(
    rf"(?i)((?<![\w-])[\"']?(?:{_SECRET_NAMES})[\"']?\s*[:=]\s*[\"']?)"
    r"(?:(?:bearer|basic|token)\s+)?[^\s\"',&;}]+"
)
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@")
_EMAIL = re.compile(EMAIL_PATTERN)
_SECRET_HEADER = re.compile(rf"(?i)^(?:{_SECRET_NAMES})$")


# Why a batch of calls must stop rather than go on with the next item: the key is refused,
# the account has no credits left, or the provider answers nothing at all.
StopReason = Literal["auth", "credits", "down"]
STOP_REASONS: Final[dict[StopReason, str]] = {
    "auth": "the provider refused the API key",
    "credits": "the account has no credits left",
    "down": "the provider is down",
}
# HTTP statuses that say the account, not the request, is the problem
_ACCOUNT_STATUSES: Final[dict[int, StopReason]] = {401: "auth", 403: "auth", 402: "credits"}


class ProviderError(Exception):
    """A call to an outside provider failed in a way the caller must handle.

    `str(error)` names the provider, what was called and why, and quotes the response body
    (scrubbed of secrets and addresses, trimmed to 300 characters). It never contains an API
    key. `stop_reason` is set when no later call can succeed either (`StopReason`); without
    it the failure concerns this one request.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status_code: int | None = None,
        endpoint: str | None = None,
        body: str | None = None,
        stop_reason: StopReason | None = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.endpoint = endpoint
        self.stop_reason = stop_reason
        self.body = trim_body(scrub_text(body)) if body else None
        self.detail = scrub_text(message)
        text = f"{provider}: {self.detail}"
        if self.body:
            text = f"{text}; response body: {self.body}"
        super().__init__(text)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried.

    The n-th retry waits `base_delay_s * 2**(n-1)` seconds plus up to `jitter` of that again,
    never more than `max_delay_s`. A `Retry-After` header (or a provider's own advice) replaces
    the computed backoff, capped the same way. Pass `rng` to make the jitter reproducible.
    """

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    retry_statuses: tuple[int, ...] = (429, 500, 502, 503, 504)
    jitter: float = 0.5
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.jitter < 0:
            raise ValueError("delays and jitter must not be negative")

    def backoff_s(self, retry_number: int) -> float:
        """The wait before retry number `retry_number` (1-based), jitter included."""
        exponential = self.base_delay_s * (2 ** (retry_number - 1))
        draw = (self.rng or random).random()
        return min(self.max_delay_s, exponential * (1.0 + self.jitter * draw))


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Return `text` with credentials replaced by `***` and email addresses masked.

    Scrubs query parameters and `name: value` / `"name": "value"` pairs whose name looks like a
    credential (key, api_key, api, x-api-key, authorization, token, ...), URL user-info, and any
    literal value passed in `secrets`. An address (a verifier's `?email=` parameter, a provider
    echoing it in its error body) becomes `a***@domain`: errors and retry warnings reach the
    Dagster log, where an erasure request can never reach them.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _USERINFO.sub(r"\1" + REDACTED + "@", text)
    text = _QUERY_SECRET.sub(r"\1" + REDACTED, text)
    text = _FIELD_SECRET.sub(r"\1" + REDACTED, text)
    return _EMAIL.sub(r"\1" + MASK + r"\2\3", text)


def scrub_url(url: httpx.URL | str, secrets: Iterable[str] = ()) -> str:
    """Return `url` as text with credential-like query parameters and user-info scrubbed."""
    return scrub_text(str(url), secrets)


def scrub_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of `headers` with the values of credential-like headers replaced."""
    return {
        name: (REDACTED if _SECRET_HEADER.match(name) else value) for name, value in headers.items()
    }


def trim_body(text: str, limit: int = BODY_QUOTE_LIMIT) -> str:
    """Return `text` on one line, cut to `limit` characters (marked with an ellipsis)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date.

    Returns None when the header is absent or unreadable; never a negative number.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


ResponseInspector = Callable[[httpx.Response], float | None]


def send_with_retries(
    client: httpx.Client,
    request: httpx.Request,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    provider: str | None = None,
    secrets: Iterable[str] = (),
    inspect: ResponseInspector | None = None,
) -> httpx.Response:
    """Send `request`, retrying transport errors, timeouts and retryable statuses.

    Returns the first response with a status below 400. Raises `ProviderError` on a status that
    is not retryable (a 4xx such as 401/403/422) without retrying, and once `policy.max_attempts`
    attempts have failed. Waits between attempts through `sleep`, honouring `Retry-After`
    (seconds or HTTP date) capped at `policy.max_delay_s`.

    `inspect`, when given, sees every response before the retry decision. It may raise (for
    example when a provider's daily budget is spent and retrying is pointless) or return a wait
    in seconds to use when the response carries no `Retry-After`.
    `secrets` are literal values (API keys) scrubbed from every message and log line.
    """
    secrets = tuple(s for s in secrets if s)
    name = provider or request.url.host or "http"
    where = f"{request.method} {scrub_url(request.url, secrets)}"
    failure = ""
    for attempt in range(1, policy.max_attempts + 1):
        advised: float | None = None
        try:
            response = client.send(request)
        except httpx.TransportError as exc:
            failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            status: int | None = None
            body = None
        else:
            hint = inspect(response) if inspect is not None else None
            if response.status_code < 400:
                return response
            status = response.status_code
            body = response.text
            if status not in policy.retry_statuses:
                raise ProviderError(
                    name,
                    f"{where} returned HTTP {status} (not retried)",
                    status_code=status,
                    endpoint=request.url.path,
                    body=scrub_text(body, secrets),
                    stop_reason=_ACCOUNT_STATUSES.get(status),
                )
            failure = f"HTTP {status}"
            advised = parse_retry_after(response.headers.get("retry-after"))
            if advised is None:
                advised = hint
        if attempt == policy.max_attempts:
            raise ProviderError(
                name,
                f"{where} failed after {attempt} attempts; last error: "
                f"{scrub_text(failure, secrets)}",
                status_code=status,
                endpoint=request.url.path,
                body=scrub_text(body, secrets) if body else None,
            )
        delay = policy.backoff_s(attempt) if advised is None else min(advised, policy.max_delay_s)
        logger.warning(
            "%s: %s attempt %d/%d failed (%s); retrying in %.2fs",
            name,
            where,
            attempt,
            policy.max_attempts,
            scrub_text(failure, secrets),
            delay,
        )
        sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


class _ScrubRequestUrls(logging.Filter):
    """Scrubs credentials from the URLs httpx logs ("HTTP Request: GET https://...?key=...").

    Several providers take their key in the query string, and httpx logs each request's
    full URL at INFO, so without this the key would reach any log that shows INFO.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                scrub_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def _install_url_scrubbing() -> None:
    """Attach `_ScrubRequestUrls` to httpx's logger once per process (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _ScrubRequestUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_ScrubRequestUrls())


_install_url_scrubbing()


class PooledClient:
    """A client holding one httpx connection pool (`self._http`): closes it on exit."""

    _http: httpx.Client

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self._http.base_url)!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()
