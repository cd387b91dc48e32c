"""Email rules: the send address, the address a verdict is about, the match key, role inboxes.

- `normalize_email`: the address in a cell as email-validator normalises it, or null.
- `send_address`: that address lower-cased, `+tag` and dots kept: the mailbox a send reaches,
  and so the address a verification verdict is about and is paid for once.
- `email_match_key`: the key two addresses share when they reach the same inbox (`+tag`
  dropped, Gmail dots dropped, googlemail.com read as gmail.com); `email_match_key_sql` is
  the same key as a DuckDB SQL expression, for tests against stored rows without Python.
- `address_in_cell`: the address text in a cell as written (`"Jane Doe" <j@x.io>` -> `j@x.io`).
- `is_role_address`: whether an address is a shared inbox (`data/role_local_parts.txt`).

Nothing is looked up on the network; every rule is null where a cell holds no valid address.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    ATEXT,
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOMAIN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
)

from leadgen_pipeline.kernel.keys import _data, _sql
from leadgen_pipeline.kernel.keys._expr import _map_unique, _null_if_empty, _steps

# Shared inboxes: mail to them reaches whoever reads it, so two records that share one are not
# the same person. Matched against the whole local part before any +tag, case-insensitively.
ROLE_LOCAL_PARTS: frozenset[str] = _data.word_set("role_local_parts.txt")

# email-validator's own RFC 5322 dot-atom: the common ASCII local part, valid by construction.
_ASCII_LOCAL = rf"[{ATEXT}]+(?:\.[{ATEXT}]+)*"
_FAST_ADDRESS = rf"^({_ASCII_LOCAL})@([^@\s]+)$"
# A lower-case ASCII hostname that email-validator returns as it is: dot-separated labels of
# letters, digits and inner hyphens (at most 63 characters each, so no label check is left),
# no `--` anywhere (which leaves Punycode and RFC 5890's reserved labels to the library), a
# top-level domain ending in a letter that is not special-use. `test_plain_domains_skip_the_
# library_and_get_its_answer` holds the two paths to one answer.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_DOMAIN = rf"^(?:{_LABEL}\.)+{_LABEL}$"


# The patterns that find the address in a cell, written once for Polars (Rust regex) and
# DuckDB (RE2): `_sql.SPACE` is exactly the Unicode White_Space that Rust's `\s` matches.
# A display name with the address in angle brackets: keep what the brackets hold.
_BRACKETED = rf"^.*<[{_sql.SPACE}]*([^<>]*?)[{_sql.SPACE}]*>[{_sql.SPACE}]*$"
# A mailto: link; its ?query is dropped only here, as `?` is legal in a local part.
_MAILTO = r"(?i)^mailto:([^?]*).*$"
# List separators left behind when a cell was pasted from a list of addresses.
_SEPARATORS = " \t\r\n;,"
# Sub-addressing: `ann+crm@` and `ann@` reach the same inbox (a bare `+tag@` has no tag).
_TAGGED_LOCAL = r"^([^+]+)\+.*$"


def _email_text(expr: pl.Expr) -> pl.Expr:
    """The address inside an email cell: `Ann <a@x.io>`, `mailto:a@x.io?subject=Hi` -> `a@x.io`."""
    text = (
        expr.str.strip_chars()
        .str.replace(_BRACKETED, "$1")
        .str.replace(_MAILTO, "$1")
        .str.strip_chars(_SEPARATORS)
    )
    return _null_if_empty(text)


def address_in_cell(expr: pl.Expr) -> pl.Expr:
    """The address text of an email cell as written (display name, `mailto:`, whitespace of
    every kind and list separators removed; case kept), whether or not it is valid."""
    return _email_text(expr)


def _validated_address(address: str) -> str | None:
    """email-validator's normalised address (NFC local part, lower-case domain), or None."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@lru_cache(maxsize=1 << 16)
def _validated_domain(domain: str) -> str | None:
    """The normalised domain email-validator accepts after an ordinary local part, or None."""
    address = _validated_address(f"a@{domain}")
    return None if address is None else address[2:]


