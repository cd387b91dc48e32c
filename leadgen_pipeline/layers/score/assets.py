"""The score layer: ICP fit with reasons, buying-signal tiers, channel routing, handoffs."""


import dagster as dg
import duckdb
import polars as pl

from leadgen_pipeline.kernel import store
from leadgen_pipeline.kernel.keys import email_match_key_sql
from leadgen_pipeline.kernel.vocab import SENDABLE_STATUSES
from leadgen_pipeline.layers.checks import (
    built_together,
    check,
    contract_result,
    contract_spec,
    no_rows,
    table_metadata,
)
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS, SOURCE_PROVENANCE
from leadgen_pipeline.layers.config.icp import load_icp_segments
from leadgen_pipeline.layers.core.assets import ACCOUNTS, CONTACTS
from leadgen_pipeline.layers.core.links import read_contacts
from leadgen_pipeline.layers.enrich.assets import LEADS, SIGNALS
from leadgen_pipeline.layers.score.contracts import (
    HandoffExports,
    IcpFit,
    LeadScores,
    RoutedLeads,
    ScoreHistory,
)
from leadgen_pipeline.layers.score.exports import (
    FORMULA_STARTS,
    engagement_history,
    export_dir,
    handoff_frame,
    write_exports,
)
from leadgen_pipeline.layers.score.fit import REASONS, icp_fit
from leadgen_pipeline.layers.score.routing import ROUTE_READS, route
from leadgen_pipeline.layers.score.scoring import lead_scores, load_scoring, scoring_dir
from leadgen_pipeline.layers.verify.assets import EMAIL_CHECKS, SENDABLE
from leadgen_pipeline.resources import DuckDBStore, LeadgenInputs

GROUP = "score"
ICP_FIT = dg.AssetKey([GROUP, "icp_fit"])
LEAD_SCORES = dg.AssetKey([GROUP, "lead_scores"])
SCORE_HISTORY = dg.AssetKey([GROUP, "score_history"])
ROUTED_LEADS = dg.AssetKey([GROUP, "routed_leads"])
HANDOFF_EXPORTS = dg.AssetKey([GROUP, "handoff_exports"])
OWNERS = ["team:revops"]


def _markdown_counts(rows: list[tuple]) -> dg.MetadataValue:
    return dg.MetadataValue.md(
        "\n".join(f"- {' / '.join(map(str, r[:-1]))}: {r[-1]}" for r in rows)
    )


