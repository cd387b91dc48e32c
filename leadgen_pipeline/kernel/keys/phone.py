"""The phone key: a phone cell as an E.164 number, read in the record's country.

Validity is phonenumbers' `is_valid_number`; a number it cannot place is null, never a guess.

phonenumbers costs about 20 us a number (parse 11, validity 9), a second at 50,000 numbers.
Most cells are plain international numbers (`+44 7475 443939`), which parse does nothing to
but split the calling code off; for them validity is decided in bulk instead, by evaluating
phonenumbers' own metadata (its patterns and lengths for the number's region) as Polars
expressions, the way `is_valid_number` evaluates them one number at a time. Every other cell
goes to the library itself: national formats, extensions, letters, and any number parse would
change further (one its national-prefix rule could strip, a non-geographic code).
"""

from __future__ import annotations

import functools

import phonenumbers
import polars as pl
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys._expr import _map_distinct, _map_unique

_PAIR_SEPARATOR = "\x1f"  # joins phone and region into one key; never part of either

# a plus, then digits and the separators parse reads as punctuation; nothing parse could read
# as an extension, a letter or a second number
_PLAIN_INTERNATIONAL = r"^\+[0-9][0-9 ().-]*$"
_MAX_CALLING_CODE_DIGITS = 3
_MIN_NATIONAL_DIGITS, _MAX_NATIONAL_DIGITS = 2, 17  # phonenumbers' bounds for a national number
_NON_GEOGRAPHIC = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
_MAX_INPUT_CHARS = 250  # parse refuses a longer string


def _e164(pair: str) -> str | None:
    """`phone_e164` for one `phone<US>region` pair, by the library."""
    number, region = pair.rsplit(_PAIR_SEPARATOR, 1)
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    # the extension ("ext 3") is not part of an E.164 number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _matches(desc: PhoneNumberDesc | None) -> pl.Expr:
    """`_is_number_matching_desc`: `nsn` has one of the desc's lengths and fully matches its
    pattern; a missing desc or pattern matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return pl.lit(False)
    test = pl.col("nsn").str.contains(f"^(?:{desc.national_number_pattern})$")
    lengths = list(desc.possible_length)
    return pl.col("nsn").str.len_bytes().is_in(lengths) & test if lengths else test


def _is_typed(metadata: PhoneMetadata) -> pl.Expr:
    """`_number_type_helper(nsn, metadata) != UNKNOWN`: the general description matches and so
    does one of the number types."""
    types = (
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
        metadata.mobile,
    )
    return _matches(metadata.general_desc) & pl.any_horizontal(_matches(d) for d in types)


@functools.cache
def _validity(calling_code: int) -> pl.Expr:
    """`is_valid_number` for numbers of one calling code, on `nsn`. A code several regions
    share (+1, +44, +7) takes the first region, in phonenumbers' order, whose leading digits
    match or, with none stated, whose types match; the number is valid in that region."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[calling_code]
    known = [
        metadata
        for region in regions
        if (metadata := PhoneMetadata.metadata_for_region(region, None)) is not None
    ]
    if len(regions) == 1:
        return _is_typed(known[0]) if known else pl.lit(False)
    chosen: pl.Expr | None = None
    for metadata in known:
        claims = (
            pl.col("nsn").str.contains(f"^(?:{metadata.leading_digits})")
            if metadata.leading_digits is not None
            else _is_typed(metadata)
        )
        chosen = (pl.when if chosen is None else chosen.when)(claims).then(_is_typed(metadata))
    return pl.lit(False) if chosen is None else chosen.otherwise(False)


@functools.cache
def _strips_national_prefix(calling_code: int) -> pl.Expr:
    """True where parse would try to strip a national prefix from `nsn` (the calling code's
    main region's `national_prefix_for_parsing` matches its start): those go to the library."""
    region = phonenumbers.region_code_for_country_code(calling_code)
    metadata = PhoneMetadata.metadata_for_region(region, None)
    prefix = metadata.national_prefix_for_parsing if metadata is not None else None
    return pl.col("nsn").str.contains(f"^(?:{prefix})") if prefix else pl.lit(False)


