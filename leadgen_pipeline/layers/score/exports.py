"""Handoff exports: one CSV and one Parquet file per channel and run, in
`<export dir>/<run date>/` (`LEADGEN_EXPORT_DIR`, default `exports/` beside the store:
`data/exports`), with everything a rep acts on and nothing to retype.

**Headers** are the import labels of the tools the files go to, so an import maps them
without renaming (`HEADERS`; documented in the README):

| header | HubSpot contact property | Salesforce Lead field | Instantly lead field |
|---|---|---|---|
| `Email` | Email | Email | email |
| `First Name` | First Name | First Name | first name |
| `Last Name` | Last Name | Last Name | last name |
| `Job Title` | Job Title | Title | job title (custom) |
| `Company Name` | Company Name | Company | company name |
| `Website URL` | Website URL | Website | website |
| `Country/Region` | Country/Region | Country | country (custom) |
| `Phone Number` | Phone Number | Phone | phone |
| `LinkedIn URL` | custom property | custom field | linkedin url (custom) |
| `Personalization` | custom property | custom field | personalization |

The other columns (segment, tier, channel and why, the signals behind the score, the hook's
source URL and date, the enrichment record, CRM engagement history, provenance) import as
custom properties or merge fields under their own names.

**Cells are safe to open in a spreadsheet** (OWASP, CSV injection): a cell starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so no spreadsheet runs it
as a formula; quotes, commas and line breaks are quoted by the CSV writer. The Parquet file
holds the same values unescaped, for tools that read types.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel.csv_reader import read_csv_cells

# the cell starts OWASP lists: a spreadsheet reads any of them as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# export header -> the column of the handoff frame it carries
HEADERS: dict[str, str] = {
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Job Title": "title",
    "Company Name": "company_name",
    "Website URL": "company_domain",
    "Country/Region": "country",
    "Phone Number": "phone",
    "LinkedIn URL": "linkedin_url",
    "Personalization": "opener",
    "Opener Source URL": "opener_source_url",
    "Opener Date": "opener_date",
    "Segment": "segment",
    "Tier": "tier",
    "Score": "score",
    "Priority": "priority",
    "Channel": "channel",
    "Channel Reason": "channel_reason",
    "Email Track": "email_track",
    "Buying Signals": "buying_signals",
    "Signal Evidence": "signal_evidence",
    "Tenure Months": "tenure_months",
    "Employee Count": "employee_count",
    "Headcount Change Pct": "headcount_change_pct",
    "Latest Funding Round": "latest_funding_round",
    "Latest Funding Date": "latest_funding_date",
    "Open Roles": "open_roles",
    "Relevant Technologies": "relevant_technologies",
    "Engagement History": "engagement_history",
    "Sources": "sources",
    "Consent Basis": "consent_bases",
    "Opt-out Mechanism": "opt_out_mechanisms",
    "Person ID": "person_id",
    "Scoring Version": "scoring_version",
    "ICP Version": "icp_version",
}

# CRM export header aliases (HubSpot deals, Salesforce opportunities)
CRM_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("Associated Contact", "Contact Email", "Email", "Contact: Email"),
    "deal": ("Deal Name", "Opportunity Name", "Name"),
    "stage": ("Deal Stage", "Stage", "StageName"),
    "last_activity": ("Last Activity Date", "LastActivityDate", "Last Activity"),
}


def export_dir(files_dir: Path) -> Path:
    """`LEADGEN_EXPORT_DIR`, else `exports/` in the store's files folder (`data/exports`)."""
    stated = os.environ.get("LEADGEN_EXPORT_DIR")
    return Path(stated) if stated else files_dir / "exports"


def neutralise(cell: pl.Expr) -> pl.Expr:
    """A text cell a spreadsheet will not run: a leading `'` before any formula start."""
    starts = "".join(FORMULA_STARTS).replace("-", r"\-")
    return pl.when(cell.str.contains(f"^[{starts}]")).then(pl.lit("'") + cell).otherwise(cell)


