"""The Dagster definitions: each layer's assets and checks, bound to this environment."""

from __future__ import annotations

import dagster as dg

from leadgen_pipeline.defs import icp, sources
from leadgen_pipeline.defs.resources import local_resources

defs = dg.Definitions.merge(
    icp.defs,
    sources.defs,
    dg.Definitions(
        resources=local_resources(),
        # DuckDB takes one writer per file: steps run one after another in one process
        executor=dg.in_process_executor,
    ),
)
