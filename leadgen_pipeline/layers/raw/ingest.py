"""The raw layer's logic: a source folder of vendor exports -> canonical records + rejects.

Every data row of every file ends up in exactly one of the two frames this module returns
(count conservation). Files are recognised by their header, never by their folder; the
folder names the source, and a vendor the source's provenance does not declare is refused.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from leadgen_pipeline.kernel import dates, values
from leadgen_pipeline.kernel.csv_reader import (
    ROW_NUMBER,
    CsvRead,
    ExportFile,
    display_path,
    expand_container,
    export_kind,
    open_export,
    read_csv_cells,
    read_many_csv_cells,
    record_as_json,
)
from leadgen_pipeline.kernel.keys import MEMBER_ID_PATTERN
from leadgen_pipeline.kernel.keys.email import address_in_cell, normalize_email
from leadgen_pipeline.layers.raw.canonical import CANONICAL_SCHEMA, REJECT_SCHEMA, conform
from leadgen_pipeline.layers.raw.vendors import VendorFormat, recognise_vendor

# Bump when the mapping changes, so an unchanged inbox still yields a new snapshot.
MAPPING_VERSION = "2"

# which file of a batch of same-header files a row came from
_FILE = "__file"

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
    delimiter: str = ","
    preamble_lines: int = 0  # blank, title or `sep=` lines above the header, not data rows


@dataclass(frozen=True)
class SkippedInput:
    """A file or folder of the inbox the pull did not read, and why (it is still listed)."""

    path: str  # relative to the inbox, printable whatever bytes its name holds
    reason: str


@dataclass
class SourcePull:
    """One pull of one source: its records, its rejects, a report per file, and what it did
    not read or had to guess (skipped inputs, warnings such as a file date replaced)."""

    source: str
    snapshot_id: str
    pulled_at: datetime
    records: pl.DataFrame
    rejects: pl.DataFrame
    files: list[FileReport] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the snapshot was in the history already, so no row was read: `records` and `rejects`
    # are empty, and `files` are the reports it was stored with
    stored: bool = False

    # the counts as read, from the file reports: they hold them whether or not rows were read
    @property
    def data_rows(self) -> int:
        return sum(f.data_rows for f in self.files)

    @property
    def record_count(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def reject_count(self) -> int:
        return sum(f.rejects for f in self.files)


def snapshot_id_for(source: str, files: list[tuple[str, str]], mode: str = "inbox") -> str:
    """A content address for a pull: the same inputs under the same mapping, the same id."""
    digest = hashlib.sha256(f"{mode}|{source}|{MAPPING_VERSION}".encode())
    for name, sha in sorted(files):
        digest.update(f"|{name}:{sha}".encode())
    return f"{source}-{digest.hexdigest()[:16]}"


# inbox folders other layers read: not sources, and not unknown either
OTHER_INPUT_FOLDERS: dict[str, str] = {
    "suppression": "compliance/suppressions",
    "verifications": "verify/email_checks",
    "signals": "buying signals (later layers)",
    "intent": "intent data (later layers)",
    "crm": "CRM deals (later layers)",
}
READ_FORMATS = ".csv, .tsv, .txt (also gzipped), .xlsx and .zip"


class InboxError(ValueError):
    """The inbox cannot be pulled at all (missing, not a folder, or holding no export)."""


def _relative(path: Path, inbox: Path) -> str:
    return display_path(path.relative_to(inbox).as_posix())


_LINKED_OUT_FOLDER = "symlinked folder pointing outside the inbox: refused"


def _file_problem(path: Path, root: Path) -> str | None:
    """Why a file of a source folder is not read, or None when it is."""
    name = path.name
    if name.startswith((".", "~$")):
        return "hidden or temporary file (a system file or an editor's lock file)"
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "broken symlink"
        if not target.is_relative_to(root):
            return "symlink pointing outside the inbox: refused"
    if not path.is_file():
        return "not a regular file"
    if export_kind(name) is None:
        suffix = "".join(path.suffixes[-2:]) or "no extension"
        if name.lower().endswith(".xls"):
            return "legacy Excel .xls workbook: save it as .xlsx or CSV"
        return f"unsupported file type ({suffix}): the raw layer reads {READ_FORMATS}"
    if path.stat().st_size == 0:
        return "empty file (0 bytes)"
    return None


def survey_source_folder(inbox: Path, source: str) -> tuple[list[Path], list[SkippedInput]]:
    """The files of `inbox/<source>/` the pull reads, in a stable order, and every file or
    folder in it that it does not read, with the reason."""
    folder = inbox / source
    if not folder.is_dir():
        return [], []
    root = inbox.resolve()
    if folder.is_symlink() and not folder.resolve().is_relative_to(root):
        return [], [SkippedInput(f"{source}/", _LINKED_OUT_FOLDER)]
    readable: list[Path] = []
    skipped: list[SkippedInput] = []
    # os.walk does not follow symlinked folders: a link out of the inbox is never entered
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in list(dirnames):
            sub = here / name
            if sub.is_symlink() or name.startswith("."):
                dirnames.remove(name)
                reason = (
                    "hidden folder"
                    if not sub.is_symlink()
                    else _LINKED_OUT_FOLDER
                    if not sub.resolve().is_relative_to(root)
                    else "symlinked folder: not followed (its files are read where they are)"
                )
                skipped.append(SkippedInput(_relative(sub, inbox) + "/", reason))
        dirnames.sort()
        for name in filenames:
            path = here / name
            problem = _file_problem(path, root)
            if problem is None:
                readable.append(path)
            else:
                skipped.append(SkippedInput(_relative(path, inbox), problem))
    return sorted(readable), sorted(skipped, key=lambda s: s.path)


def source_files(inbox: Path, source: str) -> list[Path]:
    """The export files of a source's inbox folder the pull reads, in a stable order."""
    return survey_source_folder(inbox, source)[0]


