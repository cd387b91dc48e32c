"""The email-verification clients and `verify_many`, over real HTTP on 127.0.0.1.

Each provider fake speaks the documented shapes and keeps its own books (what it charged per
address, when each request arrived, how many were in flight), which are the evidence here.
Retries wait through a `FakeClock` where the test is about what was sent; the batch tests use
real time, small latencies and tiny backoffs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from leadgen_pipeline.clients.http import ProviderError, RetryPolicy
from leadgen_pipeline.clients.millionverifier import MillionVerifierVerifier
from leadgen_pipeline.clients.neverbounce import NeverBounceVerifier
from leadgen_pipeline.clients.verifiers import (
    EmailVerifier,
    HttpVerifier,
    Verdict,
    normalise_email,
)
from leadgen_pipeline.clients.verify_batch import SlidingWindowLimiter, verify_many
from leadgen_pipeline.clients.zerobounce import ZeroBounceVerifier
from leadgen_pipeline.kernel.vocab import VERDICT_STATUSES
from leadgen_pipeline_tests.fakes import FakeClock, Fault, RecordedRequest, Reply
from leadgen_pipeline_tests.fakes.verifier_servers import (
    FakeMillionVerifier,
    FakeNeverBounce,
    FakeVerifierServer,
    FakeZeroBounce,
    max_per_window,
    truncated_fault,
)

KEY = "secret_verifier_key_7f3a91c2"
DOMAIN = "northwind.example"
PROVIDERS: dict[str, tuple[type[FakeVerifierServer], type[HttpVerifier]]] = {
    "neverbounce": (FakeNeverBounce, NeverBounceVerifier),
    "zerobounce": (FakeZeroBounce, ZeroBounceVerifier),
    "millionverifier": (FakeMillionVerifier, MillionVerifierVerifier),
}
TRUNCATED = {
    "neverbounce": '{"status": "success", "result": "va',
    "zerobounce": '{"address": "valid@northwind.example", "status": "val',
    "millionverifier": '{"email": "valid@northwind.example", "result": "o',
}


def policy(max_attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=max_attempts, base_delay_s=0.01, max_delay_s=5.0, rng=random.Random(0)
    )


def client_for(
    provider: str,
    server: FakeVerifierServer,
    sleep: object = time.sleep,
    *,
    key: str = KEY,
    timeout_s: float = 5.0,
    max_attempts: int = 3,
) -> HttpVerifier:
    cls = PROVIDERS[provider][1]
    return cls(
        key,
        base_url=server.base_url,
        timeout_s=timeout_s,
        policy=policy(max_attempts),
        sleep=sleep,  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=list(PROVIDERS))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(provider: str, clock: FakeClock) -> Iterator[FakeVerifierServer]:
    with PROVIDERS[provider][0](api_key=KEY, clock=clock) as fake:
        yield fake


def at(local: str) -> str:
    return f"{local}@{DOMAIN}"


# --- each provider's vocabulary, normalised ----------------------------------------------

# kind -> (our status, provider_status, paid), written out from the providers' documents.
NEVERBOUNCE_EXPECTED = {
    "valid": ("valid", "valid", True),
    "catchall": ("catch_all", "catchall", True),
    "unknown": ("unknown", "unknown", True),
    "bad": ("invalid", "invalid", True),
    "disposable": ("disposable", "disposable", True),
    "role": ("valid", "valid+role_account", True),  # role is our pre-check's call
    "weird": ("unknown", "mystery", True),  # outside the vocabulary: never sendable
}
ZEROBOUNCE_EXPECTED = {
    "valid": ("valid", "valid", True),
    "catchall": ("catch_all", "catch-all", True),
    "unknown": ("unknown", "unknown/mail_server_did_not_respond", False),
    "bad": ("invalid", "invalid/mailbox_not_found", True),
    "disposable": ("disposable", "do_not_mail/disposable", True),
    "role": ("role", "do_not_mail/role_based", True),
    "trap": ("do_not_mail", "spamtrap", True),
    "abuse": ("do_not_mail", "abuse", True),
    "toxic": ("do_not_mail", "do_not_mail/toxic", True),
    "possibletrap": ("do_not_mail", "do_not_mail/possible_trap", True),
    "suppressed": ("do_not_mail", "do_not_mail/global_suppression", True),
    "greylisted": ("unknown", "", False),  # an answer of only "Message"
    "weird": ("unknown", "mystery", True),
}
MILLIONVERIFIER_EXPECTED = {
    "valid": ("valid", "ok", True),
    "catchall": ("catch_all", "catch_all", False),
    "unknown": ("unknown", "unknown", False),
    "bad": ("invalid", "invalid/mailbox_not_found", True),
    "disposable": ("disposable", "disposable", True),
    "role": ("valid", "ok+role", True),
    "weird": ("unknown", "mystery", True),
}
EXPECTED = {
    "neverbounce": NEVERBOUNCE_EXPECTED,
    "zerobounce": ZEROBOUNCE_EXPECTED,
    "millionverifier": MILLIONVERIFIER_EXPECTED,
}


def test_every_answer_maps_to_our_vocabulary(
    provider: str, server: FakeVerifierServer, clock: FakeClock
) -> None:
    expected = EXPECTED[provider]
    before = datetime.now(UTC)
    with client_for(provider, server, clock.sleep) as client:
        assert isinstance(client, EmailVerifier) and client.name == provider
        verdicts = {kind: client.verify(at(kind)) for kind in expected}
    for kind, verdict in verdicts.items():
        status, provider_status, paid = expected[kind]
        assert (verdict.status, verdict.provider_status, verdict.paid) == (
            status,
            provider_status,
            paid,
        ), kind
        assert verdict.email == at(kind) and verdict.provider == provider
        assert verdict.cost == (1.0 if paid else 0.0)
        assert verdict.checked_at.tzinfo is not None and verdict.checked_at >= before
        assert verdict.status in VERDICT_STATUSES
    assert {v.status for v in verdicts.values()} >= {"valid", "catch_all", "unknown", "invalid"}
    assert clock.sleeps == []
    sent = server.requests_to(server.path)
    assert [r.query["email"] for r in sent] == [[at(k)] for k in expected]
    assert all(r.query[server.key_param] == [KEY] for r in sent)


def test_zerobounce_greylisting_and_sandbox_cost_nothing(clock: FakeClock) -> None:
    with FakeZeroBounce(api_key=KEY, clock=clock) as server:
        with client_for("zerobounce", server, clock.sleep) as client:
            greylisted = client.verify(at("greylisted"))
            sandbox = {
                email: client.verify(email)
                for email in (
                    "valid@example.com",
                    "catch_all@example.com",
                    "spamtrap@example.com",
                    "disposable@example.com",
                    "donotmail@example.com",
                )
            }
        assert server.total_paid == 0
    assert greylisted.status == "unknown" and not greylisted.paid
    assert greylisted.detail == FakeZeroBounce.GREYLIST_MESSAGE
    assert {e: (v.status, v.paid) for e, v in sandbox.items()} == {
        "valid@example.com": ("valid", False),
        "catch_all@example.com": ("catch_all", False),
        "spamtrap@example.com": ("do_not_mail", False),
        "disposable@example.com": ("disposable", False),
        "donotmail@example.com": ("role", False),
    }


def test_millionverifier_risky_answers_are_paid_on_a_misuse_account(clock: FakeClock) -> None:
    with (
        FakeMillionVerifier(api_key=KEY, clock=clock, credits=500) as server,
        MillionVerifierVerifier(
            KEY, base_url=server.base_url, policy=policy(), sleep=clock.sleep, risky_is_paid=True
        ) as client,
    ):
        verdicts = [client.verify(at(kind)) for kind in ("catchall", "unknown", "valid")]
    assert [(v.status, v.paid) for v in verdicts] == [
        ("catch_all", True),
        ("unknown", True),
        ("valid", True),
    ]
    assert client.last_credits_balance == 499  # only the ok answer cost the fake a credit


def test_what_the_client_calls_paid_is_what_the_provider_charged(
    provider: str, server: FakeVerifierServer, clock: FakeClock
) -> None:
    emails = [at(f"person{i}") for i in range(40)] + [at(k) for k in EXPECTED[provider]]
    emails.remove(at("weird"))  # outside the vocabulary, the client over-counts on purpose
    with client_for(provider, server, clock.sleep) as client:
        verdicts = [client.verify(e) for e in emails]
    assert {v.email for v in verdicts if v.paid} == set(server.paid_checks)
    assert sum(v.paid for v in verdicts) == server.total_paid
    assert all(count == 1 for count in server.paid_checks.values())


def test_the_address_is_normalised_before_it_is_sent(
    provider: str, server: FakeVerifierServer, clock: FakeClock
) -> None:
    with client_for(provider, server, clock.sleep) as client:
        verdict = client.verify("  Valid.7+News@NorthWind.Example \t")
        for bad in ("", "   ", "no-at-sign", "@northwind.example", "two words@x.example"):
            with pytest.raises(ValueError):
                client.verify(bad)
    assert verdict.email == "valid.7+news@northwind.example" and verdict.status == "valid"
    assert [r.query["email"] for r in server.requests] == [["valid.7+news@northwind.example"]]


# --- errors inside HTTP 200 ----------------------------------------------------------------


def test_an_auth_failure_inside_a_200_is_a_clear_error_without_the_key(
    provider: str, server: FakeVerifierServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "secret_not_the_right_key_0000"
    with (
        caplog.at_level(logging.DEBUG),
        client_for(provider, server, clock.sleep, key=wrong) as client,
        pytest.raises(ProviderError) as caught,
    ):
        client.verify(at("valid"))
    error = caught.value
    message = str(error)
    assert error.provider == provider and error.status_code == 200
    assert server.path in message and "not retried" in message
    expected_reason = {
        "neverbounce": "auth_failure",
        "zerobounce": "Invalid API Key",
        "millionverifier": "Apikey not found",
    }[provider]
    assert expected_reason in message
    for text in (message, repr(error.args), error.body or "", caplog.text):
        assert wrong not in text
    # a bad key is never retried (ZeroBounce's balance then tells a bad key from no credits)
    assert len(server.requests_to(server.path)) == 1 and clock.sleeps == []
    assert error.stop_reason == "auth"
    assert server.total_paid == 0


@pytest.mark.parametrize("status", ["bad_referrer", "general_failure"])
def test_neverbounce_fatal_statuses_are_not_retried(status: str, clock: FakeClock) -> None:
    with FakeNeverBounce(api_key=KEY, clock=clock) as server:
        server.script(FakeNeverBounce.status_fault(status, "Missing required parameter 'email'"))
        with (
            client_for("neverbounce", server, clock.sleep) as client,
            pytest.raises(ProviderError) as caught,
        ):
            client.verify(at("valid"))
        assert len(server.requests) == 1
    assert status in str(caught.value) and "Missing required parameter" in str(caught.value)
    assert clock.sleeps == []


def test_neverbounce_throttle_and_temp_unavail_are_retried_with_backoff(clock: FakeClock) -> None:
    with FakeNeverBounce(api_key=KEY, clock=clock) as server:
        server.script(
            FakeNeverBounce.status_fault("throttle_triggered", "Too many requests"),
            FakeNeverBounce.status_fault("temp_unavail", "Service unavailable"),
        )
        with client_for("neverbounce", server, clock.sleep) as client:
            verdict = client.verify(at("valid"))
        assert [r.scripted for r in server.requests] == [True, True, False]
        assert server.total_paid == 1
    assert verdict.status == "valid" and verdict.paid
    reference = policy()
    assert clock.sleeps == [reference.backoff_s(1), reference.backoff_s(2)]


def test_neverbounce_throttling_that_never_ends_names_the_status(clock: FakeClock) -> None:
    with FakeNeverBounce(api_key=KEY, clock=clock) as server:
        server.script(*[FakeNeverBounce.status_fault("throttle_triggered") for _ in range(3)])
        with (
            client_for("neverbounce", server, clock.sleep) as client,
            pytest.raises(ProviderError) as caught,
        ):
            client.verify(at("valid"))
        assert len(server.requests) == 3
    assert "'throttle_triggered' on every one of 3 attempts" in str(caught.value)
    assert len(clock.sleeps) == 2


def test_neverbounce_server_side_rate_limit_is_waited_out(clock: FakeClock) -> None:
    slow = RetryPolicy(max_attempts=3, base_delay_s=0.6, jitter=0.0)
    with (
        FakeNeverBounce(api_key=KEY, clock=clock, rate_limit=2) as server,
        NeverBounceVerifier(KEY, base_url=server.base_url, policy=slow, sleep=clock.sleep) as nb,
    ):
        verdicts = [nb.verify(at(f"valid.{i}")) for i in range(3)]
    assert [v.status for v in verdicts] == ["valid"] * 3
    assert server.throttled == 2 and clock.sleeps == [0.6, 1.2]  # the window had to pass


def test_millionverifier_account_errors_are_provider_errors(clock: FakeClock) -> None:
    with FakeMillionVerifier(api_key=KEY, clock=clock) as server:
        server.script(FakeMillionVerifier.error_fault("Insufficient credits"))
        with (
            client_for("millionverifier", server, clock.sleep) as client,
            pytest.raises(ProviderError) as caught,
        ):
            client.verify(at("valid"))
        assert len(server.requests) == 1
    assert "Insufficient credits" in str(caught.value)


def test_zerobounce_other_errors_without_status_are_unknown_and_free(clock: FakeClock) -> None:
    with FakeZeroBounce(api_key=KEY, clock=clock) as server:
        server.script(FakeZeroBounce.error_fault("Temporary failure, please retry later"))
        with client_for("zerobounce", server, clock.sleep) as client:
            verdict = client.verify(at("valid"))
    assert (verdict.status, verdict.paid, verdict.cost) == ("unknown", False, 0.0)
    assert verdict.detail == "Temporary failure, please retry later"


# --- HTTP errors, timeouts, cut-off bodies ---------------------------------------------------


def test_429_and_500_are_retried(
    provider: str, server: FakeVerifierServer, clock: FakeClock
) -> None:
    server.script(
        Fault.status(429, {"error": "slow down"}, headers={"Retry-After": "2"}),
        Fault.status(500),
    )
    with client_for(provider, server, clock.sleep) as client:
        verdict = client.verify(at("valid"))
    assert verdict.status == "valid"
    assert [r.status for r in server.requests] == [429, 500, 200]
    assert clock.sleeps == [2.0, policy().backoff_s(2)]


def test_persistent_500_fails_without_the_key_anywhere(
    provider: str, server: FakeVerifierServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"internal error for key={KEY} api_key={KEY} api={KEY}"
    server.script(*[Fault.status(500, echo) for _ in range(3)])
    with (
        caplog.at_level(logging.DEBUG),
        client_for(provider, server, clock.sleep) as client,
        pytest.raises(ProviderError) as caught,
    ):
        client.verify(at("valid"))
    message = str(caught.value)
    assert "failed after 3 attempts" in message and "HTTP 500" in message
    assert KEY not in message and KEY not in (caught.value.body or "")
    assert KEY not in caplog.text and "retrying" in caplog.text


def test_the_checked_address_is_in_no_error_or_retry_warning(
    provider: str, server: FakeVerifierServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    address = at("valid.jane.doe")
    local = address.split("@")[0]
    # the provider echoes the address in its error body, as real ones do
    echo = f"internal error while checking {address}"
    server.script(*[Fault.status(500, echo) for _ in range(3)])
    with (
        caplog.at_level(logging.DEBUG),
        client_for(provider, server, clock.sleep) as client,
        pytest.raises(ProviderError) as caught,
    ):
        client.verify(address)
    told = " ".join([str(caught.value), caught.value.body or "", caplog.text]).lower()
    assert "retrying" in caplog.text and "***@" in told
    assert local not in told and local.replace(".", "%2e") not in told


def test_a_timeout_after_the_retries_is_an_unpaid_unknown(
    provider: str, server: FakeVerifierServer, clock: FakeClock
) -> None:
    server.script(Fault.hang(1.0), Fault.hang(1.0))
    with client_for(provider, server, clock.sleep, timeout_s=0.2, max_attempts=2) as client:
        verdict = client.verify(at("valid"))
    assert (verdict.status, verdict.paid, verdict.cost) == ("unknown", False, 0.0)
    assert verdict.detail == "timeout" and verdict.email == at("valid")
    assert len(server.requests) == 2 and len(clock.sleeps) == 1
    assert server.total_paid == 0


def test_a_refused_connection_is_an_error_not_an_unknown(provider: str, clock: FakeClock) -> None:
    with PROVIDERS[provider][0](api_key=KEY, clock=clock) as gone:
        base_url = gone.base_url
    client = PROVIDERS[provider][1](KEY, base_url=base_url, policy=policy(2), sleep=clock.sleep)
    with client, pytest.raises(ProviderError) as caught:
        client.verify(at("valid"))
    assert "ConnectError" in str(caught.value) and KEY not in str(caught.value)


def test_cut_off_json_is_asked_again_after_a_backoff_then_is_an_unpaid_unknown(
    provider: str, server: FakeVerifierServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(truncated_fault(TRUNCATED[provider]))
    with caplog.at_level(logging.DEBUG), client_for(provider, server, clock.sleep) as client:
        assert client.verify(at("valid")).status == "valid"
        assert len(server.requests) == 2 and len(clock.sleeps) == 1  # not at once: backoff
        server.script(*[truncated_fault(TRUNCATED[provider]) for _ in range(3)])
        verdict = client.verify(at("valid"))
    assert (verdict.status, verdict.paid, verdict.cost) == ("unknown", False, 0.0)
    assert verdict.provider_status == "unanswered" and verdict.detail.startswith("unanswered")
    assert len(server.requests) == 5  # one call, then three attempts for the second
    reference = policy()  # the same seeded jitter, drawn in the same order
    assert clock.sleeps == [reference.backoff_s(1), reference.backoff_s(1), reference.backoff_s(2)]
    assert "not a JSON object" in caplog.text and at("valid") not in caplog.text


def test_a_verdict_refuses_what_the_vocabulary_does_not_allow() -> None:
    def make(**changes: Any) -> Verdict:
        fields: dict[str, Any] = {
            "email": "a@b.example",
            "status": "valid",
            "provider_status": "ok",
            "provider": "x",
            "checked_at": datetime.now(UTC),
            "paid": True,
            "cost": 1.0,
        }
        return Verdict(**{**fields, **changes})

    assert make().status == "valid"
    for changes in (
        {"status": "deliverable"},
        {"paid": False},  # an unpaid call costs nothing
        {"cost": -1.0},
        {"checked_at": datetime.now()},  # naive
        {"checked_at": datetime.now(timezone(timedelta(hours=2)))},  # not UTC
    ):
        with pytest.raises(ValueError):
            make(**changes)
    assert normalise_email(" A.B+x@Example.COM ") == "a.b+x@example.com"


# --- verify_many -------------------------------------------------------------------------


def batch_client(server: FakeVerifierServer, provider: str) -> HttpVerifier:
    return PROVIDERS[provider][1](KEY, base_url=server.base_url, policy=policy(), timeout_s=5.0)


def test_the_limiter_keeps_every_window_within_the_rate(clock: FakeClock) -> None:
    for rate, per_window, window in ((10, 10, 1.0), (2.5, 2, 1.0), (0.5, 1, 2.0)):
        limiter = SlidingWindowLimiter(rate, clock=clock, margin_s=0.0)
        starts = []
        for _ in range(57):
            start = limiter.reserve()
            clock.advance(max(0.0, start - clock()))
            starts.append(start)
        assert max_per_window(starts, window) == per_window, rate
        # full demand is served at the permitted pace, no slower
        assert starts[-1] - starts[0] <= (57 / per_window) * window
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0)


def test_verify_many_keeps_to_the_concurrency_bound() -> None:
    emails = [at(f"valid.{i}") for i in range(24)]
    with FakeMillionVerifier(api_key=KEY, latency_s=0.1) as server:
        with batch_client(server, "millionverifier") as client:
            started = time.monotonic()
            verdicts = verify_many(client, emails, max_concurrency=4, rate_per_second=1000)
            elapsed = time.monotonic() - started
        assert server.max_in_flight == 4
    assert [v.email for v in verdicts] == emails
    assert 0.55 < elapsed < 1.5  # six rounds of four, not 24 calls one after another


def test_verify_many_never_exceeds_the_rate_and_uses_most_of_it(clock: FakeClock) -> None:
    # Simulated time: the provider, the client's retries and the batch's pacing share one
    # fake clock, so the figures hold whatever the machine is doing.
    rate = 20
    emails = [at(f"person{i}") for i in range(50)]
    with FakeMillionVerifier(api_key=KEY, rate_limit=rate, clock=clock) as server:
        with client_for("millionverifier", server, clock.sleep) as client:
            verdicts = verify_many(
                client,
                emails,
                max_concurrency=1,
                rate_per_second=rate,
                clock=clock,
                sleep=clock.sleep,
            )
        arrivals = sorted(server.arrival_times())
        assert server.throttled == 0  # the provider never had to refuse one
    assert len(verdicts) == len(arrivals) == 50
    assert max_per_window(arrivals, 1.0) <= rate  # measured where the provider counts
    sustained = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert sustained >= 0.9 * rate


class FailsFirstNeverBounce(FakeNeverBounce):
    """NeverBounce that answers each address's first attempt with an HTTP 500."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failed_once: set[str] = set()

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        email = (request.query.get("email") or [""])[0]
        with self._state:
            first = email not in self.failed_once
            self.failed_once.add(email)
            if first:
                self.arrivals.append(self.clock())
        if first:
            return Reply(500, {"error": "scripted HTTP 500"})
        return super().handle(request, raw_headers)


