"""Entity resolution: source records -> people, set-based.

1. Exact keys join records transitively: normalised email, public LinkedIn slug, opaque
   LinkedIn member id, and the vendor's own record id. Connected components are found by
   SciPy's graph traversal over a star per key value.
2. Shared inboxes never merge people: a role address (info@, sales@…) is no key, and
   neither is any address, member id or vendor id seen with two different public slugs, nor
   an address or vendor id seen under two surnames (`james@` guessed for James Turner and
   James Price, `pierre@` given to Pierre Becker after Pierre Baker left).
3. A fuzzy pass links the components that share no key: same company domain, and names
   that agree after nickname folding (or differ by a typo), blocked on domain + first name
   and domain + last name so the candidate pairs stay near-linear. Two components never
   merge when they carry different LinkedIn identities, or addresses that name two people
   (`addresses.py`: numbered namesakes, or each address spelling its own side's name); and
   a record that could join either of two such namesakes joins neither.
4. Job changers: a record at a person's previous employer (named in the current record's
   employment history) is linked to the current record by name (`job_changes.py`), under
   the same refusals as the fuzzy pass.

The result keeps every input row and adds `cluster_id` (a dense integer, arbitrary per
run), `match_rule` (the strongest rule that tied the record to its cluster) and
`match_evidence` (the key value or the pair that did it).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist
from scipy.sparse import coo_array, csgraph

from leadgen_pipeline.kernel.keys import MATCH_KEY_COLUMNS, match_keys
from leadgen_pipeline.layers.core.addresses import ADDRESS_PAIR_SCHEMA, conflicting_clusters
from leadgen_pipeline.layers.core.job_changes import JOB_CHANGE_RULE, job_change_edges

RECORD = "__record"
# strongest first: the rule named on a record is the first of these it links through
EXACT_KEYS: tuple[str, ...] = (
    "linkedin_slug",
    "linkedin_member_key",
    "email_key",
    "vendor_key",
    # the same row twice in one file (two exports concatenated): one person, whatever the
    # one-record-per-file rule says of two rows of a file
    "duplicate_row",
)
FUZZY_RULE = "fuzzy_name_at_domain"
# a fuzzy or job-change link between two exact clusters, with what tied them
EDGE_SCHEMA = {"a": pl.Int64, "b": pl.Int64, "evidence": pl.String, "rule": pl.String}
SINGLETON = "singleton"
NAME_SIMILARITY = 0.92  # Jaro-Winkler on folded names: catches typos, not other people


def _vendor_key() -> pl.Expr:
    """The vendor's own id, namespaced by vendor: the same contact in two of its exports."""
    return (
        pl.when(pl.col("source_record_id").is_not_null())
        .then(pl.concat_str(pl.col("vendor"), pl.lit(":"), pl.col("source_record_id")))
        .alias("vendor_key")
    )


def _key_edges(keyed: pl.DataFrame) -> pl.DataFrame:
    """(record, key_type, key_value) for every usable exact key of every record."""
    frames = []
    for key in EXACT_KEYS:
        column = keyed.select(RECORD, pl.lit(key).alias("key_type"), pl.col(key).alias("key"))
        if key == "email_key":
            column = column.filter(~keyed["email_is_role"].fill_null(False))
        frames.append(column.drop_nulls("key"))
    edges = pl.concat(frames)
    # a key shared by two public slugs is a shared inbox (or a shared id): it links no one
    slugs = keyed.select(RECORD, "linkedin_slug").drop_nulls()
    ambiguous = (
        edges.filter(pl.col("key_type") != "linkedin_slug")
        .join(slugs, on=RECORD)
        .group_by("key_type", "key")
        .agg(pl.col("linkedin_slug").n_unique().alias("slugs"))
        .filter(pl.col("slugs") > 1)
        .select("key_type", "key")
    )
    # a vendor id on two different rows of one export was given to two people (a row
    # repeated whole is the duplicate_row key's business): it links no one either
    reused = (
        edges.filter(pl.col("key_type") == "vendor_key")
        .join(keyed.select(RECORD, "source_file", "duplicate_row"), on=RECORD)
        .group_by("key_type", "key", "source_file")
        .agg(pl.col("duplicate_row").n_unique().alias("rows"))
        .filter(pl.col("rows") > 1)
        .select("key_type", "key")
    )
    ambiguous = pl.concat([ambiguous, reused, _keys_naming_two_people(keyed, edges)]).unique()
    return edges.join(ambiguous, on=["key_type", "key"], how="anti")


