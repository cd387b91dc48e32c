"""LinkedIn URLs encoded once too often (a tracking link's `url=` parameter, a CRM that
encodes on every save) still give the person's slug, the same in Polars and in SQL."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel.keys import linkedin_slug, linkedin_slug_sql

CASES = [
    # (cell as exported, the slug it names)
    ("https://www.linkedin.com/in/j%25C3%25BCrgen-m%25C3%25BCller", "jürgen-müller"),
    ("https%3A%2F%2Fwww.linkedin.com%2Fin%2Fann-lee%2F", "ann-lee"),
    ("https%253A%252F%252Fwww.linkedin.com%252Fin%252Fbo-chen"
     "%253ForiginalSubdomain%253Duk", "bo-chen"),
    ("https://de.linkedin.com/in/ren%25C3%25A9e-dubois/en", "renée-dubois"),
    ("https://www.linkedin.com/in/j%C3%BCrgen", "jürgen"),  # encoded once: as before
    ("https://www.linkedin.com/in/plain-slug", "plain-slug"),
    # an encoded member URL is still no public slug
    ("https%3A%2F%2Fwww.linkedin.com%2Fin%2FACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA", None),
    # bytes that are not UTF-8 once decoded make no slug
    ("https://www.linkedin.com/in/ann%25FFlee", None),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "slug"), CASES)
def test_an_over_encoded_url_gives_the_slug_in_both_forms(cell: str, slug: str | None) -> None:
    polars_slug = pl.DataFrame({"cell": [cell]}).select(linkedin_slug(pl.col("cell"))).item()
    sql_slug = duckdb.connect().execute(f"select {linkedin_slug_sql('$1')}", [cell]).fetchone()[0]
    assert (polars_slug, sql_slug) == (slug, slug)
