"""Signal and intent files in the inbox: recognised by their columns, read into signals.

`signals/` holds funding rounds, job postings, technology lists and company events, in the
project's documented shapes (docs/vendor-formats.md §E) and in real export shapes
(Crunchbase funding rounds, BuiltWith / Wappalyzer technology lists); `intent/` holds account
intent exports (Bombora Company Surge, 6sense, Demandbase). Columns are matched by name with
aliases, never by position. A file no format understands stops the build: `SignalFileError`
names the file and the columns it lacks. A row that names no usable account is kept aside
with the reason (`rejects`), never dropped quietly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates, values
from leadgen_pipeline.kernel.csv_reader import ROW_NUMBER, export_kind, open_export, read_csv_cells
from leadgen_pipeline.kernel.keys import company_domain_key, company_name_key
from leadgen_pipeline.layers.enrich.vocab import EVENT_TYPES, VALUE_SCHEMA


class SignalFileError(Exception):
    """Signal or intent files the pipeline cannot understand; one line per file."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("signal files not understood:\n" + "\n".join(self.problems))


def header_key(name: str) -> str:
    """A header name as compared: case, spacing, `_ - / ( ) .` and a BOM ignored."""
    text = name.replace("\ufeff", "").lower()
    return " ".join(re.sub(r"[_\-/().#:]+", " ", text).split())


@dataclass(frozen=True)
class SignalFormat:
    """One file shape: each field's header aliases (first present wins) and the fields a
    file must have, as groups of which one field is enough."""

    name: str
    folder: str
    fields: dict[str, tuple[str, ...]]
    required: tuple[tuple[str, ...], ...]

    def columns_of(self, header: Sequence[str]) -> dict[str, str]:
        """Field -> the header name it is read from, for the fields this header has."""
        by_key: dict[str, str] = {}
        for name in header:
            by_key.setdefault(header_key(name), name)
        found: dict[str, str] = {}
        for field_name, aliases in self.fields.items():
            for alias in aliases:
                if header_key(alias) in by_key:
                    found[field_name] = by_key[header_key(alias)]
                    break
        return found

    def missing(self, header: Sequence[str]) -> list[str]:
        """The required fields this header lacks, each with the names it would accept."""
        found = self.columns_of(header)
        return [
            " or ".join(f"`{self.fields[f][0]}`" for f in group)
            + f" (also read as: {', '.join(a for f in group for a in self.fields[f][1:])})"
            for group in self.required
            if not any(f in found for f in group)
        ]


_DOMAIN = (
    "company_domain",
    "domain",
    "company domain",
    "organization domain",
    "root domain",
    "account domain",
    "organization website",
    "company website",
    "website",
    "homepage_url",
    "org_domain",
    "url",
)
_URL = ("source_url", "transaction name url", "article url", "job url", "cb_url", "link")

