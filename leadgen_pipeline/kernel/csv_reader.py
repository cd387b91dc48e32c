"""Read one export file as text cells, keeping every record that cannot be parsed.

DuckDB's CSV reader does the parsing (fast, parallel, and it keeps malformed records in a
rejects table instead of refusing the whole file, unlike Polars). Python only sniffs the
encoding and the header. Every data record of the file comes back exactly once: as a row
in `cells` or as an entry in `rejects`, each with its 1-based data-row number.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import tempfile
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

_CHUNK = 1 << 20
ROW_NUMBER = "__source_row"


@dataclass(frozen=True)
class RejectedRecord:
    source_row: int | None
    reason: str
    raw_record: str


@dataclass
class CsvRead:
    """A file as read: its header, its good records as text, and what could not be parsed."""

    path: Path
    sha256: str
    encoding: str
    header: list[str]
    cells: pl.DataFrame  # one String column per header name (trimmed; blank = null) + ROW_NUMBER
    rejects: list[RejectedRecord] = field(default_factory=list)

    @property
    def data_rows(self) -> int:
        return self.cells.height + len(self.rejects)


def sniff_encoding(path: Path) -> tuple[str, str]:
    """(encoding, sha256) of the file: utf-8 (BOM or not), utf-16 by BOM, else cp1252.

    Excel on Windows still saves "CSV" as cp1252; a file that is not valid UTF-8 is taken
    for cp1252, which maps every byte (the five bytes it leaves undefined fall back to latin-1).
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8"
    with path.open("rb") as handle:
        first = handle.read(_CHUNK)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        chunk = first
        while chunk:
            digest.update(chunk)
            if encoding == "utf-8":
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding = "cp1252"
            chunk = handle.read(_CHUNK)
    if encoding == "utf-8":
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp1252"
    return encoding, digest.hexdigest()


_PYTHON_CODEC = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "cp1252": "cp1252"}


def _read_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=_PYTHON_CODEC[encoding], errors="replace", newline="") as handle:
        first = next(csv.reader(handle), None)
    return [cell.strip() for cell in first] if first else []


@dataclass(frozen=True)
class ExportFile:
    """An export file as sniffed: content hash, encoding and header (names made unique)."""

    path: Path
    sha256: str
    encoding: str
    header: list[str]