def normalize_email(expr: pl.Expr) -> pl.Expr:
    """The address of an email cell as email-validator normalises it, or null when invalid.

    Trims the cell, takes the address out of `mailto:` links and `Name <address>` forms, and
    returns email-validator's normalised form (`check_deliverability=False`): local part as
    written but Unicode NFC, domain lower-cased (and IDNA-normalised). Nothing is looked up on
    the network.
    """
    text, local, domain, fast = (pl.field(f) for f in ("value", "local", "domain", "fast"))
    return _steps(
        _email_text(expr),
        {"parts": text.str.extract_groups(_FAST_ADDRESS)},
        {
            "local": pl.field("parts").struct.field("1"),
            "domain": pl.field("parts").struct.field("2"),
        },
        # Most addresses have a plain ASCII local part, which email-validator accepts as it is;
        # for those it only has to judge the domain, once per distinct domain. RFC 2142 mailbox
        # names (`INFO@`) are re-cased by the library, so they take the full path as the rest do.
        {
            "fast": local.is_not_null()
            & ~local.str.to_lowercase().is_in(CASE_INSENSITIVE_MAILBOX_NAMES)
        },
        {"lower_domain": domain.str.to_lowercase()},
        {
            "plain": pl.field("lower_domain").str.contains(_PLAIN_DOMAIN)
            & ~pl.field("lower_domain").str.contains("--", literal=True)
            & pl.field("lower_domain").str.contains(r"[a-z]$")
            & ~pl.field("lower_domain").str.extract(r"([^.]+)$", 1).is_in(SPECIAL_USE_DOMAIN_NAMES)
            & (pl.field("lower_domain").str.len_bytes() <= DOMAIN_MAX_LENGTH)
        },
        {
            "address": pl.when(fast)
            .then(
                pl.concat_str(
                    local,
                    pl.lit("@"),
                    pl.when(pl.field("plain"))
                    .then(pl.field("lower_domain"))
                    .otherwise(
                        _map_unique(
                            pl.when(fast & ~pl.field("plain")).then(domain),
                            _validated_domain,
                            pl.String(),
                        )
                    ),
                )
            )
            .otherwise(_map_unique(pl.when(~fast).then(text), _validated_address, pl.String()))
        },
        # the library's total-length limit, which the per-domain check cannot see
        {
            "address": pl.when(
                (pl.field("address").str.len_bytes() <= EMAIL_MAX_LENGTH)
                & (text.str.len_bytes() <= EMAIL_MAX_LENGTH)
            ).then(pl.field("address"))
        },
    ).struct.field("address")


def send_address(expr: pl.Expr) -> pl.Expr:
    """The address a send reaches and a verification verdict is about; null when invalid.

    `normalize_email` lower-cased, as the verification providers compare addresses. `+tags`
    and dots stay: `ann+crm@` and `a.nn@gmail.com` are each verified (and paid for) as sent.
    """
    return normalize_email(expr).str.to_lowercase()


def _email_key_of_address(address: pl.Expr) -> pl.Expr:
    """`email_match_key` for an address that `normalize_email` has already produced."""
    local, domain = pl.field("1"), pl.field("2")
    return (
        address.str.to_lowercase()
        .str.extract_groups(r"^(.+)@([^@]+)$")
        .struct.with_fields(
            # one mailbox service under two names
            domain.replace("googlemail.com", "gmail.com"),
            local.str.replace(_TAGGED_LOCAL, "$1"),
        )
        .struct.with_fields(
            # Gmail ignores dots in the local part
            pl.when(domain == "gmail.com")
            .then(local.str.replace_all(".", "", literal=True))
            .otherwise(local)
        )
        .struct.with_fields(key=pl.concat_str(local, pl.lit("@"), domain))
        .struct.field("key")
    )


def email_match_key(expr: pl.Expr) -> pl.Expr:
    """The key two addresses share when they reach the same inbox; null for an invalid address.

    The normalised address lower-cased, without any `+tag` in the local part; for gmail.com
    and googlemail.com (one mailbox service) also without dots, under gmail.com.
    """
    return _email_key_of_address(normalize_email(expr))


