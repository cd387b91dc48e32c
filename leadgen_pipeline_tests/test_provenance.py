"""The source provenance manifest: the shipped file declares every source, bad manifests fail
with a message naming the file and the field, and the manifest frame survives DuckDB."""

from __future__ import annotations

import textwrap
import typing
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from leadgen_pipeline.layers.config.provenance import (
    CONSENT_BASES,
    MANIFEST_SCHEMA,
    VENDORS,
    ConsentBasis,
    ProvenanceError,
    Vendor,
    load_source_manifest,
    manifest_frame,
)
from leadgen_pipeline.layers.raw.canonical import SOURCES

MANIFEST = Path(__file__).resolve().parents[1] / "data" / "sources.yaml"

# A valid two-source manifest; each bad case below edits one thing in it.
VALID = textwrap.dedent(
    """\
    version: 2
    sources:
      apollo:
        vendors: [apollo, apollo_api]
        consent_basis: legitimate_interest
        opt_out_mechanism: Unsubscribe link; recorded in the suppression list.
        refresh: monthly
        cost_per_record_usd: 0.1
        trust_rank: 2
      directory:
        vendors: [lusha]
        consent_basis: consent
        opt_out_mechanism: Reply STOP; recorded in the suppression list.
        refresh: quarterly
        cost_per_record_usd: 0
        trust_rank: 1
        notes: Member list of a fictional trade association.
    """
)


def write(folder: Path, text: str) -> Path:
    path = folder / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_manifest_declares_every_source() -> None:
    manifest = load_source_manifest(MANIFEST)

    assert set(manifest.sources) == set(SOURCES)
    assert manifest.sources["apollo"].vendors == ["apollo", "apollo_api"]
    assert manifest.sources["apollo"].cost_per_record_usd == pytest.approx(0.1)
    assert manifest.sources["cognism"].refresh == "monthly"
    assert manifest.sources["sales_navigator"].vendors == ["phantombuster", "evaboot"]
    assert "suppression" in manifest.sources["sales_navigator"].opt_out_mechanism
    assert manifest.sources["directory"].vendors == ["zoominfo", "lusha", "directory"]
    assert manifest.sources["directory"].refresh == "quarterly"
    ranks = sorted(provenance.trust_rank for provenance in manifest.sources.values())
    assert ranks == [1, 2, 3, 4]


def test_undeclared_source_has_no_provenance() -> None:
    manifest = load_source_manifest(MANIFEST)

    provenance = manifest.provenance_for("apollo")
    assert provenance is not None
    assert provenance.consent_basis == "legitimate_interest"
    assert manifest.provenance_for("scraped_forum") is None


def test_registries_document_every_allowed_value() -> None:
    assert set(VENDORS) == set(typing.get_args(Vendor))
    assert set(CONSENT_BASES) == set(typing.get_args(ConsentBasis))
    assert all("Art. 6(1)" in text for text in CONSENT_BASES.values())


def test_valid_manifest_loads(tmp_path: Path) -> None:
    manifest = load_source_manifest(write(tmp_path, VALID))

    assert manifest.version == 2
    assert manifest.sources["directory"].cost_per_record_usd == 0.0
    assert manifest.sources["directory"].notes == "Member list of a fictional trade association."
    assert manifest.sources["apollo"].notes is None


