"""Email verification: free pre-checks first, verdicts paid for once, a TTL on every verdict.

The order of business for each address of a contact who may be mailed:
1. Free pre-checks: bad syntax, a disposable domain, a role inbox, or a suppressed address
   get their verdict here and are never sent to a paid provider.
2. Verdicts already known: bulk-verification exports dropped in the inbox (`verifications/`)
   and every earlier paid call (`verify.verdicts`); one younger than the TTL is reused.
3. Only what is left is verified, through the configured provider; each paid answer is
   recorded before the next call starts (see `clients.verify_batch`).

Vendor labels inside contact exports (Apollo's "Verified") are inputs, never verdicts: only
these three paths produce a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
from disposable_email_domains import blocklist

from leadgen_pipeline.clients import millionverifier, neverbounce, zerobounce
from leadgen_pipeline.clients.bulk import BulkVerifier
from leadgen_pipeline.clients.verifiers import HttpVerifier
from leadgen_pipeline.kernel import dates
from leadgen_pipeline.kernel.csv_reader import open_export, read_csv_cells
from leadgen_pipeline.kernel.headers import columns_by_key, recognise, signature
from leadgen_pipeline.kernel.keys import email_match_key, is_role_address
from leadgen_pipeline.kernel.keys import send_address as verification_key  # a verdict's address
from leadgen_pipeline.kernel.progress import Progress
from leadgen_pipeline.kernel.store import (
    append_rows,
    read_table,
    registered,
    table_exists,
    transaction,
    write_table,
)
from leadgen_pipeline.kernel.vocab import (
    DEFAULT_TTL_DAYS,
    UNDELIVERABLE_STATUSES,
    UNKNOWN_RETRY_DAYS,
    VERDICT_STATUSES,
)
from leadgen_pipeline.layers.core.links import read_contacts
from leadgen_pipeline.layers.verify.batches import batch_filter, in_batches_sql, scoped
from leadgen_pipeline.layers.verify.bulk_jobs import (
    DEFAULT_BULK_THRESHOLD,
)
from leadgen_pipeline.layers.verify.ledger import (
    VERDICT_SCHEMA,
    Reconciliation,
    ensure_verify_tables,
    settle_open_intents,
)
from leadgen_pipeline.layers.verify.provider_calls import ProviderOutcome, ask_provider

PRECHECK = "precheck"


def precheck(emails: pl.Series, suppressed_emails: pl.Series, checked_at: datetime) -> pl.DataFrame:
    """Verdicts the free checks settle: syntax, disposable domain, role inbox, suppression.

    `emails` are raw addresses; the verdict's `email` is the verification key, or the raw
    text (trimmed, lower-cased) when the address does not even parse.
    """
    frame = (
        pl.DataFrame({"raw": emails})
        .drop_nulls()
        .unique()
        .with_columns(verification_key(pl.col("raw")).alias("email"))
    )
    frame = frame.with_columns(
        pl.col("email").str.extract(r"@(.+)$").alias("domain"),
        is_role_address(pl.col("email")).fill_null(False).alias("role"),
        # suppressions hold match keys: compare like with like (`+tag`, Gmail dots, case)
        email_match_key(pl.col("raw")).is_in(suppressed_emails.implode()).alias("suppressed"),
    )
    disposable = pl.col("domain").is_in(pl.Series(sorted(blocklist)).implode())
    verdict = (
        pl.when(pl.col("email").is_null()).then(pl.lit("invalid|syntax"))
        .when(pl.col("suppressed")).then(pl.lit("do_not_mail|suppressed"))
        .when(disposable).then(pl.lit("disposable|disposable_domain"))
        .when(pl.col("role")).then(pl.lit("role|role_account"))
    )  # fmt: skip
    decided = frame.with_columns(verdict.alias("verdict")).filter(pl.col("verdict").is_not_null())
    return decided.select(
        pl.coalesce("email", pl.col("raw").str.strip_chars().str.to_lowercase()).alias("email"),
        pl.col("verdict").str.split("|").list.first().alias("status"),
        pl.col("verdict").str.split("|").list.last().alias("provider_status"),
        pl.lit(PRECHECK).alias("provider"),
        pl.lit(checked_at).cast(pl.Datetime("us", "UTC")).alias("checked_at"),
        pl.lit(False).alias("paid"),
        pl.lit(0.0).alias("cost"),
        pl.lit(None, dtype=pl.String).alias("detail"),
    ).unique("email")


# header signature -> provider; the first whose columns are all present wins
_EXPORT_KINDS: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("zerobounce", (signature("ZB Status"),)),
    ("millionverifier", (signature("quality", "result"),)),
    ("neverbounce", (signature("email_status"), signature("result"))),
)


def _mapped(column: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    return (
        column.str.strip_chars()
        .str.to_lowercase()
        .replace_strict(mapping, default="unknown", return_dtype=pl.String)
    )


def read_verification_export(
    con: duckdb.DuckDBPyConnection, path: Path, now: datetime | None = None
) -> pl.DataFrame:
    """A bulk verification result export (NeverBounce, ZeroBounce, MillionVerifier) as
    verdicts dated by the file, never later than `now` (the run's clock: a verdict dated
    after a pinned date would look fresh for its whole TTL); an unrecognised file yields
    none."""
    read = read_csv_cells(con, open_export(path))
    kind = recognise(read.header, _EXPORT_KINDS)
    if kind is None:
        return pl.DataFrame(schema=VERDICT_SCHEMA)
    columns = columns_by_key(read.header)

    def cell(name: str) -> pl.Expr:
        return pl.col(columns[name]) if name in columns else pl.lit(None, dtype=pl.String)

    if kind == "zerobounce":
        raw_status = cell("zb status").str.to_lowercase()
        sub = cell("zb sub status").str.to_lowercase()
        status = (
            pl.when(raw_status == "do_not_mail")
            .then(sub.replace_strict(zerobounce.DO_NOT_MAIL_SUB_STATUSES, default="do_not_mail"))
            .otherwise(_mapped(raw_status, zerobounce.STATUSES))
        )
        provider_status = pl.concat_str(raw_status, pl.lit("/"), sub, ignore_nulls=True)
        email = cell("email address")
    elif kind == "millionverifier":
        status = _mapped(cell("result"), millionverifier.RESULTS)
        provider_status = pl.concat_str(
            cell("result"), pl.lit("/"), cell("quality"), ignore_nulls=True
        )
        email = cell("email")
    else:
        result = pl.coalesce(cell("email_status"), cell("result"))
        status = _mapped(result, neverbounce.RESULTS)
        provider_status = result
        email = pl.coalesce(cell("email"), cell("email address"))
    checked_at = dates.exported_at(path, now)
    return (
        read.cells.select(
            verification_key(email).alias("email"),
            status.alias("status"),
            provider_status.alias("provider_status"),
            pl.lit(f"{kind}_bulk").alias("provider"),
            pl.lit(checked_at).cast(pl.Datetime("us", "UTC")).alias("checked_at"),
            pl.lit(False).alias("paid"),  # paid for outside the pipeline, not by this run
            pl.lit(0.0).alias("cost"),
            pl.lit(path.name).alias("detail"),
        )
        .drop_nulls("email")
        .filter(pl.col("status").is_in(list(VERDICT_STATUSES)))
    )


def read_verification_exports(
    con: duckdb.DuckDBPyConnection, inbox: Path, now: datetime | None = None
) -> pl.DataFrame:
    folder = inbox / "verifications"
    frames = [pl.DataFrame(schema=VERDICT_SCHEMA)]
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        frames.append(read_verification_export(con, path, now))
    return pl.concat(frames)


def latest_verdicts(verdicts: pl.DataFrame) -> pl.DataFrame:
    """The newest verdict per address (a paid one wins a tie with an imported one)."""
    return verdicts.sort(["email", "checked_at", "paid"], descending=[False, True, True]).unique(
        "email", keep="first", maintain_order=True
    )


def still_to_verify(
    candidates: pl.Series, known: pl.DataFrame, as_of: datetime, ttl_days: int = DEFAULT_TTL_DAYS
) -> list[str]:
    """Addresses with no verdict younger than the TTL: the only ones worth paying for.

    An `unknown` (greylisting, a timeout) is no answer: it is asked again after a day. An
    `invalid` or `do_not_mail` verdict stands for good: the verdict history keeps the address
    out of every later paid call.
    """
    age = pl.col("checked_at")
    fresh_if = (
        # an address found undeliverable is never paid for again, whatever its age
        pl.when(pl.col("status").is_in(list(UNDELIVERABLE_STATUSES)))
        .then(True)
        .when(pl.col("status") == "unknown")
        .then(age >= as_of - timedelta(days=UNKNOWN_RETRY_DAYS))
        .otherwise(age >= as_of - timedelta(days=ttl_days))
    )
    statuses = known if "status" in known.columns else known.with_columns(status=pl.lit(None))
    fresh = statuses.filter(fresh_if)["email"]
    wanted = candidates.drop_nulls().unique().sort()
    return wanted.filter(~wanted.is_in(fresh.implode())).to_list()


def email_checks(
    prechecks: pl.DataFrame, verdicts: pl.DataFrame, as_of: datetime, ttl_days: int
) -> pl.DataFrame:
    """`verify.email_checks`: per address, the pre-check verdict if any (a fact no provider
    can overturn), else the newest verdict, with whether it is still within the TTL."""
    latest = latest_verdicts(verdicts.join(prechecks.select("email"), on="email", how="anti"))
    return (
        pl.concat([prechecks, latest])
        .with_columns(
            (pl.col("checked_at") >= as_of - timedelta(days=ttl_days)).alias("within_ttl")
        )
        .sort("email")
    )


# verdict -> send track: catch-all domains accept anything, so only capped sends go there
SEND_TRACKS = {"valid": "main", "catch_all": "capped"}


def sendable_now(
    contacts: pl.DataFrame, checks: pl.DataFrame, as_of: datetime, ttl_days: int
) -> pl.DataFrame:
    """Contacts who may be emailed at `as_of`: not suppressed, not stale, and with a verdict
    within the TTL that is `valid` (main track) or `catch_all` (capped sends only).

    The TTL is judged here, not taken from `email_checks.within_ttl`: batches are verified
    by runs of their own, each at its own time, so a batch's flag can be older than this
    list."""
    verdicts = checks.select(
        pl.col("email").alias("verified_email"),
        pl.col("status").alias("email_status"),
        "provider",
        "checked_at",
        (pl.col("checked_at") >= as_of - timedelta(days=ttl_days)).alias("within_ttl"),
    )
    return (
        contacts.filter(~pl.col("suppressed") & ~pl.col("stale") & pl.col("email").is_not_null())
        .with_columns(verification_key(pl.col("email")).alias("verified_email"))
        .join(verdicts, on="verified_email")
        .filter(pl.col("within_ttl") & pl.col("email_status").is_in(list(SEND_TRACKS)))
        .with_columns(pl.col("email_status").replace_strict(SEND_TRACKS).alias("send_track"))
        .select(
            "person_id",
            "email",
            "verified_email",
            "email_status",
            "send_track",
            "provider",
            "checked_at",
            "first_name",
            "last_name",
            "title",
            "company_name",
            "company_domain",
            "country",
            "linkedin_url",
        )
    )


def plan_verification(
    contacts: pl.DataFrame,
    suppressed_emails: pl.Series,
    exports: pl.DataFrame,
    known: pl.DataFrame,
    as_of: datetime,
    ttl_days: int,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """(pre-check verdicts, bulk-export verdicts not yet stored, addresses to pay for).

    Only mailable contacts count: suppressed people are dropped before anything is paid
    for, and export verdicts are kept only for addresses held (no personal data beyond
    need). Addresses the free checks settle are never paid for.
    """
    prechecks, new_imports, todo, _ = _plan(
        contacts, suppressed_emails, exports, known, as_of, ttl_days
    )
    return prechecks, new_imports, todo


def _plan(
    contacts: pl.DataFrame,
    suppressed_emails: pl.Series,
    exports: pl.DataFrame,
    known: pl.DataFrame,
    as_of: datetime,
    ttl_days: int,
    in_batch: Callable[[pl.Series], pl.Series] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str], int]:
    """`plan_verification`, and how many addresses a verdict within its TTL settled; with
    `in_batch` (a mask over addresses, `batches.batch_filter`), for those addresses only."""
    mailable = contacts.filter(~pl.col("suppressed"))
    prechecks = precheck(mailable["email"], suppressed_emails, as_of)
    candidates = mailable.select(verification_key(pl.col("email")).alias("e"))["e"]
    candidates = candidates.filter(~candidates.is_in(prechecks["email"].implode()))
    if in_batch is not None:
        prechecks = prechecks.filter(in_batch(prechecks["email"]))
        candidates = candidates.filter(in_batch(candidates))
    held = exports.filter(pl.col("email").is_in(candidates.implode()))
    new_imports = held.join(known, on=["email", "provider", "checked_at"], how="anti")
    todo = still_to_verify(candidates, pl.concat([known, new_imports]), as_of, ttl_days)
    return prechecks, new_imports, todo, candidates.drop_nulls().n_unique() - len(todo)


@dataclass(frozen=True)
class VerificationRun:
    """What one verification build did: the verdicts it settled, and what it paid for."""

    checks: pl.DataFrame  # `verify.email_checks`
    prechecked: int
    imported: int
    to_verify: int  # addresses with no verdict within the TTL
    paid: int  # paid calls recorded in this run
    # calls of an earlier, killed run whose answers were lost, now in the ledger as
    # possibly charged (at most that run's concurrency)
    possibly_charged: int = 0
    reconciliation: Reconciliation | None = None  # None: nothing was asked of a provider
    bulk: bool = False  # whether the batch went through the provider's bulk API
    # calls made, paid, reused, failures and wall time of the paid batch (`kernel.progress`)
    summary: dict[str, int | float] = field(default_factory=dict)


def verify_contacts(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    now: datetime,
    ttl_days: int,
    *,
    client: HttpVerifier | None,
    run_id: str,
    max_concurrency: int = 8,
    rate_per_second: float | None = None,
    bulk: BulkVerifier | None = None,
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
    bulk_poll_s: float = 5.0,
    say: Callable[[str], None] | None = None,
    batches: Collection[str] | None = None,
) -> VerificationRun:
    """Settle a verdict for every address of a mailable contact in `batches` (None: every
    batch, `batches.py`) and write `verify.*`; the other batches' rows are left as they are.

    Free pre-checks, then bulk exports and earlier verdicts within the TTL; only what is
    left goes to `client` (none: nothing is paid for and those addresses stay unverified).
    Calls an earlier run left in flight are first booked as possibly charged. Each call's
    intent is recorded before it starts and its answer before the next; a `ProviderError`
    that stops the batch is raised with every answer so far kept. Around the batch the
    provider's credit balance is read, for `Reconciliation` with the ledger. With `bulk`,
    jobs an earlier run left open are finished first, and a batch of `bulk_threshold`
    addresses or more goes through the bulk API (`bulk_jobs`). The paid batch's progress is
    told to `say` every few seconds, in counts.
    """
    ensure_verify_tables(con)
    ours = scoped(batches)
    in_batch = None if ours is None else batch_filter(con, ours)
    possibly_charged = settle_open_intents(con, ours)
    suppressed_emails = con.sql(
        "select key_value from compliance.suppressions where key_type = 'email_key' and not hashed"
    ).pl()["key_value"]
    prechecks, new_imports, todo, reused = _plan(
        read_contacts(con),
        suppressed_emails,
        read_verification_exports(con, inbox, now),
        read_table(con, "verify.verdicts"),
        now,
        ttl_days,
        in_batch=in_batch,
    )
    append_rows(con, "verify.verdicts", new_imports)
    paid_before = _ledger_rows(con)
    to_verify = len(todo)
    in_bulk = client is not None and bulk is not None and to_verify >= bulk_threshold
    asked = ProviderOutcome()
    if client is not None:
        asked = ask_provider(
            con, client, bulk, todo, now, run_id, in_bulk=in_bulk, bulk_poll_s=bulk_poll_s,
            max_concurrency=max_concurrency, rate_per_second=rate_per_second,
            reused=reused, say=say, batches=ours,
        )  # fmt: skip
    summary = asked.summary or Progress("verify", 0, None, reused=reused).finish()
    checks = email_checks(prechecks, read_table(con, "verify.verdicts"), now, ttl_days)
    if ours is None or in_batch is None:
        write_table(con, "verify.email_checks", checks)
    else:
        checks = checks.filter(in_batch(checks["email"]))
        replace_batches(con, checks, ours)
    return VerificationRun(
        checks=checks,
        prechecked=prechecks.height,
        imported=new_imports.height,
        to_verify=to_verify,
        paid=_ledger_rows(con) - paid_before,
        possibly_charged=possibly_charged + asked.possibly_charged,
        reconciliation=asked.reconciliation,
        bulk=in_bulk,
        summary=summary,
    )


def replace_batches(
    con: duckdb.DuckDBPyConnection, checks: pl.DataFrame, batches: list[str]
) -> None:
    """`verify.email_checks` with the rows of `batches` replaced by `checks`, in one
    transaction; the other batches' rows are kept as their own runs left them."""
    if not table_exists(con, "verify.email_checks"):
        write_table(con, "verify.email_checks", checks.clear())
    with transaction(con), registered(con, checks) as frame:
        con.execute(
            f"delete from verify.email_checks where {in_batches_sql('email', batches)}"
        )
        con.execute(f"insert into verify.email_checks by name select * from {frame}")


