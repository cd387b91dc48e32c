"""What every layer's wiring shares: the one metadata builder and the one contract-check factory.

Each table's contract is a pandera model in its layer's `contracts.py`; `contract_spec` and
`contract_result` make it a blocking check named `contract` on the asset that writes the
table. Checks run in their asset's step (a step per check would cost more than the checks).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl

from leadgen_pipeline.kernel.lake import in_ducklake
from leadgen_pipeline.kernel.privacy import masked_preview
from leadgen_pipeline.kernel.store import (
    committed,
    quote_table,
    read_table,
    table_exists,
)

PREVIEW_ROWS = 5
# A preview cell longer than this (a struct like `core.contacts.lineage`, a raw record's JSON)
# is cut, with `…`, so the preview stays a table a person can read.
PREVIEW_CELL_CHARS = 80

_DUCKDB_TO_TABLE_TYPE = {"VARCHAR": "string", "BIGINT": "int64", "BOOLEAN": "bool"}


def _preview_markdown(frame: pl.DataFrame) -> str:
    """The first rows of a table as a markdown table, personal data masked by value (see
    `kernel.privacy`): personal data stays in the store, since an erasure request must be able
    to remove a person from everywhere, and Dagster's event log is out of its reach."""
    cut = PREVIEW_CELL_CHARS - 1
    cells = [
        pl.when(pl.col(c).str.len_chars() > PREVIEW_CELL_CHARS)
        .then(pl.col(c).str.slice(0, cut) + "…")
        .otherwise(pl.col(c))
        .str.replace_all("|", "\\|", literal=True)
        .str.replace_all(r"[\r\n]+", " ")
        for c in frame.columns
    ]
    rows = masked_preview(frame).select(
        pl.concat_str([pl.lit("| "), pl.concat_str(cells, separator=" | "), pl.lit(" |")])
    )
    header = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    return "\n".join(header + rows.to_series().to_list())


# table -> its contract, registered as each asset declares its `contract` check, so the
# metadata of a table carries its column descriptions without each asset passing them
_CONTRACTS: dict[str, type[pa.DataFrameModel]] = {}


# the tables assets write beside their own (histories, logs, rejects, caches) -> contract
_SIDE_TABLES: dict[str, type[pa.DataFrameModel]] = {}


def contracted_tables() -> list[str]:
    """Every table an asset declares a contract for (once the definitions are loaded)."""
    return sorted(_CONTRACTS)


def side_table(table: str, model: type[pa.DataFrameModel]) -> str:
    """`table`, written by an asset beside its own table, with `model` as its contract: the
    asset writes its descriptions as DuckDB comments (`side_table_metadata`)."""
    _CONTRACTS[table] = model
    _SIDE_TABLES[table] = model
    return table


def side_tables() -> dict[str, type[pa.DataFrameModel]]:
    """Every side table with its contract (once the definitions are loaded)."""
    return dict(sorted(_SIDE_TABLES.items()))


