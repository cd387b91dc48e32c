"""The operational ICP files: the shipped segments load, bad files fail with a precise message,
and the `config.icp_segments` frame survives a write to and read from a DuckDB file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from leadgen_pipeline.kernel.keys import company_domain_key, scalar
from leadgen_pipeline.layers.config.icp import (
    SEGMENTS_SCHEMA,
    IcpError,
    IcpSegment,
    icp_file_sha,
    load_icp_file,
    load_icp_segments,
    segments_frame,
)

ICP_DIR = Path(__file__).resolve().parents[1] / "data" / "icp"

# A valid segment; each bad case below edits one thing in it.
VALID = textwrap.dedent(
    """\
    segment: widgets_eu
    version: 3
    description: Mid-sized widget makers in the Benelux.
    refresh: quarterly
    employee_band:
      min: 50
      max: 500
    countries: [nl, BE, LU]
    industries: ["  Industrial  Widgets ", manufacturing]
    titles: [Head of Operations, coo]
    seniorities: [C suite, Vp, director]
    buying_signals:
      - key: new_plant
        description: Opened a plant.
        kind: company_event
        lookback_days: 365
        match: [new facility]
      - key: hiring_ops
        description: Hiring operations roles.
        kind: hiring
        lookback_days: 90
      - key: erp
        description: Runs an ERP we integrate with.
        kind: tech_stack
        lookback_days: 365
        match: [Widget ERP]
    disqualifiers:
      domains: [RivalWidgets.example]
      industries: [staffing & recruiting]
      titles: [intern, student, executive assistant]
    """
)

EXTRA_SIGNAL = """\
  - key: {key}
    description: Another signal.
    kind: funding_round
    lookback_days: 180
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_segments_load_with_their_cadences() -> None:
    segments = load_icp_segments(ICP_DIR)

    by_name = {segment.segment: segment for segment in segments}
    assert set(by_name) == {"fintech_scaleups_eu", "manufacturing_midmarket_na"}
    fintech, manufacturing = by_name["fintech_scaleups_eu"], by_name["manufacturing_midmarket_na"]
    assert fintech.refresh == "monthly"
    assert manufacturing.refresh == "quarterly"
    assert (fintech.employee_band.min, fintech.employee_band.max) == (51, 500)
    assert fintech.countries == ["GB", "DE", "NL", "FR", "IE", "SE"]
    assert (manufacturing.employee_band.min, manufacturing.employee_band.max) == (200, 2000)
    assert manufacturing.countries == ["US", "CA"]
    for segment in segments:
        assert segment.version >= 1
        assert 3 <= len(segment.buying_signals) <= 5
        assert segment.disqualifiers.titles and segment.disqualifiers.domains
        assert segment.source_file == f"{segment.segment}.yaml"
        assert segment.source_sha256 == icp_file_sha(ICP_DIR / segment.source_file)


def test_shipped_competitor_domains_are_fictional() -> None:
    # Disqualified competitors must never name a real company.
    for segment in load_icp_segments(ICP_DIR):
        assert all(domain.endswith(".example") for domain in segment.disqualifiers.domains)


def test_valid_file_is_normalised(tmp_path: Path) -> None:
    segment = load_icp_file(write(tmp_path, "widgets_eu.yaml", VALID))

    assert segment.countries == ["NL", "BE", "LU"]
    assert segment.industries == ["industrial widgets", "manufacturing"]
    assert segment.titles == ["head of operations", "coo"]
    assert segment.seniorities == ["c_suite", "vp", "director"]
    assert segment.disqualifiers.domains == ["rivalwidgets.example"]
    assert segment.buying_signals[2].match == ["widget erp"]
    assert segment.buying_signals[1].match == []
    assert segment.employee_band.contains(50) and segment.employee_band.contains(500)
    assert not segment.employee_band.contains(501)


