"""Verification: free pre-checks, bulk exports, TTL reuse, and paid-once over real HTTP."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.verify.assets import LEDGER
from leadgen_pipeline.layers.verify.verification import (
    precheck,
    read_verification_export,
    sendable_now,
    still_to_verify,
)
from leadgen_pipeline_tests.builds import Build
from leadgen_pipeline_tests.fakes.verifier_servers import FakeNeverBounce
from leadgen_pipeline_tests.verify_run import (
    ALL_VERIFY_KEYS,
    PEOPLE,
    contact_emails,
    contacts_build,
    run_verification,
)

KEY = "nb-test-key-123"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[1]


def test_free_prechecks_settle_what_no_provider_needs_to_see() -> None:
    verdicts = precheck(
        pl.Series(
            ["not an address", "x@mailinator.com", "Info@Acme.io", "gone@acme.io", "ann@acme.io"]
        ),
        suppressed_emails=pl.Series(["gone@acme.io"]),
        checked_at=NOW,
    )
    by_email = dict(zip(verdicts["email"], verdicts["status"], strict=True))
    assert by_email == {
        "not an address": "invalid",
        "x@mailinator.com": "disposable",
        "info@acme.io": "role",
        "gone@acme.io": "do_not_mail",
    }
    assert set(verdicts["provider"]) == {"precheck"} and not verdicts["paid"].any()


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerows([header, *rows])
    return path


def test_bulk_exports_of_each_provider_become_verdicts(tmp_path: Path) -> None:
    con = duckdb.connect()
    nb = _write(
        tmp_path / "neverbounce-results-2026-11-15.csv",
        ["email", "first_name", "email_status"],
        [["A@x.io", "A", "catchall"], ["b@x.io", "B", "invalid"], ["c@x.io", "C", "valid"]],
    )
    zb = _write(
        tmp_path / "zerobounce-results-2026-11-13.csv",
        ["Email Address", "ZB Status", "ZB Sub Status"],
        [
            ["d@x.io", "do_not_mail", "role_based"],
            ["e@x.io", "spamtrap", ""],
            ["f@x.io", "catch-all", ""],
        ],
    )
    mv = _write(
        tmp_path / "millionverifier-report-2026-11-17.csv",
        ["email", "quality", "result", "free", "role"],
        [["g@x.io", "good", "ok", "no", "no"], ["h@x.io", "bad", "disposable", "no", "no"]],
    )
    statuses = {
        row["email"]: (row["status"], row["provider"], row["checked_at"].date().isoformat())
        for path in (nb, zb, mv)
        for row in read_verification_export(con, path).to_dicts()
    }
    assert statuses == {
        "a@x.io": ("catch_all", "neverbounce_bulk", "2026-11-15"),
        "b@x.io": ("invalid", "neverbounce_bulk", "2026-11-15"),
        "c@x.io": ("valid", "neverbounce_bulk", "2026-11-15"),
        "d@x.io": ("role", "zerobounce_bulk", "2026-11-13"),
        "e@x.io": ("do_not_mail", "zerobounce_bulk", "2026-11-13"),
        "f@x.io": ("catch_all", "zerobounce_bulk", "2026-11-13"),
        "g@x.io": ("valid", "millionverifier_bulk", "2026-11-17"),
        "h@x.io": ("disposable", "millionverifier_bulk", "2026-11-17"),
    }


def test_only_addresses_without_a_fresh_verdict_are_paid_for() -> None:
    known = pl.DataFrame(
        {
            "email": ["fresh@x.io", "old@x.io"],
            "checked_at": [datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)],
        }
    )
    todo = still_to_verify(pl.Series(["fresh@x.io", "old@x.io", "new@x.io"]), known, NOW, 30)
    assert todo == ["new@x.io", "old@x.io"]


@pytest.fixture(scope="session")
def contacts_built(shared_root: Path) -> Build:
    """The contacts store, built once per session; each test verifies a copy of it."""
    return contacts_build(shared_root)


@pytest.fixture
def built(contacts_built: Build, tmp_path: Path) -> tuple[Path, list[str]]:
    """(inbox, its addresses) of a private copy of the built store, under `tmp_path`."""
    return contacts_built.copy_to(tmp_path).inbox, contact_emails(PEOPLE)


def ledger(store: Path) -> list[tuple]:
    """(provider, email, charge) of every ledger row."""
    with duckdb.connect(str(store / "leadgen.duckdb"), read_only=True) as con:
        return con.sql("select provider, email, charge from verify.ledger").fetchall()


def metadata_of(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def check_of(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    (evaluation,) = [c for c in result.get_asset_check_evaluations() if c.check_name == name]
    return evaluation


def test_every_address_is_paid_for_once_and_an_unchanged_rerun_pays_nothing(
    tmp_path: Path, built: tuple[Path, list[str]]
) -> None:
    inbox, emails = built
    with FakeNeverBounce(api_key=KEY, latency_s=0.005) as server:
        assert run_verification(tmp_path, inbox, server.base_url, KEY).success
        assert set(server.paid_checks) == set(emails)
        assert max(server.paid_checks.values()) == 1
        assert len(ledger(tmp_path)) == server.total_paid == len(emails)
        requests = len(server.requests)
        assert run_verification(tmp_path, inbox, server.base_url, KEY).success
        assert len(server.requests) == requests  # every verdict is within the TTL
        # two days on, only the unknowns are asked again (NeverBounce bills them each time)
        paid_before = dict(server.paid_checks)
        later = run_verification(tmp_path, inbox, server.base_url, KEY, as_of="2026-11-27")
        asked_again = {e for e, n in server.paid_checks.items() if n > paid_before[e]}
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        unknown = {
            e for (e,) in con.execute(
                "select email from verify.verdicts where status = 'unknown' "
                "and checked_at < '2026-11-26'"
            ).fetchall()
        }  # fmt: skip
    assert unknown and asked_again == unknown
    assert later.success and check_of(later, "paid_once").passed  # a re-ask is not a repeat
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        providers = set(con.sql("select provider from verify.email_checks").fetchall())
    assert providers == {("neverbounce",)}


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def test_a_run_killed_with_calls_in_flight_books_them_and_the_ledger_matches_the_bill(
    tmp_path: Path, built: tuple[Path, list[str]]
) -> None:
    inbox, emails = built
    concurrency = 3
    with FakeNeverBounce(api_key=KEY, latency_s=0.01) as server:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "leadgen_pipeline_tests.verify_run",
                str(tmp_path),
                str(inbox),
                server.base_url,
                KEY,
                "neverbounce",
                str(concurrency),
            ],
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: server.total_paid >= 10 or child.poll() is not None, "10 paid")
            # From here every call waits inside the provider: kill while all workers have
            # one in flight, sent (so the provider will charge it) but unanswered.
            server.hold()
            wait_for(lambda: server.in_flight == concurrency, "every worker has a call in flight")
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            server.release()
        wait_for(lambda: server.in_flight == 0, "the provider finished what it received")
        charged_at_kill = server.total_paid
        assert 10 <= charged_at_kill < len(emails), "the run must die midway"
        resumed = run_verification(tmp_path, inbox, server.base_url, KEY)
        assert resumed.success
        assert set(server.paid_checks) == set(emails)
        charged = server.total_paid
        asked_twice = {e for e, n in server.paid_checks.items() if n > 1}
    rows = ledger(tmp_path)
    paid = [email for _, email, charge in rows if charge == "paid"]
    possibly = [email for _, email, charge in rows if charge == "possibly_charged"]
    # the books hold every charge the provider made, kill or no kill
    assert len(paid) + len(possibly) == charged
    assert sorted(paid) == sorted(emails)  # each address paid once, on its answer
    # the possible double charges are exactly the calls in flight at the kill, and reported
    assert set(possibly) == asked_twice and len(possibly) == concurrency
    assert metadata_of(resumed, LEDGER)["possibly_charged_this_run"] == concurrency
    paid_once = check_of(resumed, "paid_once")
    assert paid_once.passed and paid_once.metadata["possible_double_charges"].value == concurrency
    assert check_of(resumed, "ledger_matches_provider_balance").passed


def test_an_auth_failure_inside_a_200_fails_the_run_clearly_and_keeps_answers(
    tmp_path: Path, built: tuple[Path, list[str]]
) -> None:
    inbox, _ = built
    with FakeNeverBounce(api_key=KEY, revoke_after=5) as server:
        result = run_verification(tmp_path, inbox, server.base_url, KEY)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        message = str(failure.event_specific_data.error)
        assert "verification stopped: the provider refused the API key" in message
        assert KEY not in message
        assert len(ledger(tmp_path)) == server.total_paid >= 5
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from verify.call_intents").fetchall() == [(0,)]


def test_undeliverable_verdicts_are_never_paid_again_and_join_the_complete_list(
    tmp_path: Path, built: tuple[Path, list[str]]
) -> None:
    inbox, _ = built
    with FakeNeverBounce(api_key=KEY) as server:
        assert run_verification(tmp_path, inbox, server.base_url, KEY).success
        store = str(tmp_path / "leadgen.duckdb")
        with duckdb.connect(store, read_only=True) as con:
            undeliverable = {
                email
                for (email,) in con.sql(
                    "select email from verify.email_checks "
                    "where status in ('invalid', 'do_not_mail')"
                ).fetchall()
            }
        assert undeliverable, "the fake answers some of these addresses with invalid"
        paid_once = dict(server.paid_checks)
        # 45 days on, every verdict is past the 30-day TTL: only deliverable ones are asked again
        assert run_verification(tmp_path, inbox, server.base_url, KEY, as_of="2027-01-09").success
        asked_again = {e for e, n in server.paid_checks.items() if n > paid_once.get(e, 0)}
        requests = len(server.requests)
        # the rest of the verify layer on the same store: only verify/*, raw and core stand
        assert run_verification(
            tmp_path, inbox, server.base_url, KEY, as_of="2027-01-09", keys=ALL_VERIFY_KEYS
        ).success
        assert len(server.requests) == requests  # nothing left to ask
    assert asked_again and not asked_again & undeliverable
    with duckdb.connect(store, read_only=True) as con:
        listed = {
            key
            for (key,) in con.sql(
                "select key_value from verify.suppression_list where kind = 'undeliverable'"
            ).fetchall()
        }
        sendable = {
            e for (e,) in con.sql("select verified_email from verify.sendable_contacts").fetchall()
        }
    assert listed == undeliverable  # these addresses carry no +tag or Gmail dots
    assert not sendable & undeliverable


def test_an_unknown_answer_is_asked_again_after_a_day_not_after_the_ttl() -> None:
    known = pl.DataFrame(
        {
            "email": ["greylisted@x.io", "fresh-unknown@x.io", "valid@x.io"],
            "status": ["unknown", "unknown", "valid"],
            "checked_at": [
                datetime(2026, 11, 23, tzinfo=UTC),
                datetime(2026, 11, 24, 12, tzinfo=UTC),
                datetime(2026, 11, 23, tzinfo=UTC),
            ],
        }
    )
    todo = still_to_verify(known["email"], known, NOW, 30)
    assert todo == ["greylisted@x.io"]


def test_only_fresh_valid_or_catch_all_verdicts_of_mailable_people_are_sendable() -> None:
    people = ["ok", "catchall", "invalid", "old", "stale", "suppressed", "unverified"]
    contacts = pl.DataFrame(
        {
            "person_id": people,
            "email": [f"{p}@x.io" for p in people],
            "suppressed": [p == "suppressed" for p in people],
            "stale": [p == "stale" for p in people],
        }
    ).with_columns(
        *[
            pl.lit(None, dtype=pl.String).alias(c)
            for c in (
                "first_name",
                "last_name",
                "title",
                "company_name",
                "company_domain",
                "country",
                "linkedin_url",
            )
        ]
    )
    checks = pl.DataFrame(
        {
            "email": [f"{p}@x.io" for p in people[:-1]],
            "status": ["valid", "catch_all", "invalid", "valid", "valid", "valid"],
            "provider": ["neverbounce"] * 6,
            # "old" was within the TTL when its batch was verified, 40 days ago: the flag
            # stored then says so, and the list judges the TTL by its own clock
            "checked_at": [NOW, NOW, NOW, NOW - timedelta(days=40), NOW, NOW],
            "within_ttl": [True] * 6,
        }
    )
    sendable = sendable_now(contacts, checks, NOW, 30)
    assert dict(zip(sendable["person_id"], sendable["send_track"], strict=True)) == {
        "ok": "main",
        "catchall": "capped",
    }
