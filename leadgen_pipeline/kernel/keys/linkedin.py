"""LinkedIn rules: the public profile slug, the opaque member id, the canonical profile URL.

- `linkedin_slug`: the `/in/<slug>` of a public profile URL, lower-case and URL-decoded;
  `linkedin_slug_sql` is the same rule as a DuckDB SQL expression.
- `linkedin_member_id`: the opaque member id (`ACwAA…`, `ACoAA…`) in a bare id, an `/in/`
  URL or a Sales Navigator URL; `MEMBER_ID_PATTERN` is the one pattern for such an id, for
  every module that has to recognise one; `linkedin_member_id_sql` is the same rule in SQL.
- `linkedin_canonical_url`: `https://www.linkedin.com/in/<slug>`.

Each is null where the cell does not support it: a member URL has no public slug, and a
guessed slug could belong to someone else.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys import _sql
from leadgen_pipeline.kernel.keys._expr import _map_unique, _steps

# Any linkedin.com host: www., country (uk., de.) and mobile subdomains, with or without scheme.
_LINKEDIN_HOST = r"(?i:(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com)"
# LinkedIn's opaque member ids, as a regex fragment (no anchors, no group); it reads the same
# in Polars and DuckDB. Case-sensitive: ids differing only in case are different ids. Real
# ids run to 39 characters; twenty after the prefix keeps a word like `ACwAAmazing` out.
# The prefix stands apart: masking keeps it, and the erasure sweep tests for it first.
MEMBER_ID_STARTS = ("ACoAA", "ACwAA")
MEMBER_ID_PREFIX = "(?:" + "|".join(MEMBER_ID_STARTS) + ")"
MEMBER_ID_PATTERN = MEMBER_ID_PREFIX + r"[A-Za-z0-9_-]{20,}"
# The path segment after `/in/`, up to what ends it; the slug before any decoding.
_IN_PATH = rf"^{_LINKEDIN_HOST}/(?i:in)/([^/?#{_sql.SPACE}]+)"
# What a decoded slug must not hold: an encoded separator would make it a different path.
_NOT_IN_SLUG = rf"[/?#{_sql.SPACE}]"


def _decoded_slug(slug: str) -> str | None:
    """A percent-encoded slug as text (`j%C3%BCrgen` -> `jürgen`); None when it cannot be one."""
    try:
        decoded = unquote(slug, errors="strict")
    except UnicodeDecodeError:
        return None
    return None if re.search(r"[/?#\s]", decoded) else decoded


# A cell whose URL was percent-encoded once too often (`%252F`, `%25C3%25A9`: a tracking
# link's `url=` parameter, a CRM that encodes on every save), or whose separators are
# encoded (`linkedin.com%2Fin%2Fann`): it is decoded until it stops changing first.
_OVER_ENCODED = r"(?i)%(?:25[0-9a-f]{2}|2f|3a)"
_MAX_DECODINGS = 3


def _decoded_url(cell: str) -> str:
    """`cell` percent-decoded until it stops changing (at most three times); a decoding
    that yields bytes that are not UTF-8 is not taken."""
    for _ in range(_MAX_DECODINGS):
        try:
            decoded = unquote(cell, errors="strict")
        except UnicodeDecodeError:
            return cell
        if decoded == cell:
            return cell
        cell = decoded
    return cell


def linkedin_slug(expr: pl.Expr) -> pl.Expr:
    """The public profile slug of a LinkedIn URL cell, lower-case and URL-decoded; else null.

    Accepts `http(s)://`, bare, `www.` and country-subdomain URLs of the form `/in/<slug>`,
    ignoring what follows the slug (trailing slash, `/en` locale, `?originalSubdomain=uk`,
    fragment). Null for opaque member URLs (`/in/ACwAA…`, `/in/ACoAA…`: see
    `linkedin_member_id`), Sales Navigator URLs (`/sales/…`), and old `/pub/<name>/a/b/c`
    URLs — LinkedIn redirects those to a vanity slug by a rule it never published, and a
    guessed slug could belong to someone else.
    """
    slug, encoded = pl.field("value"), pl.field("encoded")
    text = expr.str.strip_chars()
    over_encoded = text.str.contains(_OVER_ENCODED)
    text = pl.when(over_encoded).then(
        _map_unique(pl.when(over_encoded).then(text), _decoded_url, pl.String())
    ).otherwise(text)
    return (
        _steps(
            text.str.extract(_IN_PATH, 1)
            .str.replace(rf"^{MEMBER_ID_PATTERN}$", ""),  # an opaque member id is no slug
            {"encoded": slug.str.contains("%", literal=True)},
            {
                "value": pl.when(encoded)
                .then(_map_unique(pl.when(encoded).then(slug), _decoded_slug, pl.String()))
                .otherwise(slug)
            },
        )
        .struct.field("value")
        .str.to_lowercase()
        .str.normalize("NFC")
        .replace("", None)
    )


def linkedin_slug_sql(column: str) -> str:
    """`linkedin_slug` as a DuckDB SQL expression over a text column (or SQL expression).

    The same URL shapes, member ids refused, percent-decoding (null when the bytes are not
    UTF-8 or decode to a separator), then lower-case and NFC. It agrees with `linkedin_slug` on
    public profile URLs; Python's and DuckDB's readings of a malformed escape (`%zz`) may
    differ.
    """
    s, d = "linkedin_slug_text", "linkedin_slug_decoded"
    # `try`: bytes that are not UTF-8 once decoded make no slug, as in `_decoded_slug`
    clean = f"case when not regexp_matches({d}, '{_NOT_IN_SLUG}') then {d} end"
    decoded = _sql.bind(f"try(url_decode({s}))", d, clean)
    body = f"""case when {s} <> '' and not regexp_full_match({s}, '{MEMBER_ID_PATTERN}')
        then nullif(nfc_normalize(lower(
            case when contains({s}, '%') then {decoded} else {s} end)), '')
        end"""
    u = "linkedin_slug_cell"
    # decoded until stable, as `_decoded_url`: three rounds, each kept only if it is UTF-8
    once = f"coalesce(try(url_decode({u})), {u})"
    twice = f"coalesce(try(url_decode({once})), {once})"
    thrice = f"coalesce(try(url_decode({twice})), {twice})"
    stable = f"case when regexp_matches({u}, '{_OVER_ENCODED}') then {thrice} else {u} end"
    cell = _sql.bind(_sql.trim(column), u, stable)
    return _sql.bind(f"regexp_extract({cell}, '{_IN_PATH}', 1)", s, body)


def linkedin_member_id(expr: pl.Expr) -> pl.Expr:
    """The opaque LinkedIn member id (`ACwAA…`/`ACoAA…`, case kept) in a cell; else null.

    Reads a bare id, an `/in/<id>` URL and the Sales Navigator forms
    `/sales/lead/<id>,NAME_SEARCH,xxxx?…` and `/sales/people/<id>,NAME_SEARCH,xxxx`.
    """
    return values.blank_to_null(expr).str.extract(_MEMBER_ID_CELL, 1)


# a cell that is a member id, or a profile or Sales Navigator URL around one (Rust and RE2 alike)
_MEMBER_ID_CELL = (
    rf"^(?:{_LINKEDIN_HOST}/(?i:in|sales/lead|sales/people)/)?({MEMBER_ID_PATTERN})"
    r"(?:[,/?#].*)?$"
)


def linkedin_member_id_sql(column: str) -> str:
    """`linkedin_member_id` as a DuckDB SQL expression over a text column (or SQL expression)."""
    return f"nullif(regexp_extract({_sql.trim(column)}, '{_MEMBER_ID_CELL}', 1), '')"


def linkedin_canonical_url(slug_expr: pl.Expr) -> pl.Expr:
    """`https://www.linkedin.com/in/<slug>` for a column of slugs from `linkedin_slug`."""
    return pl.concat_str(pl.lit("https://www.linkedin.com/in/"), slug_expr)
