"""The closed-won report: the funnel, win rate by segment and by source, and the feature lift
with its 95% intervals, as Vega-Altair charts in one self-contained HTML page (the Vega,
Vega-Lite and vega-embed JavaScript inlined: it opens offline) and one PNG per chart, in
`<report dir>/<run date>/` (`LEADGEN_REPORTS_DIR`, default `reports/` beside the store:
`data/reports`). The key tables come back as markdown for the asset's metadata.

Only aggregate tables are read (`marts.funnel`, `feedback.win_rates`,
`feedback.feature_lift`, `feedback.source_costs`), so no chart or table can carry a person.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import altair as alt
import duckdb
import polars as pl
import vl_convert as vlc

HTML_NAME = "report.html"
# the charts, in page order: name -> heading
CHARTS: dict[str, str] = {
    "funnel": "Funnel: from raw records to routed leads, per segment (every source)",
    "win_rate_by_segment": "Win rate of closed deals by segment",
    "win_rate_by_source": "Win rate of closed deals by source",
    "feature_lift": "Feature lift: odds ratio of winning, with its 95% interval",
}
# the lift chart shows at most this many features (credible first, then by p-value); the
# table in the metadata lists the same ones
LIFT_CHART_FEATURES = 40
PNG_SCALE = 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# the Vega-Lite compiler vl-convert uses, matched to the schema altair writes ("v6.4.1" -> "6.4")
VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@dataclass(frozen=True)
class ReportFiles:
    """What one build of the report wrote: the folder, the HTML page, one PNG per chart
    (`CHARTS` names), the key tables as markdown, and per chart how many marks of each Vega
    mark type (`rect`, `rule`, `symbol`, `text`) its data draws."""

    folder: Path
    html: Path
    pngs: dict[str, Path]
    tables: dict[str, str]
    marks: dict[str, dict[str, int]]


def report_dir(files_dir: Path) -> Path:
    """`LEADGEN_REPORTS_DIR`, else `reports/` in the store's files folder (`data/reports`)."""
    stated = os.environ.get("LEADGEN_REPORTS_DIR")
    return Path(stated) if stated else files_dir / "reports"


def _funnel(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per segment and step, the people (records, for raw) over every source, tiers and
    channels summed."""
    return con.sql(
        """
        select segment, step, stage, sum(count)::bigint as count
        from marts.funnel where source = 'all'
        group by all order by segment, step
        """
    ).pl()


def _win_rates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        select dimension, value, deals, won, win_rate, revenue_won
        from feedback.win_rates
        order by list_position(['segment', 'source', 'tier', 'channel'], dimension) nulls last,
                 dimension, win_rate desc nulls last, value
        """
    ).pl()


def _lift(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, int]:
    """The estimated features worth drawing (credible first, then by p-value, at most
    `LIFT_CHART_FEATURES`), and how many estimated features that leaves out."""
    frame = con.sql(
        """
        select feature_kind, feature_value, deals_with, deals_without, win_rate_with,
               win_rate_without, odds_ratio, ci_low, ci_high, p_value, credible,
               feature_kind || ': ' || feature_value as feature
        from feedback.feature_lift
        where odds_ratio > 0 and ci_low > 0 and ci_high > 0
          and isfinite(odds_ratio) and isfinite(ci_low) and isfinite(ci_high)
        order by credible desc, p_value nulls last, feature_kind, feature_value
        """
    ).pl()
    return frame.head(LIFT_CHART_FEATURES), max(frame.height - LIFT_CHART_FEATURES, 0)


def _source_costs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        """
        select source, cost_usd, qualified_leads, cost_per_qualified_lead, won_deals,
               cost_per_won_deal
        from feedback.source_costs order by source
        """
    ).pl()


def _stages(funnel: pl.DataFrame) -> list[str]:
    """The funnel's stages in step order (raw records first)."""
    return funnel.sort("step")["stage"].unique(maintain_order=True).to_list()


def funnel_chart(funnel: pl.DataFrame) -> alt.LayerChart:
    """One bar per segment and step, labelled with its count."""
    # room right of the longest bar for its label, clear of the legend
    top = max(funnel["count"].max() or 0, 1) * 1.12
    base = alt.Chart(funnel).encode(
        y=alt.Y("stage:N", sort=_stages(funnel), title=None),
        yOffset=alt.YOffset("segment:N"),
        x=alt.X(
            field="count",
            type="quantitative",
            title="people (records, for raw_records)",
            scale=alt.Scale(domain=[0, top], nice=False),
        ),
        color=alt.Color("segment:N", title="segment"),
        tooltip=[
            "segment:N",
            "stage:N",
            alt.Tooltip(field="count", type="quantitative", format=","),
        ],
    )
    labels = base.mark_text(align="left", dx=3).encode(
        text=alt.Text(field="count", type="quantitative", format=","), color=alt.value("#333")
    )
    return (base.mark_bar() + labels).properties(width=560, title=CHARTS["funnel"])


