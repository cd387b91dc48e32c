"""Suppression: who must never be contacted, read from the inbox's `suppression/` files and
the ICPs' disqualifier domains, and matched against people through every record they have.

Opt-outs, hard bounces and do-not-contact domains are kept as normalised keys. Erasure
requests are kept only as SHA-256 hashes of the normalised keys: enough to recognise the
person if a later import brings them back, never enough to recover who they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates
from leadgen_pipeline.kernel.csv_reader import ROW_NUMBER, open_export, read_csv_cells
from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.kernel.headers import columns_by_key, recognise, signature
from leadgen_pipeline.kernel.keys import email_match_key, linkedin_slug, registrable_domain
from leadgen_pipeline.layers.config.icp import IcpSegment

SUPPRESSION_SCHEMA: dict[str, pl.DataType] = {
    # opt_out | hard_bounce | erasure | do_not_contact | icp_disqualifier | undeliverable
    "kind": pl.String(),
    "key_type": pl.String(),  # email_key | linkedin_slug | domain
    "key_value": pl.String(),  # the normalised key, or its SHA-256 when `hashed`
    "hashed": pl.Boolean(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "reason": pl.String(),
    "source_file": pl.String(),
    "source_row": pl.Int64(),
}
SUPPRESSION_REJECT_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_row": pl.Int64(),
    "reason": pl.String(),
}

# header signature -> kind; the first whose columns are all present wins
_KINDS: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("erasure", (signature("requested_at"),)),
    ("hard_bounce", (signature("bounced_at"),)),
    ("opt_out", (signature("opted_out_at"),)),
    ("do_not_contact", (signature("domain"),)),
)
_TIME_COLUMNS = {"erasure": "requested_at", "hard_bounce": "bounced_at", "opt_out": "opted_out_at"}


ERASURE_REQUEST_SCHEMA: dict[str, pl.DataType] = {
    "email_key": pl.String(),
    "linkedin_slug": pl.String(),
}


def read_suppression_file(
    con: duckdb.DuckDBPyConnection, path: Path, source_file: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(suppression rows, rejects, erasure requests) of one file; every data row lands in
    exactly one of the first two. The erasure requests hold the plain keys: they are for
    carrying out the erasure in this run and must never be stored."""
    export = open_export(path)
    read = read_csv_cells(con, export)
    columns = columns_by_key(read.header)
    kind = recognise(read.header, _KINDS)
    parse_rejects = pl.DataFrame(
        {
            "source_file": [source_file] * len(read.rejects),
            "source_row": [r.source_row for r in read.rejects],
            "reason": [r.reason for r in read.rejects],
        },
        schema=SUPPRESSION_REJECT_SCHEMA,
    )
    if kind is None:
        unknown = read.cells.select(
            pl.lit(source_file).alias("source_file"),
            pl.col(ROW_NUMBER).alias("source_row"),
            pl.lit(f"unrecognised suppression file (header: {', '.join(read.header)})").alias(
                "reason"
            ),
        )
        return (
            pl.DataFrame(schema=SUPPRESSION_SCHEMA),
            pl.concat([parse_rejects, unknown]),
            pl.DataFrame(schema=ERASURE_REQUEST_SCHEMA),
        )

    def cell(name: str) -> pl.Expr:
        return pl.col(columns[name]) if name in columns else pl.lit(None, dtype=pl.String)

    recorded = (
        dates.timestamp_utc(cell(_TIME_COLUMNS[kind]))
        if kind in _TIME_COLUMNS
        else pl.lit(dates.exported_at(path)).cast(pl.Datetime("us", "UTC"))
    )
    base = read.cells.select(
        pl.col(ROW_NUMBER).alias("source_row"),
        recorded.alias("recorded_at"),
        pl.coalesce(cell("reason"), cell("channel"), cell("provider"), cell("reference")).alias(
            "reason"
        ),
        email_match_key(cell("email")).alias("email_key"),
        linkedin_slug(cell("linkedin_url")).alias("linkedin_slug"),
        registrable_domain(cell("domain")).alias("domain"),
    )
    key_types = ["domain"] if kind == "do_not_contact" else ["email_key", "linkedin_slug"]
    rows = pl.concat(
        [
            base.select(
                pl.lit(kind).alias("kind"),
                pl.lit(key).alias("key_type"),
                pl.col(key).alias("key_value"),
                "recorded_at",
                "reason",
                "source_row",
            ).drop_nulls("key_value")
            for key in key_types
        ]
    ).with_columns(pl.lit(source_file).alias("source_file"))
    if kind == "erasure":
        rows = rows.with_columns(
            sha256_column(pl.col("key_value")).alias("key_value"), pl.lit(None).alias("reason")
        )
    rows = rows.with_columns(pl.lit(kind == "erasure").alias("hashed")).select(
        [pl.col(c).cast(t) for c, t in SUPPRESSION_SCHEMA.items()]
    )
    keyless = base.join(rows.select("source_row").unique(), on="source_row", how="anti")
    no_key = keyless.select(
        pl.lit(source_file).alias("source_file"),
        "source_row",
        pl.lit(f"{kind} row names no valid {' or '.join(key_types)}").alias("reason"),
    )
    requests = (
        base.select("email_key", "linkedin_slug")
        if kind == "erasure"
        else pl.DataFrame(schema=ERASURE_REQUEST_SCHEMA)
    )
    return rows, pl.concat([parse_rejects, no_key]), requests


