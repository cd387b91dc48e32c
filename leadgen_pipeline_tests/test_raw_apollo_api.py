"""`raw/apollo` in API mode, materialised by Dagster against the loopback Apollo fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from leadgen_pipeline.resources import ApolloResource
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import bound_defs, shared_instance
from leadgen_pipeline_tests.fakes import Fault, Reply
from leadgen_pipeline_tests.fakes.apollo_server import (
    BULK_MATCH_PATH,
    SEARCH_PATH,
    FakeApolloServer,
    sales_leaders_icp,
)
from leadgen_pipeline_tests.suppression_headers import GDPR_ERASURE_REQUESTS

KEY = "test-master-key-0123456789"


@pytest.fixture
def apollo_server() -> Iterator[FakeApolloServer]:
    with FakeApolloServer(api_key=KEY, size=2000, seed=5) as server:
        yield server


@pytest.fixture
def icp_dir(tmp_path: Path) -> Path:
    """One segment the fake population answers: sales leaders in GB and DE, no interns."""
    return sales_leaders_icp(tmp_path, disqualified_titles=["intern"])


ICP_SEGMENTS = dg.AssetKey(["config", "icp_segments"])


def run_apollo(
    tmp_path: Path,
    icp_dir: Path,
    server: FakeApolloServer,
    *,
    inbox: Path | None = None,
    assets: tuple[dg.AssetKey, ...] = (dg.AssetKey(["raw", "apollo"]),),
) -> dg.ExecuteInProcessResult:
    defs = bound_defs(
        tmp_path,
        inbox or tmp_path / "empty-inbox",
        icp_dir=icp_dir,
        apollo=ApolloResource(
            api_key=KEY, base_url=server.base_url, max_attempts=2, retry_base_delay_s=0.01
        ),
    )
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=shared_instance(),
        asset_selection=[ICP_SEGMENTS, *assets],
        raise_on_error=False,
    )


def apollo_table(tmp_path: Path) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        return con.sql(
            "select source_record_id, email, title, vendor, snapshot_id from raw.apollo order by 1"
        ).fetchall()


def revealed_ids(server: FakeApolloServer) -> list[str]:
    return [d["id"] for r in server.requests_to(BULK_MATCH_PATH) for d in r.body["details"]]


def test_api_pull_reveals_targets_once_and_keeps_the_snapshot_on_failure(
    tmp_path: Path, icp_dir: Path, apollo_server: FakeApolloServer
) -> None:
    first = run_apollo(tmp_path, icp_dir, apollo_server)
    assert first.success
    rows = apollo_table(tmp_path)
    assert rows, "the segment matches part of the fake population"
    assert {vendor for *_, vendor, _ in rows} == {"apollo_api"}
    # Apollo knows no email for some people; they still carry a name at a company
    assert sum(1 for _, email, *_ in rows if email and "@" in email) > len(rows) * 0.8
    assert not any("intern" in title.lower() for _, _, title, *_ in rows)  # disqualified: unpaid
    assert all(len(r.body["details"]) <= 10 for r in apollo_server.requests_to(BULK_MATCH_PATH))
    first_reveals = revealed_ids(apollo_server)
    assert sorted(first_reveals) == sorted({r[0] for r in rows})
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        ((credits,),) = con.sql(
            "select credits_spent from raw_history.pulls where mode = 'api'"
        ).fetchall()
    assert credits == apollo_server.credits_charged == len(first_reveals)

    # an unchanged rerun finds the same people and pays for none of them again
    second = run_apollo(tmp_path, icp_dir, apollo_server)
    assert second.success
    assert revealed_ids(apollo_server) == first_reveals
    assert [r[:4] for r in apollo_table(tmp_path)] == [r[:4] for r in rows]

    # a failing API leaves the last good snapshot in place and says so
    last_good = apollo_table(tmp_path)
    apollo_server.script(*[Fault.status(500, path=SEARCH_PATH) for _ in range(4)])
    third = run_apollo(tmp_path, icp_dir, apollo_server)
    assert not third.success
    failure = next(e for e in third.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "last good snapshot" in message and KEY not in message
    assert apollo_table(tmp_path) == last_good


def test_a_run_killed_after_paying_never_pays_again_on_resume(
    tmp_path: Path, icp_dir: Path, apollo_server: FakeApolloServer
) -> None:
    # the third reveal call fails for good: two paid batches are in, the run dies
    calls_before_failure = 2
    original = apollo_server.handle

    def failing_after_two(request, raw_headers):
        paid_calls = len(apollo_server.requests_to(BULK_MATCH_PATH))
        if request.path == BULK_MATCH_PATH and paid_calls > calls_before_failure:
            return Reply(500, {"error": "upstream down"})
        return original(request, raw_headers)

    apollo_server.handle = failing_after_two  # type: ignore[method-assign]
    died = run_apollo(tmp_path, icp_dir, apollo_server)
    assert not died.success
    paid_before = revealed_ids(apollo_server)[: calls_before_failure * 10]
    apollo_server.handle = original  # type: ignore[method-assign]
    apollo_server.clear_log()
    resumed = run_apollo(tmp_path, icp_dir, apollo_server)
    assert resumed.success
    assert not set(paid_before) & set(revealed_ids(apollo_server))
    assert set(paid_before) <= {r[0] for r in apollo_table(tmp_path)}


def store_text(store: Path) -> str:
    """Every cell of every table in the store as lower-case text, tables one after another."""
    with duckdb.connect(str(store), read_only=True) as con:
        tables = con.sql(
            "select table_schema || '.' || table_name, list(column_name) "
            "from information_schema.columns group by all"
        ).fetchall()
        return "\n".join(
            text or ""
            for table, columns in tables
            for (text,) in con.sql(
                "select lower(string_agg("
                + " || '|' || ".join(f"coalesce(\"{c}\"::varchar, '')" for c in columns)
                + f", chr(10))) from {table}"
            ).fetchall()
        )


def test_an_erased_person_the_api_returns_never_reaches_raw_history(
    tmp_path: Path, icp_dir: Path, apollo_server: FakeApolloServer
) -> None:
    # who the API returns for the segment, learnt on a store of its own
    probe = tmp_path / "probe"
    probe.mkdir()
    assert run_apollo(probe, icp_dir, apollo_server).success
    with duckdb.connect(str(probe / "leadgen.duckdb"), read_only=True) as con:
        found = con.sql(
            "select source_record_id, email, linkedin_url, first_name, last_name, company_name "
            "from raw.apollo order by source_record_id"
        ).fetchall()
    by_email, by_profile, by_name = [r for r in found if r[1] and r[2]][:3]
    # everyone of that name at that company is named by the request
    named = {r[0] for r in found if (r[3], r[4], r[5]) == by_name[3:]}
    erased_ids = {by_email[0], by_profile[0]} | named
    assert len(found) - len(erased_ids) > 10, "most people the API returns are kept"

    inbox = tmp_path / "inbox"
    received = {"received_at": "2026-11-21T09:30:00Z", "regulation": "GDPR"}
    vh.write_export(
        inbox / "suppression/dsar-export-2026-11-21.csv",
        GDPR_ERASURE_REQUESTS,
        [
            {"request_id": "R-1", "email": by_email[1].upper(), **received},
            {"request_id": "R-2", "linkedin_url": by_profile[2].replace("http:", "https:"),
             **received},
        ],
    )  # fmt: skip
    vh.write_export(
        inbox / "suppression/dsar-by-name-2026-11-21.csv",
        ["request_id", "full_name", "company", "received_at", "regulation"],
        [{"request_id": "R-3", "full_name": f"{by_name[3]} {by_name[4]}",
          "company": by_name[5], **received}],
    )  # fmt: skip
    apollo_server.clear_log()
    # the suppression list first, then the pull (raw/apollo reads the list as it stands)
    suppressions = dg.AssetKey(["compliance", "suppressions"])
    assert run_apollo(tmp_path, icp_dir, apollo_server, inbox=inbox, assets=(suppressions,)).success
    pulled = run_apollo(tmp_path, icp_dir, apollo_server, inbox=inbox)
    assert pulled.success
    # the API did return them (and was paid for them), yet nothing of them was stored
    assert erased_ids <= set(revealed_ids(apollo_server))
    store = tmp_path / "leadgen.duckdb"
    with duckdb.connect(str(store), read_only=True) as con:
        kept = {i for (i,) in con.sql("select source_record_id from raw_history.apollo").fetchall()}
        in_ledger = {
            i for (i,) in con.sql("select person_id from raw_history.apollo_reveals").fetchall()
        }
    assert kept == in_ledger == {r[0] for r in found} - erased_ids
    text = store_text(store)
    personal = [by_email[1], by_profile[2].rsplit("/in/", 1)[1], *erased_ids]
    personal += [f"{by_name[3]} {by_name[4]}".lower()] + [
        r[1] for r in found if r[0] in named and r[1]
    ]
    assert [p for p in personal if p.lower() in text] == []

    # a later pull neither pays to reveal them again nor stores them
    apollo_server.clear_log()
    assert run_apollo(tmp_path, icp_dir, apollo_server, inbox=inbox).success
    assert not erased_ids & set(revealed_ids(apollo_server))
    assert [p for p in personal if p.lower() in store_text(store)] == []
