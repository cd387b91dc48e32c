"""The Polars machinery every match-key rule is built from.

A rule is a function from Polars expressions to a Polars expression. Rules a regex can state
run as native string expressions; rules that need a library go through `_map_unique`, which
calls the library once per *distinct* value of the column, never once per row. `scalar`
evaluates any rule on single values, so there is no second, scalar implementation of a rule
to drift from the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl


def scalar(rule: Callable[..., pl.Expr], *values: str | None) -> Any:
    """Evaluate an expression-form rule on single values: `scalar(email_match_key, "A@x.io")`.

    Each value stands in for one String column, in the rule's argument order (so
    `scalar(phone_e164, "07475 443939", "GB")`); None is a null cell. For a whole column,
    call the rule on the column instead: one pass, not one `scalar` per value.
    """
    return pl.select(rule(*(pl.lit(v, dtype=pl.String) for v in values))).item()


def _map_distinct(
    expr: pl.Expr, fn: Callable[[pl.Series], pl.Series], return_dtype: pl.DataType
) -> pl.Expr:
    """Apply `fn`, which maps a Series to one of the same length, to the distinct non-null
    values of a String column, and spread its results back over the rows."""

    def batch(series: pl.Series) -> pl.Series:
        distinct = series.drop_nulls().unique()
        mapped = fn(distinct)
        return series.replace_strict(distinct, mapped, default=None, return_dtype=return_dtype)

    return expr.map_batches(batch, return_dtype=return_dtype, is_elementwise=True)


def _map_unique(expr: pl.Expr, fn: Callable[[str], Any], return_dtype: pl.DataType) -> pl.Expr:
    """Apply the Python `fn` to each distinct non-null value of a String column, not to each row."""
    return _map_distinct(
        expr, lambda distinct: pl.Series([fn(v) for v in distinct.to_list()], dtype=return_dtype),
        return_dtype,
    )  # fmt: skip


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    return expr.replace("", None)


def _steps(value: pl.Expr, *steps: dict[str, pl.Expr]) -> pl.Expr:
    """A struct holding `value` (as field `value`) and fields derived from it, step by step.

    Polars evaluates a sub-expression once per reference, so a rule that reads one
    intermediate result several times (a library lookup, above all) names it here instead;
    each step reads the fields before it with `pl.field`.
    """
    node = pl.struct(value.alias("value"))
    for step in steps:
        node = node.struct.with_fields(**step)
    return node


# Letters NFKD leaves whole, so "drop the combining marks" alone would not fold them.
_NON_DECOMPOSING = {
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}


def _fold_accents(expr: pl.Expr) -> pl.Expr:
    """Lower-case, NFKD-decompose and drop combining marks: `Jürgen Øster` -> `jurgen oster`."""
    return (
        expr.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_many(_NON_DECOMPOSING)
    )
