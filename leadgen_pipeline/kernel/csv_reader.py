"""Read one export file as text cells, keeping every record that cannot be parsed.

Exports are what people's tools write, not what RFC 4180 says: comma, semicolon, tab or
pipe delimited (Excel's `sep=;` hint line included), UTF-8 with or without a BOM, UTF-16
with or without one, cp1252, a UTF-8 file with a few cp1252 lines pasted in, blank or title
lines above the header, gzip-compressed. Python sniffs all that on a sample (the encoding
with charset-normalizer, the delimiter and header line with the `csv` module); DuckDB's CSV
reader does the parsing (fast, and it keeps malformed records in a rejects table instead of
refusing the whole file, unlike Polars). Every data record of the file comes back exactly
once: as a row in `cells` or as an entry in `rejects`, each with its 1-based data-row number.

Workbooks and archives (`.xlsx`, `.zip`) are unpacked by `expand_container` into one CSV per
sheet or member, which is then read like any other file.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import polars as pl
from charset_normalizer import from_bytes

_CHUNK = 1 << 20
ROW_NUMBER = "__source_row"
DELIMITERS = (",", ";", "\t", "|")
# how much of a file the layout sniffer looks at, and how far down a header may sit
_SAMPLE_BYTES = 256 * 1024
_SAMPLE_RECORDS = 60
MAX_PREAMBLE_RECORDS = 20
# the single-byte code pages exports are written in; charset-normalizer picks among them
# (left free, it reads a short cp1252 sample as cp1006 or cp1125)
_SINGLE_BYTE_CANDIDATES = ["cp1252", "cp1250", "cp1251", "iso8859_15", "mac_roman", "latin_1"]
_UTF16_CANDIDATES = ["utf_16_le", "utf_16_be"]
# a cell DuckDB must never read as null: empty cells stay '' so a short row shows as one
_NEVER_NULL = "\x01leadgen-no-null\x02"
_EXTRA = "__extra_field"
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")


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


# ---------------------------------------------------------------------------------------------
# Bytes and encodings


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed when it is gzip (`.csv.gz`, or gzip by its magic)."""
    handle = path.open("rb")
    if handle.peek(2)[:2] == b"\x1f\x8b":
        handle.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return handle


def _single_byte_codec(sample: bytes) -> str:
    """The code page of bytes that are not UTF-8, by charset-normalizer among the export ones.

    Short samples often read equally well in several code pages; then cp1252, what Excel on
    Windows writes for Western European and US exports, is taken.
    """
    results = list(from_bytes(sample, cp_isolation=_SINGLE_BYTE_CANDIDATES))
    if not results:
        return "cp1252"
    least_chaos = min(match.chaos for match in results)
    for match in results:
        if match.chaos <= least_chaos + 0.01 and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return results[0].encoding


def sniff_encoding(path: Path) -> tuple[str, str]:
    """(encoding, sha256 of the file as stored).

    `utf-8` (BOM or not); `utf-16`/`utf-32` by their BOM; `utf_16_le`/`utf_16_be` without a
    BOM (charset-normalizer recognises them); a single-byte code page such as `cp1252`; or
    `utf-8+cp1252` for a UTF-8 file with some lines in another code page, which is then
    decoded line by line.
    """
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            digest.update(chunk)
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_utf8 = True
    with _open_bytes(path) as handle:
        first = handle.read(_CHUNK)
        if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return "utf-32", digest.hexdigest()
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", digest.hexdigest()
        chunk = first
        while chunk and valid_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                valid_utf8 = False
            chunk = handle.read(_CHUNK)
    if valid_utf8:
        try:
            decoder.decode(b"", final=True)
            return "utf-8", digest.hexdigest()
        except UnicodeDecodeError:
            pass
    if first.count(b"\x00") > len(first) // 8:  # text in UTF-16 is one NUL byte in two
        found = from_bytes(first[: _SAMPLE_BYTES & ~1], cp_isolation=_UTF16_CANDIDATES).best()
        if found is not None:
            return found.encoding, digest.hexdigest()
    return _line_encoding(path), digest.hexdigest()


def _line_encoding(path: Path) -> str:
    """A file that is not UTF-8: one code page throughout, or UTF-8 with some foreign lines."""
    foreign = bytearray()
    utf8_non_ascii = False
    with _open_bytes(path) as handle:
        for line in handle:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_non_ascii = True
            except UnicodeDecodeError:
                if len(foreign) < _SAMPLE_BYTES:
                    foreign += line
    codec = _single_byte_codec(bytes(foreign))
    return f"utf-8+{codec}" if utf8_non_ascii else codec


