"""Column headers of the vendor exports the demo inbox imitates.

Apollo, PhantomBuster, ZoomInfo and Lusha lists are copied in order from
`docs/vendor-formats.md`; the others follow the column names documented there (their
full order is not confirmed by any public file).
"""

from __future__ import annotations

APOLLO_1A: tuple[str, ...] = (
    "First Name", "Last Name", "Title", "Company", "Company Name for Emails", "Email",
    "Email Status", "Email Confidence", "Seniority", "Departments", "Contact Owner", "First Phone",
    "Work Direct Phone", "Home Phone", "Mobile Phone", "Corporate Phone", "Other Phone", "Stage",
    "Lists", "Last Contacted", "Account Owner", "# Employees", "Industry", "Keywords",
    "Person Linkedin Url", "Website", "Company Linkedin Url", "Facebook Url", "Twitter Url",
    "City", "State", "Country", "Company Address", "Company City", "Company State",
    "Company Country", "Company Phone", "SEO Description", "Technologies", "Annual Revenue",
    "Total Funding", "Latest Funding", "Latest Funding Amount", "Last Raised At", "Email Sent",
    "Email Open", "Email Bounced", "Replied", "Demoed", "Number of Retail Locations",
    "Apollo Contact Id", "Apollo Account Id",
)  # fmt: skip
APOLLO_1C: tuple[str, ...] = (
    "First Name", "Last Name", "Title", "Company Name", "Company Name for Emails", "Email",
    "Email Status", "Primary Email Source", "Primary Email Verification Source",
    "Email Confidence", "Primary Email Catch-all Status", "Primary Email Last Verified At",
    "Seniority", "Departments", "Contact Owner", "Work Direct Phone", "Home Phone", "Mobile Phone",
    "Corporate Phone", "Other Phone", "Stage", "Lists", "Last Contacted", "Account Owner",
    "# Employees", "Industry", "Keywords", "Person Linkedin Url", "Website",
    "Company Linkedin Url", "Facebook Url", "Twitter Url", "City", "State", "Country",
    "Company Address", "Company City", "Company State", "Company Country", "Company Phone",
    "Technologies", "Annual Revenue", "Total Funding", "Latest Funding", "Latest Funding Amount",
    "Last Raised At", "Subsidiary of", "Email Sent", "Email Open", "Email Bounced", "Replied",
    "Demoed", "Number of Retail Locations", "Apollo Contact Id", "Apollo Account Id",
    "Secondary Email", "Secondary Email Source", "Secondary Email Status",
    "Secondary Email Verification Source", "Tertiary Email", "Tertiary Email Source",
    "Tertiary Email Status", "Tertiary Email Verification Source", "Qualify Contact",
)  # fmt: skip
APOLLO_1D: tuple[str, ...] = (
    "First Name", "Last Name", "Title", "Company Name", "Company Name for Emails", "Email",
    "Email Status", "Primary Email Source", "Primary Email Verification Source",
    "Email Confidence", "Primary Email Catch-all Status", "Primary Email Last Verified At",
    "Seniority", "Departments", "Sub Departments", "Contact Owner", "Work Direct Phone",
    "Home Phone", "Mobile Phone", "Corporate Phone", "Other Phone", "Do Not Call", "Stage",
    "Lists", "Last Contacted", "Account Owner", "# Employees", "Industry", "Keywords",
    "Person Linkedin Url", "Website", "Company Linkedin Url", "Facebook Url", "Twitter Url",
    "City", "State", "Country", "Company Address", "Company City", "Company State",
    "Company Country", "Company Phone", "Technologies", "Annual Revenue", "Total Funding",
    "Latest Funding", "Latest Funding Amount", "Last Raised At", "Subsidiary of",
    "Subsidiary of (Organization ID)", "Email Sent", "Email Open", "Email Bounced", "Replied",
    "Demoed", "Number of Retail Locations", "SIC Codes", "NAICS Codes", "Apollo Contact Id",
    "Apollo Account Id", "Apollo Record Id", "Secondary Email", "Secondary Email Source",
    "Secondary Email Status", "Secondary Email Verification Source", "Tertiary Email",
    "Tertiary Email Source", "Tertiary Email Status", "Tertiary Email Verification Source",
    "Primary Intent Topic", "Primary Intent Score", "Secondary Intent Topic",
    "Secondary Intent Score",
)  # fmt: skip
PHANTOMBUSTER_SEARCH: tuple[str, ...] = (
    "profileUrl", "fullName", "firstName", "lastName", "companyName", "title", "companyId",
    "companyUrl", "regularCompanyUrl", "summary", "titleDescription", "industry",
    "companyLocation", "location", "durationInRole", "durationInCompany",
    "pastExperienceCompanyName", "pastExperienceCompanyUrl", "pastExperienceCompanyTitle",
    "pastExperienceDate", "pastExperienceDuration", "connectionDegree", "profileImageUrl",
    "sharedConnectionsCount", "name", "vmid", "linkedInProfileUrl", "isPremium", "isOpenLink",
    "query", "timestamp", "defaultProfileUrl",
)  # fmt: skip
ZOOMINFO: tuple[str, ...] = (
    "ZoomInfo Contact ID", "Last Name", "First Name", "Middle Name", "Salutation", "Suffix",
    "Job Title", "Job Title Hierarchy Level", "Management Level", "Job Start Date", "Job Function",
    "Department", "Company Division Name", "Direct Phone Number", "Email Address", "Email Domain",
    "Mobile phone", "Last Job Change Type", "Last Job Change Date", "Previous Job Title",
    "Previous Company Name", "Previous Company ZoomInfo Company ID",
    "Previous Company LinkedIn Profile", "Highest Level of Education", "Contact Accuracy Score",
    "Contact Accuracy Grade", "ZoomInfo Contact Profile URL", "LinkedIn Contact Profile URL",
    "Notice Provided Date", "Person Street", "Person City", "Person State", "Person Zip Code",
    "Country", "ZoomInfo Company ID", "Company Name", "Company Description", "Website",
    "Founded Year", "Company HQ Phone", "Fax", "Ticker", "Revenue (in 000s USD)",
    "Revenue Range (in USD)", "Est. Marketing Department Budget (in 000s USD)",
    "Est. Finance Department Budget (in 000s USD)", "Est. IT Department Budget (in 000s USD)",
    "Est. HR Department Budget (in 000s USD)", "Employees", "Employee Range",
    "Past 1 Year Employee Growth Rate", "Past 2 Year Employee Growth Rate", "SIC Code 1",
    "SIC Code 2", "SIC Codes", "NAICS Code 1", "NAICS Code 2", "NAICS Codes", "Primary Industry",
    "Primary Sub-Industry", "All Industries", "All Sub-Industries",
    "Industry Hierarchical Category", "Secondary Industry Hierarchical Category", "Alexa Rank",
    "ZoomInfo Company Profile URL", "LinkedIn Company Profile URL", "Facebook Company Profile URL",
    "Twitter Company Profile URL", "Ownership Type", "Business Model", "Certified Active Company",
    "Certification Date", "Total Funding Amount (in 000s USD)",
    "Recent Funding Amount (in 000s USD)", "Recent Funding Round", "Recent Funding Date",
    "Recent Investors", "All Investors", "Company Street Address", "Company City", "Company State",
    "Company Zip Code", "Company Country", "Full Address", "Number of Locations",
)  # fmt: skip
LUSHA: tuple[str, ...] = (
    "Date", "User", "First Name", "Last Name", "Work Email", "Work Email Confidence",
    "Direct Email", "Direct Email Confidence", "Additional Email 1",
    "Additional Email 1 Confidence", "Additional Email 2", "Additional Email 2 Confidence",
    "Phone 1", "Phone 1 Type", "Phone 2", "Phone 2 Type", "Job Title", "Seniority", "Departments",
    "LinkedIn URL", "Continent", "Country", "State", "City", "Country ISO", "Tags", "Company Name",
    "Company Domain", "Company Description", "Company Year Founded", "Company Website",
    "Company Number of Employees", "Company Revenue", "Company LinkedIn URL",
    "Total Funding Amount", "Total Number of Rounds", "Last Round/Event Amount",
    "Last Round/Event Type", "Last Round/Event Date", "IPO Status", "IPO Date",
    "Company Main Industry", "Company Sub Industry", "Company Technologies",
    "Company SIC (Standard Industrial Classification)",
    "Company NAIC (North American Industry Classification)", "Company Specialties",
    "Company Continent", "Company Country", "Company State", "Company City", "Company Country ISO",
    "Company Number of Intent Topics", "Company Intent Topics", "Company Intent Level",
    "Topic Count Trend",
)  # fmt: skip
# Apollo 1d real files carry user-added columns around the standard ones.
APOLLO_1D_USER_LEADING: tuple[str, ...] = ("Proceed",)
APOLLO_1D_USER_TRAILING: tuple[str, ...] = ("AI custom field 4893", "Qualify Contact")

