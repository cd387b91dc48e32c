"""Apollo.io API client: free People API Search and paid bulk reveal; transport only.

Endpoints (https://docs.apollo.io):
- `POST /api/v1/mixed_people/api_search`: free, needs a master key, returns no emails; shows
  at most 50,000 records (500 pages of 100) per query; `total_entries` is top-level (older
  responses carry it under `pagination`).
- `POST /api/v1/people/bulk_match`: up to 10 `details` per call; `matches[i]` answers
  `details[i]` and is null for a miss; credits are charged only for matched people and the
  response reports them in `credits_consumed`.

Rate limits are fixed windows per minute, hour and day, reported on every response in
`x-rate-limit-{minute,hourly,24-hour}` and `x-{minute,hourly,24-hour}-requests-left`. The
headers carry no reset time, so the client estimates each window's start from its own calls.
The API key travels only in the `x-api-key` header and never appears in errors or logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from leadgen_pipeline.clients.http import (
    PooledClient,
    ProviderError,
    RetryPolicy,
    scrub_text,
    send_with_retries,
    trim_body,
)

logger = logging.getLogger(__name__)

APOLLO_DISPLAY_CAP = 50_000
APOLLO_MAX_PER_PAGE = 100
APOLLO_MAX_PAGES = 500

EmployeeRange = tuple[int, int | None]  # (min, max) inclusive; max None = open-ended ("10001,")

PROVIDER = "apollo"
DEFAULT_BASE_URL = "https://api.apollo.io"
SEARCH_PATH = "/api/v1/mixed_people/api_search"
BULK_MATCH_PATH = "/api/v1/people/bulk_match"
BULK_MATCH_MAX_DETAILS = 10

# Apollo's windows: name used in its headers -> length in seconds.
WINDOWS: dict[str, float] = {"minute": 60.0, "hourly": 3600.0, "24-hour": 86400.0}
# Slack added to an estimated window end, for clock skew and request latency.
WINDOW_MARGIN_S = 1.0


@dataclass(frozen=True)
class ApolloSearchQuery:
    """One People API Search filter set. Empty fields are not sent (no filter).

    Within a field Apollo ORs the values; across fields it ANDs them.
    """

    titles: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    employee_ranges: tuple[EmployeeRange, ...] = ()
    domains: tuple[str, ...] = ()
    keywords: str | None = None

    def to_body(self, page: int = 1, per_page: int = APOLLO_MAX_PER_PAGE) -> dict[str, Any]:
        """The JSON body for `POST /api/v1/mixed_people/api_search` for one page."""
        if page < 1:
            raise ValueError("page is 1-based")
        if not 1 <= per_page <= APOLLO_MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {APOLLO_MAX_PER_PAGE}")
        body: dict[str, Any] = {}
        if self.titles:
            body["person_titles"] = list(self.titles)
        if self.locations:
            body["person_locations"] = list(self.locations)
        if self.seniorities:
            body["person_seniorities"] = list(self.seniorities)
        if self.employee_ranges:
            body["organization_num_employees_ranges"] = [
                format_employee_range(r) for r in self.employee_ranges
            ]
        if self.domains:
            body["q_organization_domains_list"] = list(self.domains)
        if self.keywords:
            body["q_keywords"] = self.keywords
        body["page"] = page
        body["per_page"] = per_page
        return body

    def describe(self) -> str:
        """A short human-readable summary, for warnings and logs."""
        parts = []
        if self.titles:
            parts.append("titles=" + "|".join(self.titles))
        if self.locations:
            parts.append("locations=" + "|".join(self.locations))
        if self.seniorities:
            parts.append("seniorities=" + "|".join(self.seniorities))
        if self.employee_ranges:
            parts.append(
                "employees=" + "|".join(format_employee_range(r) for r in self.employee_ranges)
            )
        if self.domains:
            parts.append("domains=" + "|".join(self.domains))
        if self.keywords:
            parts.append(f"keywords={self.keywords}")
        return "{" + ", ".join(parts) + "}" if parts else "{all people}"


def format_employee_range(employee_range: EmployeeRange) -> str:
    """Apollo's `"min,max"` form; an open-ended range is `"min,"`."""
    low, high = employee_range
    return f"{low}," if high is None else f"{low},{high}"


class ApolloRateLimitExhausted(ProviderError):
    """Apollo's daily request budget (or a window longer than the client may wait) is spent."""


@dataclass
class RateWindow:
    """What Apollo last reported for one fixed window of one endpoint."""

    limit: int | None = None
    left: int | None = None
    started_at: float | None = None  # our clock; no later than the window's true start


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        return None


