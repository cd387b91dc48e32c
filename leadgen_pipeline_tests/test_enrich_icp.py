"""The ICP fields enrichment reads: relevant technologies, the signal window, primary
sources. Optional, so an ICP file written before them stays valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadgen_pipeline.layers.config.icp import IcpError, load_icp_file, segments_frame
from leadgen_pipeline_tests.test_icp import VALID


def _segment(tmp_path: Path, extra: str = ""):
    path = tmp_path / "widgets_eu.yaml"
    path.write_text(VALID + extra, encoding="utf-8")
    return load_icp_file(path)


def test_a_file_without_the_enrichment_block_gets_its_defaults(tmp_path: Path) -> None:
    segment = _segment(tmp_path)
    # the tech_stack signal's terms, and the longest lookback of the buying signals
    assert segment.relevant_technologies == ["widget erp"]
    assert segment.signal_window_days == 365
    row = segments_frame([segment]).row(0, named=True)
    assert row["primary_sources"] == [] and row["signal_window_days"] == 365


def test_the_enrichment_block_is_read_and_normalised(tmp_path: Path) -> None:
    segment = _segment(
        tmp_path,
        "enrichment:\n  relevant_technologies: [Snowflake, '  dbt ']\n"
        "  signal_window_days: 90\n  primary_sources: [Companieshouse.gov.uk]\n",
    )
    assert segment.relevant_technologies == ["snowflake", "dbt"]
    assert segment.signal_window_days == 90
    assert segment.enrichment.primary_sources == ["companieshouse.gov.uk"]


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ("  primary_sources: [find.companieshouse.gov.uk]\n", "is a subdomain"),
        ("  signal_window_days: 0\n", "greater than 0"),
        ("  relevant_technologies: [dbt, DBT]\n", "dbt"),
        ("  sources: [x.com]\n", "sources"),
    ],
)
def test_a_bad_enrichment_field_names_the_file_and_the_field(
    tmp_path: Path, block: str, problem: str
) -> None:
    with pytest.raises(IcpError) as failure:
        _segment(tmp_path, "enrichment:\n" + block)
    message = str(failure.value)
    assert "widgets_eu.yaml" in message and "enrichment" in message and problem in message