# Evaboot: the person columns, then the company columns, as parsers of real files name them.
EVABOOT: tuple[str, ...] = (
    "First Name", "Last Name", "Full Name", "Current Job", "Profile Headline",
    "Linkedin URL Public", "Linkedin URL Unique ID", "Sales Navigator URL", "Email",
    "Email Status", "Phone", "Location", "Connections", "Follower Count", "Is Open To Work",
    "Is Open Profile", "Is Premium", "Years in Position", "Months in Position",
    "Years in Company", "Months in Company", "Has New Position", "Current Jobs Number",
    "Total Positions Count", "Profile Summary", "Profile Industry", "Job Description",
    "Education", "Top Skills (with endorsements)", "Languages", "Matches Filters",
    "No Match Reasons", "Company Name", "Company Domain", "Company Website URL",
    "Company Linkedin URL Unique ID", "Company Location", "Company Headquarters (Full Address)",
    "Company Country", "Company Industry", "Company Description", "Company Employee Range",
    "Company Employee Exact Count", "Company Employee Growth %",
    "Company Employee Growth 6 Months (%)", "Company Employee Growth 1 Year (%)",
    "Company Employee Growth 2 Years (%)", "Company Revenue", "Company Revenue Min (Millions USD)",
    "Company Revenue Max (Millions USD)", "Company Revenue Currency", "Company Type",
    "Company Year Founded", "Company Funding Stage", "Company Specialities",
    "Department Headcounts", "Company Logo URL",
)  # fmt: skip

