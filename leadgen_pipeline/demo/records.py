"""Turn (person, file) pairs into source records, with the variation real exports show.

A record states one person as one vendor saw them at one time: a nickname instead of the
formal first name, a typo, an email with different case, whitespace or a `+tag`, a shared
role inbox, a LinkedIn URL in one of its many spellings, a company name with or without its
legal suffix — or no email or LinkedIn at all. Records of a job changer's old job carry the
old employer and the old mailbox. The result is one wide frame in a vendor-neutral shape
that the vendor writers in `vendors.py` pick columns from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from leadgen_pipeline.demo.rng import Draw

_TAGS = ("crm", "news", "leads", "work", "2025")
_LI_SUBDOMAINS = {"GB": "uk", "DE": "de", "FR": "fr", "NL": "nl", "CA": "ca", "AU": "au"}
_COMPANY_COLUMNS = (
    "name", "legal_name", "legal_long", "domain", "industry", "employees", "employee_range",
    "founded_year", "revenue_usd", "funding_round", "total_funding_usd", "last_raised_on",
    "company_phone", "li_company_id", "li_company_slug", "city", "state", "country", "street",
    "zip_code", "hubspot_id",
)  # fmt: skip


@dataclass(frozen=True)
class Variation:
    """How often a source's records deviate from the truth."""

    email_missing: float = 0.12
    linkedin_missing: float = 0.15
    nickname: float = 0.2
    typo: float = 0.02
    tag_alias: float = 0.03
    email_case: float = 0.06
    email_space: float = 0.03
    shared_inbox: float = 0.7  # chance a shared-inbox user is listed with the role address


