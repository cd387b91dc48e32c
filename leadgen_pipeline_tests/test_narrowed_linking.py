"""The links step reads the raw union narrowed to what linking reads; the ids it mints are
those the whole records give, the content of the few clusters minted from content being
read through `content_of`."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from leadgen_pipeline.layers.core.identity import RECORD_PLACE, build_contact_links
from leadgen_pipeline.layers.core.resolve import DUPLICATE_ROW, LINKING_COLUMNS, content_order
from leadgen_pipeline_tests.test_resolve import records

BUILT = datetime(2026, 11, 20, tzinfo=UTC)


def _inbox() -> pl.DataFrame:
    return records(
        # no key at all: these people are minted from their records' content
        {"first_name": "Ada", "last_name": "Moss", "company_name": "Keyless Ltd", "title": "CFO"},
        {"first_name": "Ben", "last_name": "Ode", "company_name": "Other Co", "title": "CTO"},
        # one address under two surnames is no key: two people anchored on one address
        {"email": "james@acme.io", "first_name": "James", "last_name": "Turner"},
        {"email": "james@acme.io", "first_name": "James", "last_name": "Price"},
        {"email": "mia@acme.io", "linkedin_url": "https://linkedin.com/in/mia-roe"},
        {"email": "mia@acme.io", "first_name": "Mia", "last_name": "Roe"},
    ).with_columns(pl.lit("s1").alias("snapshot_id"))


def test_a_narrowed_read_links_and_mints_the_ids_the_whole_records_give() -> None:
    whole = _inbox()
    expected, expected_log = build_contact_links(whole, None, BUILT)
    asked: list[int] = []

    def content_of(places: pl.DataFrame) -> pl.DataFrame:
        asked.append(places.height)
        rows = places.select("cluster_id", *RECORD_PLACE).join(whole, on=RECORD_PLACE)
        return rows.select("cluster_id", *whole.columns)  # the raw union's column order

    narrowed = whole.select(
        *(c for c in whole.columns if c in LINKING_COLUMNS),
        content_order(whole).alias(DUPLICATE_ROW),
    )
    links, log = build_contact_links(narrowed, None, BUILT, content_of)
    assert links.equals(expected) and log.equals(expected_log)
    assert expected["person_id"].n_unique() == 5
    # content was read for the two keyless people and the two behind one address only
    assert sorted(asked) == [2, 2]
