"""Long steps tell their progress in the run's own event log, and end with a summary in the
materialisation's metadata; the clients' library log lines (retry back-offs) reach the same
log through the project instance's `dagster.yaml`. Real materialisations against the loopback
provider fakes, on an instance configured by the project's own `data/.dagster/dagster.yaml`;
no line carries an address or a key."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from leadgen_pipeline.layers.enrich.assets import RESEARCH_LEDGER, signals_assets
from leadgen_pipeline.resources import (
    ApolloResource,
    DuckDBStore,
    LeadgenInputs,
    ResearchResource,
)
from leadgen_pipeline_tests.builds import PROJECT, Build, bound_defs
from leadgen_pipeline_tests.fakes import Fault
from leadgen_pipeline_tests.fakes.apollo_server import (
    SEARCH_PATH,
    FakeApolloServer,
    sales_leaders_icp,
)
from leadgen_pipeline_tests.fakes.bulk_servers import FakeZeroBounceBulk
from leadgen_pipeline_tests.fakes.llm_server import FakeLlmServer
from leadgen_pipeline_tests.fakes.verifier_servers import FakeNeverBounce
from leadgen_pipeline_tests.fakes.web_site import FakeWebSite
from leadgen_pipeline_tests.test_privacy import inbox_needles, personal_data_in_events
from leadgen_pipeline_tests.test_verif_books import forms_of
from leadgen_pipeline_tests.verify_run import (
    PEOPLE,
    contact_emails,
    contacts_build,
    run_verification,
)

KEY = "progress_test_key_5be0c1d7"
LEDGER = dg.AssetKey(["verify", "ledger"])
APOLLO = dg.AssetKey(["raw", "apollo"])
SUMMARY_KEYS = {"calls_made", "paid", "cost", "reused", "failures", "wall_time_s"}


@pytest.fixture
def project_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A real instance (SQLite storage on disk) made from a copy of the project's own
    `dagster.yaml`, as the README's `DAGSTER_HOME=data/.dagster` makes it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy2(PROJECT / "data/.dagster/dagster.yaml", home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    yield instance
    instance.dispose()


@pytest.fixture
def store(shared_root: Path, tmp_path: Path) -> Build:
    return contacts_build(shared_root).copy_to(tmp_path / "store")


def log_lines(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(level, message) of every plain log line of the run, as its instance stored them."""
    return [
        (dg_level(entry.level), entry.user_message)
        for entry in instance.all_logs(run_id)
        if entry.dagster_event is None
    ]


def dg_level(level: int | str) -> str:
    return (
        level
        if isinstance(level, str)
        else {10: "DEBUG", 20: "INFO", 30: "WARNING"}.get(level, str(level))
    )


def leaks(texts: list[str], emails: list[str]) -> list[str]:
    joined = "\n".join(texts).lower()
    return [form for email in emails for form in forms_of(email) if form.lower() in joined]


def test_the_project_instance_routes_the_clients_logs_into_each_run() -> None:
    settings = yaml.safe_load((PROJECT / "data/.dagster/dagster.yaml").read_text())
    assert "leadgen_pipeline" in settings["python_logs"]["managed_python_loggers"]
    assert settings["python_logs"]["python_log_level"] == "INFO"  # Apollo's waits are INFO


def test_single_checks_tell_progress_and_the_retries_reach_the_run_log(
    store: Build, project_instance: dg.DagsterInstance
) -> None:
    with FakeNeverBounce(api_key=KEY) as server:
        # two throttled answers: each retried after the policy's back-off, logged by the client;
        # three attempts, since with two workers both may fall on one address's two tries
        server.script(*[Fault.status(429, path=server.path) for _ in range(2)])
        result = run_verification(
            store.folder, store.inbox, server.base_url, KEY, instance=project_instance,
            max_attempts=3,
        )  # fmt: skip
        assert server.pending_faults == 0
    assert result.success
    lines = log_lines(project_instance, result.run_id)
    messages = [message for _, message in lines]
    assert "verify/neverbounce (single): 60 addresses to do" in messages
    (last,) = [m for m in messages if m.startswith("verify/neverbounce") and "done in" in m]
    assert re.fullmatch(
        rf"verify/neverbounce \(single\): {PEOPLE}/{PEOPLE} addresses \(100%\), [\d.]+/s, "
        rf"{PEOPLE} paid, cost 60; done in (\d+m )?\d+s",
        last,
    ), last
    # the client's retry back-off, logged through `logging`, is in the same run's event log
    retries = [(level, m) for level, m in lines if "retrying in" in m]
    assert len(retries) == 2 and all(level == "WARNING" for level, _ in retries), lines
    assert all("HTTP 429" in m and "neverbounce" in m for _, m in retries)
    assert leaks(messages, contact_emails()) == [] and not any(KEY in m for m in messages)
    # and the demo's privacy scan, over every event of the run, finds none of the inbox
    needles = inbox_needles(store.inbox)
    assert len(needles.emails) >= PEOPLE
    assert personal_data_in_events(project_instance.all_logs(result.run_id), needles) == []

    (ledger,) = [
        m for m in result.asset_materializations_for_node("verify_emails") if m.asset_key == LEDGER
    ]
    summary = {k: ledger.metadata[k].value for k in SUMMARY_KEYS}
    assert summary["calls_made"] == summary["paid"] == PEOPLE
    assert (summary["reused"], summary["failures"]) == (0, 0)
    assert summary["wall_time_s"] > 0


