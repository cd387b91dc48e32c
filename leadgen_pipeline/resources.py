"""Resources: the store and the pipeline's inputs, bound from environment variables."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from leadgen_pipeline.clients.apollo import ApolloClient
from leadgen_pipeline.clients.billing import BillingRules
from leadgen_pipeline.clients.bulk import BULK_VERIFIERS, BulkVerifier
from leadgen_pipeline.clients.http import RetryPolicy
from leadgen_pipeline.clients.llm import LlmClient
from leadgen_pipeline.clients.millionverifier import MillionVerifierVerifier
from leadgen_pipeline.clients.neverbounce import NeverBounceVerifier
from leadgen_pipeline.clients.verifiers import HttpVerifier
from leadgen_pipeline.clients.web import WebFetcher
from leadgen_pipeline.clients.zerobounce import ZeroBounceVerifier
from leadgen_pipeline.kernel import dates, settings
from leadgen_pipeline.kernel.lake import OFFLINE_CONFIG, LakeCatalog, attach_lake, use_lake
from leadgen_pipeline.kernel.store import publish_copy
from leadgen_pipeline.kernel.vocab import DEFAULT_TTL_DAYS

logger = logging.getLogger(__name__)


class DuckDBStore(DuckDBResource):
    """The DuckDB file: one connection per run, a cursor of it per step.

    Opening the file costs tens of milliseconds (its catalog is read each time), and a run
    has dozens of steps, so a run opens it once (`setup_for_execution`) and every step
    works on a cursor of that connection; the in-process executor runs the steps one after
    another in the run's process. Outside a run, each `get_connection` opens the file.

    Unlike `DuckDBResource.get_connection`, a step that raises still closes what it opened,
    so the file is never held by a dead connection.
    """

    # the analysts' copy, replaced after each run in which no step failed (None: no copy)
    analyst_copy: str | None = None

    _run_connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_connection = self._connect()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_connection is None:
            return
        try:
            if self.analyst_copy and not _failed_steps(context):
                publish_copy(self._run_connection, Path(self.analyst_copy))
                context.log.info(f"analyst copy published: {self.analyst_copy}")
        finally:
            self._run_connection.close()
            self._run_connection = None

    @property
    def files_dir(self) -> Path:
        """Where the pipeline's own files (handoff exports, reports, recommendations) go:
        beside the DuckDB file."""
        return Path(self.database).parent

    def _connect(self) -> duckdb.DuckDBPyConnection:
        config = {"custom_user_agent": "leadgen_pipeline", **self.connection_config}
        for attempt in range(10):
            try:
                return duckdb.connect(self.database, read_only=False, config=config)
            except duckdb.IOException:  # another process holds the write lock: wait for it
                if attempt == 9:
                    raise
                wait = 0.5 * (attempt + 1)
                # said in the run log (the project instance manages this logger), so a run
                # waiting on an analyst's or another run's lock is seen waiting
                logger.info(
                    "duckdb: %s is locked by another process; attempt %d/10, retrying in %.1fs",
                    Path(self.database).name, attempt + 1, wait,
                )  # fmt: skip
                time.sleep(wait)
        raise AssertionError("unreachable")

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = (
            self._cursor(self._run_connection)
            if self._run_connection is not None
            else self._connect()
        )
        try:
            yield connection
        finally:
            connection.close()

    def _cursor(self, connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        return connection.cursor()


class DuckLakeStore(DuckDBStore):
    """The production store: a DuckLake, its catalog in PostgreSQL, its tables' data as
    Parquet files under `data_path` (`kernel/lake.py`). Every table keeps its name and every
    layer's SQL runs unchanged: the lake is each connection's default catalog.

    `database` is this process's own DuckDB session (in memory by default: nothing the
    pipeline writes lands there); `files_dir` takes the exports, reports and recommendations. The
    catalog's password is bound as an EnvVar (`LEADGEN_LAKE_PG_PASSWORD`), never a value.
    """

    database: str = ":memory:"
    catalog_host: str
    catalog_port: int = 5432
    catalog_database: str
    catalog_user: str
    catalog_password: str
    data_path: str
    lake_files_dir: str
    lake_alias: str = "lake"

    @property
    def files_dir(self) -> Path:
        return Path(self.lake_files_dir)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(
            self.database,
            config={"custom_user_agent": "leadgen_pipeline", **OFFLINE_CONFIG,
                    **self.connection_config},
        )  # fmt: skip
        try:
            attach_lake(connection, self.catalog(), self.lake_alias)
        except BaseException:
            connection.close()
            raise
        return connection

    def _cursor(self, connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        cursor = connection.cursor()
        use_lake(cursor, self.lake_alias)  # a cursor starts on the session's own catalog
        return cursor

    def catalog(self) -> LakeCatalog:
        return LakeCatalog(
            host=self.catalog_host,
            port=self.catalog_port,
            database=self.catalog_database,
            user=self.catalog_user,
            password=self.catalog_password,
            data_path=self.data_path,
        )


def _failed_steps(context: dg.InitResourceContext) -> int:
    """Steps of this run that failed so far (a blocking check's ERROR fails its step)."""
    if context.instance is None or context.run is None:
        return 0
    failures = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=1
    )
    return len(failures.records)