@dg.asset(
    key=ICP_FIT,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=OWNERS,
    deps=[CONTACTS, ACCOUNTS, ICP_SEGMENTS, SENDABLE],
    description=(
        "Every person against every ICP segment: `fit`, and a machine-readable reason for each "
        "failed criterion (size band, country, industry, title, seniority, disqualifier "
        "domain/industry/title, suppressed, stale, no verified address). Vendor industries "
        "and seniorities are mapped to the ICP's terms by documented tables; seniority is "
        "inferred from the title where no vendor states it."
    ),
    check_specs=[
        contract_spec(ICP_FIT, IcpFit),
        check(
            ICP_FIT,
            "every_person_against_every_segment",
            "one row per person and segment: nobody is left out of qualification",
        ),
        check(
            ICP_FIT,
            "nothing_unsafe_fits",
            "no suppressed or stale person, nor one without a sendable verdict, fits",
        ),
    ],
)
def icp_fit_asset(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        fit = icp_fit(
            read_contacts(con),
            store.read_table(con, "core.accounts"),
            store.read_table(con, "config.icp_segments"),
            store.read_table(con, "verify.sendable_contacts"),
        )
        store.write_table(con, "score.icp_fit", fit)
        by_segment = con.execute(
            "select segment, count(*) filter (where fit) from score.icp_fit group by all order by 1"
        ).fetchall()
        by_reason = con.execute(
            "select segment, reason, count(*) from score.icp_fit, unnest(reasons) as r(reason) "
            "group by all order by 1, 2"
        ).fetchall()
        metadata = table_metadata(
            con,
            "score.icp_fit",
            fit_by_segment=_markdown_counts(by_segment),
            failed_by_reason=_markdown_counts(by_reason),
        )
        checks = [
            contract_result(con, ICP_FIT, IcpFit),
            every_person_against_every_segment(con),
            nothing_unsafe_fits(con),
        ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def every_person_against_every_segment(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    ((expected, found),) = con.execute(
        "select (select count(*) from core.contacts) * (select count(*) from config.icp_segments), "
        "(select count(*) from (select distinct person_id, segment from score.icp_fit "
        " where person_id in (select person_id from core.contacts) "
        " and segment in (select segment from config.icp_segments)))"
    ).fetchall()
    total = con.execute("select count(*) from score.icp_fit").fetchall()[0][0]
    return dg.AssetCheckResult(
        asset_key=ICP_FIT,
        check_name="every_person_against_every_segment",
        passed=expected == found == total,
        metadata={"expected_pairs": expected, "pairs_found": found, "rows": total},
    )


def nothing_unsafe_fits(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Against the stored tables, independently of how `icp_fit` decided."""
    return no_rows(
        con,
        ICP_FIT,
        "nothing_unsafe_fits",
        """select count(*) from score.icp_fit f join core.contacts c using (person_id)
           where f.fit and (c.suppressed or c.stale or f.person_id not in
                            (select person_id from verify.sendable_contacts))""",
        counted_as="unsafe_fits",
        reasons=", ".join(REASONS),
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            LEAD_SCORES,
            group_name=GROUP,
            kinds={"duckdb", "polars", "yaml"},
            owners=OWNERS,
            deps=[ICP_FIT, SIGNALS, ICP_SEGMENTS],
            description=(
                "For each fitting person and segment: the binary buying-signal flags (which "
                "signals count and their windows: `data/scoring/<segment>.yaml`), `score`, "
                "`tier` (high 3+, medium 1-2, parked 0), `intent_tiebreak` (orders equal "
                "scores, never tiers), `priority`, `scoring_version`, `icp_version`, "
                "`scored_at`. Only verified signals count. Parked leads are re-scored on "
                "every run and move tiers when a new signal arrives."
            ),
        ),
        dg.AssetSpec(
            SCORE_HISTORY,
            group_name=GROUP,
            kinds={"duckdb"},
            owners=OWNERS,
            deps=[ICP_FIT, SIGNALS, ICP_SEGMENTS],
            description=(
                "Every scoring run's `score.lead_scores`, appended with its run id and never "
                "rewritten: what a lead looked like when it was routed."
            ),
        ),
    ],
    check_specs=[
        contract_spec(LEAD_SCORES, LeadScores),
        contract_spec(SCORE_HISTORY, ScoreHistory),
        check(LEAD_SCORES, "every_fit_scored", "one score row per fitting person and segment"),
    ],
    can_subset=True,
)
@built_together
def score_leads(context: dg.AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs):
    segments = load_icp_segments(inputs.icp_path)
    configs = load_scoring(scoring_dir(inputs.icp_path), segments)
    with duckdb.get_connection() as con:
        scores = lead_scores(
            store.read_table(con, "score.icp_fit"),
            store.read_table(con, "enrich.signals"),
            segments,
            configs,
            inputs.now(),
        )
        with store.transaction(con), store.registered(con, scores) as frame:
            con.execute("create schema if not exists score")
            con.execute(f"create or replace table score.lead_scores as select * from {frame}")
            con.execute(
                "create table if not exists score.score_history as "
                f"select *, ''::varchar as run_id from {frame} limit 0"
            )
            con.execute(
                f"insert into score.score_history by name select *, $run as run_id from {frame}",
                {"run": context.run.run_id},
            )
        tiers = con.execute(
            "select segment, tier, count(*) from score.lead_scores group by all order by 1, 2"
        ).fetchall()
        yield dg.MaterializeResult(
            asset_key=LEAD_SCORES,
            metadata=table_metadata(
                con,
                "score.lead_scores",
                by_tier=_markdown_counts(tiers),
                scoring_versions=", ".join(f"{s} v{c.version}" for s, c in sorted(configs.items())),
            ),
        )
        ((runs,),) = con.execute(
            "select count(distinct run_id) from score.score_history"
        ).fetchall()
        yield dg.MaterializeResult(
            asset_key=SCORE_HISTORY,
            metadata=table_metadata(con, "score.score_history", scoring_runs=int(runs)),
        )
        yield contract_result(con, LEAD_SCORES, LeadScores)
        yield contract_result(con, SCORE_HISTORY, ScoreHistory)
        yield every_fit_scored(con)


def every_fit_scored(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    ((fitting, scored, strays),) = con.execute(
        """select (select count(*) from score.icp_fit where fit),
                  (select count(*) from score.lead_scores s
                   join score.icp_fit f using (person_id, segment) where f.fit),
                  (select count(*) from score.lead_scores s
                   anti join score.icp_fit f on f.person_id = s.person_id
                   and f.segment = s.segment and f.fit)"""
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=LEAD_SCORES,
        check_name="every_fit_scored",
        passed=fitting == scored and strays == 0,
        metadata={"fitting": fitting, "scored": scored, "scored_without_fit": strays},
    )


@dg.asset(
    key=ROUTED_LEADS,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    owners=OWNERS,
    deps=[
        LEAD_SCORES,
        ICP_FIT,
        CONTACTS,
        SENDABLE,
        EMAIL_CHECKS,
        SUPPRESSIONS,
        LEADS,
        SIGNALS,
        SOURCE_PROVENANCE,
    ],
    description=(
        "One row per routed lead: channel by mechanics (multichannel, email, linkedin, call, "
        "nurture) and why, the address (main track only for `valid`; catch-all capped at "
        "most), profile or phone to use, a one-line opener from a verified signal with its "
        "source URL, and the provenance (sources, consent bases, opt-out mechanisms). "
        "Parked leads are not routed; no suppressed, erased, invalid, do-not-mail, "
        "disposable, role or stale person ever is."
    ),
    check_specs=[
        contract_spec(ROUTED_LEADS, RoutedLeads),
        check(
            ROUTED_LEADS,
            "nothing_unsafe_is_routed",
            "no suppressed, erased, stale, invalid, do-not-mail, disposable or role person is "
            "routed, and no catch-all address is on the main email track",
        ),
        check(
            ROUTED_LEADS,
            "email_openers_cite_verified_signals",
            "every email and multichannel lead's opener cites a verified signal of the lead's "
            "own account, with that signal's date and source page",
        ),
    ],
)
def routed_leads(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    segments = load_icp_segments(inputs.icp_path)
    configs = load_scoring(scoring_dir(inputs.icp_path), segments)
    with duckdb.get_connection() as con:
        routed = route(
            store.read_table(con, "score.lead_scores"),
            *(store.read_table(con, table, columns) for table, columns in ROUTE_READS),
            store.read_table(con, "config.source_provenance"),
            configs,
            inputs.now(),
        )
        store.write_table(con, "score.routed_leads", routed)
        channels = con.execute(
            "select segment, channel, count(*) from score.routed_leads group by all order by 1, 2"
        ).fetchall()
        metadata = table_metadata(con, "score.routed_leads", by_channel=_markdown_counts(channels))
        checks = [
            contract_result(con, ROUTED_LEADS, RoutedLeads),
            nothing_unsafe_is_routed(con),
            email_openers_cite_verified_signals(con),
        ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def nothing_unsafe_is_routed(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Against the stored tables, independently of how the rules decided: the person is in
    `core.contacts` (erased people are not), neither suppressed nor stale, their address has a
    sendable verdict within the TTL and is on no suppression list, and a main-track address is
    `valid`."""
    key = email_match_key_sql("s.verified_email")
    ((unsafe, erased, catch_all_main),) = con.execute(
        f"""select
              count(*) filter (where c.person_id is null or c.suppressed or c.stale
                or s.person_id is null or not coalesce(v.within_ttl, false)
                or coalesce(v.status, 'missing') not in (select unnest($sendable::varchar[]))
                or {key} in (select key_value from compliance.suppressions
                             where key_type = 'email_key' and not hashed)
                or sha256({key}) in (select key_value from compliance.suppressions
                                     where key_type = 'email_key' and hashed)),
              count(*) filter (where c.person_id is null),
              count(*) filter (where r.email_track = 'main' and v.status is distinct from 'valid')
            from score.routed_leads r
            left join core.contacts c using (person_id)
            left join verify.sendable_contacts s using (person_id)
            left join verify.email_checks v on v.email = s.verified_email""",
        {"sendable": list(SENDABLE_STATUSES)},
    ).fetchall()
    return dg.AssetCheckResult(
        asset_key=ROUTED_LEADS,
        check_name="nothing_unsafe_is_routed",
        passed=unsafe == 0 and catch_all_main == 0,
        metadata={"unsafe": unsafe, "not_in_contacts": erased, "non_valid_on_main": catch_all_main},
    )


def email_openers_cite_verified_signals(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    return no_rows(
        con,
        ROUTED_LEADS,
        "email_openers_cite_verified_signals",
        """select count(*) from score.routed_leads r
           left join score.icp_fit f using (person_id, segment)
           left join enrich.signals s on s.signal_id = r.opener_signal_id
           where r.channel in ('email', 'multichannel')
             and (r.opener is null or s.signal_id is null or not s.verified
                  -- the signal is the lead's own account's, stated as of the date it gives
                  or s.account_domain is distinct from f.company_domain
                  or s.signal_date is distinct from r.opener_date
                  or s.source_url is distinct from r.opener_source_url)""",
        counted_as="uncited_email_openers",
    )


@dg.asset(
    key=HANDOFF_EXPORTS,
    group_name=GROUP,
    kinds={"duckdb", "csv", "parquet"},
    owners=OWNERS,
    deps=[ROUTED_LEADS, CONTACTS, LEADS, SIGNALS],
    description=(
        "The handoff to sales: one CSV and one Parquet file per channel in "
        "`<LEADGEN_EXPORT_DIR>/<run date>/` (default `data/exports`), with the enrichment "
        "record, the signals behind the score, the opener and its source URL, CRM engagement "
        "history (`crm/`) and provenance, under HubSpot / Salesforce / Instantly import "
        "headers; CSV cells neutralised against formula injection. The table lists the files."
    ),
    check_specs=[
        contract_spec(HANDOFF_EXPORTS, HandoffExports),
        check(
            HANDOFF_EXPORTS,
            "every_routed_lead_exported",
            "each format's files hold every routed lead exactly once",
        ),
        check(
            HANDOFF_EXPORTS,
            "no_cell_runs_as_a_formula",
            "no CSV cell, read back, starts with = + - @ tab or carriage return",
        ),
    ],
)
def handoff_exports(
    context: dg.AssetExecutionContext, duckdb: DuckDBStore, inputs: LeadgenInputs
) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        history, unread = engagement_history(con, inputs.inbox_path)
        for problem in unread:
            context.log.warning(f"score/handoff_exports: {problem}: no engagement history read")
        frame = handoff_frame(
            store.read_table(con, "score.routed_leads"),
            read_contacts(con),
            store.read_table(con, "enrich.leads"),
            store.read_table(con, "enrich.signals"),
            history,
        )
        files = write_exports(frame, export_dir(duckdb.files_dir), inputs.now().date())
        store.write_table(con, "score.handoff_exports", files)
        metadata = table_metadata(
            con,
            "score.handoff_exports",
            export_folder=str(export_dir(duckdb.files_dir) / inputs.now().date().isoformat()),
            crm_files_not_read=len(unread),
        )
        checks = [
            contract_result(con, HANDOFF_EXPORTS, HandoffExports),
            every_routed_lead_exported(con),
            no_cell_runs_as_a_formula(files),
        ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def every_routed_lead_exported(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    ((routed,),) = con.execute("select count(*) from score.routed_leads").fetchall()
    by_format = dict(
        con.execute("select format, sum(rows) from score.handoff_exports group by all").fetchall()
    )
    exported = {fmt: int(by_format.get(fmt, 0)) for fmt in ("csv", "parquet")}
    return dg.AssetCheckResult(
        asset_key=HANDOFF_EXPORTS,
        check_name="every_routed_lead_exported",
        passed=all(n == routed for n in exported.values()),
        metadata={"routed": routed, **{f"{k}_rows": v for k, v in exported.items()}},
    )


def no_cell_runs_as_a_formula(files: pl.DataFrame) -> dg.AssetCheckResult:
    """Each CSV read back as text: no cell starts with a formula character."""
    starts = "".join(FORMULA_STARTS).replace("-", r"\-")
    unsafe = 0
    for path in files.filter(pl.col("format") == "csv")["path"]:
        cells = pl.read_csv(path, infer_schema=False)
        unsafe += (
            cells.select(pl.sum_horizontal(pl.all().str.contains(f"^[{starts}]").fill_null(False)))
            .to_series()
            .sum()
        )
    return dg.AssetCheckResult(
        asset_key=HANDOFF_EXPORTS,
        check_name="no_cell_runs_as_a_formula",
        passed=unsafe == 0,
        metadata={"unsafe_cells": int(unsafe)},
    )


defs = dg.Definitions(assets=[icp_fit_asset, score_leads, routed_leads, handoff_exports])
