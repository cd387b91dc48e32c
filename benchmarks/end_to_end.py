"""End-to-end benchmark: the whole graph materialised from a generated inbox, at several sizes.

For each `--records` size it generates (once, cached under `benchmarks/.work/`) an inbox with
the project's demo generator (people = records / 1.893, the generator's measured yield: every
source, signals, intent, verification exports, CRM deals and suppression lists), then, in the
same invocation and interleaved run by run:

- floor: DuckDB's `read_csv` reading every file of the inbox once into an in-memory table
  (all columns as text), in a process of its own;
- pipeline: the README's command, `dagster asset materialize --select '*' --partition-range
  '0...7' -m leadgen_pipeline.definitions` (every verification batch in one run), in a
  process of its own, on a fresh DuckDB file and a fresh Dagster instance (SQLite, in a
  temporary DAGSTER_HOME), with the offline providers (no API key reaches the child: no
  network, nothing paid).

Reported per run: the process's wall time (CLI start-up included), the run's own time
(RUN_START -> RUN_SUCCESS in the event log), every step's time (STEP_START -> STEP_SUCCESS,
read back from the instance's event log), and the peak RSS of the whole process tree
(sampled from /proc every 50 ms, and never below the kernel's max RSS of the child), with
the highest sample taken while each step ran, so the step that sets the peak is named.
Figures are medians over `--repeat` runs (`--largest-repeat` for the largest size); growth
exponents are log-log slopes between the smallest and the largest size.

`--erasure-requests K` runs on a copy of each inbox whose erasure-request file keeps only its
first K requests (every other file hard-linked, unchanged). The generator writes about one
request per 235 people; a fixed backlog keeps the sweep's share equal across sizes, so the
rest of the graph's growth can be read alone (RESULTS.md has both).
Usage:

    python benchmarks/end_to_end.py --records 100000 300000 1000000 --repeat 3
    python benchmarks/end_to_end.py --erasure-requests 40 --largest-repeat 1
    python benchmarks/end_to_end.py --records 20000 --repeat 1      # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from leadgen_pipeline.layers.verify.batches import EVERY_BATCH_RANGE

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
WORK = HERE / ".work"
SEED = 7
RECORDS_PER_PERSON = 1.893  # measured: 52,826 people -> 100,292 records; 530,000 -> 1,003,435
SOURCES = ("apollo", "cognism", "sales_navigator", "directory")
PAGE = os.sysconf("SC_PAGE_SIZE")

TARGET_FLOOR_RATIO = 8.0
TARGET_PEAK_RSS_MB = 4000.0  # 4 GB
TARGET_EXPONENT = 1.05
EXPONENT_FROM_S = 1.0  # assets above 1 s at the largest size get an exponent

# nothing that would switch a provider to its live API reaches the pipeline's process
OFFLINE_DROPPED = ("_API_KEY", "LLM_", "LEADGEN_", "_BASE_URL", "_BILLING_OVERRIDES")


# ---------------------------------------------------------------------------------------------
# Inputs


def inbox_for(records: int) -> Path:
    """The cached inbox of about `records` source records, generated in a child process."""
    people = round(records / RECORDS_PER_PERSON)
    inbox = WORK / f"inbox-{people}-{SEED}"
    if not (inbox / "_manifest.json").exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "leadgen_pipeline.demo.generator", "--out", str(inbox),
             "--people", str(people), "--seed", str(SEED)],
            check=True, cwd=PROJECT,
        )  # fmt: skip
        print(f"generated {inbox} in {time.perf_counter() - started:.1f} s", flush=True)
    return inbox


def with_erasure_requests(inbox: Path, keep: int) -> Path:
    """A copy of `inbox` (hard links) whose erasure-request files keep their first `keep`
    requests; the generator writes one request per line, so lines are requests."""
    variant = inbox.with_name(f"{inbox.name}-erasure{keep}")
    if (variant / "_manifest.json").exists():
        return variant
    shutil.rmtree(variant, ignore_errors=True)
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        target = variant / path.relative_to(inbox)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.parent.name == "suppression" and path.name.startswith("erasure_requests"):
            lines = path.read_bytes().splitlines(keepends=True)
            target.write_bytes(b"".join(lines[: keep + 1]))
            shutil.copystat(path, target)  # the pull date may come from the file's time
        elif path.name != "_manifest.json":
            os.link(path, target)
    shutil.copy2(inbox / "_manifest.json", variant / "_manifest.json")  # last: marks done
    return variant


def inbox_files(inbox: Path) -> list[Path]:
    """Every file the pipeline reads: everything in a folder (the inbox root holds only the
    generator's ground truth and manifest), empty files left out."""
    return sorted(
        p for p in inbox.rglob("*") if p.is_file() and p.parent != inbox and p.stat().st_size
    )


def source_records(inbox: Path) -> int:
    """Data rows the generator wrote under the four contact sources."""
    written = json.loads((inbox / "_manifest.json").read_text())["records"]
    return sum(n for path, n in written.items() if path.split("/")[0] in SOURCES)


# ---------------------------------------------------------------------------------------------
# Children


def measure_floor(inbox: Path) -> dict[str, Any]:
    """Read every inbox file once into an in-memory DuckDB table, all columns as text, as the
    ingest benchmark's floor does."""
    from ingest import read_floor  # benchmarks/ is on the path when this runs as a script

    return read_floor(inbox_files(inbox))


def offline_env(home: Path, store: Path, inbox: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(d in k for d in OFFLINE_DROPPED)}
    if "LEADGEN_CHROMIUM" in os.environ:  # the report's renderer, not a provider
        env["LEADGEN_CHROMIUM"] = os.environ["LEADGEN_CHROMIUM"]
    return env | {
        "DAGSTER_HOME": str(home),
        "LEADGEN_DUCKDB_PATH": str(store),
        "LEADGEN_INBOX": str(inbox),
        "LEADGEN_ICP_DIR": str(PROJECT / "data/icp"),
        "LEADGEN_SOURCES_MANIFEST": str(PROJECT / "data/sources.yaml"),
        "PYTHONPATH": os.pathsep.join([str(PROJECT), env.get("PYTHONPATH", "")]).rstrip(":"),
    }


def step_times(home: Path) -> dict[str, Any]:
    """The latest run in the instance at `home`: its time, and each step's time and assets."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_runs(limit=1)[0]  # newest first
        entries = instance.all_logs(run.run_id)
    started: dict[str, float] = {}
    steps: dict[str, dict[str, Any]] = {}
    run_start = run_end = None
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type.name  # the enum's name: RUN_START's stored value differs
        if kind == "RUN_START":
            run_start = entry.timestamp
        elif kind in ("RUN_SUCCESS", "RUN_FAILURE"):
            run_end = entry.timestamp
        elif kind == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            step = steps.setdefault(entry.step_key, {"assets": [], "checks": 0})
            step["seconds"] = entry.timestamp - started[entry.step_key]
            step["window"] = (started[entry.step_key], entry.timestamp)
            step["ok"] = kind == "STEP_SUCCESS"
        elif kind == "ASSET_MATERIALIZATION":
            step = steps.setdefault(entry.step_key, {"assets": [], "checks": 0})
            step["assets"].append(event.asset_key.to_user_string())
        elif kind == "ASSET_CHECK_EVALUATION":
            steps.setdefault(entry.step_key, {"assets": [], "checks": 0})["checks"] += 1
    return {
        "status": run.status.value,
        "run_seconds": (run_end or 0.0) - (run_start or 0.0),
        "steps": steps,
    }


class TreeRss:
    """Peak resident memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        self.pid, self.every_s, self.peak_bytes = pid, every_s, 0
        # (unix time, tree RSS in bytes) at every sample, to find the step that holds the peak
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_bytes / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(self.every_s):
            total = sum(_rss(pid) for pid in _tree(self.pid))
            self.peak_bytes = max(self.peak_bytes, total)
            self.samples.append((time.time(), total))


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:  # the process ended between two reads
            continue
    return pids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def run_measured(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time and peak tree RSS of one child process; its stdout's last line as JSON."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out, stderr=err, text=True)
        tree = TreeRss(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        peak = max(tree.stop(), usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        raise RuntimeError(f"{command[:4]} exited {proc.returncode}:\n{stderr[-4000:]}")
    return {"wall_seconds": wall, "peak_rss_mb": peak, "stdout": stdout, "rss": tree.samples}


def floor_run(inbox: Path) -> dict[str, Any]:
    measured = run_measured([sys.executable, __file__, "--floor-child", str(inbox)])
    measured.pop("rss")
    result = json.loads(measured.pop("stdout").strip().splitlines()[-1])
    return result | measured


def new_instance(home: Path) -> None:
    """A Dagster home with the project's own instance settings (telemetry off, freshness on)
    and local storage."""
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT / "data/.dagster/dagster.yaml").read_text())


def materialise(
    home: Path, store: Path, inbox: Path, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The README's command on `store` and the instance at `home` (with `extra_env`, such as
    another store's settings), measured, with the run's step times."""
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize", "--select", "*",
        "--partition-range", EVERY_BATCH_RANGE, "-m", "leadgen_pipeline.definitions",
    ]  # fmt: skip
    measured = run_measured(command, offline_env(home, store, inbox) | (extra_env or {}))
    measured.pop("stdout")
    times = step_times(home)
    with_step_peaks(times["steps"], measured.pop("rss"))
    return measured | times


def with_step_peaks(steps: dict[str, dict[str, Any]], rss: list[tuple[float, int]]) -> None:
    """Adds `peak_rss_mb` to each step: the highest tree RSS sampled while it ran. The
    in-process executor runs every step in one process, so this is the process's size then
    (what earlier steps left allocated included), not the step's own allocations."""
    for step in steps.values():
        start, end = step.get("window", (0.0, -1.0))
        during = [total for at, total in rss if start <= at <= end]
        step["peak_rss_mb"] = max(during, default=0) / 2**20


def pipeline_run(inbox: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=WORK, prefix="e2e-run-") as tmp:
        home, store = Path(tmp) / "dagster_home", Path(tmp) / "leadgen.duckdb"
        new_instance(home)
        measured = materialise(home, store, inbox)
        measured["store_mb"] = store.stat().st_size / 2**20
    return measured


# ---------------------------------------------------------------------------------------------
# Report


def step_label(key: str, step: dict[str, Any]) -> str:
    if step["assets"]:  # a step over a range of batches records each asset once per batch
        return " + ".join(sorted(set(step["assets"])))
    return f"{key} (checks)"


def median_steps(runs: list[dict[str, Any]], measure: str = "seconds") -> dict[str, float]:
    by_label: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for key, step in run["steps"].items():
            by_label[step_label(key, step)].append(step.get(measure, 0.0))
    return {label: statistics.median(values) for label, values in by_label.items()}


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float | None:
    (n0, t0), (n1, t1) = small, large
    if t0 <= 0 or t1 <= 0 or n1 == n0:
        return None
    return math.log(t1 / t0) / math.log(n1 / n0)


def summarise(sizes: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Medians per size: floor, total, run, Dagster overhead, peak RSS, steps."""
    summary: dict[str, Any] = {}
    for records, runs in sizes.items():
        floor, pipe = runs["floor"], runs["pipeline"]
        checks = [
            sum(s.get("seconds", 0.0) for s in r["steps"].values() if not s["assets"])
            for r in pipe
        ]  # fmt: skip
        steps = [sum(s.get("seconds", 0.0) for s in r["steps"].values()) for r in pipe]
        summary[records] = {
            "records": runs["records"],
            "runs": len(pipe),
            "files": runs["files"],
            "inbox_mb": runs["inbox_mb"],
            "floor_s": statistics.median(r["seconds"] for r in floor),
            "floor_rss_mb": statistics.median(r["peak_rss_mb"] for r in floor),
            "total_s": statistics.median(r["wall_seconds"] for r in pipe),
            "run_s": statistics.median(r["run_seconds"] for r in pipe),
            "steps_s": statistics.median(steps),
            "check_steps_s": statistics.median(checks),
            "check_steps": len([s for s in pipe[0]["steps"].values() if not s["assets"]]),
            "n_steps": len(pipe[0]["steps"]),
            "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in pipe),
            "max_peak_rss_mb": max(r["peak_rss_mb"] for r in pipe),
            "store_mb": statistics.median(r["store_mb"] for r in pipe),
            "status": sorted({r["status"] for r in pipe}),
            "steps": median_steps(pipe),
            "step_peaks": median_steps(pipe, "peak_rss_mb"),
        }
    return summary


def print_report(summary: dict[int, dict[str, Any]]) -> None:
    sizes = sorted(summary)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    runs = ", ".join(f"{summary[n]['records']:,}: {summary[n]['runs']}" for n in sizes)
    print(f"runs per size (medians): {runs}; floor and pipeline interleaved")
    print()
    print(
        "| source records | files | inbox MiB | floor s | total s | total / floor | run s "
        "| steps s | CLI + bookkeeping s | peak RSS MiB | store MiB | status |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        s = summary[n]
        print(
            f"| {s['records']:,} | {s['files']} | {s['inbox_mb']:.0f} | {s['floor_s']:.2f} "
            f"| {s['total_s']:.1f} | {s['total_s'] / s['floor_s']:.1f}x | {s['run_s']:.1f} "
            f"| {s['steps_s']:.1f} | {s['total_s'] - s['steps_s']:.1f} "
            f"| {s['peak_rss_mb']:.0f} | {s['store_mb']:.0f} | {','.join(s['status'])} |"
        )
    first, last = summary[sizes[0]], summary[sizes[-1]]
    total_exp = exponent((first["records"], first["total_s"]), (last["records"], last["total_s"]))
    print()
    header = " | ".join(f"{summary[n]['records']:,} s" for n in sizes)
    print(f"| step | {header} | exponent | peak RSS MiB during it, {last['records']:,} |")
    print("|---|" + "---|" * len(sizes) + "---|---|")
    labels = sorted(last["steps"], key=lambda k: -last["steps"][k])
    for label in labels:
        times = [summary[n]["steps"].get(label) for n in sizes]
        exp = None
        if last["steps"][label] > EXPONENT_FROM_S and times[0]:
            exp = exponent((first["records"], times[0]), (last["records"], times[-1]))
        cells = " | ".join("—" if t is None else f"{t:.2f}" for t in times)
        peak = last["step_peaks"].get(label, 0.0)
        print(f"| {label} | {cells} | {'' if exp is None else f'{exp:.2f}'} | {peak:.0f} |")
    if total_exp is not None:
        print(f"\ngrowth exponent of the total, {first['records']:,} -> {last['records']:,}: "
              f"{total_exp:.2f}")  # fmt: skip
    print(f"check-only steps at {last['records']:,}: {last['check_steps']} of "
          f"{last['n_steps']} steps, {last['check_steps_s']:.1f} s together")  # fmt: skip
    ratio = last["total_s"] / last["floor_s"]
    print(f"targets at {last['records']:,}: total <= {TARGET_FLOOR_RATIO:.0f}x floor: "
          f"{ratio:.1f}x {'met' if ratio <= TARGET_FLOOR_RATIO else 'NOT met'}; "
          f"peak RSS <= 4 GB: {last['max_peak_rss_mb']:.0f} MiB "
          f"{'met' if last['max_peak_rss_mb'] * 2**20 <= 4e9 else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--largest-repeat", type=int, help="runs at the largest size")
    parser.add_argument("--erasure-requests", type=int, help="keep only the first K requests")
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_child:
        print(json.dumps(measure_floor(args.floor_child)))
        return

    WORK.mkdir(exist_ok=True)
    inboxes = {n: inbox_for(n) for n in args.records}
    if args.erasure_requests is not None:
        inboxes = {n: with_erasure_requests(i, args.erasure_requests) for n, i in inboxes.items()}
    sizes: dict[int, dict[str, Any]] = {}
    for n, inbox in inboxes.items():
        repeat = args.repeat
        if n == max(inboxes) and args.largest_repeat:
            repeat = args.largest_repeat
        files = inbox_files(inbox)
        sizes[n] = {
            "records": source_records(inbox),
            "files": len(files),
            "inbox_mb": sum(p.stat().st_size for p in files) / 2**20,
            "inbox": str(inbox),
            "floor": [],
            "pipeline": [],
        }
        for i in range(repeat):  # interleaved, so drift affects both alike
            sizes[n]["floor"].append(floor_run(inbox))
            sizes[n]["pipeline"].append(pipeline_run(inbox))
            p = sizes[n]["pipeline"][-1]
            print(f"{n:,} run {i + 1}: floor {sizes[n]['floor'][-1]['seconds']:.2f} s, "
                  f"pipeline {p['wall_seconds']:.1f} s, {p['peak_rss_mb']:.0f} MiB",
                  flush=True)  # fmt: skip
    summary = summarise(sizes)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (WORK / f"end_to_end-{stamp}.json").write_text(json.dumps(sizes, indent=1, default=str))
    kept = "all" if args.erasure_requests is None else f"the first {args.erasure_requests}"
    print(f"erasure requests kept: {kept}")
    print_report(summary)


if __name__ == "__main__":
    main()
