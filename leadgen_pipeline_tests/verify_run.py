"""Materialise only the verification assets against a verifier URL, on a store whose raw and
core layers are already built.

The verification tests share one store built once per session (`contacts_build`: a Cognism
export of `PEOPLE` contacts) and each verifies a copy of it, so a test pays for one
verification step, not for rebuilding raw and core. The kill-and-resume tests run it as a
separate process: `python -m leadgen_pipeline_tests.verify_run DB INBOX URL KEY [PROVIDER
[CONCURRENCY [BULK_THRESHOLD]]]`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dagster as dg

from leadgen_pipeline.resources import VerifierResource
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import (
    TEST_AS_OF,
    Build,
    RunSummary,
    bound_defs,
    run_all,
    shared_build,
    shared_instance,
)

VERIFY_KEYS = [dg.AssetKey(["verify", "email_checks"]), dg.AssetKey(["verify", "ledger"])]
# every verify/* asset: the verdicts, the ledger, who is sendable, the complete list
ALL_VERIFY_KEYS = [
    *VERIFY_KEYS,
    dg.AssetKey(["verify", "sendable_contacts"]),
    dg.AssetKey(["verify", "suppression_list"]),
]
PEOPLE = 60


def contact_emails(people: int = PEOPLE) -> list[str]:
    return [f"person{i}.x@verify-test-{i % 7}.io" for i in range(people)]


def contacts_inbox(inbox: Path, people: int = PEOPLE) -> list[str]:
    """A Cognism export of `people` contacts with ordinary addresses; returns the addresses."""
    emails = contact_emails(people)
    rows = [
        {"First Name": f"P{i}", "Last Name": f"L{i}", "Email": email, "Company Name": f"Co{i % 7}"}
        for i, email in enumerate(emails)
    ]
    vh.write_export(inbox / "cognism/cognism-export-2026-11-20.csv", vh.COGNISM_PLATFORM, rows)
    return emails


def _build_contacts(folder: Path) -> RunSummary:
    contacts_inbox(folder / "inbox")
    return RunSummary.of(run_all(bound_defs(folder, folder / "inbox")))


def contacts_build(shared_root: Path) -> Build:
    """The contacts store with no paid verifier yet, built once per session (every test
    process shares it); a test verifies a `Build.copy_to` of it."""
    build, run = shared_build(shared_root, "verify_contacts", _build_contacts, inbox="inbox")
    assert run.success, run.failed_checks
    return build


def verifier_for(
    provider: str, base_url: str, key: str, *, concurrency: int = 2, **options: Any
) -> VerifierResource:
    """A verifier for a loopback fake: a high rate, two attempts, tiny backoffs."""
    settings: dict[str, Any] = {
        "rate_per_second": 1000.0,
        "max_attempts": 2,
        "retry_base_delay_s": 0.01,
        "http_timeout_s": 2.0,
        "bulk_base_url": base_url,  # one fake serves both APIs
        "bulk_poll_s": 0.02,
        **options,
    }
    return VerifierResource(
        provider=provider,
        api_key=key,
        base_url=base_url,
        max_concurrency=concurrency,
        **settings,
    )


def run_verification(
    store_dir: Path,
    inbox: Path,
    base_url: str,
    key: str,
    *,
    provider: str = "neverbounce",
    concurrency: int = 2,
    as_of: str = TEST_AS_OF,
    keys: list[dg.AssetKey] = VERIFY_KEYS,
    verifier: VerifierResource | None = None,
    instance: dg.DagsterInstance | None = None,
    batch: str | None = None,
    **options: Any,
) -> dg.ExecuteInProcessResult:
    """Materialise `keys` (the verdicts and the ledger) on the store in `store_dir`: one
    verification batch (a partition), or with none named every batch."""
    defs = bound_defs(
        store_dir,
        inbox,
        as_of=as_of,
        verifier=verifier
        or verifier_for(provider, base_url, key, concurrency=concurrency, **options),
    )
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance or shared_instance(),
        asset_selection=keys,
        raise_on_error=False,
        partition_key=batch,
    )


if __name__ == "__main__":
    store, inbox, url, api_key = sys.argv[1:5]
    chosen = sys.argv[5] if len(sys.argv) > 5 else "neverbounce"
    workers = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    threshold = int(sys.argv[7]) if len(sys.argv) > 7 else 500
    run_verification(
        Path(store),
        Path(inbox),
        url,
        api_key,
        provider=chosen,
        concurrency=workers,
        bulk_threshold=threshold,
    )
