"""The erasure sweep's identifier regex, alone: DuckDB's `regexp_matches` over row texts with
the pattern `layers/compliance/erasure.py` builds (one whole-token alternative per erased
identifier), at growing identifier counts.

The sweep runs this over every row of every raw snapshot and every table. The generator writes
about one erasure request per 235 people, so the identifier count grows with the inbox; this
shows where the scan stops being linear in the identifiers. Each count runs in a child process
with a timeout. Usage:

    python benchmarks/erasure_sweep.py --rows 5000 --identifiers 50 100 200 300 400 --timeout 120
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import time


def child(rows: int, identifiers: int) -> dict[str, float]:
    import duckdb

    from leadgen_pipeline.layers.compliance.erasure import _whole_token

    con = duckdb.connect()
    # rows shaped like the sweep's row text: text columns joined by chr(31), lower-cased
    con.execute(
        "create table t as select 'first' || i || chr(31) || 'last' || i || chr(31) || 'person' "
        "|| i || '@company' || (i % 5000) || '.example' || chr(31) "
        "|| 'https://www.linkedin.com/in/slug-' || i || chr(31) || repeat('x', 120) as row_text "
        f"from range({rows}) r(i)"
    )
    draw = random.Random(7)
    erased = {
        f"person{draw.randrange(10**7)}@company{draw.randrange(5000)}.example"
        for _ in range(identifiers)
    }
    pattern = "|".join(f"({_whole_token(i)})" for i in sorted(erased))
    started = time.perf_counter()
    con.execute("select count(*) from t where regexp_matches(row_text, $p)", {"p": pattern})
    return {"seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--identifiers", type=int, nargs="+", default=[50, 100, 200, 300, 400])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.rows, args.child)))
        return
    print(f"machine: {platform.platform()}, Python {platform.python_version()}")
    print(f"| identifiers | rows | wall s (timeout {args.timeout:.0f} s) |")
    print("|---|---|---|")
    for n in args.identifiers:
        command = [sys.executable, __file__, "--rows", str(args.rows), "--child", str(n)]
        try:
            out = subprocess.run(
                command, check=True, capture_output=True, text=True, timeout=args.timeout
            )
            seconds = f"{json.loads(out.stdout.strip().splitlines()[-1])['seconds']:.2f}"
        except subprocess.TimeoutExpired:
            seconds = f"> {args.timeout:.0f} (timed out)"
        print(f"| {n} | {args.rows:,} | {seconds} |", flush=True)


if __name__ == "__main__":
    main()