def materialise(
    draw: Draw,
    slots: pl.DataFrame,
    people: pl.DataFrame,
    companies: pl.DataFrame,
    variation: Variation,
    as_of: date,
) -> pl.DataFrame:
    """Records for `slots` (columns `pid`, `file_no`, `old_job`), one row per slot.

    `rkey` (= pid * 64 + file_no) keys every random choice, so a record's content does not
    depend on which other records exist.
    """
    frame = slots.join(people, on="pid", how="left").with_columns(
        rkey=pl.col("pid") * 64 + pl.col("file_no")
    )
    key = pl.col("rkey")
    old = pl.col("old_job")
    frame = frame.with_columns(
        employer=pl.when(old).then(pl.col("prev_cid")).otherwise(pl.col("cid")),
        # The old employer, as a newer record describes it.
        past_cid=pl.when(old).then(None).otherwise(pl.col("prev_cid")),
    )
    company = companies.select("cid", *_COMPANY_COLUMNS).rename(
        {c: f"co_{c}" for c in _COMPANY_COLUMNS}
    )
    past = companies.select(
        pl.col("cid").alias("past_cid"),
        pl.col("legal_name").alias("past_company_name"),
        pl.col("li_company_id").alias("past_li_company_id"),
        pl.col("domain").alias("past_domain"),
    )
    frame = (
        frame.join(company.rename({"cid": "employer"}), on="employer", how="left")
        .join(past, on="past_cid", how="left")
        .sort("rkey")
    )
    true_email = (
        pl.when(old)
        .then(pl.col("prev_email"))
        .when(pl.col("uses_shared") & draw.chance(key, "r.shared", variation.shared_inbox))
        .then(pl.col("shared_email"))
        .otherwise(pl.col("email"))
    )
    frame = frame.with_columns(
        email_true=true_email,
        title_now=pl.when(old).then(pl.col("prev_title")).otherwise(pl.col("title")),
        start_date=pl.when(old)
        .then(pl.col("job_start") - pl.duration(days=draw.integers(key, "r.oldstart", 400, 2400)))
        .otherwise(pl.col("job_start")),
    )
    frame = frame.with_columns(
        first_name=_typo(draw, key, "r.first", _first_name(draw, key, variation), variation.typo),
        last_name=_typo(draw, key, "r.last", pl.col("last"), variation.typo),
        email_out=pl.when(draw.chance(key, "r.noemail", variation.email_missing))
        .then(None)
        .otherwise(_email_variant(draw, key, pl.col("email_true"), variation)),
        linkedin_url=pl.when(draw.chance(key, "r.noli", variation.linkedin_missing))
        .then(None)
        .otherwise(linkedin_variant(draw, key, pl.col("slug"), pl.col("co_country"))),
        company_variant=company_name_variant(draw, key),
        website=website_variant(draw, key, pl.col("co_domain")),
        order=draw.u32(key, "r.order"),
    )
    return frame.with_columns(
        full_name=pl.concat_str(pl.col("first_name"), pl.lit(" "), pl.col("last_name")),
        months_in_role=((pl.lit(as_of) - pl.col("start_date")).dt.total_days() // 30).clip(0),
    )


def _first_name(draw: Draw, key: pl.Expr, variation: Variation) -> pl.Expr:
    """The formal first name, or the nickname ("Bob" for "Robert") some vendors carry."""
    use_nick = (pl.col("nick") != "") & draw.chance(key, "r.nick", variation.nickname)
    return pl.when(use_nick).then(pl.col("nick")).otherwise(pl.col("first"))


def _typo(draw: Draw, key: pl.Expr, stream: str, name: pl.Expr, rate: float) -> pl.Expr:
    """`name` with two neighbouring letters swapped, at `rate` (names of 4+ letters)."""
    n = name.str.len_chars()
    pos = (draw.u32(key, f"{stream}.pos") % (n - 2).clip(1)).cast(pl.Int64) + 1
    swapped = pl.concat_str(
        name.str.slice(0, pos),
        name.str.slice(pos + 1, 1),
        name.str.slice(pos, 1),
        name.str.slice(pos + 2),
    )
    return pl.when((n >= 4) & draw.chance(key, stream, rate)).then(swapped).otherwise(name)


def _email_variant(draw: Draw, key: pl.Expr, email: pl.Expr, variation: Variation) -> pl.Expr:
    """The address as a vendor lists it: `+tag` alias, capitalised or upper case, stray spaces."""
    parts = email.str.split("@")
    local, domain = parts.list.first(), parts.list.last()
    local = (
        pl.when(draw.chance(key, "r.tag", variation.tag_alias))
        .then(pl.concat_str(local, pl.lit("+"), draw.pick(key, "r.tagword", _TAGS)))
        .otherwise(local)
    )
    address = pl.concat_str(local, pl.lit("@"), domain)
    case = draw.uniform(key, "r.ecase")
    address = (
        pl.when(case < variation.email_case)
        .then(pl.concat_str(local.str.to_titlecase(), pl.lit("@"), domain))
        .when(case < variation.email_case * 1.3)
        .then(address.str.to_uppercase())
        .otherwise(address)
    )
    space = draw.uniform(key, "r.espace")
    return (
        pl.when(space < variation.email_space / 2)
        .then(pl.concat_str(pl.lit(" "), address))
        .when(space < variation.email_space)
        .then(pl.concat_str(address, pl.lit(" ")))
        .otherwise(address)
    )


def linkedin_variant(draw: Draw, key: pl.Expr, slug: pl.Expr, country: pl.Expr) -> pl.Expr:
    """A public profile URL in one of its spellings: http/https, with or without www or a
    country subdomain (`uk.linkedin.com`), trailing slash, tracking query string."""
    subdomain = country.replace_strict(_LI_SUBDOMAINS, default="www", return_dtype=pl.String)
    host_pick = draw.weighted_index(key, "r.lihost", (55, 15, 30))
    host = (
        pl.when(host_pick == 0)
        .then(pl.lit("www.linkedin.com"))
        .when(host_pick == 1)
        .then(pl.lit("linkedin.com"))
        .otherwise(pl.concat_str(subdomain, pl.lit(".linkedin.com")))
    )
    scheme = pl.when(draw.chance(key, "r.lihttp", 0.25)).then(pl.lit("http://"))
    tail_pick = draw.weighted_index(key, "r.litail", (45, 40, 15))
    tail = (
        pl.when(tail_pick == 0)
        .then(pl.lit(""))
        .when(tail_pick == 1)
        .then(pl.lit("/"))
        .otherwise(pl.concat_str(pl.lit("/?originalSubdomain="), subdomain))
    )
    return pl.concat_str(scheme.otherwise(pl.lit("https://")), host, pl.lit("/in/"), slug, tail)


def company_name_variant(draw: Draw, key: pl.Expr) -> pl.Expr:
    """Acme Ltd / Acme Limited / Acme / ACME: the same employer as different vendors write it."""
    pick = draw.weighted_index(key, "r.coname", (40, 30, 12, 8, 10))
    return (
        pl.when(pick == 0)
        .then(pl.col("co_legal_name"))
        .when(pick == 1)
        .then(pl.col("co_name"))
        .when(pick == 2)
        .then(pl.col("co_legal_long"))
        .when(pick == 3)
        .then(pl.col("co_name").str.to_uppercase())
        .otherwise(pl.col("co_legal_name").str.replace_all(r"\.", ""))
    )


def website_variant(draw: Draw, key: pl.Expr, domain: pl.Expr) -> pl.Expr:
    """https://acme.io, http://www.acme.io, www.acme.io/ or the bare domain."""
    pick = draw.weighted_index(key, "r.web", (40, 25, 15, 20))
    return (
        pl.when(pick == 0)
        .then(pl.concat_str(pl.lit("https://"), domain))
        .when(pick == 1)
        .then(pl.concat_str(pl.lit("http://www."), domain))
        .when(pick == 2)
        .then(pl.concat_str(pl.lit("www."), domain, pl.lit("/")))
        .otherwise(domain)
    )
