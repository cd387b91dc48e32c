"""When two addresses at one company mean two people.

The fuzzy pass links records by name at a company; an address each side holds can say they
are two people after all, but only in two ways:

- a number tells namesakes apart: a mail admin gives the second Donna `donna2@` beside
  `donna@` (any two different trailing numbers at one registrable domain);
- each local part spells its own side's name and not the other's (`maria.garcia@` and
  `maria.garza@` for a Maria Garcia and a Maria Garza).

Anything else is one person's addresses: a vendor guessing another pattern at the same domain
(`jdoe@` for `jane.doe@`), or a personal address (gmail and the like) beside a work one, whose
domains differ. The rule is one set-based pass over the address pairs of clusters a fuzzy
edge could join, so it also holds across a chain of links (A~B and B~C never join A and C
if their addresses conflict).
"""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.kernel.keys import registrable_domain
from leadgen_pipeline.kernel.keys.email import mailbox_number, mailbox_stem
from leadgen_pipeline.kernel.keys.person import mailbox_patterns, mailbox_word

CLUSTER = "exact_cluster"
ADDRESS_PAIR_SCHEMA = {"a": pl.Int64, "b": pl.Int64}


def address_facts(records: pl.DataFrame) -> pl.DataFrame:
    """(cluster, address, domain, stem, number) per personal address of each cluster.
    `records` carry `exact_cluster`, `email_key` and `email_is_role`."""
    personal = records.filter(
        pl.col("email_key").is_not_null() & ~pl.col("email_is_role").fill_null(False)
    )
    addresses = personal.select(CLUSTER, pl.col("email_key").alias("address")).unique()
    return addresses.with_columns(
        registrable_domain(pl.col("address")).alias("domain"),
        mailbox_stem(pl.col("address")).alias("stem"),
        mailbox_number(pl.col("address")).alias("number"),
    ).drop_nulls("domain")


def name_stems(records: pl.DataFrame) -> pl.DataFrame:
    """(cluster, stem) for every mailbox stem a cluster's names give (as written and
    nickname-read). `records` carry `exact_cluster`, `first_name`, `first_name_key` and
    `last_name`."""
    words = (
        records.select(CLUSTER, "first_name", "first_name_key", "last_name")
        .unique()
        .select(
            CLUSTER,
            mailbox_word(pl.col("first_name")).alias("given"),
            mailbox_word(pl.col("first_name_key")).alias("nick"),
            mailbox_word(pl.col("last_name")).alias("surname"),
        )
    )
    stems = [
        *mailbox_patterns(pl.col("given"), pl.col("surname")),
        *mailbox_patterns(pl.col("nick"), pl.col("surname")),
    ]
    return (
        words.select(CLUSTER, pl.concat_list(stems).alias("stem"))
        .explode("stem")
        .drop_nulls("stem")
        .unique()
    )


def address_conflict() -> pl.Expr:
    """On a pair of addresses at one registrable domain (columns of `address_facts`, the
    right side suffixed `_r`, and whether each stem is one of either side's name stems:
    `stem_own`, `stem_other`, `stem_r_own`, `stem_r_other`): true when they are two people's."""
    numbered_apart = pl.col("number") != pl.col("number_r")
    left_is_left = pl.col("stem_own") & ~pl.col("stem_other")
    right_is_right = pl.col("stem_r_own") & ~pl.col("stem_r_other")
    return (pl.col("address") != pl.col("address_r")) & (
        numbered_apart | (left_is_left & right_is_right)
    )


def _spells(
    pairs: pl.DataFrame, names: pl.DataFrame, stem: str, cluster: str, flag: str
) -> pl.DataFrame:
    """`pairs` with `flag`: whether `stem` is one of `cluster`'s name stems."""
    hits = names.rename({CLUSTER: cluster, "stem": stem}).with_columns(pl.lit(True).alias(flag))
    return pairs.join(hits, on=[cluster, stem], how="left").with_columns(
        pl.col(flag).fill_null(False)
    )


def conflicting_clusters(records: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """(a, b), a < b: cluster pairs of one group (`groups`: `node`, `label`) whose addresses
    say they are two people (`records`: the clusters' records, as `address_facts` and
    `name_stems` read them). Pairs are only formed inside a group and at one domain, and
    names are read only for clusters in such a pair, so the work stays small."""
    grouped = address_facts(records).join(groups.rename({"node": CLUSTER}), on=CLUSTER)
    right = f"{CLUSTER}_r"
    pairs = grouped.join(grouped, on=["label", "domain"], suffix="_r").filter(
        (pl.col(CLUSTER) < pl.col(right)) & (pl.col("address") != pl.col("address_r"))
    )
    if pairs.is_empty():
        return pl.DataFrame(schema=ADDRESS_PAIR_SCHEMA)
    paired = pl.concat([pairs[CLUSTER], pairs[right]]).unique()
    names = name_stems(records.filter(pl.col(CLUSTER).is_in(paired.implode())))
    for stem, cluster, flag in (
        ("stem", CLUSTER, "stem_own"),
        ("stem", right, "stem_other"),
        ("stem_r", right, "stem_r_own"),
        ("stem_r", CLUSTER, "stem_r_other"),
    ):
        pairs = _spells(pairs, names, stem, cluster, flag)
    return (
        pairs.filter(address_conflict())
        .select(pl.col(CLUSTER).alias("a"), pl.col(right).alias("b"))
        .unique()
        .cast(ADDRESS_PAIR_SCHEMA)  # type: ignore[arg-type]
    )
