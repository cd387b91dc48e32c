"""Directory exports: ZoomInfo (§3a), Lusha (§3b) and niche member directories whose headers
use generic aliases (`Name`, `E-mail`, `Organisation`, `Position`, ...)."""

from __future__ import annotations

from datetime import date

import polars as pl

from leadgen_pipeline.demo import columns as c
from leadgen_pipeline.demo import formats, names
from leadgen_pipeline.demo.rng import Draw

_MANAGEMENT = {k: v[2] for k, v in names.SENIORITIES.items()}
_LUSHA_SENIORITY = {k: v[3] for k, v in names.SENIORITIES.items()}
_DEPARTMENT_LABELS = {k: v[0] for k, v in names.DEPARTMENTS.items()}
# Excel reads "1-10" and "11-50" as dates and shows them as "Jan-10" and "Nov-50".
_EXCEL_MANGLED = {"1-10": "Jan-10", "11-50": "Nov-50"}


def build_zoominfo(draw: Draw, records: pl.DataFrame) -> pl.DataFrame:
    """A ZoomInfo contact export: negative ids now and then, revenue in thousands, `Mobile
    phone` with a lower-case p, and previous-company columns for job changers."""
    key = pl.col("rkey")
    changed = pl.col("past_company_name").is_not_null()
    contact_id = draw.integers(pl.col("pid"), "zi.id", 1_000_000_000, 2_000_000_000)
    score = draw.integers(key, "zi.score", 70, 100)
    email = pl.col("email_out")
    cells = {
        # Exports contain negative contact ids (docs/vendor-formats.md), so ids must stay strings.
        "ZoomInfo Contact ID": pl.when(draw.chance(pl.col("pid"), "zi.neg", 0.03))
        .then(-contact_id)
        .otherwise(contact_id),
        "Last Name": pl.col("last_name"),
        "First Name": pl.col("first_name"),
        "Job Title": pl.col("title_now"),
        "Management Level": pl.col("seniority").replace_strict(_MANAGEMENT),
        "Job Start Date": pl.col("start_date").dt.strftime("%B %d, %Y"),
        "Job Function": pl.col("department").replace_strict(_DEPARTMENT_LABELS),
        "Department": pl.col("department").replace_strict(_DEPARTMENT_LABELS),
        "Direct Phone Number": c.maybe(draw, key, "zi.direct", 0.5, pl.col("direct")),
        "Email Address": email,
        "Email Domain": email.str.strip_chars().str.split("@").list.last().str.to_lowercase(),
        "Mobile phone": c.maybe(draw, key, "zi.mobile", 0.35, pl.col("mobile")),
        "Last Job Change Type": pl.when(changed).then(pl.lit("Changed Company")),
        "Last Job Change Date": pl.when(changed).then(pl.col("job_start").cast(pl.String)),
        "Previous Job Title": pl.when(changed).then(pl.col("prev_title")),
        "Previous Company Name": pl.when(changed).then(pl.col("past_company_name")),
        "Previous Company ZoomInfo Company ID": pl.when(changed).then(
            draw.integers(pl.col("past_cid"), "zi.company", 10_000_000, 99_999_999)
        ),
        "Previous Company LinkedIn Profile": pl.when(changed).then(
            pl.concat_str(
                pl.lit("linkedin.com/company/"), pl.col("past_li_company_id").cast(pl.String)
            )
        ),
        "Contact Accuracy Score": score,
        "Contact Accuracy Grade": pl.when(score >= 95)
        .then(pl.lit("A+"))
        .when(score >= 90)
        .then(pl.lit("A"))
        .when(score >= 80)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C")),
        "LinkedIn Contact Profile URL": pl.col("linkedin_url"),
        "Person City": pl.col("co_city"),
        "Person State": pl.col("co_state"),
        "Country": c.country_name(pl.col("co_country")),
        "ZoomInfo Company ID": draw.integers(
            pl.col("employer"), "zi.company", 10_000_000, 99_999_999
        ),
        "Company Name": pl.col("company_variant"),
        "Website": pl.concat_str(pl.lit("www."), pl.col("co_domain")),
        "Founded Year": pl.col("co_founded_year"),
        "Company HQ Phone": pl.col("co_company_phone"),
        "Revenue (in 000s USD)": pl.col("co_revenue_usd") // 1000,
        "Revenue Range (in USD)": c.revenue_band(pl.col("co_revenue_usd")),
        "Employees": pl.col("co_employees"),
        "Employee Range": pl.col("co_employee_range"),
        "SIC Code 1": c.sic(pl.col("co_industry")),
        "SIC Codes": c.sic(pl.col("co_industry")),
        "NAICS Code 1": c.naics(pl.col("co_industry")),
        "NAICS Codes": c.naics(pl.col("co_industry")),
        "Primary Industry": pl.col("co_industry"),
        "All Industries": pl.col("co_industry"),
        "LinkedIn Company Profile URL": c.company_linkedin(),
        "Ownership Type": pl.lit("Private"),
        "Business Model": pl.lit("B2B"),
        "Total Funding Amount (in 000s USD)": pl.col("co_total_funding_usd") // 1000,
        "Recent Funding Amount (in 000s USD)": pl.col("co_total_funding_usd") // 3000,
        "Recent Funding Round": pl.col("co_funding_round"),
        "Recent Funding Date": pl.col("co_last_raised_on").cast(pl.String),
        "Company Street Address": pl.col("co_street"),
        "Company City": pl.col("co_city"),
        "Company State": pl.col("co_state"),
        "Company Zip Code": pl.col("co_zip_code"),
        "Company Country": c.country_name(pl.col("co_country")),
        "Full Address": c.location("co_street", "co_city", "co_state", "co_zip_code"),
        "Number of Locations": draw.integers(pl.col("employer"), "zi.locations", 1, 12),
    }
    return c.assemble(records, formats.ZOOMINFO, cells)


