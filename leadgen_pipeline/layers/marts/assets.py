"""The marts layer: the analyst views, rebuilt (with their comments) after the score layer."""

import dagster as dg
import duckdb

from leadgen_pipeline.kernel import store
from leadgen_pipeline.layers.checks import (
    check,
    contract_result,
    contract_spec,
    no_rows,
    table_metadata,
)
from leadgen_pipeline.layers.config.assets import ICP_SEGMENTS, SOURCE_PROVENANCE
from leadgen_pipeline.layers.core.assets import CONTACTS
from leadgen_pipeline.layers.enrich.assets import RESEARCH_LEDGER
from leadgen_pipeline.layers.marts.contracts import Funnel, QualifiedLeads, SourcePerformance
from leadgen_pipeline.layers.marts.views import VIEWS
from leadgen_pipeline.layers.raw.assets import RAW_SOURCES
from leadgen_pipeline.layers.score.assets import ICP_FIT, LEAD_SCORES, ROUTED_LEADS
from leadgen_pipeline.layers.verify.assets import LEDGER, SENDABLE
from leadgen_pipeline.resources import DuckDBStore

GROUP = "marts"
FUNNEL = dg.AssetKey([GROUP, "funnel"])
QUALIFIED_LEADS = dg.AssetKey([GROUP, "qualified_leads"])
SOURCE_PERFORMANCE = dg.AssetKey([GROUP, "source_performance"])
OWNERS = ["team:revops"]


def _create_view(con: duckdb.DuckDBPyConnection, table: str) -> None:
    with store.transaction(con):
        con.execute("create schema if not exists marts")
        con.execute(VIEWS[table])


@dg.asset(
    key=FUNNEL,
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    deps=[*RAW_SOURCES, CONTACTS, SENDABLE, ICP_FIT, LEAD_SCORES, ROUTED_LEADS, ICP_SEGMENTS],
    description=(
        "A view: where volume turns into qualified leads. Per segment and source (and `all`), "
        "the count at each step: raw records -> unique people -> verified -> ICP fit -> "
        "scored, by tier -> routed, by channel; zeros shown."
    ),
    check_specs=[
        contract_spec(FUNNEL, Funnel),
        check(FUNNEL, "funnel_narrows", "no step holds more people than the step before it"),
    ],
)
def funnel(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        _create_view(con, "marts.funnel")
        rows = con.execute(
            "select segment, stage || case when bucket = '' then '' else ':' || bucket end, "
            "count from marts.funnel where source = 'all' order by segment, step, bucket"
        ).fetchall()
        metadata = table_metadata(
            con,
            "marts.funnel",
            funnel=dg.MetadataValue.md("\n".join(f"- {s} / {step}: {n}" for s, step, n in rows)),
        )
        checks = [contract_result(con, FUNNEL, Funnel), funnel_narrows(con)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


def funnel_narrows(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """Per segment and source: raw records >= people >= verified >= fit = scored >= routed,
    and routed <= high + medium."""
    return no_rows(
        con,
        FUNNEL,
        "funnel_narrows",
        """with s as (
             select segment, source,
               sum(count) filter (where step = 1) as raw, sum(count) filter (where step = 2) as p,
               sum(count) filter (where step = 3) as v, sum(count) filter (where step = 4) as f,
               sum(count) filter (where step = 5) as scored,
               sum(count) filter (where step = 5 and bucket <> 'parked') as qualified,
               sum(count) filter (where step = 6) as routed
             from marts.funnel group by all)
           select count(*) from s
           where not (raw >= p and p >= v and v >= f and f = scored and qualified >= routed)""",
        counted_as="segment_source_pairs_widening",
    )


@dg.asset(
    key=QUALIFIED_LEADS,
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    deps=[ROUTED_LEADS, CONTACTS],
    description=(
        "A view: every routed lead with who they are, where they came from, the channel and "
        "the opener, best first within each segment."
    ),
    check_specs=[contract_spec(QUALIFIED_LEADS, QualifiedLeads)],
)
def qualified_leads(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        _create_view(con, "marts.qualified_leads")
        metadata = table_metadata(con, "marts.qualified_leads")
        checks = [contract_result(con, QUALIFIED_LEADS, QualifiedLeads)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


@dg.asset(
    key=SOURCE_PERFORMANCE,
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    deps=[
        *RAW_SOURCES,
        CONTACTS,
        SENDABLE,
        ICP_FIT,
        ROUTED_LEADS,
        SOURCE_PROVENANCE,
        LEDGER,
        RESEARCH_LEDGER,
    ],
    description=(
        "A view: per source, records, unique people contributed (and those no other source "
        "has), verified, fit and qualified shares, and cost per qualified lead from the "
        "manifest's record prices and the verification and research ledgers."
    ),
    check_specs=[contract_spec(SOURCE_PERFORMANCE, SourcePerformance)],
)
def source_performance(duckdb: DuckDBStore) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        _create_view(con, "marts.source_performance")
        metadata = table_metadata(con, "marts.source_performance")
        checks = [contract_result(con, SOURCE_PERFORMANCE, SourcePerformance)]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


defs = dg.Definitions(assets=[funnel, qualified_leads, source_performance])