class LeadgenInputs(dg.ConfigurableResource):
    """The files the pipeline reads (the inbox of exports, ICP segments, source manifest) and
    the moment it reads them as "now"."""

    inbox: str = settings.DEFAULT_INBOX
    icp_dir: str = settings.DEFAULT_ICP_DIR
    sources_manifest: str = settings.DEFAULT_SOURCES_MANIFEST
    # "now" for staleness, TTLs and windows (ISO date or timestamp); unset = the wall clock
    as_of: str | None = None

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    @property
    def icp_path(self) -> Path:
        return Path(self.icp_dir)

    @property
    def manifest_path(self) -> Path:
        return Path(self.sources_manifest)

    def clock(self) -> Callable[[], datetime]:
        """"Now" as the run sees it: the pinned moment (`as_of`, else the inbox's own
        reference date) every time it is asked, else the wall clock."""
        return dates.clock(self.as_of or settings.inbox_as_of(self.inbox_path))

    def now(self) -> datetime:
        return self.clock()()


class ApolloResource(dg.ConfigurableResource):
    """The Apollo People API. Without a key, `raw/apollo` reads the inbox instead."""

    api_key: str | None = None
    base_url: str = "https://api.apollo.io"
    # a cap on reveals per segment and pull: a budget guard, unset = no cap
    max_records_per_segment: int | None = None
    max_attempts: int = 5
    retry_base_delay_s: float = 0.5

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)

    def client(self) -> ApolloClient:
        if not self.api_key:
            raise ValueError("APOLLO_API_KEY is not set")
        policy = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        return ApolloClient(api_key=self.api_key, base_url=self.base_url, policy=policy)


def apollo_from_env() -> ApolloResource:
    """API mode when `APOLLO_API_KEY` is set; the key is bound as an EnvVar, never a value."""
    if not os.environ.get("APOLLO_API_KEY"):
        return ApolloResource()
    return ApolloResource(
        api_key=dg.EnvVar("APOLLO_API_KEY"),
        base_url=os.environ.get("APOLLO_BASE_URL") or "https://api.apollo.io",
    )


VERIFIERS: dict[str, type[HttpVerifier]] = {
    "neverbounce": NeverBounceVerifier,
    "zerobounce": ZeroBounceVerifier,
    "millionverifier": MillionVerifierVerifier,
}


