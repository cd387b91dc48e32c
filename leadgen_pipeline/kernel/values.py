"""Vectorised cleaners for the cell values vendors really export.

Each returns a Polars expression, so a whole column is cleaned in one pass. These make
values readable and comparable; matching keys (normalised emails, LinkedIn slugs,
registrable domains) are built later, in the contacts layer.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pycountry

_TRUE = [
    "true",
    "yes",
    "y",
    "1",
    "t",
    "verdadero",
    "vrai",
    "wahr",
    "waar",
    "sim",
    "sí",
    "si",
    "vero",
]
_FALSE = ["false", "no", "n", "0", "f", "falso", "faux", "falsch", "onwaar", "não", "nao", "nein"]
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Trim a text cell; an empty or whitespace-only cell is null."""
    trimmed = expr.str.strip_chars()
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed).otherwise(None)


def phone(expr: pl.Expr) -> pl.Expr:
    """A phone as written, minus the leading apostrophe older exports add to stop Excel."""
    return blank_to_null(blank_to_null(expr).str.strip_chars_start("'"))


def boolean(expr: pl.Expr) -> pl.Expr:
    """`true`/`FALSE`/`VERDADERO`/`yes`/`1`… as a boolean; anything else is null."""
    lowered = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(lowered.is_in(_TRUE))
        .then(True)
        .when(lowered.is_in(_FALSE))
        .then(False)
        .otherwise(None)
        .cast(pl.Boolean)
    )


def integer(expr: pl.Expr, multiplier: int = 1) -> pl.Expr:
    """A count or amount (`54000`, `1,200`, `$3,500,000`, `12.0`) as an integer, else null."""
    digits = expr.str.strip_chars().str.replace_all(r"[,$€£\s]", "")
    number = digits.cast(pl.Float64, strict=False)
    return (number * multiplier).round(0).cast(pl.Int64, strict=False)


def employee_range(expr: pl.Expr) -> pl.Expr:
    """An employee range with Excel's date corruption undone: `Nov-50` -> `11-50`."""
    text = blank_to_null(expr).str.replace_all(",", "")
    month_first = text.str.extract_groups(r"^(?i)([a-z]{3})-(\d+)$")
    day_first = text.str.extract_groups(r"^(\d+)-(?i)([a-z]{3})$")
    month_first_num = (
        month_first.struct.field("1")
        .str.to_lowercase()
        .replace_strict(_MONTHS, default=None, return_dtype=pl.String)
    )
    day_first_num = (
        day_first.struct.field("2")
        .str.to_lowercase()
        .replace_strict(_MONTHS, default=None, return_dtype=pl.String)
    )
    return (
        pl.when(month_first_num.is_not_null())
        .then(pl.concat_str(month_first_num, pl.lit("-"), month_first.struct.field("2")))
        # Excel writes "1-10" as "10-Jan": the day holds the upper bound
        .when(day_first_num.is_not_null())
        .then(pl.concat_str(day_first_num, pl.lit("-"), day_first.struct.field("1")))
        .otherwise(text)
    )


def host(expr: pl.Expr) -> pl.Expr:
    """The lower-case host of a website or domain cell: no scheme, `www.`, port or path."""
    text = blank_to_null(expr).str.to_lowercase()
    stripped = (
        text.str.replace(r"^[a-z][a-z0-9+.-]*://", "")
        .str.replace(r"^www\d?\.", "")
        .str.replace(r"[/?#:].*$", "")
        .str.strip_chars(".")
    )
    return pl.when(stripped.str.contains(r"^[a-z0-9.-]+\.[a-z0-9-]{2,}$")).then(stripped)


# Names vendors and users write that pycountry does not know by that spelling.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "deutschland": "DE",
    "españa": "ES",
    "espana": "ES",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "österreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "suomi": "FI",
    "polska": "PL",
    "italia": "IT",
    "brasil": "BR",
    "méxico": "MX",
    "south korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
    "uae": "AE",
    "türkiye": "TR",
    "korea": "KR",
    "north korea": "KP",
    "vietnam": "VN",
    "taiwan": "TW",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "ivory coast": "CI",
    "cape verde": "CV",
    "macedonia": "MK",
    "brunei": "BN",
    "palestine": "PS",
    "kosovo": "XK",
    "turkey": "TR",
}


@cache
def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-2 for a country name, code or `City, Region, Country` location."""
    text = value.strip()
    if not text:
        return None
    candidates = [text]
    if "," in text:  # Sales Navigator locations: "Berlin, Berlin, Germany"
        candidates.append(text.rsplit(",", 1)[1].strip())
    for candidate in candidates:
        alias = _COUNTRY_ALIASES.get(candidate.lower())
        if alias:
            return alias
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    return None


def country(expr: pl.Expr) -> pl.Expr:
    """ISO-2 country for a column of country names, codes or locations (null when unknown)."""
    # looked up once per distinct value, not once per row
    return blank_to_null(expr).map_batches(
        lambda s: s.replace_strict(
            {v: country_code(v) for v in s.drop_nulls().unique().to_list()},
            default=None,
            return_dtype=pl.String,
        ),
        return_dtype=pl.String,
    )
