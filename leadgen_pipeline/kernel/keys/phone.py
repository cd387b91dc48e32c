"""The phone key: a phone cell as an E.164 number, read in the record's country.

Validity is phonenumbers' `is_valid_number`; a number it cannot place is null, never a guess.
"""

from __future__ import annotations

import phonenumbers
import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys._expr import _map_unique

_PAIR_SEPARATOR = "\x1f"  # joins phone and region into one key; never part of either


def _e164(pair: str) -> str | None:
    """`phone_e164` for one `phone<US>region` pair."""
    number, region = pair.rsplit(_PAIR_SEPARATOR, 1)
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    # the extension ("ext 3") is not part of an E.164 number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_e164(phone_expr: pl.Expr, country_expr: pl.Expr) -> pl.Expr:
    """A phone cell as an E.164 number (`+447475443939`), or null when it is not a valid number.

    National formats are read in the record's ISO-2 country (`07475 443939` with GB);
    international ones (`+1 630-773-3800`) need none. Extensions are dropped, and so is the
    apostrophe older exports add to stop Excel. Validity is phonenumbers' `is_valid_number`.
    The library runs once per distinct (phone, country) pair.
    """
    number = values.phone(phone_expr)
    region = values.blank_to_null(country_expr).str.to_uppercase().fill_null("")
    pair = pl.concat_str(number, region, separator=_PAIR_SEPARATOR)
    return _map_unique(pair, _e164, pl.String())
