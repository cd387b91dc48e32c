"""Everything in the inbox besides contact records: buying signals, bulk-verification results,
account intent, CRM deals and suppression lists — all tied to the simulated companies and
people, so later layers can join them back.

Verification export headers (searched in public vendor docs, SDKs and parsers):
- NeverBounce bulk download: the submitted columns with `email_status` appended, results in
  `valid|invalid|disposable|catchall|unknown`. The appended column is described by one
  third-party client of `POST /jobs/download`; the result vocabulary is confirmed by the
  official SDK. [PARTIAL]
- ZeroBounce bulk `getfile`: `"Email Address","ZB Status","ZB Sub Status","ZB Account",
  "ZB Domain","ZB First Name","ZB Last Name","ZB Gender","ZB Free Email","ZB MX Found",
  "ZB MX Record","ZB SMTP Provider","ZB Did You Mean"`, every field quoted, the uploaded
  columns kept in front — confirmed in the official PHP, C# and Python SDK test fixtures.
  [CONFIRMED]
- MillionVerifier bulk report: columns `quality`, `result`, `free`, `role` (`yes`/`no`) read
  by one public client of `/bulkapi/v2/download`; the leading `email` column name and the
  quality values other than `good` are not confirmed. [PARTIAL]
- Bombora Company Surge: `Company Name`, `Domain`, `Composite Score`, topic name/id and a
  report date appear in one public warehouse model; the exact header is not confirmed.
  [UNVERIFIED]
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo import formats, names
from leadgen_pipeline.demo.rng import Draw

_VERDICTS = ("valid", "catchall", "invalid", "unknown", "disposable", "spamtrap", "abuse", "dnm")
_CURRENT_WEIGHTS = (68, 14, 7, 7, 1, 1, 1, 1)
_OLD_WEIGHTS = (10, 10, 65, 15, 0, 0, 0, 0)  # a changer's old mailbox is usually gone
_NB = {
    "valid": "valid",
    "catchall": "catchall",
    "invalid": "invalid",
    "unknown": "unknown",
    "disposable": "disposable",
    "spamtrap": "invalid",
    "abuse": "invalid",
    "dnm": "invalid",
}
_ZB = {
    "valid": "valid",
    "catchall": "catch-all",
    "invalid": "invalid",
    "unknown": "unknown",
    "disposable": "do_not_mail",
    "spamtrap": "spamtrap",
    "abuse": "abuse",
    "dnm": "do_not_mail",
}
_ZB_SUB = {
    "invalid": "mailbox_not_found",
    "unknown": "greylisted",
    "disposable": "disposable",
    "dnm": "role_based",
    "catchall": "",
    "valid": "",
    "spamtrap": "",
    "abuse": "",
}
_MV = {
    "valid": "ok",
    "catchall": "catch_all",
    "invalid": "invalid",
    "unknown": "unknown",
    "disposable": "disposable",
    "spamtrap": "invalid",
    "abuse": "invalid",
    "dnm": "invalid",
}
_MV_QUALITY = {
    "ok": "good",
    "catch_all": "risky",
    "unknown": "risky",
    "invalid": "bad",
    "disposable": "bad",
}
_DEAL_STAGES = (
    "Closed Won", "Closed won", "Closed Lost", "Appointment Scheduled", "Qualified To Buy",
    "Presentation Scheduled", "Decision Maker Bought-In", "Contract Sent",
)  # fmt: skip


def verification_emails(draw: Draw, people: pl.DataFrame) -> pl.DataFrame:
    """About 70% of the inbox's addresses with a verdict and the provider file they land in
    (`nb`, `nb_old` — checked more than 30 days ago —, `zb`, `mv`)."""
    key = pl.col("pid")
    current = people.select(
        pl.col("email").alias("address"),
        "first",
        "last",
        "domain",
        key,
        pl.lit(False).alias("old"),
        pl.lit(0).alias("kind"),
    )
    old = people.filter(pl.col("prev_email").is_not_null()).select(
        pl.col("prev_email").alias("address"),
        "first",
        "last",
        "domain",
        key,
        pl.lit(True).alias("old"),
        pl.lit(1).alias("kind"),
    )
    shared = (
        people.filter(pl.col("shared_email").is_not_null())
        .group_by("shared_email")
        .agg(pl.col("pid").min(), pl.col("domain").first())
        .select(
            pl.col("shared_email").alias("address"),
            pl.lit(None, pl.String).alias("first"),
            pl.lit(None, pl.String).alias("last"),
            "domain",
            key,
            pl.lit(False).alias("old"),
            pl.lit(2).alias("kind"),
        )
    )
    emails = pl.concat([current, old, shared]).with_columns(vkey=pl.col("pid") * 4 + pl.col("kind"))
    vkey = pl.col("vkey")
    verdict = (
        pl.when(pl.col("old"))
        .then(draw.weighted(vkey, "v.old", _VERDICTS, _OLD_WEIGHTS))
        .otherwise(draw.weighted(vkey, "v.cur", _VERDICTS, _CURRENT_WEIGHTS))
    )
    return (
        emails.filter(draw.chance(vkey, "v.covered", 0.7))
        .with_columns(
            verdict=pl.when(pl.col("kind") == 2).then(pl.lit("dnm")).otherwise(verdict),
            provider=draw.weighted(
                vkey, "v.provider", ("nb", "nb_old", "zb", "mv"), (40, 4, 30, 26)
            ),
            order=draw.u32(vkey, "v.order"),
        )
        .sort("order")
    )


def neverbounce(emails: pl.DataFrame, companies: pl.DataFrame) -> pl.DataFrame:
    names_by_domain = companies.select(pl.col("domain"), pl.col("legal_name").alias("company"))
    return (
        emails.join(names_by_domain, on="domain", how="left")
        .sort("order")
        .select(
            pl.col("address").alias("email"),
            pl.col("first").alias("first_name"),
            pl.col("last").alias("last_name"),
            "company",
            pl.col("verdict").replace_strict(_NB).alias("email_status"),
        )
    )


def zerobounce(draw: Draw, emails: pl.DataFrame) -> pl.DataFrame:
    parts = pl.col("address").str.split("@")
    status = pl.col("verdict").replace_strict(_ZB)
    cells = {
        "Email Address": pl.col("address"),
        "First Name": pl.col("first"),
        "Last Name": pl.col("last"),
        "ZB Status": status,
        "ZB Sub Status": pl.col("verdict").replace_strict(_ZB_SUB),
        "ZB Account": parts.list.first(),
        "ZB Domain": parts.list.last(),
        "ZB First Name": c.text(""),
        "ZB Last Name": c.text(""),
        "ZB Gender": c.text(""),
        "ZB Free Email": c.text("False"),
        "ZB MX Found": pl.when(status == "invalid").then(pl.lit("false")).otherwise(pl.lit("true")),
        "ZB MX Record": pl.concat_str(pl.lit("mx1."), parts.list.last()),
        "ZB SMTP Provider": draw.pick(pl.col("vkey"), "zb.smtp", ("google", "microsoft", "")),
        "ZB Did You Mean": c.text(""),
    }
    return c.assemble(emails, formats.ZEROBOUNCE, cells)


def millionverifier(emails: pl.DataFrame) -> pl.DataFrame:
    result = pl.col("verdict").replace_strict(_MV)
    return emails.sort("order").select(
        pl.col("address").alias("email"),
        result.replace_strict(_MV_QUALITY).alias("quality"),
        result.alias("result"),
        pl.lit("no").alias("free"),
        pl.when(pl.col("kind") == 2).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("role"),
    )


# How often an account of each heat (`names.ACCOUNT_HEAT`) shows a kind of signal, as a
# multiple of the kind's base share, and how far back its signals reach, as a share of the
# kind's date range (what makes an account hot is that its news is recent).
_HEAT_CHANCE = {"hot": 3.5, "warm": 1.0, "cold": 0.25}
_HEAT_REACH = {"hot": 0.3, "warm": 0.6, "cold": 1.0}
_MAX_CHANCE = 0.95
# how often a signal of a company whose industry has its own roles, tools or events is one
_OWN_SHARE = 0.5


def _per_company(draw: Draw, companies: pl.DataFrame, stream: str, share: float, most: int):
    """Companies with signals of one kind, exploded to 1..`most` rows each (`j` numbers them):
    `share` of the warm companies, more of the hot ones, few of the cold."""
    key = pl.col("cid")
    chance = pl.col("heat").replace_strict(
        {heat: min(_MAX_CHANCE, share * k) for heat, k in _HEAT_CHANCE.items()},
        return_dtype=pl.Float64,
    )
    return (
        companies.filter(draw.chance(key, f"{stream}.has", chance))
        .with_columns(n=draw.integers(key, f"{stream}.n", 1, most + 1))
        .with_columns(j=pl.int_ranges(0, pl.col("n")))
        .explode("j")
        .with_columns(skey=pl.col("cid") * 8 + pl.col("j"))
    )


def _signal_day(as_of: date, skey: pl.Expr, draw: Draw, stream: str, low: int, high: int):
    """A date `low`..`high` days before `as_of`; a hotter account's in the recent part of it."""
    reach = pl.col("heat").replace_strict(_HEAT_REACH, return_dtype=pl.Float64)
    days = low + (draw.uniform(skey, stream) * (high - low) * reach).floor().cast(pl.Int64)
    return pl.lit(as_of) - pl.duration(days=days)