def _near_miss(name: str, sources: Collection[str]) -> str:
    folded = name.lower().replace("-", "_").replace(" ", "_")
    match = next((s for s in sources if s == folded or s.replace("_", "") == folded), None)
    return f" (did you mean {match}/?)" if match else ""


def survey_inbox(
    inbox: Path, sources: Collection[str], declared: Collection[str]
) -> list[SkippedInput]:
    """What at the top of the inbox, or in the manifest, no source pull reads: unknown
    folders, loose files, declared sources without a raw table or without a folder."""
    skipped: list[SkippedInput] = []
    if inbox.is_dir():
        for entry in sorted(inbox.iterdir()):
            name = display_path(entry.name)
            if entry.is_dir() and not entry.is_symlink():
                if entry.name in sources or entry.name in OTHER_INPUT_FOLDERS:
                    continue
                reason = (
                    f"unknown folder: not a source ({', '.join(sources)}) nor an input of "
                    f"another layer ({', '.join(OTHER_INPUT_FOLDERS)}){_near_miss(name, sources)}"
                )
                skipped.append(SkippedInput(f"{name}/", reason))
            elif entry.is_symlink() and not entry.resolve().is_relative_to(inbox.resolve()):
                skipped.append(SkippedInput(name, "symlink pointing outside the inbox: refused"))
            elif entry.name.startswith("_"):
                skipped.append(SkippedInput(name, "bookkeeping file (name starts with _)"))
            else:
                reason = "file at the inbox root: exports are read from a source folder"
                skipped.append(SkippedInput(name, reason))
    for source in sorted(declared):
        if source not in sources:
            reason = "declared in the source manifest, but the pipeline has no raw table for it"
            skipped.append(SkippedInput(f"{source}/", reason))
        elif not (inbox / source).is_dir():
            reason = "declared source with no folder in the inbox"
            skipped.append(SkippedInput(f"{source}/", reason))
    return skipped


