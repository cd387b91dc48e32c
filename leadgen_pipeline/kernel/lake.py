"""The production store: a DuckLake whose catalog is a PostgreSQL database and whose data are
Parquet files under one folder (a shared volume, or object storage with DuckDB's `httpfs`).

Every table keeps its name (`core.contacts` is the lake's `core` schema), so the SQL of every
layer runs unchanged once the lake is the connection's default catalog. DuckDB never fetches
an extension here: the two it needs come from their PyPI wheels (the `ducklake` extra), each
loaded from the file the wheel installed, so a deployment without access to
`extensions.duckdb.org` works and the extension's release is the one pinned beside DuckDB's.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

# the connection settings that keep DuckDB from downloading anything on its own
OFFLINE_CONFIG = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
# extension -> the PyPI package whose wheel carries it
EXTENSION_PACKAGES = {
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "ducklake": "duckdb_extension_ducklake",
}

ATTACH_ATTEMPTS = 5


class LakeUnavailable(RuntimeError):
    """The lake cannot be opened: an extension is missing or the catalog refused us."""


def extension_file(name: str) -> Path:
    """The extension's file for the running DuckDB, from its installed wheel."""
    package = EXTENSION_PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise LakeUnavailable(
            f"the DuckDB extension {name!r} is not installed: pip install -e '.[ducklake]'"
        )
    wanted = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}"
    found = wanted / f"{name}.duckdb_extension"
    if not found.is_file():
        shipped = sorted(p.name for p in (Path(spec.origin).parent / "extensions").glob("v*"))
        raise LakeUnavailable(
            f"{package} ships {name} for DuckDB {', '.join(shipped) or 'no release'}, "
            f"not for the installed {duckdb.__version__}: install the wheel of the same release"
        )
    return found


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class LakeCatalog:
    """Where the lake's catalog lives (a PostgreSQL database) and where its files go."""

    host: str
    port: int
    database: str
    user: str
    password: str
    data_path: str

    def __repr__(self) -> str:  # never the password
        return (
            f"LakeCatalog(host={self.host!r}, port={self.port}, database={self.database!r}, "
            f"user={self.user!r}, data_path={self.data_path!r})"
        )


def attach_lake(con: duckdb.DuckDBPyConnection, catalog: LakeCatalog, alias: str) -> None:
    """Attach the lake to `con` as `alias` and make it the default catalog.

    The password goes into a temporary (in-memory) PostgreSQL secret, never into the attach
    string, so DuckDB's error messages cannot repeat it."""
    for name in EXTENSION_PACKAGES:
        con.execute(f"load {_literal(str(extension_file(name)))}")
    con.execute(
        f"create or replace temporary secret {alias}_catalog (type postgres, "
        f"host {_literal(catalog.host)}, port {int(catalog.port)}, "
        f"database {_literal(catalog.database)}, user {_literal(catalog.user)}, "
        f"password {_literal(catalog.password)})"
    )
    data_path = catalog.data_path if catalog.data_path.endswith("/") else catalog.data_path + "/"
    for attempt in range(1, ATTACH_ATTEMPTS + 1):
        try:
            con.execute(
                f"attach if not exists 'ducklake:postgres:' as {alias} "
                f"(data_path {_literal(data_path)}, meta_secret {alias}_catalog)"
            )
            break
        except duckdb.Error as error:
            # the first attach of an empty catalog creates the lake's own tables: a process
            # attaching at the same moment finds them half made, and attaches again
            if "already exists" in str(error) and attempt < ATTACH_ATTEMPTS:
                time.sleep(0.2 * attempt)
                continue
            raise LakeUnavailable(
                f"DuckLake catalog {catalog.database!r} on {catalog.host}:{catalog.port} "
                f"could not be attached: {error}"
            ) from error
    use_lake(con, alias)


def use_lake(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Make the lake `con`'s default catalog (each cursor has a default of its own)."""
    con.execute(f'use "{alias}"')


def in_ducklake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is a DuckLake."""
    ((kind,),) = con.execute(
        "select type from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    return kind == "ducklake"


def forget_deleted_rows(con: duckdb.DuckDBPyConnection) -> int:
    """In a DuckLake, make deleted rows unreadable: rewrite every data file that holds a
    deleted row without it, expire every snapshot but the latest, and delete the files only
    those used; the number of files deleted. Nothing elsewhere.

    A lake deletes a row by writing a delete file beside the data file that holds it, and
    keeps each snapshot readable (time travel): the rows the erasure sweep deletes would
    stay in Parquet files and be read back with `AT (VERSION => ...)`. Erasure must forget
    them. The lake keeps no history of its own after this; the pipeline's history is in its
    tables (`raw_history`, the ledgers, the logs)."""
    if not in_ducklake(con):
        return 0
    ((catalog,),) = con.execute("select current_database()").fetchall()
    con.execute("call ducklake_rewrite_data_files(?, delete_threshold => 0)", [catalog])
    ((latest,),) = con.execute(
        "select max(snapshot_time) from ducklake_snapshots(?)", [catalog]
    ).fetchall()
    con.execute("call ducklake_expire_snapshots(?, older_than => ?)", [catalog, latest])
    deleted = con.execute(
        "call ducklake_cleanup_old_files(?, cleanup_all => true)", [catalog]
    ).fetchall()
    return len(deleted)
