"""Stable person ids: a person keeps their `person_id` across rebuilds while any of their
records (or any of their identity keys) persists; merges and splits are logged.

A rebuild re-clusters every record from scratch; ids are then carried over from the
previous build's links through the evidence both share: the same raw record (same file and
row of the same snapshot), the same LinkedIn slug or member id, the same address, the same
vendor id. Each previous id goes to the one new cluster with the most evidence for it; a
cluster that takes over two or more previous people is a merge, a previous person whose
evidence now sits in two clusters is a split, and a cluster with no history gets a new id
minted from its own keys, so even a first build is reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

import polars as pl

from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.layers.core.resolve import RECORD_ORIGIN, content_columns, link_records
from leadgen_pipeline.layers.raw.canonical import RECORD_COLUMNS

# evidence of continuity, strongest first; the weights make one shared raw record outweigh
# any number of shared keys, and a shared LinkedIn identity outweigh shared addresses
CONTINUITY_KEYS: dict[str, int] = {
    "record_key": 1000,
    "linkedin_slug": 100,
    "linkedin_member_key": 100,
    "vendor_key": 50,
    "email_key": 10,
}
LINK_KEY_COLUMNS = ("record_key", "linkedin_slug", "linkedin_member_key", "vendor_key", "email_key")

# what a raw record says, for anchoring a person no key names (lineage says where it sits)
RAW_CONTENT = frozenset(RECORD_COLUMNS) | {"source", "vendor", "source_file", "source_record_id"}

MERGE_LOG_SCHEMA = {
    "built_at": pl.Datetime("us", "UTC"),
    "event": pl.String,  # new | merge | split | retire
    "person_id": pl.String,
    "related_person_ids": pl.List(pl.String),
    "records": pl.Int64,
    "detail": pl.String,
}


def record_key() -> pl.Expr:
    """A raw record's identity across rebuilds: its snapshot, file and row."""
    return pl.concat_str(
        pl.col("snapshot_id"),
        pl.lit("|"),
        pl.col("source_file"),
        pl.lit("#"),
        pl.col("source_row").cast(pl.String),
    ).alias("record_key")


