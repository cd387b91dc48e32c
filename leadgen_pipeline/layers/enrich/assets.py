"""The enrich layer: dated buying signals with evidence, and one enriched row per sendable lead."""

import dagster as dg
import duckdb

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
from leadgen_pipeline.layers.compliance.assets import SUPPRESSIONS
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS
from leadgen_pipeline.layers.core.assets import ACCOUNTS, CONTACT_LINKS, CONTACTS
from leadgen_pipeline.layers.enrich.contracts import (
    Leads,
    ResearchAnswers,
    ResearchIntents,
    ResearchLedger,
    ResearchPages,
    SignalRejects,
    Signals,
)
from leadgen_pipeline.layers.enrich.leads import build_leads
from leadgen_pipeline.layers.enrich.research import ResearchStopped
from leadgen_pipeline.layers.enrich.signal_files import SignalFileError
from leadgen_pipeline.layers.enrich.signals import SAME_ROUND_DAYS, round_key_sql
from leadgen_pipeline.layers.enrich.sources import Collected, collect_signals
from leadgen_pipeline.layers.raw.assets import RAW_SOURCES
from leadgen_pipeline.layers.verify.assets import SENDABLE
from leadgen_pipeline.resources import (
    DuckDBStore,
    LeadgenInputs,
    ResearchResource,
    research_from_env,
)

GROUP = "enrich"
SIGNALS = dg.AssetKey([GROUP, "signals"])
RESEARCH_LEDGER = dg.AssetKey([GROUP, "research_ledger"])
LEADS = dg.AssetKey([GROUP, "leads"])
SIGNAL_REJECTS = side_table("enrich.signal_rejects", SignalRejects)
# AI research's caches and calls in flight, the books behind its ledger (`research.py`)
RESEARCH_BOOKS = [
    side_table("enrich.research_answers", ResearchAnswers),
    side_table("enrich.research_intents", ResearchIntents),
    side_table("enrich.research_pages", ResearchPages),
]
_OWNERS = ["team:revops"]
_SIGNAL_DEPS = [*RAW_SOURCES, CONTACT_LINKS, ACCOUNTS, SUPPRESSIONS, ICP_SEGMENTS]


def signals_assets(research: ResearchResource) -> dg.AssetsDefinition:
    """`enrich/signals` and `enrich/research_ledger`, made in one step, with `research`
    bound to the step (the environment's in `defs`; a loopback one in tests)."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                SIGNALS,
                group_name=GROUP,
                kinds={"duckdb", "polars"},
                owners=_OWNERS,
                deps=_SIGNAL_DEPS,
                description=(
                    "One row per dated buying signal about an account or a person: funding, "
                    "hiring, technology, company events, role and job changes, headcount growth "
                    "and intent surges, from the inbox's `signals/` and `intent/` files, vendor "
                    "fields of the latest pulls, the raw history's snapshots and (when an LLM is "
                    "configured) AI research checked against the company's own pages. Each row "
                    "has its source, evidence and `verified` with the reason; only verified "
                    "signals are used downstream, and intent only breaks ties."
                ),
            ),
            dg.AssetSpec(
                RESEARCH_LEDGER,
                group_name=GROUP,
                kinds={"duckdb"},
                owners=_OWNERS,
                deps=_SIGNAL_DEPS,
                description=(
                    "Every LLM research call that cost, or may have cost, money: model, prompt "
                    "hash, account, tokens, cost, time, run and `charge` (`paid`, or "
                    "`possibly_charged` for a call a killed run had in flight). Each call is "
                    "booked before the next starts, so a rerun asks nothing again."
                ),
            ),
        ],
        check_specs=[
            contract_spec(SIGNALS, Signals),
            contract_spec(RESEARCH_LEDGER, ResearchLedger),
            check(SIGNALS, "one_signal_per_round", "no funding round is reported twice"),
        ],
        # bound to the step, so every definitions build (tests' included) carries it
        resource_defs={"research": research},
        can_subset=True,
    )
    @built_together
    def enrich_signals(
        context: dg.AssetExecutionContext,
        duckdb: DuckDBStore,
        inputs: LeadgenInputs,
        research: ResearchResource,
    ):
        with duckdb.get_connection() as con:
            try:
                with research.clients() as (llm, fetcher):
                    collected = collect_signals(
                        con,
                        inputs.inbox_path,
                        inputs.clock(),
                        llm=llm,
                        fetcher=fetcher,
                        max_cost_usd=research.max_cost_usd,
                        run_id=context.run.run_id,
                        log=context.log,
                    )
            except SignalFileError as error:
                raise dg.Failure(description=str(error)) from None  # the last good signals stay
            except ResearchStopped as error:
                raise dg.Failure(description=f"research stopped: {error}") from None
            store.write_table(con, "enrich.signals", collected.signals)
            store.write_table(con, "enrich.signal_rejects", collected.rejects)
            yield dg.MaterializeResult(asset_key=SIGNALS, metadata=signals_metadata(con, collected))
            yield dg.MaterializeResult(
                asset_key=RESEARCH_LEDGER,
                metadata=table_metadata(
                    con,
                    "enrich.research_ledger",
                    **collected.research_stats,
                    **side_table_metadata(con, *RESEARCH_BOOKS),
                ),
            )
            yield contract_result(con, SIGNALS, Signals)
            yield contract_result(con, RESEARCH_LEDGER, ResearchLedger)
            yield one_signal_per_round(con)

    return enrich_signals


def signals_metadata(con: duckdb.DuckDBPyConnection, collected: Collected) -> dict:
    """The signals table's metadata: what each file was read as, what was not used and why
    (counts; the rows are in `enrich.signal_rejects`), and the signals by type."""
    by_type = collected.signals.group_by("signal_type", "verified").len().sort("signal_type")
    files = "\n".join(f"- {f}: {kind}" for f, kind in collected.files.items())
    return table_metadata(
        con,
        "enrich.signals",
        files_read=dg.MetadataValue.md(files or "none"),
        rows_and_claims_not_used=collected.rejects.height,
        by_type=dg.MetadataValue.md(
            "\n".join(f"- {t} (verified={v}): {n}" for t, v, n in by_type.iter_rows())
        ),
        **collected.unused,
        **side_table_metadata(con, SIGNAL_REJECTS),
    )


def one_signal_per_round(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Against the stored table: two verified funding signals of one account with the same
    round name within the folding window are the same round reported twice."""
    key = round_key_sql("value.round")
    return no_rows(
        con,
        SIGNALS,
        "one_signal_per_round",
        f"""with r as (select account_domain, {key} as round, signal_date, signal_id
                      from enrich.signals where signal_type = 'funding_round' and verified)
           select count(*) from r a join r b on a.account_domain = b.account_domain
             and a.round = b.round and a.signal_id < b.signal_id
             and abs(a.signal_date - b.signal_date) <= {SAME_ROUND_DAYS}""",
        counted_as="rounds_reported_twice",
    )


