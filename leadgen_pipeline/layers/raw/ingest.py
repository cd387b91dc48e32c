"""The raw layer's logic: a source folder of vendor exports -> canonical records + rejects.

Every data row of every file ends up in exactly one of the two frames this module returns
(count conservation). Files are recognised by their header, never by their folder; the
folder names the source, and a vendor the source's provenance does not declare is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates, values
from leadgen_pipeline.kernel.csv_reader import (
    ROW_NUMBER,
    CsvRead,
    open_export,
    read_csv_cells,
    record_as_json,
)
from leadgen_pipeline.kernel.keys import MEMBER_ID_PATTERN
from leadgen_pipeline.layers.raw.canonical import CANONICAL_SCHEMA, REJECT_SCHEMA, conform
from leadgen_pipeline.layers.raw.vendors import VendorFormat, recognise_vendor

# Bump when the mapping changes, so an unchanged inbox still yields a new snapshot.
MAPPING_VERSION = "1"

# LinkedIn's opaque member id, by the kernel's one rule for it, as a capture group
_MEMBER_ID = f"({MEMBER_ID_PATTERN})"


@dataclass(frozen=True)
class FileReport:
    """What one input file contributed: the figures the conservation check compares."""

    source_file: str
    sha256: str
    encoding: str
    vendor: str | None
    data_rows: int
    records: int
    rejects: int
    pulled_at: datetime


@dataclass
class SourcePull:
    """One pull of one source: its records, its rejects, and a report per file."""

    source: str
    snapshot_id: str
    pulled_at: datetime
    records: pl.DataFrame
    rejects: pl.DataFrame
    files: list[FileReport] = field(default_factory=list)

    @property
    def data_rows(self) -> int:
        return sum(f.data_rows for f in self.files)


def snapshot_id_for(source: str, files: list[tuple[str, str]], mode: str = "inbox") -> str:
    """A content address for a pull: the same inputs under the same mapping, the same id."""
    digest = hashlib.sha256(f"{mode}|{source}|{MAPPING_VERSION}".encode())
    for name, sha in sorted(files):
        digest.update(f"|{name}:{sha}".encode())
    return f"{source}-{digest.hexdigest()[:16]}"


def source_files(inbox: Path, source: str) -> list[Path]:
    """The CSV files of a source's inbox folder, in a stable order."""
    folder = inbox / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")


def map_to_canonical(cells: pl.DataFrame, header: list[str], fmt: VendorFormat) -> pl.DataFrame:
    """Vendor cells -> canonical columns (lineage columns other than source_row left null)."""
    resolved = fmt.resolve(header)

    def cell(name: str) -> pl.Expr:
        if name not in resolved:
            return pl.lit(None, dtype=pl.String)
        # an empty cell (null: the reader trims) in the preferred column falls through
        return pl.coalesce([pl.col(h) for h in resolved[name]])

    def money(name: str) -> pl.Expr:
        return values.integer(cell(name), 1000 if name in fmt.money_in_thousands else 1)

    text_columns = [
        "source_record_id", "first_name", "last_name", "full_name", "title", "seniority",
        "departments", "email_vendor_status", "company_name", "industry",
        "country_raw", "state", "city", "latest_funding_round", "technologies", "keywords",
        "previous_company_name", "company_linkedin_url",
    ]  # fmt: skip
    email = cell("email")
    mapped = cells.lazy().select(
        pl.col(ROW_NUMBER).alias("source_row"),
        pl.when(email.str.to_lowercase().is_in(_EMAIL_PLACEHOLDERS))
        .then(None)
        .otherwise(email)
        .alias("email"),
        *[cell(name).alias(name) for name in text_columns],
        *[
            values.phone(cell(n)).alias(n)
            for n in ("phone_direct", "phone_mobile", "phone_company")
        ],
        values.boolean(cell("do_not_call")).alias("do_not_call"),
        cell("linkedin_url").alias("linkedin_any"),
        cell("linkedin_member_id").alias("member_any"),
        cell("sales_nav_url").alias("sales_nav_any"),
        cell("company_domain").alias("company_domain_raw"),
        cell("company_website").alias("company_website"),
        values.integer(cell("employee_count")).alias("employee_count"),
        values.employee_range(cell("employee_range")).alias("employee_range_text"),
        money("annual_revenue_usd").alias("annual_revenue_usd"),
        money("total_funding_usd").alias("total_funding_usd"),
        money("latest_funding_amount_usd").alias("latest_funding_amount_usd"),
        dates.date(cell("latest_funding_date")).alias("latest_funding_date"),
        dates.date(cell("job_start_date")).alias("job_start_date"),
    )
    return _derive(mapped).collect()


