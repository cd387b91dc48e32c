"""Every column documented once: each contract describes each column of its table, and the
description reaches DuckDB (`duckdb_columns().comment`) and the Dagster column schema."""

from __future__ import annotations

import dagster as dg
import duckdb

import leadgen_pipeline.definitions  # noqa: F401  (loading the assets registers their contracts)
from leadgen_pipeline.layers.checks import contracted_tables
from leadgen_pipeline_tests.builds import Build, RunSummary, stored_events


def test_every_column_of_every_contracted_table_has_a_comment(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    tables = set(contracted_tables())
    assert len(tables) >= 30
    with duckdb.connect(str(build.store), read_only=True) as con:
        columns = con.sql(
            "select schema_name || '.' || table_name, column_name, comment from duckdb_columns()"
        ).fetchall()
        described = {
            f"{schema}.{name}"
            for schema, name, comment in con.sql(
                "select schema_name, table_name, comment from duckdb_tables() union all "
                "select schema_name, view_name, comment from duckdb_views() where not internal"
            ).fetchall()
            if comment
        }
    undocumented = sorted((t, c) for t, c, comment in columns if t in tables and not comment)
    assert undocumented == []
    assert tables <= described  # and each table says what it is


def test_the_ui_column_schema_carries_the_descriptions(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, _ = demo_build
    materialised = [
        event.event_specific_data.materialization
        for entry in stored_events(build)
        if (event := entry.dagster_event) is not None
        and event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    ]
    schemas = {
        m.asset_key.to_user_string(): m.metadata["dagster/column_schema"].value
        for m in materialised
        if "dagster/column_schema" in m.metadata
    }
    contacts = {c.name: c.description for c in schemas["core/contacts"].columns}
    assert contacts and all(contacts.values()), [n for n, d in contacts.items() if not d]