class ApolloClient(PooledClient):
    """A synchronous Apollo API client; use it as a context manager so connections close.

    Every call goes through the shared `RetryPolicy` (transport errors, timeouts, 429 and 5xx
    are retried; 401/403/422 raise `ProviderError` at once). Before each call the client waits
    out an exhausted minute (or hour) window through `sleep`, and raises
    `ApolloRateLimitExhausted` when the daily budget is spent or the wait would exceed
    `max_window_wait_s` (by default just over an hour, so an hourly window is waited out).
    `credits_spent` accumulates what `bulk_match` cost. Not safe to share across threads.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_window_wait_s: float = 3660.0,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("an Apollo API key is required")
        self._api_key = api_key.strip()
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._max_window_wait_s = max_window_wait_s
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            headers={
                "x-api-key": self._api_key,
                "accept": "application/json",
                "cache-control": "no-cache",
            },
        )
        self.credits_spent = 0
        self.requests = 0  # calls sent (retries not counted), for a caller's progress
        self.missing_records = 0
        self.last_search_total: int | None = None
        # endpoint path -> window name -> what Apollo last reported
        self.rate_windows: dict[str, dict[str, RateWindow]] = {}

    # --- rate limits -------------------------------------------------------------------

    def _windows(self, path: str) -> dict[str, RateWindow]:
        return self.rate_windows.setdefault(path, {name: RateWindow() for name in WINDOWS})

    def _record_rate_headers(self, path: str, response: httpx.Response) -> None:
        headers = response.headers
        received_at = self._clock()
        for name, window in self._windows(path).items():
            limit = _header_int(headers, f"x-rate-limit-{name}")
            left = _header_int(headers, f"x-{name}-requests-left")
            if left is None:
                continue
            # Our own call used one request, so a budget that did not shrink means the window
            # reset. A window we had not seen, or that reset, began no later than this answer
            # arrived; waiting a full window from then is always long enough.
            if window.started_at is None or window.left is None or left >= window.left:
                window.started_at = received_at
            window.limit = limit if limit is not None else window.limit
            window.left = left

    def _window_wait_s(self, path: str, name: str) -> float:
        window = self._windows(path)[name]
        started = window.started_at if window.started_at is not None else self._clock()
        return max(0.0, started + WINDOWS[name] + WINDOW_MARGIN_S - self._clock())

    def _exhausted(self, path: str, name: str, wait_s: float) -> ApolloRateLimitExhausted:
        window = self._windows(path)[name]
        label, period = {
            "minute": ("per-minute", "minute"),
            "hourly": ("hourly", "hour"),
            "24-hour": ("daily", "day"),
        }[name]
        if window.limit is None:
            limit = "all its requests"
        else:
            limit = f"{window.limit:,} request{'' if window.limit == 1 else 's'}"
        resets = f"{wait_s / 3600:.1f} hours" if wait_s > 5400 else f"{wait_s / 60:.0f} minutes"
        return ApolloRateLimitExhausted(
            PROVIDER,
            f"the {label} request budget for {path} is spent ({limit} per {period}); it resets in "
            f"at most {resets}. Stop here and resume after the reset, or raise the plan's "
            "limit.",
            status_code=429,
            endpoint=path,
        )

    def _wait_for_budget(self, path: str) -> None:
        windows = self._windows(path)
        if windows["24-hour"].left == 0:
            raise self._exhausted(path, "24-hour", self._window_wait_s(path, "24-hour"))
        for name in ("hourly", "minute"):
            if windows[name].left != 0:
                continue
            wait = self._window_wait_s(path, name)
            if wait > self._max_window_wait_s:
                raise self._exhausted(path, name, wait)
            if wait > 0:
                logger.info("apollo: %s budget for %s spent; waiting %.1fs", name, path, wait)
                self._sleep(wait)
            windows[name].left = None  # unknown until the next response says

    def _inspect(self, path: str) -> Callable[[httpx.Response], float | None]:
        def inspect(response: httpx.Response) -> float | None:
            self._record_rate_headers(path, response)
            if response.status_code != 429:
                return None
            windows = self._windows(path)
            if windows["24-hour"].left == 0:
                raise self._exhausted(path, "24-hour", self._window_wait_s(path, "24-hour"))
            # A 429 without Retry-After: wait for the exhausted window to reset, which the
            # retry policy caps at its max delay (and retries again if that was too short).
            for name in ("minute", "hourly"):
                if windows[name].left == 0:
                    return self._window_wait_s(path, name)
            return None

        return inspect

    # --- transport ---------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self._wait_for_budget(path)
        self.requests += 1
        request = self._http.build_request("POST", path, json=body)
        response = send_with_retries(
            self._http,
            request,
            self._policy,
            self._sleep,
            provider=PROVIDER,
            secrets=(self._api_key,),
            inspect=self._inspect(path),
        )
        try:
            data = response.json()
        except ValueError:
            raise ProviderError(
                PROVIDER,
                f"POST {path} returned HTTP {response.status_code} with a body that is not JSON",
                status_code=response.status_code,
                endpoint=path,
                body=scrub_text(response.text, (self._api_key,)),
            ) from None
        if not isinstance(data, dict):
            raise ProviderError(
                PROVIDER,
                f"POST {path} returned JSON that is not an object",
                status_code=response.status_code,
                endpoint=path,
                body=trim_body(response.text),
            )
        return data

    # --- endpoints ---------------------------------------------------------------------

    @staticmethod
    def _total_entries(data: dict[str, Any]) -> int | None:
        total = data.get("total_entries")
        if total is None and isinstance(data.get("pagination"), dict):
            total = data["pagination"].get("total_entries")
        try:
            return int(total) if total is not None else None
        except (TypeError, ValueError):
            return None

    def count_people(self, query: ApolloSearchQuery) -> int:
        """How many people `query` matches (one free `per_page=1` search)."""
        data = self._post(SEARCH_PATH, query.to_body(page=1, per_page=1))
        total = self._total_entries(data)
        if total is None:
            raise ProviderError(
                PROVIDER,
                f"POST {SEARCH_PATH} answered without total_entries",
                endpoint=SEARCH_PATH,
                body=trim_body(str(data)),
            )
        return total

    def search_people(self, query: ApolloSearchQuery) -> Iterator[dict[str, Any]]:
        """Yield every person `query` shows, page by page (100 per page), lazily.

        Stops after a short page, once `total_entries` people were seen, or at Apollo's
        500-page display cap (a warning is logged when that truncates the result; plan wider
        queries with `plan_queries`). The total is kept in `last_search_total`. Search results
        carry no emails: reveal them with `bulk_match`.
        """
        self.last_search_total = None
        seen = 0
        for page in range(1, APOLLO_MAX_PAGES + 1):
            data = self._post(SEARCH_PATH, query.to_body(page=page, per_page=APOLLO_MAX_PER_PAGE))
            total = self._total_entries(data)
            if total is not None:
                self.last_search_total = total
            people = data.get("people") or []
            for person in people:
                if isinstance(person, dict):
                    yield person
            seen += len(people)
            if len(people) < APOLLO_MAX_PER_PAGE or (total is not None and seen >= total):
                return
        if self.last_search_total is not None and self.last_search_total > seen:
            logger.warning(
                "apollo: query %s matches %d people; search stopped at the display cap (%d)",
                query.describe(),
                self.last_search_total,
                seen,
            )

    def bulk_match(
        self,
        person_ids: Sequence[str],
        *,
        on_chunk: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Reveal people by Apollo id, at most 10 per call; returns the non-null matches.

        Ids are de-duplicated first so nobody is paid for twice in one call. Credits are read
        from each response's `credits_consumed`; when a response lacks it, each non-null match
        is counted as one credit (Apollo charges one credit per matched person). `on_chunk`
        receives each call's matches as soon as they are paid for, so a caller can record them
        before the next call.
        """
        unique = list(dict.fromkeys(pid for pid in person_ids if pid))
        revealed: list[dict[str, Any]] = []
        for start in range(0, len(unique), BULK_MATCH_MAX_DETAILS):
            chunk = unique[start : start + BULK_MATCH_MAX_DETAILS]
            data = self._post(
                BULK_MATCH_PATH,
                {"details": [{"id": pid} for pid in chunk], "reveal_personal_emails": False},
            )
            if data.get("error_message"):
                raise ProviderError(
                    PROVIDER,
                    f"POST {BULK_MATCH_PATH} reported an error",
                    endpoint=BULK_MATCH_PATH,
                    body=scrub_text(str(data.get("error_message")), (self._api_key,)),
                )
            matches = [m for m in data.get("matches") or [] if isinstance(m, dict)]
            consumed = data.get("credits_consumed")
            if isinstance(consumed, int | float) and not isinstance(consumed, bool):
                self.credits_spent += int(consumed)
            else:
                self.credits_spent += len(matches)
            missing = data.get("missing_records")
            self.missing_records += (
                int(missing) if isinstance(missing, int) else len(chunk) - len(matches)
            )
            revealed.extend(matches)
            if on_chunk is not None:
                on_chunk(matches)
        return revealed
