"""Binary buying-signal flags, a score and a tier for every fitting person and segment.

The segment's scoring config (`data/scoring/<segment>.yaml`, versioned) names which of the
ICP's buying signals count and their windows. A flag is 1 when a **verified** signal of the
person's account (`enrich.signals`), of a type that serves the buying signal's kind
(`enrich.leads.SERVES`) and naming one of its `match` terms, is dated within the window
up to "now". `score` is the number of flags; `tier` is `high` (score >= `tiers.high`, 3 by
default), `medium` (>= `tiers.medium`, 1) or `parked` (0). Intent surges never count: the
intent signal's strongest matching surge is `intent_tiebreak`, which only orders leads of
equal score (`priority`). A segment with no scoring file counts every non-intent signal.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
from pydantic import Field, ValidationError, model_validator

from leadgen_pipeline.kernel.config_errors import (
    ConfigError,
    ConfigModel,
    ConfigProblem,
    Slug,
    problems_from_validation_error,
    read_yaml_mapping,
)
from leadgen_pipeline.layers.config.icp import IcpSegment
from leadgen_pipeline.layers.enrich.leads import SERVES
from leadgen_pipeline.layers.score.vocabularies import fold_term

TIERS: tuple[str, ...] = ("high", "medium", "parked")
# signal types whose facts a person shows on their LinkedIn profile
LINKEDIN_VISIBLE_TYPES: tuple[str, ...] = ("job_change", "role_change", "exec_hire")


class ScoringError(ConfigError):
    """A scoring file is unusable; one `file: field: problem` per line."""


class CountedSignal(ConfigModel):
    key: Slug
    window_days: int | None = Field(default=None, gt=0)


class Tiers(ConfigModel):
    high: int = Field(default=3, ge=1)
    medium: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        if self.medium > self.high:
            raise ValueError(f"medium ({self.medium}) is above high ({self.high})")
        return self


class Routing(ConfigModel):
    calls: bool = False
    email_signal_max_age_days: int = Field(default=180, gt=0)
    multichannel_min_employees: int | None = Field(default=None, ge=1)


class ScoringConfig(ConfigModel):
    """One segment's scoring config, as its file states it (`version` 0: the default)."""

    segment: Slug
    version: int = Field(ge=0)
    signals: list[CountedSignal]
    intent_signal: Slug | None = None
    tiers: Tiers = Field(default_factory=Tiers)
    routing: Routing = Field(default_factory=Routing)
    sha256: str | None = None


def default_config(segment: IcpSegment) -> ScoringConfig:
    """Every non-intent buying signal counts; the first intent signal breaks ties."""
    intents = [s.key for s in segment.buying_signals if s.kind == "intent"]
    return ScoringConfig(
        segment=segment.segment,
        version=0,
        signals=[CountedSignal(key=s.key) for s in segment.buying_signals if s.kind != "intent"],
        intent_signal=intents[0] if intents else None,
    )


def load_scoring(folder: Path, segments: list[IcpSegment]) -> dict[str, ScoringConfig]:
    """Segment -> its scoring config: `folder/<segment>.yaml`, else the default (a file for
    a segment not in `segments` waits for it). Raises `ScoringError` naming every bad file: an
    unknown key, a signal key the ICP lacks, an intent signal counted, a wrong segment."""
    by_name = {s.segment: s for s in segments}
    configs = {name: default_config(segment) for name, segment in by_name.items()}
    problems: list[ConfigProblem] = []
    for name, segment in sorted(by_name.items()):
        path = folder / f"{name}.yaml"
        if not path.is_file():
            continue
        label = str(path)
        data, raw = read_yaml_mapping(path, label, ScoringError)
        try:
            config = ScoringConfig.model_validate(data)
        except ValidationError as exc:
            problems.extend(problems_from_validation_error(label, exc, ScoringConfig))
            continue
        if config.segment != name:
            problems.append(ConfigProblem(label, "segment", f"{config.segment!r} is not {name!r}"))
            continue
        kinds = {s.key: s.kind for s in segment.buying_signals}
        for i, counted in enumerate(config.signals):
            if counted.key not in kinds:
                problems.append(ConfigProblem(
                    label, f"signals[{i}].key", f"{counted.key!r} is not a buying signal of the ICP"
                ))  # fmt: skip
            elif kinds[counted.key] == "intent":
                problems.append(ConfigProblem(
                    label, f"signals[{i}].key", f"{counted.key!r} is intent: it breaks ties only"
                ))  # fmt: skip
        if config.intent_signal is not None and kinds.get(config.intent_signal) != "intent":
            problems.append(ConfigProblem(
                label, "intent_signal", f"{config.intent_signal!r} is no intent signal of the ICP"
            ))  # fmt: skip
        configs[config.segment] = config.model_copy(
            update={"sha256": hashlib.sha256(raw).hexdigest()}
        )
    if problems:
        raise ScoringError(problems)
    return configs


