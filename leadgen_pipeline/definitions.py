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
from leadgen_pipeline.resources import LeadgenInputs, local_resources


def layer_definitions() -> dict[str, dg.Definitions]:
    """Folder name -> the `defs` of its `layers/<schema>/assets.py`, in folder order."""
    return {
        layer: importlib.import_module(f"{layers.__name__}.{layer}.assets").defs
        for layer in sorted(m.name for m in pkgutil.iter_modules(layers.__path__) if m.ispkg)
    }


def build_defs(resources: Mapping[str, dg.ConfigurableResource]) -> dg.Definitions:
    """Every layer's definitions bound to `resources` (tests bind a temporary store), with
    the automation that keeps them fresh (its cadences read from the bound inputs)."""
    inputs = resources["inputs"]
    if not isinstance(inputs, LeadgenInputs):
        raise TypeError("resources['inputs'] must be a LeadgenInputs")
    merged = dg.Definitions.merge(*layer_definitions().values())
    return dg.Definitions(
        assets=automated_assets(list(merged.assets or []), inputs),
        asset_checks=merged.asset_checks,
        sensors=[*(merged.sensors or []), *automation_sensors()],
        resources=dict(resources),
        # DuckDB takes one writer per file: steps run one after another in one process
        executor=dg.in_process_executor,
    )


defs = build_defs(local_resources())