@dg.asset(
    key=LEADS,
    group_name=GROUP,
    kinds={"duckdb"},
    owners=_OWNERS,
    deps=[SENDABLE, CONTACTS, ACCOUNTS, SIGNALS, ICP_SEGMENTS],
    description=(
        "One row per sendable person: role and tenure, company size and growth (funding, "
        "open roles, headcount change), the account's technologies that its ICP segment "
        "lists, the verified segment-relevant signals within the segment's window, and at "
        "most one personalisation hook: the freshest such signal as one factual sentence, "
        "with its date, source URL and signal_id (none when nothing verified exists)."
    ),
    check_specs=[
        contract_spec(LEADS, Leads),
        check(LEADS, "hook_cites_verified_signal", "every hook cites a verified signal"),
        check(
            LEADS,
            "nothing_older_than_window",
            "no hook or listed signal is older than the segment's window",
        ),
        check(LEADS, "no_unverified_claim", "no unverified claim reaches enrich.leads"),
    ],
)
def enrich_leads(duckdb: DuckDBStore, inputs: LeadgenInputs) -> dg.MaterializeResult:
    now = inputs.now()
    with duckdb.get_connection() as con:
        leads = build_leads(con, now)
        store.write_table(con, "enrich.leads", leads)
        metadata = table_metadata(
            con,
            "enrich.leads",
            with_hook=int(leads["hook"].is_not_null().sum()),
            without_segment=int(leads["segment"].is_null().sum()),
        )
        checks = [contract_result(con, LEADS, Leads), *lead_checks(con)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def lead_checks(con: duckdb.DuckDBPyConnection) -> list[dg.AssetCheckResult]:
    """The three promises of enrich.leads, counted against the stored tables."""
    ((uncited,),) = con.execute(
        """select count(*) from enrich.leads l left join enrich.signals s
             on s.signal_id = l.hook_signal_id and s.verified
            and s.signal_date = l.hook_date and s.account_domain = l.company_domain
           where l.hook is not null and s.signal_id is null"""
    ).fetchall()
    ((old_hooks, old_listed),) = con.execute(
        """select count(*) filter (where hook_date < built_at::date - window_days::integer),
                  (select count(*) from enrich.leads l, unnest(l.signal_ids) as u(id)
                   join enrich.signals s on s.signal_id = u.id
                   where s.signal_date < l.built_at::date - l.window_days::integer)
           from enrich.leads"""
    ).fetchall()
    ((unverified,),) = con.execute(
        """select count(*) from (
             select unnest(signal_ids) as id from enrich.leads
             union all select hook_signal_id from enrich.leads where hook_signal_id is not null
           ) u left join enrich.signals s on s.signal_id = u.id
           where s.signal_id is null or not s.verified or s.signal_type = 'intent_surge'"""
    ).fetchall()
    return [
        dg.AssetCheckResult(
            asset_key=LEADS,
            check_name="hook_cites_verified_signal",
            passed=uncited == 0,
            metadata={"hooks_without_verified_signal": uncited},
        ),
        dg.AssetCheckResult(
            asset_key=LEADS,
            check_name="nothing_older_than_window",
            passed=old_hooks + old_listed == 0,
            metadata={"hooks_too_old": old_hooks, "listed_signals_too_old": old_listed},
        ),
        dg.AssetCheckResult(
            asset_key=LEADS,
            check_name="no_unverified_claim",
            passed=unverified == 0,
            metadata={"unverified_or_unknown_signals": unverified},
        ),
    ]


defs = dg.Definitions(assets=[signals_assets(research_from_env()), enrich_leads])
