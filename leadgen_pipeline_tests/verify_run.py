"""Materialise the verification assets against a verifier URL: run as a separate process by
the kill-and-resume test (`python -m leadgen_pipeline_tests.verify_run DB INBOX URL KEY`)."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from leadgen_pipeline.resources import VerifierResource
from leadgen_pipeline_tests.builds import TEST_AS_OF, bound_defs, shared_instance

VERIFY_KEYS = [dg.AssetKey(["verify", "email_checks"]), dg.AssetKey(["verify", "ledger"])]


def run_verification(
    store_dir: Path,
    inbox: Path,
    base_url: str,
    key: str,
    *,
    concurrency: int = 2,
    as_of: str = TEST_AS_OF,
) -> dg.ExecuteInProcessResult:
    defs = bound_defs(
        store_dir,
        inbox,
        as_of=as_of,
        verifier=VerifierResource(
            provider="neverbounce",
            api_key=key,
            base_url=base_url,
            max_concurrency=concurrency,
            rate_per_second=1000.0,
            max_attempts=2,
            retry_base_delay_s=0.01,
        ),
    )
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=shared_instance(), asset_selection=VERIFY_KEYS, raise_on_error=False
    )


if __name__ == "__main__":
    store, inbox, url, api_key = sys.argv[1:5]
    run_verification(Path(store), Path(inbox), url, api_key)
