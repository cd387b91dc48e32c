"""Signals from what the store already holds: vendor fields of the latest pulls, and the
changes the immutable raw history shows between pulls.

- Vendor fields (`source = vendor:<vendor>:<header>`): each vendor's latest funding round
  with its date (Apollo `Latest Funding` / `Last Raised At`, Lusha `Last Round/Event …`,
  ZoomInfo `Recent Funding …`), and job start dates (ZoomInfo `Job Start Date`: a job change
  when a previous company is named, else a role change). A round without a date is no
  dated signal; those are counted, never turned into a "recent" claim.
- Vendor columns the canonical record does not keep, read again from the latest pull's
  files: Evaboot's time in position (a role change, at month precision, when the role is
  under a year old or `Has New Position` says so) and one-year employee growth (Evaboot,
  ZoomInfo) of 10 % or more.
- Snapshots (`source = snapshots`): the headcount an account had at its first and last pull
  (`headcount_growth` when it moved by 10 % or more over 60 days or more), and a person
  seen at one company and later at another (`job_change`, dated at the first pull showing
  the new company).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.csv_reader import ROW_NUMBER, open_export, read_csv_cells
from leadgen_pipeline.kernel.keys import company_domain_key, linkedin_slug
from leadgen_pipeline.kernel.store import in_utc, table_exists
from leadgen_pipeline.layers.enrich.signal_files import CANDIDATE_SCHEMA, signal_value
from leadgen_pipeline.layers.raw.canonical import SOURCES

# The header each vendor's funding fields come from (layers/raw/vendors.py maps them).
FUNDING_FIELDS: dict[str, str] = {
    "apollo": "Latest Funding",
    "lusha": "Last Round/Event Type",
    "zoominfo": "Recent Funding Round",
}
JOB_START_FIELDS: dict[str, str] = {"zoominfo": "Job Start Date"}

HEADCOUNT_MIN_DAYS = 60
HEADCOUNT_MIN_CHANGE = 0.10

_COLUMNS = (
    "snapshot_id, pulled_at, source, vendor, source_file, source_row, title, departments, "
    "company_name, company_domain, company_website, employee_count, latest_funding_round, "
    "latest_funding_amount_usd, latest_funding_date, previous_company_name, job_start_date, "
    "linkedin_url"
)


def _union(con: duckdb.DuckDBPyConnection, schema: str) -> pl.DataFrame:
    parts = [
        f"select {_COLUMNS} from {schema}.{source}"
        for source in SOURCES
        if table_exists(con, f"{schema}.{source}")
    ]
    if not parts:
        return pl.DataFrame()
    frame = in_utc(con.sql(" union all ".join(parts)).pl())
    domain = pl.coalesce(
        company_domain_key(pl.col("company_domain")), company_domain_key(pl.col("company_website"))
    )
    return frame.with_columns(domain.alias("account_domain"))


def _evidence(fields: list[str]) -> pl.Expr:
    return pl.concat_str(
        [
            pl.col("source_file"),
            pl.lit(" row "),
            pl.col("source_row").cast(pl.String),
            pl.lit(": "),
            pl.struct(fields).struct.json_encode(),
        ]
    )


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(None, dtype=pl.String).alias("source_url"),
        pl.lit(None, dtype=pl.String).alias("problem"),
        pl.lit(None, dtype=pl.String).alias("note"),
    ).select(*CANDIDATE_SCHEMA, "person_id")


def vendor_signals(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, dict[str, int]]:
    """Funding rounds and job starts stated by vendors in the latest pulls, and counts of
    the vendor values that gave no signal (with why, for the asset's metadata)."""
    latest = _union(con, "raw")
    if latest.is_empty():
        return pl.DataFrame(schema={**CANDIDATE_SCHEMA, "person_id": pl.String()}), {}
    links = con.sql(
        "select snapshot_id, source, source_file, source_row, person_id from core.contact_links"
    ).pl()
    funding_vendors = pl.col("vendor").is_in(list(FUNDING_FIELDS))
    stated = latest.filter(funding_vendors & pl.col("latest_funding_round").is_not_null())
    dated = stated.filter(
        pl.col("latest_funding_date").is_not_null() & pl.col("account_domain").is_not_null()
    )
    funding = (
        dated.sort("source_file", "source_row")
        .unique(
            ["vendor", "account_domain", "latest_funding_round", "latest_funding_date"],
            keep="first",
            maintain_order=True,
        )
        .select(
            "account_domain",
            pl.lit("funding_round").alias("signal_type"),
            signal_value(
                amount=pl.col("latest_funding_amount_usd"),
                currency=pl.when(pl.col("latest_funding_amount_usd").is_not_null()).then(
                    pl.lit("USD")
                ),
                round=pl.col("latest_funding_round"),
                company=pl.col("company_name"),
            ),
            pl.col("latest_funding_date").alias("signal_date"),
            pl.concat_str(
                [
                    pl.lit("vendor:"),
                    pl.col("vendor"),
                    pl.lit(":"),
                    pl.col("vendor").replace_strict(FUNDING_FIELDS, default=""),
                ]
            ).alias("source"),
            pl.concat_str(
                [
                    pl.coalesce("company_name", pl.lit("The company")),
                    pl.lit(" raised a "),
                    pl.col("latest_funding_round"),
                    pl.lit(" (last raised "),
                    pl.col("latest_funding_date").cast(pl.String),
                    pl.lit(")"),
                ]
            ).alias("claim"),
            _evidence(
                ["latest_funding_round", "latest_funding_amount_usd", "latest_funding_date"]
            ).alias("evidence"),
            "source_row",
            pl.lit(None, dtype=pl.String).alias("person_id"),
        )
    )
    starts = latest.filter(
        pl.col("vendor").is_in(list(JOB_START_FIELDS)) & pl.col("job_start_date").is_not_null()
    ).join(links, on=["snapshot_id", "source", "source_file", "source_row"], how="inner")
    moved = pl.col("previous_company_name").is_not_null()
    jobs = starts.select(
        "account_domain",
        pl.when(moved)
        .then(pl.lit("job_change"))
        .otherwise(pl.lit("role_change"))
        .alias("signal_type"),
        signal_value(
            role=pl.col("title"), department=pl.col("departments"), company=pl.col("company_name")
        ),
        pl.col("job_start_date").alias("signal_date"),
        pl.concat_str([pl.lit("vendor:"), pl.col("vendor"), pl.lit(":Job Start Date")]).alias(
            "source"
        ),
        pl.concat_str(
            [
                pl.lit("Started as "),
                pl.coalesce("title", pl.lit("(title not stated)")),
                pl.lit(" at "),
                pl.coalesce("company_name", "account_domain"),
                pl.when(moved)
                .then(
                    pl.concat_str(
                        [pl.lit(" (previously at "), pl.col("previous_company_name"), pl.lit(")")]
                    )
                )
                .otherwise(pl.lit("")),
                pl.lit(" on "),
                pl.col("job_start_date").cast(pl.String),
            ]
        ).alias("claim"),
        _evidence(["title", "company_name", "previous_company_name", "job_start_date"]).alias(
            "evidence"
        ),
        "source_row",
        "person_id",
    )
    unused = {
        "vendor_rounds_without_date": stated.filter(pl.col("latest_funding_date").is_null())
        .select("account_domain", "latest_funding_round")
        .unique()
        .height,
        "vendor_rounds_without_domain": stated.filter(pl.col("account_domain").is_null()).height,
        "job_starts_of_unlinked_records": latest.filter(
            pl.col("vendor").is_in(list(JOB_START_FIELDS)) & pl.col("job_start_date").is_not_null()
        ).height
        - starts.height,
    }
    return _finish(pl.concat([funding, jobs])), unused


def snapshot_signals(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Headcount growth and job changes across every pull the raw history keeps."""
    history = _union(con, "raw_history")
    empty = pl.DataFrame(schema={**CANDIDATE_SCHEMA, "person_id": pl.String()})
    if history.is_empty():
        return empty
    history = history.with_columns(pl.col("pulled_at").dt.date().alias("seen_on"))
    counts = (
        history.filter(pl.col("account_domain").is_not_null() & (pl.col("employee_count") > 0))
        .group_by("account_domain", "seen_on")
        .agg(pl.col("employee_count").median().round(0).cast(pl.Int64).alias("employees"))
        .sort("account_domain", "seen_on")
        .group_by("account_domain")
        .agg(
            pl.col("seen_on").first().alias("first_on"),
            pl.col("employees").first().alias("first_count"),
            pl.col("seen_on").last().alias("last_on"),
            pl.col("employees").last().alias("last_count"),
        )
    )
    change = pl.col("last_count") / pl.col("first_count") - 1
    growth = counts.filter(
        ((pl.col("last_on") - pl.col("first_on")).dt.total_days() >= HEADCOUNT_MIN_DAYS)
        & (change.abs() >= HEADCOUNT_MIN_CHANGE)
    ).select(
        "account_domain",
        pl.lit("headcount_growth").alias("signal_type"),
        signal_value(from_count=pl.col("first_count"), to_count=pl.col("last_count")),
        pl.col("last_on").alias("signal_date"),
        pl.lit("snapshots").alias("source"),
        pl.concat_str(
            [
                pl.lit("Headcount went from "),
                pl.col("first_count").cast(pl.String),
                pl.lit(" ("),
                pl.col("first_on").cast(pl.String),
                pl.lit(") to "),
                pl.col("last_count").cast(pl.String),
                pl.lit(" ("),
                pl.col("last_on").cast(pl.String),
                pl.lit(")"),
            ]
        ).alias("claim"),
        pl.lit("employee counts of the raw pulls (raw_history), median per pull day").alias(
            "evidence"
        ),
        pl.lit(None, dtype=pl.Int64).alias("source_row"),
        pl.lit(None, dtype=pl.String).alias("person_id"),
    )
    people = history.with_columns(linkedin_slug(pl.col("linkedin_url")).alias("slug")).filter(
        pl.col("slug").is_not_null() & pl.col("account_domain").is_not_null()
    )
    stints = (
        people.group_by("slug", "account_domain")
        .agg(
            pl.col("seen_on").min().alias("from_on"),
            pl.col("company_name").sort_by("seen_on").last(),
            pl.col("title").sort_by("seen_on").last(),
        )
        .sort("slug", "from_on", "account_domain")
        .with_columns(
            pl.col("account_domain").shift(1).over("slug").alias("previous_domain"),
            pl.col("company_name").shift(1).over("slug").alias("previous_company"),
        )
        .filter(pl.col("previous_domain").is_not_null())
    )
    slugs = con.sql(
        "select distinct linkedin_slug as slug, person_id from core.contact_links "
        "where linkedin_slug is not null"
    ).pl()
    moves = stints.join(slugs, on="slug", how="inner").select(
        "account_domain",
        pl.lit("job_change").alias("signal_type"),
        signal_value(role=pl.col("title"), company=pl.col("company_name")),
        pl.col("from_on").alias("signal_date"),
        pl.lit("snapshots").alias("source"),
        pl.concat_str(
            [
                pl.lit("Moved from "),
                pl.coalesce("previous_company", "previous_domain"),
                pl.lit(" to "),
                pl.coalesce("company_name", "account_domain"),
                pl.lit(" (first seen there "),
                pl.col("from_on").cast(pl.String),
                pl.lit(")"),
            ]
        ).alias("claim"),
        pl.concat_str(
            [
                pl.lit("raw pulls show "),
                pl.col("previous_domain"),
                pl.lit(" then "),
                pl.col("account_domain"),
            ]
        ).alias("evidence"),
        pl.lit(None, dtype=pl.Int64).alias("source_row"),
        "person_id",
    )
    return _finish(pl.concat([growth, moves]))


# Vendor columns the canonical raw record does not keep, read again from the latest pull's
# own files (the raw rows name file and row): tenure and growth.
TENURE_COLUMNS = ("Years in Position", "Months in Position", "Has New Position")
GROWTH_COLUMNS: dict[str, str] = {
    "evaboot": "Company Employee Growth 1 Year (%)",
    "zoominfo": "Past 1 Year Employee Growth Rate",
}
RECENT_ROLE_MONTHS = 12


def _file_cells(
    con: duckdb.DuckDBPyConnection, inbox: Path, rows: pl.DataFrame, wanted: tuple[str, ...]
) -> tuple[pl.DataFrame, int]:
    """`wanted` cells of each raw row, read from its file (one read per file), and how many
    files could not be read again (an archive member, or a file gone from the inbox)."""
    parts, missing = [], 0
    for source_file in sorted(rows["source_file"].unique().to_list()):
        path = inbox / source_file
        if "#" in source_file or not path.is_file():
            missing += 1
            continue
        export = open_export(path)
        columns = [c for c in wanted if c in export.header]
        if not columns:
            continue
        cells = read_csv_cells(con, export, columns).cells
        parts.append(
            cells.rename({ROW_NUMBER: "source_row"}).with_columns(
                pl.col("source_row").cast(pl.Int64), pl.lit(source_file).alias("source_file")
            )
        )
    if not parts:
        return pl.DataFrame(schema={"source_file": pl.String, "source_row": pl.Int64}), missing
    return pl.concat(parts, how="diagonal"), missing


def vendor_file_signals(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Evaboot's time in position (`Years/Months in Position`, `Has New Position`): a role
    change dated at month precision when the role is under a year old or new; and the
    vendors' one-year employee growth: a headcount signal when it moved 10 % or more."""
    empty = pl.DataFrame(schema={**CANDIDATE_SCHEMA, "person_id": pl.String()})
    latest = _union(con, "raw")
    vendors = (
        latest.filter(pl.col("vendor").is_in(["evaboot", *GROWTH_COLUMNS]))
        if len(latest)
        else latest
    )
    if vendors.is_empty():
        return empty, {}
    cells, missing = _file_cells(con, inbox, vendors, (*TENURE_COLUMNS, *GROWTH_COLUMNS.values()))
    rows = vendors.join(cells, on=["source_file", "source_row"], how="inner")
    for column in (*TENURE_COLUMNS, *GROWTH_COLUMNS.values()):
        if column not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    links = con.sql(
        "select snapshot_id, source, source_file, source_row, person_id from core.contact_links"
    ).pl()
    months = values.integer(pl.col("Years in Position")).fill_null(0) * 12 + values.integer(
        pl.col("Months in Position")
    ).fill_null(0)
    stated = pl.col("Years in Position").is_not_null() | pl.col("Months in Position").is_not_null()
    new_role = values.boolean(pl.col("Has New Position")).fill_null(False)
    pulled = pl.col("pulled_at").dt.date()
    tenure = (
        rows.filter(pl.col("vendor") == "evaboot")
        .with_columns(months.alias("months"), stated.alias("stated"), new_role.alias("new_role"))
        .filter(pl.col("stated") & ((pl.col("months") < RECENT_ROLE_MONTHS) | pl.col("new_role")))
        .join(links, on=["snapshot_id", "source", "source_file", "source_row"], how="inner")
        .select(
            "account_domain",
            pl.lit("role_change").alias("signal_type"),
            signal_value(role=pl.col("title"), company=pl.col("company_name")),
            pulled.dt.offset_by(pl.format("-{}mo", pl.col("months"))).alias("signal_date"),
            pl.lit("vendor:evaboot:Months in Position").alias("source"),
            pl.format(
                "In the current position ({}) for {} months as of {}",
                pl.coalesce("title", pl.lit("title not stated")),
                pl.col("months"),
                pulled.cast(pl.String),
            ).alias("claim"),
            _evidence(["title", *TENURE_COLUMNS]).alias("evidence"),
            "source_row",
            "person_id",
        )
        .with_columns(
            pl.lit("stated by Evaboot; dated at month precision (pull date less the months)").alias(
                "note"
            )
        )
    )
    rate = pl.coalesce(
        [
            pl.when(pl.col("vendor") == vendor).then(
                pl.col(column).str.replace_all(r"[%\s]", "").cast(pl.Float64, strict=False)
            )
            for vendor, column in GROWTH_COLUMNS.items()
        ]
    )
    growth = (
        rows.with_columns(rate.alias("rate"))
        .filter(
            (pl.col("rate").abs() >= 100 * HEADCOUNT_MIN_CHANGE) & (pl.col("employee_count") > 0)
        )
        .sort("source_file", "source_row")
        .unique(["vendor", "account_domain"], keep="first", maintain_order=True)
        .select(
            "account_domain",
            pl.lit("headcount_growth").alias("signal_type"),
            signal_value(
                from_count=(pl.col("employee_count") / (1 + pl.col("rate") / 100)).round(0),
                to_count=pl.col("employee_count"),
            ),
            pulled.alias("signal_date"),
            pl.concat_str(
                [
                    pl.lit("vendor:"),
                    pl.col("vendor"),
                    pl.lit(":"),
                    pl.col("vendor").replace_strict(GROWTH_COLUMNS, default=""),
                ]
            ).alias("source"),
            pl.format(
                "Employee count changed {}% over the past year, to {}",
                pl.col("rate"),
                pl.col("employee_count"),
            ).alias("claim"),
            _evidence(["employee_count", "rate"]).alias("evidence"),
            "source_row",
            pl.lit(None, dtype=pl.String).alias("person_id"),
            pl.lit(None, dtype=pl.String).alias("note"),
        )
    )
    found = pl.concat([tenure, growth], how="vertical_relaxed").with_columns(
        pl.lit(None, dtype=pl.String).alias("source_url"),
        pl.lit(None, dtype=pl.String).alias("problem"),
    )
    return found.select(*CANDIDATE_SCHEMA, "person_id"), {"vendor_files_not_reread": missing}
