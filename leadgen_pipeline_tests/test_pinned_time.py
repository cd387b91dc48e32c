"""`LEADGEN_AS_OF` pins "now" for every business date a run writes: a pull's time, a file's
date, a verdict's time, when a suppression was first seen, when the union was built, an
Apollo reveal. Files modified after the pinned date (as a checkout or a copy makes them)
are dated no later than it, so a simulated year gives the same tables on any real day.
The one stamp left on the machine's clock orders the pulls (`ingested_at`)."""

from __future__ import annotations

import ast
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from leadgen_pipeline.kernel import dates, settings
from leadgen_pipeline.resources import ApolloResource, LeadgenInputs
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import (
    PROJECT,
    Build,
    RunSummary,
    bound_defs,
    run_all,
    shared_instance,
)
from leadgen_pipeline_tests.fakes.apollo_server import FakeApolloServer

PINNED = "2021-03-01"
PINNED_AT = datetime(2021, 3, 1, tzinfo=UTC)
# every file of the inbox looks modified three months after the pinned date
MODIFIED = datetime(2021, 6, 1, tzinfo=UTC).timestamp()
PACKAGE = PROJECT / "leadgen_pipeline"


def test_the_run_clock_is_the_pinned_moment_and_unpinned_the_wall_clock() -> None:
    pinned = dates.clock(PINNED)
    assert pinned() == pinned() == PINNED_AT
    assert dates.clock("2021-03-01T09:30:00+02:00")() == datetime(2021, 3, 1, 7, 30, tzinfo=UTC)
    before = datetime.now(tz=UTC)
    assert before <= dates.clock(None)() <= datetime.now(tz=UTC)
    # the resource hands out the same clock: the setting, else the demo inbox's own date
    assert LeadgenInputs(inbox=str(PROJECT / "data/sample"), as_of=PINNED).now() == PINNED_AT
    demo = yaml.safe_load((PROJECT / "data/sample/_manifest.json").read_text())["as_of"]
    assert LeadgenInputs(inbox=str(PROJECT / "data/sample")).now() == dates.as_of(demo)


# reads of the machine's clock; `kernel/dates.py` holds the one the pipeline uses, and the
# clients keep theirs for transport (an HTTP date in Retry-After, a default verdict stamp)
_WALL_CLOCK_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
}  # fmt: skip
_MAY_READ_THE_WALL_CLOCK = {PACKAGE / "kernel/dates.py", *(PACKAGE / "clients").glob("*.py")}


# DuckDB's own clock, inside SQL text
_SQL_CLOCK = re.compile(
    r"(?i)\b(now|today|get_current_timestamp)\s*\(\s*\)|\bcurrent_(date|timestamp|time)\b"
)


def test_only_the_kernels_clock_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in _MAY_READ_THE_WALL_CLOCK or "demo" in path.parts:
            continue  # the demo generator states its own reference date
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in _WALL_CLOCK_CALLS
            ) or (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _SQL_CLOCK.search(node.value)
            ):
                offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    assert offenders == []


def _inbox(folder: Path) -> Path:
    """A Cognism export, a block list and a NeverBounce result export, none with a date in
    its name or its rows, all modified after the pinned date."""
    inbox = folder / "inbox"
    rows = [
        {"First Name": f"P{i}", "Last Name": f"L{i}", "Email": f"p{i}@pinned-{i}.io",
         "Company Name": f"Co{i}"}
        for i in range(6)
    ]  # fmt: skip
    vh.write_export(inbox / "cognism/cognism-export.csv", vh.COGNISM_PLATFORM, rows)
    (inbox / "suppression").mkdir()
    (inbox / "suppression/blocklist.csv").write_text("Blocked Email\np5@pinned-5.io\n")
    (inbox / "verifications").mkdir()
    (inbox / "verifications/neverbounce-results.csv").write_text(
        "email,email_status\np0@pinned-0.io,valid\np1@pinned-1.io,invalid\n"
    )
    for path in inbox.rglob("*.csv"):
        os.utime(path, (MODIFIED, MODIFIED))
    return inbox


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> set:
    return {row[0] for row in con.execute(sql).fetchall()}