def test_every_http_attempt_retries_included_takes_a_slot_of_the_rate(clock: FakeClock) -> None:
    rate = 10
    emails = [at(f"valid.{i}") for i in range(20)]
    with FailsFirstNeverBounce(api_key=KEY, rate_limit=rate, clock=clock) as server:
        with client_for("neverbounce", server, clock.sleep) as client:
            verdicts = verify_many(
                client,
                emails,
                max_concurrency=1,
                rate_per_second=rate,
                clock=clock,
                sleep=clock.sleep,
            )
            assert client._http.pacer is None  # unhooked when the batch ends
        arrivals = sorted(server.arrival_times())
        assert server.throttled == 0
    assert [v.status for v in verdicts] == ["valid"] * len(emails)
    assert len(arrivals) == 2 * len(emails)  # every address failed once, then was retried
    assert max_per_window(arrivals, 1.0) <= rate  # the retries were paced too


def test_each_verdict_is_handed_over_once_before_its_worker_moves_on() -> None:
    concurrency = 4
    emails = [at(f"person{i}") for i in range(30)]
    emails += [e.upper() for e in emails[:5]]  # the same addresses again: paid for once
    handed: list[Verdict] = []
    active = 0
    overlaps = 0
    too_far_ahead: list[int] = []

    with FakeZeroBounce(api_key=KEY, latency_s=0.01) as server:

        def on_verdict(verdict: Verdict) -> None:
            nonlocal active, overlaps
            active += 1
            overlaps += active > 1
            # Calls started so far: the ones handed over, this one, and at most
            # concurrency - 1 others in flight; a worker never runs ahead of its ledger.
            started = len(server.arrival_times())
            if started > len(handed) + concurrency:
                too_far_ahead.append(started)
            time.sleep(0.005)  # a slow ledger write
            handed.append(verdict)
            active -= 1

        with batch_client(server, "zerobounce") as client:
            verdicts = verify_many(
                client, emails, max_concurrency=concurrency, on_verdict=on_verdict
            )
        assert all(count == 1 for count in server.answered.values())
        assert sum(v.paid for v in verdicts) == server.total_paid
    assert overlaps == 0 and too_far_ahead == []
    assert sorted(v.email for v in handed) == sorted(v.email for v in verdicts)
    assert [v.email for v in verdicts] == emails[:30]  # input order, duplicates dropped