BAD_MANIFESTS = [
    pytest.param(
        VALID.replace("[apollo, apollo_api]", "[apollo, crm_dump]"),
        "sources.apollo.vendors[1]: 'crm_dump' is not allowed; expected 'apollo'",
        id="unknown-vendor",
    ),
    pytest.param(
        VALID.replace("[apollo, apollo_api]", "[]"),
        "sources.apollo.vendors: needs at least one vendor",
        id="no-vendor",
    ),
    pytest.param(
        VALID.replace("[apollo, apollo_api]", "[apollo, apollo]"),
        "sources.apollo.vendors: listed more than once: 'apollo'",
        id="repeated-vendor",
    ),
    pytest.param(
        VALID.replace("consent_basis: consent", "consent_basis: opt_in"),
        "sources.directory.consent_basis: 'opt_in' is not allowed; "
        "expected 'legitimate_interest', 'consent', 'contract' or 'public_task'",
        id="unknown-consent-basis",
    ),
    pytest.param(
        VALID.replace("Reply STOP; recorded in the suppression list.", '"   "'),
        "sources.directory.opt_out_mechanism: must not be empty",
        id="blank-opt-out",
    ),
    pytest.param(
        VALID.replace("refresh: monthly", "refresh: daily"),
        "sources.apollo.refresh: 'daily' is not allowed; expected 'monthly' or 'quarterly'",
        id="unknown-refresh",
    ),
    pytest.param(
        VALID.replace("cost_per_record_usd: 0.1", "cost_per_record_usd: -0.1"),
        "sources.apollo.cost_per_record_usd: Input should be greater than or equal to 0",
        id="negative-cost",
    ),
    pytest.param(
        VALID.replace("cost_per_record_usd: 0.1", "cost_per_record_usd: '0.1'"),
        "sources.apollo.cost_per_record_usd: Input should be a valid number (got '0.1')",
        id="quoted-cost",
    ),
    pytest.param(
        VALID.replace("trust_rank: 1", "trust_rank: 0"),
        "sources.directory.trust_rank: Input should be greater than or equal to 1",
        id="zero-trust-rank",
    ),
    pytest.param(
        VALID.replace("trust_rank: 1", "trust_rank: 2"),
        "sources: trust_rank 2 is shared by apollo, directory; give each source its own rank",
        id="shared-trust-rank",
    ),
    pytest.param(
        VALID.replace("  apollo:\n", "  Apollo Export:\n"),
        "sources.Apollo Export: 'Apollo Export' is not a slug",
        id="bad-source-name",
    ),
    pytest.param(
        VALID.replace("consent_basis: legitimate_interest", "consent: legitimate_interest"),
        "sources.apollo: unknown key 'consent'",
        id="unknown-key",
    ),
    pytest.param(
        VALID.replace("    trust_rank: 2\n", ""),
        "sources.apollo.trust_rank: missing required field",
        id="missing-required-field",
    ),
    pytest.param(
        VALID.split("sources:")[0] + "sources: {}\n",
        "sources: needs at least one source",
        id="no-sources",
    ),
    pytest.param(
        VALID.replace("version: 2", "version: [2"),
        "invalid YAML at line 2, column 8",
        id="yaml-syntax-error",
    ),
    pytest.param(
        "- apollo\n- cognism\n",
        "expected a mapping of keys at the top level, found a list",
        id="not-a-mapping",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_MANIFESTS)
def test_bad_manifest_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)

    with pytest.raises(ProvenanceError) as raised:
        load_source_manifest(path)

    assert f"{path}: {expected}" in str(raised.value)


def test_every_manifest_problem_is_listed(tmp_path: Path) -> None:
    text = VALID.replace("consent_basis: consent", "consent_basis: opt_in").replace(
        "refresh: monthly", "refresh: daily"
    )
    path = write(tmp_path, text)

    with pytest.raises(ProvenanceError) as raised:
        load_source_manifest(path)

    assert [problem.field for problem in raised.value.problems] == [
        "sources.apollo.refresh",
        "sources.directory.consent_basis",
    ]
    assert len(str(raised.value).splitlines()) == 2


def test_missing_manifest_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ProvenanceError, match=r"sources\.yaml: cannot read file"):
        load_source_manifest(tmp_path / "sources.yaml")


def test_manifest_frame_round_trips_through_a_duckdb_file(tmp_path: Path) -> None:
    frame = manifest_frame(load_source_manifest(MANIFEST))
    database = str(tmp_path / "leadgen.duckdb")

    with duckdb.connect(database) as con:
        con.register("manifest_frame", frame)
        con.execute("CREATE TABLE source_manifest AS SELECT * FROM manifest_frame")
    with duckdb.connect(database, read_only=True) as con:
        back = con.sql("SELECT * FROM source_manifest ORDER BY source").pl()

    assert frame.schema == pl.Schema(MANIFEST_SCHEMA)
    assert frame["source"].to_list() == sorted(SOURCES)
    assert frame["manifest_version"].unique().to_list() == [1]
    assert_frame_equal(back, frame)
