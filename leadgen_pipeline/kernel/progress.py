"""Progress of a long step (paid verification, AI research, an Apollo pull) told every few
seconds, and its summary at the end. No Dagster here: the caller hands over where a line goes
(`say`, in an asset `context.log.info`) and, in tests, the clock.

A line carries counts only, never an address, a name or a key: `label` is the step's own
fixed name (`verify/neverbounce`), and everything else in it is a number.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_EVERY_S = 5.0


def duration(seconds: float) -> str:
    """`42s`, `3m 05s`, `2h 14m`: short enough for a log line."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole // 60 % 60:02d}m"


class Progress:
    """Counts of one long step, told through `say` at most once per `every_s` seconds.

    Throttled by time, not by count: a batch of 20 items or of 200,000 says about as many
    lines, and a slow provider is seen as slow. A line is said when an update finds `every_s`
    passed since the last one (so nothing is said while nothing happens), plus one at the
    start and one at `finish`. Safe to update from several threads.

    `total` is what the step has to do (None when unknown, as for a search still paging);
    `reused` what it settled without a call (cached answers, verdicts within their TTL).
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        say: Callable[[str], None] | None,
        *,
        unit: str = "calls",
        reused: int = 0,
        every_s: float = DEFAULT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if every_s <= 0:
            raise ValueError("every_s must be positive")
        self.label = label
        self.total = total
        self.unit = unit
        self.reused = reused
        self.done = 0
        self.calls = 0
        self.paid = 0
        self.cost = 0.0
        self.failed = 0
        self._say = say
        self._every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._last_said = self._started
        self._finished: float | None = None
        reused_note = f", {reused:,} reused" if reused else ""
        todo = f"{total:,} {unit} to do" if total is not None else "started"
        self._tell(f"{label}: {todo}{reused_note}")

    def advance(
        self,
        done: int = 1,
        *,
        calls: int | None = None,
        paid: int = 0,
        cost: float = 0.0,
        failed: int = 0,
    ) -> None:
        """`done` more items handled, through `calls` calls (default one per item), `paid`
        of them charged for `cost` in all, `failed` without an answer."""
        with self._lock:
            self.done += done
            self.calls += done if calls is None else calls
            self.paid += paid
            self.cost += cost
            self.failed += failed
            self._maybe_tell()

    def reach(self, done: int) -> None:
        """The step reports `done` items handled so far (a bulk job's percentage), with no
        call of ours behind them; never goes backwards."""
        with self._lock:
            self.done = max(self.done, done)
            self._maybe_tell()

    def elapsed_s(self) -> float:
        end = self._finished if self._finished is not None else self._clock()
        return max(0.0, end - self._started)

    def rate_per_s(self) -> float:
        elapsed = self.elapsed_s()
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta_s(self) -> float | None:
        """Seconds left at the rate so far; None without a total or before any progress."""
        rate = self.rate_per_s()
        if self.total is None or rate <= 0:
            return None
        return max(0, self.total - self.done) / rate

    def line(self) -> str:
        """Where the step stands: done / total, rate, paid so far, failures, ETA."""
        if self.total is not None:
            share = f" ({self.done / self.total:.0%})" if self.total else ""
            where = f"{self.done:,}/{self.total:,} {self.unit}{share}"
        else:
            where = f"{self.done:,} {self.unit}"
        parts = [where, f"{self.rate_per_s():.1f}/s", f"{self.paid:,} paid, cost {self.cost:g}"]
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        eta = self.eta_s()
        if eta is not None and self._finished is None:
            parts.append(f"ETA {duration(eta)}")
        return f"{self.label}: " + ", ".join(parts)

    def summary(self) -> dict[str, int | float]:
        """The figures for the materialisation's metadata."""
        return {
            "calls_made": self.calls,
            "paid": self.paid,
            "cost": round(self.cost, 6),
            "reused": self.reused,
            "failures": self.failed,
            "wall_time_s": round(self.elapsed_s(), 3),
        }

    def finish(self) -> dict[str, int | float]:
        """Say the final line (always, however soon) and return the summary."""
        with self._lock:
            if self._finished is None:
                self._finished = self._clock()
                self._tell(f"{self.line()}; done in {duration(self.elapsed_s())}")
        return self.summary()

    def _maybe_tell(self) -> None:
        now = self._clock()
        if self._finished is None and now - self._last_said >= self._every_s:
            self._last_said = now
            self._tell(self.line())

    def _tell(self, text: str) -> None:
        if self._say is not None:
            self._say(text)
