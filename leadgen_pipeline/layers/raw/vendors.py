"""The vendor registry: how each export format is recognised and mapped to the canonical shape.

Columns are matched by name, case-insensitively, never by position: every vendor's header
drifts between versions and users add their own columns. A format is recognised by a
signature (sets of header names; any one set present in full identifies the vendor),
checked in registry order, so the most specific formats come first and the generic
directory list last.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from leadgen_pipeline.kernel.headers import columns_by_key, header_key, recognise, signature


@dataclass(frozen=True)
class VendorFormat:
    """One export format: its signature and where each canonical column comes from."""

    key: str
    signatures: tuple[frozenset[str], ...]
    # canonical column -> candidate header names; the first non-empty cell among them wins
    columns: dict[str, tuple[str, ...]]
    # canonical money columns this vendor states in thousands of USD
    money_in_thousands: frozenset[str] = field(default_factory=frozenset)

    def resolve(self, header: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """canonical column -> the candidate header names present in this file, in order."""
        by_key = columns_by_key(header)
        resolved: dict[str, tuple[str, ...]] = {}
        for canonical, candidates in self.columns.items():
            present = tuple(by_key[header_key(c)] for c in candidates if header_key(c) in by_key)
            if present:
                resolved[canonical] = present
        return resolved

    def used_headers(self, header: Iterable[str]) -> set[str]:
        """The header names this format maps; the rest of the file need not be read."""
        return {name for names in self.resolve(header).values() for name in names}


APOLLO = VendorFormat(
    key="apollo",
    signatures=(
        signature("Apollo Contact Id"),
        signature("Company Name for Emails"),
        signature("Person Linkedin Url"),
    ),
    columns={
        "source_record_id": ("Apollo Contact Id", "Apollo Record Id"),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "title": ("Title",),
        "seniority": ("Seniority",),
        "departments": ("Departments",),
        "email": ("Email",),
        "email_vendor_status": ("Email Status",),
        "linkedin_url": ("Person Linkedin Url",),
        "phone_direct": ("Work Direct Phone", "First Phone"),
        "phone_mobile": ("Mobile Phone",),
        "phone_company": ("Corporate Phone", "Company Phone"),
        "do_not_call": ("Do Not Call",),
        "company_name": ("Company Name", "Company", "Company Name for Emails"),
        "company_website": ("Website",),
        "company_linkedin_url": ("Company Linkedin Url",),
        "employee_count": ("# Employees",),
        "industry": ("Industry",),
        "country_raw": ("Country", "Company Country"),
        "state": ("State",),
        "city": ("City",),
        "annual_revenue_usd": ("Annual Revenue",),
        "total_funding_usd": ("Total Funding",),
        "latest_funding_round": ("Latest Funding",),
        "latest_funding_amount_usd": ("Latest Funding Amount",),
        "latest_funding_date": ("Last Raised At",),
        "technologies": ("Technologies",),
        "keywords": ("Keywords",),
    },
)

PHANTOMBUSTER = VendorFormat(
    key="phantombuster",
    signatures=(
        signature("profileUrl", "vmid", "linkedInProfileUrl"),
        signature("profileUrl", "vmid"),
    ),
    columns={
        "source_record_id": ("vmid",),
        "first_name": ("firstName",),
        "last_name": ("lastName",),
        "full_name": ("fullName", "name"),
        "title": ("title",),
        "sales_nav_url": ("profileUrl",),
        "linkedin_member_id": ("vmid",),
        # /in/<member id>/: classified by URL shape, never taken for a public slug
        "linkedin_url": ("linkedInProfileUrl", "defaultProfileUrl"),
        "company_name": ("companyName",),
        "company_linkedin_url": ("regularCompanyUrl", "companyUrl"),
        "industry": ("industry",),
        "country_raw": ("location", "companyLocation"),
        "previous_company_name": ("pastExperienceCompanyName",),
    },
)

EVABOOT = VendorFormat(
    key="evaboot",
    signatures=(
        signature("Linkedin URL Public"),
        signature("Linkedin URL Unique ID"),
        signature("Matches Filters"),
    ),
    columns={
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "full_name": ("Full Name",),
        "title": ("Current Job",),
        "email": ("Email",),
        "email_vendor_status": ("Email Status",),
        "linkedin_url": ("Linkedin URL Public",),
        "linkedin_member_id": ("Linkedin URL Unique ID",),
        "sales_nav_url": ("Sales Navigator URL",),
        "phone_direct": ("Phone",),
        "company_name": ("Company Name",),
        "company_domain": ("Company Domain",),
        "company_website": ("Company Website URL", "Company Website"),
        "company_linkedin_url": ("Company Linkedin URL Unique ID", "Company Linkedin URL"),
        "employee_count": ("Company Employee Exact Count",),
        "employee_range": ("Company Employee Range",),
        "industry": ("Company Industry", "Profile Industry"),
        "country_raw": ("Company Country", "Location", "Person Location"),
        "latest_funding_round": ("Company Funding Stage",),
    },
)

ZOOMINFO = VendorFormat(
    key="zoominfo",
    signatures=(signature("ZoomInfo Contact ID"), signature("Contact Accuracy Score")),
    columns={
        "source_record_id": ("ZoomInfo Contact ID",),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "title": ("Job Title",),
        "seniority": ("Management Level", "Job Title Hierarchy Level"),
        "departments": ("Department", "Job Function"),
        "email": ("Email Address",),
        "linkedin_url": ("LinkedIn Contact Profile URL",),
        "phone_direct": ("Direct Phone Number",),
        "phone_mobile": ("Mobile phone",),
        "phone_company": ("Company HQ Phone",),
        "do_not_call": ("Direct Phone Do Not Call",),
        "company_name": ("Company Name",),
        "company_website": ("Website",),
        "company_linkedin_url": ("LinkedIn Company Profile URL",),
        "employee_count": ("Employees",),
        "employee_range": ("Employee Range",),
        "industry": ("Primary Industry",),
        "country_raw": ("Country", "Company Country"),
        "state": ("Person State", "Company State"),
        "city": ("Person City", "Company City"),
        "annual_revenue_usd": ("Revenue (in 000s USD)",),
        "total_funding_usd": ("Total Funding Amount (in 000s USD)",),
        "latest_funding_round": ("Recent Funding Round",),
        "latest_funding_amount_usd": ("Recent Funding Amount (in 000s USD)",),
        "latest_funding_date": ("Recent Funding Date",),
        "previous_company_name": ("Previous Company Name",),
        "job_start_date": ("Job Start Date",),
    },
    money_in_thousands=frozenset(
        {"annual_revenue_usd", "total_funding_usd", "latest_funding_amount_usd"}
    ),
)

LUSHA = VendorFormat(
    key="lusha",
    signatures=(signature("Work Email Confidence"), signature("Phone 1 Type")),
    columns={
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "title": ("Job Title",),
        "seniority": ("Seniority",),
        "departments": ("Departments",),
        "email": ("Work Email", "Direct Email", "Additional Email 1"),
        "email_vendor_status": ("Work Email Confidence",),
        "linkedin_url": ("LinkedIn URL",),
        "phone_direct": ("Phone 1",),
        "phone_mobile": ("Phone 2",),
        "company_name": ("Company Name",),
        "company_domain": ("Company Domain",),
        "company_website": ("Company Website",),
        "company_linkedin_url": ("Company LinkedIn URL",),
        "employee_range": ("Company Number of Employees",),
        "industry": ("Company Main Industry",),
        "country_raw": ("Country ISO", "Country", "Company Country ISO"),
        "state": ("State",),
        "city": ("City",),
        "annual_revenue_usd": ("Company Revenue",),
        "total_funding_usd": ("Total Funding Amount",),
        "latest_funding_round": ("Last Round/Event Type",),
        "latest_funding_amount_usd": ("Last Round/Event Amount",),
        "latest_funding_date": ("Last Round/Event Date",),
        "technologies": ("Company Technologies",),
    },
)

COGNISM = VendorFormat(
    key="cognism",
    signatures=(
        signature("Cognism Email"),
        signature("Matched Job Title"),
        # the platform export mirrors Cognism's CRM field mapping (help-centre list)
        signature("First Name", "Last Name", "Email", "Job Title", "Office Phone", "Mobile Phone"),
    ),
    columns={
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "title": ("Matched Job Title", "Job Title"),
        "email": ("Cognism Email", "Email"),
        "linkedin_url": ("LinkedIn URL", "Linkedin Url", "profileUrl"),
        "phone_direct": ("Direct", "Direct Phone"),
        "phone_mobile": ("Mobile", "Mobile Phone"),
        "phone_company": ("Office", "Office Phone"),
        "company_name": ("Company Name", "Company Name Input"),
        "company_website": ("Matched Web Site", "Website"),
        "industry": ("Industry",),
        "country_raw": ("Person Country", "Country"),
        "state": ("State",),
        "city": ("City",),
    },
)

# Niche directories and hand-made lists: the header aliases people actually use.
DIRECTORY = VendorFormat(
    key="directory",
    signatures=(
        signature("Email"),
        signature("E-mail"),
        signature("Email Address"),
        signature("LinkedIn"),
        signature("LinkedIn URL"),
        signature("Name", "Organisation"),
        signature("Name", "Company"),
        signature("First Name", "Last Name"),
    ),
    columns={
        "first_name": ("First Name", "Firstname", "Given Name"),
        "last_name": ("Last Name", "Lastname", "Surname", "Family Name"),
        "full_name": ("Name", "Full Name", "Contact Name", "Contact"),
        "title": ("Position", "Job Title", "Title", "Role"),
        "email": ("Email", "E-mail", "Email Address", "Work Email"),
        "linkedin_url": ("LinkedIn", "LinkedIn URL", "LinkedIn Profile", "Linkedin Url"),
        "phone_direct": ("Telephone", "Phone", "Phone Number", "Tel"),
        "phone_mobile": ("Mobile", "Mobile Phone"),
        "company_name": ("Organisation", "Organization", "Company", "Company Name", "Employer"),
        "company_domain": ("Domain", "Company Domain"),
        "company_website": ("Website", "Company Website", "URL", "Web"),
        "employee_range": ("Company Size", "Employees", "Headcount", "Size"),
        "industry": ("Sector", "Industry", "Category"),
        "country_raw": ("Country", "Country/Region"),
        "state": ("State", "Region", "County"),
        "city": ("City", "Town"),
    },
)

VENDOR_FORMATS: tuple[VendorFormat, ...] = (
    APOLLO,
    PHANTOMBUSTER,
    EVABOOT,
    ZOOMINFO,
    LUSHA,
    COGNISM,
    DIRECTORY,
)
VENDOR_KEYS: tuple[str, ...] = (*(v.key for v in VENDOR_FORMATS), "apollo_api")


def recognise_vendor(header: Iterable[str]) -> VendorFormat | None:
    """The first registry format whose signature the header carries, or None."""
    return recognise(header, [(fmt, fmt.signatures) for fmt in VENDOR_FORMATS])