def test_disqualifier_under_a_private_suffix_is_kept(tmp_path: Path) -> None:
    # A shop on a platform is its own company: the kernel's registrable-domain rule counts
    # private suffixes (myshopify.com, github.io), so the disqualifier stays whole and equals
    # the company domain key a record of that shop gets.
    text = VALID.replace("[RivalWidgets.example]", "[Rival.MyShopify.com, rival.github.io]")
    segment = load_icp_file(write(tmp_path, "widgets_eu.yaml", text))

    assert segment.disqualifiers.domains == ["rival.myshopify.com", "rival.github.io"]
    assert scalar(company_domain_key, "https://shop.rival.myshopify.com/products") == (
        "rival.myshopify.com"
    )


def test_disqualifier_in_ace_form_is_spelled_as_the_domain_keys_are(tmp_path: Path) -> None:
    text = VALID.replace("[RivalWidgets.example]", "[XN--Mller-kva.de]")
    segment = load_icp_file(write(tmp_path, "widgets_eu.yaml", text))

    assert segment.disqualifiers.domains == ["müller.de"]
    assert scalar(company_domain_key, "https://www.xn--mller-kva.de") == "müller.de"


def test_open_ended_band_has_no_maximum(tmp_path: Path) -> None:
    text = VALID.replace("  max: 500\n", "")
    segment = load_icp_file(write(tmp_path, "widgets_eu.yaml", text))

    assert segment.employee_band.max is None
    assert segment.employee_band.contains(1_000_000)
    assert segments_frame([segment])["employee_max"].to_list() == [None]


def _signals(count: int) -> str:
    head = VALID.split("buying_signals:\n")[0]
    tail = "disqualifiers:" + VALID.split("disqualifiers:")[1]
    body = "".join(EXTRA_SIGNAL.format(key=f"signal_{n}") for n in range(count))
    return f"{head}buying_signals:\n{body}{tail}" if count else f"{head}buying_signals: []\n{tail}"


BAD_FILES = [
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[nl, BE, LU]", "[nl, XX, LU]"),
        "countries[1]: 'XX' is not an ISO 3166-1 alpha-2 country code",
        id="unknown-country",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[nl, BE, LU]", "[GB, NO]"),
        "countries[1]: False is not a country code",
        id="unquoted-norway",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("min: 50\n  max: 500", "min: 500\n  max: 50"),
        "employee_band: min (500) is greater than max (50)",
        id="inverted-band",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("min: 50", "min: 0"),
        "employee_band.min: Input should be greater than or equal to 1",
        id="zero-band-minimum",
    ),
    pytest.param(
        "widgets_eu.yaml",
        _signals(0),
        "buying_signals: needs 3 to 5 signals, found 0",
        id="empty-signal-list",
    ),
    pytest.param(
        "widgets_eu.yaml",
        _signals(6),
        "buying_signals: needs 3 to 5 signals, found 6",
        id="too-many-signals",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("key: erp", "key: new_plant"),
        "buying_signals: signal keys must be unique; repeated: new_plant",
        id="duplicate-signal-key",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("    match: [Widget ERP]\n", ""),
        "buying_signals[2]: a tech_stack signal needs `match` terms",
        id="tech-stack-without-terms",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("kind: hiring", "kind: rumour"),
        "buying_signals[1].kind: 'rumour' is not allowed",
        id="unknown-signal-kind",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("countries:", "countrys:"),
        "unknown key 'countrys' (did you mean 'countries'?)",
        id="unknown-key",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("kind: hiring", "kind: hiring\n    lookback: 30"),
        "buying_signals[1]: unknown key 'lookback'",
        id="unknown-nested-key",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[C suite, Vp, director]", "[C suite, chief, director]"),
        "seniorities[1]: 'chief' is not a seniority",
        id="bad-seniority",
    ),
    pytest.param(
        "gadgets_eu.yaml",
        VALID,
        "segment: 'widgets_eu' does not match the file name 'gadgets_eu'",
        id="segment-filename-mismatch",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("refresh: quarterly", "refresh: [quarterly"),
        "invalid YAML at line 5, column 14: expected ',' or ']'",
        id="yaml-syntax-error",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID + "version: 4\n",
        "invalid YAML at line 31, column 1: "
        "found duplicate key 'version' (first defined on line 2)",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("description: Mid-sized widget makers in the Benelux.\n", ""),
        "description: missing required field",
        id="missing-required-field",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("version: 3", "version: true"),
        "version: Input should be a valid integer (got True)",
        id="boolean-version",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("refresh: quarterly", "refresh: weekly"),
        "refresh: 'weekly' is not allowed; expected 'monthly' or 'quarterly'",
        id="unknown-refresh",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[RivalWidgets.example]", "[www.rivalwidgets.example]"),
        "disqualifiers.domains[0]: 'www.rivalwidgets.example' is a subdomain; "
        "give the registrable domain 'rivalwidgets.example'",
        id="subdomain-disqualifier",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[RivalWidgets.example]", "[co.uk]"),
        "disqualifiers.domains[0]: 'co.uk' is a public suffix, not a company's domain",
        id="public-suffix-disqualifier",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[RivalWidgets.example]", "[myshopify.com]"),
        "disqualifiers.domains[0]: 'myshopify.com' is a public suffix, not a company's domain",
        id="private-suffix-disqualifier",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[RivalWidgets.example]", "[www.rival.myshopify.com]"),
        "disqualifiers.domains[0]: 'www.rival.myshopify.com' is a subdomain; "
        "give the registrable domain 'rival.myshopify.com'",
        id="subdomain-of-a-private-suffix-disqualifier",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("[intern, student, executive assistant]", "[intern, operations]"),
        "disqualifiers: title keyword 'operations' would disqualify the target title "
        "'head of operations'",
        id="disqualifier-hides-target",
    ),
    pytest.param(
        "widgets_eu.yaml",
        VALID.replace("version: 3", "version: 3\nsource_sha256: " + "0" * 64),
        "unknown key 'source_sha256' (the loader records it; remove it)",
        id="file-sets-its-own-fingerprint",
    ),
    pytest.param(
        "widgets_eu.yaml",
        "",
        "file is empty",
        id="empty-file",
    ),
]


