"""The country key: ISO 3166-1 alpha-2 for whatever a vendor writes in a country cell.

The rule itself is `values.country`, which the raw layer uses to fill `country`; it is named
here so the match keys list every rule they rest on, and phone numbers are read in it.
"""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.kernel import values


def country_iso2(expr: pl.Expr) -> pl.Expr:
    """ISO 3166-1 alpha-2 for country names, codes or `City, Region, Country` (`values.country`)."""
    return values.country(expr)