def test_a_rerun_says_what_it_reused_and_pays_nothing(
    store: Build, project_instance: dg.DagsterInstance
) -> None:
    with FakeNeverBounce(api_key=KEY) as server:
        run_verification(store.folder, store.inbox, server.base_url, KEY)
        again = run_verification(
            store.folder, store.inbox, server.base_url, KEY, instance=project_instance
        )
    (ledger,) = [
        m for m in again.asset_materializations_for_node("verify_emails") if m.asset_key == LEDGER
    ]
    assert ledger.metadata["reused"].value == PEOPLE
    assert ledger.metadata["calls_made"].value == ledger.metadata["paid"].value == 0


def test_a_bulk_job_tells_progress_and_ends_with_its_summary(
    store: Build, project_instance: dg.DagsterInstance
) -> None:
    with FakeZeroBounceBulk(api_key=KEY, polls_before_done=2) as server:
        result = run_verification(
            store.folder, store.inbox, server.base_url, KEY, provider="zerobounce",
            bulk_threshold=10, instance=project_instance,
        )  # fmt: skip
    assert result.success
    messages = [m for _, m in log_lines(project_instance, result.run_id)]
    assert "verify/zerobounce (bulk): 60 addresses to do" in messages
    assert any(
        m.startswith("verify/zerobounce (bulk): 60/60 addresses (100%)") and "done in" in m
        for m in messages
    ), messages
    assert leaks(messages, contact_emails()) == []
    needles = inbox_needles(store.inbox)
    assert personal_data_in_events(project_instance.all_logs(result.run_id), needles) == []
    (ledger,) = [
        m for m in result.asset_materializations_for_node("verify_emails") if m.asset_key == LEDGER
    ]
    assert ledger.metadata["mode"].value == "bulk"
    assert ledger.metadata["calls_made"].value == PEOPLE
    assert ledger.metadata["paid"].value == ledger.metadata["paid_this_run"].value > 0


def test_an_apollo_pull_tells_its_search_and_reveals_and_its_retries(
    tmp_path: Path, project_instance: dg.DagsterInstance
) -> None:
    icp = sales_leaders_icp(tmp_path)
    with FakeApolloServer(api_key=KEY, size=2000, seed=5) as server:
        server.script(Fault.status(429, headers={"Retry-After": "0"}, path=SEARCH_PATH))
        defs = bound_defs(
            tmp_path,
            tmp_path / "empty-inbox",
            icp_dir=icp,
            apollo=ApolloResource(
                api_key=KEY, base_url=server.base_url, max_attempts=2, retry_base_delay_s=0.01
            ),
        )
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=project_instance,
            asset_selection=[dg.AssetKey(["config", "icp_segments"]), APOLLO],
            raise_on_error=False,
        )
        people = [server.person(i) for i in range(server.size)]
    assert result.success
    lines = log_lines(project_instance, result.run_id)
    messages = [m for _, m in lines]
    label = "raw/apollo sales_leaders_test"
    (planned,) = [m for m in messages if m.startswith(f"{label} search: ") and "to do" in m]
    shown = re.fullmatch(rf"{label} search: ([\d,]+) people to do", planned)
    assert shown, planned
    total = shown[1]
    assert any(m.startswith(f"{label} search: {total}/{total} people (100%)") for m in messages)
    (revealed,) = [m for m in messages if m.startswith(f"{label} reveal:") and "done in" in m]
    found = re.match(
        rf"{label} reveal: (\d+)/(\d+) people \(100%\), [\d.]+/s, (\d+) paid",
        revealed,
    )
    assert found and found[1] == found[2] == found[3] and int(found[1]) > 0, revealed
    assert any("retrying in" in m and "HTTP 429" in m for m in messages), messages
    (materialised,) = result.asset_materializations_for_node("raw__apollo")
    metadata = {k: v.value for k, v in materialised.metadata.items()}
    assert metadata["paid"] == metadata["credits_spent"] == int(found[3])
    assert metadata["calls_made"] >= 3  # a count, searches and reveals
    named = [p.email for p in people if p.email] + [p.last_name for p in people]
    joined = "\n".join(messages)
    assert not [n for n in named if n and len(n) > 3 and n in joined]
    assert KEY not in joined


