"""Lookup tables for the demo inbox: people's names, fictional companies, places, jobs.

Every string here is encodable in cp1252, because one Cognism export is written in that
encoding. Company stems are invented syllable blends, so generated domains are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass

# (formal first name, nickname or "") — nicknames let a record say "Bob" where another says
# "Robert"; names with accents exercise encodings.
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Robert", "Bob"),
    ("Elizabeth", "Liz"),
    ("William", "Bill"),
    ("Katherine", "Kate"),
    ("Michael", "Mike"),
    ("James", "Jim"),
    ("Richard", "Rick"),
    ("Margaret", "Maggie"),
    ("Jennifer", "Jen"),
    ("Christopher", "Chris"),
    ("Alexander", "Alex"),
    ("Daniel", "Dan"),
    ("Thomas", "Tom"),
    ("Joseph", "Joe"),
    ("Anthony", "Tony"),
    ("Matthew", "Matt"),
    ("Nicholas", "Nick"),
    ("Patricia", "Trish"),
    ("Samantha", "Sam"),
    ("Jonathan", "Jon"),
    ("Benjamin", "Ben"),
    ("Andrew", "Andy"),
    ("Steven", "Steve"),
    ("Edward", "Ted"),
    ("Rebecca", "Becky"),
    ("Victoria", "Vicky"),
    ("Susan", "Sue"),
    ("Timothy", "Tim"),
    ("Gregory", "Greg"),
    ("Charles", "Charlie"),
    ("Stephanie", "Steph"),
    ("Kenneth", "Ken"),
    ("Emma", ""),
    ("Olivia", ""),
    ("Sophie", ""),
    ("Hannah", ""),
    ("Laura", ""),
    ("Sarah", ""),
    ("Rachel", ""),
    ("Emily", ""),
    ("Grace", ""),
    ("Chloe", ""),
    ("Lucy", ""),
    ("Anna", ""),
    ("Julia", ""),
    ("Maria", ""),
    ("Priya", ""),
    ("Aisha", ""),
    ("Mei", ""),
    ("Yuki", ""),
    ("David", ""),
    ("Mark", ""),
    ("Paul", ""),
    ("Peter", ""),
    ("Simon", ""),
    ("Oliver", ""),
    ("Lukas", ""),
    ("Jonas", ""),
    ("Felix", ""),
    ("Max", ""),
    ("Pierre", ""),
    ("Louis", ""),
    ("Hugo", ""),
    ("Mateo", ""),
    ("Javier", ""),
    ("Arjun", ""),
    ("Rahul", ""),
    ("Wei", ""),
    ("Omar", ""),
    ("Ethan", ""),
    ("José", ""),
    ("Zoë", ""),
    ("Chloé", ""),
    ("Jürgen", ""),
    ("Renée", ""),
    ("Inés", ""),
    ("Björn", ""),
    ("François", ""),
    ("Siobhán", ""),
    ("Anaïs", ""),
)

LAST_NAMES: tuple[str, ...] = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Wood",
    "Bennett",
    "Gray",
    "Hughes",
    "Price",
    "Sanders",
    "Patel",
    "Shah",
    "Khan",
    "Singh",
    "Chen",
    "Wang",
    "Li",
    "Kim",
    "Nguyen",
    "Tanaka",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
    "Richter",
    "Wolf",
    "Dubois",
    "Laurent",
    "Moreau",
    "Bernard",
    "Girard",
    "Garcia",
    "Martinez",
    "Lopez",
    "Gonzalez",
    "Rossi",
    "Russo",
    "de Vries",
    "van Dijk",
    "Jansen",
    "Murray",
    "Byrne",
    "O'Brien",
    "O'Connor",
    "O'Neill",
    "D'Souza",
    "Müller",
    "Schäfer",
    "Köhler",
    "Peña",
    "Núñez",
    "Muñoz",
    "Ibáñez",
    "Lefèvre",
    "Bélanger",
    "Gagné",
    "Jäger",
    "Günther",
)

# Invented syllables: stem = A + B + C, e.g. "Vel" + "mo" + "ra" -> "Velmora".
STEM_A: tuple[str, ...] = (
    "Vel", "Kor", "Brin", "Tal", "Zan", "Quor", "Mir", "Dax", "Lum", "Fen",
    "Orv", "Pax", "Syl", "Tor", "Vex", "Wyn", "Cal", "Ner", "Ost", "Ril",
    "Sen", "Thal", "Ulm", "Yar", "Zel", "Bram", "Cor", "Drav", "Elm", "Garv",
)  # fmt: skip
STEM_B: tuple[str, ...] = (
    "a", "o", "e", "i", "ar", "en", "or", "il", "an", "u",
    "ev", "is", "ol", "ad", "ym", "et", "ac", "om", "ur", "es",
)  # fmt: skip
STEM_C: tuple[str, ...] = (
    "mora", "ix", "on", "ara", "ly", "tis", "vo", "na", "rix", "dra",
    "sio", "lta", "ven", "quo", "rel", "tra", "max", "nyx", "dia", "pex",
    "ria", "lon", "zen", "cto", "mis",
)  # fmt: skip

# Industry -> words that follow the stem in a company name ("Velmora Analytics").
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "Computer Software": (
        "Software", "Labs", "Cloud", "Systems", "Data", "Analytics", "AI", "Apps",
    ),
    "Information Technology & Services": (
        "IT", "Digital", "Networks", "Tech", "Solutions", "Consulting", "Services", "Works",
    ),
    "Financial Services": (
        "Capital", "Finance", "Payments", "Ledger", "Wealth", "Pay", "Credit", "Partners",
    ),
    "Marketing & Advertising": (
        "Media", "Creative", "Brands", "Studio", "Agency", "Marketing", "Growth", "Reach",
    ),
    "Logistics & Supply Chain": (
        "Logistics", "Freight", "Supply", "Cargo", "Transit", "Routes", "Fleet", "Shipping",
    ),
    "Hospital & Health Care": (
        "Health", "Care", "Medical", "Clinics", "Bio", "Therapeutics", "Diagnostics", "Life",
    ),
    "Manufacturing": (
        "Industries", "Manufacturing", "Components", "Machines", "Materials", "Works", "Tools",
        "Fabrication",
    ),
    "Retail": ("Retail", "Goods", "Market", "Stores", "Commerce", "Trading", "Outlet", "Shop"),
    "Education": (
        "Learning", "Academy", "Education", "Campus", "Tutors", "School", "Skills", "EDU",
    ),
    "Real Estate": (
        "Properties", "Estates", "Realty", "Homes", "Spaces", "Living", "Land", "Lofts",
    ),
    "Renewables & Environment": (
        "Energy", "Solar", "Power", "Renewables", "Grid", "Climate", "Wind", "Carbon",
    ),
    "Human Resources": (
        "People", "Talent", "HR", "Staffing", "Recruiting", "Teams", "Hire", "Work",
    ),
}  # fmt: skip
INDUSTRIES: tuple[str, ...] = tuple(INDUSTRY_WORDS)
INDUSTRY_WEIGHTS: tuple[float, ...] = (18, 14, 12, 8, 6, 7, 9, 6, 5, 5, 5, 5)


@dataclass(frozen=True)
class TargetProfile:
    """Accounts of one kind a sales team prospects on purpose: `share` is the percentage of
    all companies, drawn with these industries and countries (relative weights) and a
    log-uniform headcount in `employees` (inclusive)."""

    share: float
    industries: dict[str, float]
    countries: dict[str, float]
    employees: tuple[int, int]


# The demo's sales team pulls lists with saved searches that follow its two ICP segments
# (data/icp/), so these companies are drawn inside each segment's firmographics instead of
# from the broad mix above. Countries and headcount are a little wider than the ICP, as
# vendors' filters are (a Spanish fintech, a 45-person one, a 2,400-person plant operator),
# so some still miss the segment on one criterion. Every other company is a broad pull.
TARGET_PROFILES: dict[str, TargetProfile] = {
    "eu_fintech": TargetProfile(
        share=17.0,
        industries={"Financial Services": 1.0},
        countries={"GB": 34.0, "DE": 24.0, "NL": 14.0, "FR": 12.0, "IE": 9.0, "ES": 7.0},
        employees=(40, 600),
    ),
    "na_manufacturing": TargetProfile(
        share=10.0,
        industries={"Manufacturing": 2.0, "Logistics & Supply Chain": 1.0},
        countries={"US": 80.0, "CA": 20.0},
        employees=(150, 2600),
    ),
}
# How much in the market a company is right now; buying signals come in bunches (a round,
# then hiring, then new tools), so a hot account shows several and a cold one hardly any.
ACCOUNT_HEAT: dict[str, float] = {"hot": 30.0, "warm": 40.0, "cold": 30.0}

# ISO-2 -> (English name, local name, weight, TLDs, legal suffixes, cities, phone prefix,
# LinkedIn country subdomain)
COUNTRIES: dict[str, dict[str, object]] = {
    "US": {
        "name": "United States", "local": "United States", "weight": 40,
        "tlds": ("com", "io", "ai", "co"), "suffixes": ("Inc.", "LLC", "Corp.", "Inc"),
        "cities": (("New York", "NY"), ("San Francisco", "CA"), ("Austin", "TX"),
                   ("Chicago", "IL"), ("Boston", "MA"), ("Seattle", "WA"), ("Denver", "CO"),
                   ("Atlanta", "GA")),
        "phone": "+1", "li": "",
    },
    "GB": {
        "name": "United Kingdom", "local": "United Kingdom", "weight": 20,
        "tlds": ("co.uk", "io", "com", "uk"), "suffixes": ("Ltd", "Limited", "Ltd.", "PLC"),
        "cities": (("London", "England"), ("Manchester", "England"), ("Bristol", "England"),
                   ("Edinburgh", "Scotland"), ("Leeds", "England"), ("Cardiff", "Wales")),
        "phone": "+44", "li": "uk",
    },
    "DE": {
        "name": "Germany", "local": "Deutschland", "weight": 12,
        "tlds": ("de", "io", "com"), "suffixes": ("GmbH", "AG", "GmbH & Co. KG", "SE"),
        "cities": (("Berlin", "Berlin"), ("München", "Bayern"), ("Hamburg", "Hamburg"),
                   ("Köln", "Nordrhein-Westfalen"), ("Frankfurt am Main", "Hessen"),
                   ("Düsseldorf", "Nordrhein-Westfalen")),
        "phone": "+49", "li": "de",
    },
    "FR": {
        "name": "France", "local": "France", "weight": 8,
        "tlds": ("fr", "io", "com"), "suffixes": ("SAS", "SA", "SARL", "SAS"),
        "cities": (("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes"),
                   ("Toulouse", "Occitanie"), ("Nantes", "Pays de la Loire")),
        "phone": "+33", "li": "fr",
    },
    "NL": {
        "name": "Netherlands", "local": "Nederland", "weight": 5,
        "tlds": ("nl", "io", "com"), "suffixes": ("B.V.", "BV", "N.V.", "B.V."),
        "cities": (("Amsterdam", "Noord-Holland"), ("Rotterdam", "Zuid-Holland"),
                   ("Utrecht", "Utrecht"), ("Eindhoven", "Noord-Brabant")),
        "phone": "+31", "li": "nl",
    },
    "CA": {
        "name": "Canada", "local": "Canada", "weight": 5,
        "tlds": ("ca", "com", "io"), "suffixes": ("Inc.", "Ltd.", "Corp.", "Inc."),
        "cities": (("Toronto", "ON"), ("Vancouver", "BC"), ("Montréal", "QC"),
                   ("Calgary", "AB")),
        "phone": "+1", "li": "ca",
    },
    "AU": {
        "name": "Australia", "local": "Australia", "weight": 4,
        "tlds": ("com.au", "io", "com"), "suffixes": ("Pty Ltd", "Pty. Ltd.", "Ltd", "Pty Ltd"),
        "cities": (("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"),
                   ("Perth", "WA")),
        "phone": "+61", "li": "au",
    },
    "ES": {
        "name": "Spain", "local": "España", "weight": 3,
        "tlds": ("es", "com", "io"), "suffixes": ("S.L.", "S.A.", "SL", "S.L."),
        "cities": (("Madrid", "Madrid"), ("Barcelona", "Cataluña"), ("Málaga", "Andalucía"),
                   ("Valencia", "Valencia")),
        "phone": "+34", "li": "es",
    },
    "IE": {
        "name": "Ireland", "local": "Ireland", "weight": 3,
        "tlds": ("ie", "io", "com"), "suffixes": ("Ltd", "Limited", "DAC", "Ltd"),
        "cities": (("Dublin", "Leinster"), ("Cork", "Munster"), ("Galway", "Connacht")),
        "phone": "+353", "li": "ie",
    },
}  # fmt: skip
COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRIES)
CONTINENTS: dict[str, str] = {
    "US": "North America", "CA": "North America", "AU": "Oceania",
    "GB": "Europe", "DE": "Europe", "FR": "Europe", "NL": "Europe", "ES": "Europe", "IE": "Europe",
}  # fmt: skip

# Seniority key -> (weight, Apollo label, ZoomInfo management level, Lusha label)
SENIORITIES: dict[str, tuple[float, str, str, str]] = {
    "c_suite": (6, "C suite", "C-Level", "C-Suite"),
    "founder": (4, "Founder", "C-Level", "Founder"),
    "owner": (2, "Owner", "C-Level", "Owner"),
    "vp": (9, "Vp", "VP-Level", "VP"),
    "director": (18, "Director", "Director", "Director"),
    "manager": (28, "Manager", "Manager", "Manager"),
    "senior": (20, "Senior", "Non-Manager", "Senior"),
    "entry": (13, "Entry", "Non-Manager", "Entry"),
}
SENIORITY_KEYS: tuple[str, ...] = tuple(SENIORITIES)

# Department -> (Apollo department label, job titles by seniority band: exec, lead, staff)
DEPARTMENTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sales": ("Sales", ("Chief Revenue Officer", "VP of Sales"),
              ("Head of Sales", "Sales Director", "Sales Manager"),
              ("Account Executive", "Sales Development Representative", "Account Manager")),
    "marketing": ("Marketing", ("Chief Marketing Officer", "VP Marketing"),
                  ("Head of Growth", "Marketing Director", "Demand Generation Manager"),
                  ("Marketing Specialist", "Content Marketing Manager", "Growth Marketer")),
    "engineering": ("Engineering & Technical", ("Chief Technology Officer", "VP Engineering"),
                    ("Head of Data", "Engineering Manager", "Director of Engineering"),
                    ("Software Engineer", "Senior Software Engineer", "Data Engineer")),
    "it": ("Information Technology", ("Chief Information Officer", "VP of IT"),
           ("IT Director", "Head of IT Operations", "IT Manager"),
           ("Systems Administrator", "IT Support Specialist", "Network Engineer")),
    "finance": ("Finance", ("Chief Financial Officer", "VP Finance"),
                ("Finance Director", "Head of Finance", "Financial Controller"),
                ("Financial Analyst", "Accountant", "Finance Manager")),
    "operations": ("Operations", ("Chief Operating Officer", "VP Operations"),
                   ("Director of Operations", "Plant Manager", "Revenue Operations Manager"),
                   ("Operations Analyst", "Operations Coordinator", "Business Analyst")),
    "hr": ("Human Resources", ("Chief People Officer", "VP People"),
           ("Head of Talent", "HR Director", "People Partner"),
           ("Recruiter", "HR Generalist", "Talent Acquisition Specialist")),
    "product": ("Product Management", ("Chief Product Officer", "VP Product"),
                ("Head of Product", "Director of Product", "Group Product Manager"),
                ("Product Manager", "Product Owner", "Associate Product Manager")),
}  # fmt: skip
DEPARTMENT_KEYS: tuple[str, ...] = tuple(DEPARTMENTS)
DEPARTMENT_WEIGHTS: tuple[float, ...] = (22, 14, 18, 9, 9, 10, 7, 11)
FOUNDER_TITLES: tuple[str, ...] = ("Founder", "Co-Founder & CEO", "Founder & CEO", "Owner")

TECHNOLOGIES: tuple[tuple[str, str], ...] = (
    ("Salesforce", "CRM"), ("HubSpot", "Marketing Automation"), ("Snowflake", "Data Warehouse"),
    ("AWS", "Cloud Hosting"), ("Google Cloud", "Cloud Hosting"), ("Azure", "Cloud Hosting"),
    ("Segment", "Customer Data Platform"), ("Zendesk", "Customer Support"),
    ("Intercom", "Customer Support"), ("Marketo", "Marketing Automation"),
    ("Outreach", "Sales Engagement"), ("Gong", "Conversation Intelligence"),
    ("dbt", "Data Transformation"), ("Looker", "Business Intelligence"),
    ("Tableau", "Business Intelligence"), ("Stripe", "Payments"), ("Shopify", "E-commerce"),
    ("Workday", "HR Software"), ("Slack", "Collaboration"), ("Jira", "Project Management"),
    ("Gmail", "Email Providers"), ("Google Apps", "Other"), ("Microsoft Office 365", "Other"),
)  # fmt: skip

FUNDING_ROUNDS: tuple[str, ...] = (
    "Seed", "Series A", "Series B", "Series C", "Series D", "Venture (Round not Specified)",
)  # fmt: skip
FUNDING_WEIGHTS: tuple[float, ...] = (20, 25, 18, 9, 4, 6)
# Industrial and logistics companies rarely raise venture rounds: owners and lenders fund them.
PRIVATE_CAPITAL_ROUNDS: tuple[str, ...] = (
    "Private Equity", "Growth Equity", "Debt Financing", "Series B",
    "Venture (Round not Specified)",
)  # fmt: skip
PRIVATE_CAPITAL_WEIGHTS: tuple[float, ...] = (30, 25, 30, 8, 7)
PRIVATE_CAPITAL_INDUSTRIES: tuple[str, ...] = ("Manufacturing", "Logistics & Supply Chain")

INTENT_TOPICS: tuple[tuple[str, str, int], ...] = (
    ("Sales Intelligence", "Sales", 1203),
    ("Lead Generation", "Marketing", 1187),
    ("Data Enrichment", "Technology", 2245),
    ("Email Verification", "Marketing", 3310),
    ("Account-Based Marketing", "Marketing", 1402),
    ("Customer Data Platform", "Technology", 2290),
    ("Revenue Operations", "Sales", 1519),
    ("Data Warehousing", "Technology", 2011),
)  # fmt: skip

JOB_POSTING_TITLES: tuple[tuple[str, str], ...] = (
    ("Head of Revenue Operations", "Operations"), ("Sales Development Representative", "Sales"),
    ("Account Executive", "Sales"), ("Data Engineer", "Engineering"),
    ("Marketing Operations Manager", "Marketing"), ("VP of Sales", "Sales"),
    ("Customer Success Manager", "Customer Success"), ("Analytics Engineer", "Engineering"),
    ("Demand Generation Manager", "Marketing"), ("Head of Data", "Engineering"),
    ("Finance Director", "Finance"), ("Supply Chain Planner", "Operations"),
)  # fmt: skip
# Roles companies of an industry post besides the common ones above.
INDUSTRY_JOB_POSTINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "Financial Services": (
        ("Financial Controller", "Finance"), ("FP&A Manager", "Finance"),
        ("Head of Finance", "Finance"), ("Analytics Engineer", "Engineering"),
        ("Data Engineer", "Engineering"), ("Compliance Officer", "Legal"),
    ),
    "Manufacturing": (
        ("Plant Manager", "Operations"), ("Production Planner", "Operations"),
        ("Continuous Improvement Engineer", "Operations"), ("Maintenance Technician", "Operations"),
        ("Operations Manager", "Operations"), ("Quality Engineer", "Engineering"),
    ),
    "Logistics & Supply Chain": (
        ("Supply Chain Manager", "Operations"), ("Warehouse Operations Manager", "Operations"),
        ("Transport Planner", "Operations"), ("Continuous Improvement Lead", "Operations"),
    ),
}  # fmt: skip
# Technologies companies of an industry run besides the common ones in TECHNOLOGIES.
INDUSTRY_TECHNOLOGIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Financial Services": (
        ("NetSuite", "ERP"), ("Adyen", "Payments"), ("Xero", "Accounting"),
        ("Snowflake", "Data Warehouse"), ("dbt", "Data Transformation"),
    ),
    "Manufacturing": (
        ("SAP S/4HANA", "ERP"), ("Microsoft Dynamics 365", "ERP"), ("Epicor", "ERP"),
        ("Infor", "ERP"), ("Siemens Opcenter", "Manufacturing Execution"),
    ),
    "Logistics & Supply Chain": (
        ("SAP S/4HANA", "ERP"), ("Microsoft Dynamics 365", "ERP"), ("Infor", "ERP"),
        ("Manhattan WMS", "Warehouse Management"),
    ),
}  # fmt: skip
EXECUTIVE_ROLES: tuple[str, ...] = (
    "Chief Revenue Officer", "Chief Financial Officer", "Chief Operating Officer",
    "Chief Technology Officer",
)  # fmt: skip

COMPANY_EVENTS: tuple[tuple[str, str], ...] = (
    ("leadership_change", "appoints new {role}"),
    ("office_opening", "opens new office in {city}"),
    ("product_launch", "launches new platform for {industry}"),
    ("acquisition", "acquires a smaller rival"),
    ("expansion", "expands into {country}"),
    ("partnership", "announces partnership to grow {industry} reach"),
    ("plant_expansion", "announces plant expansion in {city}"),
    ("new_facility", "opens a new distribution center in {city}"),
)  # fmt: skip
# Events companies of an industry announce besides the common ones above.
INDUSTRY_EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "Financial Services": (
        ("leadership_change", "appoints new Chief Financial Officer"),
        ("product_launch", "launches new platform for {industry}"),
    ),
    "Manufacturing": (
        ("plant_expansion", "announces a capacity expansion at its {city} plant"),
        ("new_facility", "opens a new facility in {city}"),
        ("acquisition", "acquires a regional component maker"),
    ),
    "Logistics & Supply Chain": (
        ("new_facility", "opens a new distribution center in {city}"),
        ("acquisition", "acquires a regional carrier"),
    ),
}  # fmt: skip

DEAL_OWNERS: tuple[str, ...] = (
    "Hannah Cole", "Marcus Reid", "Priya Desai", "Tom Becker", "Lena Vogel", "Sam Okafor",
)  # fmt: skip

# Words for Apollo's "Keywords" column and Evaboot's "Company Specialities".
KEYWORDS: tuple[str, ...] = (
    "b2b", "saas", "analytics", "data platform", "automation", "cloud", "payments", "logistics",
    "healthcare", "marketplace", "enterprise software", "fintech", "ai", "compliance",
)  # fmt: skip
