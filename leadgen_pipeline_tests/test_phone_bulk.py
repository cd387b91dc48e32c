"""The phone key's bulk path gives what phonenumbers gives, number for number.

Plain international numbers are judged in bulk from phonenumbers' metadata
(`kernel/keys/phone.py`); these tests hold every pair's result against the library's own
parse and `is_valid_number` (`phone._e164`), over every region's example numbers, altered
ones, random digits after every calling code, and arbitrary strings of the characters the
bulk path accepts. They also check that the bulk path does decide most plain numbers, so a
bulk path that quietly declined everything (and left it all to the library) would fail.
"""

from __future__ import annotations

import random

import phonenumbers
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgen_pipeline.kernel.keys import phone

SEP = phone._PAIR_SEPARATOR
FORMATS = phonenumbers.PhoneNumberFormat
TYPES = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)


def _by_library(pairs: list[str]) -> list[str | None]:
    return [phone._e164(p) for p in pairs]


def _by_key(pairs: list[str]) -> list[str | None]:
    return phone._e164_of_pairs(pl.Series(pairs, dtype=pl.String)).to_list()


def _decided_in_bulk(pairs: list[str]) -> int:
    numbers = pl.Series([p.rsplit(SEP, 1)[0] for p in pairs], dtype=pl.String).unique()
    return phone._bulk_e164(numbers).filter("decided").height


def _example_pairs() -> list[str]:
    """Every region's example numbers, international and E.164, read with no region, another
    region or their own, and each with two digits changed (mostly invalid numbers)."""
    rnd = random.Random(11)
    pairs = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for form in (FORMATS.INTERNATIONAL, FORMATS.E164):
                written = phonenumbers.format_number(example, form)
                pairs.append(f"{written}{SEP}{rnd.choice(['', 'US', region])}")
                chars = list(written)
                for _ in range(2):
                    at = rnd.randrange(1, len(chars))
                    if chars[at].isdigit():
                        chars[at] = str(rnd.randrange(10))
                pairs.append(f"{''.join(chars)}{SEP}{region}")
    return list(dict.fromkeys(pairs))


def test_every_regions_examples_read_as_the_library_reads_them() -> None:
    pairs = _example_pairs()
    assert _by_key(pairs) == _by_library(pairs)
    # most of them are plain international numbers the bulk path decides itself
    assert _decided_in_bulk(pairs) > 0.8 * len(pairs)
    # and they include valid numbers of every kind, not only rejections
    assert sum(v is not None for v in _by_library(pairs)) > 0.4 * len(pairs)


def test_random_digits_after_every_calling_code() -> None:
    rnd = random.Random(5)
    pairs = [
        f"+{code} {''.join(str(rnd.randrange(10)) for _ in range(rnd.randrange(1, 16)))}{SEP}"
        for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
        for _ in range(12)
    ]
    pairs = list(dict.fromkeys(pairs))
    assert _by_key(pairs) == _by_library(pairs)


def test_numbers_parse_would_change_are_left_to_the_library() -> None:
    # a national prefix written after the code, and a non-geographic code
    pairs = [f"+44 (0) 20 7946 0958{SEP}", f"+800 1234 5678{SEP}", f"+44 1800 20 1234{SEP}GB"]
    assert _decided_in_bulk(pairs) == 0
    assert _by_key(pairs) == _by_library(pairs)
    assert _by_key(pairs)[0] == "+442079460958"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="+0123456789 ().-", min_size=1, max_size=24),
            st.sampled_from(["", "US", "GB", "DE", "IT", "BR", "IN", "AG"]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_arbitrary_strings_of_plain_characters(cells: list[tuple[str, str]]) -> None:
    pairs = list(dict.fromkeys(f"{number}{SEP}{region}" for number, region in cells))
    assert _by_key(pairs) == _by_library(pairs)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    st.text(alphabet="0123456789", min_size=1, max_size=16),
    st.sampled_from(["", " ", "-", ".", " (", ") "]),
)
def test_plain_international_numbers(code: int, digits: str, separator: str) -> None:
    half = len(digits) // 2
    pairs = [f"+{code}{separator}{digits[:half]}{separator}{digits[half:]}{SEP}"]
    assert _by_key(pairs) == _by_library(pairs)
