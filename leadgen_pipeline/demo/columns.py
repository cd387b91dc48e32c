"""Column expressions shared by the vendor writers: codes, labels and formats vendors use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from leadgen_pipeline.demo import names
from leadgen_pipeline.demo.rng import Draw

COUNTRY_NAMES = {code: str(info["name"]) for code, info in names.COUNTRIES.items()}
COUNTRY_LOCAL = {code: str(info["local"]) for code, info in names.COUNTRIES.items()}
INDUSTRY_CODES: dict[str, tuple[str, str]] = {
    "Computer Software": ("7372", "511210"),
    "Information Technology & Services": ("7373", "541512"),
    "Financial Services": ("6199", "522320"),
    "Marketing & Advertising": ("7311", "541810"),
    "Logistics & Supply Chain": ("4731", "488510"),
    "Hospital & Health Care": ("8062", "622110"),
    "Manufacturing": ("3599", "332710"),
    "Retail": ("5999", "453998"),
    "Education": ("8299", "611710"),
    "Real Estate": ("6531", "531210"),
    "Renewables & Environment": ("4911", "221114"),
    "Human Resources": ("7361", "561311"),
}
_REVENUE_BANDS = (
    (1_000_000, "$0 - $1M"), (10_000_000, "$1M - $10M"), (50_000_000, "$10M - $50M"),
    (100_000_000, "$50M - $100M"), (500_000_000, "$100M - $500M"), (1_000_000_000, "$500M - $1B"),
)  # fmt: skip


def text(value: str | None = None) -> pl.Expr:
    """A constant string cell (empty when None)."""
    return pl.lit(value, dtype=pl.String)


def assemble(
    frame: pl.DataFrame, header: Sequence[str], cells: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """A frame with exactly `header` as its string columns, in order; unnamed cells are null.

    Rows are ordered by the record's random `order` key, so files do not list people by id.
    """
    unknown = set(cells) - set(header)
    if unknown:
        raise ValueError(f"cells for columns not in the header: {sorted(unknown)}")
    return frame.sort("order").select(
        [cells.get(name, text()).cast(pl.String).alias(name) for name in header]
    )


def country_name(code: pl.Expr) -> pl.Expr:
    return code.replace_strict(COUNTRY_NAMES, return_dtype=pl.String)


def sic(industry: pl.Expr) -> pl.Expr:
    return industry.replace_strict({k: v[0] for k, v in INDUSTRY_CODES.items()}, default="")


def naics(industry: pl.Expr) -> pl.Expr:
    return industry.replace_strict({k: v[1] for k, v in INDUSTRY_CODES.items()}, default="")


def revenue_band(revenue: pl.Expr) -> pl.Expr:
    expr = pl.when(revenue < _REVENUE_BANDS[0][0]).then(pl.lit(_REVENUE_BANDS[0][1]))
    for limit, label in _REVENUE_BANDS[1:]:
        expr = expr.when(revenue < limit).then(pl.lit(label))
    return expr.otherwise(pl.lit("$1B+"))


def maybe(draw: Draw, key: pl.Expr, stream: str, p: float, value: pl.Expr) -> pl.Expr:
    """`value` with probability `p`, else null."""
    return pl.when(draw.chance(key, stream, p)).then(value)


def join_list(draw: Draw, key: pl.Expr, stream: str, values: Sequence[str], k: int) -> pl.Expr:
    """Up to `k` distinct-ish picks joined as a vendor comma list ("Gmail, Slack, AWS")."""
    picks = [draw.pick(key, f"{stream}.{i}", values) for i in range(k)]
    return pl.concat_list(picks).list.unique(maintain_order=True).list.join(", ")


def iso_offset(day: pl.Expr, key: pl.Expr, draw: Draw, stream: str) -> pl.Expr:
    """`2025-12-15T06:50:01+00:00`: the ISO-with-offset timestamps Apollo writes."""
    seconds = draw.integers(key, stream, 0, 86400)
    stamp = day.cast(pl.Datetime("us")) + pl.duration(seconds=seconds)
    return pl.concat_str(stamp.dt.strftime("%Y-%m-%dT%H:%M:%S"), pl.lit("+00:00"))


def days_before(as_of: date, key: pl.Expr, draw: Draw, stream: str, low: int, high: int) -> pl.Expr:
    """A date between `high` and `low` days before `as_of`."""
    return pl.lit(as_of) - pl.duration(days=draw.integers(key, stream, low, high))


def company_linkedin(column: str = "co_li_company_slug", *, http: bool = False) -> pl.Expr:
    scheme = "http://www." if http else "https://www."
    return pl.concat_str(pl.lit(f"{scheme}linkedin.com/company/"), pl.col(column))


def sales_lead_url(draw: Draw, key: pl.Expr) -> pl.Expr:
    """`https://www.linkedin.com/sales/lead/ACwAA…,NAME_SEARCH,x6ZR` (older: /sales/people/)."""
    kind = (
        pl.when(draw.chance(key, "sn.people", 0.2)).then(pl.lit("people")).otherwise(pl.lit("lead"))
    )
    return pl.concat_str(
        pl.lit("https://www.linkedin.com/sales/"),
        kind,
        pl.lit("/"),
        pl.col("member_id"),
        pl.lit(",NAME_SEARCH,"),
        draw.token(key, "sn.suffix", 4),
    )


def opaque_profile_url(*, trailing_slash: bool = True) -> pl.Expr:
    """`https://www.linkedin.com/in/ACwAA…/`: a profile URL carrying only the member id."""
    return pl.concat_str(
        pl.lit("https://www.linkedin.com/in/"),
        pl.col("member_id"),
        pl.lit("/" if trailing_slash else ""),
    )


def duration_text(months: pl.Expr) -> pl.Expr:
    """`2 years 3 months` as LinkedIn tools write tenure."""
    years, rest = months // 12, months % 12
    return pl.concat_str(
        pl.when(years > 0).then(pl.concat_str(years.cast(pl.String), pl.lit(" years "))),
        rest.cast(pl.String),
        pl.lit(" months"),
        ignore_nulls=True,
    )


def location(*parts: str) -> pl.Expr:
    """`City, State, Country` from record columns (a quoted cell with commas)."""
    return pl.concat_str([pl.col(p) for p in parts], separator=", ", ignore_nulls=True)
