"""Apollo `people/match`-shaped person objects -> the canonical record shape.

Pure: no I/O. Values are kept as Apollo states them (trimmed); normalisation happens later in
the pipeline. A field Apollo did not return is null, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from leadgen_pipeline.kernel.values import country_code
from leadgen_pipeline.layers.raw.canonical import conform, empty_canonical

SOURCE = "apollo"
VENDOR = "apollo_api"
SOURCE_FILE = "api:people/bulk_match"

# Apollo's `phone_numbers[].type` -> canonical phone column.
_PHONE_TYPES: dict[str, str] = {
    "mobile": "phone_mobile",
    "work_direct": "phone_direct",
    "direct": "phone_direct",
    "work_hq": "phone_company",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _join(values: Any) -> str | None:
    if not values:
        return None
    if isinstance(values, str):
        return _text(values)
    parts = [_text(v) for v in values]
    joined = ", ".join(p for p in parts if p)
    return joined or None


def _phones(person: Mapping[str, Any], org: Mapping[str, Any]) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys(
        ("phone_direct", "phone_mobile", "phone_company"), None
    )
    for entry in person.get("phone_numbers") or ():
        if not isinstance(entry, Mapping):
            continue
        column = _PHONE_TYPES.get(str(entry.get("type") or "").lower())
        number = _text(entry.get("sanitized_number")) or _text(entry.get("raw_number"))
        if column and number and found[column] is None:
            found[column] = number
    if found["phone_company"] is None:
        primary = org.get("primary_phone")
        primary_number = (
            _text(primary.get("sanitized_number")) or _text(primary.get("number"))
            if isinstance(primary, Mapping)
            else None
        )
        found["phone_company"] = (
            primary_number or _text(org.get("sanitized_phone")) or _text(org.get("phone"))
        )
    return found


def _employment(person: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(previous company name, current job start date) from `employment_history`."""
    history = [h for h in person.get("employment_history") or () if isinstance(h, Mapping)]
    current = next((h for h in history if h.get("current")), None)
    # Apollo lists history newest first; the first past job is the one before the current.
    previous = next((h for h in history if not h.get("current")), None)
    return (
        _text(previous.get("organization_name")) if previous else None,
        _text(current.get("start_date")) if current else None,
    )


def _technologies(org: Mapping[str, Any]) -> str | None:
    names = org.get("technology_names")
    if not names:
        names = [
            t.get("name") for t in org.get("current_technologies") or () if isinstance(t, Mapping)
        ]
    return _join(names)


def _flatten(position: int, person: Mapping[str, Any]) -> dict[str, Any]:
    org = person.get("organization")
    org = org if isinstance(org, Mapping) else {}
    previous_company, job_start = _employment(person)
    first, last = _text(person.get("first_name")), _text(person.get("last_name"))
    full = _text(person.get("name")) or _text(" ".join(p for p in (first, last) if p))
    revenue = org.get("annual_revenue")
    return {
        "source_row": position,
        "source_record_id": _text(person.get("id")),
        "first_name": first,
        "last_name": last,
        "full_name": full,
        "title": _text(person.get("title")),
        "seniority": _text(person.get("seniority")),
        "departments": _join(person.get("departments")),
        "email": _text(person.get("email")),
        "email_vendor_status": _text(person.get("email_status")),
        "linkedin_url": _text(person.get("linkedin_url")),
        **_phones(person, org),
        "company_name": _text(org.get("name")),
        "company_domain": _text(org.get("primary_domain")),
        "company_website": _text(org.get("website_url")),
        "company_linkedin_url": _text(org.get("linkedin_url")),
        "employee_count": org.get("estimated_num_employees"),
        "industry": _text(org.get("industry")),
        "country_raw": _text(person.get("country")),
        "state": _text(person.get("state")),
        "city": _text(person.get("city")),
        "annual_revenue_usd": revenue if revenue is not None else org.get("organization_revenue"),
        "total_funding_usd": org.get("total_funding"),
        "latest_funding_round": _text(org.get("latest_funding_stage")),
        "latest_funding_date": _text(org.get("latest_funding_round_date")),
        "technologies": _technologies(org),
        "keywords": _join(org.get("keywords")),
        "previous_company_name": previous_company,
        "job_start_date": job_start,
    }


_NUMERIC_COLUMNS: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "employee_count": pl.Float64(),
    "annual_revenue_usd": pl.Float64(),
    "total_funding_usd": pl.Float64(),
}


def _to_date(column: str) -> pl.Expr:
    # Apollo sends ISO timestamps ("2021-04-01T00:00:00.000+00:00") or bare dates; the date
    # part is the first ten characters either way.
    return pl.col(column).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def people_to_canonical(
    matches: Sequence[Mapping[str, Any] | None],
    *,
    snapshot_id: str,
    pulled_at: datetime,
    consent_basis: str,
) -> pl.DataFrame:
    """Map `people/match`-shaped person objects to exactly the canonical schema.

    One row per non-null entry; `source_row` is the entry's 1-based position in `matches`, and
    `source_record_id` the Apollo person id. `country` is the ISO-2 code (null when the name is
    not a recognisable country) and `country_raw` what Apollo wrote. A naive `pulled_at` is
    taken as UTC.
    """
    rows = [
        _flatten(position, person)
        for position, person in enumerate(matches, start=1)
        if isinstance(person, Mapping)
    ]
    if not rows:
        return empty_canonical()
    # Every flattened column is text except the few numeric ones; naming the types up front
    # keeps an all-null column (a field no match carried) typed, and tolerates numbers sent
    # as strings.
    schema = {name: _NUMERIC_COLUMNS.get(name, pl.String()) for name in rows[0]}
    flat = pl.DataFrame(rows, schema=schema, strict=False)
    when = pulled_at if pulled_at.tzinfo is not None else pulled_at.replace(tzinfo=UTC)
    countries = flat.get_column("country_raw").unique().drop_nulls().to_list()
    iso = {name: country_code(name) for name in countries}
    frame = flat.with_columns(
        pl.lit(snapshot_id).alias("snapshot_id"),
        pl.lit(when.astimezone(UTC)).cast(pl.Datetime("us", "UTC")).alias("pulled_at"),
        pl.lit(SOURCE).alias("source"),
        pl.lit(VENDOR).alias("vendor"),
        pl.lit(SOURCE_FILE).alias("source_file"),
        pl.lit(consent_basis).alias("consent_basis"),
        pl.col("country_raw")
        .replace_strict(iso, default=None, return_dtype=pl.String)
        .alias("country"),
        pl.col("company_domain").str.to_lowercase(),
        pl.col("employee_count", "annual_revenue_usd", "total_funding_usd").round(0),
        _to_date("latest_funding_date"),
        _to_date("job_start_date"),
    )
    return conform(frame)