# Cognism: the CRM field names from its help centre, and the CSV-enrichment output.
COGNISM: tuple[str, ...] = (
    "First Name", "Last Name", "Email", "Company Name", "Job Title", "Office Phone",
    "Mobile Phone", "City", "Country", "State", "Street", "Zip Code", "Website", "Industry",
)  # fmt: skip
COGNISM_ENRICHMENT: tuple[str, ...] = (
    "First Name", "Last Name", "Company Name Input", "Matched Job Title", "Cognism Email",
    "Direct", "Mobile", "Office", "Person Country", "Matched Web Site", "profileUrl",
)  # fmt: skip

# Niche directory lists: generic aliases, two spellings.
DIRECTORY_FULL_NAME: tuple[str, ...] = (
    "Name", "E-mail", "Organisation", "Website", "Position", "Country", "City", "Telephone",
    "LinkedIn", "Company Size", "Sector",
)  # fmt: skip
DIRECTORY_SPLIT_NAME: tuple[str, ...] = (
    "First Name", "Last Name", "Email Address", "Organisation", "Position", "Website",
    "Country", "City", "Telephone", "LinkedIn", "Company Size", "Sector",
)  # fmt: skip

HUBSPOT_DEALS: tuple[str, ...] = (
    "Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
    "Last Activity Date", "Pipeline", "Deal owner", "Deal Type",
    "Associated Company IDs (Primary)", "Associated Company (Primary)", "Associated Contact",
)  # fmt: skip

# Bulk verification results. NeverBounce appends `email_status` to the submitted columns.
NEVERBOUNCE: tuple[str, ...] = ("email", "first_name", "last_name", "company", "email_status")
ZEROBOUNCE: tuple[str, ...] = (
    "Email Address", "First Name", "Last Name", "ZB Status", "ZB Sub Status", "ZB Account",
    "ZB Domain", "ZB First Name", "ZB Last Name", "ZB Gender", "ZB Free Email", "ZB MX Found",
    "ZB MX Record", "ZB SMTP Provider", "ZB Did You Mean",
)  # fmt: skip
MILLIONVERIFIER: tuple[str, ...] = ("email", "quality", "result", "free", "role")

BOMBORA: tuple[str, ...] = (
    "Company Name", "Domain", "Size", "Industry", "HQ Country", "Topic", "Topic ID", "Category",
    "Composite Score", "Composite Score Delta", "Report Date",
)  # fmt: skip

FUNDING_ROUNDS: tuple[str, ...] = (
    "company_domain", "company_name", "round", "amount_usd", "announced_on", "source_url",
)  # fmt: skip
JOB_POSTINGS: tuple[str, ...] = (
    "company_domain", "job_title", "department", "posted_on", "source_url",
)  # fmt: skip
TECH_STACK: tuple[str, ...] = (
    "company_domain", "technology", "category", "first_seen_on", "source_url",
)  # fmt: skip
COMPANY_EVENTS: tuple[str, ...] = (
    "company_domain", "event_type", "event_date", "headline", "source_url",
)  # fmt: skip

OPT_OUTS: tuple[str, ...] = ("email", "opted_out_at", "channel")
HARD_BOUNCES: tuple[str, ...] = ("email", "bounced_at", "provider")
ERASURE_REQUESTS: tuple[str, ...] = ("email", "linkedin_url", "requested_at", "reference")
DO_NOT_CONTACT_DOMAINS: tuple[str, ...] = ("domain", "reason")
