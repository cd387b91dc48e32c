"""The demo's row count in every table, recorded so a change that alters them is seen.

`python -m leadgen_pipeline_tests.row_counts` rebuilds the bundled demo in a temporary folder
and rewrites `demo_row_counts.json`; review its diff before committing it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb

ROW_COUNTS = Path(__file__).with_name("demo_row_counts.json")


def row_counts(store: Path) -> dict[str, int]:
    """`schema.table` -> rows, for every table and view in the store."""
    with duckdb.connect(str(store), read_only=True) as con:
        tables = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables order by 1"
        ).fetchall()
        return {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for (t,) in tables}


if __name__ == "__main__":
    from leadgen_pipeline_tests.builds import build_demo

    with tempfile.TemporaryDirectory() as folder:
        run, _ = build_demo(Path(folder))
        assert run.success and not run.failed_checks, f"the demo build failed: {run}"
        counts = row_counts(Path(folder) / "leadgen.duckdb")
    ROW_COUNTS.write_text(json.dumps(counts, indent=2) + "\n")
    print(f"recorded {len(counts)} tables in {ROW_COUNTS}")
