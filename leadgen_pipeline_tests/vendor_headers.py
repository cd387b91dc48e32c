"""Real export headers, copied from docs/vendor-formats.md (not from the package),
so the tests check the registry against what vendors actually ship."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

APOLLO_2024 = "First Name,Last Name,Title,Company,Company Name for Emails,Email,Email Status,Email Confidence,Seniority,Departments,Contact Owner,First Phone,Work Direct Phone,Home Phone,Mobile Phone,Corporate Phone,Other Phone,Stage,Lists,Last Contacted,Account Owner,# Employees,Industry,Keywords,Person Linkedin Url,Website,Company Linkedin Url,Facebook Url,Twitter Url,City,State,Country,Company Address,Company City,Company State,Company Country,Company Phone,SEO Description,Technologies,Annual Revenue,Total Funding,Latest Funding,Latest Funding Amount,Last Raised At,Email Sent,Email Open,Email Bounced,Replied,Demoed,Number of Retail Locations,Apollo Contact Id,Apollo Account Id".split(
    ","
)
APOLLO_2025_12 = "First Name,Last Name,Title,Company Name,Company Name for Emails,Email,Email Status,Primary Email Source,Primary Email Verification Source,Email Confidence,Primary Email Catch-all Status,Primary Email Last Verified At,Seniority,Departments,Contact Owner,Work Direct Phone,Home Phone,Mobile Phone,Corporate Phone,Other Phone,Stage,Lists,Last Contacted,Account Owner,# Employees,Industry,Keywords,Person Linkedin Url,Website,Company Linkedin Url,Facebook Url,Twitter Url,City,State,Country,Company Address,Company City,Company State,Company Country,Company Phone,Technologies,Annual Revenue,Total Funding,Latest Funding,Latest Funding Amount,Last Raised At,Subsidiary of,Email Sent,Email Open,Email Bounced,Replied,Demoed,Number of Retail Locations,Apollo Contact Id,Apollo Account Id,Secondary Email,Secondary Email Source,Secondary Email Status,Secondary Email Verification Source,Tertiary Email,Tertiary Email Source,Tertiary Email Status,Tertiary Email Verification Source,Qualify Contact".split(
    ","
)
APOLLO_2026 = "First Name,Last Name,Title,Company Name,Company Name for Emails,Email,Email Status,Primary Email Source,Primary Email Verification Source,Email Confidence,Primary Email Catch-all Status,Primary Email Last Verified At,Seniority,Departments,Sub Departments,Contact Owner,Work Direct Phone,Home Phone,Mobile Phone,Corporate Phone,Other Phone,Do Not Call,Stage,Lists,Last Contacted,Account Owner,# Employees,Industry,Keywords,Person Linkedin Url,Website,Company Linkedin Url,Facebook Url,Twitter Url,City,State,Country,Company Address,Company City,Company State,Company Country,Company Phone,Technologies,Annual Revenue,Total Funding,Latest Funding,Latest Funding Amount,Last Raised At,Subsidiary of,Subsidiary of (Organization ID),Email Sent,Email Open,Email Bounced,Replied,Demoed,Number of Retail Locations,SIC Codes,NAICS Codes,Apollo Contact Id,Apollo Account Id,Apollo Record Id,Secondary Email,Secondary Email Source,Secondary Email Status,Secondary Email Verification Source,Tertiary Email,Tertiary Email Source,Tertiary Email Status,Tertiary Email Verification Source,Primary Intent Topic,Primary Intent Score,Secondary Intent Topic,Secondary Intent Score".split(
    ","
)
PHANTOMBUSTER_SEARCH = "profileUrl,fullName,firstName,lastName,companyName,title,companyId,companyUrl,regularCompanyUrl,summary,titleDescription,industry,companyLocation,location,durationInRole,durationInCompany,pastExperienceCompanyName,pastExperienceCompanyUrl,pastExperienceCompanyTitle,pastExperienceDate,pastExperienceDuration,connectionDegree,profileImageUrl,sharedConnectionsCount,name,vmid,linkedInProfileUrl,isPremium,isOpenLink,query,timestamp,defaultProfileUrl".split(
    ","
)
EVABOOT = [
    *"First Name,Last Name,Full Name,Current Job,Profile Headline,Linkedin URL Public,Linkedin URL Unique ID,Sales Navigator URL".split(
        ","
    ),
    *"Email,Email Status,Phone,Location,Connections,Is Premium,Matches Filters,No Match Reasons".split(
        ","
    ),
    *"Company Name,Company Domain,Company Website URL,Company Linkedin URL Unique ID,Company Country,Company Industry".split(
        ","
    ),
    *"Company Employee Range,Company Employee Exact Count,Company Revenue,Department Headcounts".split(
        ","
    ),
]
ZOOMINFO = [
    h.strip('"')
    for h in '"ZoomInfo Contact ID","Last Name","First Name","Middle Name","Salutation","Suffix","Job Title","Job Title Hierarchy Level","Management Level","Job Start Date","Job Function","Department","Company Division Name","Direct Phone Number","Email Address","Email Domain","Mobile phone","Last Job Change Type","Last Job Change Date","Previous Job Title","Previous Company Name","Previous Company ZoomInfo Company ID","Previous Company LinkedIn Profile","Highest Level of Education","Contact Accuracy Score","Contact Accuracy Grade","ZoomInfo Contact Profile URL","LinkedIn Contact Profile URL","Notice Provided Date","Person Street","Person City","Person State","Person Zip Code","Country","ZoomInfo Company ID","Company Name","Company Description","Website","Founded Year","Company HQ Phone","Fax","Ticker","Revenue (in 000s USD)","Revenue Range (in USD)","Est. Marketing Department Budget (in 000s USD)","Est. Finance Department Budget (in 000s USD)","Est. IT Department Budget (in 000s USD)","Est. HR Department Budget (in 000s USD)","Employees","Employee Range","Past 1 Year Employee Growth Rate","Past 2 Year Employee Growth Rate","SIC Code 1","SIC Code 2","SIC Codes","NAICS Code 1","NAICS Code 2","NAICS Codes","Primary Industry","Primary Sub-Industry","All Industries","All Sub-Industries","Industry Hierarchical Category","Secondary Industry Hierarchical Category","Alexa Rank","ZoomInfo Company Profile URL","LinkedIn Company Profile URL","Facebook Company Profile URL","Twitter Company Profile URL","Ownership Type","Business Model","Certified Active Company","Certification Date","Total Funding Amount (in 000s USD)","Recent Funding Amount (in 000s USD)","Recent Funding Round","Recent Funding Date","Recent Investors","All Investors","Company Street Address","Company City","Company State","Company Zip Code","Company Country","Full Address","Number of Locations"'.split(
        '","'
    )
]
LUSHA = "Date,User,First Name,Last Name,Work Email,Work Email Confidence,Direct Email,Direct Email Confidence,Additional Email 1,Additional Email 1 Confidence,Additional Email 2,Additional Email 2 Confidence,Phone 1,Phone 1 Type,Phone 2,Phone 2 Type,Job Title,Seniority,Departments,LinkedIn URL,Continent,Country,State,City,Country ISO,Tags,Company Name,Company Domain,Company Description,Company Year Founded,Company Website,Company Number of Employees,Company Revenue,Company LinkedIn URL,Total Funding Amount,Total Number of Rounds,Last Round/Event Amount,Last Round/Event Type,Last Round/Event Date,IPO Status,IPO Date,Company Main Industry,Company Sub Industry,Company Technologies,Company SIC (Standard Industrial Classification),Company NAIC (North American Industry Classification),Company Specialties,Company Continent,Company Country,Company State,Company City,Company Country ISO,Company Number of Intent Topics,Company Intent Topics,Company Intent Level,Topic Count Trend".split(
    ","
)
COGNISM_PLATFORM = "First Name,Last Name,Email,Company Name,Job Title,Office Phone,Mobile Phone,City,Country,State,Street,Zip Code,Website,Industry".split(
    ","
)
COGNISM_ENRICHMENT = "First Name,Last Name,Matched Job Title,Cognism Email,Direct,Mobile,Office,Person Country,Matched Web Site,Company Name Input".split(
    ","
)
DIRECTORY_LIST = "Name,E-mail,Organisation,Website,Position,Country,City,Telephone,LinkedIn,Company Size,Sector".split(
    ","
)


def write_export(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    *,
    encoding: str = "utf-8",
    quote_all: bool = False,
) -> Path:
    """Write a vendor-shaped CSV: every header column, cells from `rows` (missing = empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            unknown = set(row) - set(header)
            assert not unknown, f"test row uses columns the header lacks: {unknown}"
            writer.writerow([row.get(column, "") for column in header])
    return path
