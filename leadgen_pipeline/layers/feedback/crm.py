"""CRM deal exports read into one shape: HubSpot deal exports and Salesforce opportunity
exports (report labels or API names), each recognised by its header (docs/vendor-formats.md,
§4).

A column is found by any of its names (`COLUMN_NAMES`, compared in the kernel's header form),
so the columns a user added to a view (the associated contact's email, the company domain)
and a portal's localised labels are read like the defaults. A stage becomes `won`, `lost` or
`open` by `stage_outcome`: Salesforce's `IsWon` / `IsClosed` decide where the file has them;
otherwise the stage label does, by the table in `WON_LABELS` / `LOST_LABELS` and the rules
after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates, values
from leadgen_pipeline.kernel.csv_reader import ROW_NUMBER, open_export, read_csv_cells
from leadgen_pipeline.kernel.hashing import sha256_column
from leadgen_pipeline.kernel.headers import columns_by_key, header_key
from leadgen_pipeline.kernel.keys import (
    company_domain_from_email,
    company_domain_key,
    email_match_key,
)

# field -> the names it goes by: HubSpot's export labels (English, then the Spanish portal's
# where known), Salesforce report labels, Salesforce API / Data Loader names
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "deal_id": ("Record ID", "ID de registro", "Opportunity ID", "Id"),
    "deal_name": ("Deal Name", "Nombre del negocio", "Opportunity Name", "Name"),
    "stage": ("Deal Stage", "Etapa del negocio", "Stage", "StageName"),
    "is_won": ("Is Won", "IsWon", "Won", "Is Closed Won"),
    "is_closed": ("Is Closed", "IsClosed", "Closed", "Is Deal Closed?"),
    "amount": ("Amount", "Importe", "Amount in company currency"),
    "currency": (
        "Currency in company currency", "Currency", "Opportunity Currency", "CurrencyIsoCode",
    ),
    "close_date": ("Close Date", "Fecha de cierre", "CloseDate"),
    "created_date": ("Create Date", "Fecha de creación", "Created Date", "CreatedDate"),
    "lead_source": ("Lead Source", "LeadSource", "Original Source", "Original Traffic Source"),
    "contact_email": (
        "Associated Contact", "Contact Email", "Primary Contact Email", "Contact: Email",
        "Contact.Email", "Email",
    ),
    "company_domain": (
        "Company Domain Name", "Nombre de dominio de la empresa", "Associated Company Domain",
        "Account Website", "Account: Website", "Account.Website", "Website",
    ),
    "company_name": (
        "Associated Company (Primary)", "Associated Company Names (Primary)",
        "Associated Company", "Account Name", "Account.Name",
    ),
}  # fmt: skip
# what a file must carry to be read as deals at all, and how the CRM is told apart
REQUIRED = ("deal_id", "stage")
SALESFORCE_SIGNS = ("Opportunity ID", "Opportunity Name", "StageName", "IsWon", "Id")

# stage labels, in compared form, that close a deal (beyond the rules below); HubSpot's
# internal values (`closedwon`) and custom labels seen in real portals
WON_LABELS = frozenset({"closedwon", "closed won", "won", "cerrado ganado", "ganado"})
LOST_LABELS = frozenset({"closedlost", "closed lost", "lost", "cerrado perdido", "perdido"})
OUTCOMES = ("won", "lost", "open")

DEAL_SCHEMA: dict[str, pl.DataType] = {
    "deal_key": pl.String(),
    "crm": pl.String(),
    "deal_id": pl.String(),
    "deal_name": pl.String(),
    "stage": pl.String(),
    "outcome": pl.String(),
    "amount": pl.Float64(),
    "currency": pl.String(),
    "created_on": pl.Date(),
    "closed_on": pl.Date(),
    "lead_source": pl.String(),
    "contact_email_key": pl.String(),
    "company_domain_key": pl.String(),
    "company_name": pl.String(),
    "source_file": pl.String(),
    "source_row": pl.Int64(),
}
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_row": pl.Int64(),
    "reason": pl.String(),
}


class CrmFileError(ValueError):
    """A file in `crm/` that cannot be read as deals: the build stops, naming it, since a
    closed-won analysis without some of its deals is wrong without looking wrong."""


@dataclass
class CrmRead:
    """Deals (one per CRM and deal id), unusable rows with the reason, the data rows read,
    the rows that repeat a deal of a later export, and problems that stop the build."""

    deals: pl.DataFrame
    rejects: pl.DataFrame
    problems: list[str] = field(default_factory=list)
    rows_read: int = 0
    repeated: int = 0


def _find(header: Sequence[str]) -> dict[str, str]:
    """Field -> the header's own column name, for every field the header carries."""
    present = columns_by_key(header)
    found = {}
    for name, spellings in COLUMN_NAMES.items():
        hit = next((present[header_key(s)] for s in spellings if header_key(s) in present), None)
        if hit is not None:
            found[name] = hit
    return found


