"""Recommendations from the closed deals, never applied: a person reads them and edits the
config files, or not.

- **Scoring** (`data/scoring/<segment>.yaml`): a signal type the lift table finds `credible`
  proposes a change to every segment buying signal it serves (`enrich.leads.SERVES`): a
  credible win (interval above 1) raises a counted signal's weight, or adds an uncounted
  one; a credible loss (interval below 1) drops a counted one. Each change cites its
  evidence row. A signal that is not credible proposes nothing, however its estimate looks.
  The scoring model counts every signal once today: a `weight` line is a proposal to weigh
  it, for whoever applies it.
- **ICP tightening** (`data/icp/<segment>.yaml`): the industries, size bands and countries of
  a segment that had qualified leads over the window but no won deal, with the counts.
- **Files** under `<LEADGEN_RECOMMENDATIONS_DIR>/<date>/` (default `recommendations/` beside
  the DuckDB file): `recommendations.md`, `recommendations.csv`, the proposed files under
  `scoring/` and `icp/`, and `changes.diff`, a unified diff against the current files.
- **ICP review** (`icp_reviews`): an ICP file whose `reviewed_on` is missing, or older than
  `ICP_REVIEW_DAYS`, is due a review.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import yaml

from leadgen_pipeline.layers.config.icp import IcpSegment
from leadgen_pipeline.layers.enrich.leads import SERVES
from leadgen_pipeline.layers.feedback.attribution import EMPLOYEE_BANDS, LAST_BAND
from leadgen_pipeline.layers.score.scoring import ScoringConfig

ICP_REVIEW_DAYS = 90
WEIGHT_NOTE = (
    "# PROPOSED, not applied: the scoring model counts each signal once, so a signal to weigh\n"
    "# more is marked in a comment with the evidence's odds ratio; the file loads as it is."
)
WINDOW_DAYS = 365

RECOMMENDATION_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(), "segment": pl.String(), "action": pl.String(), "target": pl.String(),
    "evidence": pl.String(), "odds_ratio": pl.Float64(), "ci_low": pl.Float64(),
    "ci_high": pl.Float64(), "qualified_leads": pl.Int64(), "won_deals": pl.Int64(),
}  # fmt: skip


def recommendations_dir(files_dir: Path) -> Path:
    """`LEADGEN_RECOMMENDATIONS_DIR`, else `recommendations/` in the store's files folder."""
    stated = os.environ.get("LEADGEN_RECOMMENDATIONS_DIR")
    return Path(stated) if stated else files_dir / "recommendations"


def _evidence(row: dict) -> str:
    return (
        f"signal={row['feature_value']}: odds ratio {row['odds_ratio']:.2f} "
        f"(95% CI {row['ci_low']:.2f}-{row['ci_high']:.2f}), won {row['win_rate_with']:.0%} of "
        f"{row['deals_with']} deals with it vs {row['win_rate_without']:.0%} of "
        f"{row['deals_without']} without"
    )


def scoring_proposals(
    lift: pl.DataFrame, segments: list[IcpSegment], configs: dict[str, ScoringConfig]
) -> pl.DataFrame:
    """One row per proposed scoring change, from the credible signal rows of `lift`."""
    rows = []
    credible = lift.filter((pl.col("feature_kind") == "signal") & pl.col("credible"))
    for row in credible.sort("feature_value").iter_rows(named=True):
        kinds = SERVES.get(row["feature_value"], ())
        raises = row["ci_low"] > 1
        if not kinds or not (raises or row["ci_high"] < 1):
            continue
        for segment in segments:
            counted = {c.key for c in configs[segment.segment].signals}
            for signal in segment.buying_signals:
                if signal.kind not in kinds or signal.kind == "intent":
                    continue
                if raises:
                    action = "raise_weight" if signal.key in counted else "add"
                elif signal.key in counted:
                    action = "drop"
                else:
                    continue
                rows.append({
                    "kind": "scoring", "segment": segment.segment, "action": action,
                    "target": signal.key, "evidence": _evidence(row),
                    "odds_ratio": row["odds_ratio"], "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"], "qualified_leads": None, "won_deals": None,
                })  # fmt: skip
    return pl.DataFrame(rows, schema=RECOMMENDATION_SCHEMA).unique(
        ["segment", "target"], keep="first", maintain_order=True
    )


