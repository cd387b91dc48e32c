"""The closed-won feedback layer: deals from the CRM, matched to the people and accounts the
pipeline knows."""

from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import (
    built_together,
    check,
    contract_result,
    contract_spec,
    no_rows,
    side_table,
    side_table_metadata,
    table_metadata,
)
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS, SOURCE_PROVENANCE
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.layers.core.assets import ACCOUNTS, CONTACT_LINKS, CONTACTS
from leadgen_pipeline.layers.enrich.assets import RESEARCH_LEDGER, SIGNALS
from leadgen_pipeline.layers.feedback import recommend
from leadgen_pipeline.layers.feedback.attribution import attribute, person_records
from leadgen_pipeline.layers.feedback.contracts import (
    Attribution,
    AttributionFeatures,
    DealRejects,
    Deals,
    FeatureLift,
    Recommendations,
    SourceCosts,
    WinRates,
)
from leadgen_pipeline.layers.feedback.crm import CrmRead, match_deals, read_crm_inbox
from leadgen_pipeline.layers.feedback.lift import feature_lift
from leadgen_pipeline.layers.feedback.outcomes import SOURCE_COSTS_SQL, WIN_RATES_SQL
from leadgen_pipeline.layers.feedback.report import (
    CHARTS,
    ReportFiles,
    build_report,
    report_dir,
    unreadable_files,
)
from leadgen_pipeline.layers.raw.assets import RAW_SOURCES
from leadgen_pipeline.layers.score.assets import ICP_FIT, ROUTED_LEADS, SCORE_HISTORY
from leadgen_pipeline.layers.score.scoring import load_scoring, scoring_dir
from leadgen_pipeline.layers.verify.assets import LEDGER
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "feedback"
DEALS = dg.AssetKey([GROUP, "deals"])
DEAL_REJECTS = side_table("feedback.deal_rejects", DealRejects)
ATTRIBUTION = dg.AssetKey([GROUP, "attribution"])
ATTRIBUTION_FEATURES = dg.AssetKey([GROUP, "attribution_features"])
FEATURE_LIFT = dg.AssetKey([GROUP, "feature_lift"])
WIN_RATES = dg.AssetKey([GROUP, "win_rates"])
SOURCE_COSTS = dg.AssetKey([GROUP, "source_costs"])
RECOMMENDATIONS = dg.AssetKey([GROUP, "recommendations"])
REPORT = dg.AssetKey([GROUP, "report"])
# marts comes after feedback in the layers' import order: its key is spelled, not imported
MARTS_FUNNEL = dg.AssetKey(["marts", "funnel"])
OWNERS = ["team:revops"]


