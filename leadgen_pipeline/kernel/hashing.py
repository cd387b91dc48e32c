"""The one way a personal key is kept after erasure: its SHA-256 hex digest."""

from __future__ import annotations

import hashlib

import polars as pl


def sha256_hex(value: str) -> str:
    """SHA-256 hex digest of the UTF-8 text (DuckDB's `sha256()` gives the same digest)."""
    return hashlib.sha256(value.encode()).hexdigest()


def sha256_column(expr: pl.Expr) -> pl.Expr:
    """SHA-256 hex digest of each value (null stays null): how erased keys are kept."""
    return expr.map_batches(
        lambda s: s.map_elements(sha256_hex, return_dtype=pl.String, skip_nulls=True),
        return_dtype=pl.String,
    )