@pytest.mark.parametrize(("file_name", "text", "expected"), BAD_FILES)
def test_bad_file_names_file_and_field(
    tmp_path: Path, file_name: str, text: str, expected: str
) -> None:
    path = write(tmp_path, file_name, text)

    with pytest.raises(IcpError) as raised:
        load_icp_file(path)

    assert f"{path}: {expected}" in str(raised.value)


def test_every_problem_is_listed_one_per_line(tmp_path: Path) -> None:
    text = (
        VALID.replace("[nl, BE, LU]", "[nl, XX, YY]")
        .replace("min: 50\n  max: 500", "min: 500\n  max: 50")
        .replace("refresh:", "refrsh:")
    )
    path = write(tmp_path, "widgets_eu.yaml", text)

    with pytest.raises(IcpError) as raised:
        load_icp_file(path)

    lines = str(raised.value).splitlines()
    assert len(lines) == len(raised.value.problems) == 5
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert {problem.field for problem in raised.value.problems} == {
        "",
        "refresh",
        "employee_band",
        "countries[1]",
        "countries[2]",
    }


def test_two_files_declaring_one_segment_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "widgets_eu.yaml", VALID)
    write(tmp_path, "widgets_eu.yml", VALID)

    with pytest.raises(IcpError) as raised:
        load_icp_segments(tmp_path)

    first, second = tmp_path / "widgets_eu.yaml", tmp_path / "widgets_eu.yml"
    assert f"{second}: segment: 'widgets_eu' is already declared in {first}" in str(raised.value)


def test_problems_of_every_bad_file_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "a_segment.yaml", VALID)
    write(tmp_path, "widgets_eu.yaml", VALID.replace("[nl, BE, LU]", "[XX]"))

    with pytest.raises(IcpError) as raised:
        load_icp_segments(tmp_path)

    message = str(raised.value)
    assert f"{tmp_path / 'a_segment.yaml'}: segment: 'widgets_eu' does not match" in message
    assert f"{tmp_path / 'widgets_eu.yaml'}: countries[0]: 'XX'" in message