@dg.asset(
    key=DEALS,
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    owners=OWNERS,
    deps=[CONTACT_LINKS, ACCOUNTS],
    description=(
        "Every deal of the CRM exports in the inbox's `crm/` (HubSpot deal exports, Salesforce "
        "opportunity reports or API exports), recognised by header with aliases (localised "
        "labels, columns added to a view). Stages map to won / lost / open (`IsWon` wins where "
        "present). Each deal is matched to a person by its contact's email key and to an "
        "account by its company domain; unmatched deals are kept and counted. Rows that name "
        "no deal are in `feedback.deal_rejects` with the reason. A CRM file that cannot be "
        "understood stops the build, naming it."
    ),
    check_specs=[
        contract_spec(DEALS, Deals),
        check(
            DEALS,
            "rows_conserved",
            "every data row of every CRM export is a deal, a repeat of a later export's deal, "
            "or a reject with its reason",
        ),
    ],
)
def deals(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        read = read_crm_inbox(con, inputs.inbox_path)
        if read.problems:
            raise dg.Failure(
                description="the deals cannot be read, so no closed-won analysis may run:\n"
                + "\n".join(f"- {p}" for p in read.problems)
            )
        matched = match_deals(
            read.deals,
            store.read_table(con, "core.contact_links"),
            store.read_table(con, "core.accounts"),
        )
        store.write_tables(con, {"feedback.deals": matched, DEAL_REJECTS: read.rejects})
        counts = dict(matched.group_by("match").len().iter_rows())
        outcomes = matched.group_by("outcome").len().sort("outcome").iter_rows()
        metadata = table_metadata(
            con,
            "feedback.deals",
            matched_to_person=counts.get("person", 0),
            matched_to_account_only=counts.get("account", 0),
            unmatched=counts.get("unmatched", 0),
            rejected_rows=read.rejects.height,
            repeated_rows=read.repeated,
            by_outcome=dg.MetadataValue.md("\n".join(f"- {o}: {n}" for o, n in outcomes)),
            **side_table_metadata(con, DEAL_REJECTS),
        )
        checks = [contract_result(con, DEALS, Deals), rows_conserved(con, read)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def rows_conserved(con: duckdb.DuckDBPyConnection, read: CrmRead) -> dg.AssetCheckResult:
    ((kept,),) = con.execute("select count(*) from feedback.deals").fetchall()
    ((rejected,),) = con.execute("select count(*) from feedback.deal_rejects").fetchall()
    accounted = kept + read.repeated + rejected
    return dg.AssetCheckResult(
        asset_key=DEALS,
        check_name="rows_conserved",
        passed=accounted == read.rows_read,
        metadata={"rows_read": read.rows_read, "rows_accounted_for": accounted},
    )


_ATTRIBUTION_DEPS = [
    DEALS,
    SCORE_HISTORY,
    ROUTED_LEADS,
    SIGNALS,
    ICP_FIT,
    CONTACT_LINKS,
    *RAW_SOURCES,
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ATTRIBUTION,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=OWNERS,
            deps=_ATTRIBUTION_DEPS,
            description=(
                "One row per closed deal with its features as they stood when it mattered: for "
                "a lead routed before the deal, from `score.score_history` at that run "
                "(segment, score, tier, signals, channel, scoring and ICP versions); for a deal "
                "that predates the pipeline, reconstructed from dated signals and raw "
                "snapshots as of its create date. No signal dated after the deal was created "
                "counts."
            ),
        ),
        dg.AssetSpec(
            ATTRIBUTION_FEATURES,
            group_name=GROUP,
            kinds={"duckdb", "polars"},
            owners=OWNERS,
            deps=_ATTRIBUTION_DEPS,
            description=(
                "`feedback.attribution` in long form: one row per deal, feature kind (signal, "
                "technology, source, seniority, employee_band, segment, channel, tier) and "
                "lower-case value, as the lift analysis takes it."
            ),
        ),
    ],
    check_specs=[
        contract_spec(ATTRIBUTION, Attribution),
        contract_spec(ATTRIBUTION_FEATURES, AttributionFeatures),
        check(
            ATTRIBUTION,
            "no_signal_after_creation",
            "every signal type attributed to a deal is backed by a verified signal of its "
            "account or person dated on or before the deal's create date",
        ),
        check(ATTRIBUTION, "every_closed_deal_attributed", "one row per won or lost deal"),
    ],
    can_subset=True,
)
@built_together
def attribution_assets(duckdb: DuckDBStore):
    with duckdb.get_connection() as con:
        table, features = attribute(
            *(
                store.read_table(con, name)
                for name in ("feedback.deals", "score.score_history", "score.routed_leads",
                             "enrich.signals")
            ),
            person_records(con),
            store.read_table(con, "score.icp_fit"),
        )  # fmt: skip
        store.write_tables(
            con, {"feedback.attribution": table, "feedback.attribution_features": features}
        )
        by_basis = table.group_by("basis", "outcome").len().sort("basis", "outcome").rows()
        basis_lines = "\n".join(f"- {b} / {o}: {n}" for b, o, n in by_basis)
        yield dg.MaterializeResult(
            asset_key=ATTRIBUTION,
            metadata=table_metadata(
                con, "feedback.attribution",
                by_basis=dg.MetadataValue.md(basis_lines),
            ),
        )  # fmt: skip
        yield dg.MaterializeResult(
            asset_key=ATTRIBUTION_FEATURES,
            metadata=table_metadata(con, "feedback.attribution_features"),
        )
        yield contract_result(con, ATTRIBUTION, Attribution)
        yield contract_result(con, ATTRIBUTION_FEATURES, AttributionFeatures)
        yield no_signal_after_creation(con)
        yield every_closed_deal_attributed(con)


