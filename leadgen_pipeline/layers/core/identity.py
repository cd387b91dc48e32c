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
from datetime import datetime

import polars as pl

from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.layers.core.resolve import content_columns, link_records
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


def _mint(anchor: str, taken: set[str]) -> str:
    """A new id from the cluster's anchor key: reproducible, and never one already in use."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{anchor}|{salt}".encode()).hexdigest()[:16]
        candidate = f"p_{digest}"
        if candidate not in taken:
            return candidate
        salt += 1


def _anchors(linked: pl.DataFrame) -> pl.DataFrame:
    """Per cluster, the smallest of its strongest keys: what a new id is minted from. A
    cluster with no key at all is anchored on its records' content (a SHA-256 of it), not
    their file rows, so reordering a file does not change anyone's id."""
    anchor = pl.coalesce(
        pl.concat_str(pl.lit("in:"), pl.col("linkedin_slug")),
        pl.concat_str(pl.lit("m:"), pl.col("linkedin_member_key")),
        pl.concat_str(pl.lit("e:"), pl.col("_continuity_email")),
        pl.concat_str(pl.lit("v:"), pl.col("vendor_key")),
    )
    keyed = linked.group_by("cluster_id").agg(anchor.min().alias("anchor"))
    keyless = keyed.filter(pl.col("anchor").is_null()).select("cluster_id")
    if keyless.is_empty():
        return keyed
    records = linked.join(keyless, on="cluster_id")
    content = [c for c in content_columns(records) if c in RAW_CONTENT]
    by_content = records.group_by("cluster_id").agg(
        pl.concat_str(pl.lit("c:"), sha256_column(pl.struct(content).struct.json_encode()))
        .min()
        .alias("content_anchor")
    )
    return keyed.join(by_content, on="cluster_id", how="left").select(
        "cluster_id", pl.coalesce("anchor", "content_anchor").alias("anchor")
    )


def assign_person_ids(
    linked: pl.DataFrame, previous: pl.DataFrame | None, built_at: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`linked` with `person_id`, the merge log of this build).

    `linked` is `resolve.link_records` output with `record_key` added; `previous` is the
    previous build's links (`person_id` plus the `LINK_KEY_COLUMNS`), or None.
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
    # each previous id goes to its strongest claimant; each cluster keeps one previous id
    ordered = claims.sort(["weight", "cluster_id", "person_id"], descending=[True, False, False])
    kept: dict[int, str] = {}
    taken: set[str] = set()
    for cluster, person, _ in ordered.iter_rows():
        if cluster not in kept and person not in taken:
            kept[cluster] = person
            taken.add(person)
    anchors = dict(_anchors(linked).iter_rows())  # needs _continuity_email
    all_ids = taken | (set(previous["person_id"].unique()) if previous is not None else set())
    ids: dict[int, str] = {}
    new_clusters = []
    for cluster in sorted(anchors, key=lambda c: anchors[c]):
        if cluster in kept:
            ids[cluster] = kept[cluster]
        else:
            ids[cluster] = _mint(anchors[cluster], all_ids)
            all_ids.add(ids[cluster])
            new_clusters.append(cluster)
    with_ids = linked.drop("_continuity_email").with_columns(
        pl.col("cluster_id").replace_strict(ids, return_dtype=pl.String).alias("person_id")
    )
    log = _merge_log(claims, kept, ids, new_clusters, sizes, previous, built_at)
    return with_ids, log


def _merge_log(
    claims: pl.DataFrame,
    kept: dict[int, str],
    ids: dict[int, str],
    new_clusters: list[int],
    sizes: pl.DataFrame,
    previous: pl.DataFrame | None,
    built_at: datetime,
) -> pl.DataFrame:
    size = dict(sizes.iter_rows())
    rows: list[dict] = []
    claimed_by = claims.group_by("person_id").agg(pl.col("cluster_id").unique())
    claims_of = dict(claims.group_by("cluster_id").agg(pl.col("person_id")).iter_rows())
    for cluster, person in kept.items():
        absorbed = sorted(set(claims_of.get(cluster, [])) - {person})
        if absorbed:
            rows.append(
                {
                    "event": "merge",
                    "person_id": person,
                    "related_person_ids": absorbed,
                    "records": size[cluster],
                    "detail": f"took over {len(absorbed)} earlier person(s) sharing its keys",
                }
            )
    for person, clusters in claimed_by.iter_rows():
        heirs = sorted(ids[c] for c in clusters if ids[c] != person)
        if len(clusters) > 1 and heirs:
            rows.append(
                {
                    "event": "split",
                    "person_id": person,
                    "related_person_ids": heirs,
                    "records": None,
                    "detail": "its records now resolve to more than one person",
                }
            )
    for cluster in new_clusters:
        rows.append(
            {
                "event": "new",
                "person_id": ids[cluster],
                "related_person_ids": [],
                "records": size[cluster],
                "detail": None,
            }
        )
    if previous is not None and previous.height:
        survivors = set(ids.values()) | set(claims["person_id"])
        for person in sorted(set(previous["person_id"]) - survivors):
            rows.append(
                {
                    "event": "retire",
                    "person_id": person,
                    "related_person_ids": [],
                    "records": 0,
                    "detail": "none of its records or keys remain",
                }
            )
    log = pl.DataFrame(rows, schema={k: v for k, v in MERGE_LOG_SCHEMA.items() if k != "built_at"})
    return log.with_columns(
        pl.lit(built_at).cast(pl.Datetime("us", "UTC")).alias("built_at")
    ).select(list(MERGE_LOG_SCHEMA))


LINK_COLUMNS = (
    "person_id",
    "source",
    "vendor",
    "source_file",
    "source_row",
    "source_record_id",
    "snapshot_id",
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
    raw_records: pl.DataFrame, previous: pl.DataFrame | None, built_at: datetime
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`core.contact_links`: one row per raw record with its `person_id` and the rule that
    linked it; the merge log of this build)."""
    linked = link_records(raw_records).with_columns(record_key())
    with_ids, log = assign_person_ids(linked, previous, built_at)
    return with_ids.select(LINK_COLUMNS), log