class VerifierResource(dg.ConfigurableResource):
    """The paid email verifier. Without a provider and key, only free pre-checks and the
    inbox's bulk-verification exports produce verdicts, and nothing is paid for.

    `billing_overrides` changes the provider's published billing rules for this account
    (`clients/billing.py`): a preset such as MillionVerifier's `risky_is_paid`, or
    `[single.|bulk.]<outcome>=paid|free`, comma-separated. A batch of `bulk_threshold`
    addresses or more goes through the provider's bulk API (`bulk_base_url`: ZeroBounce and
    MillionVerifier serve it from a host of its own), polled every `bulk_poll_s`.
    """

    provider: str | None = None  # neverbounce | zerobounce | millionverifier
    api_key: str | None = None
    base_url: str | None = None
    ttl_days: int = DEFAULT_TTL_DAYS
    max_concurrency: int = 8
    rate_per_second: float | None = None  # default: the provider's documented limit
    cost_per_check: float = 1.0  # what one credit costs, in the ledger's `cost`
    max_attempts: int = 5
    retry_base_delay_s: float = 0.5
    http_timeout_s: float = 45.0
    billing_overrides: str | None = None
    bulk_threshold: int = 500
    bulk_base_url: str | None = None
    bulk_poll_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.provider and self.api_key)

    def billing(self) -> BillingRules:
        """The account's billing rules; raises `ValueError` for an override it cannot read."""
        return BillingRules.of(self.provider or "", self.billing_overrides)

    def verifier(self, now: Callable[[], datetime] | None = None) -> HttpVerifier:
        """The configured client; `now` stamps each verdict (a pinned run's clock)."""
        if not self.enabled or self.provider not in VERIFIERS:
            raise ValueError(f"no usable verifier configured (provider={self.provider!r})")
        policy = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        return VERIFIERS[self.provider](
            self.api_key or "",
            base_url=self.base_url,
            timeout_s=self.http_timeout_s,
            policy=policy,
            cost_per_check=self.cost_per_check,
            billing=self.billing(),
            **({"now": now} if now else {}),
        )

    def bulk_verifier(self, now: Callable[[], datetime] | None = None) -> BulkVerifier:
        """The configured provider's bulk API client, on the same key and billing rules."""
        if not self.enabled or self.provider not in BULK_VERIFIERS:
            raise ValueError(f"no usable verifier configured (provider={self.provider!r})")
        policy = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        return BULK_VERIFIERS[self.provider](
            self.api_key or "",
            base_url=self.bulk_base_url,
            timeout_s=max(self.http_timeout_s, 60.0),  # uploads and downloads are large
            policy=policy,
            cost_per_check=self.cost_per_check,
            billing=self.billing(),
            **({"now": now} if now else {}),
        )


def verifier_from_env() -> VerifierResource:
    """`LEADGEN_VERIFIER` names the provider (or the one provider whose key is set); its key
    comes from `<PROVIDER>_API_KEY` as an EnvVar, its base URL from `<PROVIDER>_BASE_URL`,
    the account's billing overrides from `<PROVIDER>_BILLING_OVERRIDES` (an EnvVar), its bulk
    API's base URL from `<PROVIDER>_BULK_BASE_URL`, and the batch size from which the bulk API
    is used from `LEADGEN_VERIFY_BULK_THRESHOLD` (default 500)."""
    provider = os.environ.get("LEADGEN_VERIFIER")
    if not provider:
        keyed = [name for name in VERIFIERS if os.environ.get(f"{name.upper()}_API_KEY")]
        provider = keyed[0] if len(keyed) == 1 else None
    if not provider or not os.environ.get(f"{provider.upper()}_API_KEY"):
        return VerifierResource(ttl_days=settings.verify_ttl_days())
    return VerifierResource(
        provider=provider,
        api_key=dg.EnvVar(f"{provider.upper()}_API_KEY"),
        base_url=os.environ.get(f"{provider.upper()}_BASE_URL") or None,
        ttl_days=settings.verify_ttl_days(),
        billing_overrides=(
            dg.EnvVar(overrides)
            if os.environ.get(overrides := f"{provider.upper()}_BILLING_OVERRIDES")
            else None
        ),
        bulk_base_url=os.environ.get(f"{provider.upper()}_BULK_BASE_URL") or None,
        bulk_threshold=int(os.environ.get("LEADGEN_VERIFY_BULK_THRESHOLD") or 500),
    )


