"""Raw-layer ingest benchmark: the four sources' exports -> raw tables + rejects.

Generates (once, cached) an inbox of about 1M source records with the project's demo
generator, then times, in the same invocation and on the same files:

- floor: DuckDB's `read_csv` merely reading every file into a table (all columns as text);
- raw layer: the pipeline's own pull of every source (`pull_source_from_inbox`) and its write
  to the snapshot history (`record_pull`), into a fresh DuckDB file.

Each measurement runs in a fresh subprocess so its peak memory (max RSS) is its own; the
figures are medians over `--repeat` runs. Usage:

    python benchmarks/ingest.py --people 450000 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ("apollo", "cognism", "sales_navigator", "directory")


def inbox_files(inbox: Path) -> list[Path]:
    return sorted(p for s in SOURCES for p in (inbox / s).rglob("*.csv") if p.stat().st_size)


def measure_floor(inbox: Path) -> dict:
    return read_floor(inbox_files(inbox))


def read_floor(files: list[Path]) -> dict:
    """Read every file once into an in-memory DuckDB table, all columns as text: the least
    any ingest must spend (benchmarks/end_to_end.py uses it too)."""
    import duckdb

    con = duckdb.connect()
    rows = 0
    started = time.perf_counter()
    for i, path in enumerate(files):
        with path.open("rb") as handle:
            first_line = handle.readline()
        try:  # the floor only guesses; DuckDB reads latin-1 natively, not cp1252
            header, encoding = first_line.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            header, encoding = first_line.decode("latin-1"), "latin-1"
        width = next(csv.reader([header]))
        columns = {f"c{j:04d}": "VARCHAR" for j in range(len(width))}
        con.execute(
            f"create table f{i} as select * from read_csv(?, columns = ?, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            "ignore_errors = true, encoding = ?)",
            [str(path), columns, encoding],
        )
        rows += con.execute(f"select count(*) from f{i}").fetchall()[0][0]
    return {"seconds": time.perf_counter() - started, "rows": rows}


def measure_raw_layer(inbox: Path) -> dict:
    import duckdb

    from leadgen_pipeline.layers.config.provenance import load_source_manifest
    from leadgen_pipeline.layers.raw import history
    from leadgen_pipeline.layers.raw.ingest import pull_source_from_inbox

    manifest = load_source_manifest(HERE.parent / "data/sources.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        records = rejects = 0
        started = time.perf_counter()
        for source in SOURCES:
            provenance = manifest.provenance_for(source)
            pull = pull_source_from_inbox(
                con, inbox, source, declared_vendors=provenance.vendors,
                consent_basis=provenance.consent_basis,
            )  # fmt: skip
            history.record_pull(con, pull)
            records += pull.records.height
            rejects += pull.rejects.height
        seconds = time.perf_counter() - started
        con.close()
    return {"seconds": seconds, "rows": records + rejects, "records": records, "rejects": rejects}


def child(kind: str, inbox: Path) -> None:
    result = measure_floor(inbox) if kind == "floor" else measure_raw_layer(inbox)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(kind: str, inbox: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--inbox", str(inbox)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--inbox", type=Path)
    parser.add_argument("--child", choices=["floor", "raw"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.inbox)
        return

    inbox = args.inbox or HERE / ".work" / f"inbox-{args.people}-{args.seed}"
    if not (inbox / "_manifest.json").exists():
        from leadgen_pipeline.demo.generator import generate_inbox

        started = time.perf_counter()
        generate_inbox(inbox, people=args.people, seed=args.seed)
        print(f"generated {inbox} in {time.perf_counter() - started:.1f} s", flush=True)
    size_mb = sum(p.stat().st_size for p in inbox_files(inbox)) / 2**20

    floor, raw = [], []
    for _ in range(args.repeat):  # interleaved, so drift affects both alike
        floor.append(run_child("floor", inbox))
        raw.append(run_child("raw", inbox))
    med = {
        name: {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
            "rows": runs[0]["rows"],
        }
        for name, runs in (("floor", floor), ("raw", raw))
    }
    ratio = med["raw"]["seconds"] / med["floor"]["seconds"]
    cores = os.cpu_count()
    print(f"machine: {platform.platform()}, {cores} cores, Python {platform.python_version()}")
    print(f"inbox: {inbox} ({len(inbox_files(inbox))} files, {size_mb:.0f} MiB)")
    print(f"runs: {args.repeat}, medians")
    print("| step | rows | wall s | peak RSS MiB |")
    print("|---|---|---|---|")
    for label, name in (("DuckDB read_csv floor", "floor"), ("raw layer (4 sources)", "raw")):
        m = med[name]
        print(f"| {label} | {m['rows']:,} | {m['seconds']:.2f} | {m['peak_rss_mb']:.0f} |")
    print(f"ratio raw / floor: {ratio:.2f}x (target <= 3x)")
    print("all runs:", json.dumps({"floor": floor, "raw": raw}))


if __name__ == "__main__":
    main()
