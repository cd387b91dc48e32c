"""The whole graph on each store and executor, at one size, interleaved run by run.

Three set-ups of the README's command on the end-to-end benchmark's inbox (generated once,
cached under `benchmarks/.work/`), each on a fresh store and a fresh Dagster instance, with
the offline providers:

- `file`: the DuckDB file, every step in the run's process (the default);
- `lake`: the DuckLake store (`LEADGEN_STORE=ducklake`), its catalog a fresh database on a
  real PostgreSQL server started here (the tests' throwaway server: initdb on 127.0.0.1,
  fsync off), its Parquet files on the local disk; every step in the run's process;
- `lake-multiprocess`: the same lake, each step a process of its own, two at a time
  (`LEADGEN_EXECUTOR=multiprocess`, `LEADGEN_MAX_CONCURRENT_STEPS=2`).

Reported per set-up (medians over `--repeat` runs): wall time of the command, the run's own
time, the peak RSS of the command's process tree (the PostgreSQL server is another tree and
is not counted), the store's size on disk, and the slowest steps.

    python benchmarks/stores.py --records 100000 --repeat 2
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' PostgreSQL helper

from end_to_end import (  # noqa: E402  (benchmarks/ is on the path when this runs as a script)
    WORK,
    inbox_for,
    materialise,
    median_steps,
    new_instance,
)

from leadgen_pipeline_tests.postgres_server import (  # noqa: E402
    PostgresServer,
    postgres_bin,
    running_postgres,
)

SETUPS = ("file", "lake", "lake-multiprocess")


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def store_env(setup: str, folder: Path, server: PostgresServer, database: str) -> dict[str, str]:
    if setup == "file":
        return {}
    env = {
        "LEADGEN_STORE": "ducklake",
        "LEADGEN_LAKE_PG_HOST": server.host,
        "LEADGEN_LAKE_PG_PORT": str(server.port),
        "LEADGEN_LAKE_PG_DB": database,
        "LEADGEN_LAKE_PG_USER": server.user,
        "LEADGEN_LAKE_PG_PASSWORD": server.password,
        "LEADGEN_LAKE_DATA_PATH": str(folder / "lake"),
    }
    if setup == "lake-multiprocess":
        env |= {"LEADGEN_EXECUTOR": "multiprocess", "LEADGEN_MAX_CONCURRENT_STEPS": "2"}
    return env


def one_run(setup: str, inbox: Path, server: PostgresServer, database: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=WORK, prefix="stores-run-") as tmp:
        folder = Path(tmp)
        home, store = folder / "dagster_home", folder / "leadgen.duckdb"
        new_instance(home)
        if setup != "file":
            server.create_database(database)
        measured = materialise(home, store, inbox, store_env(setup, folder, server, database))
        measured["store_mb"] = _size_mb(store if setup == "file" else folder / "lake")
    return measured


def report(runs: dict[str, list[dict[str, Any]]], records: int) -> None:
    def median(setup: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[setup])

    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"source records requested: {records:,}; runs per set-up: {len(runs['file'])}")
    print("| set-up | wall s | run s | wall / file | peak RSS MiB | store MiB | status |")
    print("|---|---|---|---|---|---|---|")
    base = median("file", "wall_seconds")
    for setup, measured in runs.items():
        wall, statuses = median(setup, "wall_seconds"), sorted({r["status"] for r in measured})
        print(
            f"| {setup} | {wall:.1f} | {median(setup, 'run_seconds'):.1f} | {wall / base:.2f} "
            f"| {median(setup, 'peak_rss_mb'):,.0f} | {median(setup, 'store_mb'):,.0f} "
            f"| {', '.join(statuses)} |"
        )
    for setup, measured in runs.items():
        slowest = sorted(median_steps(measured).items(), key=lambda kv: -kv[1])[:6]
        print(f"\n{setup}, slowest steps: " + "; ".join(f"{k} {v:.2f} s" for k, v in slowest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    inbox = inbox_for(args.records)
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL binaries: pip install -e '.[test]' (pgserver)")
    runs: dict[str, list[dict[str, Any]]] = {setup: [] for setup in SETUPS}
    with running_postgres(bin_dir) as server:
        for attempt in range(args.repeat):
            for setup in SETUPS:  # interleaved, so drift in the machine's speed is shared
                database = f"lake_{attempt}_{setup.replace('-', '_')}"
                measured = one_run(setup, inbox, server, database)
                runs[setup].append(measured)
                print(
                    f"{setup} run {attempt + 1}: {measured['wall_seconds']:.1f} s, "
                    f"{measured['peak_rss_mb']:,.0f} MiB, {measured['status']}",
                    flush=True,
                )
    report(runs, args.records)


if __name__ == "__main__":
    main()