def store_from_env() -> DuckDBStore:
    """`LEADGEN_STORE`: `duckdb` (the default), the DuckDB file at `LEADGEN_DUCKDB_PATH`; or
    `ducklake`, the lake whose catalog is the PostgreSQL database `LEADGEN_LAKE_PG_DB` on
    `LEADGEN_LAKE_PG_HOST`[:`LEADGEN_LAKE_PG_PORT`] as `LEADGEN_LAKE_PG_USER` (password
    `LEADGEN_LAKE_PG_PASSWORD`, an EnvVar), its files under `LEADGEN_LAKE_DATA_PATH`. Either
    way the analysts' copy (a DuckDB file) goes to `LEADGEN_ANALYST_COPY`, by default beside
    the DuckDB file."""
    database = settings.ensure_parent(settings.duckdb_path())
    analyst_copy = os.environ.get("LEADGEN_ANALYST_COPY") or str(
        database.with_name(f"{database.stem}_analyst{database.suffix}")
    )
    if settings.executor_kind() != "in_process":
        # each step's process would publish the whole lake when it ends: analysts attach the
        # lake itself instead (docs/deployment.md)
        analyst_copy = None
    kind = settings.store_kind()
    if kind == "duckdb":
        return DuckDBStore(database=str(database), analyst_copy=analyst_copy)
    lake = settings.lake_settings()
    return DuckLakeStore(
        catalog_host=lake["host"],
        catalog_port=int(lake["port"]),
        catalog_database=lake["database"],
        catalog_user=lake["user"],
        catalog_password=dg.EnvVar(settings.LAKE_PASSWORD_ENV),
        data_path=lake["data_path"],
        lake_files_dir=str(database.parent),
        analyst_copy=analyst_copy,
    )


def local_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources for this environment: the store `LEADGEN_STORE` names (the embedded DuckDB
    file unless it says otherwise) and the local inbox."""
    return {
        "duckdb": store_from_env(),
        "inputs": LeadgenInputs(
            inbox=settings.inbox_path(),
            icp_dir=settings.icp_dir(),
            sources_manifest=settings.sources_manifest_path(),
            as_of=settings.as_of(),
        ),
        "apollo": apollo_from_env(),
        "verifier": verifier_from_env(),
    }


class ResearchResource(dg.ConfigurableResource):
    """The OpenAI-compatible model for AI account research, and the page fetcher that
    checks its claims. Research runs only when `base_url`, `api_key` and `model` are all
    set (`LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL`); `max_cost_usd` caps one run's spend
    (`LLM_MAX_COST_USD`); `web_mirror` fetches `https://<host>/<path>` from
    `<mirror>/<host>/<path>` (`LEADGEN_WEB_MIRROR`, for tests and air-gapped runs)."""

    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    max_cost_usd: float | None = None
    web_mirror: str | None = None
    llm_timeout_s: float = 60.0
    web_timeout_s: float = 10.0
    max_page_bytes: int = 2_000_000
    max_attempts: int = 4
    retry_base_delay_s: float = 1.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.api_key and self.model)

    @contextmanager
    def clients(self) -> Iterator[tuple[LlmClient | None, WebFetcher | None]]:
        """The model and the fetcher, or `(None, None)` when research is off."""
        if not self.enabled:
            yield None, None
            return
        policy = RetryPolicy(max_attempts=self.max_attempts, base_delay_s=self.retry_base_delay_s)
        llm = LlmClient(
            base_url=self.base_url or "",
            api_key=self.api_key or "",
            model=self.model or "",
            timeout_s=self.llm_timeout_s,
            policy=policy,
        )
        fetcher = WebFetcher(
            mirror=self.web_mirror, timeout_s=self.web_timeout_s, max_bytes=self.max_page_bytes
        )
        with llm, fetcher:
            yield llm, fetcher


def research_from_env() -> ResearchResource:
    """Research on when `LLM_BASE_URL`, `LLM_API_KEY` and `LLM_MODEL` are set; the key is
    bound as an EnvVar, never a value."""
    budget = os.environ.get("LLM_MAX_COST_USD")
    common = {
        "max_cost_usd": float(budget) if budget else None,
        "web_mirror": os.environ.get("LEADGEN_WEB_MIRROR") or None,
    }
    if not all(os.environ.get(v) for v in ("LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL")):
        return ResearchResource(**common)
    return ResearchResource(
        base_url=os.environ["LLM_BASE_URL"],
        api_key=dg.EnvVar("LLM_API_KEY"),
        model=os.environ["LLM_MODEL"],
        **common,
    )