def check_inbox(inbox: Path, sources: Collection[str]) -> None:
    """Raise `InboxError` naming the path when the inbox cannot hold a pull at all."""
    if not inbox.exists():
        raise InboxError(f"inbox {inbox} does not exist (set LEADGEN_INBOX to the exports folder)")
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder (set LEADGEN_INBOX to a folder)")
    if not any(survey_source_folder(inbox, source)[0] for source in sources):
        raise InboxError(
            f"inbox {inbox} holds no export to read: put each source's exports "
            f"({READ_FORMATS}) in {', '.join(f'{s}/' for s in sources)}"
        )


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
    mapped = cells.lazy().select(
        pl.col(ROW_NUMBER).alias("source_row"),
        # which file of a batch the row came from, when several are mapped at once
        *([pl.col(_FILE)] if _FILE in cells.columns else []),
        cell("email").alias("email_cell"),
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
    return _derive(_email_checked(mapped)).collect()


def _email_checked(mapped: pl.LazyFrame) -> pl.LazyFrame:
    """The email cell's address (display name, `mailto:` and stray whitespace removed) when
    email-validator accepts it; otherwise null, with the cell kept in `data_quality`.

    A bad email is a flaw of the cell, not of the row: the row keeps its other identities
    (LinkedIn, name at a company) and links by them.
    """
    cell, address, valid = pl.col("email_cell"), pl.col("_address"), pl.col("_valid")
    quoted = pl.lit("'") + cell.str.replace_all("'", "\\'", literal=True) + pl.lit("'")
    problem = (
        pl.when(cell.is_null() | valid)
        .then(None)
        .when(pl.col("_placeholder"))
        .then(pl.lit("email: ") + quoted + pl.lit(" is a placeholder, not an address"))
        .when(address.str.count_matches("@") > 1)
        .then(pl.lit("email: ") + quoted + pl.lit(" is not one valid address"))
        .otherwise(pl.lit("email: ") + quoted + pl.lit(" is not a valid address"))
    )
    # each rule once per row, in its own step: Polars would otherwise repeat it per use
    placeholder = cell.str.strip_chars().str.to_lowercase().is_in(_EMAIL_PLACEHOLDERS)
    return (
        mapped.with_columns(
            address_in_cell(cell).alias("_address"),
            placeholder.alias("_placeholder"),
            normalize_email(cell).is_not_null().alias("_valid"),
        )
        .with_columns(pl.col("_valid") & ~pl.col("_placeholder"))
        .with_columns(pl.when(valid).then(address).alias("email"), problem.alias("data_quality"))
        .drop("email_cell", "_address", "_placeholder", "_valid")
    )


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
# cells vendors fill in where they have no address; they mean "no email", not a bad row
_EMAIL_PLACEHOLDERS = ["n/a", "na", "-", "none", "null", "unknown", "email_not_unlocked@domain.com"]


def row_problem() -> pl.Expr:
    """Why a mapped record cannot be used (null when it can).

    Only a record that names no one is refused here; a broken record structure (a field count
    other than the header's, broken quoting) was refused by the reader already, and a bad
    cell is nulled and flagged in `data_quality` on a kept row.
    """
    return pl.when(~has_identity()).then(pl.lit(NO_IDENTITY))


def _whole_file_reason(
    fmt: VendorFormat | None, header: list[str], declared_vendors: Collection[str]
) -> str | None:
    """Why every row of a file is held back (unknown format, undeclared vendor), or None."""
    if fmt is None:
        return f"unrecognised export format (header: {', '.join(header[:8])})"
    if fmt.key not in declared_vendors:
        return (
            f"vendor '{fmt.key}' is not declared for this source in the provenance manifest "
            f"(declared: {', '.join(sorted(declared_vendors)) or 'none'})"
        )
    return None


@dataclass
class _FileRead:
    """One text export as read, waiting to be mapped with the other files of its header."""

    source_file: str
    pulled_at: datetime
    export: ExportFile
    read: CsvRead
    fmt: VendorFormat | None
    held_reason: str | None
    # every cell of the file, when `read` holds only the mapped ones (for rejected rows)
    full_cells: Callable[[], pl.DataFrame] | None


# a reject before the pull's lineage is added: the file (index in the pull) and the row
_UNUSABLE_SCHEMA = {_FILE: pl.Int64, "source_row": pl.Int64, "reason": pl.String,
                    "raw_record": pl.String}  # fmt: skip


def _unusable(file: int, rows: Any, reasons: Any, raw: Any) -> pl.DataFrame:
    return pl.DataFrame(
        {_FILE: [file] * len(rows), "source_row": rows, "reason": reasons, "raw_record": raw},
        schema=_UNUSABLE_SCHEMA,
    )


def _map_files(files: list[_FileRead]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Files that share a vendor and a header, mapped in one pass: (records, unusable rows).

    Mapping is one Polars plan per call; 500 small files of one export tool cost one plan,
    not 500. Both frames carry `_FILE`, the index of the file in `files`.
    """
    fmt = files[0].fmt
    assert fmt is not None
    cells = pl.concat(
        [f.read.cells.with_columns(pl.lit(i, dtype=pl.Int64).alias(_FILE))
         for i, f in enumerate(files)]
    )  # fmt: skip
    mapped = map_to_canonical(cells, files[0].read.header, fmt)
    reasons = mapped.select(row_problem()).to_series()
    records = mapped.filter(reasons.is_null())
    refused = cells.select(_FILE, ROW_NUMBER).with_columns(reasons.alias("reason"))
    refused = refused.filter(pl.col("reason").is_not_null())
    unusable = [pl.DataFrame(schema=_UNUSABLE_SCHEMA)]
    # per file with refused rows: a reject keeps every cell of its row, read again if need be
    for (index,), rows in refused.group_by(_FILE, maintain_order=True):
        file = files[int(index)]  # type: ignore[arg-type]
        full = file.full_cells() if file.full_cells else file.read.cells
        kept = full.join(rows.select(ROW_NUMBER, "reason"), on=ROW_NUMBER)
        unusable.append(
            _unusable(int(index), kept[ROW_NUMBER], kept["reason"],  # type: ignore[arg-type]
                      record_as_json(kept.drop("reason")))
        )  # fmt: skip
    return records, pl.concat(unusable)


def _file_rejects(files: list[_FileRead]) -> pl.DataFrame:
    """The rows the reader refused, and every row of files held back whole."""
    frames = [pl.DataFrame(schema=_UNUSABLE_SCHEMA)]
    for i, f in enumerate(files):
        refused = f.read.rejects
        frames.append(
            _unusable(i, [r.source_row for r in refused], [r.reason for r in refused],
                      [r.raw_record for r in refused])
        )  # fmt: skip
        if f.held_reason is not None:
            cells = f.read.cells
            frames.append(
                _unusable(i, cells[ROW_NUMBER], [f.held_reason] * cells.height,
                          record_as_json(cells))
            )  # fmt: skip
    return pl.concat(frames)


def _assemble(files: list[_FileRead]) -> tuple[pl.DataFrame, pl.DataFrame, list[FileReport]]:
    """Every file's rows, mapped per (vendor, header) group: records, rejects, reports."""
    groups: dict[tuple, list[int]] = {}
    for i, f in enumerate(files):
        if f.held_reason is None and f.fmt is not None:
            key = (f.fmt.key, tuple(f.read.header), tuple(f.read.cells.columns))
            groups.setdefault(key, []).append(i)
    record_frames, reject_frames = [], [_file_rejects(files)]
    for members in groups.values():
        records, unusable = _map_files([files[i] for i in members])
        # back from the group's file index to the pull's
        to_pull = pl.col(_FILE).replace_strict(list(range(len(members))), members)
        record_frames.append(records.with_columns(to_pull))
        reject_frames.append(unusable.with_columns(to_pull))
    by_file = pl.DataFrame(
        {_FILE: list(range(len(files))),
         "vendor": [f.fmt.key if f.fmt else None for f in files],
         "source_file": [f.source_file for f in files],
         "pulled_at": [f.pulled_at for f in files]},
        schema={_FILE: pl.Int64, "vendor": pl.String, "source_file": pl.String,
                "pulled_at": pl.Datetime("us", "UTC")},
    )  # fmt: skip
    with_file = {**CANONICAL_SCHEMA, _FILE: pl.Int64}
    records = pl.concat(
        [pl.DataFrame(schema=with_file), *(conform(f, with_file) for f in record_frames)]
    )
    records = records.drop("vendor", "source_file", "pulled_at").join(
        by_file, on=_FILE, how="left"
    )
    rejects = pl.concat(reject_frames).join(by_file, on=_FILE, how="left")
    counts = (
        by_file.select(_FILE)
        .join(records.group_by(_FILE).len("records"), on=_FILE, how="left")
        .join(rejects.group_by(_FILE).len("rejects"), on=_FILE, how="left")
        .fill_null(0)
        .sort(_FILE)
    )
    reports = [
        FileReport(f.source_file, f.read.sha256, f.read.encoding, f.fmt.key if f.fmt else None,
                   f.read.data_rows, n_records, n_rejects, f.pulled_at, f.export.delimiter,
                   f.export.preamble_lines)
        for f, n_records, n_rejects in zip(
            files, counts["records"].to_list(), counts["rejects"].to_list(), strict=True)
    ]  # fmt: skip
    return records.drop(_FILE), rejects.drop(_FILE), reports


class ExportReadError(ValueError):
    """A file the reader failed on in a way it has no reject for; the message names it."""


def _is_vendor_header(cells: list[str]) -> bool:
    return recognise_vendor(cells) is not None


@dataclass(frozen=True)
class _Planned:
    """A text export sniffed, recognised and waiting to be read with others of its layout."""

    source_file: str
    pulled_at: datetime
    export: ExportFile
    fmt: VendorFormat | None
    held_reason: str | None
    columns: frozenset[str] | None  # the mapped columns, when only those need reading


def _plan(
    export: ExportFile, source_file: str, pulled_at: datetime, declared_vendors: Collection[str]
) -> _Planned:
    fmt = recognise_vendor(export.header) if export.header else None
    held = _whole_file_reason(fmt, export.header, declared_vendors) if export.header else None
    # a declared vendor's file is read for the columns its mapping uses, nothing more
    columns = frozenset(fmt.used_headers(export.header)) if fmt and held is None else None
    return _Planned(source_file, pulled_at, export, fmt, held, columns)


def _read_planned(con: duckdb.DuckDBPyConnection, planned: list[_Planned]) -> list[_FileRead]:
    """Read the planned exports, those of one layout (header, delimiter) in one scan each."""
    layouts: dict[tuple, list[int]] = {}
    for i, p in enumerate(planned):
        key = (tuple(p.export.header), p.export.delimiter, p.columns)
        layouts.setdefault(key, []).append(i)
    reads: dict[int, CsvRead] = {}
    for (_, _, columns), members in layouts.items():
        exports = [planned[i].export for i in members]
        for i, read in zip(members, read_many_csv_cells(con, exports, columns), strict=True):
            reads[i] = read
    files = []
    for i, p in enumerate(planned):
        read = reads[i]
        full = (lambda e=p.export: read_csv_cells(con, e).cells) if p.columns else None
        held = p.held_reason if read.header else None  # no header, no rows to hold back
        files.append(_FileRead(p.source_file, p.pulled_at, p.export, read, p.fmt, held, full))
    return files


def pull_source_from_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    source: str,
    *,
    declared_vendors: Collection[str],
    consent_basis: str | None,
    now: datetime | None = None,
    stored_files: Callable[[str], list[FileReport] | None] | None = None,
) -> SourcePull:
    """Read every export in `inbox/<source>/` into one pull of that source.

    With no declared provenance (`declared_vendors` empty) every row is held back as a
    reject, so nothing unaccounted-for reaches the union. Files not read are listed in
    `skipped`; no file date is later than `now` (the run's clock; default: the wall clock).
    A file the reader fails on outright raises `ExportReadError` naming it, so no partial
    pull is kept.

    `stored_files(snapshot_id)` gives the file reports of a snapshot the history holds
    already (None if it holds none). The snapshot id is known once every export is opened
    (their SHA-256s), before any row is read: an unchanged folder is then not read again,
    and the pull comes back `stored`, with the reports it was stored with.
    """
    now = now or dates.wall_clock()
    source_folder = f"{inbox / source}/"
    paths, skipped = survey_source_folder(inbox, source)
    planned: list[_Planned] = []
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="leadgen-inbox-") as workdir:
        for path in paths:
            source_file = _relative(path, inbox)
            pulled_at, warning = dates.file_date(path, now, source_file)
            if warning:
                warnings.append(warning)
            try:
                if export_kind(path.name) == "text":
                    members = [(source_file, path)]
                else:
                    unpacked, not_read = expand_container(path, Path(workdir), _is_vendor_header)
                    skipped += [
                        SkippedInput(f"{source_file}#{display_path(label)}", reason)
                        for label, reason in not_read
                    ]
                    members = [
                        (f"{source_file}#{display_path(part.label)}", part.path)
                        for part in unpacked
                    ]
                for member_file, member_path in members:
                    export = open_export(member_path, _is_vendor_header)
                    planned.append(_plan(export, member_file, pulled_at, declared_vendors))
            except ValueError as error:
                if export_kind(path.name) == "text":
                    raise ExportReadError(f"{source_file}: could not be read: {error}") from error
                skipped.append(SkippedInput(source_file, f"unreadable file: {error}"))
            except (duckdb.Error, OSError, EOFError, csv.Error) as error:
                raise ExportReadError(f"{source_file}: could not be read: {error}") from error
        skipped = sorted(skipped, key=lambda s: s.path)
        snapshot_id = snapshot_id_for(source, [(p.source_file, p.export.sha256) for p in planned])
        pulled_at = max((p.pulled_at for p in planned), default=now)
        known = stored_files(snapshot_id) if stored_files and planned else None
        if known is not None:
            records = conform(pl.DataFrame(schema=CANONICAL_SCHEMA))
            rejects = conform(pl.DataFrame(schema=REJECT_SCHEMA), REJECT_SCHEMA)
            return SourcePull(
                source, snapshot_id, pulled_at, records, rejects, known, skipped, warnings,
                stored=True,
            )
        try:
            files = _read_planned(con, planned)
        except (duckdb.Error, OSError, csv.Error) as error:
            raise ExportReadError(f"{source_folder}: could not be read: {error}") from error
        records, rejects, reports = _assemble(files)
    lineage = [
        pl.lit(snapshot_id).alias("snapshot_id"),
        pl.lit(source).alias("source"),
        pl.lit(consent_basis, dtype=pl.String).alias("consent_basis"),
    ]
    records = conform(records.with_columns(lineage))
    rejects = conform(rejects.with_columns(lineage[:2]), REJECT_SCHEMA)
    return SourcePull(source, snapshot_id, pulled_at, records, rejects, reports, skipped, warnings)