def _industry_pick(
    draw: Draw,
    skey: pl.Expr,
    stream: str,
    common: tuple[tuple[str, str], ...],
    by_industry: dict[str, tuple[tuple[str, str], ...]],
) -> tuple[pl.Expr, pl.Expr]:
    """One (name, kind) pair: for a company of an industry with its own list, from that list
    half of the time; otherwise from the common list, uniformly."""
    flat = list(common)
    offsets: dict[str, int] = {}
    counts: dict[str, int] = {}
    for industry, own in by_industry.items():
        offsets[industry], counts[industry] = len(flat), len(own)
        flat.extend(own)
    industry = pl.col("industry")
    own_list = industry.is_in(list(by_industry)) & draw.chance(skey, f"{stream}.own", _OWN_SHARE)
    offset = pl.when(own_list).then(
        industry.replace_strict(offsets, default=0, return_dtype=pl.UInt64)
    )
    count = pl.when(own_list).then(
        industry.replace_strict(counts, default=len(common), return_dtype=pl.UInt64)
    )
    pick = offset.fill_null(0) + draw.u32(skey, stream) % count.fill_null(len(common))
    first = pl.lit(pl.Series([a for a, _ in flat])).gather(pick)
    second = pl.lit(pl.Series([b for _, b in flat])).gather(pick)
    return first, second


