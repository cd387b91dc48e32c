"""People's-name keys: a given-name key that reads nicknames, a surname key without suffixes.

Both fold accents and case, so `Jürgen`/`Jurgen` and `MÜLLER`/`Muller` compare equal. They
corroborate a match on an address, a profile or a company; a name alone never makes one.
The reference lists are `data/first_name_nicknames.csv` and `data/last_name_suffixes.txt`.
"""

from __future__ import annotations

import re

import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys import _data
from leadgen_pipeline.kernel.keys._expr import _fold_accents, _null_if_empty

# Nickname -> the given name it shortens (and other spellings -> one), so `Bob`, `Rob` and
# `Robert` share a key. One step: no given name is itself a nickname.
FIRST_NAME_NICKNAMES: dict[str, str] = _data.pairs("first_name_nicknames.csv")

# Generational and professional suffixes written after a surname ("Smith Jr.", "Smith, PhD").
LAST_NAME_SUFFIXES: tuple[str, ...] = _data.word_tuple("last_name_suffixes.txt")
_SUFFIX_TAIL = rf"^(.+?)(?:[\s,]+(?:{'|'.join(map(re.escape, LAST_NAME_SUFFIXES))})\.?)+$"


def first_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a given name: lower-case, accents folded, nickname -> given name.

    `Bob` and `Robert` -> `robert`, `Zoë` -> `zoe`; hyphens and dots separate words
    (`Jean-Luc` = `Jean Luc`), other punctuation is dropped.
    """
    text = _fold_accents(values.blank_to_null(expr))
    text = (
        text.str.replace_all(r"[-._]", " ")
        .str.replace_all(r"[^\p{L}\p{N}\s]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return _null_if_empty(text).replace(FIRST_NAME_NICKNAMES)


def last_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a surname: lower-case, accents folded, suffixes and punctuation gone.

    `O'Brien` -> `obrien`, `Müller` -> `muller`, `Smith Jr.` -> `smith`, `van der Berg` ->
    `vanderberg` (spaces go too, so spacing variants of particles compare equal).
    """
    text = _fold_accents(values.blank_to_null(expr)).str.replace(_SUFFIX_TAIL, "$1")
    return _null_if_empty(text.str.replace_all(r"[^\p{L}\p{N}]", ""))
