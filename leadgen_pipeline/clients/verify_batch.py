"""Verify many addresses through one `EmailVerifier`: bounded concurrency, a shared rate limit,
and each verdict handed to the caller before its worker moves on.

Why threads and not asyncio: every verifier is synchronous (`httpx.Client` and the project's
one `send_with_retries`), the work is waiting on the network, and `httpx.Client` is safe to
share between threads. A small pool of worker threads reuses the retry policy unchanged,
where asyncio would need an async twin of the whole HTTP layer.

The guarantees `verify_many` makes, which a ledger relies on:

- At most `max_concurrency` calls are in flight at any moment.
- Calls start at most `rate_per_second` times in any window of one second (a sliding-window
  limiter shared by all workers; see `SlidingWindowLimiter`). The limiter paces calls to
  `verify`; a retry inside one call (after a 429 or a 5xx) is paced by the retry policy's
  backoff and Retry-After instead.
- `before_call` is told each address before its call starts, and `on_verdict` receives each
  verdict once, as soon as it arrives; both from one thread at a time. A worker hands its
  verdict over before it takes its next address. So if the run is killed, every completed
  call has been handed over, and the calls in flight (at most `max_concurrency`: paid,
  perhaps, but unrecorded) are exactly those told to `before_call` without a verdict: an
  intent log written there says which calls a resumed run may have paid for already.
- One address never stops the batch. A `ProviderError` without a `stop_reason` (HTTP 5xx or
  a refused connection still there after the retries, an error the provider gave for this
  address) becomes the verifier's `unanswered` verdict (`unknown`, asked again later) and is
  handed over like any other.
- Only these stop it: a `ProviderError` whose `stop_reason` says no later call can succeed
  (the key refused, no credits left), or `down_after` addresses in a row without any answer
  (the provider is down: `stop_reason` `down`). No new call starts, calls in flight finish
  and are handed over, `on_refused` is told the address whose call was refused, then the
  first error is raised. An exception from `on_verdict` (the ledger cannot be written)
  stops it the same way.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence

import polars as pl

from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.clients.verifiers import (
    TIMEOUT_DETAIL,
    UNANSWERED_DETAIL,
    EmailVerifier,
    Verdict,
)
from leadgen_pipeline.kernel.keys import send_address

logger = logging.getLogger(__name__)

# Slack added to each one-second window. A call counts when the provider receives it, a
# little after the limiter released it (thread wake-up, a garbage-collection pause, the
# request on the wire); without slack two calls released exactly a second apart could arrive
# 0.999 s apart. 80 ms held on loopback with the machine's cores oversubscribed five times,
# and still leaves 93% of the rate usable.
WINDOW_MARGIN_S = 0.08
# Addresses in a row without any answer after which the provider is taken for down.
DEFAULT_DOWN_AFTER = 10
# `provider_status` of the verdicts a verifier gives for want of an answer
NO_ANSWER = frozenset({TIMEOUT_DETAIL, UNANSWERED_DETAIL})


class SlidingWindowLimiter:
    """Releases at most `rate_per_second` starts in any window of one second, across threads.

    Each `reserve()` books the earliest start time that keeps every window within the rate
    and returns it; the caller waits until then. Bookings are first come, first served.
    Two rules make a booking: the k-th start is at least one window (plus `margin_s`) after
    the (k-n)-th, n = floor(rate), which is the guarantee; and at least 1/rate after the
    previous one, which spreads starts evenly instead of releasing n at once (a burst makes
    the threads fight for the interpreter and their requests leave late and bunched, which
    the window cannot see). A fractional rate allows its whole part per window (2.5/s means
    at most 2 in any second, which is all a window permits); a rate below one allows one
    start per 1/rate seconds. Full demand is served at n starts per (1 s + margin): about
    93% of the rate.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin_s: float = WINDOW_MARGIN_S,
    ) -> None:
        if not rate_per_second > 0 or math.isinf(rate_per_second):
            raise ValueError("rate_per_second must be a positive, finite number")
        if rate_per_second >= 1:
            self.per_window = math.floor(rate_per_second)
            self.window_s = 1.0
        else:
            self.per_window = 1
            self.window_s = 1.0 / rate_per_second
        self._span = self.window_s + margin_s
        self._spacing = 1.0 / rate_per_second
        self._clock = clock
        self._lock = threading.Lock()
        self._starts: deque[float] = deque(maxlen=self.per_window)

    def reserve(self) -> float:
        """Book the next start; return its time on the limiter's clock (now or later)."""
        with self._lock:
            start = self._clock()
            if self._starts:
                start = max(start, self._starts[-1] + self._spacing)
            if len(self._starts) == self.per_window:
                start = max(start, self._starts[0] + self._span)
            self._starts.append(start)  # the deque keeps the last `per_window` bookings
            return start


def _unique(emails: Sequence[str]) -> list[str]:
    """Send addresses (`normalise_email`'s), duplicates dropped, first appearance kept.

    One Polars pass of the kernel's `send_address` over the batch, not a call per address.
    Raises `ValueError` naming the first value that is not an address, before any is sent.
    """
    cells = pl.Series("email", emails, dtype=pl.String)
    addresses = cells.to_frame().select(send_address(pl.col("email"))).to_series()
    if addresses.null_count():
        bad = cells.filter(addresses.is_null())[0]
        raise ValueError(f"not an email address: {bad!r}")
    return addresses.unique(maintain_order=True).to_list()


