"""Test builds: the definitions bound to a store under a test's folder, and how to run them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from leadgen_pipeline.definitions import build_defs
from leadgen_pipeline.resources import (
    ApolloResource,
    DuckDBStore,
    LeadgenInputs,
    VerifierResource,
)

PROJECT = Path(__file__).resolve().parents[1]
# "now" for every test build: business dates never come from the wall clock
TEST_AS_OF = "2026-11-25"


def bound_defs(
    tmp_path: Path,
    inbox: Path,
    manifest: Path | None = None,
    *,
    icp_dir: Path | None = None,
    apollo: ApolloResource | None = None,
    verifier: VerifierResource | None = None,
    as_of: str | None = TEST_AS_OF,
) -> dg.Definitions:
    """The whole graph on a store in `tmp_path`; `as_of=None` takes the inbox's own date."""
    return build_defs(
        {
            "duckdb": DuckDBStore(database=str(tmp_path / STORE)),
            "inputs": LeadgenInputs(
                inbox=str(inbox),
                icp_dir=str(icp_dir or PROJECT / "data/icp"),
                sources_manifest=str(manifest or PROJECT / "data/sources.yaml"),
                as_of=as_of,
            ),
            "apollo": apollo or ApolloResource(),
            "verifier": verifier or VerifierResource(),
        }
    )


def run_all(defs: dg.Definitions, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=raise_on_error
    )


STORE = "leadgen.duckdb"


@dataclass(frozen=True)
class Build:
    """A materialised store and the inbox it was built from, in one folder."""

    folder: Path
    inbox: Path

    @property
    def store(self) -> Path:
        return self.folder / STORE

    def copy_to(self, folder: Path) -> Build:
        """The same store and inbox under `folder`, for a test to change as it likes."""
        inbox = folder / self.inbox.relative_to(self.folder)
        shutil.copytree(self.inbox, inbox)
        shutil.copy2(self.store, folder / STORE)
        return Build(folder, inbox)


def build_demo(folder: Path) -> tuple[Build, dg.ExecuteInProcessResult]:
    """The bundled demo inbox, copied under `folder` and materialised whole into a fresh store
    with the demo's own reference date as "now" (the README's command, in process)."""
    inbox = folder / "sample"
    shutil.copytree(PROJECT / "data/sample", inbox)
    result = run_all(bound_defs(folder, inbox, as_of=None))
    return Build(folder, inbox), result