def engagement_history(
    con: duckdb.DuckDBPyConnection, inbox: Path
) -> tuple[pl.DataFrame, list[str]]:
    """Per email (lower-cased), the CRM deals the exports in `crm/` name, as one line; and
    the files that could not be read as deal exports (listed, never dropped quietly)."""
    rows, unread = [], []
    for path in sorted((inbox / "crm").glob("*.csv")) if (inbox / "crm").is_dir() else []:
        read = read_csv_cells(con, path)
        found = {
            name: next((h for h in aliases if h in read.header), None)
            for name, aliases in CRM_COLUMNS.items()
        }
        if found["email"] is None or found["stage"] is None:
            unread.append(f"crm/{path.name}: no contact email or stage column")
            continue
        cells = read.cells
        rows.append(
            cells.select(
                pl.col(found["email"]).str.to_lowercase().str.strip_chars().alias("email"),
                pl.concat_str(
                    [
                        pl.col(found["deal"]) if found["deal"] else pl.lit("a deal"),
                        pl.lit(" ("),
                        pl.col(found["stage"]),
                        pl.lit(", last activity ") + pl.col(found["last_activity"])
                        if found["last_activity"]
                        else pl.lit(""),
                        pl.lit(")"),
                    ],
                    ignore_nulls=True,
                ).alias("event"),
            ).drop_nulls("email")
        )
    if not rows:
        return pl.DataFrame(schema={"email": pl.String, "engagement_history": pl.String}), unread
    history = (
        pl.concat(rows)
        .unique()
        .sort("email", "event")
        .group_by("email", maintain_order=True)
        .agg(pl.col("event").str.join("; ").alias("engagement_history"))
    )
    return history, unread


def handoff_frame(
    routed: pl.DataFrame,
    contacts: pl.DataFrame,
    leads: pl.DataFrame,
    signals: pl.DataFrame,
    history: pl.DataFrame,
) -> pl.DataFrame:
    """One row per routed lead with the export's columns (`HEADERS` values), unescaped."""
    evidence = (
        routed.select("person_id", pl.col("signal_ids").alias("signal_id"))
        .explode("signal_id")
        .join(signals.filter("verified"), on="signal_id")
        .sort("person_id", "signal_date", "signal_id", descending=[False, True, False])
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.concat_str(
                [pl.col("signal_date").cast(pl.String), pl.lit(" "), pl.col("signal_type"),
                 pl.lit(": "), pl.col("claim"),
                 pl.when(pl.col("source_url").is_not_null())
                 .then(pl.lit(" <") + pl.col("source_url") + pl.lit(">")).otherwise(pl.lit(""))]
            ).str.join(" | ").alias("signal_evidence")
        )
    )  # fmt: skip
    enrichment = leads.select(
        "person_id", "tenure_months", "employee_count", "headcount_change_pct",
        "latest_funding_round", "latest_funding_date", "open_roles",
        pl.col("relevant_technologies").list.join("; "),
    )  # fmt: skip
    people = contacts.select(
        "person_id", "first_name", "last_name", "title", "company_name", "company_domain",
        "country", pl.col("email").str.to_lowercase().str.strip_chars().alias("contact_email"),
    )  # fmt: skip
    frame = (
        routed.join(people, on="person_id", how="left")
        .join(enrichment, on="person_id", how="left")
        .join(evidence, on="person_id", how="left")
        .join(history, left_on="contact_email", right_on="email", how="left")
        .with_columns(
            pl.col("matched_signals").list.join("; ").alias("buying_signals"),
            pl.col("sources").list.join("; "),
            pl.col("consent_bases").list.join("; "),
            pl.col("opt_out_mechanisms").list.join(" | "),
        )
    )
    return frame.select(list(HEADERS.values())).sort("segment", "priority", "person_id")


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Every cell as neutralised text under the export headers."""
    return frame.select(
        neutralise(pl.col(column).cast(pl.String)).alias(header)
        for header, column in HEADERS.items()
    )


def write_exports(frame: pl.DataFrame, folder: Path, run_date: date) -> pl.DataFrame:
    """CSV and Parquet per channel under `folder/<run_date>/`; one row per file written:
    channel, format, path, rows, SHA-256."""
    target = folder / run_date.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for channel in sorted(frame["channel"].unique().to_list()):
        rows = frame.filter(pl.col("channel") == channel)
        csv_path, parquet_path = target / f"{channel}.csv", target / f"{channel}.parquet"
        # written beside, then renamed: a reader never opens half a file
        partial = csv_path.with_suffix(".csv.partial")
        csv_ready(rows).write_csv(partial, quote_style="non_numeric")
        os.replace(partial, csv_path)
        partial = parquet_path.with_suffix(".parquet.partial")
        rows.rename({c: h for h, c in HEADERS.items()}).write_parquet(partial)
        os.replace(partial, parquet_path)
        for fmt, path in (("csv", csv_path), ("parquet", parquet_path)):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            written.append((channel, fmt, str(path), rows.height, digest))
    schema = {"channel": pl.String, "format": pl.String, "path": pl.String,
              "rows": pl.Int64, "sha256": pl.String}  # fmt: skip
    return pl.DataFrame(written, schema=schema, orient="row").with_columns(
        pl.lit(run_date).alias("run_date")
    )