def contract_descriptions(table: str) -> tuple[str | None, dict[str, str]]:
    """The table's description (its contract's docstring) and each column's, from the
    contract's `pa.Field(description=...)`; nothing for a table without a contract."""
    model = _CONTRACTS.get(table)
    if model is None:
        return None, {}
    columns = model.to_schema().columns
    described = {name: c.description for name, c in columns.items() if c.description}
    return (model.__doc__ or "").strip() or None, described


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_table(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Write the contract's descriptions as DuckDB comments (`COMMENT ON TABLE/COLUMN`), so
    `duckdb_columns().comment` answers an analyst; the column descriptions, for the UI.

    Only a comment that differs from the one stored is written: in a lake each is a change of
    the table, which another writer's append to it would conflict with (`committed` retries)."""
    table_text, columns = contract_descriptions(table)
    ref = quote_table(table)
    schema, _, name = table.rpartition(".")
    entry = {"schema": schema, "name": name}
    where = (
        "database_name = current_database() "
        "and schema_name = coalesce(nullif($schema, ''), current_schema())"
    )
    ((kind, comment),) = con.execute(
        f"""select 'table', comment from duckdb_tables() where {where} and table_name = $name
            union all
            select 'view', comment from duckdb_views() where {where} and view_name = $name""",
        entry,
    ).fetchall()
    # every column of the table or view -> its comment as stored
    stored = dict(
        con.execute(
            f"select column_name, comment from duckdb_columns() where {where} "
            "and table_name = $name",
            entry,
        ).fetchall()
    )
    statements = (
        [f"comment on {kind} {ref} is {_sql_text(table_text)}"]
        if table_text and table_text != comment
        else []
    )
    # DuckLake keeps no comments on a view's columns (a DuckDB file does): there the columns
    # are described in the UI and on the tables the view reads
    if kind == "table" or not in_ducklake(con):
        statements += [
            f'comment on column {ref}."{column}" is {_sql_text(text)}'
            for column, text in sorted(columns.items())
            if column in stored and stored[column] != text
        ]
    if statements:
        committed(con, lambda c: [c.execute(statement) for statement in statements])
    return columns


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, **extra: Any) -> dict[str, Any]:
    """Row count, column schema (with the contract's descriptions, also written as DuckDB
    comments), a masked preview and the table name of a stored table."""
    ref = quote_table(table)
    schema = _column_schema(con, table, comment_table(con, table))
    ((row_count,),) = con.execute(f"select count(*) from {ref}").fetchall()
    preview = con.sql(f"select * from {ref} limit {PREVIEW_ROWS}").pl()
    return {
        "dagster/row_count": int(row_count),
        "dagster/column_schema": schema,
        "dagster/table_name": table,
        "preview": dg.MetadataValue.md(_preview_markdown(preview)),
        **extra,
    }


def _column_schema(
    con: duckdb.DuckDBPyConnection, table: str, descriptions: dict[str, str]
) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                type=_DUCKDB_TO_TABLE_TYPE.get(dtype, dtype.lower()),
                description=descriptions.get(name),
            )
            for name, dtype, *_ in con.execute(f"describe {quote_table(table)}").fetchall()
        ]
    )


def side_table_metadata(
    con: duckdb.DuckDBPyConnection, *tables: str, schemas: bool = True
) -> dict[str, Any]:
    """Each side table's contract written as its DuckDB comments and, with `schemas`, its
    column schema as one metadata entry (`<table> schema`) for the UI; a table the store does
    not hold yet is skipped. `schemas=False` for a history of the asset's own columns
    (`raw_history.<source>` behind the view `raw.<source>`), whose schema is shown already."""
    metadata: dict[str, Any] = {}
    for table in tables:
        if not table_exists(con, table):
            continue  # made on first use (a paid batch, an API pull): commented then
        descriptions = comment_table(con, table)
        if schemas:
            schema = _column_schema(con, table, descriptions)
            metadata[f"{table} schema"] = dg.MetadataValue.table_schema(schema)
    return metadata


def table_of(key: dg.AssetKey) -> str:
    """The DuckDB table an asset key names: `raw/apollo` is `raw.apollo`."""
    return ".".join(key.path)


def check(key: dg.AssetKey, name: str, description: str) -> dg.AssetCheckSpec:
    """A blocking check on `key`, run in the asset's own step: an ERROR stops every asset
    downstream of it, and the UI shows it beside the asset like any other check."""
    return dg.AssetCheckSpec(name, asset=key, blocking=True, description=description)


def no_rows(
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    name: str,
    count_sql: str,
    counted_as: str,
    params: dict[str, Any] | None = None,
    **metadata: Any,
) -> dg.AssetCheckResult:
    """The result of check `name` on `key`: passed when `count_sql` (a `select count(*)` of
    the rows that break the rule, read from the stored tables) counts none; the count is
    shown as `counted_as`."""
    ((count,),) = con.execute(count_sql, params or {}).fetchall()
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=count == 0,
        metadata={counted_as: count, **metadata},
    )