def crm_of(header: Sequence[str]) -> str:
    present = {header_key(h) for h in header}
    return "salesforce" if any(header_key(s) in present for s in SALESFORCE_SIGNS) else "hubspot"


def stage_outcome(stage: pl.Expr, is_won: pl.Expr, is_closed: pl.Expr) -> pl.Expr:
    """`won` / `lost` / `open`. `IsWon` wins where present; `IsClosed` without `IsWon` is
    lost. Else the label: the tables above, then `closed … won` (`Closed Won & Paid`,
    `Closed & Won`) won, `closed … lost` lost, anything else open."""
    label = stage.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    won_flag, closed_flag = values.boolean(is_won), values.boolean(is_closed)
    return (
        pl.when(won_flag)
        .then(pl.lit("won"))
        .when(closed_flag & won_flag.not_())
        .then(pl.lit("lost"))
        .when(closed_flag.not_())
        .then(pl.lit("open"))
        .when(label.is_in(list(WON_LABELS)) | label.str.contains(r"^closed\b.*\bwon\b"))
        .then(pl.lit("won"))
        .when(label.is_in(list(LOST_LABELS)) | label.str.contains(r"^closed\b.*\blost\b"))
        .then(pl.lit("lost"))
        .otherwise(pl.lit("open"))
    )


def amount(expr: pl.Expr) -> pl.Expr:
    """A money amount as exported: `45362.12`, `95,570.69`, `$12,400.00`, `1.234,56 €`,
    `12 400`. The last `.` or `,` followed by exactly two digits is the decimal mark; every
    other separator groups thousands."""
    text = values.blank_to_null(expr).str.replace_all(r"[^\d.,\-]", "")
    decimal = text.str.extract(r"[.,](\d{2})$", 1)
    whole = pl.when(decimal.is_not_null()).then(text.str.slice(0, text.str.len_chars() - 3))
    whole = whole.otherwise(text).str.replace_all(r"[.,]", "")
    return (whole + pl.lit(".") + decimal.fill_null("0")).cast(pl.Float64, strict=False)


def read_crm_file(con: duckdb.DuckDBPyConnection, path: Path, source_file: str) -> CrmRead:
    """One CRM export as deals, its unparseable records as rejects; `problems` stop the build."""
    read = read_csv_cells(con, open_export(path))
    rejects = pl.DataFrame(
        {
            "source_file": [source_file] * len(read.rejects),
            "source_row": [r.source_row for r in read.rejects],
            "reason": [r.reason for r in read.rejects],
        },
        schema=REJECT_SCHEMA,
    )
    found = _find(read.header)
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        needs = "; ".join(f"{n}: one of {', '.join(COLUMN_NAMES[n])}" for n in missing)
        problem = (
            f"{source_file}: not a deal export this pipeline understands (header: "
            f"{', '.join(read.header) or 'none'}); missing {needs}"
        )
        return CrmRead(pl.DataFrame(schema=DEAL_SCHEMA), rejects, [problem], read.data_rows)

    def cell(name: str) -> pl.Expr:
        return pl.col(found[name]) if name in found else pl.lit(None, pl.String)

    crm = crm_of(read.header)
    email = email_match_key(cell("contact_email"))
    deals = read.cells.select(
        pl.lit(crm).alias("crm"),
        cell("deal_id").alias("deal_id"),
        cell("deal_name").alias("deal_name"),
        cell("stage").alias("stage"),
        stage_outcome(cell("stage"), cell("is_won"), cell("is_closed")).alias("outcome"),
        amount(cell("amount")).alias("amount"),
        cell("currency").str.to_uppercase().alias("currency"),
        dates.date(cell("created_date")).alias("created_on"),
        dates.date(cell("close_date")).alias("closed_on"),
        cell("lead_source").alias("lead_source"),
        email.alias("contact_email_key"),
        pl.coalesce(
            company_domain_key(cell("company_domain")),
            company_domain_from_email(cell("contact_email")),
        ).alias("company_domain_key"),
        cell("company_name").alias("company_name"),
        pl.lit(source_file).alias("source_file"),
        pl.col(ROW_NUMBER).cast(pl.Int64).alias("source_row"),
    )
    no_id = deals.filter(pl.col("deal_id").is_null())
    rejects = pl.concat(
        [
            rejects,
            no_id.select(
                "source_file",
                "source_row",
                pl.lit("no deal id: the row names no deal").alias("reason"),
            ),
        ]
    )
    deals = deals.filter(pl.col("deal_id").is_not_null()).with_columns(
        sha256_column(pl.concat_str([pl.col("crm"), pl.col("deal_id")], separator=":"))
        .str.slice(0, 16)
        .alias("deal_key")
    )
    return CrmRead(deals.select(list(DEAL_SCHEMA)), rejects, [], read.data_rows)


