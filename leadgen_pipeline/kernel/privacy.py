"""Masked previews: a table's first rows as text, with personal data masked by what it is.

Personal data stays in the store; whatever leaves it for Dagster's event log must be masked,
since an erasure request can never reach that log. `masked_preview` renders every cell as
text (struct and list cells as JSON) and masks values, not columns:

- emails (also inside JSON text, URLs and `+tag`ged) -> `a***@domain`;
- LinkedIn `/in/<slug>` (and old `/pub/<name>`) paths, in URLs or bare -> `/in/a***`;
- LinkedIn member ids (`ACwAA…`/`ACoAA…`, `MEMBER_ID_PATTERN`) -> `ACwAA***`;
- phone numbers of 7+ digits: international (`+44 20 7946 0958`, `+447946...`, `0044 …`)
  -> `+44 ***` (the country code at most), national (`07946 095800`, `(415) 555-0134`,
  `415-555-0134`) -> `***`.

Dates, times, amounts, employee ranges (`1001-5000`), hex ids and SHA-256 digests (how erased
keys are kept) are left as they are: a number with no `+`, `00`, trunk `0`, bracketed area code
or three digit groups is not read as a phone.

Some personal values have no shape to recognise (a name, a bare slug like `sarahmoreau`, a
match's evidence `jane doe ~ jane doe @ acme.com`); they are masked whole, first letter and
`***`, wherever a column, struct field or JSON key is named for them (`WHOLE_CELL_NAMES`).
"""

from __future__ import annotations

import re

import polars as pl

from leadgen_pipeline.kernel.keys.linkedin import MEMBER_ID_PATTERN, MEMBER_ID_PREFIX

MASK = "***"
# an email, also percent-encoded in a URL; groups: first character, `@` or `%40`, domain.
# Plain regex syntax both Polars (Rust) and Python's `re` read the same way.
EMAIL_PATTERN = r"([\w.%+'-])[\w.%+'-]*(@|%40)((?:[\w-]+\.)+[A-Za-z]{2,})"

# Columns, struct fields and JSON keys whose whole value is personal: person names (in the
# spellings vendors use: `first_name`, `First Name`, `firstName`, `Name`), bare LinkedIn slugs
# and the evidence a record match was made on. Case-insensitive; the whole name must match.
WHOLE_CELL_NAMES = (
    r"(?:(?:first|last|full|given|family|middle|sur|contact|person|display)[ _-]?)?name"
    r"|linkedin[ _-]?slug|match[ _-]?evidence"
)
_WHOLE_CELL_COLUMN = re.compile(rf"(?i:{WHOLE_CELL_NAMES})")
# `"<key>": "<value>"` in JSON text (struct cells, JSON columns): the value masked whole.
_JSON_CHAR = r'(?:[^"\\]|\\.)'
_WHOLE_CELL_JSON = rf'((?i:"(?:{WHOLE_CELL_NAMES})")\s*:\s*")({_JSON_CHAR}){_JSON_CHAR}*"'

_MEMBER_ID = f"({MEMBER_ID_PREFIX}){MEMBER_ID_PATTERN.removeprefix(MEMBER_ID_PREFIX)}"

# Separators inside a phone number: space, no-break space, dot, hyphen (brackets in `_GAP`).
_SEP = r"[ .\-\u00a0]"
_GAP = r"[ .\-()\u00a0]{0,2}"

