"""Write inbox files byte for byte: encodings, BOMs, quoting styles, and hand-made messy rows.

Polars writes the bulk of every file; rows that must break CSV rules on purpose (an
unterminated quote, an unquoted comma, a bare quote inside a field) are rendered here with
the standard `csv` module and then spliced with raw text, because no CSV writer produces them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

_RAW = "@@RAW{}@@"  # placeholder that csv never quotes, swapped for raw text afterwards


@dataclass
class HandRow:
    """One row written by hand after the frame's rows.

    `cells` maps header names to values; `raw` maps header names to text written exactly as
    given (unquoted). `person_key` is set when the row is a real person's record.
    """

    cells: dict[str, str | None]
    kind: str
    readable: bool
    person_key: str | None = None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class FileOutput:
    """A file to write: `frame` in header order, plus `hand_rows` appended after it."""

    relpath: str
    frame: pl.DataFrame
    person_keys: pl.Series | None = None  # aligned with `frame` rows, for contact files
    encoding: str = "utf-8"  # utf-8, utf-8-sig (with BOM) or cp1252
    quote_all: bool = False
    crlf: bool = False
    empty_as_quotes: bool = False  # write missing cells as "" instead of nothing
    hand_rows: list[HandRow] = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.frame.height + len(self.hand_rows)


def write(out_dir: Path, output: FileOutput) -> None:
    """Write `output` under `out_dir`, creating its folder."""
    path = out_dir / output.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = output.frame
    if output.empty_as_quotes:
        frame = frame.with_columns(pl.all().fill_null(""))
    terminator = "\r\n" if output.crlf else "\n"
    options = {
        "quote_style": "always" if output.quote_all else "necessary",
        "line_terminator": terminator,
    }
    if output.encoding == "utf-8" and not output.hand_rows:
        frame.write_csv(path, **options)  # the fast path, for the large benchmark files
        return
    text = frame.write_csv(None, **options)
    text += "".join(
        _render(row, frame.columns, output.quote_all, terminator) for row in output.hand_rows
    )
    if output.encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = text.encode(output.encoding)
    path.write_bytes(data)


def write_header_only(out_dir: Path, relpath: str, header: tuple[str, ...]) -> None:
    """A file that has its header and no data rows."""
    path = out_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(header)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_empty(out_dir: Path, relpath: str) -> None:
    """A zero-byte file."""
    path = out_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def _render(row: HandRow, header: list[str], quote_all: bool, terminator: str) -> str:
    values: list[str] = []
    for i, name in enumerate(header):
        if name in row.raw:
            values.append(_RAW.format(i))
        else:
            value = row.cells.get(name)
            values.append("" if value is None else value)
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buffer, quoting=quoting, lineterminator=terminator).writerow(values)
    line = buffer.getvalue()
    for i, name in enumerate(header):
        if name in row.raw:
            placeholder = _RAW.format(i)
            # QUOTE_ALL wraps the placeholder in quotes; the raw text must stand bare.
            line = line.replace(f'"{placeholder}"', row.raw[name]).replace(
                placeholder, row.raw[name]
            )
    return line