def read_suppression_inbox(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(suppression rows, rejects, plain erasure requests) of every file in `suppression/`.
    The erasure requests are for carrying out the erasure in this run and are never stored."""
    frames = [pl.DataFrame(schema=SUPPRESSION_SCHEMA)]
    rejects = [pl.DataFrame(schema=SUPPRESSION_REJECT_SCHEMA)]
    requests = [pl.DataFrame(schema=ERASURE_REQUEST_SCHEMA)]
    folder = inbox / "suppression"
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        rows, bad, asked = read_suppression_file(con, path, path.relative_to(inbox).as_posix())
        frames.append(rows)
        rejects.append(bad)
        requests.append(asked)
    return pl.concat(frames), pl.concat(rejects), pl.concat(requests)


def build_suppressions(
    con: duckdb.DuckDBPyConnection, inbox: Path, segments: Sequence[IcpSegment]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(suppressions, rejects): every suppression in the inbox plus the ICP disqualifier
    domains, and the rows that could not be used."""
    rows, rejects, _ = read_suppression_inbox(con, inbox)
    disqualifiers = [
        {
            "kind": "icp_disqualifier",
            "key_type": "domain",
            "key_value": domain,
            "hashed": False,
            "recorded_at": None,
            "reason": f"disqualified by ICP segment {s.segment} v{s.version}",
            "source_file": s.source_file,
            "source_row": None,
        }
        for s in segments
        for domain in s.disqualifiers.domains
    ]
    frames = [rows, pl.DataFrame(disqualifiers, schema=SUPPRESSION_SCHEMA)]
    return pl.concat(frames).unique(maintain_order=True), rejects


def erasure_hashes(suppressions: pl.DataFrame) -> tuple[list[str], list[str]]:
    """(email-key hashes, LinkedIn-slug hashes) of every erasure request on the list."""
    erasures = suppressions.filter(pl.col("kind") == "erasure")
    return (
        erasures.filter(pl.col("key_type") == "email_key")["key_value"].to_list(),
        erasures.filter(pl.col("key_type") == "linkedin_slug")["key_value"].to_list(),
    )


def person_suppressions(linked: pl.DataFrame, suppressions: pl.DataFrame) -> pl.DataFrame:
    """(person_id, suppression_kinds) for every person any of whose records is suppressed.

    Consent survives merges: one opted-out record suppresses the whole person.
    """
    key_columns = {
        "email_key": "email_key",
        "linkedin_slug": "linkedin_slug",
        "domain": "company_domain_key",
    }
    keys = (
        pl.concat(
            [
                linked.select("person_id", pl.lit(kind).alias("key_type"), pl.col(col).alias("key"))
                for kind, col in key_columns.items()
            ]
        )
        .drop_nulls("key")
        .unique()
    )
    plain = suppressions.filter(~pl.col("hashed"))
    hashed = suppressions.filter(pl.col("hashed"))
    hits = [keys.join(plain, left_on=["key_type", "key"], right_on=["key_type", "key_value"])]
    if hashed.height:
        hashed_keys = keys.filter(pl.col("key_type") != "domain").with_columns(
            sha256_column(pl.col("key")).alias("key")
        )
        hits.append(
            hashed_keys.join(
                hashed, left_on=["key_type", "key"], right_on=["key_type", "key_value"]
            )
        )
    return (
        pl.concat([h.select("person_id", "kind") for h in hits])
        .group_by("person_id")
        .agg(pl.col("kind").unique().sort().alias("suppression_kinds"))
    )


def mark_suppressed(
    people: pl.DataFrame, linked: pl.DataFrame, suppressions: pl.DataFrame
) -> pl.DataFrame:
    """`people` with `suppressed` and `suppression_kinds`, from every record of each person."""
    hits = person_suppressions(linked, suppressions)
    return people.join(hits, on="person_id", how="left").with_columns(
        pl.col("suppression_kinds").is_not_null().alias("suppressed"),
        pl.col("suppression_kinds").fill_null([]),
    )
