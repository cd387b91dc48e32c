"""Every source of signals in one pass: the inbox's files, vendor fields, the raw history's
snapshots and, when a model is configured, AI research checked against the pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from leadgen_pipeline.clients.llm import LlmClient
from leadgen_pipeline.clients.web import WebFetcher
from leadgen_pipeline.layers.enrich.research import ResearchRun, ensure_tables, research_accounts
from leadgen_pipeline.layers.enrich.signal_files import (
    REJECT_SCHEMA,
    account_names,
    read_signal_inbox,
)
from leadgen_pipeline.layers.enrich.signals import assemble_signals
from leadgen_pipeline.layers.enrich.store_signals import (
    snapshot_signals,
    vendor_file_signals,
    vendor_signals,
)


@dataclass
class Collected:
    """The signals table, the rows and claims not used (with why), and the run's figures."""

    signals: pl.DataFrame
    rejects: pl.DataFrame
    files: dict[str, str]
    unused: dict[str, int] = field(default_factory=dict)
    research_stats: dict[str, object] = field(default_factory=dict)


def accounts_to_research(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Accounts that fit an ICP segment (countries, industries, band, not disqualified) and
    whose domain no suppression names: the only ones worth paying to research."""
    return con.sql(
        """select a.company_domain as account_domain, a.company_name,
                  min(g.segment) as segment,
                  list_distinct(flatten(list(g.primary_sources))) as primary_sources
           from core.accounts a join config.icp_segments g
             on list_contains(g.countries, a.country)
            and list_contains(g.industries, lower(a.industry))
            and a.employee_count >= g.employee_min
            and (g.employee_max is null or a.employee_count <= g.employee_max)
            and not list_contains(g.disqualifier_domains, a.company_domain)
           where a.company_domain not in (select key_value from compliance.suppressions
                                          where key_type = 'domain')
           group by all order by account_domain"""
    ).pl()


def collect_signals(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    now: Callable[[], datetime],
    *,
    llm: LlmClient | None = None,
    fetcher: WebFetcher | None = None,
    max_cost_usd: float | None = None,
    run_id: str = "",
    log: logging.Logger | None = None,
) -> Collected:
    """Read every source and assemble `enrich.signals`; raises `SignalFileError` for a file
    no format understands and `ResearchStopped` when the model's key is refused."""
    today = now().date()
    names = account_names(con.sql("select company_domain, company_name from core.accounts").pl())
    files = read_signal_inbox(con, inbox, today, names)
    vendor, unused = vendor_signals(con)
    reread, more_unused = vendor_file_signals(con, inbox)
    unused |= more_unused
    parts = [
        files.candidates.with_columns(pl.lit(None, dtype=pl.String).alias("person_id")),
        vendor,
        reread,
        snapshot_signals(con),
    ]
    rejects = [files.rejects]
    ensure_tables(con)
    run = ResearchRun(pl.DataFrame())
    if llm is not None and fetcher is not None:
        run = research_accounts(
            con,
            accounts_to_research(con),
            llm,
            fetcher,
            now=now,
            run_id=run_id,
            max_cost_usd=max_cost_usd,
            say=log.info if log is not None else None,
        )
        parts.append(run.candidates)
        rejects.append(
            pl.DataFrame(
                {
                    "source_file": [f"research:{d}" for d, _ in run.rejected_claims]
                    + [f"research:{d}" for d in run.not_researched],
                    "source_row": [None] * (len(run.rejected_claims) + len(run.not_researched)),
                    "reason": [why for _, why in run.rejected_claims]
                    + list(run.not_researched.values()),
                },
                schema=REJECT_SCHEMA,
            )
        )
        if log is not None:
            for domain, why in run.not_researched.items():
                log.warning(f"research: {domain}: not researched: {why}")
    signals = assemble_signals(pl.concat(parts, how="vertical_relaxed"), today)
    return Collected(signals, pl.concat(rejects), files.files, unused, run.stats())