def _python_codec(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _text_lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's text, one physical line at a time, line endings kept."""
    if encoding.startswith("utf-8+"):
        # a mixed file: each line is UTF-8 when it decodes as UTF-8, else the other code page
        fallback = encoding.removeprefix("utf-8+")
        with _open_bytes(path) as handle:
            for number, line in enumerate(handle):
                if number == 0 and line.startswith(codecs.BOM_UTF8):
                    line = line[len(codecs.BOM_UTF8) :]
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError:
                    yield line.decode(fallback, errors="replace")
        return
    with (
        _open_bytes(path) as handle,
        io.TextIOWrapper(
            handle, encoding=_python_codec(encoding), errors="replace", newline=""
        ) as text,
    ):
        yield from text


# ---------------------------------------------------------------------------------------------
# Layout: delimiter and header line


@dataclass(frozen=True)
class ExportFile:
    """An export file as sniffed: content hash, encoding, delimiter, header (names made
    unique), and the physical lines above the header that are not part of the table."""

    path: Path
    sha256: str
    encoding: str
    header: list[str]
    delimiter: str = ","
    preamble_lines: int = 0


_SEP_HINT = re.compile(r'^\ufeff?"?sep=(.)"?\s*$', re.IGNORECASE)


def _sample_lines(path: Path, encoding: str) -> list[str]:
    lines: list[str] = []
    size = 0
    for line in _text_lines(path, encoding):
        lines.append(line)
        size += len(line)
        if size > _SAMPLE_BYTES or len(lines) > 4 * _SAMPLE_RECORDS:
            break
    return lines


def _records(lines: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """(first physical line index, cells) of the sample's records, blank lines included."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 0
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num
            if len(records) >= _SAMPLE_RECORDS:
                break
    except csv.Error:
        pass  # a NUL byte or a runaway quote in the sample: judge on what came before
    return records


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter among `DELIMITERS` that cuts the sample's records into the most
    consistent widths (ties: the wider table, then the order of `DELIMITERS`)."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [len(cells) for _, cells in _records(lines, delimiter) if any(cells)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header_index(
    records: list[tuple[int, list[str]]], is_header: Callable[[list[str]], bool] | None
) -> int:
    """Which sampled record is the header: the first one `is_header` recognises, else the first
    that is not a blank line or a title (a short line above wider data)."""
    candidates = records[:MAX_PREAMBLE_RECORDS]
    if is_header is not None:
        for i, (_, cells) in enumerate(candidates):
            if is_header([c.strip() for c in cells]):
                return i
    for i, (_, cells) in enumerate(candidates):
        filled = [c for c in cells if c.strip()]
        if not filled:
            continue  # a blank line (or only delimiters) above the header
        below = [len(c) for _, c in records[i + 1 :] if any(x.strip() for x in c)]
        data_width = Counter(below).most_common(1)[0][0] if below else len(cells)
        if len(filled) <= 2 and len(cells) < data_width:
            continue  # a title such as "Contacts export, 2 Nov 2026" above the table
        return i
    return 0


def open_export(path: Path, is_header: Callable[[list[str]], bool] | None = None) -> ExportFile:
    """Sniff a file once: what it is, before deciding how much of it to read.

    `is_header` recognises a header row (e.g. by a vendor's column names), so a header
    below a title or blank lines is found however short those lines are.
    """
    encoding, sha256 = sniff_encoding(path)
    lines = _sample_lines(path, encoding)
    skip = 0
    # skip leading blank lines before looking for Excel's `sep=` hint
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    hint = _SEP_HINT.match(lines[skip].rstrip("\r\n")) if skip < len(lines) else None
    if hint and hint.group(1) in DELIMITERS:
        delimiter = hint.group(1)
        skip += 1
    else:
        delimiter = _sniff_delimiter(lines[skip:])
    records = _records(lines[skip:], delimiter)
    if not records or not any(c.strip() for _, cells in records for c in cells):
        return ExportFile(path, sha256, encoding, [], delimiter, len(lines))
    index = _header_index(records, is_header)
    preamble = skip + records[index][0]
    header = _unique_names([cell.strip() for cell in records[index][1]])
    return ExportFile(path, sha256, encoding, header, delimiter, preamble)


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique (`Email`, `Email__2`) so duplicated columns both survive."""
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        base = name.replace("\x00", "") or f"column_{i + 1}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}__{seen[base]}")
    return names


def _plain_name(path: Path) -> bool:
    """Whether DuckDB can be given the path as it is (no glob characters, valid UTF-8)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not _GLOB_CHARS.search(text)


class _Workdir:
    """A temporary folder made only when first asked for (most files need none)."""

    def __init__(self) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> _Workdir:
        return self

    def __exit__(self, *_: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def __truediv__(self, name: str) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="leadgen-csv-")
        return Path(self._tmp.name) / name


def _text_for_duckdb(export: ExportFile, workdir: _Workdir) -> Path:
    """A UTF-8 file DuckDB reads from the header line on: the file itself when it already is
    one, else a copy (decoded, decompressed, preamble dropped) or a plainly named link."""
    path = export.path
    as_is = export.encoding == "utf-8" and not export.preamble_lines
    if as_is and not _is_gzip(path):
        if _plain_name(path):
            return path
        link = workdir / f"{uuid.uuid4().hex}.csv"
        link.symlink_to(path.resolve())
        return link
    target = workdir / f"{uuid.uuid4().hex}.csv"
    with target.open("w", encoding="utf-8", newline="") as out:
        for number, line in enumerate(_text_lines(path, export.encoding)):
            if number >= export.preamble_lines:
                out.write(line)
    return target


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


# ---------------------------------------------------------------------------------------------
# Reading the table


# DuckDB plans a scan per declared column: past this width the csv module is quicker
_WIDE = 2_000
_FILENAME = "__filename"
# past this size a file whose cells hold line breaks is scanned by DuckDB unpadded
_PYTHON_MAX = 64 << 20  # bytes


def _layout(header: list[str], columns: Collection[str] | None) -> tuple[dict, dict]:
    positional = {f"c{i:04d}": "VARCHAR" for i in range(len(header))}
    wanted = set(header) if not columns else set(columns)
    selected = {c: name for c, name in zip(positional, header, strict=True) if name in wanted}
    return positional, selected


def read_csv_cells(
    con: duckdb.DuckDBPyConnection,
    export: ExportFile | Path,
    columns: Collection[str] | None = None,
) -> CsvRead:
    """Read an export as text cells with DuckDB; malformed records become `rejects`.

    A record is malformed when its structure is: unbalanced quoting, or a field count other
    than the header's (DuckDB would otherwise take one trailing empty field silently, which
    is how an unquoted comma in an earlier cell hides). `columns` limits the cells returned
    to those header names; every record is still parsed, so rejects and row numbers are the
    same.
    """
    export = export if isinstance(export, ExportFile) else open_export(export)
    if not export.header:
        empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64})
        return CsvRead(export.path, export.sha256, export.encoding, [], empty)
    positional, selected = _layout(export.header, columns)
    with _Workdir() as workdir:
        text_path = _text_for_duckdb(export, workdir)
        if len(positional) > _WIDE:
            return _read_with_python_csv(export, text_path, selected)
        scan = (con, [text_path], export.delimiter, positional, selected)
        try:
            try:
                cells, errors = _duckdb_scan(*scan)
            except _PaddingUnsupported:
                # cells with line breaks: the csv module counts fields exactly; a big file
                # is scanned unpadded (a record's one trailing empty field then goes unseen)
                if text_path.stat().st_size <= _PYTHON_MAX:
                    return _read_with_python_csv(export, text_path, selected)
                cells, errors = _duckdb_scan(*scan, padded=False)
        except (duckdb.InvalidInputException, duckdb.ConversionException, UnicodeError):
            # files DuckDB's strict parser gives up on as a whole (mixed line endings from
            # rows appended by hand) are read record by record instead: slower, never lossy
            return _read_with_python_csv(export, text_path, selected)
        return _finish(con, export, text_path, cells, errors, positional, selected)


def read_many_csv_cells(
    con: duckdb.DuckDBPyConnection,
    exports: list[ExportFile],
    columns: Collection[str] | None = None,
) -> list[CsvRead]:
    """`read_csv_cells` for many exports of one layout (header and delimiter) in one DuckDB
    scan: a folder of 500 small exports costs one scan's planning, not 500."""
    if len(exports) < 2 or not exports[0].header or len(exports[0].header) > _WIDE:
        return [read_csv_cells(con, e, columns) for e in exports]
    positional, selected = _layout(exports[0].header, columns)
    with _Workdir() as workdir:
        # each as UTF-8 from its header line on: the file itself, or a decoded copy
        text_paths = [_text_for_duckdb(e, workdir) for e in exports]
        unbalanced = [i for i, path in enumerate(text_paths) if not _quotes_paired(path)]
        if unbalanced:
            # a multi-file scan (duckdb 2.0) drops a last record whose quote never closes
            # without a word, where a scan of the file alone reports it: such files
            # (an odd number of quotes) are read alone
            alone = {i: read_csv_cells(con, exports[i], columns) for i in unbalanced}
            rest = [i for i in range(len(exports)) if i not in alone]
            together = dict(
                zip(rest, read_many_csv_cells(con, [exports[i] for i in rest], columns),
                    strict=True)
            )  # fmt: skip
            return [alone[i] if i in alone else together[i] for i in range(len(exports))]
        try:
            cells, errors = _duckdb_scan(
                con, text_paths, exports[0].delimiter, positional, selected
            )
        except (
            duckdb.InvalidInputException,
            duckdb.ConversionException,
            UnicodeError,
            _PaddingUnsupported,
        ):
            # one file DuckDB gives up on fails the scan: halve the batch until it is alone
            half = len(exports) // 2
            return [
                *read_many_csv_cells(con, exports[:half], columns),
                *read_many_csv_cells(con, exports[half:], columns),
            ]
        by_file = cells.partition_by(_FILENAME, as_dict=True, include_key=False)
        empty = cells.clear().drop(_FILENAME)
        reads = []
        for export, text_path in zip(exports, text_paths, strict=True):
            name = str(text_path)
            mine = [(line, *rest) for path, line, *rest in errors if path == name]
            part = by_file.get((name,), empty)
            reads.append(_finish(con, export, text_path, part, mine, positional, selected))
    return reads


def _quotes_paired(path: Path) -> bool:
    """Whether the file holds an even number of `"`: every quoted cell closed, every quote
    inside one doubled."""
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            count += block.count(b'"')
    return count % 2 == 0


def _finish(
    con: duckdb.DuckDBPyConnection,
    export: ExportFile,
    text_path: Path,
    cells: pl.DataFrame,
    errors: list[tuple],
    positional: dict[str, str],
    selected: dict[str, str],
) -> CsvRead:
    """One file's scan -> rows numbered in file order, structural rejects, trimmed cells."""
    header = export.header
    last = list(positional)[-1]
    rejects = _rejects_from_errors(errors)
    total = cells.height + len(rejects)
    if any(r.source_row is None or r.source_row > total for r in rejects):
        # blank lines among the records shift DuckDB's line numbers: number them anew
        return _read_with_python_csv(export, text_path, selected)
    cells = cells.with_columns(_good_row_numbers(cells.height, rejects).alias(ROW_NUMBER))
    # a record with a field more or a field less than the header is a reject too
    width = len(header)
    shape = (
        pl.when(pl.col(_EXTRA).is_not_null())
        .then(pl.lit(f"unparseable CSV record (too many columns): expected {width} fields"))
        .when(pl.col(last).is_null())
        .then(pl.lit(f"unparseable CSV record (missing columns): expected {width} fields"))
    )
    cells = cells.with_columns(shape.alias("_shape"))
    if cells.select(pl.col(last).is_null() & pl.col(_EXTRA).is_null()).to_series().any():
        # a short record is often a quote opened and never closed, whose text DuckDB's
        # padding drops: the csv module keeps it whole, with the reason
        return _read_with_python_csv(export, text_path, selected)
    broken = cells.filter(pl.col("_shape").is_not_null())
    if broken.height and len(selected) < len(positional):
        # a reject keeps every cell of its record: read them all, then keep the wanted ones
        full = read_csv_cells(con, export)
        full.cells = full.cells.select([*selected.values(), ROW_NUMBER])
        return full
    if broken.height:
        joined = pl.concat_str(
            [pl.col(c).fill_null("") for c in [*positional, _EXTRA] if c in broken.columns],
            separator=export.delimiter,
        ).str.strip_chars_end(export.delimiter)
        rows = broken.select(ROW_NUMBER, "_shape", joined.alias("_raw")).rows()
        rejects = sorted(
            [*rejects, *(RejectedRecord(n, reason, raw) for n, reason, raw in rows)],
            key=lambda r: r.source_row or 0,
        )
        cells = cells.filter(pl.col("_shape").is_null())
    trimmed = [
        pl.col(c).str.strip_chars().replace("", None).alias(name) for c, name in selected.items()
    ]
    cells = cells.select([*trimmed, ROW_NUMBER])
    return CsvRead(export.path, export.sha256, export.encoding, header, cells, rejects)


class _PaddingUnsupported(Exception):
    """DuckDB's parallel scanner cannot pad the rows of a file whose cells hold line breaks."""


def _duckdb_scan(
    con: duckdb.DuckDBPyConnection,
    text_paths: list[Path],
    delimiter: str,
    positional: dict[str, str],
    selected: dict[str, str],
    padded: bool = True,
) -> tuple[pl.DataFrame, list[tuple]]:
    """Every record's selected cells plus its last field and (`padded`) any field past the
    header; raises `_PaddingUnsupported` when the files cannot be scanned padded.

    Always DuckDB's parallel scanner: its single-threaded one (duckdb 2.0) drops a last
    record whose quote never closes without a word. With several files, cells carry
    `_FILENAME` and each error starts with its file's path.
    """
    suffix = uuid.uuid4().hex[:12]
    rejects_table, rejects_scan = f"csv_rejects_{suffix}", f"csv_scans_{suffix}"
    drop = f"drop table if exists {rejects_table}; drop table if exists {rejects_scan}"
    last = list(positional)[-1]
    many = len(text_paths) > 1
    wanted = list(dict.fromkeys([*selected, last, *([_EXTRA] if padded else [])]))
    if many:
        wanted.append(f"filename as {_FILENAME}")
    declared = {**positional, _EXTRA: "VARCHAR"} if padded else positional
    try:
        try:
            relation = con.sql(
                f"select {', '.join(wanted)} from read_csv(?, columns = ?, header = true, "
                "auto_detect = false, delim = ?, quote = '\"', escape = '\"', "
                "strict_mode = true, null_padding = ?, nullstr = ?, "
                f"filename = {str(many).lower()}, union_by_name = false, "
                "store_rejects = true, rejects_table = ?, rejects_scan = ?, "
                "max_line_size = 16777216)",
                params=[[str(p) for p in text_paths] if many else str(text_paths[0]),
                        declared, delimiter, padded, _NEVER_NULL, rejects_table,
                        rejects_scan],
            )  # fmt: skip
            cells = relation.pl()
        except duckdb.Error as error:
            if padded and "null_padding" in str(error):
                raise _PaddingUnsupported from error
            raise
        file_column = "s.file_path, " if many else ""
        errors = con.sql(
            f"select {file_column}r.line, r.error_type, r.error_message, r.csv_line "
            f"from {rejects_table} r join {rejects_scan} s using (scan_id, file_id) "
            "order by s.file_path, r.line, r.column_idx"
        ).fetchall()
    finally:
        con.execute(drop)
    if not padded:
        cells = cells.with_columns(pl.lit(None, dtype=pl.String).alias(_EXTRA))
    return cells, errors


def _read_with_python_csv(
    export: ExportFile, text_path: Path, selected: dict[str, str]
) -> CsvRead:
    header = export.header
    width = len(header)
    keep = [int(c[1:]) for c in selected]  # positions of the wanted columns (`c0007` -> 7)
    good: list[list[str | None]] = []
    good_rows: list[int] = []
    rejects: list[RejectedRecord] = []
    with text_path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        # NUL bytes stop the csv module; they carry nothing in a text export
        records = csv.reader(
            (line.replace("\x00", "") for line in handle), delimiter=export.delimiter
        )
        next(records, None)
        row_number = 0
        for record in records:
            if not record:
                continue  # a blank line is no data row (DuckDB skips them too)
            row_number += 1
            if len(record) == width:
                good.append([record[i].strip() or None for i in keep])
                good_rows.append(row_number)
                continue
            hint = " (an unterminated quote?)" if any("\n" in c for c in record) else ""
            kind = "too many columns" if len(record) > width else "missing columns"
            reason = (
                f"unparseable CSV record ({kind}): expected {width} fields, "
                f"found {len(record)}{hint}"
            )
            rejects.append(RejectedRecord(row_number, reason, export.delimiter.join(record)))
    names = list(selected.values())
    cells = pl.DataFrame(good, schema=dict.fromkeys(names, pl.String), orient="row")
    cells = cells.with_columns(pl.Series(ROW_NUMBER, good_rows, dtype=pl.Int64))
    return CsvRead(export.path, export.sha256, export.encoding, header, cells, rejects)


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


# ---------------------------------------------------------------------------------------------
# Containers: workbooks and archives

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ARCHIVE_SUFFIXES = (".zip",)


def export_kind(name: str) -> str | None:
    """`text`, `workbook` or `archive` for a file name the reader takes, else None."""
    lower = name.lower()
    if lower.endswith(TEXT_SUFFIXES) or lower.endswith(tuple(f"{s}.gz" for s in TEXT_SUFFIXES)):
        return "text"
    if lower.endswith(WORKBOOK_SUFFIXES):
        return "workbook"
    if lower.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    return None


@dataclass(frozen=True)
class ContainerPart:
    """One sheet or archive member, unpacked to a CSV file of its own."""

    label: str  # `Sheet1` or `leads/export.csv`: appended to the container's name with `#`
    path: Path


def _cell_text(value: object) -> str:
    """A worksheet value as the CSV export of it would show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phones and ids that Excel keeps as numbers
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _workbook_sheets(
    path: Path, workdir: Path, is_header: Callable[[list[str]], bool] | None
) -> tuple[list[ContainerPart], list[tuple[str, str]]]:
    from openpyxl import load_workbook  # imported here: only workbooks need it

    parts: list[ContainerPart] = []
    skipped: list[tuple[str, str]] = []
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for index, sheet in enumerate(workbook.worksheets):
            target = workdir / f"{uuid.uuid4().hex}.csv"
            with target.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                # reading a sheet is reading its rows: openpyxl streams them one by one
                head: list[list[str]] = []
                for row in sheet.iter_rows(values_only=True):
                    cells = [_cell_text(v) for v in row]
                    if len(head) < MAX_PREAMBLE_RECORDS:
                        head.append(cells)
                    writer.writerow(cells)
            recognised = is_header is not None and any(is_header(h) for h in head)
            if index == 0 or recognised:
                parts.append(ContainerPart(sheet.title, target))
            else:
                reason = "empty sheet" if not head else "sheet without a recognisable header"
                skipped.append((sheet.title, reason))
    finally:
        workbook.close()
    return parts, skipped


def _archive_members(
    path: Path, workdir: Path
) -> tuple[list[ContainerPart], list[tuple[str, str]]]:
    import zipfile

    parts: list[ContainerPart] = []
    skipped: list[tuple[str, str]] = []
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            if export_kind(info.filename) != "text":
                skipped.append((info.filename, "unsupported file type inside the archive"))
                continue
            target = workdir / f"{uuid.uuid4().hex}{''.join(Path(info.filename).suffixes[-2:])}"
            with archive.open(info) as src, target.open("wb") as dst:
                while block := src.read(_CHUNK):
                    dst.write(block)
            parts.append(ContainerPart(info.filename, target))
    return parts, skipped


def expand_container(
    path: Path, workdir: Path, is_header: Callable[[list[str]], bool] | None = None
) -> tuple[list[ContainerPart], list[tuple[str, str]]]:
    """The sheets of a workbook (the first, and every other one whose header `is_header`
    recognises) or the text members of a zip archive, each as a file under `workdir`;
    and (label, reason) for each part not read. Raises ValueError for a damaged container."""
    kind = export_kind(path.name)
    try:
        if kind == "workbook":
            return _workbook_sheets(path, workdir, is_header)
        if kind == "archive":
            return _archive_members(path, workdir)
    except Exception as error:  # openpyxl and zipfile raise many kinds for a damaged file
        raise ValueError(f"{type(error).__name__}: {error}") from None
    raise ValueError(f"{path.name} is not a workbook or an archive")


def display_path(path: str) -> str:
    """A path as text that any store and log accepts: bytes that are not UTF-8 (a file name
    from another system) shown as `\\xNN` escapes instead of failing later."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


__all__ = [
    "DELIMITERS",
    "ROW_NUMBER",
    "ContainerPart",
    "CsvRead",
    "ExportFile",
    "RejectedRecord",
    "display_path",
    "expand_container",
    "export_kind",
    "open_export",
    "read_csv_cells",
    "read_many_csv_cells",
    "record_as_json",
    "sniff_encoding",
]