def test_folder_without_icp_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "not a segment")

    with pytest.raises(IcpError, match=r"no ICP files \(\*\.yaml or \*\.yml\) found"):
        load_icp_segments(tmp_path)
    with pytest.raises(IcpError, match="ICP folder does not exist"):
        load_icp_segments(tmp_path / "missing")


def test_dot_files_are_not_segments(tmp_path: Path) -> None:
    write(tmp_path, "widgets_eu.yaml", VALID)
    write(tmp_path, "._widgets_eu.yaml", "\x00 resource fork")

    assert [segment.segment for segment in load_icp_segments(tmp_path)] == ["widgets_eu"]


def test_fingerprint_follows_file_content(tmp_path: Path) -> None:
    path = write(tmp_path, "widgets_eu.yaml", VALID)
    before = load_icp_file(path)
    write(tmp_path, "widgets_eu.yaml", VALID + "# a reviewer's note\n")
    after = load_icp_file(path)

    assert after.source_sha256 == icp_file_sha(path)
    assert before.source_sha256 != after.source_sha256
    assert before.model_dump(exclude={"source_sha256"}) == after.model_dump(
        exclude={"source_sha256"}
    )


def test_segments_frame_has_one_row_per_segment_in_the_table_shape() -> None:
    segments = load_icp_segments(ICP_DIR)
    frame = segments_frame(segments)

    assert frame.schema == pl.Schema(SEGMENTS_SCHEMA)
    assert frame["segment"].to_list() == [segment.segment for segment in segments]
    fintech = frame.row(0, named=True)
    assert fintech["refresh"] == "monthly"
    assert fintech["employee_min"] == 51
    assert fintech["buying_signals"][0] == {
        "key": "recent_funding",
        "description": segments[0].buying_signals[0].description,
        "kind": "funding_round",
        "lookback_days": 180,
        "match": ["seed", "series a", "series b", "series c"],
    }
    assert segments_frame([]).schema == pl.Schema(SEGMENTS_SCHEMA)


def _round_trip(frame: pl.DataFrame, database: Path) -> pl.DataFrame:
    with duckdb.connect(str(database)) as con:
        con.register("icp_segments_frame", frame)
        con.execute("CREATE SCHEMA IF NOT EXISTS config")
        con.execute("CREATE TABLE config.icp_segments AS SELECT * FROM icp_segments_frame")
    # A fresh connection, so the rows come from the file and not from the registered frame.
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql("SELECT * FROM config.icp_segments ORDER BY segment").pl()


def test_segments_frame_round_trips_through_a_duckdb_file(tmp_path: Path) -> None:
    frame = segments_frame(load_icp_segments(ICP_DIR))

    assert_frame_equal(_round_trip(frame, tmp_path / "leadgen.duckdb"), frame)

    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        types = {
            name: kind for name, kind, *_ in con.execute("DESCRIBE config.icp_segments").fetchall()
        }
        signal_keys = con.sql(
            "SELECT segment, s.key FROM config.icp_segments, "
            "UNNEST(buying_signals) AS t(s) WHERE s.kind = 'tech_stack' ORDER BY segment"
        ).fetchall()
    assert types["buying_signals"] == (
        'STRUCT("key" VARCHAR, description VARCHAR, kind VARCHAR, lookback_days BIGINT, '
        '"match" VARCHAR[])[]'
    )
    assert signal_keys == [
        ("fintech_scaleups_eu", "adopted_finance_stack"),
        ("manufacturing_midmarket_na", "erp_stack"),
    ]


def test_empty_segments_frame_round_trips_through_a_duckdb_file(tmp_path: Path) -> None:
    frame = segments_frame([])

    assert_frame_equal(_round_trip(frame, tmp_path / "leadgen.duckdb"), frame)


def test_segment_survives_a_dump_and_revalidation() -> None:
    # The feedback loop proposes ICP changes by editing a dumped segment and validating it again.
    segment = load_icp_segments(ICP_DIR)[0]

    assert IcpSegment.model_validate(segment.model_dump()) == segment
