"""Incremental-refresh benchmark: what a rebuild costs after 1% more source records arrive.

For each `--records` size it takes the end-to-end benchmark's cached inbox (generated once
under `benchmarks/.work/`), copies it, and in one fresh DuckDB file and Dagster instance:

1. full: the README's command, `dagster asset materialize --select '*'`, offline providers;
2. the new records: `--fraction` (default 1%) of the inbox's source records as one more
   Apollo export, `apollo-contacts-export-<as_of>-incremental.csv`, cut from the Apollo export
   of a second inbox the generator writes with another seed (other people, the same vendor
   format), dated like the newest Apollo export;
3. incremental: the same command again, on the same store and instance;
4. with `--refreshes N`, steps 2 and 3 again, N times in all, each time with records of other
   people: a scheduled refresh's steady state, where every table of the graph has been built
   (and swept for erased people) before.

With `--paid-verifier`, both runs verify through the project's loopback NeverBounce fake
(single checks and bulk jobs, the test suite's `FakeNeverBounceBulk` on 127.0.0.1, nothing
leaves the machine) instead of the offline providers, and the report adds what each run paid
the provider: the incremental run should pay only for the new addresses.

Reported: both runs' wall time (CLI start-up included) and steps, their ratio, and the rows
each paid ledger gained in each run (`verify.verdicts`, `verify.call_intents`,
`enrich.research_ledger`, `enrich.research_answers`), so a rerun that pays again for
addresses or accounts it already knew shows. Usage:

    python benchmarks/incremental.py --records 100000
    python benchmarks/incremental.py --records 100000 1000000 --fraction 0.01
    python benchmarks/incremental.py --records 100000 --paid-verifier
    python benchmarks/incremental.py --records 1000000 --refreshes 2
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from end_to_end import (
    PROJECT,
    SEED,
    WORK,
    inbox_for,
    materialise,
    new_instance,
    source_records,
    step_label,
)

LEDGERS = (
    "verify.ledger",
    "verify.verdicts",
    "verify.call_intents",
    "enrich.research_ledger",
    "enrich.research_answers",
)
OTHER_SEED = SEED + 1000


def ledger_rows(store: Path) -> dict[str, int]:
    """Rows in each paid ledger of the store (0 where a table is not there)."""
    import duckdb

    with duckdb.connect(str(store), read_only=True) as con:
        present = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        return {
            t: (con.execute(f"select count(*) from {t}").fetchone()[0] if t in present else 0)
            for t in LEDGERS
        }


def add_apollo_export(inbox: Path, rows: int, scratch: Path, refresh: int = 1, of: int = 1) -> Path:
    """Write `rows` Apollo records of other people into `inbox` as one more export: refresh
    `refresh` of `of` takes its own slice of the other inbox, so no two refreshes share one."""
    people = rows * 5 * of + 200  # the newest Apollo export holds about a fifth of the people
    other = scratch / "other-inbox"
    if not other.exists():
        subprocess.run(
            [sys.executable, "-m", "leadgen_pipeline.demo.generator", "--out", str(other),
             "--people", str(people), "--seed", str(OTHER_SEED)],
            check=True, cwd=PROJECT, capture_output=True,
        )  # fmt: skip
    source = max((other / "apollo").glob("apollo-contacts-export-*.csv"))
    newest = max((inbox / "apollo").glob("apollo-contacts-export-*.csv"))
    as_of = json.loads((inbox / "_manifest.json").read_text())["as_of"]
    suffix = "incremental" if refresh == 1 else f"incremental-{refresh}"
    target = inbox / "apollo" / f"apollo-contacts-export-{as_of}-{suffix}.csv"
    with source.open(newline="", encoding="utf-8") as src:
        reader = csv.reader(src)
        header = next(reader)
        body = list(itertools.islice(reader, (refresh - 1) * rows, refresh * rows))
    if len(body) < rows:
        raise SystemExit(f"{source} holds too few records for {of} refreshes of {rows}")
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(body)
    shutil.copystat(newest, target)  # the pull date may come from the file's time
    return target


VERIFIER_KEY = "nb-benchmark-key"


def paid_verifier() -> contextlib.AbstractContextManager[Any]:
    """The loopback NeverBounce fake (single and bulk API), with credits to spare."""
    from leadgen_pipeline_tests.fakes.bulk_servers import FakeNeverBounceBulk

    return FakeNeverBounceBulk(api_key=VERIFIER_KEY, balance=10_000_000)


def verifier_env(base_url: str) -> dict[str, str]:
    return {
        "LEADGEN_VERIFIER": "neverbounce",
        "NEVERBOUNCE_API_KEY": VERIFIER_KEY,
        "NEVERBOUNCE_BASE_URL": base_url,
        "NEVERBOUNCE_BULK_BASE_URL": base_url,
    }


def measure(
    records: int, fraction: float, paid: bool = False, refreshes: int = 1
) -> dict[str, Any]:
    cached = inbox_for(records)
    with (
        tempfile.TemporaryDirectory(dir=WORK, prefix="incremental-") as tmp,
        paid_verifier() if paid else contextlib.nullcontext() as server,
    ):
        env = verifier_env(server.base_url) if server is not None else None
        folder = Path(tmp)
        inbox = folder / "inbox"
        shutil.copytree(cached, inbox)
        home, store = folder / "dagster_home", folder / "leadgen.duckdb"
        new_instance(home)
        full = materialise(home, store, inbox, env)
        after_full = ledger_rows(store)
        paid_full = server.total_paid if server is not None else 0
        added = round(source_records(cached) * fraction)
        add_apollo_export(inbox, added, folder, 1, refreshes)
        again = materialise(home, store, inbox, env)
        after_again = ledger_rows(store)
        paid_again = (server.total_paid if server is not None else 0) - paid_full
        later = []  # paid and ledger figures are the first refresh's alone
        for refresh in range(2, refreshes + 1):
            add_apollo_export(inbox, added, folder, refresh, refreshes)
            later.append(materialise(home, store, inbox, env))
        # an address the provider charged for more than once over both runs: paid again
        paid_twice = (
            sum(n > 1 for n in server.paid_checks.values()) if server is not None else 0
        )
    return {
        "records": source_records(cached),
        "added_records": added,
        "full": full,
        "incremental": again,
        "later_refreshes": later,  # the second refresh on, when --refreshes asks for them
        "provider_paid": (
            {"full": paid_full, "incremental": paid_again, "addresses_paid_twice": paid_twice}
            if paid
            else None
        ),
        "ledger_rows_added": {
            "full": after_full,  # the store was new
            "incremental": {t: after_again[t] - after_full[t] for t in LEDGERS},
        },
    }


def report(result: dict[str, Any]) -> None:
    full, again = result["full"], result["incremental"]
    ratio = again["wall_seconds"] / full["wall_seconds"]
    print(f"\n## {result['records']:,} source records, {result['added_records']:,} added\n")
    print("| run | wall s | run s | peak RSS MiB | status |")
    print("|---|---|---|---|---|")
    for label, run in (("full", full), ("incremental", again)):
        print(f"| {label} | {run['wall_seconds']:.1f} | {run['run_seconds']:.1f} | "
              f"{run['peak_rss_mb']:.0f} | {run['status']} |")  # fmt: skip
    print(f"\nincremental / full: {ratio:.2f} (target <= 0.10 -> "
          f"{'met' if ratio <= 0.10 else 'NOT met'})")  # fmt: skip
    later = result.get("later_refreshes", [])
    for number, run in enumerate(later, start=2):
        print(f"refresh {number}: {run['wall_seconds']:.1f} s wall, {run['run_seconds']:.1f} s "
              f"run, {run['peak_rss_mb']:.0f} MiB peak, {run['status']}; / full: "
              f"{run['wall_seconds'] / full['wall_seconds']:.2f}")  # fmt: skip
    print("\nledger rows added (full -> incremental): " + ", ".join(
        f"{t} {result['ledger_rows_added']['full'][t]:,} -> "
        f"{result['ledger_rows_added']['incremental'][t]:,}" for t in LEDGERS))  # fmt: skip
    if result.get("provider_paid"):
        paid = result["provider_paid"]
        print(f"\npaid checks at the provider (loopback fake): full {paid['full']:,}, "
              f"incremental {paid['incremental']:,}; addresses paid for twice: "
              f"{paid['addresses_paid_twice']:,}")  # fmt: skip
    runs = [again, *later]
    names = ["incremental", *(f"refresh {n}" for n in range(2, len(runs) + 1))]
    print("\n| step | full s | " + " | ".join(f"{n} s" for n in names)
          + " | full peak RSS MiB | " + " | ".join(f"{n} peak RSS MiB" for n in names) + " |")
    print("|---" * (3 + 2 * len(runs)) + "|")
    steps = sorted(full["steps"], key=lambda k: -full["steps"][k].get("seconds", 0.0))
    for key in steps:
        first = full["steps"][key]
        others = [run["steps"].get(key, {}) for run in runs]
        print(f"| {step_label(key, first)} | {first.get('seconds', 0.0):.2f} | "
              + " | ".join(f"{o.get('seconds', float('nan')):.2f}" for o in others)
              + f" | {first.get('peak_rss_mb', 0.0):.0f} | "
              + " | ".join(f"{o.get('peak_rss_mb', 0.0):.0f}" for o in others) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument(
        "--paid-verifier", action="store_true",
        help="verify through the loopback NeverBounce fake, and count what each run paid",
    )  # fmt: skip
    parser.add_argument(
        "--refreshes", type=int, default=1,
        help="how many 1%% refreshes to run one after another on the same store",
    )  # fmt: skip
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results = []
    for records in args.records:
        started = time.perf_counter()
        results.append(measure(records, args.fraction, args.paid_verifier, args.refreshes))
        print(f"{records:,}: {time.perf_counter() - started:.0f} s", flush=True)
        report(results[-1])
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (WORK / f"incremental-{stamp}.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