def test_a_pinned_run_dates_everything_it_writes_no_later_than_the_pinned_date(
    tmp_path: Path,
) -> None:
    result = run_all(bound_defs(tmp_path, _inbox(tmp_path), as_of=PINNED), raise_on_error=False)
    assert result.success
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        pulls = "raw_history.pulls where source = 'cognism'"
        # the export is dated by its modification time, clamped to the pinned date
        assert _one(con, f"select pulled_at from {pulls}") == {PINNED_AT}
        # the one wall-clock stamp: it orders the pulls, so it is the machine's real time
        (ingested,) = _one(con, f"select ingested_at from {pulls}")
        assert ingested > PINNED_AT
        opt_outs = "compliance.suppressions where kind = 'opt_out'"
        assert _one(con, f"select recorded_at from {opt_outs}") == {PINNED_AT}
        assert _one(con, "select first_seen_at from compliance.suppression_history") == {PINNED_AT}
        assert _one(con, "select built_at from core.merge_log") == {PINNED_AT}
        imported = "verify.verdicts where provider = 'neverbounce_bulk'"
        # a verdict dated after the pinned date would look fresh for its whole TTL
        assert _one(con, f"select checked_at from {imported}") == {PINNED_AT}
        valid = "verify.email_checks where email = 'p0@pinned-0.io'"
        assert _one(con, f"select within_ttl from {valid}") == {True}


KEY = "pinned-time-key-0123456789"
APOLLO = dg.AssetKey(["raw", "apollo"])


def test_an_apollo_api_pull_is_dated_by_the_pinned_clock(tmp_path: Path) -> None:
    segment = yaml.safe_load((PROJECT / "data/icp/fintech_scaleups_eu.yaml").read_text())
    segment.update(
        segment="sales_leaders_test", countries=["GB", "DE"], titles=["sales"],
        seniorities=["vp", "director"], employee_band={"min": 11, "max": 5000},
    )  # fmt: skip
    icp = tmp_path / "icp"
    icp.mkdir()
    (icp / "sales_leaders_test.yaml").write_text(yaml.safe_dump(segment))
    with FakeApolloServer(api_key=KEY, size=400, seed=5) as server:
        defs = bound_defs(
            tmp_path, tmp_path / "empty-inbox", icp_dir=icp, as_of=PINNED,
            apollo=ApolloResource(api_key=KEY, base_url=server.base_url, max_attempts=2),
        )  # fmt: skip
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=shared_instance(),
            asset_selection=[dg.AssetKey(["config", "icp_segments"]), APOLLO],
            raise_on_error=False,
        )
    assert result.success
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        assert _one(con, "select pulled_at from raw_history.pulls where source = 'apollo'") == {
            PINNED_AT
        }
        assert _one(con, "select revealed_at from raw_history.apollo_reveals") == {PINNED_AT}


# the machine's own stamps: which pull was ingested last
MACHINE_TIME_COLUMNS = {("raw_history", "pulls", "ingested_at")}


def test_the_demo_build_holds_no_date_after_its_own_reference_date(
    demo_build: tuple[Build, RunSummary],
) -> None:
    """The README's demo command, run today or next year: every date and time in every
    table is on or before the inbox's `as_of`, so none came from the wall clock."""
    build, run = demo_build
    assert run.success
    as_of = dates.as_of(settings.inbox_as_of(build.inbox))
    later = []
    with duckdb.connect(str(build.store), read_only=True) as con:
        columns = con.execute(
            """select schema_name, table_name, column_name, data_type from duckdb_columns()
               where database_name = current_database()
                 and (data_type like 'TIMESTAMP%' or data_type = 'DATE')"""
        ).fetchall()
        assert len(columns) > 20  # the scan has something to look at
        for schema, table, column, kind in columns:
            if (schema, table, column) in MACHINE_TIME_COLUMNS:
                continue
            limit = as_of.date() if kind == "DATE" else as_of
            (count,) = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" > ?', [limit]
            ).fetchone()
            if count:
                later.append(f"{schema}.{table}.{column}: {count} rows")
    assert later == []