def _derive(mapped: pl.LazyFrame) -> pl.LazyFrame:
    """Columns computed from other columns, the same way for every vendor."""
    linkedin_any = pl.col("linkedin_any")
    member_in_url = pl.coalesce(
        pl.col("member_any").str.extract(_MEMBER_ID),
        linkedin_any.str.extract(r"/in/" + _MEMBER_ID),
        pl.col("sales_nav_any").str.extract(r"/sales/(?:lead|people)/" + _MEMBER_ID),
    )
    is_sales_nav = linkedin_any.str.contains(r"/sales/(lead|people)/")
    is_public_profile = linkedin_any.str.contains(r"/in/[^/?#]+") & ~linkedin_any.str.contains(
        r"/in/" + _MEMBER_ID
    )
    # a range cell that holds one number is an exact count ("Employees: 250")
    range_as_count = values.integer(pl.col("employee_range_text"))
    return mapped.with_columns(
        pl.when(is_public_profile).then(linkedin_any).alias("linkedin_url"),
        member_in_url.alias("linkedin_member_id"),
        pl.coalesce(pl.col("sales_nav_any"), pl.when(is_sales_nav).then(linkedin_any)).alias(
            "sales_nav_url"
        ),
        pl.coalesce(
            values.host(pl.col("company_domain_raw")), values.host(pl.col("company_website"))
        ).alias("company_domain"),
        pl.coalesce(pl.col("employee_count"), range_as_count).alias("employee_count"),
        pl.when(range_as_count.is_null())
        .then(pl.col("employee_range_text"))
        .alias("employee_range"),
        values.country(pl.col("country_raw")).alias("country"),
        pl.coalesce(
            pl.col("full_name"),
            pl.concat_str(
                [pl.col("first_name"), pl.col("last_name")], separator=" ", ignore_nulls=True
            ).replace("", None),
        ).alias("full_name"),
        pl.coalesce(pl.col("first_name"), pl.col("full_name").str.extract(r"^\s*(\S+)\s")).alias(
            "first_name"
        ),
        pl.coalesce(
            pl.col("last_name"), pl.col("full_name").str.extract(r"^\s*\S+\s+(.+?)\s*$")
        ).alias("last_name"),
    )


def has_identity() -> pl.Expr:
    """A record names a person: an email, a LinkedIn URL or id, or a name at a company."""
    named = pl.col("full_name").is_not_null() | pl.col("last_name").is_not_null()
    at_company = pl.col("company_name").is_not_null() | pl.col("company_domain").is_not_null()
    return (
        pl.col("email").is_not_null()
        | pl.col("linkedin_url").is_not_null()
        | pl.col("linkedin_member_id").is_not_null()
        | pl.col("sales_nav_url").is_not_null()
        | (named & at_company)
    )


NO_IDENTITY = "no identity: needs an email, a LinkedIn URL or member id, or a name with a company"
SHIFTED_EMAIL = (
    "email cell holds no address: the row's columns are probably shifted "
    "(an unquoted comma in an earlier cell)"
)
_EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# cells vendors fill in where they have no address; they mean "no email", not a bad row
_EMAIL_PLACEHOLDERS = ["n/a", "na", "-", "none", "null", "unknown", "email_not_unlocked@domain.com"]


def row_problem() -> pl.Expr:
    """Why a mapped record cannot be used (null when it can).

    A value in the email column that is not an address means the row was read with its
    columns out of place: a parser that tolerates a stray trailing delimiter keeps the field
    count right while every later cell has moved.
    """
    return (
        pl.when(pl.col("email").is_not_null() & ~pl.col("email").str.contains(_EMAIL_SHAPE))
        .then(pl.lit(SHIFTED_EMAIL))
        .when(~has_identity())
        .then(pl.lit(NO_IDENTITY))
    )


def _rejects_frame(
    source_file: str,
    vendor: str | None,
    rows: list[int | None],
    reasons: list[str],
    raw: list[str | None],
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "vendor": [vendor] * len(rows),
            "source_file": [source_file] * len(rows),
            "source_row": rows,
            "reason": reasons,
            "raw_record": raw,
        },
        schema={"vendor": pl.String, "source_file": pl.String, "source_row": pl.Int64,
                "reason": pl.String, "raw_record": pl.String},
    )  # fmt: skip