def is_role_address(expr: pl.Expr) -> pl.Expr:
    """True when an email cell is a shared inbox (see `ROLE_LOCAL_PARTS`); null with no `x@y` in it.

    The local part before any `+tag` is compared case-insensitively and whole, so `info@` and
    `Info+crm@` are roles and `info.smith@` is not.
    """
    local = _email_text(expr).str.extract(r"^(.+)@[^@]+$", 1).str.to_lowercase()
    return local.str.replace(_TAGGED_LOCAL, "$1").is_in(ROLE_LOCAL_PARTS)


# ---------------------------------------------------------------------------------------------
# The match key in DuckDB SQL


def _sql_email_text(column: str) -> str:
    """`_email_text` in DuckDB SQL (an empty result is left to the caller's pattern)."""
    bracketed = rf"regexp_replace({_sql.trim(column)}, '{_BRACKETED}', '\1')"
    unlinked = rf"regexp_replace({bracketed}, '{_MAILTO}', '\1')"
    separators = f"[{_SEPARATORS.encode('unicode_escape').decode()}]+"  # `\t`, not a raw tab
    return f"regexp_replace({unlinked}, '^{separators}|{separators}$', '', 'g')"


def email_match_key_sql(column: str) -> str:
    """`email_match_key` as a DuckDB SQL expression over a text column (or SQL expression).

    The same cleaning (Unicode-space trim, `mailto:` and `Name <address>` forms, list
    separators), then NFC and lower-case, an ACE domain in Unicode as email-validator spells
    it, `+tag` dropped, googlemail.com read as gmail.com and Gmail dots dropped. Null unless
    the cleaned text is one `local@domain.tld`, both sides dot-separated words without spaces.

    It gives the Polars key wherever that key is not null. SQL cannot make all of
    email-validator's judgements, so for some invalid addresses (`ann@-acme.io`) it gives a key
    where the Polars rule gives none; such a key equals no key the Polars rule makes.
    """
    a, d, space = "email_address", "email_domain", _sql.SPACE
    word = f"[^@.{space}]+"
    shape = rf"{word}(\.{word})*@{word}(\.{word})+"
    local = rf"regexp_replace(split_part({a}, '@', 1), '{_TAGGED_LOCAL}', '\1')"
    key = f"""case when {d} in ('gmail.com', 'googlemail.com')
            then replace({local}, '.', '') || '@gmail.com'
            else {local} || '@' || {d} end"""
    body = f"""case when regexp_full_match({a}, '{shape}')
        then {_sql.bind(_sql.idna_to_unicode(f"split_part({a}, '@', 2)"), d, key)} end"""
    return _sql.bind(f"lower(nfc_normalize({_sql_email_text(column)}))", a, body)


# ---------------------------------------------------------------------------------------------
# The shape of a mailbox name, for telling two people's addresses from one person's variants

# A mailbox name is a stem (the name-like letters) and an optional number a mail admin adds
# for a second namesake: `jane.doe2` -> (`janedoe`, `2`), `j_doe` -> (`jdoe`, ``).
_NUMBERED_LOCAL = r"^(.*?)[._-]?([0-9]*)$"


def mailbox_stem(address: pl.Expr) -> pl.Expr:
    """The local part of an address (a match key or normalised address) lower-cased, `+tag`,
    trailing number and the separators `.`, `_`, `-` removed: `Jane.Doe2+crm@x.io` -> `janedoe`."""
    local = address.str.to_lowercase().str.extract(r"^(.+)@[^@]+$", 1)
    stem = local.str.replace(_TAGGED_LOCAL, "$1").str.extract(_NUMBERED_LOCAL, 1)
    return stem.str.replace_all(r"[._-]", "")


def mailbox_number(address: pl.Expr) -> pl.Expr:
    """The number at the end of an address's local part (`donna2@` -> `2`), `` when none."""
    local = address.str.to_lowercase().str.extract(r"^(.+)@[^@]+$", 1)
    return local.str.replace(_TAGGED_LOCAL, "$1").str.extract(_NUMBERED_LOCAL, 2)
