"""Suppression only grows: an emptied or removed file brings no one back, and only a
re-consent record with its proof lifts an opt-out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.layers.compliance.history import effective_suppressions
from leadgen_pipeline.layers.compliance.suppressions import (
    CONSENT_SCHEMA,
    SUPPRESSION_SCHEMA,
    read_suppression_inbox,
)
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import bound_defs, run_all

FIRST, LATER = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)


def opt_out(email: str, recorded_at: datetime) -> dict:
    return {"kind": "opt_out", "key_type": "email_key", "key_value": email, "hashed": False,
            "recorded_at": recorded_at, "reason": "email", "source_file": "suppression/x.csv",
            "source_row": 1}  # fmt: skip


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SUPPRESSION_SCHEMA)


def consent(email: str, at: datetime, proof: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        [{"email_key": email, "consented_at": at, "proof": proof, "source_row": 1,
          "source_file": "suppression/re_consent.csv"}],
        schema=CONSENT_SCHEMA,
    )  # fmt: skip


def keys(rows: pl.DataFrame) -> set[str]:
    return set(rows["key_value"])


def test_a_list_that_lost_a_row_keeps_the_suppression(con: duckdb.DuckDBPyConnection) -> None:
    no_consent = pl.DataFrame(schema=CONSENT_SCHEMA)
    first = frame([opt_out("ann@acme.io", FIRST), opt_out("bo@acme.io", FIRST)])
    assert keys(effective_suppressions(con, first, no_consent, FIRST)) == {
        "ann@acme.io",
        "bo@acme.io",
    }
    # the next export lacks Bo, then the file is emptied: nobody comes back
    later = effective_suppressions(con, frame([opt_out("ann@acme.io", FIRST)]), no_consent, LATER)
    assert keys(later) == {"ann@acme.io", "bo@acme.io"}
    assert keys(effective_suppressions(con, frame([]), no_consent, LATER)) == keys(later)


def test_only_a_proven_re_consent_lifts_an_opt_out_and_a_later_opt_out_stands(
    con: duckdb.DuckDBPyConnection,
) -> None:
    listed = frame([opt_out("ann@acme.io", FIRST)])
    unproven = consent("ann@acme.io", LATER, " ")
    assert keys(effective_suppressions(con, listed, unproven, LATER)) == {"ann@acme.io"}
    proven = consent("ann@acme.io", LATER, "double opt-in 2026-11-20 ref 4411")
    assert keys(effective_suppressions(con, listed, proven, LATER)) == set()
    lifts = con.sql("select kind, key_value, proof from compliance.suppression_lifts").fetchall()
    assert lifts == [("opt_out", "ann@acme.io", "double opt-in 2026-11-20 ref 4411")]
    # she opts out again after the consent: that record stands
    again = frame(
        [opt_out("ann@acme.io", FIRST), opt_out("ann@acme.io", datetime(2026, 11, 25, tzinfo=UTC))]
    )
    assert keys(effective_suppressions(con, again, proven, LATER)) == {"ann@acme.io"}


def test_the_re_consent_file_shape_is_read(tmp_path: Path) -> None:
    vh.write_export(
        tmp_path / "suppression/re_consent-2026-11-20.csv",
        ["email", "consented_at", "proof"],
        [{"email": "Ann@Acme.io", "consented_at": "2026-11-20", "proof": "form 4411"}],
    )
    read = read_suppression_inbox(duckdb.connect(), tmp_path)
    assert read.problems == [] and read.rows.is_empty()
    assert read.consents.select("email_key", "proof").rows() == [("ann@acme.io", "form 4411")]


def test_emptying_the_opt_out_file_suppresses_exactly_as_many_people(
    tmp_path: Path, inbox: Path
) -> None:
    people = [{"First Name": f"P{i}", "Email": f"p{i}@fjord.example"} for i in range(6)]
    vh.write_export(inbox / "cognism/cognism-export-2026-11-20.csv", vh.COGNISM_PLATFORM, people)
    opt_outs = inbox / "suppression/opt_outs-2026-11-19.csv"
    vh.write_export(
        opt_outs,
        ["email", "opted_out_at", "channel"],
        [{"email": f"P{i}@Fjord.example", "opted_out_at": "2026-11-01", "channel": "email"}
         for i in range(3)],
    )  # fmt: skip
    defs = bound_defs(tmp_path, inbox)

    def suppressed() -> int:
        with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
            return con.sql("select count(*) from core.contacts where suppressed").fetchall()[0][0]

    assert run_all(defs).success
    before = suppressed()
    opt_outs.write_text("email,opted_out_at,channel\n")  # the next export comes back empty
    assert run_all(defs).success
    assert suppressed() == before == 3
