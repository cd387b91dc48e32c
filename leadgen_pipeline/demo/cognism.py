"""Cognism exports: the platform/CRM field set and the CSV-enrichment output
(docs/vendor-formats.md §3c)."""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo import formats
from leadgen_pipeline.demo.rng import Draw


def build(draw: Draw, records: pl.DataFrame, *, curly_apostrophes: bool = False) -> pl.DataFrame:
    """A Cognism platform export. `curly_apostrophes` writes O’Brien the way Word-edited,
    cp1252-saved files do."""
    key = pl.col("rkey")
    last = pl.col("last_name")
    if curly_apostrophes:
        last = last.str.replace_all("'", "’")
    cells = {
        "First Name": pl.col("first_name"),
        "Last Name": last,
        "Email": pl.col("email_out"),
        "Company Name": pl.col("company_variant"),
        "Job Title": pl.col("title_now"),
        "Office Phone": c.maybe(draw, key, "cog.office", 0.7, pl.col("co_company_phone")),
        "Mobile Phone": c.maybe(draw, key, "cog.mobile", 0.45, pl.col("mobile")),
        "City": pl.col("co_city"),
        "Country": c.country_name(pl.col("co_country")),
        "State": pl.col("co_state"),
        "Street": pl.col("co_street"),
        "Zip Code": pl.col("co_zip_code"),
        "Website": pl.col("website"),
        "Industry": pl.col("co_industry"),
    }
    return c.assemble(records, formats.COGNISM, cells)


def build_enrichment(draw: Draw, records: pl.DataFrame) -> pl.DataFrame:
    """A Cognism CSV-enrichment output: matched fields next to the input company name, with
    the LinkedIn URL the user supplied (`profileUrl`)."""
    key = pl.col("rkey")
    cells = {
        "First Name": pl.col("first_name"),
        "Last Name": pl.col("last_name"),
        "Company Name Input": pl.col("company_variant"),
        "Matched Job Title": pl.col("title_now"),
        "Cognism Email": pl.col("email_out"),
        "Direct": c.maybe(draw, key, "cogx.direct", 0.4, pl.col("direct")),
        "Mobile": c.maybe(draw, key, "cogx.mobile", 0.35, pl.col("mobile")),
        "Office": c.maybe(draw, key, "cogx.office", 0.6, pl.col("co_company_phone")),
        "Person Country": c.country_name(pl.col("co_country")),
        "Matched Web Site": pl.col("website"),
        "profileUrl": pl.col("linkedin_url"),
    }
    return c.assemble(records, formats.COGNISM_ENRICHMENT, cells)
