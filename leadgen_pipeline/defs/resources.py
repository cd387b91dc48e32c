"""Resources: the store and the pipeline's inputs, bound from environment variables."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from leadgen_pipeline import settings
from leadgen_pipeline.core.icp import IcpSegment, load_icp_segments
from leadgen_pipeline.core.provenance import SourceManifest, load_source_manifest


class LeadgenInputs(dg.ConfigurableResource):
    """The files the pipeline reads: the inbox of exports, ICP segments, source manifest."""

    inbox: str = settings.DEFAULT_INBOX
    icp_dir: str = settings.DEFAULT_ICP_DIR
    sources_manifest: str = settings.DEFAULT_SOURCES_MANIFEST

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    def segments(self) -> list[IcpSegment]:
        return load_icp_segments(Path(self.icp_dir))

    def manifest(self) -> SourceManifest:
        return load_source_manifest(Path(self.sources_manifest))


def local_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources for a local run: the embedded DuckDB file and the local inbox."""
    database = settings.ensure_parent(settings.duckdb_path())
    return {
        "duckdb": DuckDBResource(database=str(database)),
        "inputs": LeadgenInputs(
            inbox=settings.inbox_path(),
            icp_dir=settings.icp_dir(),
            sources_manifest=settings.sources_manifest_path(),
        ),
    }
