"""Large batches verified through the provider's bulk API, resumable without paying twice.

Each job is written to `verify.bulk_jobs` under our own name for it (`job_name`, sent as the
file name) before its upload starts, with the addresses it carries; the provider's job id is
added as soon as the upload answers. A run that starts with jobs not yet recorded resumes
them before anything else: it polls the known job id, or first asks the provider for the job
by its name (NeverBounce and MillionVerifier can look a job up by name), and records what
the job found. An upload is never retried and no address of an open job is submitted again,
so a kill never makes the provider verify the same list twice. The one case left: a job
whose upload may or may not have arrived, at a provider that cannot find a job by name
(ZeroBounce). Its addresses are booked `possibly_charged` in the ledger before they are asked
again, at most one job's worth per kill, and shown in the ledger's metadata.

Results are recorded per job in one transaction: every verdict in `verify.verdicts`, every
charged one in `verify.ledger` (`mode` bulk, `job_id` the job's name), the job `recorded`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import duckdb
import polars as pl

from leadgen_pipeline.clients.bulk import BulkStatus, BulkVerifier
from leadgen_pipeline.clients.http import ProviderError
from leadgen_pipeline.clients.verifiers import Verdict
from leadgen_pipeline.kernel.progress import Progress
from leadgen_pipeline.kernel.store import registered, transaction
from leadgen_pipeline.kernel.vocab import LEDGER_PAID, LEDGER_POSSIBLY_CHARGED
from leadgen_pipeline.layers.verify.batches import in_batches_sql
from leadgen_pipeline.layers.verify.ledger import verdict_rows

logger = logging.getLogger(__name__)

DEFAULT_BULK_THRESHOLD = 500  # addresses from which a batch goes through the bulk API
MAX_JOB_SIZE = 50_000  # addresses per uploaded file

JOBS_SCHEMA: dict[str, pl.DataType] = {
    "job_name": pl.String(),
    "provider": pl.String(),
    "provider_job_id": pl.String(),  # null until the upload answered
    "run_id": pl.String(),
    "submitted_at": pl.Datetime("us", "UTC"),
    "emails": pl.List(pl.String()),
    "state": pl.String(),  # submitting, submitted, recorded, abandoned
}


def ensure_bulk_jobs(con: duckdb.DuckDBPyConnection) -> None:
    with registered(con, pl.DataFrame(schema=JOBS_SCHEMA)) as jobs:
        con.execute(f"create table if not exists verify.bulk_jobs as select * from {jobs}")


def open_jobs(
    con: duckdb.DuckDBPyConnection, provider: str, batches: list[str] | None = None
) -> int:
    """How many jobs of `provider` an earlier run left unrecorded that carry an address of
    `batches` (None: any)."""
    ensure_bulk_jobs(con)
    return len(_open_jobs(con, provider, batches))


def _open_jobs(
    con: duckdb.DuckDBPyConnection, provider: str, batches: list[str] | None = None
) -> list[tuple]:
    # a job is a run's own to finish when it carries an address of the run's batches: a
    # batch run's jobs hold only its batches, so runs of other batches never take them
    ours = (
        ""
        if batches is None
        else "and exists (select 1 from (select unnest(emails) as address) "
        f"where {in_batches_sql('address', batches)}) "
    )
    return con.execute(
        "select job_name, provider_job_id, emails, run_id from verify.bulk_jobs "
        f"where provider = ? and state in ('submitting', 'submitted') {ours}"
        "order by submitted_at",
        [provider],
    ).fetchall()


def _set_job(con: duckdb.DuckDBPyConnection, job_name: str, **columns: object) -> None:
    assignments = ", ".join(f"{name} = ?" for name in columns)
    con.execute(
        f"update verify.bulk_jobs set {assignments} where job_name = ?",
        [*columns.values(), job_name],
    )


def record_job(
    con: duckdb.DuckDBPyConnection, job_name: str, verdicts: list[Verdict], *, run_id: str
) -> None:
    """A finished job's verdicts, its ledger rows and its state, in one transaction."""
    paid = [v for v in verdicts if v.paid]
    ledger = pl.DataFrame(
        {
            "provider": [v.provider for v in paid],
            "email": [v.email for v in paid],
            "cost": [v.cost for v in paid],
            "called_at": [v.checked_at for v in paid],
            "run_id": [run_id] * len(paid),
            "charge": [LEDGER_PAID] * len(paid),
            "credits": [1.0] * len(paid),
            "mode": ["bulk"] * len(paid),
            "job_id": [job_name] * len(paid),
        },
        schema_overrides={"called_at": pl.Datetime("us", "UTC"), "cost": pl.Float64},
    )
    with (
        transaction(con),
        registered(con, verdict_rows(verdicts)) as frame,
        registered(con, ledger) as rows,
    ):
        con.execute(f"insert into verify.verdicts by name select * from {frame}")
        con.execute(f"insert into verify.ledger by name select * from {rows}")
        _set_job(con, job_name, state="recorded")


