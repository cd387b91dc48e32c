"""The progress reporter of long steps, on a fake clock: lines throttled by time (not by
count), the rate and ETA they state, and the summary at the end."""

from __future__ import annotations

import threading

import pytest

from leadgen_pipeline.kernel.progress import Progress, duration


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_line_at_the_start_then_at_most_one_per_interval_whatever_the_count(
    clock: FakeClock,
) -> None:
    said: list[str] = []
    progress = Progress("verify/x", 1000, said.append, unit="addresses", every_s=5, clock=clock)
    assert said == ["verify/x: 1,000 addresses to do"]
    for _ in range(400):  # 400 items inside one interval: no line
        clock.advance(0.0078125)  # a power of two: the sum is exact, 3.125 s
        progress.advance()
    assert len(said) == 1
    clock.advance(1.875)  # 5 s since the start line
    progress.advance()
    assert len(said) == 2
    progress.advance()  # the next item, at once: throttled again
    assert len(said) == 2
    # a single slow item still gets its line once the interval has passed
    clock.advance(30)
    progress.advance()
    assert len(said) == 3


def test_nothing_is_said_while_nothing_happens(clock: FakeClock) -> None:
    said: list[str] = []
    Progress("research", 10, said.append, every_s=5, clock=clock)
    clock.advance(60)
    assert len(said) == 1  # the start line; no timer thread talks over a stalled step


def test_the_line_states_done_total_rate_paid_failures_and_eta(clock: FakeClock) -> None:
    said: list[str] = []
    progress = Progress("verify/nb (single)", 741, said.append, unit="addresses", clock=clock)
    for _ in range(100):
        clock.advance(0.125)
        progress.advance(paid=1, cost=0.008)
    progress.advance(failed=1)  # one more, no answer, not paid: 101 in 12.5 s
    assert progress.rate_per_s() == pytest.approx(8.08)
    assert progress.eta_s() == pytest.approx(640 / 8.08)
    assert progress.line() == (
        "verify/nb (single): 101/741 addresses (14%), 8.1/s, 100 paid, cost 0.8, 1 failed, "
        "ETA 1m 19s"
    )
    # said at 5 s and 10 s: 40 and 80 done, both at 8/s
    assert said[1:] == [
        "verify/nb (single): 40/741 addresses (5%), 8.0/s, 40 paid, cost 0.32, ETA 1m 28s",
        "verify/nb (single): 80/741 addresses (11%), 8.0/s, 80 paid, cost 0.64, ETA 1m 23s",
    ]


def test_a_bulk_percentage_moves_done_without_calls_and_never_backwards(
    clock: FakeClock,
) -> None:
    progress = Progress("verify/zb (bulk)", 200, None, clock=clock)
    clock.advance(10)
    progress.reach(50)
    progress.reach(20)  # a stale status read
    assert (progress.done, progress.calls) == (50, 0)
    assert progress.eta_s() == pytest.approx(30)  # 150 left at 5/s


def test_an_unknown_total_has_no_eta(clock: FakeClock) -> None:
    said: list[str] = []
    progress = Progress("apollo/search", None, said.append, unit="people", clock=clock)
    clock.advance(6)
    progress.advance(30, calls=1)
    assert progress.eta_s() is None
    assert said == ["apollo/search: started", "apollo/search: 30 people, 5.0/s, 0 paid, cost 0"]


def test_finish_always_says_the_last_line_and_returns_the_summary(clock: FakeClock) -> None:
    said: list[str] = []
    progress = Progress("research", 3, said.append, reused=7, clock=clock)
    assert said == ["research: 3 calls to do, 7 reused"]
    clock.advance(2)
    progress.advance(paid=1, cost=0.25)
    progress.advance(paid=1, cost=0.25)
    progress.advance(failed=1)
    clock.advance(0.5)
    summary = progress.finish()
    assert summary == {
        "calls_made": 3,
        "paid": 2,
        "cost": 0.5,
        "reused": 7,
        "failures": 1,
        "wall_time_s": 2.5,
    }
    assert said[-1] == "research: 3/3 calls (100%), 1.2/s, 2 paid, cost 0.5, 1 failed; done in 2s"
    clock.advance(100)
    assert progress.finish() == summary  # finished once: the wall time stays
    assert len(said) == 2


def test_updates_from_many_threads_are_all_counted(clock: FakeClock) -> None:
    progress = Progress("verify/x", 8000, None, clock=clock)

    def work() -> None:
        for _ in range(1000):
            progress.advance(paid=1, cost=1.0)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (progress.done, progress.calls, progress.paid, progress.cost) == (8000, 8000, 8000, 8000)


def test_durations_read_at_a_glance() -> None:
    assert [duration(s) for s in (0.4, 42, 65, 3599, 3600 * 2 + 14 * 60)] == [
        "0s", "42s", "1m 05s", "59m 59s", "2h 14m",
    ]  # fmt: skip
