"""Each closed deal with its features as they stood when it mattered.

- **Routed before the deal** (`basis = 'routed'`): the deal's person has a non-parked row in
  `score.score_history` scored on or before the deal's create date; the latest such run
  gives segment, score, tier, matched signals, scoring and ICP versions (best-ranked segment
  of that run). The channel is known when `score.routed_leads` still holds that run's
  routing (same segment and moment), else null.
- **Predating the pipeline** (`basis = 'reconstructed'`): rebuilt as of the create date. The
  segment is the ICP segment whose firmographic criteria the account meets
  (`score.icp_fit`: no size, country, industry or disqualifier reason).
- **Never a signal dated after the deal was created**: signals (verified, dated, within
  `SIGNAL_LOOKBACK_DAYS` before the create date) and dated technologies come from
  `enrich.signals` with `signal_date <= created_on`, for both bases.
- **Snapshots**: sources, seniority and headcount come from the person's raw records pulled
  on or before the create date; a deal that predates every pull of its person takes their
  first pull (`snapshot_basis = 'first_pull_after'`, said per row), the closest the store
  holds, since firmographics change slowly. Technologies of a snapshot count only when it
  was pulled on or before the create date.
- A deal matched to no person (account only, or unmatched) has only its account's signals.
"""

from __future__ import annotations

import duckdb
import polars as pl

from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.score.vocabularies import vendor_seniority

SIGNAL_LOOKBACK_DAYS = 365
FEATURE_KINDS: tuple[str, ...] = (
    "signal", "technology", "source", "seniority", "employee_band", "segment", "channel", "tier",
)  # fmt: skip
# upper bounds of the employee bands, inclusive (LinkedIn's company-size buckets)
EMPLOYEE_BANDS: tuple[tuple[int, str], ...] = (
    (10, "1-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"), (1000, "501-1000"),
    (5000, "1001-5000"), (10000, "5001-10000"),
)  # fmt: skip
LAST_BAND = "10001+"
# icp_fit reasons that are about the account, not the person's state
FIRMOGRAPHIC_REASONS = ("size_band", "country", "industry", "disqualified_domain",
                        "disqualified_industry")  # fmt: skip
TECH_SIGNALS = ("tech_adopted",)


def employee_band(count: pl.Expr) -> pl.Expr:
    """The band a headcount falls in, null when unknown."""
    expr = pl.when(count.is_null()).then(pl.lit(None, pl.String))
    for upper, label in EMPLOYEE_BANDS:
        expr = expr.when(count <= upper).then(pl.lit(label))
    return expr.otherwise(pl.lit(LAST_BAND))


def person_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every raw record linked to a person, with its pull date and the fields used here."""
    present = {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw_history'"
        ).fetchall()
    }
    parts = [
        f"""select l.person_id, r.source, r.pulled_at::date as pulled_on, r.seniority,
                   r.employee_count, r.technologies
            from raw_history.{source} r join core.contact_links l
              on l.source = r.source and l.source_file = r.source_file
             and l.source_row = r.source_row and l.snapshot_id = r.snapshot_id"""
        for source in SOURCES
        if source in present
    ]
    if not parts:
        return pl.DataFrame(schema=RECORD_SCHEMA)
    return con.sql(" union all ".join(parts)).pl().cast(RECORD_SCHEMA)


RECORD_SCHEMA = {
    "person_id": pl.String, "source": pl.String, "pulled_on": pl.Date, "seniority": pl.String,
    "employee_count": pl.Int64, "technologies": pl.String,
}  # fmt: skip


def _as_of_records(closed: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Per deal, the person's records pulled on or before its create date, else those of
    their first pull, with `snapshot_basis`."""
    joined = closed.select("deal_key", "person_id", "created_on").join(records, on="person_id")
    before = joined.filter(pl.col("pulled_on") <= pl.col("created_on"))
    first = joined.join(before.select("deal_key").unique(), on="deal_key", how="anti").filter(
        pl.col("pulled_on") == pl.col("pulled_on").min().over("deal_key")
    )
    return pl.concat([
        before.with_columns(pl.lit("as_of_create_date").alias("snapshot_basis")),
        first.with_columns(pl.lit("first_pull_after").alias("snapshot_basis")),
    ])  # fmt: skip