def _book_possibly_charged(
    con: duckdb.DuckDBPyConnection,
    job_name: str,
    emails: Sequence[str],
    *,
    provider: str,
    run_id: str,
    at: datetime,
    cost: float,
) -> None:
    with transaction(con):
        for email in emails:
            con.execute(
                "insert into verify.ledger by name select ? as provider, ? as email, "
                "? as cost, ? as called_at, ? as run_id, ? as charge, 1.0 as credits, "
                "'bulk' as mode, ? as job_id",
                [provider, email, cost, at, run_id, LEDGER_POSSIBLY_CHARGED, job_name],
            )
        _set_job(con, job_name, state="abandoned")


def _finish(
    con: duckdb.DuckDBPyConnection,
    client: BulkVerifier,
    job_name: str,
    job_id: str,
    *,
    run_id: str,
    poll_every_s: float,
    progress: Progress | None = None,
    done_before: int = 0,
    size: int = 0,
) -> list[Verdict]:
    """Wait for the job (its percentage told to `progress` as addresses done, after the
    `done_before` of earlier jobs), then record its results."""

    def on_status(state: BulkStatus) -> None:
        if progress is not None and state.percent is not None:
            progress.reach(done_before + int(size * min(state.percent, 100.0) / 100))

    client.wait(job_id, poll_every_s=poll_every_s, on_status=on_status)
    verdicts = client.results(job_id)
    record_job(con, job_name, verdicts, run_id=run_id)
    if progress is not None:
        paid = [v for v in verdicts if v.paid]
        progress.advance(0, calls=len(verdicts), paid=len(paid), cost=sum(v.cost for v in paid))
        progress.reach(done_before + size)
    return verdicts


def resume_open_jobs(
    con: duckdb.DuckDBPyConnection,
    client: BulkVerifier,
    *,
    run_id: str,
    now: datetime,
    poll_every_s: float,
    batches: list[str] | None = None,
) -> tuple[list[Verdict], int]:
    """Finish every job an earlier run left open that carries an address of `batches`
    (None: every job); returns (the verdicts they found, how many addresses were booked as
    possibly charged because their job could not be found)."""
    ensure_bulk_jobs(con)
    found: list[Verdict] = []
    possibly = 0
    for job_name, job_id, emails, job_run in _open_jobs(con, client.name, batches):
        if job_id is None:
            try:
                job_id = client.find(job_name)
            except NotImplementedError:
                logger.warning(
                    "%s: bulk job %s may have been uploaded, and %s cannot look a job up by "
                    "name: its %d addresses are booked as possibly charged and asked again",
                    client.name, job_name, client.name, len(emails),
                )  # fmt: skip
                credits = client.billing.most_a_call_costs("bulk")
                _book_possibly_charged(
                    con, job_name, emails, provider=client.name, run_id=job_run, at=now,
                    cost=credits * client.cost_per_check,
                )  # fmt: skip
                possibly += len(emails)
                continue
            if job_id is None:  # the upload never arrived: nothing to pay for
                _set_job(con, job_name, state="abandoned")
                continue
            _set_job(con, job_name, provider_job_id=job_id, state="submitted")
        found += _finish(con, client, job_name, job_id, run_id=run_id, poll_every_s=poll_every_s)
    return found, possibly


def verify_in_bulk(
    con: duckdb.DuckDBPyConnection,
    client: BulkVerifier,
    emails: Sequence[str],
    *,
    run_id: str,
    now: datetime,
    poll_every_s: float = 5.0,
    max_job_size: int = MAX_JOB_SIZE,
    progress: Progress | None = None,
) -> list[Verdict]:
    """Verify `emails` in jobs of at most `max_job_size`, each written down before its
    upload and recorded when its results are in; `progress` hears each job's percentage."""
    ensure_bulk_jobs(con)
    verdicts: list[Verdict] = []
    for number, start in enumerate(range(0, len(emails), max_job_size), start=1):
        chunk = list(emails[start : start + max_job_size])
        job_name = f"leadgen-{run_id[:12]}-{number}"
        con.execute(
            "insert into verify.bulk_jobs values (?, ?, null, ?, ?, ?, 'submitting')",
            [job_name, client.name, run_id, now, chunk],
        )
        try:
            job_id = client.submit(job_name, chunk)
        except ProviderError as error:
            if error.status_code is not None:  # refused with an answer: no job was made
                _set_job(con, job_name, state="abandoned")
            raise  # no answer at all: the next run looks for the job before anything else
        _set_job(con, job_name, provider_job_id=job_id, state="submitted")
        verdicts += _finish(
            con, client, job_name, job_id, run_id=run_id, poll_every_s=poll_every_s,
            progress=progress, done_before=start, size=len(chunk),
        )  # fmt: skip
    return verdicts