def test_an_auth_failure_stops_the_batch_after_the_calls_in_flight() -> None:
    concurrency = 4
    emails = [at(f"valid.{i}") for i in range(40)]
    handed: list[str] = []
    with FakeNeverBounce(api_key=KEY, latency_s=0.05, revoke_after=10) as server:
        with batch_client(server, "neverbounce") as client, pytest.raises(ProviderError) as caught:
            verify_many(
                client,
                emails,
                max_concurrency=concurrency,
                rate_per_second=1000,
                on_verdict=lambda v: handed.append(v.email),
            )
        time.sleep(0.1)  # nothing is still on its way
        sent = [r.query["email"][0] for r in server.requests]
        paid = set(server.paid_checks)
    assert "auth_failure" in str(caught.value) and KEY not in str(caught.value)
    assert len(handed) == len(paid) == 10 and set(handed) == paid  # every paid verdict
    assert 10 < len(sent) <= 10 + concurrency  # only calls already in flight finished
    assert len(set(sent)) == len(sent)  # no address was tried twice
    # and none past those already taken: addresses are taken in order, at most `concurrency`
    # after the last paid one; a taken one may never be sent (its worker saw the stop while
    # pacing), so what was sent need not be a prefix of the list, only within that one
    assert set(sent) <= set(emails[: 10 + concurrency])


