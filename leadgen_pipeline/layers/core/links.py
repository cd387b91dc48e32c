"""Every raw record of the latest pulls beside the person it links to and its match keys."""

from __future__ import annotations

import duckdb
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.raw import history

LINK_KEYS = ["snapshot_id", "source_file", "source_row"]


def linked_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every raw record of the latest pulls with its person and match keys."""
    raw = history.read_raw_union(con)
    links = store.read_table(con, "core.contact_links").select(
        *LINK_KEYS,
        "person_id",
        "email_norm",
        "email_key",
        "email_is_role",
        "linkedin_slug",
        "linkedin_member_key",
        "company_domain_key",
    )
    return raw.join(links, on=LINK_KEYS)
