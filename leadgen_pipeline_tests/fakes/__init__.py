"""Fake provider servers for tests: real HTTP on 127.0.0.1, never the internet.

`FakeHTTPServer` is the shared base: a `ThreadingHTTPServer` on an ephemeral loopback port in
a background thread, a log of every request it received (credentials masked), and a queue of
scripted replies (faults) served to the next calls instead of the normal answer. A provider
fake subclasses it and implements `handle`; see `apollo_server.FakeApolloServer`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

MASK = "***"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer. `body` is JSON-encoded unless it is already `bytes` or `str`."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering: a hang past the client's timeout

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Fault:
    """A scripted reply for the next matching call (`path=None` matches any path)."""

    reply: Reply
    path: str | None = None

    @classmethod
    def status(
        cls,
        status: int,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
    ) -> Fault:
        """An error status, e.g. 500, or 429 with `{"Retry-After": "7"}`."""
        default = {"error": f"scripted HTTP {status}"}
        return cls(Reply(status, default if body is None else body, headers or {}), path)

    @classmethod
    def hang(cls, seconds: float, *, path: str | None = None) -> Fault:
        """Answer only after `seconds` (longer than the client's timeout)."""
        return cls(Reply(200, {"error": "answered too late"}, {}, delay_s=seconds), path)

    @classmethod
    def malformed_json(cls, *, path: str | None = None) -> Fault:
        """A 200 whose body is cut-off JSON."""
        return cls(Reply(200, '{"people": [{"id": "', {"content-type": "application/json"}), path)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the fake received it, with credential headers masked."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the raw text when it was not JSON
    raw_url: str
    status: int = 0  # what the fake answered
    scripted: bool = False  # answered from the fault queue


class FakeHTTPServer:
    """Base for provider fakes: loopback server, scripted faults and a request log.

    Use as a context manager (or call `start`/`stop`). Subclasses set `secret_headers` and
    implement `handle(request) -> Reply`. `clock` is the time the fake's own logic uses (rate
    windows), so a test can move it forward together with the client's injected sleep.
    """

    secret_headers: ClassVar[tuple[str, ...]] = ("authorization", "x-api-key")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._log: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        handler = _handler_for(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting and inspection ------------------------------------------------------

    def script(self, *faults: Fault) -> None:
        """Queue replies served, in order, to the next calls they match."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # --- subclass hook -----------------------------------------------------------------

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        """Answer one request. `raw_headers` still holds the credentials, for auth checks."""
        raise NotImplementedError

    # --- plumbing ----------------------------------------------------------------------

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.path is None or fault.path == path:
                    del self._faults[index]
                    return fault
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
        text = raw_body.decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text) if text else None
        except ValueError:
            body = text
        split = urlsplit(handler.path)
        raw_headers = {name.lower(): value for name, value in handler.headers.items()}
        headers = {
            name: (MASK if name in self.secret_headers else value)
            for name, value in raw_headers.items()
        }
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=parse_qs(split.query),
            headers=headers,
            body=body,
            raw_url=handler.path,
        )
        fault = self._next_fault(split.path)
        reply = fault.reply if fault is not None else self.handle(request, raw_headers)
        with self._lock:
            self._log.append(replace(request, status=reply.status, scripted=fault is not None))
        if reply.delay_s:
            time.sleep(reply.delay_s)
        payload = reply.encoded()
        try:
            handler.send_response(reply.status)
            sent = {name.lower() for name in reply.headers}
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            if "content-type" not in sent:
                handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a scripted hang outlived its timeout)


class FakeClock:
    """A clock tests move by hand; `sleep` records each wait and advances the clock by it.

    Hand `clock` to both the client and the fake server, and `sleep` to the client, so a
    client that "sleeps" until a rate window resets finds the server's window reset too.
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


def _handler_for(fake: FakeHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real providers speak
        # Headers and body go out in separate writes; with Nagle's algorithm on, each answer
        # would stall on the client's delayed ACK (about 40 ms on Linux).
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            fake._serve(self)

        def do_POST(self) -> None:
            fake._serve(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet; the fake keeps its own log

    return Handler