def no_signal_after_creation(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Against the stored tables, independently of how the attribution chose its signals."""
    ((unbacked, attributed),) = con.execute(
        """with listed as (
             select deal_key, unnest(signal_types) as signal_type, created_on, account_domain,
                    person_id from feedback.attribution)
           select count(*) filter (where not exists (
                    select 1 from enrich.signals s
                    where s.signal_type = l.signal_type and s.verified
                      and s.signal_date <= l.created_on
                      and (s.account_domain = l.account_domain or s.person_id = l.person_id))),
                  count(*)
           from listed l"""
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=ATTRIBUTION,
        check_name="no_signal_after_creation",
        passed=unbacked == 0,
        metadata={"attributed_signals": attributed, "not_backed_by_then": unbacked},
    )


def every_closed_deal_attributed(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    ((closed, attributed, strays),) = con.execute(
        """select (select count(*) from feedback.deals where outcome in ('won', 'lost')),
                  (select count(*) from feedback.attribution),
                  (select count(*) from feedback.attribution a anti join feedback.deals d
                   on d.deal_key = a.deal_key and d.outcome = a.outcome)"""
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=ATTRIBUTION,
        check_name="every_closed_deal_attributed",
        passed=closed == attributed and strays == 0,
        metadata={"closed_deals": closed, "attributed": attributed, "strays": strays},
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            FEATURE_LIFT,
            group_name=GROUP,
            kinds={"duckdb", "polars", "numpy"},
            owners=OWNERS,
            deps=[ATTRIBUTION, ATTRIBUTION_FEATURES],
            description=(
                "Per feature of the closed deals (signal, technology, source, seniority, "
                "employee band, segment, channel, tier): deals with and without it, win rates, "
                "the odds ratio of winning with a 95% interval from one ridge-penalised "
                "logistic regression over every feature (features travel together, so each "
                "is estimated with the others held fixed), and `credible`: Holm's test over "
                "all features, family-wise error 5%."
            ),
        ),
        dg.AssetSpec(
            WIN_RATES,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=OWNERS,
            deps=[ATTRIBUTION],
            description="Win rate and revenue won of the closed deals by segment, source, tier "
            "and channel.",
        ),
        dg.AssetSpec(
            SOURCE_COSTS,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=OWNERS,
            deps=[
                ATTRIBUTION,
                CONTACTS,
                ROUTED_LEADS,
                LEDGER,
                RESEARCH_LEDGER,
                SOURCE_PROVENANCE,
                *RAW_SOURCES,
            ],
            description=(
                "Per source: its cost (records at `cost_per_record_usd` of `data/sources.yaml`, "
                "plus its share of the verification and research ledgers), qualified leads, "
                "won deals, cost per qualified lead and per closed-won deal."
            ),
        ),
    ],
    check_specs=[
        contract_spec(FEATURE_LIFT, FeatureLift),
        contract_spec(WIN_RATES, WinRates),
        contract_spec(SOURCE_COSTS, SourceCosts),
        check(
            FEATURE_LIFT,
            "every_closed_deal_counted",
            "for every feature, deals with and without it add up to the closed deals",
        ),
    ],
    can_subset=True,
)
@built_together
def lift_assets(duckdb: DuckDBStore):
    with duckdb.get_connection() as con:
        attributed = store.read_table(con, "feedback.attribution")
        lift = feature_lift(
            attributed.select("deal_key", "won"),
            store.read_table(con, "feedback.attribution_features"),
        )
        store.write_tables(
            con,
            {
                "feedback.feature_lift": lift,
                "feedback.win_rates": con.sql(WIN_RATES_SQL).pl(),
                "feedback.source_costs": con.sql(SOURCE_COSTS_SQL).pl(),
            },
        )
        credible = lift.filter("credible").select("feature_kind", "feature_value").rows()
        yield dg.MaterializeResult(
            asset_key=FEATURE_LIFT,
            metadata=table_metadata(
                con, "feedback.feature_lift", closed_deals=attributed.height,
                credible=", ".join(f"{k}={v}" for k, v in credible) or "none",
            ),
        )  # fmt: skip
        yield dg.MaterializeResult(
            asset_key=WIN_RATES, metadata=table_metadata(con, "feedback.win_rates")
        )
        yield dg.MaterializeResult(
            asset_key=SOURCE_COSTS, metadata=table_metadata(con, "feedback.source_costs")
        )
        yield contract_result(con, FEATURE_LIFT, FeatureLift)
        yield contract_result(con, WIN_RATES, WinRates)
        yield contract_result(con, SOURCE_COSTS, SourceCosts)
        yield no_rows(
            con,
            FEATURE_LIFT,
            "every_closed_deal_counted",
            "select count(*) from feedback.feature_lift "
            "where deals_with + deals_without <> (select count(*) from feedback.attribution)",
            counted_as="features_miscounted",
            closed_deals=attributed.height,
        )


@dg.asset(
    key=RECOMMENDATIONS,
    group_name=GROUP,
    kinds={"duckdb", "yaml"},
    owners=OWNERS,
    deps=[FEATURE_LIFT, ATTRIBUTION, SCORE_HISTORY, ICP_FIT, ICP_SEGMENTS],
    description=(
        "Proposed changes, never applied: scoring signals to add, drop or re-weight (each "
        "citing its credible `feedback.feature_lift` row) and ICP industries, size bands and "
        "countries with qualified leads but no won deal over the last year, with counts. "
        "Written to `<LEADGEN_RECOMMENDATIONS_DIR>/<date>/` (default `data/recommendations`) "
        "as proposed files beside a unified diff against `data/scoring/` and `data/icp/`."
    ),
    check_specs=[
        contract_spec(RECOMMENDATIONS, Recommendations),
        check(
            RECOMMENDATIONS,
            "evidence_is_credible",
            "every scoring proposal cites a credible row of `feedback.feature_lift`",
        ),
        dg.AssetCheckSpec(
            "icp_review_due",
            asset=RECOMMENDATIONS,
            description=f"WARN when an ICP file's `reviewed_on` is missing or older than "
            f"{recommend.ICP_REVIEW_DAYS} days",
        ),
    ],
)
def recommendations(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    segments = load_icp_segments(inputs.icp_path)
    configs = load_scoring(scoring_dir(inputs.icp_path), segments)
    today = inputs.now().date()
    with duckdb.get_connection() as con:
        lift = store.read_table(con, "feedback.feature_lift")
        outcomes = con.sql(
            recommend.icp_outcomes_sql(),
            params={"today": today, "window": recommend.WINDOW_DAYS},
        ).pl()
        proposals = pl.concat([
            recommend.scoring_proposals(lift, segments, configs),
            recommend.icp_proposals(outcomes, segments),
        ])  # fmt: skip
        store.write_table(con, "feedback.recommendations", proposals)
        folder = recommend.recommendations_dir(duckdb.files_dir) / today.isoformat()
        files = recommend.write_recommendations(
            folder, proposals, scoring_dir(inputs.icp_path), inputs.icp_path
        )
        metadata = table_metadata(
            con, "feedback.recommendations",
            folder=dg.MetadataValue.path(str(folder)),
            files=dg.MetadataValue.md("\n".join(f"- `{f.name}`" for f in files)),
        )  # fmt: skip
        checks = [
            contract_result(con, RECOMMENDATIONS, Recommendations),
            evidence_is_credible(con),
            icp_review_due(recommend.icp_reviews(inputs.icp_path, today)),
        ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def evidence_is_credible(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    return no_rows(
        con,
        RECOMMENDATIONS,
        "evidence_is_credible",
        """select count(*) from feedback.recommendations r
           where r.kind = 'scoring' and not exists (
             select 1 from feedback.feature_lift l
             where l.credible and l.odds_ratio = r.odds_ratio and l.ci_low = r.ci_low)""",
        counted_as="proposals_without_credible_evidence",
    )


def icp_review_due(reviews: pl.DataFrame) -> dg.AssetCheckResult:
    due = reviews.filter("due")
    lines = [
        f"- {r['file']}: "
        + (f"reviewed {r['reviewed_on']} ({r['days_since_review']} days ago)"
           if r["reviewed_on"] else "no `reviewed_on`")
        for r in due.iter_rows(named=True)
    ]  # fmt: skip
    return dg.AssetCheckResult(
        asset_key=RECOMMENDATIONS,
        check_name="icp_review_due",
        passed=due.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "files_due": due.height,
            "review_after_days": recommend.ICP_REVIEW_DAYS,
            "due": dg.MetadataValue.md("\n".join(lines) or "none"),
        },
    )


@dg.asset(
    key=REPORT,
    group_name=GROUP,
    kinds={"duckdb", "html"},
    owners=OWNERS,
    deps=[MARTS_FUNNEL, WIN_RATES, FEATURE_LIFT, SOURCE_COSTS],
    description=(
        "The closed-won report: the funnel, win rate by segment and by source, and the "
        "feature lift with its 95% intervals (credible features marked), drawn with "
        "Vega-Altair as one self-contained HTML page (the Vega JavaScript inlined: it opens "
        "offline) and one PNG per chart, under `<LEADGEN_REPORTS_DIR>/<date>/` (default "
        "`data/reports`). Aggregates only; the key tables are in the metadata."
    ),
    check_specs=[
        check(
            REPORT,
            "report_files_readable",
            "the HTML page holds every chart and each chart's PNG is a PNG image",
        )
    ],
)
def report(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        files = build_report(con, report_dir(duckdb.files_dir), inputs.now())
    metadata = {
        "folder": dg.MetadataValue.path(str(files.folder)),
        "html": dg.MetadataValue.path(str(files.html)),
        **{f"png_{name}": dg.MetadataValue.path(str(p)) for name, p in files.pngs.items()},
        **{f"table_{name}": dg.MetadataValue.md(md) for name, md in files.tables.items()},
        "marks_per_chart": dg.MetadataValue.json(files.marks),
    }
    return dg.MaterializeResult(metadata=metadata, check_results=[report_files_readable(files)])


def report_files_readable(files: ReportFiles) -> dg.AssetCheckResult:
    problems = unreadable_files(files)
    return dg.AssetCheckResult(
        asset_key=REPORT,
        check_name="report_files_readable",
        passed=not problems,
        metadata={
            "charts": len(CHARTS),
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


defs = dg.Definitions(assets=[deals, attribution_assets, lift_assets, recommendations, report])
