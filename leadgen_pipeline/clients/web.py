"""Fetching a public web page to check a quote: transport only, no judgement of the content.

Timeouts, a size cap (a page larger than `max_bytes` is cut there and marked), redirects
followed by hand and only within the same registrable domain (a redirect to another site
is a failure, never followed), and an optional mirror: with `mirror` set (the
`LEADGEN_WEB_MIRROR` variable), `https://<host>/<path>` is fetched from
`<mirror>/<host>/<path>` instead, for tests and air-gapped runs, while the page keeps its
original URL for every check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from leadgen_pipeline.clients.http import RetryPolicy, parse_retry_after, scrub_url
from leadgen_pipeline.kernel.keys import registrable_domain, scalar

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Page:
    """A fetched page: its original URL, where it ended, status and HTML, or why not."""

    url: str
    final_url: str
    status: int | None
    html: str | None
    failure: str | None = None
    truncated: bool = False
    retryable: bool = False  # a failure worth asking again (timeout, 429, 5xx)
    retry_after_s: float | None = None


def site_of(url: str) -> str | None:
    """The registrable domain of a URL's host (`https://www.x.co.uk/a` -> `x.co.uk`)."""
    host = urlsplit(url).hostname
    return scalar(registrable_domain, host) if host else None


class WebFetcher:
    """GETs pages with a timeout and a size cap, through the mirror when one is set."""

    def __init__(
        self,
        *,
        mirror: str | None = None,
        timeout_s: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.mirror = mirror.rstrip("/") if mirror else None
        self.max_bytes = max_bytes
        self._policy = policy or RetryPolicy(max_attempts=3, base_delay_s=0.5)
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout_s,
            follow_redirects=False,
            transport=transport,
            headers={"user-agent": "leadgen_pipeline (claim verification)"},
        )

    def __enter__(self) -> WebFetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _wire_url(self, url: str) -> str:
        if not self.mirror:
            return url
        parts = urlsplit(url)
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.mirror}/{parts.hostname}{path}{query}"

    def fetch(self, url: str) -> Page:
        """The page at `url`; never raises for a network or HTTP failure (`failure` says).
        A timeout, a refused connection, 429 or 5xx is asked again on the retry policy."""
        page = self._fetch_once(url)
        for attempt in range(1, self._policy.max_attempts):
            if not page.retryable:
                break
            self._sleep(
                page.retry_after_s
                if page.retry_after_s is not None
                else self._policy.backoff_s(attempt)
            )
            page = self._fetch_once(url)
        return page

    def _fetch_once(self, url: str) -> Page:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Page(url, url, None, None, "not an http(s) URL")
        site = site_of(url)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                with self._http.stream("GET", self._wire_url(current)) as response:
                    if response.is_redirect:
                        target = urljoin(current, response.headers.get("location", ""))
                        if site_of(target) != site:
                            return Page(
                                url,
                                target,
                                response.status_code,
                                None,
                                f"redirects off the site to {scrub_url(target)}",
                            )
                        current = target
                        continue
                    if response.status_code >= 400:
                        status = response.status_code
                        return Page(
                            url,
                            current,
                            status,
                            None,
                            f"dead link: HTTP {status}",
                            retryable=status in self._policy.retry_statuses,
                            retry_after_s=parse_retry_after(response.headers.get("retry-after")),
                        )
                    body, truncated = bytearray(), False
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) >= self.max_bytes:
                            truncated = True
                            break
                    encoding = response.encoding or "utf-8"
                    text = bytes(body[: self.max_bytes]).decode(encoding, errors="replace")
                    return Page(url, current, response.status_code, text, None, truncated)
            except httpx.TimeoutException:
                return Page(url, current, None, None, "dead link: timed out", retryable=True)
            except httpx.TransportError as error:
                why = f"dead link: {type(error).__name__}"
                return Page(url, current, None, None, why, retryable=True)
        return Page(url, current, None, None, f"more than {MAX_REDIRECTS} redirects")