FUNDING = SignalFormat(
    "funding_rounds",
    "signals",
    {
        "domain": _DOMAIN,
        "company": ("company_name", "organization name", "org_name", "company"),
        "round": (
            "round",
            "funding type",
            "investment_type",
            "funding_round_type",
            "round name",
            "funding round",
            "funding stage",
        ),
        "amount_usd": (
            "amount_usd",
            "money raised (in usd)",
            "raised_amount_usd",
            "money raised usd",
        ),
        "amount": ("amount", "money raised", "raised_amount"),
        "currency": ("currency", "money raised currency", "raised_amount_currency_code"),
        "date": ("announced_on", "announced date", "funded_at", "date"),
        "url": _URL,
    },
    # Crunchbase's funding_rounds export names the organisation, not its domain: such rows
    # are placed by the company name when exactly one account has it
    (("domain", "company"), ("round",), ("date",)),
)
TECHNOLOGIES = SignalFormat(
    "technologies",
    "signals",
    {
        "domain": _DOMAIN,
        "technology": ("technology", "technology name", "tech", "name", "tech name"),
        "category": ("category", "tag", "categories", "technology category"),
        "first_seen": (
            "first_seen_on",
            "first detected",
            "firstdetected",
            "first seen",
            "first indexed",
        ),
        "last_seen": ("last_seen_on", "last detected", "lastdetected", "last found", "last seen"),
        "url": _URL,
    },
    (("domain",), ("technology",), ("first_seen", "last_seen")),
)
JOB_POSTINGS = SignalFormat(
    "job_postings",
    "signals",
    {
        "domain": _DOMAIN,
        "role": ("job_title", "title", "job title", "position", "job"),
        "department": ("department", "function", "job function", "team"),
        "date": ("posted_on", "date posted", "posted at", "posted date", "first seen", "date"),
        "url": _URL,
    },
    (("domain",), ("role",), ("date",)),
)
COMPANY_EVENTS = SignalFormat(
    "company_events",
    "signals",
    {
        "domain": _DOMAIN,
        "event": ("event_type", "event type", "event"),
        "date": ("event_date", "event date", "date", "announced_on", "published"),
        "headline": ("headline", "title", "summary", "description"),
        "url": _URL,
    },
    (("domain",), ("event",), ("date",)),
)
INTENT = SignalFormat(
    "intent",
    "intent",
    {
        "domain": _DOMAIN,
        "company": ("company name", "account name", "company"),
        "topic": (
            "topic",
            "intent topic",
            "topic name",
            "keyword",
            "top keywords",
            "trending intent keywords",
        ),
        "score": (
            "composite score",
            "intent score",
            "score",
            "intent strength",
            "buying stage score",
        ),
        "date": ("report date", "week", "week of", "week start", "date"),
    },
    (("domain",), ("topic",)),
)
SIGNAL_FORMATS: tuple[SignalFormat, ...] = (FUNDING, TECHNOLOGIES, JOB_POSTINGS, COMPANY_EVENTS)
FOLDERS: dict[str, tuple[SignalFormat, ...]] = {"signals": SIGNAL_FORMATS, "intent": (INTENT,)}

# A tech list whose last detection is this much older than the file says it was dropped.
DROPPED_AFTER_DAYS = 60

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "account_domain": pl.String(),
    "signal_type": pl.String(),
    "value": pl.Struct(VALUE_SCHEMA),
    "signal_date": pl.Date(),
    "source": pl.String(),
    "source_url": pl.String(),
    "claim": pl.String(),
    "evidence": pl.String(),
    "source_row": pl.Int64(),
    "problem": pl.String(),  # why the signal may not be used (null: nothing wrong)
    "note": pl.String(),  # how a usable signal was checked, when more than its provenance
}
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_row": pl.Int64(),
    "reason": pl.String(),
}


@dataclass
class SignalFilesRead:
    """Every signal candidate of the files, the rows not used (with why), the files read."""

    candidates: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CANDIDATE_SCHEMA))
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    files: dict[str, str] = field(default_factory=dict)  # file -> format name
    problems: list[str] = field(default_factory=list)


def recognise(header: Sequence[str], formats: Sequence[SignalFormat]) -> SignalFormat | str:
    """The format whose required fields this header has, else the problem: the columns the
    closest format lacks."""
    for candidate in formats:
        if not candidate.missing(header):
            return candidate
    closest = min(formats, key=lambda f: len(f.missing(header)))
    lacks = "; ".join(closest.missing(header))
    return f"not a known {closest.folder} export; as {closest.name} it lacks {lacks}"


def _cell(cells: pl.DataFrame, columns: dict[str, str], name: str) -> pl.Expr:
    if name not in columns:
        return pl.lit(None, dtype=pl.String)
    return values.blank_to_null(pl.col(columns[name]))


def signal_date(expr: pl.Expr) -> pl.Expr:
    """A date cell: the kernel's date shapes, plus epoch milliseconds (BuiltWith's API)."""
    text = values.blank_to_null(expr)
    epoch = (
        pl.when(text.str.contains(r"^\d{12,13}$"))
        .then(text.cast(pl.Int64, strict=False))
        .cast(pl.Datetime("ms"))
        .dt.date()
    )
    return pl.coalesce(dates.date(text), epoch)


