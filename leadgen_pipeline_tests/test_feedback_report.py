"""The closed-won report: built from the aggregate tables of a real DuckDB file, its HTML
needs nothing from the network, its PNGs are real images, and in headless Chromium with the
network blocked every chart draws one mark per row of its data."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from lxml import html as lxml_html

from leadgen_pipeline.layers.feedback.report import (
    CHARTS,
    LIFT_CHART_FEATURES,
    build_report,
    report_dir,
    unreadable_files,
)
from leadgen_pipeline.layers.marts.views import FUNNEL_STEPS

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SEGMENTS = ("fintech_scaleups_eu", "saas_midmarket_us")
SOURCES = ("apollo", "cognism", "sales_navigator", "directory")
# (kind, value, odds ratio, ci low, ci high, p-value, credible); the last is not estimated
LIFT = [
    ("signal", "funding_round", 2.4, 1.6, 3.5, 0.0001, True),
    ("source", "sales_navigator", 1.9, 1.3, 2.8, 0.001, True),
    ("signal", "office_opening", 1.1, 0.7, 1.7, 0.6, False),
    ("technology", "snowflake", 0.8, 0.5, 1.3, 0.4, False),
    ("seniority", "c_suite", 1.3, 0.9, 1.9, 0.2, False),
    ("employee_band", "51-200", None, None, None, None, False),
]
DRAWN_LIFT = sum(1 for row in LIFT if row[2] is not None)


def write_fixture_store(path: Path) -> None:
    """A DuckDB file holding the four tables the report reads, in their published shapes."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema feedback")
    con.execute(
        "create table marts.funnel (step bigint, stage varchar, bucket varchar, "
        "segment varchar, source varchar, count bigint)"
    )
    funnel = []
    for segment in SEGMENTS:
        for source in (*SOURCES, "all"):
            for step, stage in enumerate(FUNNEL_STEPS, start=1):
                buckets = {"scored": ["high", "medium", "low"], "routed": ["email", "linkedin"]}
                for bucket in buckets.get(stage, [""]):
                    funnel.append((step, stage, bucket, segment, source, 1000 // step**2))
    con.executemany("insert into marts.funnel values (?, ?, ?, ?, ?, ?)", funnel)
    con.execute(
        "create table feedback.win_rates (dimension varchar, value varchar, deals bigint, "
        "won bigint, win_rate double, revenue_won double)"
    )
    rates = [
        ("segment", s, 40, 10 + i, (10 + i) / 40, 50000.0 * (i + 1)) for i, s in enumerate(SEGMENTS)
    ]
    rates += [
        ("source", s, 20, 5 + i, (5 + i) / 20, 10000.0 * (i + 1)) for i, s in enumerate(SOURCES)
    ]
    rates += [("tier", "high", 50, 20, 0.4, 90000.0), ("channel", "email", 60, 18, 0.3, 1.0)]
    con.executemany("insert into feedback.win_rates values (?, ?, ?, ?, ?, ?)", rates)
    con.execute(
        "create table feedback.feature_lift (feature_kind varchar, feature_value varchar, "
        "deals_with bigint, deals_without bigint, win_rate_with double, "
        "win_rate_without double, odds_ratio double, ci_low double, ci_high double, "
        "p_value double, credible boolean)"
    )
    con.executemany(
        "insert into feedback.feature_lift values (?, ?, 30, 50, 0.4, 0.25, ?, ?, ?, ?, ?)",
        LIFT,
    )
    con.execute(
        "create table feedback.source_costs (source varchar, cost_usd double, "
        "qualified_leads bigint, cost_per_qualified_lead double, won_deals bigint, "
        "cost_per_won_deal double)"
    )
    con.executemany(
        "insert into feedback.source_costs values (?, ?, ?, ?, ?, ?)",
        [
            (s, 500.0 * (i + 1), 25, 20.0 * (i + 1), 5, 100.0 * (i + 1))
            for i, s in enumerate(SOURCES)
        ],
    )
    con.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    store_path = tmp_path_factory.mktemp("store") / "leadgen.duckdb"
    write_fixture_store(store_path)
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        return build_report(con, store_path.parent / "reports", NOW)
    finally:
        con.close()


def test_reports_go_beside_the_store_unless_an_env_var_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEADGEN_REPORTS_DIR", raising=False)
    assert report_dir(tmp_path / "data") == tmp_path / "data" / "reports"
    monkeypatch.setenv("LEADGEN_REPORTS_DIR", str(tmp_path / "elsewhere"))
    assert report_dir(tmp_path / "data") == tmp_path / "elsewhere"


def test_the_report_is_written_under_the_run_date(report) -> None:
    assert report.folder.name == "2026-11-30"
    assert report.html == report.folder / "report.html"
    assert report.html.is_file()
    assert set(report.pngs) == set(CHARTS)
    assert all(p.parent == report.folder and p.is_file() for p in report.pngs.values())


def test_the_html_loads_no_script_font_or_stylesheet_from_the_network(report) -> None:
    page = report.html.read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//script[@src]") == []
    assert tree.xpath("//link") == []
    assert tree.xpath("//iframe | //img | //object | //embed") == []
    styles = " ".join(tree.xpath("//style/text()"))
    assert "@import" not in styles and "url(" not in styles and "@font-face" not in styles
    # the inlined Vega libraries are there (the page draws its charts by itself)
    assert "vegaEmbed" in page and len(page) > 500_000


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is no PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_every_png_is_a_real_image_of_a_readable_size(report) -> None:
    for name, path in report.pngs.items():
        width, height = _png_size(path)
        assert 400 <= width <= 4000 and 150 <= height <= 6000, (name, width, height)
        assert 5_000 < path.stat().st_size < 5_000_000, name


def test_the_markdown_tables_hold_the_aggregates(report) -> None:
    assert set(report.tables) == {"funnel", "win_rates", "feature_lift", "source_costs"}
    funnel = report.tables["funnel"].splitlines()
    assert funnel[0] == "| segment | " + " | ".join(FUNNEL_STEPS) + " |"
    assert len(funnel) == 2 + len(SEGMENTS)
    # scored sums its three tiers: 3 x 1000 // 25
    assert "| fintech_scaleups_eu | 1000 | 250 | 111 | 62 | 120 | 54 |" in funnel
    lift = report.tables["feature_lift"]
    assert lift.splitlines()[2].startswith("| signal | funding_round |")
    assert "51-200" not in lift  # not estimated: not drawn, not listed
    assert "| sales_navigator | 1500.0 | 25 | 60.0 | 5 | 300.0 |" in report.tables["source_costs"]
    rates = report.tables["win_rates"].splitlines()
    assert rates[2].startswith("| segment | saas_midmarket_us | 40 | 11 | 27.5% |")  # best first
    assert [r.split(" | ")[0] for r in rates[2:]] == ["| segment"] * 2 + ["| source"] * 4 + [
        "| tier",
        "| channel",
    ]


def test_the_marks_each_chart_should_draw_follow_its_rows(report) -> None:
    steps = len(FUNNEL_STEPS)
    assert report.marks == {
        "funnel": {"rect": len(SEGMENTS) * steps, "text": len(SEGMENTS) * steps},
        "win_rate_by_segment": {"rect": len(SEGMENTS), "text": len(SEGMENTS)},
        "win_rate_by_source": {"rect": len(SOURCES), "text": len(SOURCES)},
        # one interval per feature, plus the dashed no-lift line
        "feature_lift": {"rule": DRAWN_LIFT + 1, "symbol": DRAWN_LIFT},
    }


def _chromium() -> str | None:
    return os.environ.get("LEADGEN_CHROMIUM") or shutil.which("chromium")


# the page must draw with no network at all: every host name fails to resolve, any proxied
# request goes to a closed port, and Chromium's own background traffic is off
OFFLINE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--virtual-time-budget=20000",
]


def _mark_items(chart: lxml_html.HtmlElement, mark: str) -> int:
    """The items Vega's SVG renderer drew for the chart's own marks of one type (legend and
    axis marks have other roles)."""
    groups = chart.xpath(
        f".//*[local-name()='g' and contains(concat(' ', @class, ' '), ' mark-{mark} ') "
        "and contains(concat(' ', @class, ' '), ' role-mark ')]"
    )
    return sum(len(group) for group in groups)


@pytest.mark.skipif(
    _chromium() is None,
    reason="no Chromium found (LEADGEN_CHROMIUM unset and no `chromium` on PATH; "
    ".ci/run installs Debian's package where apt is available)",
)
def test_every_chart_renders_its_marks_offline_in_headless_chromium(report, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            _chromium(),
            *OFFLINE_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            report.html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = lxml_html.fromstring(result.stdout)
    errors = "".join(dom.xpath("//pre[@id='chart-errors']/text()"))
    assert dom.xpath("//body/@data-charts") == ["rendered"], errors or result.stderr[-2000:]
    for name, expected in report.marks.items():
        (chart,) = dom.xpath(f"//div[@id='chart-{name}']")
        assert chart.xpath(".//*[local-name()='svg']"), f"{name}: no SVG drawn"
        drawn = {mark: _mark_items(chart, mark) for mark in expected}
        assert drawn == expected, name
    # the fixture's values made it into the drawing, not just the right number of shapes
    text = " ".join(
        dom.xpath("//div[@id='chart-win_rate_by_source']//*[local-name()='text']/text()")
    )
    assert re.search(r"\b8 won of 20\b", text), text


def test_a_store_with_no_closed_deals_yet_still_gets_a_report(tmp_path: Path) -> None:
    store_path = tmp_path / "leadgen.duckdb"
    write_fixture_store(store_path)
    with duckdb.connect(str(store_path)) as con:
        for table in ("win_rates", "feature_lift", "source_costs"):
            con.execute(f"delete from feedback.{table}")
        files = build_report(con, tmp_path / "reports", NOW)
    assert files.marks["feature_lift"] == {"rule": 1, "symbol": 0}  # the no-lift line alone
    assert files.marks["win_rate_by_source"] == {"rect": 0, "text": 0}
    assert all(_png_size(p) for p in files.pngs.values())
    assert files.tables["feature_lift"].count("\n") == 1  # the header alone


def test_the_lift_chart_draws_the_credible_and_strongest_features_first(tmp_path: Path) -> None:
    store_path = tmp_path / "leadgen.duckdb"
    write_fixture_store(store_path)
    with duckdb.connect(str(store_path)) as con:
        con.execute(
            "insert into feedback.feature_lift select 'technology', 'tool_' || i, 30, 50, 0.3, "
            "0.3, 1.0, 0.6, 1.6, 0.5 + i / 1000, false from range(60) t(i)"
        )
        files = build_report(con, tmp_path / "reports", NOW)
    drawn = LIFT_CHART_FEATURES
    assert files.marks["feature_lift"] == {"rule": drawn + 1, "symbol": drawn}
    rows = files.tables["feature_lift"].splitlines()[2:]
    assert len(rows) == drawn
    assert [r.split(" | ")[1] for r in rows[:2]] == ["funding_round", "sales_navigator"]
    assert "tool_59" not in files.tables["feature_lift"]


def test_a_damaged_report_is_named_file_by_file(report, tmp_path: Path) -> None:
    assert unreadable_files(report) == []
    broken = tmp_path / "funnel.png"
    broken.write_text("<svg/>")
    damaged = replace(report, html=tmp_path / "gone.html", pngs={**report.pngs, "funnel": broken})
    assert unreadable_files(damaged) == ["funnel.png: not a PNG image", "gone.html: missing"]