def test_a_failing_ledger_write_stops_the_batch() -> None:
    emails = [at(f"valid.{i}") for i in range(30)]
    calls = 0

    def on_verdict(verdict: Verdict) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("ledger is read-only")

    with FakeMillionVerifier(api_key=KEY, latency_s=0.02) as server:
        with batch_client(server, "millionverifier") as client, pytest.raises(OSError):
            verify_many(
                client, emails, max_concurrency=2, rate_per_second=1000, on_verdict=on_verdict
            )
        assert len(server.requests) <= 3 + 2


def test_verify_many_rejects_bad_input_before_any_call() -> None:
    with FakeMillionVerifier(api_key=KEY) as server:
        with batch_client(server, "millionverifier") as client:
            with pytest.raises(ValueError):
                verify_many(client, [at("valid"), "not an address"])
            with pytest.raises(ValueError):
                verify_many(client, [at("valid")], max_concurrency=0)
            assert verify_many(client, []) == []
        assert server.requests == []


def test_verify_many_uses_the_providers_default_rate(clock: FakeClock) -> None:
    class Recorder:
        name = "recorder"
        cost_per_check = 0.0
        default_rate_per_second = 4.0

        def __init__(self) -> None:
            self.starts: list[float] = []

        def verify(self, email: str) -> Verdict:
            self.starts.append(clock())
            return Verdict(email, "valid", "ok", self.name, datetime.now(UTC), False, 0.0)

    recorder = Recorder()
    verify_many(
        recorder,
        [at(f"p{i}") for i in range(6)],
        max_concurrency=1,
        clock=clock,
        sleep=clock.sleep,
    )
    assert max_per_window(recorder.starts) == 4
    assert recorder.starts[-1] - recorder.starts[0] >= 1.0