_CALLING_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_GEOGRAPHIC_CODES = [
    code
    for code in _CALLING_CODES
    if phonenumbers.region_code_for_country_code(code) != _NON_GEOGRAPHIC
]


def _bulk_e164(numbers: pl.Series) -> pl.DataFrame:
    """(number, e164, decided) for plain international numbers: `decided` is false where the
    library must read the number instead. Calling codes are prefix-free, so the first of one,
    two or three leading digits that is a code is the number's, as parse takes it."""
    digits = pl.col("digits")
    code = pl.coalesce(
        pl.when(digits.str.slice(0, n).cast(pl.Int64, strict=False).is_in(_CALLING_CODES))
        .then(digits.str.slice(0, n).cast(pl.Int64))
        for n in range(1, _MAX_CALLING_CODE_DIGITS + 1)
    )
    frame = (
        pl.DataFrame({"number": numbers}, schema={"number": pl.String})
        .filter(
            pl.col("number").str.contains(_PLAIN_INTERNATIONAL)
            & (pl.col("number").str.len_chars() <= _MAX_INPUT_CHARS)
        )
        .with_columns(pl.col("number").str.replace_all(r"[^0-9]", "").alias("digits"))
        .with_columns(
            # parse takes no code from a leading zero, nor from too few digits
            pl.when((digits.str.len_bytes() > _MIN_NATIONAL_DIGITS) & ~digits.str.starts_with("0"))
            .then(code)
            .alias("code")
        )
        .with_columns(digits.str.slice(pl.col("code").cast(pl.String).str.len_bytes()).alias("nsn"))
        .filter(
            pl.col("code").is_in(_GEOGRAPHIC_CODES)
            & pl.col("nsn").str.len_bytes().is_between(_MIN_NATIONAL_DIGITS, _MAX_NATIONAL_DIGITS)
        )
    )
    decided = []
    for (calling_code,), group in frame.group_by("code"):
        decided.append(
            group.with_columns(
                (~_strips_national_prefix(calling_code)).alias("decided"),
                pl.when(_validity(calling_code))
                .then(pl.concat_str(pl.lit("+"), pl.col("digits")))
                .alias("e164"),
            ).select("number", "e164", "decided")
        )
    schema = {"number": pl.String, "e164": pl.String, "decided": pl.Boolean}
    return pl.concat(decided) if decided else pl.DataFrame(schema=schema)


def _e164_of_pairs(pairs: pl.Series) -> pl.Series:
    """`_e164` of each distinct `phone<US>region` pair: plain international numbers in bulk
    (the region does not apply to them), every other pair by the library."""
    frame = pl.DataFrame({"pair": pairs}, schema={"pair": pl.String}).with_columns(
        pl.col("pair").str.extract(f"^(.*){_PAIR_SEPARATOR}[^{_PAIR_SEPARATOR}]*$").alias("number")
    )
    bulk = _bulk_e164(frame["number"].unique()).filter("decided")
    frame = frame.join(bulk, on="number", how="left", maintain_order="left")
    by_library = _map_unique(
        pl.when(pl.col("decided").is_null()).then(pl.col("pair")), _e164, pl.String()
    )
    # a pair the bulk path decided has no library answer, and one it left has no bulk answer
    return frame.select(pl.coalesce("e164", by_library))["e164"]


def phone_e164(phone_expr: pl.Expr, country_expr: pl.Expr) -> pl.Expr:
    """A phone cell as an E.164 number (`+447475443939`), or null when it is not a valid number.

    National formats are read in the record's ISO-2 country (`07475 443939` with GB);
    international ones (`+1 630-773-3800`) need none. Extensions are dropped, and so is the
    apostrophe older exports add to stop Excel. Validity is phonenumbers' `is_valid_number`.
    Each distinct (phone, country) pair is read once.
    """
    number = values.phone(phone_expr)
    region = values.blank_to_null(country_expr).str.to_uppercase().fill_null("")
    pair = pl.concat_str(number, region, separator=_PAIR_SEPARATOR)
    return _map_distinct(pair, _e164_of_pairs, pl.String())