def _snapshot_profile(chosen: pl.DataFrame) -> pl.DataFrame:
    latest_first = chosen.sort("deal_key", "pulled_on", "source", descending=[False, True, False])
    return latest_first.group_by("deal_key", maintain_order=True).agg(
        pl.col("snapshot_basis").first(),
        pl.col("pulled_on").max().alias("snapshot_pulled_on"),
        pl.col("source").unique().sort().alias("sources"),
        vendor_seniority(pl.col("seniority")).drop_nulls().first().alias("seniority"),
        pl.col("employee_count").drop_nulls().first().alias("employee_count"),
    )


def _dated_signals(closed: pl.DataFrame, signals: pl.DataFrame) -> pl.DataFrame:
    """(deal_key, signal_id, signal_type, technology) of every verified signal of the deal's
    account or person dated on or before its create date, within the lookback."""
    usable = signals.filter(pl.col("verified") & pl.col("signal_date").is_not_null()).select(
        "signal_id", "account_domain", "person_id", "signal_type", "signal_date",
        pl.col("value").struct["technology"].str.to_lowercase().alias("technology"),
    )  # fmt: skip
    by_account = closed.select("deal_key", "account_domain", "created_on").join(
        usable.drop("person_id"), on="account_domain"
    )
    by_person = closed.select("deal_key", "person_id", "created_on").join(
        usable.drop("account_domain"), on="person_id"
    )
    window = pl.duration(days=SIGNAL_LOOKBACK_DAYS)
    return (
        pl.concat([by_account.drop("account_domain"), by_person.drop("person_id")])
        .filter(
            (pl.col("signal_date") <= pl.col("created_on"))
            & (pl.col("signal_date") > pl.col("created_on") - window)
        )
        .select("deal_key", "signal_id", "signal_type", "technology")
        .unique()
    )


def _routed_state(
    closed: pl.DataFrame, history: pl.DataFrame, routed: pl.DataFrame
) -> pl.DataFrame:
    """Per deal whose person was scored non-parked on or before its create date: the latest
    such run's best-ranked segment row, with the channel when that routing is still held."""
    rows = (
        closed.select("deal_key", "person_id", "created_on")
        .join(history.filter(pl.col("tier") != "parked"), on="person_id")
        .filter(pl.col("scored_at").dt.date() <= pl.col("created_on"))
        .sort(
            ["deal_key", "scored_at", "score", "priority", "segment"],
            descending=[False, True, True, False, False],
        )
        .unique("deal_key", keep="first", maintain_order=True)
    )
    channel = routed.select(
        "person_id", "segment", pl.col("routed_at").alias("scored_at"), "channel"
    )
    return rows.join(channel, on=["person_id", "segment", "scored_at"], how="left").select(
        "deal_key", "segment", "score", "tier", "channel", "signal_ids", "scoring_version",
        "icp_version", pl.col("scored_at").alias("routed_at"),
    )  # fmt: skip


def _firmographic_segment(closed: pl.DataFrame, fit: pl.DataFrame) -> pl.DataFrame:
    fits = fit.filter(
        ~pl.col("reasons").list.eval(pl.element().is_in(FIRMOGRAPHIC_REASONS)).list.any()
    ).select("person_id", "segment", "icp_version")
    return (
        closed.select("deal_key", "person_id")
        .join(fits, on="person_id")
        .sort("deal_key", "segment")
        .unique("deal_key", keep="first", maintain_order=True)
        .drop("person_id")
    )