def icp_proposals(outcomes: pl.DataFrame, segments: list[IcpSegment]) -> pl.DataFrame:
    """ICP values of a segment with qualified leads but no won deal over the window.
    `outcomes`: segment, field (`industries`, `countries`, `employee_band`), value,
    qualified_leads, won_deals."""
    listed = {
        (s.segment, field, v.lower())
        for s in segments
        for field, values in (("industries", s.industries), ("countries", s.countries))
        for v in values
    }
    idle = outcomes.filter((pl.col("qualified_leads") > 0) & (pl.col("won_deals") == 0))
    rows = [
        {
            "kind": "icp",
            "segment": r["segment"],
            "action": "tighten",
            "target": f"{r['field']}={r['value']}",
            "evidence": f"{r['qualified_leads']} qualified lead(s), no won deal over "
            f"{WINDOW_DAYS} days",
            "odds_ratio": None,
            "ci_low": None,
            "ci_high": None,
            "qualified_leads": r["qualified_leads"],
            "won_deals": 0,
        }
        for r in idle.sort("segment", "field", "value").iter_rows(named=True)
        if r["field"] == "employee_band" or (r["segment"], r["field"], r["value"].lower()) in listed
    ]
    return pl.DataFrame(rows, schema=RECOMMENDATION_SCHEMA)


_ICP_OUTCOMES_SQL = """
with qualified as (
  select distinct h.segment, h.person_id from score.score_history h
  where h.tier <> 'parked' and h.scored_at > $today::timestamptz - to_days($window)
),
won as (
  select distinct a.segment, a.person_id from feedback.attribution a
  where a.won and a.segment is not null and a.person_id is not null
    and coalesce(a.closed_on, a.created_on) > $today::date - to_days($window)
),
people as (
  select segment, person_id, true as qualified, false as won from qualified
  union all select segment, person_id, false, true from won
),
described as (
  select p.*, f.industry, f.country, f.employee_count from people p
  join score.icp_fit f using (segment, person_id)
),
split as (
  select segment, 'industries' as field, industry as value, qualified, won, person_id
  from described where industry is not null
  union all
  select segment, 'countries', country, qualified, won, person_id from described
  where country is not null
  union all
  select segment, 'employee_band', band, qualified, won, person_id from (
    select *, {band} as band from described where employee_count is not null)
)
select segment, field, value,
       count(distinct person_id) filter (where qualified)::bigint as qualified_leads,
       count(distinct person_id) filter (where won)::bigint as won_deals
from split group by all order by all
"""


def icp_outcomes_sql() -> str:
    """Per segment, ICP field and value: qualified leads (scored non-parked over the window,
    `$window` days to `$today`) and won deals closed over it, from the people's fit rows."""
    return _ICP_OUTCOMES_SQL.format(band=band_sql("employee_count"))


def band_sql(column: str) -> str:
    """The SQL of `attribution.employee_band` on `column`."""
    cases = " ".join(f"when {column} <= {upper} then '{label}'" for upper, label in EMPLOYEE_BANDS)
    return f"case {cases} else '{LAST_BAND}' end"