def funding_rounds(draw: Draw, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = _per_company(draw, companies, "s.fund", 0.25, 1)
    skey = pl.col("skey")
    return rows.select(
        pl.col("domain").alias("company_domain"),
        pl.col("legal_name").alias("company_name"),
        pl.col("funding_round").alias("round"),
        (pl.col("total_funding_usd") // 3).alias("amount_usd"),
        _signal_day(as_of, skey, draw, "s.fund.on", 5, 400).alias("announced_on"),
        pl.concat_str(
            pl.lit("https://news.example.com/funding/"),
            pl.col("li_company_slug"),
            pl.lit("-"),
            pl.col("funding_round").str.to_lowercase().str.replace_all(r"[^a-z]+", "-"),
        ).alias("source_url"),
    )


def job_postings(draw: Draw, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = _per_company(draw, companies, "s.jobs", 0.35, 4)
    skey = pl.col("skey")
    title, department = _industry_pick(
        draw, skey, "s.jobs.title", names.JOB_POSTING_TITLES, names.INDUSTRY_JOB_POSTINGS
    )
    return rows.select(
        pl.col("domain").alias("company_domain"),
        title.alias("job_title"),
        department.alias("department"),
        _signal_day(as_of, skey, draw, "s.jobs.on", 1, 75).alias("posted_on"),
        pl.concat_str(
            pl.lit("https://jobs.example.com/"),
            pl.col("li_company_slug"),
            pl.lit("/"),
            draw.integers(skey, "s.jobs.id", 100000, 999999).cast(pl.String),
        ).alias("source_url"),
    )


def tech_stack(draw: Draw, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = _per_company(draw, companies, "s.tech", 0.5, 5)
    skey = pl.col("skey")
    technology, category = _industry_pick(
        draw, skey, "s.tech.name", names.TECHNOLOGIES, names.INDUSTRY_TECHNOLOGIES
    )
    return rows.select(
        pl.col("domain").alias("company_domain"),
        technology.alias("technology"),
        category.alias("category"),
        _signal_day(as_of, skey, draw, "s.tech.on", 10, 700).alias("first_seen_on"),
        pl.concat_str(pl.lit("https://techstack.example.com/"), pl.col("domain")).alias(
            "source_url"
        ),
    ).unique(subset=["company_domain", "technology"], keep="first", maintain_order=True)


def company_events(draw: Draw, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = _per_company(draw, companies, "s.event", 0.2, 2)
    skey = pl.col("skey")
    event_type, template = _industry_pick(
        draw, skey, "s.event.kind", names.COMPANY_EVENTS, names.INDUSTRY_EVENTS
    )
    headline = pl.concat_str(
        pl.col("name"),
        pl.lit(" "),
        template.str.replace(
            "{role}", draw.pick(skey, "s.event.role", names.EXECUTIVE_ROLES), literal=True
        )
        .str.replace("{city}", pl.col("city"), literal=True)
        .str.replace("{industry}", pl.col("industry").str.to_lowercase(), literal=True)
        .str.replace("{country}", c.country_name(pl.col("country")), literal=True),
    )
    return rows.select(
        pl.col("domain").alias("company_domain"),
        event_type.alias("event_type"),
        _signal_day(as_of, skey, draw, "s.event.on", 2, 180).alias("event_date"),
        headline.alias("headline"),
        pl.concat_str(
            pl.lit("https://news.example.com/"),
            pl.col("li_company_slug"),
            pl.lit("/"),
            draw.integers(skey, "s.event.id", 1000, 99999).cast(pl.String),
        ).alias("source_url"),
    )


def bombora(draw: Draw, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = _per_company(draw, companies, "s.intent", 0.3, 3)
    skey = pl.col("skey")
    pick = draw.u32(skey, "s.intent.topic") % len(names.INTENT_TOPICS)
    cells = {
        "Company Name": pl.col("legal_name"),
        "Domain": pl.col("domain"),
        "Size": pl.col("employee_range"),
        "Industry": pl.col("industry"),
        "HQ Country": c.country_name(pl.col("country")),
        "Topic": pl.lit(pl.Series([t for t, _, _ in names.INTENT_TOPICS])).gather(pick),
        "Topic ID": pl.lit(pl.Series([i for _, _, i in names.INTENT_TOPICS])).gather(pick),
        "Category": pl.lit(pl.Series([k for _, k, _ in names.INTENT_TOPICS])).gather(pick),
        "Composite Score": draw.integers(skey, "s.intent.score", 40, 100),
        "Composite Score Delta": draw.integers(skey, "s.intent.delta", -15, 25),
        "Report Date": pl.lit((as_of).isoformat()),
    }
    return c.assemble(
        rows.with_columns(order=draw.u32(skey, "s.intent.order")), formats.BOMBORA, cells
    )


def hubspot_deals(draw: Draw, people: pl.DataFrame, companies: pl.DataFrame, as_of: date):
    """Deals for ~4% of companies, each with one associated contact (by email)."""
    key = pl.col("pid")
    deals = (
        people.filter(draw.chance(key, "crm.deal", 0.02))
        .unique(subset="cid", keep="first", maintain_order=True)
        .join(companies.select("cid", "legal_name", "hubspot_id"), on="cid", how="left")
    )
    stage = draw.weighted(key, "crm.stage", _DEAL_STAGES, (28, 6, 24, 10, 10, 8, 7, 7))
    created = c.days_before(as_of, key, draw, "crm.created", 60, 500)
    created_at = created.cast(pl.Datetime("us")) + pl.duration(
        minutes=draw.integers(key, "crm.min", 480, 1080)
    )
    cents = draw.integers(key, "crm.cents", 0, 100).cast(pl.String).str.zfill(2)
    cells = {
        "Record ID": draw.integers(key, "crm.id", 10_000_000_000, 40_000_000_000),
        "Deal Name": pl.concat_str(pl.col("legal_name"), pl.lit(" - New Business")),
        "Deal Stage": stage,
        "Amount": pl.concat_str(
            draw.integers(key, "crm.amount", 4_000, 180_000).cast(pl.String), pl.lit("."), cents
        ),
        "Close Date": (created + pl.duration(days=draw.integers(key, "crm.cycle", 20, 59))).cast(
            pl.String
        ),
        "Create Date": created_at.dt.strftime("%Y-%m-%d %H:%M"),
        "Last Activity Date": (created_at + pl.duration(days=10)).dt.strftime("%Y-%m-%d %H:%M"),
        "Pipeline": pl.lit("Sales Pipeline"),
        "Deal owner": draw.pick(key, "crm.owner", names.DEAL_OWNERS),
        "Deal Type": pl.lit("New Business"),
        "Associated Company IDs (Primary)": pl.col("hubspot_id"),
        "Associated Company (Primary)": pl.col("legal_name"),
        "Associated Contact": pl.col("email"),
    }
    return c.assemble(
        deals.with_columns(order=draw.u32(key, "crm.order")), formats.HUBSPOT_DEALS, cells
    )
