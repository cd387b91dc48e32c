"""The vendors' words for industries and seniorities, in the ICP's terms.

Three documented tables, package data beside this module (`data/`):

- `industries.csv`: a vendor's industry (Apollo, LinkedIn, ZoomInfo, Lusha, Cognism,
  Crunchbase) -> the term ICP files use; an unlisted industry stays as spelled (folded);
- `seniorities.csv`: a vendor's level (`Vp`, `VP-Level`, `C suite`, `C-Level`, `Non-Manager`…)
  -> the ICP's seniorities (Apollo's vocabulary, `config.icp.SENIORITIES`);
- `title_seniority.csv`: ranked whole-word title rules, for people no vendor gives a level.

Terms are compared folded (`fold_term`), so the tables list each vendor's own spelling once.
"""

from __future__ import annotations

import functools
from importlib import resources

import polars as pl

# a title no rule of `title_seniority.csv` matches is an individual contributor
DEFAULT_TITLE_SENIORITY = "entry"


def fold_term(expr: pl.Expr) -> pl.Expr:
    """A term as compared: lower case, `&` read as `and`, any run of other punctuation or
    space one space (`Logistics & Supply Chain` = `logistics and supply-chain`)."""
    return (
        expr.str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
        .replace("", None)
    )


def _table(name: str) -> pl.DataFrame:
    text = resources.files(__package__).joinpath("data", name).read_bytes()
    return pl.read_csv(text, comment_prefix="#", infer_schema=False)


@functools.cache
def industry_table() -> pl.DataFrame:
    """`term` (folded vendor term) -> `industry` (the ICP's term), one row per term."""
    table = _table("industries.csv").select(
        fold_term(pl.col("vendor_term")).alias("term"), pl.col("industry").str.to_lowercase()
    )
    return table.unique(maintain_order=True).sort("term", "industry")


@functools.cache
def seniority_table() -> pl.DataFrame:
    """`term` (folded vendor level) -> `seniority` (one of `SENIORITIES`), one row per term."""
    table = _table("seniorities.csv").select(
        fold_term(pl.col("vendor_term").str.replace_all("_", " ")).alias("term"), "seniority"
    )
    return table.unique(maintain_order=True).sort("term", "seniority")


@functools.cache
def title_rules() -> pl.DataFrame:
    """The title rules in rank order: `rank`, `pattern`, `seniority`."""
    return _table("title_seniority.csv").with_columns(pl.col("rank").cast(pl.Int64)).sort("rank")


def vendor_industry(frame: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    """`frame` with `alias`: the ICP term for the vendor industry in `column` (folded when
    the table does not list it), null when there is none."""
    folded = frame.with_columns(fold_term(pl.col(column)).alias("_term"))
    table = industry_table().rename({"term": "_term", "industry": "_industry"})
    joined = folded.join(table, on="_term", how="left")
    return joined.with_columns(pl.coalesce("_industry", "_term").alias(alias)).drop(
        "_term", "_industry"
    )


def vendor_seniority(expr: pl.Expr) -> pl.Expr:
    """The ICP seniority a vendor's stated level means, null when the level is unknown."""
    table = seniority_table()
    folded = fold_term(expr.str.replace_all("_", " "))
    return folded.replace_strict(
        table["term"].to_list(), table["seniority"].to_list(), default=None, return_dtype=pl.String
    )


def _whole_words(pattern: str) -> str:
    return rf"(?:^|[^\p{{L}}\p{{N}}])(?:{pattern})(?:$|[^\p{{L}}\p{{N}}])"


def title_seniority(title: pl.Expr) -> pl.Expr:
    """The seniority a title implies (first matching rule), `entry` for any other title,
    null without a title."""
    lowered = title.str.to_lowercase()
    inferred: pl.Expr = pl.lit(DEFAULT_TITLE_SENIORITY)
    # rules applied last-to-first, so the lowest rank is the outermost `when`: it wins
    for pattern, seniority in reversed(title_rules().select("pattern", "seniority").rows()):
        inferred = (
            pl.when(lowered.str.contains(_whole_words(pattern)))
            .then(pl.lit(seniority))
            .otherwise(inferred)
        )
    return pl.when(title.str.strip_chars().str.len_chars() > 0).then(inferred)


__all__ = [
    "fold_term",
    "industry_table",
    "seniority_table",
    "title_rules",
    "title_seniority",
    "vendor_industry",
    "vendor_seniority",
]
