"""People's-name keys, and every key a record names its person by.

- `first_name_key` reads nicknames, `last_name_key` drops suffixes; both fold accents and
  case, so `Jürgen`/`Jurgen` and `MÜLLER`/`Muller` compare equal. They corroborate a match on
  an address, a profile or a company; a name alone never makes one.
- `person_name_key` is one key for a whole name, from first and last name or from a full
  name; `name_at_company_key` ties it to a company (name key or domain), the only form in
  which a name identifies someone well enough to act on (an erasure request by name).
- `person_identity_keys`: every key of `PERSON_KEY_TYPES` a canonical record carries, the
  keys an erasure request can name a person by, under any name-key revision asked for (an
  erasure hash made under revision 1 is still met by keying records the revision-1 way).

The reference lists are `data/first_name_nicknames.csv` and `data/last_name_suffixes.txt`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys import _data
from leadgen_pipeline.kernel.keys._data import NAME_KEY_REVISION, NAME_KEY_REVISIONS
from leadgen_pipeline.kernel.keys._expr import _fold_accents, _null_if_empty
from leadgen_pipeline.kernel.keys.company import company_name_key
from leadgen_pipeline.kernel.keys.domain import company_domain_from_email, company_domain_key
from leadgen_pipeline.kernel.keys.email import email_match_key
from leadgen_pipeline.kernel.keys.linkedin import linkedin_member_id, linkedin_slug

# Nickname -> the given name it shortens (and other spellings -> one), so `Bob`, `Rob` and
# `Robert` share a key. One step: no given name is itself a nickname.
FIRST_NAME_NICKNAMES: dict[str, str] = _data.nicknames(NAME_KEY_REVISION)

# Generational and professional suffixes written after a surname ("Smith Jr.", "Smith, PhD").
LAST_NAME_SUFFIXES: tuple[str, ...] = _data.word_tuple("last_name_suffixes.txt")
_SUFFIX_TAIL = rf"^(.+?)(?:[\s,]+(?:{'|'.join(map(re.escape, LAST_NAME_SUFFIXES))})\.?)+$"


def first_name_key(expr: pl.Expr, *, revision: int = NAME_KEY_REVISION) -> pl.Expr:
    """A comparison key for a given name: lower-case, accents folded, nickname -> given name
    (the nicknames of name-key `revision`).

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
    return _null_if_empty(text).replace(_data.nicknames(revision))


def last_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a surname: lower-case, accents folded, suffixes and punctuation gone.

    `O'Brien` -> `obrien`, `Müller` -> `muller`, `Smith Jr.` -> `smith`, `van der Berg` ->
    `vanderberg` (spaces go too, so spacing variants of particles compare equal).
    """
    text = _fold_accents(values.blank_to_null(expr)).str.replace(_SUFFIX_TAIL, "$1")
    return _null_if_empty(text.str.replace_all(r"[^\p{L}\p{N}]", ""))


def _first_word(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars().str.extract(r"^(\S+)", 1)


def _surname_word(folded: pl.Expr) -> pl.Expr:
    """The last word of an accent-folded surname or full name, suffixes and punctuation gone:
    `van der Berg` -> `berg`, `Smith-Jones` -> `smithjones`, `Smith Jr.` -> `smith`."""
    word = folded.str.replace(_SUFFIX_TAIL, "$1").str.strip_chars().str.extract(r"(\S+)$", 1)
    return _null_if_empty(word.str.replace_all(r"[^\p{L}\p{N}]", ""))


def person_name_key(
    first: pl.Expr, last: pl.Expr, full: pl.Expr, *, revision: int = NAME_KEY_REVISION
) -> pl.Expr:
    """A key for a person's whole name: `<given name key> <surname word>`; null without both.

    The given name is the first word of the first name (nicknames read: `Bob` -> `robert`),
    the surname the last word of the last name (`de Vries` -> `vries`), so a full name of two
    or more words gives the same key: `José María Peña Jr.` and first `Jose`, last `Peña`
    both key as `jose pena`. First and last name are used where both are given, else the
    full name.
    """
    from_parts = pl.concat_str(
        first_name_key(_first_word(values.blank_to_null(first)), revision=revision),
        pl.lit(" "),
        _surname_word(_fold_accents(values.blank_to_null(last))),
    )
    text = _fold_accents(values.blank_to_null(full)).str.replace(_SUFFIX_TAIL, "$1")
    from_full = pl.when(text.str.contains(r"\S\s+\S")).then(
        pl.concat_str(
            first_name_key(_first_word(text), revision=revision), pl.lit(" "), _surname_word(text)
        )
    )
    return pl.coalesce(from_parts, from_full)


def name_at_company_key(name_key: pl.Expr, company_key: pl.Expr) -> pl.Expr:
    """`<person_name_key>@<company key>` (a company-name key or a registrable domain); null
    unless both are known. A name names someone only together with where they work."""
    return pl.concat_str(name_key, pl.lit("@"), company_key)


# the keys a person can be named by, strongest first: an erasure request carries one or more
PERSON_KEY_TYPES: tuple[str, ...] = (
    "email_key",
    "linkedin_slug",
    "linkedin_member_key",
    "name_at_company",
    "name_at_domain",
)


# the keys that read a name, and so change with the name-key revision
NAME_KEY_TYPES: tuple[str, ...] = ("name_at_company", "name_at_domain")


def _person_key(key_type: str, revision: int) -> pl.Expr:
    """One key of a canonical record, by the kernel's rules (the same as `match_keys`)."""
    col = pl.col
    name = person_name_key(col("first_name"), col("last_name"), col("full_name"), revision=revision)
    rules = {
        "email_key": lambda: email_match_key(col("email")),
        "linkedin_slug": lambda: linkedin_slug(col("linkedin_url")),
        "linkedin_member_key": lambda: pl.coalesce(
            linkedin_member_id(col("linkedin_member_id")),
            linkedin_member_id(col("sales_nav_url")),
            linkedin_member_id(col("linkedin_url")),
        ),
        "name_at_company": lambda: name_at_company_key(
            name, company_name_key(col("company_name"), revision=revision)
        ),
        "name_at_domain": lambda: name_at_company_key(
            name,
            pl.coalesce(
                company_domain_key(col("company_domain")),
                company_domain_key(col("company_website")),
                company_domain_from_email(col("email")),
            ),
        ),
    }
    return rules[key_type]()


