"""The UI as a user meets it: the README's run command and `dagster dev` share the project's
instance, and the webserver's GraphQL API shows every asset, check, sensor and automation
condition and launches a run that the daemon takes from the queue and that succeeds."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leadgen_pipeline_tests.builds import PROJECT
from leadgen_pipeline_tests.test_definitions import EXPECTED_KEYS

SENSORS = {"leadgen_automation", "inbox_exports"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def project_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The README's environment on a private store, and a private copy of the project's
    instance folder (its `dagster.yaml`), the one `DAGSTER_HOME` both commands use."""
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy2(PROJECT / "data/.dagster/dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LEADGEN_DUCKDB_PATH": str(root / "leadgen.duckdb"),
        "LEADGEN_INBOX": str(PROJECT / "data/sample"),
        "LEADGEN_ICP_DIR": str(PROJECT / "data/icp"),
        "LEADGEN_SOURCES_MANIFEST": str(PROJECT / "data/sources.yaml"),
    }


@pytest.fixture(scope="module")
def graphql(project_env: dict[str, str]) -> Iterator[httpx.Client]:
    """`dagster dev` (webserver and daemon) for the project on a free 127.0.0.1 port, after the
    README's run command (for the config layer only, to keep the test short) built into the
    same instance."""
    subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "--select", "group:config",
         "-m", "leadgen_pipeline.definitions"],
        cwd=PROJECT, env=project_env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-h", "127.0.0.1", "-p", str(port),
         "-w", str(PROJECT / "workspace.yaml")],
        cwd=PROJECT, env=project_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its webserver, daemon and code servers stop together
    )  # fmt: skip
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/server_info").status_code == 200 and _locations_loaded(client):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise AssertionError("dagster dev did not come up")
            time.sleep(0.5)
        yield client
    finally:
        client.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def query(client: httpx.Client, text: str, **variables: object) -> dict:
    response = client.post("/graphql", json={"query": text, "variables": variables})
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def _locations_loaded(client: httpx.Client) -> bool:
    data = query(
        client,
        "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }",
    )
    entries = data["workspaceOrError"]["locationEntries"]
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


ASSETS = """{ assetNodes {
    assetKey { path }
    automationCondition { label }
    assetChecksOrError { ... on AssetChecks { checks { name } } }
    assetMaterializations(limit: 1) { runId }
} }"""


def test_every_asset_check_and_automation_condition_is_in_the_ui(graphql: httpx.Client) -> None:
    nodes = {"/".join(n["assetKey"]["path"]): n for n in query(graphql, ASSETS)["assetNodes"]}
    assert set(nodes) == EXPECTED_KEYS
    assert all(n["automationCondition"] for n in nodes.values()), [
        key for key, n in nodes.items() if not n["automationCondition"]
    ]
    assert nodes["raw/cognism"]["automationCondition"]["label"].startswith("on_cron(")
    checks = {
        (key, c["name"]) for key, n in nodes.items() for c in n["assetChecksOrError"]["checks"]
    }
    assert ("verify/sendable_contacts", "nothing_unsafe_is_sendable") in checks
    assert {key for key, _ in checks} >= {k for k in EXPECTED_KEYS if not k.startswith("config")}
    # what the README's run command built is shown as materialised, in the same instance
    assert nodes["config/icp_segments"]["assetMaterializations"]
    assert not nodes["core/contacts"]["assetMaterializations"]


REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } sensors { name sensorState { status } }
} } } }"""

LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
} }"""


def test_a_run_launched_from_the_ui_succeeds(graphql: httpx.Client) -> None:
    (repository,) = query(graphql, REPOSITORIES)["repositoriesOrError"]["nodes"]
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    assert sensors == dict.fromkeys(SENSORS, "RUNNING")
    params = {
        "selector": {
            "repositoryLocationName": repository["location"]["name"],
            "repositoryName": repository["name"],
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": ["config", "source_provenance"]}],
            # as the UI sends it: the asset with its checks, which run in its step
            "assetCheckSelection": [
                {"assetKey": {"path": ["config", "source_provenance"]}, "name": "contract"}
            ],
        },
        "mode": "default",
    }
    launched = query(graphql, LAUNCH, params=params)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = "STARTING"
    deadline = time.monotonic() + 180
    while status not in {"SUCCESS", "FAILURE", "CANCELED"} and time.monotonic() < deadline:
        time.sleep(0.5)
        run = query(
            graphql, "query R($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
            id=run_id,
        )  # fmt: skip
        status = run["runOrError"]["status"]
    assert status == "SUCCESS"


def _materialisations(env: dict[str, str], key: list[str]) -> int:
    code = (
        "import dagster as dg\n"
        f"key = dg.AssetKey({key!r})\n"
        "print(len(dg.DagsterInstance.get().fetch_materializations(key, limit=1000).records))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_dg_launch_materialises_into_the_project_instance(project_env: dict[str, str]) -> None:
    # `dg` reads [tool.dg] in pyproject.toml: the same definitions, the same instance
    key = ["config", "source_provenance"]
    before = _materialisations(project_env, key)
    subprocess.run(
        [str(Path(sys.executable).with_name("dg")), "launch", "--assets", "/".join(key)],
        cwd=PROJECT, env=project_env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert _materialisations(project_env, key) == before + 1
