"""A local web site serving primary-source pages the way `LEADGEN_WEB_MIRROR` expects:
`GET /<host>/<path>` answers the page the test registered for `https://<host>/<path>`;
unknown pages are 404, and a page can redirect (to the same site or elsewhere); `latency_s`
delays every page and `fault_rate` answers that share of requests with a 503."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

from leadgen_pipeline_tests.fakes import FakeHTTPServer, RecordedRequest, Reply


def article(title: str, *paragraphs: str) -> str:
    """A realistic page: navigation and footer around the article's paragraphs."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/careers'>Careers</a></nav>"
        f"<main><article><h1>{title}</h1>{body}</article></main>"
        "<footer>© 2026 All rights reserved. Privacy · Cookies</footer></body></html>"
    )


class FakeWebSite(FakeHTTPServer):
    """Pages keyed by their original URL (`https://acme.example/news/a`)."""

    def __init__(
        self,
        pages: Mapping[str, str],
        redirects: Mapping[str, str] | None = None,
        *,
        latency_s: float = 0.0,
        fault_rate: float = 0.0,
        seed: int = 11,
    ):
        super().__init__()
        self.latency_s = latency_s
        self.fault_rate = fault_rate
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.pages = {self._key(u): html for u, html in pages.items()}
        self.redirects = {self._key(u): target for u, target in (redirects or {}).items()}

    @staticmethod
    def _key(url: str) -> str:
        parts = urlsplit(url)
        return f"/{parts.hostname}{parts.path or '/'}"

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        with self._rng_lock:
            draw = self._rng.random()
        if draw < self.fault_rate:
            return Reply(503, "<html>busy</html>", {"retry-after": "0"}, delay_s=self.latency_s)
        if request.path in self.redirects:
            return Reply(302, "", {"location": self.redirects[request.path]})
        html = self.pages.get(request.path)
        if html is None:
            return Reply(404, "<html><body>Not found</body></html>", {"content-type": "text/html"})
        return Reply(200, html, {"content-type": "text/html; charset=utf-8"}, self.latency_s)
