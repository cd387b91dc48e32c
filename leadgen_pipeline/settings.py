"""Where the pipeline reads and writes, from environment variables (no Dagster import).

Relative paths resolve against the working directory, so the README's commands, run from
the project root, use the bundled `data/` folder.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DUCKDB_PATH = "data/leadgen.duckdb"
DEFAULT_INBOX = "data/sample"
DEFAULT_ICP_DIR = "data/icp"
DEFAULT_SOURCES_MANIFEST = "data/sources.yaml"


def duckdb_path() -> str:
    """`LEADGEN_DUCKDB_PATH`: the DuckDB file that holds every table."""
    return os.environ.get("LEADGEN_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH


def inbox_path() -> str:
    """`LEADGEN_INBOX`: the folder of vendor exports, one sub-folder per source."""
    return os.environ.get("LEADGEN_INBOX") or DEFAULT_INBOX


def icp_dir() -> str:
    """`LEADGEN_ICP_DIR`: the folder of ICP segment files, one YAML file per segment."""
    return os.environ.get("LEADGEN_ICP_DIR") or DEFAULT_ICP_DIR


def sources_manifest_path() -> str:
    """`LEADGEN_SOURCES_MANIFEST`: the provenance manifest of every source."""
    return os.environ.get("LEADGEN_SOURCES_MANIFEST") or DEFAULT_SOURCES_MANIFEST


def ensure_parent(path: str) -> Path:
    """The path, with its folder created, so a fresh checkout can open the store."""
    resolved = Path(path)
    resolved.parent.mkdir(parents=True, exist_ok=True)
    return resolved