def attribute(
    deals: pl.DataFrame,
    history: pl.DataFrame,
    routed: pl.DataFrame,
    signals: pl.DataFrame,
    records: pl.DataFrame,
    fit: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`feedback.attribution`, `feedback.attribution_features`) for the closed deals of
    `deals` (`feedback.deals`)."""
    closed = deals.filter(pl.col("outcome").is_in(["won", "lost"])).select(
        "deal_key", "outcome", (pl.col("outcome") == "won").alias("won"), "amount", "currency",
        pl.coalesce("created_on", "closed_on").alias("created_on"), "closed_on", "person_id",
        "account_domain",
    )  # fmt: skip
    state = _routed_state(closed, history, routed)
    dated = _dated_signals(closed, signals)
    chosen = _as_of_records(closed, records)
    profile = _snapshot_profile(chosen)
    snapshot_tech = (
        chosen.filter(pl.col("snapshot_basis") == "as_of_create_date")
        .select("deal_key", pl.col("technologies").str.to_lowercase().str.split(","))
        .explode("technologies")
        .select("deal_key", pl.col("technologies").str.strip_chars().alias("technology"))
    )
    # on the routed basis the scored signals are the ones the deal had
    scored = state.select("deal_key", pl.col("signal_ids").alias("signal_id")).explode("signal_id")
    routed_signals = scored.join(dated, on=["deal_key", "signal_id"])
    reconstructed = dated.join(state.select("deal_key"), on="deal_key", how="anti")
    deal_signals = pl.concat([routed_signals.select(dated.columns), reconstructed])
    signal_types = deal_signals.group_by("deal_key").agg(
        pl.col("signal_type").unique().sort().alias("signal_types")
    )
    technologies = (
        pl.concat(
            [
                dated.filter(pl.col("signal_type").is_in(TECH_SIGNALS)).select(
                    "deal_key", "technology"
                ),
                snapshot_tech,
            ]
        )
        .filter(pl.col("technology").is_not_null() & (pl.col("technology") != ""))
        .group_by("deal_key")
        .agg(pl.col("technology").unique().sort().alias("technologies"))
    )
    segment = _firmographic_segment(closed, fit).rename(
        {"segment": "fit_segment", "icp_version": "fit_icp_version"}
    )
    table = (
        closed.join(state, on="deal_key", how="left")
        .join(segment, on="deal_key", how="left")
        .join(profile, on="deal_key", how="left")
        .join(signal_types, on="deal_key", how="left")
        .join(technologies, on="deal_key", how="left")
        .with_columns(
            pl.when(pl.col("routed_at").is_not_null())
            .then(pl.lit("routed"))
            .otherwise(pl.lit("reconstructed"))
            .alias("basis"),
            pl.coalesce("segment", "fit_segment").alias("segment"),
            pl.coalesce("icp_version", "fit_icp_version").alias("icp_version"),
            employee_band(pl.col("employee_count")).alias("employee_band"),
            pl.col("sources").fill_null([]),
            pl.col("signal_types").fill_null([]),
            pl.col("technologies").fill_null([]),
        )
        .select(ATTRIBUTION_COLUMNS)
        .sort("deal_key")
    )
    return table, long_features(table)


ATTRIBUTION_COLUMNS = [
    "deal_key", "outcome", "won", "amount", "currency", "created_on", "closed_on", "person_id",
    "account_domain", "basis", "routed_at", "segment", "score", "tier", "channel",
    "scoring_version", "icp_version", "sources", "signal_types", "technologies", "seniority",
    "employee_count", "employee_band", "snapshot_basis", "snapshot_pulled_on",
]  # fmt: skip


def long_features(table: pl.DataFrame) -> pl.DataFrame:
    """One row per (deal, feature kind, lower-case value): what `lift.feature_lift` takes."""
    lists = {"signal": "signal_types", "technology": "technologies", "source": "sources"}
    scalars = {"seniority": "seniority", "employee_band": "employee_band", "segment": "segment",
               "channel": "channel", "tier": "tier"}  # fmt: skip
    parts = [
        table.select("deal_key", pl.col(column).alias("feature_value"))
        .explode("feature_value")
        .with_columns(pl.lit(kind).alias("feature_kind"))
        for kind, column in lists.items()
    ] + [
        table.select("deal_key", pl.lit(kind).alias("feature_kind"),
                     pl.col(column).cast(pl.String).alias("feature_value"))
        for kind, column in scalars.items()
    ]  # fmt: skip
    return (
        pl.concat([p.select("deal_key", "feature_kind", "feature_value") for p in parts])
        .drop_nulls("feature_value")
        .with_columns(pl.col("feature_value").str.to_lowercase())
        .unique()
        .sort("deal_key", "feature_kind", "feature_value")
    )