def split_file(
    read: CsvRead,
    source_file: str,
    declared_vendors: Collection[str],
    full_cells: Callable[[], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, str | None]:
    """One file -> (canonical records, rejects, vendor key). Together they hold every row.

    When `read` holds only the mapped columns, `full_cells` gives every column, so a
    rejected row keeps all its cells; it is called only when some row is rejected.
    """
    parse_rejects = _rejects_frame(
        source_file,
        None,
        [r.source_row for r in read.rejects],
        [r.reason for r in read.rejects],
        [r.raw_record for r in read.rejects],
    )
    fmt = recognise_vendor(read.header) if read.header else None
    whole_file_reason = None
    if fmt is None:
        whole_file_reason = f"unrecognised export format (header: {', '.join(read.header[:8])})"
    elif fmt.key not in declared_vendors:
        whole_file_reason = (
            f"vendor '{fmt.key}' is not declared for this source in the provenance manifest "
            f"(declared: {', '.join(sorted(declared_vendors)) or 'none'})"
        )
    vendor = fmt.key if fmt else None
    if whole_file_reason is not None or fmt is None:
        held = _rejects_frame(
            source_file,
            vendor,
            read.cells[ROW_NUMBER].to_list(),
            [whole_file_reason or ""] * read.cells.height,
            record_as_json(read.cells).to_list(),
        )
        return pl.DataFrame(schema=CANONICAL_SCHEMA), pl.concat([parse_rejects, held]), vendor

    parse_rejects = parse_rejects.with_columns(pl.lit(vendor).alias("vendor"))
    mapped = map_to_canonical(read.cells, read.header, fmt)
    reasons = mapped.select(row_problem()).to_series()
    records = mapped.filter(reasons.is_null())
    refused = read.cells.with_columns(reasons.alias("reason")).filter(
        pl.col("reason").is_not_null()
    )
    if refused.height and full_cells is not None:
        refused = full_cells().join(refused.select(ROW_NUMBER, "reason"), on=ROW_NUMBER)
    unusable = _rejects_frame(
        source_file,
        vendor,
        refused[ROW_NUMBER].to_list(),
        refused["reason"].to_list(),
        record_as_json(refused.drop("reason")).to_list(),
    )
    records = records.with_columns(
        pl.lit(vendor).alias("vendor"), pl.lit(source_file).alias("source_file")
    )
    return records, pl.concat([parse_rejects, unusable]), vendor


def pull_source_from_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    source: str,
    *,
    declared_vendors: Collection[str],
    consent_basis: str | None,
) -> SourcePull:
    """Read every export in `inbox/<source>/` into one pull of that source.

    With no declared provenance (`declared_vendors` empty) every row is held back as a
    reject, so nothing unaccounted-for reaches the union.
    """
    paths = source_files(inbox, source)
    record_frames: list[pl.DataFrame] = []
    reject_frames: list[pl.DataFrame] = []
    reports: list[FileReport] = []
    for path in paths:
        source_file = path.relative_to(inbox).as_posix()
        export = open_export(path)
        fmt = recognise_vendor(export.header)
        # a declared vendor's file is read for the columns its mapping uses, nothing more
        mapped_only = fmt is not None and fmt.key in declared_vendors
        columns = fmt.used_headers(export.header) if mapped_only and fmt else None
        read = read_csv_cells(con, export, columns)
        pulled_at = dates.exported_at(path)
        records, rejects, vendor = split_file(
            read,
            source_file,
            declared_vendors,
            full_cells=(lambda e=export: read_csv_cells(con, e).cells) if columns else None,
        )
        stamp = [pl.lit(pulled_at).cast(pl.Datetime("us", "UTC")).alias("pulled_at")]
        record_frames.append(records.with_columns(stamp))
        reject_frames.append(rejects.with_columns(stamp))
        reports.append(
            FileReport(source_file, read.sha256, read.encoding, vendor, read.data_rows,
                       records.height, rejects.height, pulled_at)
        )  # fmt: skip
    snapshot_id = snapshot_id_for(source, [(r.source_file, r.sha256) for r in reports])
    pulled_at = max((r.pulled_at for r in reports), default=datetime.now(tz=UTC))
    lineage = [
        pl.lit(snapshot_id).alias("snapshot_id"),
        pl.lit(source).alias("source"),
        pl.lit(consent_basis, dtype=pl.String).alias("consent_basis"),
    ]
    records = conform(
        pl.concat([conform(f) for f in record_frames]).with_columns(lineage)
        if record_frames
        else pl.DataFrame(schema=CANONICAL_SCHEMA)
    )
    rejects = conform(
        pl.concat([conform(f, REJECT_SCHEMA) for f in reject_frames]).with_columns(lineage[:2])
        if reject_frames
        else pl.DataFrame(schema=REJECT_SCHEMA),
        REJECT_SCHEMA,
    )
    return SourcePull(source, snapshot_id, pulled_at, records, rejects, reports)