def contract_spec(key: dg.AssetKey, model: type[pa.DataFrameModel]) -> dg.AssetCheckSpec:
    """The check `contract` on `key`: its table satisfies its pandera model (which also
    describes the table and its columns, see `table_metadata`)."""
    _CONTRACTS[table_of(key)] = model
    return check(key, "contract", f"`{table_of(key)}` satisfies its contract, `{model.__name__}`")


def contract_result(
    con: duckdb.DuckDBPyConnection, key: dg.AssetKey, model: type[pa.DataFrameModel]
) -> dg.AssetCheckResult:
    """The result of `contract_spec(key, model)` on the table as stored now."""
    return validate_contract(model, read_table(con, table_of(key)), key=key)


def validate_contract(
    model: type[pa.DataFrameModel], frame: pl.DataFrame, *, key: dg.AssetKey | None = None
) -> dg.AssetCheckResult:
    """Validate `frame` against its pandera model; failures summarised without cell values.
    With `key`, the result is that asset's `contract` check."""
    target = {"asset_key": key, "check_name": "contract"} if key is not None else {}
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        summary = (
            errors.failure_cases.group_by("column", "check")
            .agg(pl.len().alias("failing_rows"))
            .sort("column", "check")
        )
        lines = [
            f"{row['column'] or '(table)'}: {row['check']} fails on {row['failing_rows']} row(s)"
            for row in summary.iter_rows(named=True)
        ]
        return dg.AssetCheckResult(
            **target,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{model.__name__} contract broken",
            metadata={"violations": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines))},
        )
    return dg.AssetCheckResult(
        **target, passed=True, metadata={"contract": model.__name__, "rows_checked": frame.height}
    )


StepResult = dg.MaterializeResult | dg.AssetCheckResult


def built_together(
    body: Callable[..., Iterator[StepResult]],
) -> Callable[..., Iterator[StepResult]]:
    """The body of a multi-asset whose tables one step builds together (declare it
    `can_subset=True`): whatever part of it a run selects, the step builds every table, so
    the result of an asset or check the run did not select is logged as a runtime event
    instead of yielded. Selecting one asset from the command line works, and no table is
    rewritten without its materialisation and its checks on record. A blocking check of an
    unselected partner that fails still fails the step, so nothing downstream of the run
    builds on a table its own guard refused."""

    @functools.wraps(body)
    def step(*args: Any, **kwargs: Any) -> Iterator[StepResult]:
        context = dg.AssetExecutionContext.get()
        assets, checks = context.selected_asset_keys, context.selected_asset_check_keys
        specs = context.assets_def.node_check_specs_by_output_name.values()
        blocking = {spec.key for spec in specs if spec.blocking}
        refused: list[str] = []
        for result in body(*args, **kwargs):
            if isinstance(result, dg.MaterializeResult):
                if result.asset_key in assets:
                    yield result
                else:
                    context.log_event(
                        dg.AssetMaterialization(result.asset_key, metadata=result.metadata)
                    )
            elif dg.AssetCheckKey(result.asset_key, result.check_name) in checks:
                yield result
            else:
                context.log_event(
                    dg.AssetCheckEvaluation(
                        asset_key=result.asset_key,
                        check_name=result.check_name,
                        passed=result.passed,
                        metadata=result.metadata,
                        severity=result.severity,
                        description=result.description,
                    )
                )
                key = dg.AssetCheckKey(result.asset_key, result.check_name)
                failed = not result.passed and result.severity != dg.AssetCheckSeverity.WARN
                if failed and key in blocking:
                    refused.append(f"{result.asset_key.to_user_string()}:{result.check_name}")
        if refused:
            raise dg.Failure(
                "blocking checks of tables this step also built failed: " + ", ".join(refused)
            )

    return step