def open_export(path: Path) -> ExportFile:
    """Sniff a file once: what it is, before deciding how much of it to read."""
    encoding, sha256 = sniff_encoding(path)
    return ExportFile(path, sha256, encoding, _unique_names(_read_header(path, encoding)))


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique (`Email`, `Email__2`) so duplicated columns both survive."""
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        base = name or f"column_{i + 1}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}__{seen[base]}")
    return names


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    target = workdir / f"{uuid.uuid4().hex}.csv"
    with (
        path.open(encoding=encoding, errors="replace", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while block := src.read(_CHUNK):
            dst.write(block)
    return target


def read_csv_cells(
    con: duckdb.DuckDBPyConnection,
    export: ExportFile | Path,
    columns: Collection[str] | None = None,
) -> CsvRead:
    """Read an export as text cells with DuckDB; malformed records become `rejects`.

    `columns` limits the cells returned to those header names (DuckDB then skips building
    the others); every record is still parsed, so rejects and row numbers are the same.
    """
    export = export if isinstance(export, ExportFile) else open_export(export)
    path, sha256, encoding, header = export.path, export.sha256, export.encoding, export.header
    if not header:
        empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64})
        return CsvRead(path, sha256, encoding, [], empty)
    positional = {f"c{i:04d}": "VARCHAR" for i in range(len(header))}
    wanted = set(header) if not columns else set(columns)
    selected = {c: name for c, name in zip(positional, header, strict=True) if name in wanted}
    with tempfile.TemporaryDirectory(prefix="leadgen-csv-") as tmp:
        text_path = path if encoding == "utf-8" else _transcode_to_utf8(path, encoding, Path(tmp))
        suffix = uuid.uuid4().hex[:12]
        rejects_table, rejects_scan = f"csv_rejects_{suffix}", f"csv_scans_{suffix}"
        # cells are trimmed and blank ones made null here, in DuckDB's parallel scan
        projection = ", ".join(f"nullif(trim({c}), '') as {c}" for c in selected) or "1 as _"
        try:
            relation = con.sql(
                f"select {projection} from read_csv(?, columns = ?, header = true, "
                "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                "strict_mode = true, store_rejects = true, rejects_table = ?, "
                "rejects_scan = ?, max_line_size = 16777216)",
                params=[str(text_path), positional, rejects_table, rejects_scan],
            )
            cells = relation.pl()
            errors = con.sql(
                f"select line, error_type, error_message, csv_line from {rejects_table} "
                "order by line, column_idx"
            ).fetchall()
        except duckdb.InvalidInputException:
            # files DuckDB's strict parser gives up on as a whole (mixed line endings from
            # rows appended by hand) are read record by record instead: slower, never lossy
            full = _read_with_python_csv(path, text_path, sha256, encoding, header)
            full.cells = full.cells.select([*selected.values(), ROW_NUMBER])
            return full
        finally:
            con.execute(f"drop table if exists {rejects_table}")
            con.execute(f"drop table if exists {rejects_scan}")
    cells = cells.select(list(selected)).rename(selected)
    rejects = _rejects_from_errors(errors)
    cells = cells.with_columns(_good_row_numbers(cells.height, rejects).alias(ROW_NUMBER))
    return CsvRead(path, sha256, encoding, header, cells, rejects)


def _read_with_python_csv(
    path: Path, text_path: Path, sha256: str, encoding: str, header: list[str]
) -> CsvRead:
    width = len(header)
    good: list[list[str | None]] = []
    good_rows: list[int] = []
    rejects: list[RejectedRecord] = []
    with text_path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle)
        next(records, None)
        for row_number, record in enumerate(records, start=1):
            if len(record) == width:
                good.append([cell.strip() or None for cell in record])
                good_rows.append(row_number)
                continue
            hint = " (an unterminated quote?)" if any("\n" in c for c in record) else ""
            kind = "too many columns" if len(record) > width else "missing columns"
            reason = (
                f"unparseable CSV record ({kind}): expected {width} fields, "
                f"found {len(record)}{hint}"
            )
            raw = ",".join(record)
            rejects.append(RejectedRecord(row_number, reason, raw))
    cells = pl.DataFrame(good, schema=dict.fromkeys(header, pl.String), orient="row")
    cells = cells.with_columns(pl.Series(ROW_NUMBER, good_rows, dtype=pl.Int64))
    return CsvRead(path, sha256, encoding, header, cells, rejects)


def _rejects_from_errors(errors: list[tuple]) -> list[RejectedRecord]:
    # DuckDB's `line` counts records including the header line, so data row = line - 1.
    # One record can fail several ways; it is still one rejected record.
    by_row: dict[int, RejectedRecord] = {}
    for line, error_type, message, csv_line in errors:
        row = int(line) - 1
        if row not in by_row:
            reason = f"unparseable CSV record ({error_type.lower()}): {message}"
            by_row[row] = RejectedRecord(row, reason, (csv_line or "").strip("\r\n"))
    return [by_row[row] for row in sorted(by_row)]


def _good_row_numbers(good_rows: int, rejects: list[RejectedRecord]) -> pl.Series:
    """Data-row numbers of the parsed records: 1..n in file order, skipping rejected rows."""
    total = good_rows + len(rejects)
    rejected = pl.Series([r.source_row for r in rejects], dtype=pl.Int64)
    numbers = pl.int_range(1, total + 1, eager=True, dtype=pl.Int64)
    return numbers.filter(~numbers.is_in(rejected.implode()))


def record_as_json(cells: pl.DataFrame) -> pl.Series:
    """Each row as a JSON object of header -> cell: the faithful copy a reject keeps."""
    columns = [c for c in cells.columns if c != ROW_NUMBER]
    if not columns:
        return pl.Series("raw_record", [None] * cells.height, dtype=pl.String)
    return cells.select(pl.struct(columns).struct.json_encode().alias("raw_record")).to_series()


__all__ = [
    "ROW_NUMBER",
    "CsvRead",
    "ExportFile",
    "RejectedRecord",
    "open_export",
    "read_csv_cells",
    "record_as_json",
    "sniff_encoding",
]