def read_crm_inbox(con: duckdb.DuckDBPyConnection, inbox: Path) -> CrmRead:
    """Every file in `crm/`. A deal exported twice (two exports of one CRM) is one deal: the
    row of the latest file wins, by file name (exports carry their date), then row."""
    reads = [CrmRead(pl.DataFrame(schema=DEAL_SCHEMA), pl.DataFrame(schema=REJECT_SCHEMA))]
    folder = inbox / "crm"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []:
        source_file = path.relative_to(inbox).as_posix()
        if path.name.startswith("."):
            continue
        if path.suffix.lower() != ".csv":
            reads.append(
                CrmRead(
                    pl.DataFrame(schema=DEAL_SCHEMA),
                    pl.DataFrame(schema=REJECT_SCHEMA),
                    [f"{source_file}: not a CSV file; export the deals as CSV"],
                )
            )
            continue
        reads.append(read_crm_file(con, path, source_file))
    every = pl.concat([r.deals for r in reads])
    deals = (
        every.sort("source_file", "source_row", descending=True)
        .unique("deal_key", keep="first", maintain_order=True)
        .sort("deal_key")
    )
    return CrmRead(
        deals,
        pl.concat([r.rejects for r in reads]).sort("source_file", "source_row"),
        [problem for r in reads for problem in r.problems],
        rows_read=sum(r.rows_read for r in reads),
        repeated=every.height - deals.height,
    )


MATCH_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "account_domain": pl.String(),
    "match": pl.String(),
    "match_reason": pl.String(),
}


def match_deals(deals: pl.DataFrame, links: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """Each deal with the person its contact email names (the kernel's email key against
    `core.contact_links`) and the account its company domain names (`core.accounts`).
    An email two people share names neither; a deal that matches nothing is kept as
    `unmatched`, with the reason."""
    people = (
        links.filter(pl.col("email_key").is_not_null())
        .group_by("email_key")
        .agg(pl.col("person_id").unique().sort().alias("people"))
    )
    known_domains = accounts.select(pl.col("company_domain").alias("account_domain")).unique()
    matched = (
        deals.join(people, left_on="contact_email_key", right_on="email_key", how="left")
        .join(
            known_domains, left_on="company_domain_key", right_on="account_domain", how="left",
            coalesce=False,
        )
        .with_columns(
            pl.when(pl.col("people").list.len() == 1)
            .then(pl.col("people").list.first())
            .alias("person_id")
        )
    )  # fmt: skip
    reason = (
        pl.when(pl.col("contact_email_key").is_null() & pl.col("company_domain_key").is_null())
        .then(pl.lit("no contact email or company domain in the export"))
        .when(pl.col("people").list.len() > 1)
        .then(pl.lit("contact email shared by several people; account only"))
        .when(pl.col("person_id").is_null() & pl.col("account_domain").is_null())
        .then(pl.lit("no known person or account"))
        .when(pl.col("person_id").is_null())
        .then(pl.lit("no known person; account by domain"))
        .otherwise(pl.lit("person by email"))
    )
    match = (
        pl.when(pl.col("person_id").is_not_null())
        .then(pl.lit("person"))
        .when(pl.col("account_domain").is_not_null())
        .then(pl.lit("account"))
        .otherwise(pl.lit("unmatched"))
    )
    return matched.with_columns(match.alias("match"), reason.alias("match_reason")).select(
        *DEAL_SCHEMA, *MATCH_SCHEMA
    )
