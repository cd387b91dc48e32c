"""Every column documented once: each contract describes each column of its table, and the
description reaches DuckDB (`duckdb_columns().comment`) and the Dagster column schema. That
holds for every table and view in the store, the side tables assets write beside their own
(histories, logs, rejects, caches) included, so an undocumented table or column fails here."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

import leadgen_pipeline.definitions  # noqa: F401  (loading the assets registers their contracts)
from leadgen_pipeline.kernel.store import read_table
from leadgen_pipeline.layers.checks import contracted_tables, side_tables, validate_contract
from leadgen_pipeline_tests.builds import Build, RunSummary, stored_events
from leadgen_pipeline_tests.fakes.apollo_server import FakeApolloServer
from leadgen_pipeline_tests.fakes.bulk_servers import FakeNeverBounceBulk
from leadgen_pipeline_tests.test_raw_apollo_api import (  # noqa: F401  (fixtures)
    apollo_server,
    icp_dir,
    run_apollo,
)
from leadgen_pipeline_tests.verify_run import contacts_build, run_verification

# tables made only by paid calls, which the demo (no keys) never makes: tested below
PAID_ONLY = {
    "raw_history.apollo_reveals",
    "raw_history.apollo_erased",
    "verify.call_intents",
    "verify.bulk_jobs",
}


def undocumented(store: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """(tables or views without a comment, (table, column) pairs without one) of the store."""
    with duckdb.connect(str(store), read_only=True) as con:
        ((database,),) = con.execute("select current_database()").fetchall()
        tables = con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() "
            "where database_name = $db union all "
            "select schema_name || '.' || view_name, comment from duckdb_views() "
            "where database_name = $db and not internal",
            {"db": database},
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() "
            "where database_name = $db",
            {"db": database},
        ).fetchall()
    return (
        sorted(t for t, comment in tables if not (comment or "").strip()),
        sorted((t, c) for t, c, comment in columns if not (comment or "").strip()),
    )


def _all_columns(store: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(
            "select schema_name || '.' || table_name, column_name from duckdb_columns() "
            "where database_name = current_database()"
        ).fetchall()


def materialisations(events: list[dg.EventLogEntry]) -> dict[str, dict]:
    """Each materialised asset's metadata (the last of the run), by asset key."""
    return {
        m.asset_key.to_user_string(): m.metadata for e in events if (m := e.asset_materialization)
    }


def test_every_table_and_column_in_the_store_has_a_comment(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, run = demo_build
    assert run.success
    tables, columns = undocumented(build.store)
    assert tables == []
    assert columns == []
    with duckdb.connect(str(build.store), read_only=True) as con:
        ((stored,),) = con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database()"
        ).fetchall()
    # the side tables are among them: not a store that happens to lack them
    assert stored >= 40 and len(contracted_tables()) >= 50


def test_every_side_table_of_the_demo_satisfies_its_contract(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    with duckdb.connect(str(build.store), read_only=True) as con:
        held = {t for (t,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()}  # fmt: skip
        assert set(side_tables()) - held == PAID_ONLY
        for table in sorted(held & set(side_tables())):
            result = validate_contract(side_tables()[table], read_table(con, table))
            assert result.passed, (table, result.metadata)


def test_the_ui_column_schema_carries_the_descriptions(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    metadata = materialisations(stored_events(build))
    schemas = {
        key: m["dagster/column_schema"].value
        for key, m in metadata.items()
        if "dagster/column_schema" in m
    }
    contacts = {c.name: c.description for c in schemas["core/contacts"].columns}
    assert contacts and all(contacts.values()), [n for n, d in contacts.items() if not d]
    # a side table's schema is shown on the asset that writes it, described too
    merge_log = metadata["core/contact_links"]["core.merge_log schema"].value
    assert {c.name for c in merge_log.columns} >= {"event", "person_id", "related_person_ids"}
    assert all(c.description for c in merge_log.columns)


@pytest.fixture(scope="module")
def paid_verification(
    shared_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Build, list[dg.ExecuteInProcessResult]]:
    """Paid single checks on the contacts store, then, once the TTL is over, a bulk job."""
    store = contacts_build(shared_root).copy_to(tmp_path_factory.mktemp("paid"))
    key = "docs_key_5f2e"
    with FakeNeverBounceBulk(api_key=key) as server:
        runs = [
            run_verification(store.folder, store.inbox, server.base_url, key),
            run_verification(
                store.folder, store.inbox, server.base_url, key, as_of="2027-01-10",
                bulk_threshold=1,
            ),
        ]  # fmt: skip
    return store, runs


def test_the_books_of_paid_verification_are_documented(
    paid_verification: tuple[Build, list[dg.ExecuteInProcessResult]],
) -> None:
    store, runs = paid_verification
    assert all(run.success for run in runs)
    assert undocumented(store.store) == ([], [])
    with duckdb.connect(str(store.store), read_only=True) as con:
        ((jobs,),) = con.execute("select count(*) from verify.bulk_jobs").fetchall()
        assert jobs >= 1  # the bulk path ran, not only the single checks
        for table in ("verify.call_intents", "verify.bulk_jobs", "verify.verdicts"):
            result = validate_contract(side_tables()[table], read_table(con, table))
            assert result.passed, (table, result.metadata)
    (_, ledger) = runs[-1].asset_materializations_for_node("verify_emails")
    assert ledger.asset_key == dg.AssetKey(["verify", "ledger"])
    assert {"verify.call_intents schema", "verify.bulk_jobs schema"} <= set(ledger.metadata)


def test_the_books_of_an_apollo_api_pull_are_documented(
    tmp_path: Path,
    icp_dir: Path,  # noqa: F811
    apollo_server: FakeApolloServer,  # noqa: F811
) -> None:
    run = run_apollo(tmp_path, icp_dir, apollo_server)
    assert run.success
    store = tmp_path / "leadgen.duckdb"
    # only config and raw/apollo were built: the other sources' views wait for their assets
    tables, columns = undocumented(store)
    built = {"raw.apollo", "raw_history.apollo", *PAID_ONLY}
    assert [t for t in tables if t in built] == []
    assert [(t, c) for t, c in columns if t in built] == []
    assert {"raw_history.apollo_reveals", "raw_history.apollo_erased"} - {
        t for t, _ in _all_columns(store)
    } == set()
    with duckdb.connect(str(store), read_only=True) as con:
        ((revealed,),) = con.execute("select count(*) from raw_history.apollo_reveals").fetchall()
        assert revealed > 0
        for table in ("raw_history.apollo_reveals", "raw_history.apollo_erased"):
            result = validate_contract(side_tables()[table], read_table(con, table))
            assert result.passed, (table, result.metadata)
