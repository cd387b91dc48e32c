"""Sales Navigator lead exports: PhantomBuster Search Export (§2a) and Evaboot (§2b).

PhantomBuster rows carry only the opaque member id (`vmid`, `/in/ACwAA…/`) and the Sales
Navigator URL, never the public `/in/<slug>`; Evaboot rows carry both.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo import formats
from leadgen_pipeline.demo.rng import Draw


def build_phantombuster(
    draw: Draw, records: pl.DataFrame, export_date: date, query_id: int
) -> pl.DataFrame:
    """A PhantomBuster "Sales Navigator Search Export" of `records`."""
    key = pl.col("rkey")
    changed = pl.col("past_company_name").is_not_null()
    member_url = c.opaque_profile_url()
    sales_company = pl.concat_str(
        pl.lit("https://www.linkedin.com/sales/company/"),
        pl.col("co_li_company_id").cast(pl.String),
    )
    stamp = pl.lit(export_date).cast(pl.Datetime("ms")) + pl.duration(
        seconds=draw.integers(key, "pb.ts", 28_000, 64_000)
    )
    cells = {
        "profileUrl": c.sales_lead_url(draw, key),
        "fullName": pl.col("full_name"),
        "firstName": pl.col("first_name"),
        "lastName": pl.col("last_name"),
        "companyName": pl.col("company_variant"),
        "title": pl.col("title_now"),
        "companyId": pl.col("co_li_company_id"),
        "companyUrl": sales_company,
        "regularCompanyUrl": pl.concat_str(
            pl.lit("https://www.linkedin.com/company/"), pl.col("co_li_company_id").cast(pl.String)
        ),
        "summary": c.maybe(
            draw,
            key,
            "pb.summary",
            0.15,
            pl.concat_str(
                pl.lit("Helping "),
                pl.col("co_industry").str.to_lowercase(),
                pl.lit(" teams grow, one conversation at a time."),
            ),
        ),
        "industry": pl.col("co_industry"),
        "companyLocation": c.location("co_city", "co_state"),
        "location": pl.concat_str(
            pl.col("co_city"), pl.lit(", "), c.country_name(pl.col("co_country"))
        ),
        "durationInRole": pl.concat_str(
            c.duration_text(pl.col("months_in_role")), pl.lit(" in role")
        ),
        "durationInCompany": pl.concat_str(
            c.duration_text(pl.col("months_in_role")), pl.lit(" in company")
        ),
        "pastExperienceCompanyName": pl.when(changed).then(pl.col("past_company_name")),
        "pastExperienceCompanyUrl": pl.when(changed).then(
            pl.concat_str(
                pl.lit("https://www.linkedin.com/sales/company/"),
                pl.col("past_li_company_id").cast(pl.String),
            )
        ),
        "pastExperienceCompanyTitle": pl.when(changed).then(pl.col("prev_title")),
        "pastExperienceDate": pl.when(changed).then(
            pl.concat_str(
                pl.col("job_start").dt.year().sub(3).cast(pl.String),
                pl.lit(" – "),
                pl.col("job_start").dt.year().cast(pl.String),
            )
        ),
        "pastExperienceDuration": pl.when(changed).then(pl.lit("3 yrs 2 mos")),
        "connectionDegree": draw.weighted(key, "pb.degree", ("2nd", "3rd", "1st"), (60, 35, 5)),
        "sharedConnectionsCount": draw.integers(key, "pb.shared", 0, 40),
        "name": pl.col("full_name"),
        "vmid": pl.col("member_id"),
        "linkedInProfileUrl": member_url,
        "isPremium": draw.pick(key, "pb.premium", ("true", "false")),
        "isOpenLink": draw.weighted(key, "pb.open", ("false", "true"), (80, 20)),
        "query": pl.lit(f"https://www.linkedin.com/sales/search/people?savedSearchId={query_id}"),
        "timestamp": stamp.dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
        "defaultProfileUrl": member_url,
    }
    return c.assemble(records, formats.PHANTOMBUSTER_SEARCH, cells)


def build_evaboot(draw: Draw, records: pl.DataFrame) -> pl.DataFrame:
    """An Evaboot export: public and member-id profile URLs, YES/NO flags, mixed-case domains,
    titles with trailing spaces and a multi-line `Department Headcounts` cell."""
    key = pl.col("rkey")
    months = pl.col("months_in_role")
    employees = pl.col("co_employees")
    domain = pl.when(draw.chance(key, "eva.case", 0.35)).then(
        pl.col("co_domain").str.to_titlecase()
    )
    headcounts = pl.concat_str(
        pl.lit("Sales: "),
        (employees // 6 + 1).cast(pl.String),
        pl.lit("\nEngineering: "),
        (employees // 4 + 1).cast(pl.String),
        pl.lit("\nMarketing: "),
        (employees // 12).cast(pl.String),
    )
    revenue_m = pl.col("co_revenue_usd") // 1_000_000
    cells = {
        "First Name": pl.col("first_name"),
        "Last Name": pl.col("last_name"),
        "Full Name": pl.col("full_name"),
        "Current Job": pl.concat_str(
            pl.col("title_now"),
            pl.when(draw.chance(key, "eva.space", 0.3)).then(pl.lit(" ")),
            ignore_nulls=True,
        ),
        "Profile Headline": pl.concat_str(pl.col("title_now"), pl.lit(" at "), pl.col("co_name")),
        "Linkedin URL Public": pl.col("linkedin_url"),
        "Linkedin URL Unique ID": c.opaque_profile_url(trailing_slash=False),
        "Sales Navigator URL": c.sales_lead_url(draw, key),
        "Email": pl.col("email_out"),
        "Email Status": pl.when(pl.col("email_out").is_not_null()).then(
            draw.weighted(key, "eva.status", ("safe", "risky"), (80, 20))
        ),
        "Phone": c.maybe(draw, key, "eva.phone", 0.2, pl.col("mobile")),
        "Location": c.location("co_city", "co_state"),
        "Connections": draw.integers(key, "eva.conn", 40, 501),
        "Follower Count": draw.integers(key, "eva.follow", 40, 4000),
        "Is Open To Work": draw.weighted(key, "eva.otw", ("NO", "YES"), (95, 5)),
        "Is Open Profile": draw.weighted(key, "eva.op", ("NO", "YES"), (80, 20)),
        "Is Premium": draw.weighted(key, "eva.prem", ("NO", "YES"), (70, 30)),
        "Years in Position": months // 12,
        "Months in Position": months % 12,
        "Years in Company": months // 12,
        "Months in Company": months % 12,
        "Has New Position": pl.when(months < 3).then(pl.lit("YES")).otherwise(pl.lit("NO")),
        "Current Jobs Number": pl.lit(1),
        "Total Positions Count": draw.integers(key, "eva.pos", 2, 9),
        "Profile Industry": pl.col("co_industry"),
        "Languages": pl.lit("English"),
        "Matches Filters": draw.weighted(key, "eva.match", ("YES", "NO"), (85, 15)),
        "Company Name": pl.col("company_variant"),
        "Company Domain": domain.otherwise(pl.col("co_domain")),
        "Company Website URL": pl.concat_str(pl.lit("https://"), pl.col("co_domain")),
        "Company Linkedin URL Unique ID": pl.concat_str(
            pl.lit("https://www.linkedin.com/company/"), pl.col("co_li_company_id").cast(pl.String)
        ),
        "Company Location": c.location("co_city", "co_state"),
        "Company Headquarters (Full Address)": c.location("co_street", "co_city", "co_zip_code"),
        "Company Country": c.country_name(pl.col("co_country")),
        "Company Industry": pl.col("co_industry"),
        "Company Employee Range": pl.col("co_employee_range"),
        "Company Employee Exact Count": employees,
        "Company Revenue": pl.when(revenue_m > 0)
        .then(pl.concat_str(revenue_m.cast(pl.String), pl.lit(".0M USD")))
        .otherwise(pl.lit("0.0 ONE")),
        "Company Revenue Currency": pl.lit("USD"),
        "Company Type": pl.lit("Privately Held"),
        # Evaboot reports 0 when LinkedIn has no founding year.
        "Company Year Founded": pl.when(draw.chance(key, "eva.founded0", 0.1))
        .then(pl.lit(0))
        .otherwise(pl.col("co_founded_year")),
        "Company Funding Stage": pl.col("co_funding_round"),
        "Department Headcounts": headcounts,
    }
    return c.assemble(records, formats.EVABOOT, cells)
