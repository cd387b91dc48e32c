"""Suppression only grows: an emptied or removed file brings no one back, and only a
re-consent record with its proof lifts an opt-out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.layers.compliance.history import effective_suppressions
from leadgen_pipeline.layers.compliance.suppressions import (
    CONSENT_SCHEMA,
    SUPPRESSION_SCHEMA,
    read_suppression_inbox,
)
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import Build, RunSummary, bound_defs, run_all

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


def _suppressed_and_sendable(store: Path) -> tuple[int, int]:
    with duckdb.connect(str(store), read_only=True) as con:
        ((suppressed,),) = con.sql("select count(*) from core.contacts where suppressed").fetchall()
        ((sendable,),) = con.sql("select count(*) from verify.sendable_contacts").fetchall()
    return suppressed, sendable


@pytest.mark.parametrize("emptied", ["header-only", "zero-byte"])
def test_emptying_the_opt_out_file_suppresses_exactly_as_many_people(
    demo_build: tuple[Build, RunSummary], demo_copy: Build, emptied: str
) -> None:
    before = _suppressed_and_sendable(demo_build[0].store)
    opt_outs = demo_copy.inbox / "suppression/opt_outs-2026-11-19.csv"
    assert len(opt_outs.read_text().splitlines()) > 10  # the demo's list has people in it
    # the next export comes back empty: with its header, the history keeps every opt-out;
    # with not even a header, the file says nothing and the build stops, naming it
    opt_outs.write_text("email,opted_out_at,channel\n" if emptied == "header-only" else "")
    result = run_all(bound_defs(demo_copy.folder, demo_copy.inbox, as_of=None), False)
    if emptied == "zero-byte":
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert "suppression/opt_outs-2026-11-19.csv" in str(failure.event_specific_data.error)
    else:
        assert result.success
    after = _suppressed_and_sendable(demo_copy.store)
    assert after == before and before[0] > 0