def money(expr: pl.Expr) -> pl.Expr:
    """An amount (`368466666`, `$12,000,000`, `12M`, `€4.5m`, `750K`) in whole units."""
    text = values.blank_to_null(expr).str.to_lowercase().str.replace_all(r"[,$€£\s]|usd|eur", "")
    parts = text.str.extract_groups(r"^(\d+(?:\.\d+)?)([kmb]?)$")
    scale = (
        pl.when(parts.struct["2"] == "k")
        .then(1e3)
        .when(parts.struct["2"] == "m")
        .then(1e6)
        .when(parts.struct["2"] == "b")
        .then(1e9)
        .otherwise(1.0)
    )
    return (parts.struct["1"].cast(pl.Float64, strict=False) * scale).round(0).cast(pl.Int64)


def signal_value(**fields: pl.Expr) -> pl.Expr:
    exprs = [
        (fields[name] if name in fields else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in VALUE_SCHEMA.items()
    ]
    return pl.struct(exprs).alias("value")


def _funding(cells: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    usd = money(_cell(cells, columns, "amount_usd"))
    native = money(_cell(cells, columns, "amount"))
    currency = (
        pl.when(usd.is_not_null())
        .then(pl.lit("USD"))
        .otherwise(_cell(cells, columns, "currency").str.to_uppercase())
    )
    amount = pl.coalesce(usd, native)
    # `series_a` (Crunchbase's investment_type) reads as `Series A`
    raw_round = _cell(cells, columns, "round").str.replace_all("_", " ")
    round_name = (
        pl.when(raw_round == raw_round.str.to_lowercase())
        .then(raw_round.str.to_titlecase())
        .otherwise(raw_round)
    )
    when = signal_date(_cell(cells, columns, "date"))
    company = _cell(cells, columns, "company")
    claim = pl.concat_str(
        [
            pl.coalesce(company, pl.lit("The company")),
            pl.lit(" raised a "),
            round_name,
            pl.when(amount.is_not_null())
            .then(
                pl.concat_str(
                    [
                        pl.lit(" of "),
                        amount.cast(pl.String),
                        pl.lit(" "),
                        pl.coalesce(currency, pl.lit("")),
                    ]
                )
            )
            .otherwise(pl.lit("")),
            pl.lit(" on "),
            pl.coalesce(_cell(cells, columns, "date"), pl.lit("an unstated date")),
        ]
    )
    return cells.select(
        pl.lit("funding_round").alias("signal_type"),
        signal_value(amount=amount, currency=currency, round=round_name, company=company),
        when.alias("signal_date"),
        claim.str.strip_chars().alias("claim"),
    )


def _technologies(cells: pl.DataFrame, columns: dict[str, str], file_day: date) -> pl.DataFrame:
    first = signal_date(_cell(cells, columns, "first_seen"))
    last = signal_date(_cell(cells, columns, "last_seen"))
    technology = _cell(cells, columns, "technology")
    dropped = last.is_not_null() & (last < pl.lit(file_day) - pl.duration(days=DROPPED_AFTER_DAYS))
    return cells.select(
        pl.when(dropped)
        .then(pl.lit("tech_dropped"))
        .otherwise(pl.lit("tech_adopted"))
        .alias("signal_type"),
        signal_value(technology=technology, category=_cell(cells, columns, "category")),
        pl.when(dropped).then(last).otherwise(pl.coalesce(first, last)).alias("signal_date"),
        pl.when(dropped)
        .then(pl.concat_str([technology, pl.lit(" last detected on "), last.cast(pl.String)]))
        .otherwise(
            pl.concat_str(
                [
                    technology,
                    pl.lit(" first detected on "),
                    pl.coalesce(first, last).cast(pl.String),
                ]
            )
        )
        .alias("claim"),
    )


def _job_postings(cells: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    role = _cell(cells, columns, "role")
    department = _cell(cells, columns, "department")
    when = signal_date(_cell(cells, columns, "date"))
    return cells.select(
        pl.lit("hiring").alias("signal_type"),
        signal_value(role=role, department=department, count=pl.lit(1)),
        when.alias("signal_date"),
        pl.concat_str(
            [
                pl.lit("Job posting: "),
                role,
                pl.lit(" posted on "),
                pl.coalesce(when.cast(pl.String), pl.lit("an unstated date")),
            ]
        ).alias("claim"),
    )


def _company_events(cells: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    event = _cell(cells, columns, "event").str.to_lowercase().str.replace_all(r"[\s-]+", "_")
    kind = event.replace_strict(EVENT_TYPES, default=None, return_dtype=pl.String)
    return cells.select(
        kind.alias("signal_type"),
        signal_value(event=event),
        signal_date(_cell(cells, columns, "date")).alias("signal_date"),
        pl.coalesce(_cell(cells, columns, "headline"), event).alias("claim"),
    )


def _intent(cells: pl.DataFrame, columns: dict[str, str], file_day: date) -> pl.DataFrame:
    topic = _cell(cells, columns, "topic")
    score = _cell(cells, columns, "score").cast(pl.Float64, strict=False)
    when = pl.coalesce(signal_date(_cell(cells, columns, "date")), pl.lit(file_day))
    return cells.select(
        pl.lit("intent_surge").alias("signal_type"),
        signal_value(topic=topic, score=score, company=_cell(cells, columns, "company")),
        when.alias("signal_date"),
        pl.concat_str(
            [
                pl.lit("Intent surge on "),
                topic,
                pl.lit(" (score "),
                pl.coalesce(score.cast(pl.String), pl.lit("n/a")),
                pl.lit(")"),
            ]
        ).alias("claim"),
    )


def account_names(accounts: pl.DataFrame) -> pl.DataFrame:
    """Company name key -> domain, for names exactly one account has (`company_domain`,
    `company_name` columns): how a row that names only the company is placed."""
    keyed = accounts.select(
        company_name_key(pl.col("company_name")).alias("company_key"),
        pl.col("company_domain").alias("named_domain"),
    ).filter(pl.col("company_key").is_not_null() & pl.col("named_domain").is_not_null())
    return keyed.unique().filter(pl.len().over("company_key") == 1)


NO_NAMES = pl.DataFrame(schema={"company_key": pl.String(), "named_domain": pl.String()})


def read_signal_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_file: str,
    formats: Sequence[SignalFormat],
    file_day: date,
    names: pl.DataFrame = NO_NAMES,
) -> tuple[SignalFormat, pl.DataFrame, pl.DataFrame]:
    """One file as signal candidates and rejected rows; raises `SignalFileError` when no
    format understands its header. `names` (`account_names`) places rows that name only
    the company."""
    export = open_export(path)
    if not export.header:
        raise SignalFileError([f"{source_file}: empty file, no header"])
    found = recognise(export.header, formats)
    if isinstance(found, str):
        raise SignalFileError([f"{source_file}: {found}"])
    columns = found.columns_of(export.header)
    read = read_csv_cells(con, export, columns.values())
    cells = read.cells
    if found is FUNDING:
        body = _funding(cells, columns)
    elif found is TECHNOLOGIES:
        body = _technologies(cells, columns, file_day)
    elif found is JOB_POSTINGS:
        body = _job_postings(cells, columns)
    elif found is COMPANY_EVENTS:
        body = _company_events(cells, columns)
    else:
        body = _intent(cells, columns, file_day)
    date_column = columns.get("date") or columns.get("first_seen") or columns.get("last_seen")
    used = [c for c in columns.values()]
    frame = pl.concat(
        [
            cells.select(
                company_domain_key(_cell(cells, columns, "domain")).alias("stated_domain"),
                (
                    company_name_key(_cell(cells, columns, "company"))
                    if "company" in columns
                    else pl.lit(None, dtype=pl.String)
                ).alias("company_key"),
                _cell(cells, columns, "url").alias("source_url"),
                pl.struct(used).struct.json_encode().alias("evidence"),
                pl.col(ROW_NUMBER).cast(pl.Int64).alias("source_row"),
                _cell(cells, columns, "domain").alias("domain_cell"),
            ),
            body,
        ],
        how="horizontal",
    )
    frame = frame.join(names, on="company_key", how="left", maintain_order="left").with_columns(
        pl.coalesce("stated_domain", "named_domain").alias("account_domain"),
        pl.lit(f"file:{source_file}").alias("source"),
        pl.when(pl.col("signal_date").is_null())
        .then(pl.lit(f"no readable date in `{date_column}`"))
        .otherwise(None)
        .alias("problem"),
        pl.lit(None, dtype=pl.String).alias("note"),
    )
    domain_column = columns.get("domain", "(no domain column)")
    reason = (
        pl.when(pl.col("domain_cell").is_null() & pl.col("account_domain").is_null())
        .then(
            pl.lit(f"no company domain in `{domain_column}`")
            + pl.when(pl.col("company_key").is_not_null())
            .then(pl.lit(", and the company name is not exactly one account's"))
            .otherwise(pl.lit(""))
        )
        .when(pl.col("account_domain").is_null())
        .then(pl.concat_str([pl.lit("not a company domain: "), pl.col("domain_cell")]))
        .when(pl.col("signal_type").is_null())
        .then(
            pl.concat_str(
                [
                    pl.lit("event type not known: "),
                    pl.col("value").struct["event"],
                    pl.lit(f" (known: {', '.join(sorted(EVENT_TYPES))})"),
                ]
            )
        )
        .otherwise(None)
    )
    frame = frame.with_columns(reason.alias("reason"))
    rejected = frame.filter(pl.col("reason").is_not_null()).select(
        pl.lit(source_file).alias("source_file"), "source_row", "reason"
    )
    file_rejects = pl.DataFrame(
        {
            "source_file": [source_file] * len(read.rejects),
            "source_row": [r.source_row for r in read.rejects],
            "reason": [r.reason for r in read.rejects],
        },
        schema=REJECT_SCHEMA,
    )
    candidates = frame.filter(pl.col("reason").is_null()).select(list(CANDIDATE_SCHEMA))
    return found, candidates, pl.concat([rejected, file_rejects])


def read_signal_inbox(
    con: duckdb.DuckDBPyConnection, inbox: Path, now_day: date, names: pl.DataFrame = NO_NAMES
) -> SignalFilesRead:
    """Every file of `signals/` and `intent/`; raises `SignalFileError` naming every file
    that cannot be understood (all at once), so the last good signals stay."""
    result = SignalFilesRead()
    reads: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    for folder, formats in FOLDERS.items():
        root = inbox / folder
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        for path in paths:
            source_file = path.relative_to(inbox).as_posix()
            if path.name.startswith((".", "_", "~$")):
                # editor, OS and bookkeeping files are never exports: listed, not read
                result.files[source_file] = "not read: hidden, lock or bookkeeping file"
                continue
            if export_kind(path.name) != "text":
                result.problems.append(f"{source_file}: not a CSV export; export it as CSV")
                continue
            file_day = min(dates.exported_at(path).date(), now_day)
            try:
                found, candidates, rejects = read_signal_file(
                    con, path, source_file, formats, file_day, names
                )
            except SignalFileError as error:
                result.problems.extend(error.problems)
                continue
            result.files[source_file] = found.name
            reads.append((candidates, rejects))
    if result.problems:
        raise SignalFileError(result.problems)
    if reads:
        result.candidates = pl.concat([c for c, _ in reads])
        result.rejects = pl.concat([r for _, r in reads])
    return result
