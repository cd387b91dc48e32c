"""The verification books agree with the provider's own bill, the billing rules are the
providers' published ones (overridable per account from the environment), and no address or
key reaches any log, even from a faulty batch.

The Dagster runs materialise only the verify/* assets, on a copy of one store whose raw and
core layers were built once per session (`verify_run.contacts_build`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._serdes import serialize_value

from leadgen_pipeline.clients.billing import OUTCOMES, PROVIDER_BILLING, BillingRules
from leadgen_pipeline.clients.http import RetryPolicy
from leadgen_pipeline.clients.millionverifier import MillionVerifierVerifier
from leadgen_pipeline.clients.neverbounce import NeverBounceVerifier
from leadgen_pipeline.clients.verifiers import HttpVerifier
from leadgen_pipeline.clients.zerobounce import ZeroBounceVerifier
from leadgen_pipeline.layers.verify.ledger import ensure_verify_tables
from leadgen_pipeline.resources import verifier_from_env
from leadgen_pipeline_tests.builds import Build
from leadgen_pipeline_tests.fakes import RecordedRequest, Reply
from leadgen_pipeline_tests.fakes.verifier_servers import (
    FakeMillionVerifier,
    FakeNeverBounce,
    FakeVerifierServer,
    FakeZeroBounce,
)
from leadgen_pipeline_tests.verify_run import (
    PEOPLE,
    contact_emails,
    contacts_build,
    run_verification,
    verifier_for,
)

KEY = "secret_books_key_9d2e41f0"
CLIENTS: dict[str, tuple[type[FakeVerifierServer], type[HttpVerifier]]] = {
    "neverbounce": (FakeNeverBounce, NeverBounceVerifier),
    "zerobounce": (FakeZeroBounce, ZeroBounceVerifier),
    "millionverifier": (FakeMillionVerifier, MillionVerifierVerifier),
}


@pytest.fixture(scope="session")
def contacts_built(shared_root: Path) -> Build:
    return contacts_build(shared_root)


@pytest.fixture
def store(contacts_built: Build, tmp_path: Path) -> Build:
    """A private copy of the contacts store, for one test to verify."""
    return contacts_built.copy_to(tmp_path)


def reconciliation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "ledger_matches_provider_balance"
    ]
    return evaluation


def figures(evaluation: dg.AssetCheckEvaluation) -> dict[str, object]:
    return {k: v.value for k, v in evaluation.metadata.items()}


# --- the rules, as data -----------------------------------------------------------------


def test_every_providers_rules_cover_every_outcome_and_name_their_source() -> None:
    for provider, billing in PROVIDER_BILLING.items():
        assert billing.sources, provider
        for mode in ("single", "bulk"):
            assert {o for m, o in billing.rules if m == mode} == set(OUTCOMES), (provider, mode)
    nb, zb, mv = (BillingRules.of(p) for p in ("neverbounce", "zerobounce", "millionverifier"))
    assert all(nb.charged(s) for s in ("valid", "invalid", "catch_all", "unknown"))
    assert not zb.charged("unknown") and zb.charged("catch_all") and not zb.charged("sandbox")
    assert not mv.charged("unknown") and not mv.charged("catch_all") and mv.charged("invalid")
    # a bulk file's repeats and rows without an address are not verifications
    assert not any(r.charged(o, "bulk") for r in (nb, zb, mv) for o in ("duplicate", "malformed"))
    # no answer at all is not documented as charged by anyone
    assert not any(r.charged("unanswered") for r in (nb, zb, mv))
    assert BillingRules.of("a-provider-we-do-not-know").charged("valid")  # unknown: paid


def test_account_overrides_change_only_what_they_name_and_bad_ones_are_refused() -> None:
    flagged = BillingRules.of("millionverifier", "risky_is_paid")
    assert flagged.charged("unknown") and flagged.charged("catch_all", "bulk")
    assert flagged.charged("valid") and not flagged.charged("duplicate", "bulk")
    mixed = BillingRules.of("zerobounce", "bulk.unknown=paid, unanswered=paid")
    assert mixed.charged("unknown", "bulk") and not mixed.charged("unknown", "single")
    assert mixed.charged("unanswered", "single") and mixed.charged("unanswered", "bulk")
    for bad in ("risky_is_paid", "valid=maybe", "nonsense", "triple.valid=paid"):
        with pytest.raises(ValueError, match="billing override"):
            BillingRules.of("zerobounce", bad)  # ZeroBounce documents no such preset


def test_the_override_is_read_from_the_environment_as_an_env_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADGEN_VERIFIER", "millionverifier")
    monkeypatch.setenv("MILLIONVERIFIER_API_KEY", KEY)
    monkeypatch.setenv("MILLIONVERIFIER_BILLING_OVERRIDES", "risky_is_paid")
    resource = verifier_from_env()
    assert isinstance(resource.billing_overrides, dg.EnvVar)
    assert resource.billing_overrides.env_var_name == "MILLIONVERIFIER_BILLING_OVERRIDES"
    monkeypatch.delenv("MILLIONVERIFIER_BILLING_OVERRIDES")
    assert verifier_from_env().billing_overrides is None


@pytest.mark.parametrize("provider", list(CLIENTS))
def test_each_client_reads_its_providers_credit_balance(provider: str) -> None:
    fake, client_class = CLIENTS[provider]
    with fake(api_key=KEY, balance=777) as server:
        server.unbilled_charges(7)
        policy = RetryPolicy(max_attempts=1)
        with client_class(KEY, base_url=server.base_url, policy=policy) as client:
            assert client.credit_balance() == 770
        assert [r.path for r in server.requests] == [server.balance_path]
        assert server.total_paid == 0  # reading the balance costs nothing


# --- the reconciliation -----------------------------------------------------------------


def test_a_silent_charge_makes_the_reconciliation_warn_with_both_figures(store: Build) -> None:
    class SilentlyCharging(FakeNeverBounce):
        """Takes one credit more than it reports, on its tenth answer."""

        def verdict(self, email: str, kind: str) -> tuple[object, bool]:
            if len(self.answered) == 9:
                self.unbilled_charges(1)
            return super().verdict(email, kind)

    with SilentlyCharging(api_key=KEY) as server:
        result = run_verification(store.folder, store.inbox, server.base_url, KEY)
    check = reconciliation(result)
    assert result.success  # a warning: the verdicts stand
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert figures(check)["ledger_credits"] == PEOPLE
    assert figures(check)["provider_credits_spent"] == PEOPLE + 1


def test_a_risky_is_paid_account_is_caught_until_its_override_is_set(
    store: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = store.copy_to(tmp_path / "with-override")
    monkeypatch.setenv("MILLIONVERIFIER_BILLING_OVERRIDES", "risky_is_paid")
    with FakeMillionVerifier(api_key=KEY, charges_risky=True) as server:
        plain = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider="millionverifier"
        )
        risky_paid = server.total_paid
        server.paid_checks.clear()
        overridden = run_verification(
            second.folder,
            second.inbox,
            server.base_url,
            KEY,
            verifier=verifier_for(
                "millionverifier",
                server.base_url,
                KEY,
                billing_overrides=dg.EnvVar("MILLIONVERIFIER_BILLING_OVERRIDES"),
            ),
        )
        assert server.total_paid == risky_paid == PEOPLE  # it charged every answer, twice
    wrong = figures(reconciliation(plain))
    assert not reconciliation(plain).passed
    assert wrong["provider_credits_spent"] == PEOPLE > wrong["ledger_credits"]
    assert reconciliation(overridden).passed
    with duckdb.connect(str(second.store), read_only=True) as con:
        assert con.execute("select count(*) from verify.ledger").fetchall() == [(PEOPLE,)]


# --- no address in any log --------------------------------------------------------------


class FaultyZeroBounce(FakeZeroBounce):
    """ZeroBounce with faults that quote what it was asked: 500s echoing the address and
    the key, cut-off bodies holding the address, 429s, one address always cut off, and
    (after `refuse_after` answers) a 401 echoing both."""

    def __init__(self, *, always_broken: str, refuse_after: int | None = None, **kwargs: object):
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.always_broken = always_broken
        self.refuse_after = refuse_after
        self.calls = 0

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if request.path != self.path:
            return super().handle(request, raw_headers)
        email = (request.query.get("email") or [""])[0]
        with self._state:
            self.calls += 1
            n = self.calls
        cut_off = Reply(200, f'{{"address": "{email}", "status": "val')
        if self.refuse_after is not None and n > self.refuse_after:
            return Reply(401, f"key {self.api_key} may not check {email}")
        if email == self.always_broken or n % 11 == 5:
            return cut_off
        if n % 7 == 3:
            return Reply(500, f"internal error while checking {email} (api_key={self.api_key})")
        if n % 13 == 8:
            return Reply(429, {"error": f"slow down on {email}"})
        return super().handle(request, raw_headers)


def logging_instance() -> dg.DagsterInstance:
    """An instance whose event log also takes the clients' and httpx's Python logs."""
    return dg.DagsterInstance.ephemeral(
        settings={
            "python_logs": {
                "managed_python_loggers": ["leadgen_pipeline", "httpx"],
                "python_log_level": "DEBUG",
            }
        }
    )


def forms_of(address: str) -> list[str]:
    """An address as it could leak: whole, percent-encoded, or its local part."""
    local = address.partition("@")[0]
    return [address, address.replace("@", "%40"), local, local.replace(".", "%2E")]


def test_no_address_or_key_reaches_any_log_from_a_faulty_batch(
    store: Build, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emails = contact_emails()
    broken = emails[5]
    second = store.copy_to(tmp_path / "refused")
    instance = logging_instance()
    with caplog.at_level(logging.DEBUG):
        with FaultyZeroBounce(api_key=KEY, always_broken=broken) as server:
            faulty = run_verification(
                store.folder,
                store.inbox,
                server.base_url,
                KEY,
                provider="zerobounce",
                max_attempts=3,
                instance=instance,
            )
            charged = server.total_paid
        with FaultyZeroBounce(api_key=KEY, always_broken=broken, refuse_after=12) as server:
            refused = run_verification(
                second.folder,
                second.inbox,
                server.base_url,
                KEY,
                provider="zerobounce",
                max_attempts=3,
                instance=instance,
            )
    assert faulty.success and not refused.success
    # through every fault, the books agree with what the provider charged
    check = reconciliation(faulty)
    assert check.passed
    assert figures(check)["ledger_credits"] == figures(check)["provider_credits_spent"] == charged
    assert 0 < charged < PEOPLE  # ZeroBounce's unknown answers were free, and so in the books
    with duckdb.connect(str(store.store), read_only=True) as con:
        verdicts = dict(con.execute("select email, status from verify.email_checks").fetchall())
    assert len(verdicts) == PEOPLE and verdicts[broken] == "unknown"  # the batch went on
    events = [
        serialize_value(entry)
        for run in (faulty, refused)
        for entry in instance.all_logs(run.run_id)
    ]
    logged = "\n".join([caplog.text, *events])
    # the scan is not vacuous: retries, cut-off bodies and the refusal were all logged
    assert "retrying" in logged and "not a JSON object" in logged
    assert "refused the API key" in logged and re.search(r"\*\*\*(@|%40)verify-test", logged)
    # the batch's progress lines are scanned too: the start, and how far each batch got
    assert f"verify/zerobounce (single): {PEOPLE} addresses to do" in logged
    assert re.search(r"verify/zerobounce \(single\): \d+/60 addresses .*; done in", logged)
    leaks = [f for address in emails for f in forms_of(address) if f.lower() in logged.lower()]
    assert leaks == []
    assert KEY not in logged


def test_a_ledger_of_an_earlier_release_gains_its_new_columns(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create schema verify")
        con.execute(
            "create table verify.ledger (provider varchar, email varchar, cost double, "
            "called_at timestamptz, run_id varchar)"
        )
        con.execute(
            "insert into verify.ledger values ('neverbounce', 'a@b.example', 1, now(), 'r')"
        )
        ensure_verify_tables(con)
        ensure_verify_tables(con)  # and again: nothing changes
        rows = con.execute("select charge, credits, mode, job_id from verify.ledger").fetchall()
    assert rows == [("paid", 1.0, "single", None)]  # every old row was a paid single check


def test_bulk_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADGEN_VERIFIER", "zerobounce")
    monkeypatch.setenv("ZEROBOUNCE_API_KEY", KEY)
    monkeypatch.setenv("ZEROBOUNCE_BULK_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LEADGEN_VERIFY_BULK_THRESHOLD", "2000")
    resource = verifier_from_env()
    assert (resource.bulk_base_url, resource.bulk_threshold) == ("http://127.0.0.1:9", 2000)
    monkeypatch.delenv("LEADGEN_VERIFY_BULK_THRESHOLD")
    assert verifier_from_env().bulk_threshold == 500