def _evidence(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """(key_type, key, id) for every continuity key of every record; role inboxes excluded."""
    parts = []
    for key in CONTINUITY_KEYS:
        part = frame.select(
            pl.lit(key).alias("key_type"), pl.col(key).cast(pl.String).alias("key"), id_column
        )
        if key == "email_key" and "email_is_role" in frame.columns:
            part = part.filter(~frame["email_is_role"].fill_null(False))
        parts.append(part.drop_nulls("key"))
    evidence = pl.concat(parts).unique()
    # a key held by two people (a shared inbox, a recycled id) says nothing about either
    return evidence.filter(pl.col(id_column).n_unique().over("key_type", "key") == 1)


def _candidate_id(anchor: str, salt: int = 0) -> str:
    return f"p_{hashlib.sha256(f'{anchor}|{salt}'.encode()).hexdigest()[:16]}"


def _mint(anchor: str, taken: set[str]) -> str:
    """A new id from the cluster's anchor key: reproducible, and never one already in use."""
    salt = 0
    while (candidate := _candidate_id(anchor, salt)) in taken:
        salt += 1
    return candidate


def _mint_ids(new: pl.DataFrame, in_use: set[str]) -> pl.DataFrame:
    """(cluster_id, person_id) for clusters without history, `new` sorted by anchor: each id
    minted from its anchor, the first in anchor order taking the unsalted digest. Only ids
    that clash (an anchor two clusters share, an id already in use) go through `_mint`."""
    minted = new.with_columns(
        pl.Series("person_id", [_candidate_id(a) for a in new["anchor"]], dtype=pl.String)
    )
    clash = pl.col("person_id").is_duplicated() | pl.col("person_id").is_in(list(in_use))
    clean = minted.filter(~clash)
    taken = in_use | set(clean["person_id"])
    clashing = minted.filter(clash)
    salted = []
    for anchor in clashing["anchor"]:  # in anchor order: each id is taken before the next
        salted.append(_mint(anchor, taken))
        taken.add(salted[-1])
    return pl.concat(
        [
            clean.select("cluster_id", "person_id"),
            clashing.select("cluster_id", pl.Series("person_id", salted, dtype=pl.String)),
        ]
    )


# past this many rounds of mutual best claims, the rest is settled one claim at a time
_CLAIM_ROUNDS = 20


def _kept_ids(claims: pl.DataFrame) -> pl.DataFrame:
    """(cluster_id, person_id): each previous id goes to its strongest claimant and each
    cluster keeps at most one, taking claims greedily by weight, then cluster and person id.

    Set-based: a claim that is the best left both for its cluster and for its person is one
    the greedy pass takes, so each round takes all of them at once.
    """
    remaining = claims.sort(
        ["weight", "cluster_id", "person_id"], descending=[True, False, False]
    ).with_row_index("_rank")
    kept = [remaining.clear().select("cluster_id", "person_id")]
    for _ in range(_CLAIM_ROUNDS):
        if remaining.is_empty():
            break
        best = pl.col("_rank").min()
        mutual = remaining.filter(
            (pl.col("_rank") == best.over("cluster_id"))
            & (pl.col("_rank") == best.over("person_id"))
        ).select("cluster_id", "person_id")
        kept.append(mutual)
        remaining = remaining.join(mutual, on="cluster_id", how="anti").join(
            mutual, on="person_id", how="anti"
        )
    clusters: set[int] = set()
    people: set[str] = set()
    rest = []
    for cluster, person in remaining.sort("_rank").select("cluster_id", "person_id").iter_rows():
        if cluster not in clusters and person not in people:
            clusters.add(cluster)
            people.add(person)
            rest.append((cluster, person))
    kept.append(pl.DataFrame(rest, schema=kept[0].schema, orient="row"))
    return pl.concat(kept)


# the records of some clusters (`cluster_id` and the record's place) -> those rows with
# everything the raw records say, for linked records narrowed to what linking reads
ContentOf = Callable[[pl.DataFrame], pl.DataFrame]
# a raw record's place, which `record_key` spells as text: its snapshot, file and row
RECORD_PLACE = ["snapshot_id", "source_file", "source_row"]


def _with_content(
    linked: pl.DataFrame, clusters: pl.DataFrame, content_of: ContentOf | None
) -> pl.DataFrame:
    """The records of `clusters` with their content: from `linked` itself, or through
    `content_of` when `linked` does not hold it."""
    rows = linked.join(clusters, on="cluster_id")
    if content_of is None or rows.is_empty():
        return rows
    return content_of(rows.select("cluster_id", *RECORD_PLACE))


def _anchors(linked: pl.DataFrame, content_of: ContentOf | None = None) -> pl.DataFrame:
    """Per cluster, what a new id is minted from: the smallest, as text, of its records'
    anchor keys, each record's strongest key with its type in front (`in:` LinkedIn slug,
    `m:` member id, `e:` address, `v:` vendor id), so an address can anchor a cluster that
    also holds a slug (`e:` sorts before `in:`). A cluster with no key at all is anchored on
    its records' content (a SHA-256 of it), not their file rows, so reordering a file does
    not change anyone's id. `_tie` (the smallest hash of its records' content, set only where
    two clusters share an anchor) orders those clusters the same way whatever the row order.
    Content is read only for those two kinds of cluster (through `content_of`, if given)."""
    anchor = pl.coalesce(
        pl.concat_str(pl.lit("in:"), pl.col("linkedin_slug")),
        pl.concat_str(pl.lit("m:"), pl.col("linkedin_member_key")),
        pl.concat_str(pl.lit("e:"), pl.col("_continuity_email")),
        pl.concat_str(pl.lit("v:"), pl.col("vendor_key")),
    )

    def content(rows: pl.DataFrame) -> pl.Expr:
        return pl.struct([c for c in content_columns(rows) if c in RAW_CONTENT])

    anchors = linked.group_by("cluster_id").agg(anchor.min().alias("anchor"))
    keyless = anchors.filter(pl.col("anchor").is_null()).select("cluster_id")
    if not keyless.is_empty():
        rows = _with_content(linked, keyless, content_of)
        by_content = rows.group_by("cluster_id").agg(
            pl.concat_str(pl.lit("c:"), sha256_column(content(rows).struct.json_encode()))
            .min()
            .alias("content_anchor")
        )
        anchors = anchors.join(by_content, on="cluster_id", how="left").select(
            "cluster_id", pl.coalesce("anchor", "content_anchor").alias("anchor")
        )
    # only clusters that share an anchor need the tie-break
    shared = anchors.filter(pl.col("anchor").is_duplicated()).select("cluster_id")
    rows = _with_content(linked, shared, content_of)
    ties = rows.group_by("cluster_id").agg(content(rows).hash(seed=0).min().alias("_tie"))
    return anchors.join(ties, on="cluster_id", how="left")


def assign_person_ids(
    linked: pl.DataFrame,
    previous: pl.DataFrame | None,
    built_at: datetime,
    content_of: ContentOf | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`linked` with `person_id`, the merge log of this build).

    `linked` is `resolve.link_records` output with `record_key` added; `previous` is the
    previous build's links (`person_id` plus the `LINK_KEY_COLUMNS`), or None;
    `content_of` reads the content of records `linked` holds without it (`_anchors`).
    """
    linked = linked.with_columns(
        pl.when(pl.col("email_is_role").fill_null(False))
        .then(None)
        .otherwise(pl.col("email_key"))
        .alias("_continuity_email")
    )
    current = _evidence(
        linked.with_columns(pl.col("_continuity_email").alias("email_key")), "cluster_id"
    )
    sizes = linked.group_by("cluster_id").agg(pl.len().alias("records"))
    claims = pl.DataFrame(
        schema={"cluster_id": pl.Int64, "person_id": pl.String, "weight": pl.Int64}
    )
    if previous is not None and previous.height:
        before = _evidence(previous, "person_id")
        claims = (
            current.join(before, on=["key_type", "key"])
            .with_columns(
                pl.col("key_type").replace_strict(CONTINUITY_KEYS, return_dtype=pl.Int64).alias("w")
            )
            .group_by("cluster_id", "person_id")
            .agg(pl.col("w").sum().alias("weight"))
        )
    kept = _kept_ids(claims)
    new = (
        _anchors(linked, content_of)
        .join(kept, on="cluster_id", how="anti")
        .sort("anchor", "_tie", "cluster_id")
    )
    # every kept id is a previous one (claims come from the previous links)
    in_use = set(previous["person_id"]) if previous is not None else set()
    minted = _mint_ids(new, in_use)
    ids = pl.concat([kept, minted])
    # the id as a column beside `linked`, which is not copied (it can be every raw column)
    person_id = (
        linked.select("cluster_id")
        .join(ids, on="cluster_id", how="left", maintain_order="left")
        .get_column("person_id")
    )
    with_ids = linked.drop("_continuity_email").with_columns(person_id)
    log = _merge_log(claims, kept, minted, ids, sizes, previous, built_at)
    return with_ids, log


_EVENT_ORDER = {"merge": 0, "split": 1, "new": 2, "retire": 3}


def _merge_log(
    claims: pl.DataFrame,
    kept: pl.DataFrame,
    minted: pl.DataFrame,
    ids: pl.DataFrame,
    sizes: pl.DataFrame,
    previous: pl.DataFrame | None,
    built_at: datetime,
) -> pl.DataFrame:
    """This build's merges, splits, new and retired people, one row each, in a fixed order."""
    absorbed = pl.col("person_id").filter(pl.col("person_id") != pl.col("_kept")).unique().sort()
    merges = (
        claims.join(kept.rename({"person_id": "_kept"}), on="cluster_id")
        .group_by("cluster_id", "_kept")
        .agg(absorbed.alias("related_person_ids"))
        .filter(pl.col("related_person_ids").list.len() > 0)
        .join(sizes, on="cluster_id")
        .select(
            pl.lit("merge").alias("event"),
            pl.col("_kept").alias("person_id"),
            "related_person_ids",
            "records",
            pl.format(
                "took over {} earlier person(s) sharing its keys",
                pl.col("related_person_ids").list.len(),
            ).alias("detail"),
        )
    )
    heirs = pl.col("_heir").filter(pl.col("_heir") != pl.col("person_id")).unique().sort()
    splits = (
        claims.select("cluster_id", "person_id")
        .unique()
        .join(ids.rename({"person_id": "_heir"}), on="cluster_id")
        .group_by("person_id")
        .agg(pl.len().alias("_clusters"), heirs.alias("related_person_ids"))
        .filter((pl.col("_clusters") > 1) & (pl.col("related_person_ids").list.len() > 0))
        .select(
            pl.lit("split").alias("event"),
            "person_id",
            "related_person_ids",
            pl.lit(None, dtype=pl.Int64).alias("records"),
            pl.lit("its records now resolve to more than one person").alias("detail"),
        )
    )
    new = minted.join(sizes, on="cluster_id").select(
        pl.lit("new").alias("event"),
        "person_id",
        pl.lit([], dtype=pl.List(pl.String)).alias("related_person_ids"),
        "records",
        pl.lit(None, dtype=pl.String).alias("detail"),
    )
    events = [merges, splits, new]
    if previous is not None and previous.height:
        survivors = pl.concat([ids["person_id"], claims["person_id"]])
        events.append(
            previous.select(pl.col("person_id").unique())
            .filter(~pl.col("person_id").is_in(survivors.implode()))
            .select(
                pl.lit("retire").alias("event"),
                "person_id",
                pl.lit([], dtype=pl.List(pl.String)).alias("related_person_ids"),
                pl.lit(0, dtype=pl.Int64).alias("records"),
                pl.lit("none of its records or keys remain").alias("detail"),
            )
        )
    schema = {k: v for k, v in MERGE_LOG_SCHEMA.items() if k != "built_at"}
    log = pl.concat([frame.cast(schema) for frame in events])
    return (
        log.sort(pl.col("event").replace_strict(_EVENT_ORDER), "person_id")
        .with_columns(pl.lit(built_at).cast(pl.Datetime("us", "UTC")).alias("built_at"))
        .select(list(MERGE_LOG_SCHEMA))
    )


LINK_COLUMNS = (
    "person_id",
    *RECORD_ORIGIN,
    "match_rule",
    "match_evidence",
    "record_key",
    "email_norm",
    "email_key",
    "email_is_role",
    "linkedin_slug",
    "linkedin_member_key",
    "vendor_key",
    "company_domain_key",
)


def build_contact_links(
    raw_records: pl.DataFrame,
    previous: pl.DataFrame | None,
    built_at: datetime,
    content_of: ContentOf | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`core.contact_links`: one row per raw record with its `person_id` and the rule that
    linked it; the merge log of this build).

    `raw_records` are whole canonical records, or narrowed to what linking reads (see
    `link_records`), with `content_of` to read the rest of the few it needs."""
    linked = link_records(raw_records).with_columns(record_key())
    with_ids, log = assign_person_ids(linked, previous, built_at, content_of)
    # in the records' own order, not the order the raw union was read back in
    return with_ids.select(LINK_COLUMNS).sort(RECORD_PLACE), log