# keys a vendor can give to the wrong person (a guessed pattern, a reassigned mailbox, a
# recycled id); a LinkedIn identity is the person's own
NAMED_KEYS = ("email_key", "vendor_key")


def _keys_naming_two_people(keyed: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """(key_type, key) of the addresses and vendor ids whose records name two people: two
    surnames that are not one typo apart. Given names are not weighed: a nickname the list
    reads another way (`Sam` for Samantha), a typo in a nickname (`Trsih`) or an initial
    would all look like a second person. Records without a surname say nothing; the records
    of each person still link by their name at the company in the fuzzy pass."""
    surnames = (
        edges.filter(pl.col("key_type").is_in(NAMED_KEYS))
        .join(keyed.select(RECORD, "last_name_key"), on=RECORD)
        .drop_nulls("last_name_key")
        .select("key_type", "key", "last_name_key")
        .unique()
        .filter(pl.len().over("key_type", "key") > 1)
    )
    pairs = surnames.join(surnames, on=["key_type", "key"], suffix="_r").filter(
        pl.col("last_name_key") < pl.col("last_name_key_r")  # each pair once
    )
    similarity = _similar(pairs["last_name_key"], pairs["last_name_key_r"])
    return pairs.filter(similarity < NAME_SIMILARITY).select("key_type", "key").unique()


def connected_components(nodes: pl.Series, edges: pl.DataFrame) -> pl.DataFrame:
    """Component label (the smallest node id) per node of a graph given as edge pairs.

    `edges` has integer columns `a` and `b`; an edge to a node outside `nodes` is ignored.
    One row per node of `nodes`, in its order. The components come from SciPy's
    `csgraph.connected_components` (a linear-time traversal in C); the label is the
    smallest node id of each, so it does not depend on the traversal.
    """
    ids = np.unique(nodes.to_numpy())
    a, b = edges["a"].to_numpy(), edges["b"].to_numpy()
    a_at, b_at = np.searchsorted(ids, a), np.searchsorted(ids, b)
    known = (a_at < ids.size) & (b_at < ids.size)
    known[known] &= (ids[a_at[known]] == a[known]) & (ids[b_at[known]] == b[known])
    graph = coo_array(
        (np.ones(int(known.sum()), dtype=np.int8), (a_at[known], b_at[known])),
        shape=(ids.size, ids.size),
    )
    _, component = csgraph.connected_components(graph, directed=False)
    # ids are sorted, so the first id of each component in that order is its smallest
    first = np.full(component.max(initial=-1) + 1, -1, dtype=np.int64)
    first_at = np.unique(component, return_index=True)[1]
    first[component[first_at]] = ids[first_at]
    labels = pl.DataFrame({"node": ids, "label": first[component]}, schema=_LABELS)
    return (
        nodes.rename("node").to_frame().join(labels, on="node", how="left", maintain_order="left")
    )


_LABELS = {"node": pl.Int64, "label": pl.Int64}


def _exact_components(keyed: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Component per record from records sharing a key, with the rule that linked each."""
    # link each record to the first record holding the same key: a star per key value
    anchors = edges.group_by("key_type", "key").agg(pl.col(RECORD).min().alias("anchor"))
    pairs = edges.join(anchors, on=["key_type", "key"]).filter(pl.col(RECORD) != pl.col("anchor"))
    components = connected_components(
        keyed[RECORD], pairs.select(pl.col(RECORD).alias("a"), pl.col("anchor").alias("b"))
    )
    components = _split_conflicts(keyed, pairs, components)
    shared = edges.join(
        edges.group_by("key_type", "key")
        .agg(pl.len().alias("holders"))
        .filter(pl.col("holders") > 1),
        on=["key_type", "key"],
    )
    rule = (
        shared.with_columns(
            pl.col("key_type")
            .replace_strict({k: i for i, k in enumerate(EXACT_KEYS)}, return_dtype=pl.Int32)
            .alias("strength")
        )
        .sort(RECORD, "strength")
        .group_by(RECORD, maintain_order=True)
        .first()
        .select(
            RECORD, pl.col("key_type").alias("match_rule"), pl.col("key").alias("match_evidence")
        )
    )
    return components.rename({"node": RECORD, "label": "exact_cluster"}).join(
        rule, on=RECORD, how="left"
    )


STRONG_KEYS = ("linkedin_slug", "linkedin_member_key")


def _split_conflicts(
    keyed: pl.DataFrame, pairs: pl.DataFrame, components: pl.DataFrame
) -> pl.DataFrame:
    """Components that would hold two public slugs or two member ids, re-linked so they do
    not: a shared address or vendor id is evidence, not proof (a recycled id, a vendor's
    guess). Within such a component the LinkedIn identities stay apart, and each weaker
    link (address, then vendor id; in key order) is taken only where it joins no second
    identity. Other components are left as they are."""
    identity = keyed.select(RECORD, *STRONG_KEYS).join(
        components.rename({"node": RECORD}), on=RECORD
    )
    conflicted = (
        identity.group_by("label")
        .agg(*(pl.col(k).drop_nulls().n_unique().alias(k) for k in STRONG_KEYS))
        .filter(pl.any_horizontal(pl.col(k) > 1 for k in STRONG_KEYS))
        .select("label")
    )
    if conflicted.is_empty():
        return components
    members = identity.join(conflicted, on="label").drop("label")
    inside = pairs.join(members.select(RECORD), on=RECORD, how="semi")
    strong = inside.filter(pl.col("key_type").is_in(STRONG_KEYS))
    cores = connected_components(
        members[RECORD], strong.select(pl.col(RECORD).alias("a"), pl.col("anchor").alias("b"))
    ).rename({"node": RECORD, "label": "core"})
    held = (
        members.join(cores, on=RECORD)
        .group_by("core")
        .agg(*(pl.col(k).drop_nulls().unique().alias(k) for k in STRONG_KEYS))
    )
    identities = {row[0]: (set(row[1]), set(row[2])) for row in held.iter_rows()}
    core_of = dict(cores.iter_rows())
    weak = (
        inside.filter(~pl.col("key_type").is_in(STRONG_KEYS))
        .with_columns(
            pl.col("key_type")
            .replace_strict({k: i for i, k in enumerate(EXACT_KEYS)}, return_dtype=pl.Int32)
            .alias("strength")
        )
        .sort("strength", "key", RECORD)
    )
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    # the few records of conflicting components, one union at a time (as for fuzzy edges)
    for record, anchor in weak.select(RECORD, "anchor").iter_rows():
        a, b = root(core_of[record]), root(core_of[anchor])
        if a == b:
            continue
        (slugs_a, ids_a), (slugs_b, ids_b) = identities[a], identities[b]
        if len(slugs_a | slugs_b) > 1 or len(ids_a | ids_b) > 1:
            continue
        keep, gone = min(a, b), max(a, b)
        parent[gone] = keep
        identities[keep] = (slugs_a | slugs_b, ids_a | ids_b)
    relabelled = cores.select(
        pl.col(RECORD).alias("node"),
        pl.col("core")
        .replace_strict({c: root(c) for c in identities}, return_dtype=pl.Int64)
        .alias("label"),
    )
    return pl.concat(
        [components.join(relabelled.select("node"), on="node", how="anti"), relabelled]
    ).sort("node")


def _identity_sets(keyed: pl.DataFrame) -> pl.DataFrame:
    """Per exact cluster: its files and LinkedIn identities, to refuse conflicting merges."""
    return keyed.group_by("exact_cluster").agg(
        pl.col("source_file").unique().sort().alias("files"),
        pl.col("linkedin_slug").drop_nulls().unique().sort().alias("slugs"),
        pl.col("linkedin_member_key").drop_nulls().unique().sort().alias("members"),
    )


def _candidate_pairs(keyed: pl.DataFrame) -> pl.DataFrame:
    """Record pairs in different exact clusters that share a company and a name key."""
    named = keyed.filter(
        pl.col("first_name_key").is_not_null() & pl.col("last_name_key").is_not_null()
    )
    pairs = []
    # the company is its domain, or (Sales Navigator rows carry none) its cleaned name
    for company in ("company_domain_key", "company_name_key"):
        people = named.filter(pl.col(company).is_not_null()).select(
            "exact_cluster", pl.col(company).alias("company"), "first_name_key", "last_name_key"
        )
        # one row per distinct (cluster, company, names): repeats add no evidence
        people = people.unique()
        for block in ("first_name_key", "last_name_key"):
            joined = (
                people.join(people, on=["company", block], suffix="_r")
                .filter(pl.col("exact_cluster") < pl.col("exact_cluster_r"))
                .with_columns(pl.col(block).alias(f"{block}_r"))  # a join key is kept once
            )
            pairs.append(
                joined.select(
                    "exact_cluster",
                    "exact_cluster_r",
                    "first_name_key",
                    "first_name_key_r",
                    "last_name_key",
                    "last_name_key_r",
                    "company",
                )
            )
    names = ["first_name_key", "first_name_key_r", "last_name_key", "last_name_key_r"]
    return pl.concat(pairs).unique(["exact_cluster", "exact_cluster_r", *names])


def _similar(left: pl.Series, right: pl.Series) -> pl.Series:
    """Jaro-Winkler similarity of each pair of names, 0 where either is missing (rapidfuzz's
    `cpdist` scores the pairs in one call, in C)."""
    missing = (left.is_null() | right.is_null()).to_numpy()
    scores = cpdist(
        left.fill_null("").to_list(), right.fill_null("").to_list(),
        scorer=JaroWinkler.similarity, workers=1,
    )  # fmt: skip
    scores[missing] = 0.0
    return pl.Series(scores, dtype=pl.Float64)


def _disjoint(left: str, right: str) -> pl.Expr:
    """Both sides hold values and none in common."""
    return (
        (pl.col(left).list.len() > 0)
        & (pl.col(right).list.len() > 0)
        & (pl.col(left).list.set_intersection(pl.col(right)).list.len() == 0)
    )


def _compatible(pairs: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """The cluster pairs (`exact_cluster`, `exact_cluster_r`) whose identities allow one
    person: no two public slugs or member ids, no two records of one file."""
    pairs = pairs.join(identities, on="exact_cluster").join(
        identities, left_on="exact_cluster_r", right_on="exact_cluster", suffix="_r"
    )
    # an export lists a person once: two records of one file are two people
    same_file = pl.col("files").list.set_intersection(pl.col("files_r")).list.len() > 0
    conflict = _disjoint("slugs", "slugs_r") | _disjoint("members", "members_r") | same_file
    # a differing address is weighed later, over whole chains of links (`addresses.py`)
    return pairs.filter(~conflict)


def _fuzzy_edges(pairs: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """The candidate cluster pairs the fuzzy pass links, with the evidence."""
    if pairs.is_empty():
        return pl.DataFrame(schema=EDGE_SCHEMA)
    pairs = pairs.with_columns(
        _similar(pairs["first_name_key"], pairs["first_name_key_r"]).alias("first_sim"),
        _similar(pairs["last_name_key"], pairs["last_name_key_r"]).alias("last_sim"),
    )
    same_first = pl.col("first_name_key") == pl.col("first_name_key_r")
    same_last = pl.col("last_name_key") == pl.col("last_name_key_r")
    # one name equal, the other equal or a near miss (a typo)
    pairs = pairs.filter(
        (same_first & (pl.col("last_sim") >= NAME_SIMILARITY))
        | (same_last & (pl.col("first_sim") >= NAME_SIMILARITY))
    )
    pairs = _compatible(pairs, identities)
    return (
        # strongest first; ties broken by cluster ids so every run unions in the same order
        pairs.with_columns((pl.col("first_sim") + pl.col("last_sim")).alias("score"))
        .sort(
            [
                "score",
                "exact_cluster",
                "exact_cluster_r",
                "first_name_key",
                "last_name_key",
                "first_name_key_r",
                "last_name_key_r",
                "company",
            ],
            descending=[True, False, False, False, False, False, False, False],
        )
        .select(
            pl.col("exact_cluster").alias("a"),
            pl.col("exact_cluster_r").alias("b"),
            pl.format(
                "{} {} ~ {} {} @ {}",
                "first_name_key",
                "last_name_key",
                "first_name_key_r",
                "last_name_key_r",
                "company",
            ).alias("evidence"),
            pl.lit(FUZZY_RULE).alias("rule"),
        )
        .unique(["a", "b"], keep="first", maintain_order=True)
    )


def _job_change_edges(moves: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
    """The employment-history links whose clusters may be one person, with the rule."""
    pairs = moves.rename({"a": "exact_cluster", "b": "exact_cluster_r"})
    return _compatible(pairs, identities).select(
        pl.col("exact_cluster").alias("a"),
        pl.col("exact_cluster_r").alias("b"),
        "evidence",
        pl.lit(JOB_CHANGE_RULE).alias("rule"),
    )


def _address_conflicts(keyed: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """(a, b): clusters the fuzzy edges could bring together whose addresses are two people's."""
    if edges.is_empty():
        return pl.DataFrame(schema=ADDRESS_PAIR_SCHEMA)
    touched = pl.concat([edges["a"], edges["b"]]).unique()
    groups = connected_components(touched, edges.select("a", "b"))
    records = keyed.filter(pl.col("exact_cluster").is_in(touched.implode()))
    return conflicting_clusters(records, groups)


def _without_links_to_either_namesake(edges: pl.DataFrame, apart: pl.DataFrame) -> pl.DataFrame:
    """The edges, less those of a cluster that could join either of two clusters `apart`
    keeps apart: a Sales Navigator row of "David Nguyen" at a company with a `david.nguyen@`
    and a `david.nguyen2@` is one of the two, and nothing says which, so it joins neither
    rather than lending one person's row to the other."""
    if edges.is_empty() or apart.is_empty():
        return edges
    ends = pl.concat(
        [edges.select(pl.col("a").alias("x"), pl.col("b").alias("n")),
         edges.select(pl.col("b").alias("x"), pl.col("a").alias("n"))]
    ).unique()  # fmt: skip
    rivals = (
        ends.join(ends, on="x", suffix="_r")
        .filter(pl.col("n") < pl.col("n_r"))
        .join(apart, left_on=["n", "n_r"], right_on=["a", "b"], how="semi")
    )
    torn = pl.concat(
        [rivals.select("x", "n"), rivals.select("x", pl.col("n_r").alias("n"))]
    ).unique()
    keep = edges.join(
        torn, left_on=["a", "b"], right_on=["x", "n"], how="anti", maintain_order="left"
    )
    return keep.join(
        torn, left_on=["b", "a"], right_on=["x", "n"], how="anti", maintain_order="left"
    )


def _merge_without_conflict(
    all_clusters: pl.Series,
    identities: pl.DataFrame,
    edges: pl.DataFrame,
    apart: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Union the fuzzy edges, strongest first, refusing any union that would leave one
    person with two public slugs, two member ids, two records of the same file, or two
    clusters `apart` names (addresses of two people).

    Pairwise checks are not enough: A~B and B~C can each be fine while A and C are two
    people listed in one export. Fuzzy edges are few (blocked, one per cluster pair), so a
    union-find over them is cheap.
    """
    edges = edges.join(apart, on=["a", "b"], how="anti", maintain_order="left")
    edges = _without_links_to_either_namesake(edges, apart)
    kept_apart: dict[int, set[int]] = {}
    for a, b in apart.iter_rows():
        kept_apart.setdefault(a, set()).add(b)
        kept_apart.setdefault(b, set()).add(a)
    parent: dict[int, int] = {}
    # a component of exactly two clusters was already checked as a pair: accept it as is;
    # only larger components need the careful, one-union-at-a-time walk below
    touched = pl.concat([edges["a"], edges["b"]]).unique()
    components = connected_components(touched, edges.select("a", "b"))
    sizes = components.group_by("label").agg(pl.len().alias("size"))
    pairs_only = components.join(sizes, on="label").filter(pl.col("size") == 2)
    paired = edges.join(pairs_only.select(pl.col("node").alias("a")), on="a", how="semi")
    paired = paired.unique(["a", "b"], keep="first", maintain_order=True)
    for a, b in paired.select("a", "b").iter_rows():
        parent[max(a, b)] = min(a, b)
    edges = edges.join(paired.select("a"), on="a", how="anti")
    touched = pl.concat([edges["a"], edges["b"]]).unique()
    members: dict[int, tuple[set, set, set, set]] = {
        row[0]: (set(row[1]), set(row[2]), set(row[3]), {row[0]})
        for row in identities.filter(pl.col("exact_cluster").is_in(touched.implode()))
        .select("exact_cluster", "files", "slugs", "members")
        .iter_rows()
    }

    def root(node: int) -> int:
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    accepted_a, accepted_b, evidence, rules = (
        paired["a"].to_list(),
        paired["b"].to_list(),
        paired["evidence"].to_list(),
        paired["rule"].to_list(),
    )
    for a, b, why, rule in edges.select("a", "b", "evidence", "rule").iter_rows():
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        files_a, slugs_a, ids_a, clusters_a = members[ra]
        files_b, slugs_b, ids_b, clusters_b = members[rb]
        if files_a & files_b or len(slugs_a | slugs_b) > 1 or len(ids_a | ids_b) > 1:
            continue
        if any(kept_apart.get(c, set()) & clusters_b for c in clusters_a):
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        members[keep] = (
            files_a | files_b,
            slugs_a | slugs_b,
            ids_a | ids_b,
            clusters_a | clusters_b,
        )
        accepted_a.append(a)
        accepted_b.append(b)
        evidence.append(why)
        rules.append(rule)
    moved = {node: root(node) for node in parent}
    clusters = all_clusters.to_frame("exact_cluster").with_columns(
        pl.col("exact_cluster")
        .replace_strict(moved, default=pl.col("exact_cluster"), return_dtype=pl.Int64)
        .alias("cluster")
    )
    accepted = pl.DataFrame(
        {"a": accepted_a, "b": accepted_b, "evidence": evidence, "rule": rules},
        schema=EDGE_SCHEMA,
    )
    return clusters, accepted


# columns that say where a record sits, not what it says
POSITION_COLUMNS = ("source_row", "snapshot_id", "pulled_at")


def content_columns(records: pl.DataFrame) -> list[str]:
    return [c for c in records.columns if c not in POSITION_COLUMNS]


def content_order(records: pl.DataFrame) -> pl.Expr:
    """A sort key of each record's content (a 64-bit hash, fixed seed)."""
    return pl.struct(content_columns(records)).hash(seed=0)


# where a record came from: its source, vendor, file, row, vendor id and snapshot
RECORD_ORIGIN = (
    "source",
    "vendor",
    "source_file",
    "source_row",
    "source_record_id",
    "snapshot_id",
)
# what linking reads of a record, beside any match key it already holds: its origin (for
# `core.contact_links`) and the columns the keys come from
LINKING_COLUMNS = (
    *RECORD_ORIGIN,
    "email",
    "linkedin_url",
    "linkedin_member_id",
    "sales_nav_url",
    "company_domain",
    "company_website",
    "company_name",
    "first_name",
    "last_name",
    "previous_company_name",
)
INPUT_ROW = "__input_row"
DUPLICATE_ROW = "duplicate_row"


def link_records(records: pl.DataFrame) -> pl.DataFrame:
    """Every record with `cluster_id`, `match_rule` and `match_evidence` (and its match keys
    and `vendor_key`), in the order given.

    `records` are whole canonical records, or only their `LINKING_COLUMNS` with a
    `duplicate_row` column: the `content_order` of the whole record.

    Records in one cluster are one person. `match_rule` is the strongest exact key the record
    shares with another record, else `fuzzy_name_at_domain`, else `singleton`.

    Linking works on the `LINKING_COLUMNS` alone and the result is set beside `records`
    without copying them: at a million records every whole-width sort or join is another
    1.3 GiB.
    """
    # records are numbered in an order of their content, not of how the raw union was read
    # back: ties in linking are broken by that number, so the same records give the same
    # people whatever the row order of the files or the read (identical rows are
    # interchangeable)
    held = [c for c in records.columns if c in LINKING_COLUMNS or c in MATCH_KEY_COLUMNS]
    if DUPLICATE_ROW in records.columns:  # a narrowed read, its content order already taken
        held.append(DUPLICATE_ROW)
        order = []
    else:
        order = [content_order(records).alias(DUPLICATE_ROW)]
    narrow = records.select(
        *held, *order, pl.int_range(pl.len(), dtype=pl.UInt32).alias(INPUT_ROW)
    ).sort(DUPLICATE_ROW, "source_file", "source_row")
    # `_link` drops `duplicate_row`; what is left beside the input is what linking added
    linked = _link(narrow).sort(INPUT_ROW)
    linked = linked.drop(INPUT_ROW, *(c for c in held if c in linked.columns))
    return records.hstack(linked.get_columns())


def _link(records: pl.DataFrame) -> pl.DataFrame:
    """`link_records` on records sorted in content order, each with its `duplicate_row`."""
    keyed = (
        match_keys(records, phones=False)
        .with_row_index(RECORD)
        .with_columns(
            pl.col(RECORD).cast(pl.Int64),
            _vendor_key(),
            # identical rows hash alike: the same row twice in one file is one person
            pl.col("duplicate_row").cast(pl.String),
        )
    )
    exact = _exact_components(keyed, _key_edges(keyed))
    keyed = keyed.join(exact, on=RECORD, how="left")
    # identities matter only for clusters a candidate pair touches
    candidates = _candidate_pairs(keyed)
    moves = job_change_edges(keyed)
    involved = pl.concat(
        [candidates["exact_cluster"], candidates["exact_cluster_r"], moves["a"], moves["b"]]
    ).unique()
    identities = _identity_sets(keyed.filter(pl.col("exact_cluster").is_in(involved.implode())))
    # a name at the same company first, then a name at a previous employer
    edges = pl.concat(
        [_fuzzy_edges(candidates, identities), _job_change_edges(moves, identities)]
    ).unique(["a", "b"], keep="first", maintain_order=True)
    clusters, fuzzy = _merge_without_conflict(
        keyed["exact_cluster"].unique(), identities, edges, _address_conflicts(keyed, edges)
    )
    fuzzy_evidence = pl.concat(
        [
            fuzzy.select(pl.col("a").alias("exact_cluster"), "evidence", "rule"),
            fuzzy.select(pl.col("b").alias("exact_cluster"), "evidence", "rule"),
        ]
    ).unique("exact_cluster", keep="first", maintain_order=True)
    linked = (
        keyed.join(clusters, on="exact_cluster", how="left")
        .join(fuzzy_evidence, on="exact_cluster", how="left")
        .with_columns(
            pl.when(pl.col("match_rule").is_not_null())
            .then(pl.col("match_rule"))
            .when(pl.col("rule").is_not_null())
            .then(pl.col("rule"))
            .otherwise(pl.lit(SINGLETON))
            .alias("match_rule"),
            pl.coalesce("match_evidence", "evidence").alias("match_evidence"),
            pl.col("cluster").rank("dense").cast(pl.Int64).alias("cluster_id"),
        )
    )
    return linked.drop(RECORD, "exact_cluster", "cluster", "evidence", "rule", "duplicate_row")
