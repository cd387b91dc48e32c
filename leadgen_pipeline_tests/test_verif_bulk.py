"""Bulk verification jobs over real HTTP against loopback fakes of the three bulk APIs:
one upload per job, polling, a download whose verdicts map and bill as single checks do."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from leadgen_pipeline.clients.bulk import BULK_VERIFIERS, BulkVerifier
from leadgen_pipeline.clients.http import ProviderError, RetryPolicy
from leadgen_pipeline.clients.millionverifier import MillionVerifierVerifier
from leadgen_pipeline.clients.neverbounce import NeverBounceVerifier
from leadgen_pipeline.clients.verifiers import HttpVerifier
from leadgen_pipeline.clients.zerobounce import ZeroBounceVerifier
from leadgen_pipeline.layers.verify.bulk_jobs import ensure_bulk_jobs
from leadgen_pipeline_tests.builds import Build
from leadgen_pipeline_tests.fakes import FakeClock, Fault
from leadgen_pipeline_tests.fakes.bulk_servers import (
    BulkMixin,
    FakeMillionVerifierBulk,
    FakeNeverBounceBulk,
    FakeZeroBounceBulk,
)
from leadgen_pipeline_tests.verify_run import (
    PEOPLE,
    contact_emails,
    contacts_build,
    run_verification,
)

KEY = "secret_bulk_key_7a1c55e0"
FAKES: dict[str, tuple[type[BulkMixin], type[HttpVerifier]]] = {
    "neverbounce": (FakeNeverBounceBulk, NeverBounceVerifier),
    "zerobounce": (FakeZeroBounceBulk, ZeroBounceVerifier),
    "millionverifier": (FakeMillionVerifierBulk, MillionVerifierVerifier),
}
KINDS = ("valid", "catchall", "unknown", "bad", "disposable", "trap", "role", "greylisted", "weird")


@pytest.fixture(params=list(FAKES))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def bulk_client(provider: str, base_url: str, clock: FakeClock) -> BulkVerifier:
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.1, rng=random.Random(1))
    return BULK_VERIFIERS[provider](KEY, base_url=base_url, policy=policy, sleep=clock.sleep)


def addresses() -> list[str]:
    return [f"{k}.{i}@contoso.example" for i in range(4) for k in KINDS]


def test_a_bulk_job_maps_and_bills_every_address_as_a_single_check_would(provider: str) -> None:
    clock = FakeClock()
    emails = addresses()
    fake, single = FAKES[provider]
    with fake(api_key=KEY, clock=clock, polls_before_done=3) as server:
        with bulk_client(provider, server.base_url, clock) as client:
            job_id = client.submit("leadgen-test-job", [*emails, emails[0].upper()])
            client.wait(job_id, poll_every_s=5)
            verdicts = {v.email: v for v in client.results(job_id)}
        bulk_paid = dict(server.paid_checks)
        assert server.uploads == 1 and len(server.jobs[job_id].rows) == len(emails)
        server.paid_checks.clear()
        with single(KEY, base_url=server.base_url, sleep=clock.sleep) as one_by_one:
            singles = {e: one_by_one.verify(e) for e in emails}
    assert clock.sleeps == [5, 5, 5]  # polled until the job was done, on the injected clock
    assert set(verdicts) == set(emails)
    for email in emails:
        assert verdicts[email].status == singles[email].status, email
    paid = {e for e, v in verdicts.items() if v.paid}
    assert set(bulk_paid) <= paid
    # a verdict outside the vocabulary is counted as paid on purpose: over, never under
    assert all(e.startswith("weird.") for e in paid - set(bulk_paid))
    assert max(bulk_paid.values()) == 1  # the repeated row was not charged again


def test_a_failed_upload_is_never_retried_and_a_named_job_can_be_found(provider: str) -> None:
    clock = FakeClock()
    fake = FAKES[provider][0]
    with fake(api_key=KEY, clock=clock) as server:
        server.script(Fault.status(503, path=fake.submit_path))
        with bulk_client(provider, server.base_url, clock) as client:
            with pytest.raises(ProviderError):
                client.submit("leadgen-lost", addresses()[:5])
            assert len(server.requests_to(fake.submit_path)) == 1  # a retry could pay twice
            job_id = client.submit("leadgen-kept", addresses()[:5])
            if provider == "zerobounce":
                with pytest.raises(NotImplementedError):
                    client.find("leadgen-kept")
            else:
                assert client.find("leadgen-kept") == job_id
                assert client.find("leadgen-lost") is None


def test_status_faults_are_retried_and_a_refused_key_stops(provider: str) -> None:
    clock = FakeClock()
    fake = FAKES[provider][0]
    with fake(api_key=KEY, clock=clock, polls_before_done=0) as server:
        with bulk_client(provider, server.base_url, clock) as client:
            job_id = client.submit("leadgen-faults", addresses()[:9])
            server.script(Fault.status(500, path=fake.status_path))
            client.wait(job_id, poll_every_s=1)
            assert len(client.results(job_id)) == 9
        server.api_key = "rotated-0000"
        with (
            bulk_client(provider, server.base_url, clock) as client,
            pytest.raises(ProviderError) as caught,
        ):
            client.submit("leadgen-refused", addresses()[:3])
    assert caught.value.stop_reason == "auth"


# --- bulk in the pipeline: one job per batch, resumed by polling after a kill ----------------

PROJECT = Path(__file__).resolve().parents[1]
BULK_AT = 50  # the contacts store holds PEOPLE = 60 addresses: one bulk job


@pytest.fixture(scope="session")
def contacts_built(shared_root: Path) -> Build:
    return contacts_build(shared_root)


@pytest.fixture
def store(contacts_built: Build, tmp_path: Path) -> Build:
    return contacts_built.copy_to(tmp_path)


def books(store: Build) -> list[tuple[str, str, str, str | None]]:
    """(email, charge, mode, job_id) of every ledger row."""
    with duckdb.connect(str(store.store), read_only=True) as con:
        return con.execute("select email, charge, mode, job_id from verify.ledger").fetchall()


def balance_check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (check,) = [
        c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "ledger_matches_provider_balance"
    ]
    return check


def test_a_large_batch_is_one_bulk_job_and_an_unchanged_rerun_pays_nothing(
    provider: str, store: Build
) -> None:
    fake = FAKES[provider][0]
    with fake(api_key=KEY, polls_before_done=2) as server:
        run = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider=provider,
            bulk_threshold=BULK_AT,
        )  # fmt: skip
        assert run.success and balance_check(run).passed
        assert server.uploads == 1 and server.requests_to(server.path) == []  # no single check
        rows = books(store)
        assert len(rows) == server.total_paid and max(server.paid_checks.values()) == 1
        assert {(charge, mode) for _, charge, mode, _ in rows} == {("paid", "bulk")}
        requests = len(server.requests)
        again = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider=provider,
            bulk_threshold=BULK_AT,
        )  # fmt: skip
        assert again.success and len(server.requests) == requests
    with duckdb.connect(str(store.store), read_only=True) as con:
        assert con.execute("select count(*) from verify.email_checks").fetchall() == [(PEOPLE,)]


def test_a_run_killed_while_its_job_runs_resumes_by_polling_and_pays_once(
    store: Build,
) -> None:
    with FakeNeverBounceBulk(api_key=KEY, polls_before_done=0) as server:
        server.hold_jobs()  # the job runs until released
        child = subprocess.Popen(
            [sys.executable, "-m", "leadgen_pipeline_tests.verify_run", str(store.folder),
             str(store.inbox), server.base_url, KEY, "neverbounce", "2", str(BULK_AT)],
            cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            # uploaded, and polled: the child wrote the job id down and is waiting on it
            while not any(j.polls >= 2 for j in server.jobs.values()):
                assert time.monotonic() < deadline and child.poll() is None, "the job never ran"
                time.sleep(0.01)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert server.total_paid == 0  # nothing is charged until the job completes
        server.release_jobs()
        resumed = run_verification(
            store.folder, store.inbox, server.base_url, KEY, bulk_threshold=BULK_AT
        )
        assert resumed.success and balance_check(resumed).passed
        assert server.uploads == 1  # the same addresses were never submitted again
        charged = server.total_paid
        assert max(server.paid_checks.values()) == 1  # 0 double charges
    rows = books(store)
    assert len(rows) == charged and {charge for _, charge, _, _ in rows} == {"paid"}
    assert len({job for _, _, _, job in rows}) == 1


def test_a_job_whose_upload_answer_was_lost_is_found_by_its_name(store: Build) -> None:
    with FakeMillionVerifierBulk(api_key=KEY, polls_before_done=0) as server:
        emails = contact_emails()
        # the upload arrived, but the run died before it wrote the provider's id down
        with duckdb.connect(str(store.store)) as con:
            con.execute("create schema if not exists verify")
            ensure_bulk_jobs(con)
            con.execute(
                "insert into verify.bulk_jobs values ('leadgen-lost-1', 'millionverifier', "
                "null, 'killed-run', now(), ?, 'submitting')",
                [emails],
            )
        with bulk_client("millionverifier", server.base_url, FakeClock()) as client:
            client.submit("leadgen-lost-1", emails)
        run = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider="millionverifier",
            bulk_threshold=BULK_AT,
        )  # fmt: skip
        assert run.success and server.uploads == 1
        assert len(books(store)) == server.total_paid


def test_at_zerobounce_a_job_that_cannot_be_found_is_booked_as_possibly_charged(
    store: Build,
) -> None:
    emails = contact_emails()[:20]
    with FakeZeroBounceBulk(api_key=KEY, polls_before_done=0) as server:
        with duckdb.connect(str(store.store)) as con:
            con.execute("create schema if not exists verify")
            ensure_bulk_jobs(con)
            con.execute(
                "insert into verify.bulk_jobs values ('leadgen-lost-2', 'zerobounce', "
                "null, 'killed-run', now(), ?, 'submitting')",
                [emails],
            )
        run = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider="zerobounce",
            bulk_threshold=BULK_AT,
        )  # fmt: skip
        assert run.success
    rows = books(store)
    possibly = {email for email, charge, _, _ in rows if charge == "possibly_charged"}
    assert possibly == set(emails)
    (ledger,) = [
        e for e in run.get_asset_materialization_events() if e.asset_key.path[-1] == "ledger"
    ]
    assert ledger.materialization.metadata["possibly_charged_this_run"].value == len(emails)
