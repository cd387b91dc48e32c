"""Suppression: who must never be contacted, read from the inbox's `suppression/` files and
the ICPs' disqualifier domains, and matched against people through every record they have.

Opt-outs, hard bounces and do-not-contact domains are kept as normalised keys. Erasure
requests are kept only as SHA-256 hashes of the normalised keys (email, LinkedIn slug,
LinkedIn member id, name at a company name or domain: `kernel.keys.person`): enough to
recognise the person if a later import brings them back, never enough to recover who they
were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates
from leadgen_pipeline.kernel.csv_reader import ROW_NUMBER, open_export, read_csv_cells
from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.kernel.headers import columns_by_key
from leadgen_pipeline.kernel.keys import (
    company_domain_key,
    company_name_key,
    email_match_key,
    linkedin_member_id,
    linkedin_slug,
    registrable_domain,
)
from leadgen_pipeline.kernel.keys.person import name_at_company_key, person_name_key
from leadgen_pipeline.layers.compliance.formats import (
    COMPANY,
    COMPANY_DOMAIN,
    DOMAIN,
    EMAIL,
    FIRST_NAME,
    FULL_NAME,
    KNOWN_COLUMNS,
    LAST_NAME,
    LINKEDIN,
    MEMBER_ID,
    REASON,
    VALUE,
    WHEN,
    Cell,
    cell_reader,
    recognise_suppression_file,
)
from leadgen_pipeline.layers.config.icp import IcpSegment

SUPPRESSION_SCHEMA: dict[str, pl.DataType] = {
    # opt_out | hard_bounce | erasure | do_not_contact | icp_disqualifier | undeliverable
    "kind": pl.String(),
    # email_key | linkedin_slug | domain; for erasures also ERASURE_ONLY_KEYS
    "key_type": pl.String(),
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

ERASURE_REQUEST_SCHEMA: dict[str, pl.DataType] = {
    "email_key": pl.String(),
    "linkedin_slug": pl.String(),
    "linkedin_member_key": pl.String(),
}
# keys only an erasure request is kept under: a name is no address to stop mail to, and
# opt-outs are matched on addresses, slugs and domains alone
ERASURE_ONLY_KEYS = ("linkedin_member_key", "name_at_company", "name_at_domain")


class SuppressionFileError(ValueError):
    """A file in `suppression/` that cannot be used as it is: the build stops, since
    contacting someone who opted out costs more than a build that waits for a fix."""


@dataclass
class SuppressionRead:
    """What the `suppression/` files say: every data row lands in `rows` (once per kind it
    asks for), `soft_bounces`, or `rejects` (with the reason); `problems` stop the build."""

    rows: pl.DataFrame
    rejects: pl.DataFrame
    requests: pl.DataFrame  # plain erasure keys: for this run only, never stored
    soft_bounces: pl.DataFrame
    consents: pl.DataFrame  # re-consent records: lift an earlier opt-out (history.py)
    problems: list[str] = field(default_factory=list)


def _keys(cell: Cell, *, erasure: bool) -> list[pl.Expr]:
    """The keys a row carries: an address, a LinkedIn slug, or (for a block-list cell such as
    `@acme.io` or `acme.io`, or a domain column) a registrable domain. An erasure request
    may also name a LinkedIn member id, or a name at a company (its name or its domain)."""
    text = cell((*EMAIL, *VALUE))
    email_key = email_match_key(text)
    slug = linkedin_slug(cell((*LINKEDIN, *VALUE)))
    bare = text.str.strip_chars().str.strip_prefix("@")
    domain = pl.coalesce(
        registrable_domain(cell(DOMAIN)),
        pl.when(email_key.is_null() & slug.is_null() & ~bare.str.contains("@|/")).then(
            registrable_domain(bare)
        ),
    )
    keys = [email_key.alias("email_key"), slug.alias("linkedin_slug"), domain.alias("domain")]
    if not erasure:
        return [*keys, *(pl.lit(None, pl.String).alias(k) for k in ERASURE_ONLY_KEYS)]
    name = person_name_key(cell(FIRST_NAME), cell(LAST_NAME), cell(FULL_NAME))
    member = pl.coalesce(linkedin_member_id(cell(MEMBER_ID)), linkedin_member_id(cell(LINKEDIN)))
    return [
        *keys,
        member.alias("linkedin_member_key"),
        name_at_company_key(name, company_name_key(cell(COMPANY))).alias("name_at_company"),
        name_at_company_key(name, company_domain_key(cell(COMPANY_DOMAIN))).alias("name_at_domain"),
    ]


def read_suppression_file(
    con: duckdb.DuckDBPyConnection, path: Path, source_file: str, now: datetime | None = None
) -> SuppressionRead:
    """One suppression export, recognised by its header (`formats.FORMATS`); a row without
    its own date is dated by the file, never later than `now` (the run's clock)."""
    read = read_csv_cells(con, open_export(path))
    empty = _empty_read()
    parse_rejects = pl.DataFrame(
        {
            "source_file": [source_file] * len(read.rejects),
            "source_row": [r.source_row for r in read.rejects],
            "reason": [r.reason for r in read.rejects],
        },
        schema=SUPPRESSION_REJECT_SCHEMA,
    )
    fmt = recognise_suppression_file(read.header, path.name)
    if fmt is None:
        empty.rejects = pl.concat(
            [parse_rejects, _rejected(read.cells, source_file, "unrecognised suppression file")]
        )
        empty.problems.append(
            f"{source_file}: not a suppression export this pipeline understands (header: "
            f"{', '.join(read.header) or 'none'}); it needs one of the columns "
            f"{', '.join(KNOWN_COLUMNS)}, with a header or file name that says what the list is"
        )
        return empty
    cell = cell_reader(columns_by_key(read.header))
    base = read.cells.select(
        pl.col(ROW_NUMBER).alias("source_row"),
        pl.concat_list([rule(cell) for rule in fmt.rules])
        .list.drop_nulls()
        .list.unique()
        .alias("kinds"),
        pl.coalesce(dates.timestamp_utc(cell(WHEN)), pl.lit(dates.exported_at(path, now)))
        .cast(pl.Datetime("us", "UTC"))
        .alias("recorded_at"),
        cell(REASON).alias("reason"),
        *_keys(cell, erasure=fmt.name == "erasure_requests"),
    )
    asked = base.filter(pl.col("kinds").list.len() > 0).explode("kinds").rename({"kinds": "kind"})
    # a row with no address or slug but a domain asks for the whole domain to be left alone
    asked = asked.with_columns(
        pl.when(
            pl.col("email_key").is_null()
            & pl.col("linkedin_slug").is_null()
            & pl.col("domain").is_not_null()
            & (pl.col("kind") != "erasure")
        )
        .then(pl.lit("do_not_contact"))
        .otherwise(pl.col("kind"))
        .alias("kind")
    )
    not_asking = base.filter(pl.col("kinds").list.len() == 0).select(
        pl.lit(source_file).alias("source_file"),
        "source_row",
        pl.lit(
            f"{fmt.name}: the row asks for no suppression (e.g. its opt-out flag is false)"
        ).alias("reason"),
    )
    soft = asked.filter(pl.col("kind") == "soft_bounce")
    consents = asked.filter(pl.col("kind") == "re_consent")
    suppressing = asked.filter(~pl.col("kind").is_in(["soft_bounce", "re_consent"]))
    erasure = pl.col("kind") == "erasure"
    rows = pl.concat(
        [
            suppressing.filter(pl.col("kind") != "do_not_contact")
            .select(
                "kind",
                pl.lit(key).alias("key_type"),
                pl.col(key).alias("key_value"),
                "recorded_at",
                "reason",
                "source_row",
            )
            .drop_nulls("key_value")
            for key in ("email_key", "linkedin_slug")
        ]
        + [
            suppressing.filter(erasure)
            .select(
                "kind",
                pl.lit(key).alias("key_type"),
                pl.col(key).alias("key_value"),
                "recorded_at",
                "reason",
                "source_row",
            )
            .drop_nulls("key_value")
            for key in ERASURE_ONLY_KEYS
        ]
        + [
            suppressing.filter(pl.col("kind") == "do_not_contact")
            .select(
                "kind",
                pl.lit("domain").alias("key_type"),
                pl.col("domain").alias("key_value"),
                "recorded_at",
                "reason",
                "source_row",
            )
            .drop_nulls("key_value")
        ]
    ).with_columns(pl.lit(source_file).alias("source_file"))
    rows = rows.with_columns(
        pl.when(erasure)
        .then(sha256_column(pl.col("key_value")))
        .otherwise(pl.col("key_value"))
        .alias("key_value"),
        pl.when(erasure).then(None).otherwise(pl.col("reason")).alias("reason"),
        erasure.alias("hashed"),
    ).select([pl.col(c).cast(t) for c, t in SUPPRESSION_SCHEMA.items()])
    keyless = suppressing.join(rows.select("source_row").unique(), on="source_row", how="anti")
    # A bounce of an address that does not even parse can be listed and left: no send can
    # reach it. A person who asked not to be contacted, under an address we cannot read,
    # might still be reached: that stops the build.
    unsafe = keyless.filter(pl.col("kind").is_in(["opt_out", "spam_complaint", "erasure"]))
    if unsafe.height:
        listed = ", ".join(str(r) for r in unsafe["source_row"].unique().sort().head(10))
        empty.problems.append(
            f"{source_file}: {unsafe['source_row'].n_unique()} row(s) ask not to be contacted "
            "but carry no usable email, LinkedIn URL or domain (an erasure request may also "
            "give a LinkedIn member id, or a full name with the company's name or domain) "
            f"(data rows {listed})"
        )
    if fmt.name == "erasure_requests" and read.cells.height == 0:
        empty.problems.append(
            f"{source_file}: an erasure-request file with no requests in it; an export that "
            "lost its rows would otherwise erase no one without a word"
        )
    return SuppressionRead(
        rows=rows,
        rejects=pl.concat(
            [
                parse_rejects,
                not_asking,
                _rejected(
                    keyless, source_file, f"{fmt.name}: no usable email, LinkedIn URL or domain"
                ),
            ]
        ),
        requests=suppressing.filter(erasure).select(*ERASURE_REQUEST_SCHEMA),
        consents=consents.select(
            "email_key",
            pl.col("recorded_at").alias("consented_at"),
            pl.col("reason").alias("proof"),
            "source_row",
            pl.lit(source_file).alias("source_file"),
        ).drop_nulls("email_key"),
        soft_bounces=soft.select(
            pl.col("email_key").alias("email_key"),
            "recorded_at",
            "reason",
            "source_row",
            pl.lit(source_file).alias("source_file"),
        ).drop_nulls("email_key"),
        problems=empty.problems,
    )


CONSENT_SCHEMA: dict[str, pl.DataType] = {
    "email_key": pl.String(),
    "consented_at": pl.Datetime("us", "UTC"),
    "proof": pl.String(),
    "source_row": pl.Int64(),
    "source_file": pl.String(),
}
SOFT_BOUNCE_SCHEMA: dict[str, pl.DataType] = {
    "email_key": pl.String(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "reason": pl.String(),
    "source_row": pl.Int64(),
    "source_file": pl.String(),
}


def _empty_read() -> SuppressionRead:
    return SuppressionRead(
        rows=pl.DataFrame(schema=SUPPRESSION_SCHEMA),
        rejects=pl.DataFrame(schema=SUPPRESSION_REJECT_SCHEMA),
        requests=pl.DataFrame(schema=ERASURE_REQUEST_SCHEMA),
        soft_bounces=pl.DataFrame(schema=SOFT_BOUNCE_SCHEMA),
        consents=pl.DataFrame(schema=CONSENT_SCHEMA),
    )


def _rejected(rows: pl.DataFrame, source_file: str, reason: str) -> pl.DataFrame:
    row_column = ROW_NUMBER if ROW_NUMBER in rows.columns else "source_row"
    return rows.select(
        pl.lit(source_file).alias("source_file"),
        pl.col(row_column).cast(pl.Int64).alias("source_row"),
        pl.lit(reason).alias("reason"),
    ).unique(maintain_order=True)


def read_suppression_inbox(
    con: duckdb.DuckDBPyConnection, inbox: Path, now: datetime | None = None
) -> SuppressionRead:
    """Every file in `suppression/` (CSV exports), read and joined; a file of another type
    there is a problem too, since nothing in that folder may be skipped quietly."""
    reads = [_empty_read()]
    folder = inbox / "suppression"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
        source_file = path.relative_to(inbox).as_posix()
        if path.suffix.lower() != ".csv":
            skipped = _empty_read()
            skipped.problems.append(f"{source_file}: not a CSV file; export the list as CSV")
            reads.append(skipped)
            continue
        reads.append(read_suppression_file(con, path, source_file, now))
    return SuppressionRead(
        rows=pl.concat([r.rows for r in reads]),
        rejects=pl.concat([r.rejects for r in reads]),
        requests=pl.concat([r.requests for r in reads]),
        soft_bounces=pl.concat([r.soft_bounces for r in reads]),
        consents=pl.concat([r.consents for r in reads]),
        problems=[problem for r in reads for problem in r.problems],
    )


def build_suppressions(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    segments: Sequence[IcpSegment],
    now: datetime | None = None,
) -> SuppressionRead:
    """Every suppression in the inbox plus the ICP disqualifier domains, the rows that could
    not be used and the soft bounces; raises `SuppressionFileError` naming every file that
    cannot be used as it is, before anything is written."""
    read = read_suppression_inbox(con, inbox, now)
    if read.problems:
        raise SuppressionFileError(
            "the suppression list cannot be built, so nothing downstream may run:\n- "
            + "\n- ".join(read.problems)
        )
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
    frames = [read.rows, pl.DataFrame(disqualifiers, schema=SUPPRESSION_SCHEMA)]
    read.rows = pl.concat(frames).unique(maintain_order=True)
    return read


def erasure_hashes(suppressions: pl.DataFrame) -> pl.DataFrame:
    """(`key_type`, `key_hash`): every erasure request on the list, one row per hashed key
    (`kernel.keys.person.PERSON_KEY_TYPES`), sorted so a build never depends on row order."""
    return (
        suppressions.filter((pl.col("kind") == "erasure") & pl.col("hashed"))
        .select("key_type", pl.col("key_value").alias("key_hash"))
        .unique()
        .sort("key_type", "key_hash")
    )


def person_suppressions(linked: pl.DataFrame, suppressions: pl.DataFrame) -> pl.DataFrame:
    """(person_id, suppression_kinds) for every person any of whose records is suppressed.

    Consent survives merges: one opted-out record suppresses the whole person. A hard
    bounce is about a mailbox, not a person: it stops mail to that address (the pre-check
    makes it a verdict) and leaves the person reachable by other means.
    """
    suppressions = suppressions.filter(pl.col("kind") != "hard_bounce")
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


def mark_suppressed(people: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """`people` with `suppressed` and `suppression_kinds`, from `person_suppressions` (every
    record of each person)."""
    # the columns are set beside `people`, which a join would copy whole
    kinds = (
        people.select("person_id")
        .join(hits, on="person_id", how="left", maintain_order="left")
        .get_column("suppression_kinds")
    )
    return people.with_columns(
        kinds.fill_null([]).alias("suppression_kinds"), kinds.is_not_null().alias("suppressed")
    )
