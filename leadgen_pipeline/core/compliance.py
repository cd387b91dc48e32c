"""Suppression: who must never be contacted, read from the inbox's `suppression/` files and
the ICPs' disqualifier domains, and matched against people through every record they have.

Opt-outs, hard bounces and do-not-contact domains are kept as normalised keys. Erasure
requests are kept only as SHA-256 hashes of the normalised keys: enough to recognise the
person if a later import brings them back, never enough to recover who they were.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.core.csv_reader import ROW_NUMBER, open_export, read_csv_cells
from leadgen_pipeline.core.icp import IcpSegment
from leadgen_pipeline.core.ingest import file_pulled_at
from leadgen_pipeline.core.normalize import email_match_key, linkedin_slug, registrable_domain
from leadgen_pipeline.core.storage import table_exists
from leadgen_pipeline.core.vendors import header_key

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
_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("erasure", frozenset({"requested_at"})),
    ("hard_bounce", frozenset({"bounced_at"})),
    ("opt_out", frozenset({"opted_out_at"})),
    ("do_not_contact", frozenset({"domain"})),
)
_TIME_COLUMNS = {"erasure": "requested_at", "hard_bounce": "bounced_at", "opt_out": "opted_out_at"}


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def sha256_column(expr: pl.Expr) -> pl.Expr:
    """SHA-256 hex digest of each value (null stays null): how erased keys are kept."""
    return expr.map_batches(
        lambda s: s.map_elements(sha256_hex, return_dtype=pl.String, skip_nulls=True),
        return_dtype=pl.String,
    )


def _kind_of(header: Sequence[str]) -> str | None:
    present = {header_key(h) for h in header}
    return next((kind for kind, needed in _KINDS if needed <= present), None)


def _timestamp(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars()
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False, time_zone="UTC"),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False).dt.convert_time_zone("UTC"),
        text.str.to_date("%Y-%m-%d", strict=False)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC"),
    ).cast(pl.Datetime("us", "UTC"))


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
    columns = {header_key(h): h for h in read.header}
    kind = _kind_of(read.header)
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
        _timestamp(cell(_TIME_COLUMNS[kind]))
        if kind in _TIME_COLUMNS
        else pl.lit(file_pulled_at(path)).cast(pl.Datetime("us", "UTC"))
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


def build_suppressions(
    con: duckdb.DuckDBPyConnection, inbox: Path, segments: Sequence[IcpSegment]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Every suppression in the inbox plus the ICP disqualifier domains, the rejects, and
    the plain erasure requests (for this run only)."""
    frames = [pl.DataFrame(schema=SUPPRESSION_SCHEMA)]
    rejects = [pl.DataFrame(schema=SUPPRESSION_REJECT_SCHEMA)]
    requests = [pl.DataFrame(schema=ERASURE_REQUEST_SCHEMA)]
    folder = inbox / "suppression"
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        rows, bad, asked = read_suppression_file(con, path, path.relative_to(inbox).as_posix())
        frames.append(rows)
        rejects.append(bad)
        requests.append(asked)
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
    frames.append(pl.DataFrame(disqualifiers, schema=SUPPRESSION_SCHEMA))
    frames.append(undeliverable_addresses(con))
    return pl.concat(frames).unique(maintain_order=True), pl.concat(rejects), pl.concat(requests)


UNDELIVERABLE = ("invalid", "do_not_mail")


def undeliverable_addresses(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Addresses the last verification found invalid or dangerous (spam trap, abuse,
    do-not-mail): they join the suppression list, so no later source brings them back."""
    if not table_exists(con, "verify.email_checks"):
        return pl.DataFrame(schema=SUPPRESSION_SCHEMA)
    checks = con.sql(
        "select email, status, provider, checked_at from verify.email_checks "
        "where status in (select unnest($s::varchar[]))",
        params={"s": list(UNDELIVERABLE)},
    ).pl()
    return checks.select(
        pl.lit("undeliverable").alias("kind"),
        pl.lit("email_key").alias("key_type"),
        email_match_key(pl.col("email")).alias("key_value"),
        pl.lit(False).alias("hashed"),
        pl.col("checked_at")
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone("UTC")
        .alias("recorded_at"),
        pl.format("{} by {}", "status", "provider").alias("reason"),
        pl.lit("verify.email_checks").alias("source_file"),
        pl.lit(None, dtype=pl.Int64).alias("source_row"),
    ).drop_nulls("key_value")


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
