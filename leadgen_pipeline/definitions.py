"""The Dagster definitions: every layer's assets and checks, bound to this environment.

Layers are discovered, not listed: each package under `layers/` with an `assets.py` that
defines `defs` joins the code location, so a new layer lands by adding its folder.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

import dagster as dg

from leadgen_pipeline import layers
from leadgen_pipeline.automation import automated_assets, automation_sensors
from leadgen_pipeline.kernel import settings
from leadgen_pipeline.resources import DuckDBStore, DuckLakeStore, LeadgenInputs, local_resources


def layer_definitions() -> dict[str, dg.Definitions]:
    """Folder name -> the `defs` of its `layers/<schema>/assets.py`, in folder order."""
    return {
        layer: importlib.import_module(f"{layers.__name__}.{layer}.assets").defs
        for layer in sorted(m.name for m in pkgutil.iter_modules(layers.__path__) if m.ispkg)
    }


def executor_for(store: DuckDBStore, kind: str) -> dg.ExecutorDefinition:
    """How a run's steps run. A DuckDB file takes one writing process, so its steps run one
    after another in the run's process; the lake takes writers from several processes, so
    each step may be a process of its own (`multiprocess`; on Kubernetes `k8s_job_executor`
    makes each a pod the same way)."""
    if kind == "in_process":
        return dg.in_process_executor
    if not isinstance(store, DuckLakeStore):
        raise ValueError(
            f"LEADGEN_EXECUTOR={kind} needs LEADGEN_STORE=ducklake: a DuckDB file takes "
            "one writing process, so its steps run in the run's own process"
        )
    return dg.multiprocess_executor.configured(
        {"max_concurrent": settings.max_concurrent_steps()}
    )


def build_defs(
    resources: Mapping[str, dg.ConfigurableResource], executor: str = "in_process"
) -> dg.Definitions:
    """Every layer's definitions bound to `resources` (tests bind a temporary store), with
    the automation that keeps them fresh (its cadences read from the bound inputs), their
    steps run by `executor` (`executor_for`)."""
    inputs, store = resources["inputs"], resources["duckdb"]
    if not isinstance(inputs, LeadgenInputs):
        raise TypeError("resources['inputs'] must be a LeadgenInputs")
    if not isinstance(store, DuckDBStore):
        raise TypeError("resources['duckdb'] must be a DuckDBStore")
    merged = dg.Definitions.merge(*layer_definitions().values())
    return dg.Definitions(
        assets=automated_assets(list(merged.assets or []), inputs),
        asset_checks=merged.asset_checks,
        jobs=merged.jobs,
        sensors=[*(merged.sensors or []), *automation_sensors()],
        resources=dict(resources),
        executor=executor_for(store, executor),
    )


defs = build_defs(local_resources(), settings.executor_kind())