def win_rate_chart(win_rates: pl.DataFrame, dimension: str) -> alt.LayerChart:
    """One bar per value of `dimension` (segment, source): its closed deals' win rate,
    labelled `<won> won of <closed>`."""
    rows = win_rates.filter(pl.col("dimension") == dimension).with_columns(
        label=pl.format("{} won of {}", pl.col("won"), pl.col("deals"))
    )
    base = alt.Chart(rows).encode(
        y=alt.Y("value:N", sort="-x", title=dimension),
        x=alt.X(
            "win_rate:Q",
            title="win rate",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=[
            "value:N",
            "deals:Q",
            "won:Q",
            alt.Tooltip("win_rate:Q", format=".1%"),
            alt.Tooltip("revenue_won:Q", format=",.0f"),
        ],
    )
    labels = base.mark_text(align="left", dx=3).encode(text="label:N")
    return (base.mark_bar() + labels).properties(
        width=480, title=CHARTS[f"win_rate_by_{dimension}"]
    )


def lift_chart(lift: pl.DataFrame, left_out: int) -> alt.LayerChart:
    """Per feature a rule from `ci_low` to `ci_high` and a point at the odds ratio, credible
    features as red diamonds, on a log scale with a dashed line at 1 (no lift)."""
    subtitle = ["red diamonds: credible after the multiple-comparison control"]
    if left_out:
        subtitle.append(f"{left_out} further features with larger p-values are not drawn")
    order = lift["feature"].to_list()
    credible = alt.Color(
        "credible:N",
        title="credible",
        scale=alt.Scale(domain=[True, False], range=["#d62728", "#9e9e9e"]),
    )
    base = alt.Chart(lift).encode(y=alt.Y("feature:N", sort=order, title=None))
    intervals = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(type="log"), title="odds ratio (log scale)"),
        x2="ci_high:Q",
        color=credible,
    )
    points = base.mark_point(size=70, filled=True).encode(
        x="odds_ratio:Q",
        color=credible,
        shape=alt.Shape(
            "credible:N", scale=alt.Scale(domain=[True, False], range=["diamond", "circle"])
        ),
        tooltip=[
            "feature:N",
            "deals_with:Q",
            "deals_without:Q",
            alt.Tooltip("win_rate_with:Q", format=".1%"),
            alt.Tooltip("win_rate_without:Q", format=".1%"),
            alt.Tooltip("odds_ratio:Q", format=".2f"),
            alt.Tooltip("ci_low:Q", format=".2f"),
            alt.Tooltip("ci_high:Q", format=".2f"),
            alt.Tooltip("p_value:Q", format=".2g"),
            "credible:N",
        ],
    )
    no_lift = (
        alt.Chart(pl.DataFrame({"odds_ratio": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#555")
        .encode(x="odds_ratio:Q")
    )
    return (intervals + points + no_lift).properties(
        width=480, title=alt.Title(CHARTS["feature_lift"], subtitle=subtitle)
    )


def _shown(frame: pl.DataFrame, formats: dict[str, str]) -> pl.DataFrame:
    """Every cell as text for a table: numbers by `formats` (`pct`, `money`, `ratio`, `p`),
    the rest as they are, nulls as `–`."""

    def cell(name: str) -> pl.Expr:
        column = pl.col(name)
        kind = formats.get(name)
        if kind == "pct":
            text = pl.format("{}%", (column * 100).round(1))
        elif kind in ("money", "ratio"):
            text = column.round(2).cast(pl.String)
        elif kind == "p":
            text = column.map_elements(lambda p: f"{p:.2g}", return_dtype=pl.String)
        else:
            text = column.cast(pl.String)
        return text.fill_null("–").alias(name)

    return frame.select(cell(name) for name in frame.columns)


def markdown_table(frame: pl.DataFrame) -> str:
    """A text frame as a markdown table (pipes escaped)."""

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [row(frame.columns), "|" + "---|" * frame.width]
    return "\n".join(lines + [row(list(r)) for r in frame.iter_rows()])


def _html_table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
        for r in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tables(
    funnel: pl.DataFrame, win_rates: pl.DataFrame, lift: pl.DataFrame, costs: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The key tables, as text: the funnel one row per segment, win rates, the drawn lift
    rows, and the cost per qualified lead and per won deal by source."""
    funnel_wide = (
        funnel.pivot(on="stage", index="segment", values="count").select(
            "segment", *_stages(funnel)
        )
        if funnel.height
        else pl.DataFrame(schema={"segment": pl.String})
    )
    lift_rows = lift.drop("feature")
    return {
        "funnel": _shown(funnel_wide, {}),
        "win_rates": _shown(win_rates, {"win_rate": "pct", "revenue_won": "money"}),
        "feature_lift": _shown(
            lift_rows,
            {
                "win_rate_with": "pct",
                "win_rate_without": "pct",
                "odds_ratio": "ratio",
                "ci_low": "ratio",
                "ci_high": "ratio",
                "p_value": "p",
            },
        ),
        "source_costs": _shown(
            costs,
            {"cost_usd": "money", "cost_per_qualified_lead": "money", "cost_per_won_deal": "money"},
        ),
    }


_TABLE_HEADINGS = {
    "funnel": "Funnel by segment (every source)",
    "win_rates": "Win rate and revenue won by segment, source, tier and channel",
    "feature_lift": "Feature lift (the features drawn above)",
    "source_costs": "Cost per qualified lead and per won deal, by source",
}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Closed-won report {day}</title>
<style>
  body {{ font-family: sans-serif; margin: 2em; color: #222; }}
  table {{ border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.9em; }}
  th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }}
  th {{ background: #f3f3f3; }}
  .chart {{ margin: 1em 0 2em; }}
</style>
<script>{bundle}</script>
</head>
<body data-charts="pending">
<h1>Closed-won report, {day}</h1>
<p>Aggregates only: counts, rates and costs by segment, source and feature.</p>
{charts}
{tables}
<pre id="chart-errors"></pre>
<script>
const specs = {specs};
Promise.all(Object.entries(specs).map(
  ([name, spec]) => vegaEmbed("#chart-" + name, spec, {{renderer: "svg", actions: false}})
)).then(() => {{ document.body.dataset.charts = "rendered"; }})
  .catch((error) => {{
    document.body.dataset.charts = "failed";
    document.getElementById("chart-errors").textContent = String(error);
  }});
</script>
</body>
</html>
"""


def _page(day: str, specs: dict[str, dict], tables: dict[str, pl.DataFrame]) -> str:
    charts = "\n".join(f'<div class="chart" id="chart-{name}"></div>' for name in specs)
    table_html = "\n".join(
        f"<h2>{html.escape(_TABLE_HEADINGS[name])}</h2>\n{_html_table(frame)}"
        for name, frame in tables.items()
    )
    # "</" inside a script would end it early
    specs_json = json.dumps(specs).replace("</", "<\\/")
    return _PAGE.format(
        day=day,
        bundle=vlc.javascript_bundle(vl_version=VL_VERSION),
        charts=charts,
        tables=table_html,
        specs=specs_json,
    )


def build_report(con: duckdb.DuckDBPyConnection, folder: Path, now: datetime) -> ReportFiles:
    """Draw the report from the store's aggregate tables into `folder/<now's date>/`
    (replacing that day's earlier report): `report.html` and one PNG per chart."""
    funnel, win_rates, costs = _funnel(con), _win_rates(con), _source_costs(con)
    lift, left_out = _lift(con)
    charts = {
        "funnel": funnel_chart(funnel),
        "win_rate_by_segment": win_rate_chart(win_rates, "segment"),
        "win_rate_by_source": win_rate_chart(win_rates, "source"),
        "feature_lift": lift_chart(lift, left_out),
    }
    specs = {name: chart.to_dict() for name, chart in charts.items()}
    tables = _tables(funnel, win_rates, lift, costs)

    day = now.date().isoformat()
    out = folder / day
    out.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, spec in specs.items():
        pngs[name] = out / f"{name}.png"
        pngs[name].write_bytes(vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=PNG_SCALE))
    page = out / HTML_NAME
    page.write_text(_page(day, specs, tables), encoding="utf-8")

    def drawn(dimension: str) -> int:
        return win_rates.filter(pl.col("dimension") == dimension).height

    marks = {
        "funnel": {"rect": funnel.height, "text": funnel.height},
        "win_rate_by_segment": {"rect": drawn("segment"), "text": drawn("segment")},
        "win_rate_by_source": {"rect": drawn("source"), "text": drawn("source")},
        "feature_lift": {"rule": lift.height + 1, "symbol": lift.height},
    }
    return ReportFiles(
        folder=out,
        html=page,
        pngs=pngs,
        tables={name: markdown_table(frame) for name, frame in tables.items()},
        marks=marks,
    )


def unreadable_files(files: ReportFiles) -> list[str]:
    """What is wrong with a written report, one line per file (empty when nothing is): a
    chart with no PNG, a PNG that is no PNG image, an HTML page missing or without a chart."""
    problems = [f"{name}: no PNG" for name in CHARTS if name not in files.pngs]
    for path in files.pngs.values():
        if not path.is_file() or path.read_bytes()[:8] != PNG_SIGNATURE:
            problems.append(f"{path.name}: not a PNG image")
    if not files.html.is_file():
        problems.append(f"{files.html.name}: missing")
    else:
        page = files.html.read_text(encoding="utf-8")
        problems += [
            f"{files.html.name}: no place for the {name} chart"
            for name in CHARTS
            if f'id="chart-{name}"' not in page
        ]
    return problems
