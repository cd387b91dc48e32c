"""Verification in batches: each address falls in one fixed batch, a run of one batch (a
Dagster partition) pays for and rewrites only that batch's addresses, and verifying every
batch one run at a time ends where one whole run ends, each address paid for once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from leadgen_pipeline.layers.verify.assets import EMAIL_CHECKS
from leadgen_pipeline.layers.verify.batches import BATCH_KEYS, batch_sql, scoped
from leadgen_pipeline.layers.verify.bulk_jobs import ensure_bulk_jobs, open_jobs
from leadgen_pipeline.layers.verify.ledger import (
    ensure_intent_log,
    ensure_verify_tables,
    record_intent,
    settle_open_intents,
)
from leadgen_pipeline_tests.builds import Build
from leadgen_pipeline_tests.fakes.verifier_servers import FakeNeverBounce
from leadgen_pipeline_tests.verify_run import (
    PEOPLE,
    contact_emails,
    contacts_build,
    run_verification,
)

KEY = "nb-batch-key-42"
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def batch_of(email: str) -> str:
    """The rule, written independently of DuckDB: the MD5 digest's first byte modulo 8."""
    return str(hashlib.md5(email.encode()).digest()[0] % len(BATCH_KEYS))


def by_batch(emails: list[str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {key: set() for key in BATCH_KEYS}
    for email in emails:
        grouped[batch_of(email)].add(email)
    return grouped


@pytest.fixture(scope="module")
def contacts_built(shared_root: Path) -> Build:
    return contacts_build(shared_root)


def email_checks(folder: Path) -> list[tuple]:
    with duckdb.connect(str(folder / "leadgen.duckdb"), read_only=True) as con:
        return con.execute("select * from verify.email_checks order by all").fetchall()


def test_an_address_batch_is_its_md5_first_byte_modulo_eight() -> None:
    emails = [*contact_emails(200), "Jane.Doe@Acme.com", "x@y.io", "ünï@exämple.de"]
    with duckdb.connect() as con:
        found = dict(
            con.execute(
                f"select email, {batch_sql('email')} from unnest($emails::varchar[]) t(email)",
                {"emails": emails},
            ).fetchall()
        )
    assert found == {email: batch_of(email) for email in emails}
    assert {found[e] for e in emails} == set(BATCH_KEYS)  # every batch gets addresses


def test_a_batch_list_names_only_known_batches_and_every_batch_is_no_filter() -> None:
    assert scoped(None) is None
    assert scoped(BATCH_KEYS) is None
    assert scoped(["3", "1"]) == ["1", "3"]
    with pytest.raises(ValueError, match="unknown verification batches"):
        scoped(["8"])


def test_a_batch_run_pays_for_and_rewrites_only_its_batch_and_all_batches_end_as_one_run(
    contacts_built: Build, tmp_path: Path
) -> None:
    batches = by_batch(contact_emails(PEOPLE))
    whole = contacts_built.copy_to(tmp_path / "whole")
    one_by_one = contacts_built.copy_to(tmp_path / "batches")
    instance = dg.DagsterInstance.ephemeral()
    with FakeNeverBounce(api_key=KEY) as server:
        assert run_verification(whole.folder, whole.inbox, server.base_url, KEY).success
        whole_checks = email_checks(whole.folder)
    with FakeNeverBounce(api_key=KEY) as server:
        first = run_verification(
            one_by_one.folder, one_by_one.inbox, server.base_url, KEY, batch="3",
            instance=instance,
        )  # fmt: skip
        assert first.success
        assert set(server.paid_checks) == batches["3"]  # nothing of another batch is paid
        assert {row[0] for row in email_checks(one_by_one.folder)} == batches["3"]
        for batch in BATCH_KEYS:
            assert run_verification(
                one_by_one.folder, one_by_one.inbox, server.base_url, KEY, batch=batch,
                instance=instance,
            ).success  # fmt: skip
        # batch 3 was asked once, in its own run: a batch run keeps the other batches' rows
        assert set(server.paid_checks) == set().union(*batches.values())
        assert max(server.paid_checks.values()) == 1
    assert email_checks(one_by_one.folder) == whole_checks
    # and the instance knows each batch as a materialised partition
    assert instance.get_materialized_partitions(EMAIL_CHECKS) == set(BATCH_KEYS)


def test_a_batch_run_books_only_its_own_calls_in_flight_and_its_own_open_jobs(
    tmp_path: Path,
) -> None:
    mine, theirs = "person1.x@verify-test-1.io", "person2.x@verify-test-2.io"
    assert batch_of(mine) != batch_of(theirs)
    with duckdb.connect(str(tmp_path / "store.duckdb")) as con:
        ensure_verify_tables(con)
        ensure_intent_log(con)
        ensure_bulk_jobs(con)
        for email, run in ((mine, "killed-run"), (theirs, "running-run")):
            record_intent(
                con, email, provider="neverbounce", run_id=run, intended_at=NOW,
                credits=1.0, cost=0.008,
            )  # fmt: skip
        con.execute(
            "insert into verify.bulk_jobs values ('job-b', 'neverbounce', null, 'running-run', "
            "?, ?, 'submitting')",
            [NOW, [theirs]],
        )
        assert open_jobs(con, "neverbounce", [batch_of(mine)]) == 0
        assert open_jobs(con, "neverbounce", [batch_of(theirs)]) == 1
        assert open_jobs(con, "neverbounce", None) == 1

        assert settle_open_intents(con, [batch_of(mine)]) == 1
        booked = con.execute("select email, charge from verify.ledger").fetchall()
        assert booked == [(mine, "possibly_charged")]
        # the other batch's call is still in flight: its intent stays, unbooked
        left = con.execute("select email, run_id from verify.call_intents").fetchall()
        assert left == [(theirs, "running-run")]