def _item_end(lines: list[str], start: int) -> int:
    """The index after the list item starting at `start` and its more indented lines."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while (
        end < len(lines)
        and lines[end].strip()
        and (len(lines[end]) - len(lines[end].lstrip()) > indent)
        and not lines[end].lstrip().startswith("- ")
    ):
        end += 1
    return end


def proposed_scoring_text(text: str, proposals: pl.DataFrame) -> str:
    """The scoring file `text` with the proposals written in, each with its evidence as a
    comment; everything else as it is."""
    lines = text.splitlines()
    for row in proposals.iter_rows(named=True):
        note = f"  # proposed: {row['evidence']}"
        found = next(
            (i for i, line in enumerate(lines)
             if re.fullmatch(rf"\s*- key:\s*{re.escape(row['target'])}\s*(#.*)?", line)),
            None,
        )  # fmt: skip
        if row["action"] == "raise_weight" and found is not None:
            indent = " " * (len(lines[found]) - len(lines[found].lstrip()) + 2)
            odds = round(row["odds_ratio"], 1)
            lines.insert(found + 1, f"{indent}# weigh more: odds ratio {odds}; {row['evidence']}")
        elif row["action"] == "drop" and found is not None:
            indent = lines[found][: len(lines[found]) - len(lines[found].lstrip())]
            lines[found : _item_end(lines, found)] = [f"{indent}# dropped: {row['target']}{note}"]
        elif row["action"] == "add":
            items = [i for i, line in enumerate(lines) if re.match(r"\s*- key:", line)]
            at = _item_end(lines, items[-1]) if items else len(lines)
            lines.insert(at, f"  - key: {row['target']}{note}")
    if (proposals["action"] == "raise_weight").any():
        lines.insert(0, WEIGHT_NOTE)
    return "\n".join(lines) + "\n"


def proposed_icp_text(text: str, proposals: pl.DataFrame) -> str:
    """The ICP file `text` without the industries and countries proposed for removal (a
    block-list item or an entry of a flow list); size bands are listed, not edited."""
    lines = text.splitlines()
    for row in proposals.iter_rows(named=True):
        field, value = row["target"].split("=", 1)
        if field not in ("industries", "countries"):
            continue
        note = f"# proposed: remove {value} ({row['evidence']})"
        for i, line in enumerate(lines):
            flow = re.match(rf"^({field}:\s*)\[(.*)\](.*)$", line)
            if flow:
                kept = [v for v in (x.strip() for x in flow[2].split(","))
                        if v.strip("'\"").lower() != value.lower()]  # fmt: skip
                lines[i] = f"{flow[1]}[{', '.join(kept)}]  {note}"
                break
        else:
            section = next(
                (i for i, line in enumerate(lines) if line.startswith(f"{field}:")), None
            )
            if section is None:
                continue
            for i in range(section + 1, len(lines)):
                if lines[i] and not lines[i].startswith((" ", "#")):
                    break
                if re.fullmatch(rf"\s*-\s*['\"]?{re.escape(value)}['\"]?\s*", lines[i], re.I):
                    lines[i] = lines[i][: lines[i].index("-")] + note
                    break
    return "\n".join(lines) + "\n"


def write_recommendations(
    folder: Path,
    proposals: pl.DataFrame,
    scoring_dir: Path,
    icp_dir: Path,
) -> list[Path]:
    """The recommendation files in `folder` (created), the current config files left as they
    are; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written, diffs = [], []
    for kind, current_dir, propose in (
        ("scoring", scoring_dir, proposed_scoring_text),
        ("icp", icp_dir, proposed_icp_text),
    ):
        for segment, rows in sorted(proposals.filter(pl.col("kind") == kind).group_by("segment")):
            current = current_dir / f"{segment[0]}.yaml"
            if not current.is_file():
                continue
            text = current.read_text(encoding="utf-8")
            proposed = propose(text, rows)
            target = folder / kind / current.name
            target.parent.mkdir(exist_ok=True)
            target.write_text(proposed, encoding="utf-8")
            written.append(target)
            diffs += difflib.unified_diff(
                text.splitlines(keepends=True), proposed.splitlines(keepends=True),
                fromfile=str(current), tofile=str(target),
            )  # fmt: skip
    (folder / "changes.diff").write_text("".join(diffs), encoding="utf-8")
    proposals.write_csv(folder / "recommendations.csv")
    (folder / "recommendations.md").write_text(_markdown(proposals), encoding="utf-8")
    return [*written, folder / "changes.diff", folder / "recommendations.csv",
            folder / "recommendations.md"]  # fmt: skip


def _markdown(proposals: pl.DataFrame) -> str:
    lines = [
        "# Recommendations (proposed, not applied)",
        "",
        "Review `changes.diff`, then edit `data/scoring/` or `data/icp/` by hand and bump "
        "`version`.",
        "",
        "| kind | segment | action | target | evidence |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['kind']} | {r['segment']} | {r['action']} | {r['target']} | {r['evidence']} |"
        for r in proposals.iter_rows(named=True)
    ]
    if proposals.is_empty():
        lines.append("| — | — | nothing | — | no credible signal, no idle ICP value |")
    return "\n".join(lines) + "\n"


def icp_reviews(icp_dir: Path, today: date) -> pl.DataFrame:
    """Per ICP file: its `reviewed_on` (read from the YAML as written; missing or unreadable
    is null), the days since, and `due` (null, or older than `ICP_REVIEW_DAYS`)."""
    rows = []
    for path in sorted([*icp_dir.glob("*.yaml"), *icp_dir.glob("*.yml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        stated = data.get("reviewed_on") if isinstance(data, dict) else None
        reviewed = _as_date(stated)
        days = (today - reviewed).days if reviewed else None
        rows.append({
            "file": path.name, "reviewed_on": reviewed, "days_since_review": days,
            "due": days is None or days > ICP_REVIEW_DAYS,
        })  # fmt: skip
    schema = {"file": pl.String, "reviewed_on": pl.Date, "days_since_review": pl.Int64,
              "due": pl.Boolean}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
