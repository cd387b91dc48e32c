"""The company-name key: "Acme Ltd", "ACME Limited" and "Acme, Inc." all key as "acme".

Legal forms come from cleanco's own term list, so the key knows the forms of many countries,
plus `data/legal_forms.txt` for the long and stacked spellings it lacks ("Pty Limited",
"Public Limited Company"; name-key revision 2). The key corroborates a match on domain or
person; two companies can share a name.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl
from cleanco.clean import prepare_default_terms

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys import _data
from leadgen_pipeline.kernel.keys._data import NAME_KEY_REVISION


@cache
def legal_forms(revision: int = NAME_KEY_REVISION) -> frozenset[str]:
    """The trailing legal forms a revision removes: cleanco's term list ("ltd", "gmbh & co
    kg", ...), from revision 2 with `data/legal_forms.txt` ("pty limited", "dac", ...)."""
    _data.check_revision(revision)
    forms = frozenset(" ".join(tokens) for _, tokens in prepare_default_terms())
    return forms | _data.word_set("legal_forms.txt") if revision >= 2 else forms


@cache
def _legal_form_pattern(revision: int) -> str:
    """A trailing legal form of `revision`, longest alternative first."""
    forms = legal_forms(revision)
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return rf"(?:\s(?:{alternatives})){{1,3}}$"


def company_name_key(expr: pl.Expr, *, revision: int = NAME_KEY_REVISION) -> pl.Expr:
    """A comparison key for a company name: "Acme Ltd", "ACME Limited", "Acme, Inc." -> "acme".

    Legal forms removed with `legal_forms(revision)` (stacked ones too: "Co., Ltd."), never down
    to nothing; lower-cased, accents folded, `&` read as `and`, punctuation dropped, spaces
    collapsed, a leading "the" dropped. Vectorised: one regex over the whole column, not a
    cleanco call per distinct name (which dominated entity resolution at a million rows).
    """
    return expr.map_batches(
        lambda names: _company_name_keys(names, revision), return_dtype=pl.String
    )


def _company_name_keys(names: pl.Series, revision: int) -> pl.Series:
    """`company_name_key` of a column, computed once per distinct name."""
    distinct = names.drop_nulls().unique()
    keys = pl.DataFrame({"name": distinct}).select(_company_name_key_expr(pl.col("name"), revision))
    return names.replace_strict(distinct, keys.to_series(), default=None, return_dtype=pl.String)


def _company_name_key_expr(expr: pl.Expr, revision: int) -> pl.Expr:
    text = (
        values.blank_to_null(expr)
        .str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(r"[.,']", "")  # "A.C.M.E.", "S.A.", "Co., Ltd." close up
        .str.replace_all(r"[^\w\s&/]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    # up to three stacked legal forms ("co ltd", "pty ltd") in one pass; each needs the space
    # before it, so the first word always stays and a name is never keyed down to nothing
    text = text.str.replace(_legal_form_pattern(revision), "")
    key = (
        text.str.replace_all("&", " and ")
        .str.replace_all(r"[^\w\s]|_", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(r"^the ", "")
    )
    return pl.when(key.str.len_chars() > 0).then(key)