def person_identity_keys(
    records: pl.DataFrame,
    id_columns: Sequence[str],
    key_types: Collection[str] = PERSON_KEY_TYPES,
    *,
    revisions: Collection[int] = NAME_KEY_REVISIONS,
) -> pl.DataFrame:
    """(`id_columns`…, `key_type`, `key`): every key of `key_types` each canonical record
    carries, one row per key, null keys left out; a name key once per distinct key its
    record gives under the name-key `revisions`, by default every revision ever shipped, so
    an erasure hashed under an older one still meets its records. Set-based: one pass per
    key type."""
    wanted = [k for k in PERSON_KEY_TYPES if k in key_types]
    schema = {**{c: records.schema[c] for c in id_columns}, "key_type": pl.String, "key": pl.String}
    if not wanted:
        return pl.DataFrame(schema=schema)
    frames = []
    for n, revision in enumerate(sorted(revisions)):
        # the other keys read no name: the first revision gives them once
        types = [k for k in wanted if n == 0 or k in NAME_KEY_TYPES]
        if not types:
            continue
        keyed = records.lazy().select(
            *id_columns, *(_person_key(k, revision).alias(k) for k in types)
        )
        long = keyed.unpivot(
            index=list(id_columns), on=types, variable_name="key_type", value_name="key"
        )
        frames.append(long.drop_nulls("key"))
    keys = pl.concat(frames)
    if len(frames) > 1:
        keys = keys.unique(maintain_order=True)
    return keys.collect().cast(schema)  # type: ignore[arg-type]


def mailbox_word(name: pl.Expr) -> pl.Expr:
    """A name as a mailbox spells it: accents folded, nothing but letters and digits
    (`O'Brien` -> `obrien`, `Jean-Luc` -> `jeanluc`)."""
    folded = _fold_accents(values.blank_to_null(name)).str.replace_all(r"[^a-z0-9]", "")
    return _null_if_empty(folded)


def mailbox_patterns(given: pl.Expr, surname: pl.Expr) -> list[pl.Expr]:
    """The mailbox stems (see `email.mailbox_stem`) a company's address patterns make of a
    given name and a surname, each already a `mailbox_word`: first.last, flast, first,
    firstl, last.first, lastf, last. Null without both. Pass column references: each
    pattern reads both words."""
    named = given.is_not_null() & surname.is_not_null()
    initial, last_initial = given.str.slice(0, 1), surname.str.slice(0, 1)
    patterns = (
        pl.concat_str(given, surname),
        pl.concat_str(initial, surname),
        given,
        pl.concat_str(given, last_initial),
        pl.concat_str(surname, given),
        pl.concat_str(surname, initial),
        surname,
    )
    return [pl.when(named).then(p) for p in patterns]
