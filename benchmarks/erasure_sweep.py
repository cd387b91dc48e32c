"""The erasure sweep's identifier regex, alone: DuckDB's `regexp_matches` over row texts with
the patterns `layers/compliance/erasure.py` builds (erased identifiers grouped a few hundred to
a pattern, the token boundaries written once per group), at growing identifier counts, beside
the single pattern it used to build (one whole-token alternative per identifier) up to the
count where that one still finishes.

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
import re
import subprocess
import sys
import time

# the patterns as the sweep wrote them before identifiers were grouped
_BEFORE = "(^|[^a-z0-9._%+-])"
_AFTER = r"($|[^a-z0-9_.-]|\.($|[^a-z0-9]))"
# past this the single pattern stalls for minutes: only the grouped ones are timed
ONE_PATTERN_LIMIT = 200


def child(rows: int, identifiers: int) -> dict[str, float]:
    import duckdb

    from leadgen_pipeline.layers.compliance.erasure import identifier_patterns

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
    patterns = identifier_patterns(erased)
    holds = " or ".join(f"regexp_matches(row_text, $p{k})" for k in range(len(patterns)))
    started = time.perf_counter()
    grouped = con.execute(
        f"select count(*) from t where {holds}", {f"p{k}": p.regex for k, p in enumerate(patterns)}
    ).fetchone()
    grouped_seconds = time.perf_counter() - started
    if identifiers > ONE_PATTERN_LIMIT:
        return {"grouped": grouped_seconds}
    # the baseline: one pattern of every identifier, each with its own boundaries
    one = "|".join(f"({_BEFORE}{re.escape(i)}{_AFTER})" for i in sorted(erased))
    started = time.perf_counter()
    single = con.execute("select count(*) from t where regexp_matches(row_text, $p)", {"p": one})
    assert single.fetchone() == grouped, "the grouped patterns must find the same rows"
    return {"grouped": grouped_seconds, "one_pattern": time.perf_counter() - started}


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
    print(f"| identifiers | rows | grouped s | one pattern s | (timeout {args.timeout:.0f} s)")
    print("|---|---|---|---|")
    for n in args.identifiers:
        command = [sys.executable, __file__, "--rows", str(args.rows), "--child", str(n)]
        try:
            out = subprocess.run(
                command, check=True, capture_output=True, text=True, timeout=args.timeout
            )
            times = json.loads(out.stdout.strip().splitlines()[-1])
            grouped = f"{times['grouped']:.2f}"
            one = f"{times['one_pattern']:.2f}" if "one_pattern" in times else "not timed"
        except subprocess.TimeoutExpired:
            grouped = one = f"> {args.timeout:.0f} (timed out)"
        print(f"| {n} | {args.rows:,} | {grouped} | {one} |", flush=True)


if __name__ == "__main__":
    main()
