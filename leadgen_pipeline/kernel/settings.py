"""Where the pipeline reads and writes, from environment variables (no Dagster import).

Relative paths resolve against the working directory, so the README's commands, run from
the project root, use the bundled `data/` folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from leadgen_pipeline.kernel.vocab import DEFAULT_TTL_DAYS

DEFAULT_DUCKDB_PATH = "data/leadgen.duckdb"
DEFAULT_INBOX = "data/sample"
DEFAULT_ICP_DIR = "data/icp"
DEFAULT_SOURCES_MANIFEST = "data/sources.yaml"
# what the demo generator writes beside its inbox: the records per file and its reference date
DEMO_MANIFEST = "_manifest.json"


def duckdb_path() -> str:
    """`LEADGEN_DUCKDB_PATH`: the DuckDB file that holds every table."""
    return os.environ.get("LEADGEN_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH


STORES = ("duckdb", "ducklake")
LAKE_PASSWORD_ENV = "LEADGEN_LAKE_PG_PASSWORD"
# setting -> (environment variable, default: None = required)
LAKE_ENV = {
    "host": ("LEADGEN_LAKE_PG_HOST", None),
    "port": ("LEADGEN_LAKE_PG_PORT", "5432"),
    "database": ("LEADGEN_LAKE_PG_DB", None),
    "user": ("LEADGEN_LAKE_PG_USER", None),
    "data_path": ("LEADGEN_LAKE_DATA_PATH", None),
}


def store_kind() -> str:
    """`LEADGEN_STORE`: `duckdb` (the embedded file, the default) or `ducklake`."""
    kind = (os.environ.get("LEADGEN_STORE") or "duckdb").strip().lower()
    if kind not in STORES:
        raise ValueError(f"LEADGEN_STORE={kind!r}: expected one of {', '.join(STORES)}")
    return kind


def lake_settings() -> dict[str, str]:
    """The DuckLake store's catalog and data path (`LAKE_ENV`); every missing one named at
    once. The password is not here: it is bound from `LEADGEN_LAKE_PG_PASSWORD` as a secret."""
    values = {key: os.environ.get(env) or default for key, (env, default) in LAKE_ENV.items()}
    missing = [LAKE_ENV[key][0] for key, value in values.items() if not value]
    if not os.environ.get(LAKE_PASSWORD_ENV):
        missing.append(LAKE_PASSWORD_ENV)
    if missing:
        raise ValueError(f"LEADGEN_STORE=ducklake needs {', '.join(missing)}")
    if not str(values["port"]).isdigit():
        raise ValueError(f"LEADGEN_LAKE_PG_PORT={values['port']!r} is not a port number")
    return {key: str(value) for key, value in values.items()}


EXECUTORS = ("in_process", "multiprocess")


def executor_kind() -> str:
    """`LEADGEN_EXECUTOR`: `in_process` (every step in the run's process, the default) or
    `multiprocess` (each step a process of its own, as `k8s_job_executor` makes each a pod)."""
    kind = (os.environ.get("LEADGEN_EXECUTOR") or "in_process").strip().lower()
    if kind not in EXECUTORS:
        raise ValueError(f"LEADGEN_EXECUTOR={kind!r}: expected one of {', '.join(EXECUTORS)}")
    return kind


def max_concurrent_steps() -> int:
    """`LEADGEN_MAX_CONCURRENT_STEPS`: steps the multiprocess executor runs at once (default:
    the machine's CPUs)."""
    stated = os.environ.get("LEADGEN_MAX_CONCURRENT_STEPS")
    return int(stated) if stated else max(os.cpu_count() or 1, 1)


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


def as_of() -> str | None:
    """`LEADGEN_AS_OF`: pins "now" (an ISO date or timestamp) for staleness, TTLs and windows."""
    return os.environ.get("LEADGEN_AS_OF") or None


def verify_ttl_days() -> int:
    """`LEADGEN_VERIFY_TTL_DAYS`: how long a verdict is trusted before it is asked again."""
    return int(os.environ.get("LEADGEN_VERIFY_TTL_DAYS") or DEFAULT_TTL_DAYS)


def inbox_as_of(inbox: Path) -> str | None:
    """The reference date a generated inbox carries (`as_of` in its `_manifest.json`), so the
    bundled demo gives the same results on any day; None for an ordinary inbox."""
    manifest = inbox / DEMO_MANIFEST
    if not manifest.is_file():
        return None
    try:
        stated = json.loads(manifest.read_text(encoding="utf-8")).get("as_of")
    except (ValueError, AttributeError) as error:
        raise ValueError(f"{manifest}: not a readable demo manifest ({error})") from None
    return str(stated) if stated else None
