"""The deliberate mess of the demo inbox: rows a reader must reject or must still read.

Applied only to small inboxes (the demo and tests); a benchmark inbox stays clean CSV so it
measures throughput, not error handling.
"""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.demo.writer import FileOutput, HandRow

TOO_MANY_FIELDS_FILE = 1  # Apollo 1c: an unquoted comma in the company name
UNTERMINATED_QUOTE_FILE = 11  # niche list: an opening quote never closed, on the last row
UNESCAPED_QUOTE_FILE = 12  # DACH list: O"Brien in an unquoted field, and a city-only row
UNESCAPED_QUOTE_PERSON = "P0000002"


def _take_row(output: FileOutput, index: int) -> tuple[dict[str, str | None], str | None]:
    """Remove row `index` from the frame and return its cells and person."""
    cells = output.frame.row(index, named=True)
    person = output.person_keys[index] if output.person_keys is not None else None
    keep = pl.int_range(pl.len()) != index
    output.frame = output.frame.filter(keep)
    if output.person_keys is not None:
        output.person_keys = output.person_keys.filter(
            pl.int_range(output.person_keys.len(), eager=True) != index
        )
    return cells, person


def add_mess(outputs: dict[int, FileOutput]) -> None:
    """Append the hand-written rows to their files (a no-op for files too small to spare)."""
    apollo = outputs[TOO_MANY_FIELDS_FILE]
    if apollo.frame.height > 1:
        cells, person = _take_row(apollo, apollo.frame.height - 1)
        company = cells.get("Company Name") or "Velmora Analytics"
        apollo.hand_rows.append(
            HandRow(
                cells,
                "too_many_fields",
                readable=False,
                person_key=person,
                raw={"Company Name": f"{company}, Inc."},
            )
        )

    dach = outputs[UNESCAPED_QUOTE_FILE]
    if dach.person_keys is not None:
        matches = (dach.person_keys == UNESCAPED_QUOTE_PERSON).arg_true()
        if matches.len():
            cells, person = _take_row(dach, int(matches[0]))
            dach.hand_rows.append(
                HandRow(
                    cells,
                    "unescaped_quote_in_unquoted_field",
                    readable=True,
                    person_key=person,
                    raw={"Last Name": 'O"Brien'},
                )
            )
    dach.hand_rows.append(HandRow({"City": "Leeds"}, "no_identity", readable=True))

    niche = outputs[UNTERMINATED_QUOTE_FILE]
    if niche.frame.height > 1:
        cells, person = _take_row(niche, niche.frame.height - 1)
        organisation = (cells.get("Organisation") or "Velmora Analytics").replace('"', "")
        # The quote opens and never closes, so the rest of the file is one field: keep it last.
        niche.hand_rows.append(
            HandRow(
                cells,
                "unterminated_quote",
                readable=False,
                person_key=person,
                raw={"Organisation": f'"{organisation}'},
            )
        )