class _Stopped(Exception):
    """The batch stopped while a worker waited for its rate-limit slot."""


def verify_many(
    verifier: EmailVerifier,
    emails: Sequence[str],
    *,
    max_concurrency: int = 8,
    rate_per_second: float | None = None,
    on_verdict: Callable[[Verdict], None] | None = None,
    before_call: Callable[[str], None] | None = None,
    on_refused: Callable[[str], None] | None = None,
    down_after: int = DEFAULT_DOWN_AFTER,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] | None = None,
) -> list[Verdict]:
    """Verify every distinct address in `emails` and return their verdicts in input order.

    Addresses are normalised and de-duplicated first (nothing is paid for twice in one
    batch); a value that is not an address raises `ValueError` before any call.
    `rate_per_second=None` uses the verifier's documented default
    (`default_rate_per_second`) when it has one, else no rate limit. See the module
    docstring for the concurrency, rate, hand-over and stop guarantees; on a stop the first
    error is raised after the calls in flight were handed over, and nothing is returned.
    `before_call(address)` runs before each call starts, `on_refused(address)` for a call
    the provider refused outright (it stopped the batch and cost nothing).

    `clock` paces the starts and `sleep` waits for a slot; by default the monotonic clock and
    a wait that a stop interrupts at once. Tests hand both from one fake clock, so pacing is
    checked in simulated time, whatever the machine's load.
    """
    if max_concurrency < 1:
        raise ValueError("max_concurrency must be at least 1")
    if down_after < 1:
        raise ValueError("down_after must be at least 1")
    addresses = _unique(emails)
    if not addresses:
        return []
    if rate_per_second is None:
        rate_per_second = getattr(verifier, "default_rate_per_second", None)
    limiter = SlidingWindowLimiter(rate_per_second, clock=clock) if rate_per_second else None

    pending: Iterator[str] = iter(addresses)
    take_lock = threading.Lock()
    report_lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []
    verdicts: dict[str, Verdict] = {}
    unanswered_in_a_row = 0

    def next_address() -> str | None:
        with take_lock:
            if stop.is_set():
                return None
            return next(pending, None)

    def fail(error: BaseException) -> None:
        with report_lock:
            errors.append(error)
        stop.set()

    def pace() -> None:
        """Wait for the limiter's next slot; raise `_Stopped` if the batch stops meanwhile."""
        if limiter is None:
            return
        start_at = limiter.reserve()
        # Waiting on the event, not sleeping, so a stop is seen at once; in a loop, because
        # a timed wait may return a little early.
        while (delay := start_at - clock()) > 0:
            if sleep is not None:
                sleep(delay)
            elif stop.wait(delay):
                raise _Stopped
        if stop.is_set():
            raise _Stopped

    # a verifier that takes a pacer has every HTTP attempt paced, retries included; any
    # other is paced once per address
    per_attempt = limiter is not None and hasattr(verifier, "set_pacer")

    def hand_over(address: str, verdict: Verdict) -> None:
        """Record `verdict` (under the report lock); stop if the provider seems down."""
        nonlocal unanswered_in_a_row
        answered = verdict.provider_status not in NO_ANSWER
        with report_lock:
            verdicts[address] = verdict
            if on_verdict is not None:
                on_verdict(verdict)
            unanswered_in_a_row = 0 if answered else unanswered_in_a_row + 1
            down = unanswered_in_a_row >= down_after
        if down and not stop.is_set():
            fail(
                ProviderError(
                    verifier.name,
                    f"no answer for {down_after} addresses in a row (last: {verdict.detail})",
                    stop_reason="down",
                )
            )

    def worker() -> None:
        while (address := next_address()) is not None:
            try:
                if before_call is not None:
                    with report_lock:
                        before_call(address)
                if not per_attempt:
                    pace()
                try:
                    verdict = verifier.verify(address)
                except ProviderError as error:
                    unanswered = getattr(verifier, "unanswered", None)
                    if error.stop_reason is not None or unanswered is None:
                        if on_refused is not None:
                            with report_lock:
                                on_refused(address)
                        raise
                    verdict = unanswered(address, str(error))
            except _Stopped:
                if on_refused is not None:  # never sent: it cost nothing
                    with report_lock:
                        on_refused(address)
                return
            except Exception as error:  # the key, the credits, or a bug: stop
                fail(error)
                return
            try:
                hand_over(address, verdict)
            except Exception as error:  # the caller could not record it: stop
                fail(error)
                return

    if per_attempt:
        verifier.set_pacer(pace)  # type: ignore[attr-defined]
    threads = [
        threading.Thread(target=worker, name=f"verify-{i}", daemon=True)
        for i in range(min(max_concurrency, len(addresses)))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if per_attempt:
            verifier.set_pacer(None)  # type: ignore[attr-defined]
    if errors:
        first = errors[0]
        logger.warning(
            "verification batch stopped after %d of %d addresses: %s",
            len(verdicts),
            len(addresses),
            first,
        )
        raise first
    return [verdicts[address] for address in addresses]