def build_lusha(draw: Draw, records: pl.DataFrame, export_date: date) -> pl.DataFrame:
    """A Lusha contact export, with Excel-mangled employee ranges (`Nov-50`)."""
    key = pl.col("rkey")
    employee_range = pl.col("co_employee_range")
    mangled = pl.when(draw.chance(key, "lusha.excel", 0.5)).then(
        employee_range.replace(_EXCEL_MANGLED)
    )
    country = c.country_name(pl.col("co_country"))
    continent = pl.col("co_country").replace_strict(names.CONTINENTS)
    has_mobile = draw.chance(key, "lusha.mobile", 0.6)
    cells = {
        "Date": pl.lit(export_date.isoformat()),
        "User": draw.pick(key, "lusha.user", names.DEAL_OWNERS),
        "First Name": pl.col("first_name"),
        "Last Name": pl.col("last_name"),
        "Work Email": pl.col("email_out"),
        "Work Email Confidence": pl.when(pl.col("email_out").is_not_null()).then(
            draw.weighted(key, "lusha.conf", ("A+", "A", "B"), (50, 35, 15))
        ),
        "Phone 1": pl.when(has_mobile).then(pl.col("mobile")).otherwise(pl.col("direct")),
        "Phone 1 Type": pl.when(has_mobile).then(pl.lit("mobile")).otherwise(pl.lit("direct")),
        "Phone 2": pl.when(has_mobile).then(pl.col("co_company_phone")),
        "Phone 2 Type": pl.when(has_mobile).then(pl.lit("direct")),
        "Job Title": pl.col("title_now"),
        "Seniority": pl.col("seniority").replace_strict(_LUSHA_SENIORITY),
        "Departments": pl.col("department").replace_strict(_DEPARTMENT_LABELS),
        "LinkedIn URL": pl.col("linkedin_url"),
        "Continent": continent,
        "Country": country,
        "State": pl.col("co_state"),
        "City": pl.col("co_city"),
        "Country ISO": pl.col("co_country"),
        "Company Name": pl.col("company_variant"),
        "Company Domain": pl.col("co_domain"),
        "Company Year Founded": pl.col("co_founded_year"),
        "Company Website": pl.col("website"),
        "Company Number of Employees": mangled.otherwise(employee_range),
        "Company Revenue": c.revenue_band(pl.col("co_revenue_usd")),
        "Company LinkedIn URL": c.company_linkedin(),
        "Total Funding Amount": pl.col("co_total_funding_usd"),
        "Last Round/Event Type": pl.col("co_funding_round"),
        "Last Round/Event Date": pl.col("co_last_raised_on").cast(pl.String),
        "IPO Status": pl.lit("Private"),
        "Company Main Industry": pl.col("co_industry"),
        "Company Technologies": c.join_list(
            draw, pl.col("employer"), "lusha.tech", [t for t, _ in names.TECHNOLOGIES], 3
        ),
        "Company SIC (Standard Industrial Classification)": c.sic(pl.col("co_industry")),
        "Company NAIC (North American Industry Classification)": c.naics(pl.col("co_industry")),
        "Company Continent": continent,
        "Company Country": country,
        "Company State": pl.col("co_state"),
        "Company City": pl.col("co_city"),
        "Company Country ISO": pl.col("co_country"),
    }
    return c.assemble(records, formats.LUSHA, cells)


def build_niche(draw: Draw, records: pl.DataFrame, *, split_name: bool) -> pl.DataFrame:
    """A member directory list. `split_name` selects the First/Last Name + `Email Address`
    spelling (a DACH list that writes Germany as "Deutschland"); otherwise `Name` + `E-mail`."""
    key = pl.col("rkey")
    local_country = pl.col("co_country").replace_strict(c.COUNTRY_LOCAL)
    country = (
        pl.when(draw.chance(key, "niche.local", 0.6 if split_name else 0.1))
        .then(local_country)
        .otherwise(c.country_name(pl.col("co_country")))
    )
    size = pl.concat_str(pl.col("co_employee_range").str.replace("-", " to "), pl.lit(" employees"))
    cells = {
        "Organisation": pl.col("company_variant"),
        "Website": pl.col("website"),
        "Position": pl.col("title_now"),
        "Country": country,
        "City": pl.col("co_city"),
        "Telephone": c.maybe(draw, key, "niche.phone", 0.5, pl.col("direct")),
        "LinkedIn": pl.col("linkedin_url"),
        "Company Size": size,
        "Sector": pl.col("co_industry"),
    }
    if split_name:
        cells |= {
            "First Name": pl.col("first_name"),
            "Last Name": pl.col("last_name"),
            "Email Address": pl.col("email_out"),
        }
        return c.assemble(records, formats.DIRECTORY_SPLIT_NAME, cells)
    cells |= {"Name": pl.col("full_name"), "E-mail": pl.col("email_out")}
    return c.assemble(records, formats.DIRECTORY_FULL_NAME, cells)
