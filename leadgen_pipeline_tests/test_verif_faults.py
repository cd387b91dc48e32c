"""One bad answer never stops a verification batch; only the key, the credits or a provider
that is down for the whole batch do, and the error says which.

Real HTTP on 127.0.0.1 against the provider fakes. Retries and pacing wait on one
`FakeClock` (the client's backoff, the batch's rate limiter and the provider's rate window
share it), so nothing here waits on the wall clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from leadgen_pipeline.clients.http import ProviderError, RetryPolicy
from leadgen_pipeline.clients.millionverifier import MillionVerifierVerifier
from leadgen_pipeline.clients.neverbounce import NeverBounceVerifier
from leadgen_pipeline.clients.verifiers import HttpVerifier, Verdict
from leadgen_pipeline.clients.verify_batch import verify_many
from leadgen_pipeline.clients.zerobounce import ZeroBounceVerifier
from leadgen_pipeline_tests.fakes import FakeClock, RecordedRequest, Reply
from leadgen_pipeline_tests.fakes.verifier_servers import (
    FakeMillionVerifier,
    FakeNeverBounce,
    FakeVerifierServer,
    FakeZeroBounce,
    max_per_window,
)

KEY = "secret_verifier_key_51b0c7e2"
DOMAIN = "fabrikam.example"
ATTEMPTS = 3
RATE = 40
CLIENTS: dict[str, tuple[type[FakeVerifierServer], type[HttpVerifier]]] = {
    "neverbounce": (FakeNeverBounce, NeverBounceVerifier),
    "zerobounce": (FakeZeroBounce, ZeroBounceVerifier),
    "millionverifier": (FakeMillionVerifier, MillionVerifierVerifier),
}
# a body cut off mid-way, in each provider's shape
CUT_OFF = {
    "neverbounce": '{"status": "success", "result": "va',
    "zerobounce": '{"address": "x", "status": "val',
    "millionverifier": '{"email": "x", "result": "o',
}


def broken_server(base: type[FakeVerifierServer], broken: str, reply: Reply) -> type:
    """`base`, except that every request for `broken` gets `reply` (and is never charged)."""

    class Broken(base):  # type: ignore[misc, valid-type]
        def _answer(self, request: RecordedRequest) -> Reply:
            if (request.query.get("email") or [""])[0] == broken:
                return reply
            return super()._answer(request)

    return Broken


@pytest.fixture(params=list(CLIENTS))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client(provider: str, server: FakeVerifierServer, clock: FakeClock) -> HttpVerifier:
    policy = RetryPolicy(max_attempts=ATTEMPTS, base_delay_s=0.2, rng=random.Random(3))
    return CLIENTS[provider][1](
        KEY, base_url=server.base_url, timeout_s=2.0, policy=policy, sleep=clock.sleep
    )


def batch(
    verifier: HttpVerifier,
    emails: list[str],
    clock: FakeClock,
    *,
    concurrency: int = 4,
    **hooks: Any,
) -> list[Verdict]:
    return verify_many(
        verifier,
        emails,
        max_concurrency=concurrency,
        rate_per_second=RATE,
        clock=clock,
        sleep=clock.sleep,
        **hooks,
    )


def addresses(count: int) -> list[str]:
    return [f"person{i}@{DOMAIN}" for i in range(count)]


def test_one_address_whose_answer_is_always_cut_off_never_stops_the_batch(
    provider: str, clock: FakeClock
) -> None:
    broken = f"valid.broken@{DOMAIN}"
    others = addresses(200)
    server_class = broken_server(
        CLIENTS[provider][0], broken, Reply(200, CUT_OFF[provider], {"content-type": "json"})
    )
    with server_class(api_key=KEY, clock=clock, rate_limit=RATE) as server:
        with client(provider, server, clock) as verifier:
            # one worker: in simulated time, arrivals are exactly where the limiter put them
            emails = [*others[:100], broken, *others[100:]]
            verdicts = {v.email: v for v in batch(verifier, emails, clock, concurrency=1)}
        sent = server.requests_to(server.path)
        attempts_on_broken = [r for r in sent if r.query["email"] == [broken]]
        arrivals = server.arrival_times()
        assert server.throttled == 0  # retries were paced under the rate like any call
    assert max_per_window(arrivals) <= RATE
    assert len(verdicts) == 201
    lost = verdicts[broken]
    assert (lost.status, lost.paid, lost.provider_status) == ("unknown", False, "unanswered")
    assert len(attempts_on_broken) == ATTEMPTS  # asked again, after backoffs, then let go
    answered = [verdicts[e] for e in others]
    assert all(v.provider_status != "unanswered" for v in answered)  # the other 200 verified
    assert {v.email for v in answered if v.paid} == set(server.paid_checks)
    assert max(server.paid_checks.values()) == 1


def test_an_address_whose_calls_keep_failing_is_unknown_and_the_batch_goes_on(
    clock: FakeClock,
) -> None:
    broken = f"valid.flaky@{DOMAIN}"
    server_class = broken_server(FakeZeroBounce, broken, Reply(500, {"error": "internal"}))
    with (
        server_class(api_key=KEY, clock=clock) as server,
        client("zerobounce", server, clock) as verifier,
    ):
        verdicts = batch(verifier, [broken, *addresses(30)], clock)
    assert len(verdicts) == 31
    assert (verdicts[0].status, verdicts[0].paid) == ("unknown", False)
    assert "HTTP 500" in (verdicts[0].detail or "") and broken not in (verdicts[0].detail or "")
    assert all(v.provider_status != "unanswered" for v in verdicts[1:])


def test_a_provider_down_for_the_whole_batch_stops_it_saying_so(clock: FakeClock) -> None:
    with FakeNeverBounce(api_key=KEY, clock=clock) as gone:
        verifier = client("neverbounce", gone, clock)
    handed: list[Verdict] = []
    with verifier, pytest.raises(ProviderError) as caught:
        batch(verifier, addresses(100), clock, on_verdict=handed.append, down_after=8)
    assert caught.value.stop_reason == "down"
    assert "no answer for 8 addresses in a row" in str(caught.value)
    # each address it gave up on is an unknown, asked again later; the rest never started
    assert 8 <= len(handed) < 8 + 4 and {v.status for v in handed} == {"unknown"}


@pytest.mark.parametrize(
    ("provider", "script", "reason"),
    [
        ("millionverifier", "Insufficient credits", "credits"),
        ("millionverifier", "Apikey not found", "auth"),
        ("zerobounce", "no credits", "credits"),
        ("zerobounce", "wrong key", "auth"),
        ("neverbounce", "Insufficient credits remaining", "credits"),
        ("neverbounce", "Invalid API key", "auth"),
    ],
)
def test_the_key_or_the_credits_stop_the_batch_and_the_error_says_which(
    provider: str, script: str, reason: str, clock: FakeClock
) -> None:
    refused: list[str] = []
    with CLIENTS[provider][0](api_key=KEY, clock=clock) as server:
        if provider == "millionverifier":
            server.script(FakeMillionVerifier.error_fault(script))
        elif provider == "neverbounce":
            server.script(FakeNeverBounce.status_fault("auth_failure", script))
        else:
            # ZeroBounce answers both with one message; its balance tells them apart
            if script == "no credits":
                server.balance = 0
            else:
                server.api_key = "rotated-key-0000"  # our key is no longer known
        with client(provider, server, clock) as verifier, pytest.raises(ProviderError) as caught:
            batch(verifier, addresses(20), clock, on_refused=refused.append)
    assert caught.value.stop_reason == reason
    assert len(refused) >= 1  # the refused call is reported, so its intent is dropped


def test_every_call_is_announced_before_it_starts_and_settled_after(clock: FakeClock) -> None:
    """The intent-log contract: `before_call` precedes each request; at the end every
    announced address has a verdict, so no intent is left open."""
    announced: list[str] = []
    settled: list[str] = []
    unannounced: list[str] = []

    class Watching(FakeMillionVerifier):
        def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
            email = (request.query.get("email") or [""])[0]
            if email not in announced:
                unannounced.append(email)
            return super().handle(request, raw_headers)

    with (
        Watching(api_key=KEY, clock=clock) as server,
        client("millionverifier", server, clock) as verifier,
    ):
        batch(
            verifier,
            addresses(40),
            clock,
            before_call=announced.append,
            on_verdict=lambda v: settled.append(v.email),
        )
    assert unannounced == []  # no call reached the provider before its intent
    assert sorted(announced) == sorted(settled) == sorted(addresses(40))