def signal_rules(segments: list[IcpSegment], configs: dict[str, ScoringConfig]) -> pl.DataFrame:
    """One row per (segment, counted or intent signal): kind, window, terms, `counted`."""
    rows = []
    for segment in segments:
        config = configs[segment.segment]
        icp = {s.key: s for s in segment.buying_signals}
        wanted = [(c.key, c.window_days, True) for c in config.signals]
        if config.intent_signal:
            wanted.append((config.intent_signal, None, False))
        for key, window, counted in wanted:
            signal = icp[key]
            rows.append({
                "segment": segment.segment, "signal_key": key, "kind": signal.kind,
                "window_days": window or signal.lookback_days, "counted": counted,
                "terms": [_term_pattern(t) for t in signal.match],
            })  # fmt: skip
    schema = {
        "segment": pl.String, "signal_key": pl.String, "kind": pl.String,
        "window_days": pl.Int64, "counted": pl.Boolean, "terms": pl.List(pl.String),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _term_pattern(term: str) -> str:
    """A match term as a whole-word regex over folded text."""
    folded = pl.select(fold_term(pl.lit(term))).item() or term
    return rf"(?:^| ){re.escape(folded)}(?:$| )"


def _serves() -> pl.DataFrame:
    rows = [(t, k) for t, kinds in SERVES.items() for k in kinds] + [("intent_surge", "intent")]
    return pl.DataFrame(rows, schema={"signal_type": pl.String, "kind": pl.String}, orient="row")


def signal_text(value: pl.Expr, claim: pl.Expr) -> pl.Expr:
    """What a signal names, folded, for its match terms: round, role, technology, event,
    topic and the claim."""
    parts = [value.struct[f] for f in ("round", "role", "technology", "event", "topic")]
    return fold_term(pl.concat_str([*parts, claim], separator=" ", ignore_nulls=True))


def matched_signals(
    fit: pl.DataFrame, signals: pl.DataFrame, rules: pl.DataFrame, today: date
) -> pl.DataFrame:
    """(person_id, segment, signal_key, signal_id, signal_type, signal_date, intent score) for
    every verified signal of a fitting person's account that meets a rule of their segment."""
    usable = signals.filter(pl.col("verified") & pl.col("signal_date").is_not_null()).select(
        "signal_id", "account_domain", "signal_type", "signal_date",
        pl.col("value").struct["score"].alias("intent_score"),
        signal_text(pl.col("value"), pl.col("claim")).alias("text"),
    )  # fmt: skip
    usable = usable.join(_serves(), on="signal_type")
    leads = fit.filter(pl.col("fit")).select("person_id", "segment", "company_domain")
    candidates = (
        leads.join(rules, on="segment")
        .join(usable, left_on=["company_domain", "kind"], right_on=["account_domain", "kind"])
        .filter(
            (pl.col("signal_date") <= pl.lit(today))
            & (pl.col("signal_date") > pl.lit(today) - pl.duration(days=pl.col("window_days")))
        )
    )
    named = (
        candidates.explode("terms")
        .filter(pl.col("terms").is_null() | pl.col("text").str.contains(pl.col("terms")))
        .select("person_id", "segment", "signal_key", "signal_id")
        .unique()
    )
    return candidates.join(
        named, on=["person_id", "segment", "signal_key", "signal_id"], how="semi"
    ).select(
        "person_id", "segment", "signal_key", "counted", "signal_id", "signal_type",
        "signal_date", "intent_score",
    ).unique().sort("person_id", "segment", "signal_key", "signal_date", "signal_id")  # fmt: skip


def lead_scores(
    fit: pl.DataFrame,
    signals: pl.DataFrame,
    segments: list[IcpSegment],
    configs: dict[str, ScoringConfig],
    now: datetime,
) -> pl.DataFrame:
    """`score.lead_scores`: for each fitting person and segment, the binary flags, score,
    tier, intent tie-break, priority and the versions scored under."""
    today = now.date()
    rules = signal_rules(segments, configs)
    matched = matched_signals(fit, signals, rules, today)
    leads = fit.filter(pl.col("fit")).select("person_id", "segment", "icp_version")
    counted = rules.filter("counted").select("segment", "signal_key")
    per_flag = (
        leads.join(counted, on="segment")
        .join(
            matched.filter("counted")
            .group_by("person_id", "segment", "signal_key")
            .agg(pl.col("signal_id").unique().sort().alias("signal_ids")),
            on=["person_id", "segment", "signal_key"],
            how="left",
        )
        .with_columns(
            pl.col("signal_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns((pl.col("signal_ids").list.len() > 0).alias("hit"))
        .sort("person_id", "segment", "signal_key")
    )
    flags = per_flag.group_by("person_id", "segment").agg(
        pl.struct(pl.col("signal_key").alias("key"), "hit", "signal_ids").alias("signal_flags"),
        pl.col("hit").cast(pl.Int64).sum().alias("score"),
        pl.col("signal_key").filter("hit").alias("matched_signals"),
        pl.col("signal_ids").explode().drop_nulls().unique().sort().alias("signal_ids"),
    )
    intent = (
        matched.filter(~pl.col("counted"))
        .group_by("person_id", "segment")
        .agg(pl.col("intent_score").max().alias("intent_tiebreak"))
    )
    versions = pl.DataFrame(
        {
            "segment": list(configs),
            "scoring_version": [c.version for c in configs.values()],
            "scoring_sha256": [c.sha256 for c in configs.values()],
            "tier_high": [c.tiers.high for c in configs.values()],
            "tier_medium": [c.tiers.medium for c in configs.values()],
        },
        schema_overrides={"scoring_sha256": pl.String},
    )
    scored = (
        leads.join(flags, on=["person_id", "segment"], how="left")
        .join(intent, on=["person_id", "segment"], how="left")
        .join(versions, on="segment")
        .with_columns(pl.col("score").fill_null(0))
        .with_columns(
            pl.when(pl.col("score") >= pl.col("tier_high"))
            .then(pl.lit("high"))
            .when(pl.col("score") >= pl.col("tier_medium"))
            .then(pl.lit("medium"))
            .otherwise(pl.lit("parked"))
            .alias("tier")
        )
        .sort(
            ["segment", "score", "intent_tiebreak", "person_id"],
            descending=[False, True, True, False],
            nulls_last=True,
        )
        .with_columns(pl.int_range(1, pl.len() + 1).over("segment").alias("priority"))
    )
    return scored.select(
        "person_id", "segment", "tier", "score", "signal_flags", "matched_signals",
        pl.col("signal_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        "intent_tiebreak", "priority", "scoring_version", "scoring_sha256", "icp_version",
        pl.lit(now).dt.cast_time_unit("us").alias("scored_at"),
    ).sort("person_id", "segment")  # fmt: skip


def scoring_dir(icp_dir: Path) -> Path:
    """`LEADGEN_SCORING_DIR`, else `scoring/` beside the ICP folder (`data/scoring`)."""
    stated = os.environ.get("LEADGEN_SCORING_DIR")
    return Path(stated) if stated else icp_dir.parent / "scoring"