def _research(
    build: Build, llm: FakeLlmServer, site: FakeWebSite, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    research = ResearchResource(
        base_url=llm.base_url, api_key="sk-test-key", model="fake-model",
        web_mirror=site.base_url, max_attempts=2, retry_base_delay_s=0.01,
    )  # fmt: skip
    return dg.materialize(
        [signals_assets(research)],
        resources={
            "duckdb": DuckDBStore(database=str(build.store)),
            "inputs": LeadgenInputs(
                inbox=str(build.inbox),
                icp_dir=str(PROJECT / "data/icp"),
                sources_manifest=str(PROJECT / "data/sources.yaml"),
            ),
        },
        instance=instance,
        raise_on_error=False,
    )


def research_summary(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    (ledger,) = [
        m
        for m in result.asset_materializations_for_node("enrich_signals")
        if m.asset_key == RESEARCH_LEDGER
    ]
    return {k: ledger.metadata[k].value for k in SUMMARY_KEYS}


def test_research_tells_progress_and_a_rerun_reuses_every_answer(
    demo_copy: Build, project_instance: dg.DagsterInstance
) -> None:
    # a flaky model: a fifth of the calls answer 429 or 503, retried once after Retry-After
    with FakeLlmServer({}, fault_rate=0.2) as llm, FakeWebSite({}) as site:
        first = _research(demo_copy, llm, site, project_instance)
        second = _research(demo_copy, llm, site, project_instance)
    assert first.success and second.success
    lines = log_lines(project_instance, first.run_id)
    messages = [m for _, m in lines]
    (start,) = [m for m in messages if m.startswith("enrich/research: ") and "to do" in m]
    accounts = int(re.match(r"enrich/research: ([\d,]+) accounts to do$", start)[1])
    summary = research_summary(first)
    assert accounts > 0 and summary["calls_made"] == accounts and summary["reused"] == 0
    assert 0 < summary["paid"] <= accounts and summary["failures"] == accounts - summary["paid"]
    assert any(
        m.startswith(f"enrich/research: {accounts}/{accounts} accounts (100%)") and "done in" in m
        for m in messages
    ), messages
    assert any("retrying in" in m for m in messages)  # the client's back-off, in the run log
    assert not any("sk-test-key" in m or "@" in m for m in messages)
    # what was answered is cached: the rerun reuses it and asks only what got no answer
    again = research_summary(second)
    assert again["reused"] == summary["paid"]
    assert again["calls_made"] == accounts - summary["paid"]


class _ReleaseOnWait(logging.Handler):
    """Lets the other process go the moment the store says it is waiting for the lock, so
    the run waits exactly once, whatever the machine's speed."""

    def __init__(self, holder: subprocess.Popen[str]) -> None:
        super().__init__()
        self.holder = holder

    def emit(self, record: logging.LogRecord) -> None:
        if "is locked by another process" in record.getMessage() and self.holder.stdin:
            self.holder.stdin.close()
            self.holder.wait()


def test_a_wait_for_the_stores_lock_reaches_the_run_log(
    tmp_path: Path, project_instance: dg.DagsterInstance
) -> None:
    store = tmp_path / "leadgen.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout and holder.stdout.readline().strip() == "held"
    release = _ReleaseOnWait(holder)
    logging.getLogger("leadgen_pipeline.resources").addHandler(release)
    try:
        defs = bound_defs(tmp_path, PROJECT / "data/sample")
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=project_instance,
            asset_selection=[dg.AssetKey(["config", "icp_segments"])],
            raise_on_error=False,
        )
    finally:
        logging.getLogger("leadgen_pipeline.resources").removeHandler(release)
        if holder.poll() is None:
            holder.kill()
    assert result.success
    waits = [m for _, m in log_lines(project_instance, result.run_id) if "is locked" in m]
    assert waits == [
        "duckdb: leadgen.duckdb is locked by another process; attempt 1/10, retrying in 0.5s"
    ]


# another process holding the store's write lock until its stdin closes
HOLD_THE_LOCK = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""