def _ledger_rows(con: duckdb.DuckDBPyConnection) -> int:
    ((rows,),) = con.execute("select count(*) from verify.ledger").fetchall()
    return int(rows)


def suppression_list(suppressions: pl.DataFrame, checks: pl.DataFrame) -> pl.DataFrame:
    """The complete list of keys never to contact: the compliance layer's suppressions plus
    every address verification found invalid or dangerous (spam trap, abuse, do-not-mail)."""
    undeliverable = checks.filter(pl.col("status").is_in(list(UNDELIVERABLE_STATUSES))).select(
        pl.lit("undeliverable").alias("kind"),
        pl.lit("email_key").alias("key_type"),
        email_match_key(pl.col("email")).alias("key_value"),
        pl.lit(False).alias("hashed"),
        pl.col("checked_at").cast(pl.Datetime("us", "UTC")).alias("recorded_at"),
        pl.format("{} by {}", "status", "provider").alias("reason"),
        pl.lit("verify.email_checks").alias("source_file"),
        pl.lit(None, dtype=pl.Int64).alias("source_row"),
    )
    return pl.concat(
        [suppressions, undeliverable.drop_nulls("key_value")], how="diagonal_relaxed"
    ).unique(["kind", "key_type", "key_value"], keep="first", maintain_order=True)
