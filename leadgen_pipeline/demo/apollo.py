"""Apollo contacts exports (header versions 1a, 1c and 1d of docs/vendor-formats.md §1)."""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo import formats, names
from leadgen_pipeline.demo.rng import Draw

_DEPARTMENT_LABELS = {k: v[0] for k, v in names.DEPARTMENTS.items()}
_SENIORITY_LABELS = {k: v[1] for k, v in names.SENIORITIES.items()}
_STAGES = ("Cold", "Approaching", "Replied", "Interested", "")
_AI_NOTES = (
    "Recently hired a RevOps lead",
    "Mentions data quality on the careers page",
    "No clear signal",
    "",
)


def header(version: str) -> tuple[str, ...]:
    """The file header for a version: 1a, 1c, or 1d with its user-added columns."""
    if version == "1a":
        return formats.APOLLO_1A
    if version == "1c":
        return formats.APOLLO_1C
    return formats.APOLLO_1D_USER_LEADING + formats.APOLLO_1D + formats.APOLLO_1D_USER_TRAILING


def build(draw: Draw, records: pl.DataFrame, version: str, as_of: date) -> pl.DataFrame:
    """An Apollo export of `records` in header `version`, with that version's value quirks."""
    key = pl.col("rkey")
    has_email = pl.col("email_out").is_not_null()
    false = "false" if version != "1c" else "FALSE"
    # Older exports prefix phones with an apostrophe so Excel keeps the "+".
    phone_prefix = "'" if version == "1a" else ""

    def phone(column: str, p: float, stream: str) -> pl.Expr:
        value = pl.concat_str(pl.lit(phone_prefix), pl.col(column))
        return c.maybe(draw, key, stream, p, value)

    departments = pl.col("department").replace_strict(_DEPARTMENT_LABELS)
    contact_id = draw.hex(pl.col("pid"), "apollo.contact", 24)
    cells: dict[str, pl.Expr] = {
        "First Name": pl.col("first_name"),
        "Last Name": pl.col("last_name"),
        "Title": pl.col("title_now"),
        "Company" if version == "1a" else "Company Name": pl.col("company_variant"),
        "Company Name for Emails": pl.col("co_name"),
        "Email": pl.col("email_out"),
        "Email Status": pl.when(has_email)
        .then(draw.weighted(key, "apollo.status", ("Verified", "User Managed"), (85, 15)))
        .otherwise(pl.lit("Unavailable")),
        "Email Confidence": c.maybe(draw, key, "apollo.conf", 0.3, pl.lit("0.6")),
        "Seniority": pl.col("seniority").replace_strict(_SENIORITY_LABELS),
        "Departments": pl.when(pl.col("seniority") == "c_suite")
        .then(pl.concat_str(pl.lit("C-Suite, "), departments))
        .otherwise(departments),
        "First Phone": phone("direct", 0.5, "apollo.first"),
        "Work Direct Phone": phone("direct", 0.35, "apollo.direct"),
        "Mobile Phone": phone("mobile", 0.3, "apollo.mobile"),
        "Corporate Phone": phone("co_company_phone", 0.6, "apollo.corp"),
        "Stage": draw.pick(key, "apollo.stage", _STAGES),
        "Lists": c.maybe(draw, key, "apollo.lists", 0.3, pl.lit("Q4 Outbound, EMEA ICP")),
        "# Employees": pl.col("co_employees"),
        "Industry": pl.col("co_industry").str.to_lowercase(),
        "Keywords": c.join_list(draw, key, "apollo.kw", names.KEYWORDS, 2),
        # Apollo writes public profiles as http://www.linkedin.com/in/<slug>.
        "Person Linkedin Url": pl.when(pl.col("linkedin_url").is_not_null()).then(
            pl.concat_str(pl.lit("http://www.linkedin.com/in/"), pl.col("slug"))
        ),
        "Website": pl.concat_str(pl.lit("http://www."), pl.col("co_domain")),
        "Company Linkedin Url": c.company_linkedin(http=True),
        "City": pl.col("co_city"),
        "State": pl.col("co_state"),
        "Country": c.country_name(pl.col("co_country")),
        "Company Address": c.maybe(
            draw,
            key,
            "apollo.addr",
            0.6,
            c.location("co_street", "co_city", "co_state", "co_zip_code"),
        ),
        "Company City": pl.col("co_city"),
        "Company State": pl.col("co_state"),
        "Company Country": c.country_name(pl.col("co_country")),
        "Company Phone": phone("co_company_phone", 1.0, "apollo.cophone"),
        "SEO Description": pl.concat_str(
            pl.col("co_name"),
            pl.lit(" builds tools for "),
            pl.col("co_industry").str.to_lowercase(),
        ),
        # Real exports carry empty list items ("Gmail, Google Apps, , , Android").
        "Technologies": pl.concat_str(
            c.join_list(draw, key, "apollo.tech", [t for t, _ in names.TECHNOLOGIES], 3),
            pl.when(draw.chance(key, "apollo.techgap", 0.2)).then(pl.lit(", , , Slack")),
            ignore_nulls=True,
        ),
        "Annual Revenue": pl.col("co_revenue_usd"),
        "Total Funding": pl.col("co_total_funding_usd"),
        "Latest Funding": pl.col("co_funding_round"),
        "Latest Funding Amount": pl.col("co_total_funding_usd") // 3,
        "Last Raised At": c.maybe(
            draw,
            pl.col("employer"),
            "apollo.raised.has",
            0.6,
            c.iso_offset(pl.col("co_last_raised_on"), key, draw, "apollo.raised"),
        ),
        "Email Sent": c.text(false),
        "Email Open": c.text(false),
        "Email Bounced": c.text(false),
        "Replied": c.text(false),
        "Demoed": c.text(false),
        "Apollo Contact Id": contact_id,
        "Apollo Account Id": draw.hex(pl.col("employer"), "apollo.account", 24),
    }
    if version != "1a":
        cells.update(
            {
                "Primary Email Source": pl.when(has_email).then(pl.lit("Apollo")),
                "Primary Email Verification Source": pl.when(has_email).then(pl.lit("Apollo")),
                "Primary Email Catch-all Status": pl.when(has_email).then(
                    draw.weighted(
                        key, "apollo.catchall", ("Not Catch-all", "Catch-all", ""), (70, 15, 15)
                    )
                ),
                "Primary Email Last Verified At": pl.when(
                    has_email & draw.chance(key, "apollo.verified.has", 0.6)
                ).then(
                    c.iso_offset(
                        c.days_before(as_of, key, draw, "apollo.verified", 3, 200),
                        key,
                        draw,
                        "apollo.verified.s",
                    )
                ),
                "Subsidiary of": c.text(""),
            }
        )
    if version == "1d":
        cells.update(
            {
                "Proceed": draw.weighted(
                    key, "apollo.proceed", ("TRUE", "FALSE", ""), (50, 20, 30)
                ),
                "Do Not Call": c.text("false"),
                "SIC Codes": c.sic(pl.col("co_industry")),
                "NAICS Codes": c.naics(pl.col("co_industry")),
                "Apollo Record Id": contact_id,
                "AI custom field 4893": draw.pick(key, "apollo.ai", _AI_NOTES),
                "Qualify Contact": draw.weighted(
                    key, "apollo.qualify", ("Qualified", "Not a fit", ""), (40, 20, 40)
                ),
            }
        )
    columns = header(version)
    # Some cells exist in one version only (First Phone and SEO Description in 1a).
    return c.assemble(records, columns, {k: v for k, v in cells.items() if k in columns})