# Dates and times whose digits would otherwise read as a phone (`06.11.2025`, `05-11-2025`,
# `12:00:05.000000`): their separators are swapped for private-use placeholders while phones
# are masked, then put back. (ISO dates never read as one: `2026-06-25`.)
_HYPHEN, _DOT = "\ue000", "\ue001"
_PROTECT = [
    (r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", f"${{1}}{_DOT}${{2}}{_DOT}${{3}}"),
    (r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", f"${{1}}{_HYPHEN}${{2}}{_HYPHEN}${{3}}"),
    (r"(\d:\d{2})\.(\d)", f"${{1}}{_DOT}${{2}}"),
]

# (pattern, replacement) in order: emails before paths and ids before phones, so that no
# digit run of an address or a slug is left for the phone rules to half-mask.
_RULES = [
    # an email, also percent-encoded in a URL (`jane%40acme.com`)
    (EMAIL_PATTERN, rf"${{1}}{MASK}${{2}}${{3}}"),
    # a public profile path, with or without a linkedin.com host
    (r"(?i)(/(?:in|pub)/)([^/?#&\s\"'<>|\\,;)])[^/?#&\s\"'<>|\\,;)]*", rf"${{1}}${{2}}{MASK}"),
    # old profile URLs by numeric id
    (r"(?i)(profile/view\?id=)[^&#\s\"']+", rf"${{1}}{MASK}"),
    # a member id anywhere else (bare, Sales Navigator `/sales/lead/<id>,NAME_SEARCH,…`)
    (_MEMBER_ID, rf"${{1}}{MASK}"),
    # international with a separated country code: `+44 20 7946 0958`, `0044 (0)20 …`
    (rf"(?:\+|\b00)(\d{{1,3}}){_SEP}{{1,2}}\(?\d(?:{_GAP}\d){{5,}}\b", rf"+${{1}} {MASK}"),
    # international, country code not told apart: `+447946095800`
    (rf"(?:\+|\b00)\d(?:{_GAP}\d){{6,}}\b", f"+{MASK}"),
    # national with a trunk 0: `07946 095800`, `020 7946 0958`, `(020) 7946 0958`
    (rf"\(?\b0\d(?:{_GAP}\d){{5,}}\b", MASK),
    # national with a bracketed area code: `(415) 555-0134`
    (rf"\(\d{{2,5}}\){_SEP}?\d(?:{_SEP}{{0,2}}\d){{4,}}\b", MASK),
    # national in three or more digit groups: `415-555-0134`, `415 555 0134`
    (rf"\b\d{{2,4}}{_SEP}\d{{3,4}}(?:{_SEP}\d{{2,4}})+\b", MASK),
]


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column as text per cell: nested cells (structs, lists) as JSON, nulls as ''."""
    column = pl.col(name)
    if dtype.is_nested():
        text = (
            pl.struct(column.alias("v"))
            .struct.json_encode()
            .str.strip_prefix('{"v":')
            .str.strip_suffix("}")
        )
        text = pl.when(column.is_null()).then(None).otherwise(text)
    elif dtype == pl.Binary:
        text = pl.format("<{} bytes>", column.bin.size())
    elif isinstance(dtype, pl.Datetime):  # as Python prints one: no `.000000`
        text = column.dt.to_string("%Y-%m-%d %H:%M:%S%.f" + ("%:z" if dtype.time_zone else ""))
    else:
        text = column.cast(pl.String)
    return text.fill_null("").alias(name)


def _masked_whole(text: pl.Expr) -> pl.Expr:
    """First letter and `***`: how a value with no recognisable shape is masked."""
    trimmed = text.str.strip_chars()
    return pl.when(trimmed == "").then(pl.lit("")).otherwise(trimmed.str.slice(0, 1) + MASK)


def _mask_text(text: pl.Expr) -> pl.Expr:
    """Every email, LinkedIn path, member id and phone number in a text column masked; the
    whole value of every JSON key named like a person's name, slug or match evidence."""
    text = text.str.replace_all(_WHOLE_CELL_JSON, "${1}${2}" + MASK + '"')
    for pattern, replacement in _PROTECT:
        text = text.str.replace_all(pattern, replacement)
    for pattern, replacement in _RULES:
        text = text.str.replace_all(pattern, replacement)
    text = text.str.replace_all(_HYPHEN, "-", literal=True)
    return text.str.replace_all(_DOT, ".", literal=True)


def masked_preview(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every cell as text and its personal data masked: safe for an event log.

    Values are masked by what they are, wherever they are (any column, a struct field, a list
    item, JSON text); columns named for a person's name, a bare slug or a match's evidence are
    masked whole. Nulls become ''.
    """
    if frame.width == 0 or frame.height == 0:
        return frame.select(pl.col(name).cast(pl.String) for name in frame.columns).clear()
    whole = [name for name in frame.columns if _WHOLE_CELL_COLUMN.fullmatch(name)]
    # every cell in one text column, so each masking regex is compiled once for the frame
    # rather than once per column (a preview has a few rows but up to a hundred columns)
    cells = (
        frame.select(_as_text(name, dtype) for name, dtype in frame.schema.items())
        .with_row_index("_row")
        .unpivot(index="_row", variable_name="_column", value_name="_text")
    )
    text = pl.col("_text")
    masked = cells.with_columns(
        pl.when(pl.col("_column").is_in(whole))
        .then(_masked_whole(text))
        .otherwise(_mask_text(text))
        .alias("_text")
    )
    return masked.pivot("_column", index="_row", values="_text").select(frame.columns)
