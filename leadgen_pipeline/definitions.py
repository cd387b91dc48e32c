"""The Dagster definitions: each layer's assets and checks, bound to this environment."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from leadgen_pipeline.defs import compliance, contacts, icp, sources, verification
from leadgen_pipeline.defs.resources import local_resources


def build_defs(resources: Mapping[str, dg.ConfigurableResource]) -> dg.Definitions:
    """Every layer's definitions bound to `resources` (tests bind a temporary store)."""
    return dg.Definitions.merge(
        icp.defs,
        sources.defs,
        compliance.defs,
        contacts.defs,
        verification.defs,
        dg.Definitions(
            resources=dict(resources),
            # DuckDB takes one writer per file: steps run one after another in one process
            executor=dg.in_process_executor,
        ),
    )


defs = build_defs(local_resources())
