"""The demo inbox generator: determinism, real vendor headers, ground truth, count conservation.

Header lists below are copied from docs/vendor-formats.md (§1a, §1c, §1d, §2a, §3a,
§3b), independently of the generator's own constants.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from leadgen_pipeline.demo.generator import InboxSummary, generate_inbox

AS_OF = date(2026, 11, 20)
CONTACT_SOURCES = ("apollo", "cognism", "sales_navigator", "directory")

# --- docs/vendor-formats.md, verbatim -------------------------------------------------------------
APOLLO_1A = (
    "First Name,Last Name,Title,Company,Company Name for Emails,Email,Email Status,Email "
    "Confidence,Seniority,Departments,Contact Owner,First Phone,Work Direct Phone,Home "
    "Phone,Mobile Phone,Corporate Phone,Other Phone,Stage,Lists,Last Contacted,Account "
    "Owner,# Employees,Industry,Keywords,Person Linkedin Url,Website,Company Linkedin "
    "Url,Facebook Url,Twitter Url,City,State,Country,Company Address,Company City,Company"
    " State,Company Country,Company Phone,SEO Description,Technologies,Annual "
    "Revenue,Total Funding,Latest Funding,Latest Funding Amount,Last Raised At,Email "
    "Sent,Email Open,Email Bounced,Replied,Demoed,Number of Retail Locations,Apollo "
    "Contact Id,Apollo Account Id"
)
APOLLO_1C = (
    "First Name,Last Name,Title,Company Name,Company Name for Emails,Email,Email "
    "Status,Primary Email Source,Primary Email Verification Source,Email "
    "Confidence,Primary Email Catch-all Status,Primary Email Last Verified "
    "At,Seniority,Departments,Contact Owner,Work Direct Phone,Home Phone,Mobile "
    "Phone,Corporate Phone,Other Phone,Stage,Lists,Last Contacted,Account Owner,# "
    "Employees,Industry,Keywords,Person Linkedin Url,Website,Company Linkedin "
    "Url,Facebook Url,Twitter Url,City,State,Country,Company Address,Company City,Company"
    " State,Company Country,Company Phone,Technologies,Annual Revenue,Total "
    "Funding,Latest Funding,Latest Funding Amount,Last Raised At,Subsidiary of,Email "
    "Sent,Email Open,Email Bounced,Replied,Demoed,Number of Retail Locations,Apollo "
    "Contact Id,Apollo Account Id,Secondary Email,Secondary Email Source,Secondary Email "
    "Status,Secondary Email Verification Source,Tertiary Email,Tertiary Email "
    "Source,Tertiary Email Status,Tertiary Email Verification Source,Qualify Contact"
)
APOLLO_1D = (
    "First Name,Last Name,Title,Company Name,Company Name for Emails,Email,Email "
    "Status,Primary Email Source,Primary Email Verification Source,Email "
    "Confidence,Primary Email Catch-all Status,Primary Email Last Verified "
    "At,Seniority,Departments,Sub Departments,Contact Owner,Work Direct Phone,Home "
    "Phone,Mobile Phone,Corporate Phone,Other Phone,Do Not Call,Stage,Lists,Last "
    "Contacted,Account Owner,# Employees,Industry,Keywords,Person Linkedin "
    "Url,Website,Company Linkedin Url,Facebook Url,Twitter Url,City,State,Country,Company"
    " Address,Company City,Company State,Company Country,Company "
    "Phone,Technologies,Annual Revenue,Total Funding,Latest Funding,Latest Funding "
    "Amount,Last Raised At,Subsidiary of,Subsidiary of (Organization ID),Email Sent,Email"
    " Open,Email Bounced,Replied,Demoed,Number of Retail Locations,SIC Codes,NAICS "
    "Codes,Apollo Contact Id,Apollo Account Id,Apollo Record Id,Secondary Email,Secondary"
    " Email Source,Secondary Email Status,Secondary Email Verification Source,Tertiary "
    "Email,Tertiary Email Source,Tertiary Email Status,Tertiary Email Verification "
    "Source,Primary Intent Topic,Primary Intent Score,Secondary Intent Topic,Secondary "
    "Intent Score"
)
PHANTOMBUSTER = (
    "profileUrl,fullName,firstName,lastName,companyName,title,companyId,companyUrl,regula"
    "rCompanyUrl,summary,titleDescription,industry,companyLocation,location,durationInRol"
    "e,durationInCompany,pastExperienceCompanyName,pastExperienceCompanyUrl,pastExperienc"
    "eCompanyTitle,pastExperienceDate,pastExperienceDuration,connectionDegree,profileImag"
    "eUrl,sharedConnectionsCount,name,vmid,linkedInProfileUrl,isPremium,isOpenLink,query,"
    "timestamp,defaultProfileUrl"
)
ZOOMINFO = (
    '"ZoomInfo Contact ID","Last Name","First Name","Middle '
    'Name","Salutation","Suffix","Job Title","Job Title Hierarchy Level","Management '
    'Level","Job Start Date","Job Function","Department","Company Division Name","Direct '
    'Phone Number","Email Address","Email Domain","Mobile phone","Last Job Change '
    'Type","Last Job Change Date","Previous Job Title","Previous Company Name","Previous '
    'Company ZoomInfo Company ID","Previous Company LinkedIn Profile","Highest Level of '
    'Education","Contact Accuracy Score","Contact Accuracy Grade","ZoomInfo Contact '
    'Profile URL","LinkedIn Contact Profile URL","Notice Provided Date","Person '
    'Street","Person City","Person State","Person Zip Code","Country","ZoomInfo Company '
    'ID","Company Name","Company Description","Website","Founded Year","Company HQ '
    'Phone","Fax","Ticker","Revenue (in 000s USD)","Revenue Range (in USD)","Est. '
    'Marketing Department Budget (in 000s USD)","Est. Finance Department Budget (in 000s '
    'USD)","Est. IT Department Budget (in 000s USD)","Est. HR Department Budget (in 000s '
    'USD)","Employees","Employee Range","Past 1 Year Employee Growth Rate","Past 2 Year '
    'Employee Growth Rate","SIC Code 1","SIC Code 2","SIC Codes","NAICS Code 1","NAICS '
    'Code 2","NAICS Codes","Primary Industry","Primary Sub-Industry","All '
    'Industries","All Sub-Industries","Industry Hierarchical Category","Secondary '
    'Industry Hierarchical Category","Alexa Rank","ZoomInfo Company Profile '
    'URL","LinkedIn Company Profile URL","Facebook Company Profile URL","Twitter Company '
    'Profile URL","Ownership Type","Business Model","Certified Active '
    'Company","Certification Date","Total Funding Amount (in 000s USD)","Recent Funding '
    'Amount (in 000s USD)","Recent Funding Round","Recent Funding Date","Recent '
    'Investors","All Investors","Company Street Address","Company City","Company '
    'State","Company Zip Code","Company Country","Full Address","Number of Locations"'
)
LUSHA = (
    "Date,User,First Name,Last Name,Work Email,Work Email Confidence,Direct Email,Direct "
    "Email Confidence,Additional Email 1,Additional Email 1 Confidence,Additional Email "
    "2,Additional Email 2 Confidence,Phone 1,Phone 1 Type,Phone 2,Phone 2 Type,Job "
    "Title,Seniority,Departments,LinkedIn URL,Continent,Country,State,City,Country "
    "ISO,Tags,Company Name,Company Domain,Company Description,Company Year "
    "Founded,Company Website,Company Number of Employees,Company Revenue,Company LinkedIn"
    " URL,Total Funding Amount,Total Number of Rounds,Last Round/Event Amount,Last "
    "Round/Event Type,Last Round/Event Date,IPO Status,IPO Date,Company Main "
    "Industry,Company Sub Industry,Company Technologies,Company SIC (Standard Industrial "
    "Classification),Company NAIC (North American Industry Classification),Company "
    "Specialties,Company Continent,Company Country,Company State,Company City,Company "
    "Country ISO,Company Number of Intent Topics,Company Intent Topics,Company Intent "
    "Level,Topic Count Trend"
)
# §1c, second real file: the intent columns sit before `Qualify Contact`.
APOLLO_1C_INTENT = APOLLO_1C.replace(
    ",Qualify Contact",
    ",Primary Intent Topic,Primary Intent Score,Secondary Intent Topic,Secondary Intent Score"
    ",Qualify Contact",
)
# §1d: the real file has a leading user column `Proceed` and trailing custom AI columns.
APOLLO_1D_USER_COLUMNS = {
    "AI custom field 4893",
    "Generate personalized email 6141",
    "Qualify Contact",
}
NEVERBOUNCE_RESULTS = {"valid", "invalid", "disposable", "catchall", "unknown"}
ZEROBOUNCE_STATUSES = {
    "valid", "invalid", "catch-all", "unknown", "spamtrap", "abuse", "do_not_mail",
}  # fmt: skip
MILLIONVERIFIER_RESULTS = {"ok", "catch_all", "unknown", "invalid", "disposable"}


def _columns(documented: str) -> list[str]:
    return next(csv.reader([documented]))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _rows(path: Path) -> list[list[str]]:
    """All CSV rows (header first) as Python's csv module reads them."""
    return list(csv.reader(io.StringIO(_decode(path.read_bytes()), newline="")))


def _data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.csv") if p.parent != root)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, InboxSummary]:
    root = tmp_path_factory.mktemp("inbox")
    return root, generate_inbox(root, people=1500, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def truth(inbox: tuple[Path, InboxSummary]) -> list[dict[str, str]]:
    root, _ = inbox
    with (root / "_ground_truth.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate_inbox(first, people=200, seed=3, as_of=AS_OF)
    generate_inbox(second, people=200, seed=3, as_of=AS_OF)
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_another_seed_writes_other_people(tmp_path: Path) -> None:
    generate_inbox(tmp_path / "a", people=200, seed=3, as_of=AS_OF)
    generate_inbox(tmp_path / "b", people=200, seed=4, as_of=AS_OF)
    truth_a = (tmp_path / "a" / "_ground_truth.csv").read_bytes()
    assert truth_a != (tmp_path / "b" / "_ground_truth.csv").read_bytes()


def test_vendor_headers_are_the_documented_ones(inbox: tuple[Path, InboxSummary]) -> None:
    root, _ = inbox
    apollo = [_columns(h) for h in (APOLLO_1A, APOLLO_1C, APOLLO_1C_INTENT, APOLLO_1D)]
    seen_apollo = set()
    for path in sorted((root / "apollo").glob("*.csv")):
        header = _rows(path)[0]
        if header[0] == "Proceed":
            standard = _columns(APOLLO_1D)
            assert header[1 : 1 + len(standard)] == standard, path.name
            assert set(header[1 + len(standard) :]) <= APOLLO_1D_USER_COLUMNS, path.name
            seen_apollo.add("1d+user")
        else:
            assert header in apollo, path.name
            seen_apollo.add(apollo.index(header))
    assert {0, 1, "1d+user"} <= seen_apollo  # 1a, 1c and 1d with its user columns

    expected = {
        "zoominfo-": _columns(ZOOMINFO),
        "lusha-": _columns(LUSHA),
        "phantombuster-": _columns(PHANTOMBUSTER),
    }
    checked = defaultdict(int)
    for path in _data_files(root):
        for prefix, columns in expected.items():
            if path.name.startswith(prefix):
                assert _rows(path)[0] == columns, path.name
                checked[prefix] += 1
    assert checked["zoominfo-"] >= 2 and checked["lusha-"] >= 2 and checked["phantombuster-"]


def test_manifest_counts_equal_the_records_csv_reads(inbox: tuple[Path, InboxSummary]) -> None:
    root, summary = inbox
    manifest = json.loads((root / "_manifest.json").read_text())
    on_disk = {p.relative_to(root).as_posix() for p in _data_files(root)}
    assert on_disk == set(manifest["records"]) == set(summary.records)
    for relpath, count in manifest["records"].items():
        rows = _rows(root / relpath)
        assert max(len(rows) - 1, 0) == count == summary.records[relpath], relpath
    assert (root / manifest["empty_files"][0]).stat().st_size == 0
    assert len(_rows(root / manifest["header_only_files"][0])) == 1


def test_ground_truth_covers_every_readable_person_row(
    inbox: tuple[Path, InboxSummary], truth: list[dict[str, str]]
) -> None:
    root, summary = inbox
    manifest = json.loads((root / "_manifest.json").read_text())
    not_people = {
        (row["file"], row["row"])
        for row in manifest["deliberate_rows"]
        if not row["readable"] or row["kind"] == "no_identity"
    }
    expected = set()
    for relpath, count in manifest["records"].items():
        if (
            relpath.split("/")[0] in CONTACT_SOURCES
            and relpath not in manifest["unknown_format_files"]
        ):
            expected |= {(relpath, n) for n in range(1, count + 1)} - not_people
    listed = {(r["source_file"], int(r["source_row"])) for r in truth}
    assert listed == expected
    assert all(r["source"] == r["source_file"].split("/")[0] for r in truth)
    assert len(truth) == sum(summary.person_records.values())
    kinds = {row["kind"] for row in manifest["deliberate_rows"]}
    assert {"too_many_fields", "unterminated_quote", "no_identity"} <= kinds
    assert "unescaped_quote_in_unquoted_field" in kinds


def test_sources_each_cover_part_of_the_people_and_overlap(
    inbox: tuple[Path, InboxSummary], truth: list[dict[str, str]]
) -> None:
    _, summary = inbox
    sources_of = defaultdict(set)
    for row in truth:
        sources_of[row["person_key"]].add(row["source"])
    for source in CONTACT_SOURCES:
        covered = sum(source in s for s in sources_of.values()) / summary.people
        assert 0.38 <= covered <= 0.72, (source, covered)
    counts = [len(s) for s in sources_of.values()]
    assert max(counts) == 3 and min(counts) == 1
    assert sum(c >= 2 for c in counts) > len(counts) / 3


def test_broken_and_odd_rows_look_as_the_manifest_says(inbox: tuple[Path, InboxSummary]) -> None:
    root, summary = inbox
    for row in summary.deliberate_rows:
        rows = _rows(root / row.file)
        header, record = rows[0], rows[row.row]
        if row.kind == "too_many_fields":
            assert len(record) == len(header) + 1
        elif row.kind == "unterminated_quote":
            assert row.row == len(rows) - 1  # last, so it swallows nothing else
            assert len(record) < len(header)
        elif row.kind == "unescaped_quote_in_unquoted_field":
            assert 'O"Brien' in record and len(record) == len(header)
        elif row.kind == "no_identity":
            assert [cell for cell in record if cell] == [record[header.index("City")]]
    assert summary.broken_rows and all(summary.broken_rows.values())


def test_one_cognism_file_is_cp1252_and_one_starts_with_a_bom(
    inbox: tuple[Path, InboxSummary],
) -> None:
    root, _ = inbox
    cp1252, bom = [], []
    for path in sorted((root / "cognism").glob("*.csv")):
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            bom.append(path)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            cp1252.append(path)
    assert len(cp1252) == 1 and len(bom) == 1
    text = cp1252[0].read_bytes().decode("cp1252")
    assert "’" in text and all(ch in text for ch in "éüñ")


def test_job_changers_show_their_old_job_in_an_old_export(
    inbox: tuple[Path, InboxSummary], truth: list[dict[str, str]]
) -> None:
    root, _ = inbox
    dated = re.compile(r"-(\d{4}-\d{2}-\d{2})\.csv$")
    old_files = {
        p.relative_to(root).as_posix()
        for p in _data_files(root)
        if (m := dated.search(p.name)) and date.fromisoformat(m[1]) < AS_OF - timedelta(days=90)
    }
    assert {f.split("/")[0] for f in old_files} == {"apollo", "directory"}
    domains: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    for relpath in sorted(f for f in {r["source_file"] for r in truth} if f.startswith("apollo/")):
        rows = _rows(root / relpath)
        company = rows[0].index("Company Name for Emails")
        for record in truth:
            if record["source_file"] == relpath:
                cells = rows[int(record["source_row"])]
                domains[record["person_key"]][relpath in old_files].add(cells[company])
    changed = [
        p
        for p, seen in domains.items()
        if seen[True] and seen[False] and not seen[True] & seen[False]
    ]
    assert changed


def test_a_shared_inbox_is_listed_for_two_people(
    inbox: tuple[Path, InboxSummary], truth: list[dict[str, str]]
) -> None:
    root, _ = inbox
    people_by_email: dict[str, set[str]] = defaultdict(set)
    cache: dict[str, list[list[str]]] = {}
    for record in truth:
        if not record["source_file"].startswith("apollo/"):
            continue
        rows = cache.setdefault(record["source_file"], _rows(root / record["source_file"]))
        email = rows[int(record["source_row"])][rows[0].index("Email")].strip().lower()
        if email.split("@")[0] in {"info", "sales", "contact", "hello", "team"}:
            people_by_email[email].add(record["person_key"])
    assert any(len(people) >= 2 for people in people_by_email.values())


def test_verifications_cover_most_emails_in_documented_vocabularies(
    inbox: tuple[Path, InboxSummary],
) -> None:
    root, _ = inbox
    folder = root / "verifications"
    verdicts = 0
    for path in sorted(folder.glob("neverbounce-*.csv")):
        rows = _rows(path)
        assert rows[0][-1] == "email_status"
        assert {r[-1] for r in rows[1:]} <= NEVERBOUNCE_RESULTS
        verdicts += len(rows) - 1
    (zerobounce,) = folder.glob("zerobounce-*.csv")
    rows = _rows(zerobounce)
    assert rows[0][:5] == ["Email Address", "First Name", "Last Name", "ZB Status", "ZB Sub Status"]
    assert {r[3] for r in rows[1:]} <= ZEROBOUNCE_STATUSES
    verdicts += len(rows) - 1
    (million,) = folder.glob("millionverifier-*.csv")
    rows = _rows(million)
    assert rows[0] == ["email", "quality", "result", "free", "role"]
    assert {r[2] for r in rows[1:]} <= MILLIONVERIFIER_RESULTS
    verdicts += len(rows) - 1
    assert 0.5 < verdicts / 1500 < 1.2  # ~70% of people's addresses, plus old and role ones
    ages = [AS_OF - date.fromisoformat(p.stem[-10:]) for p in folder.glob("*.csv")]
    assert any(age > timedelta(days=30) for age in ages)


def test_crm_deals_are_fully_quoted_and_name_contacts(inbox: tuple[Path, InboxSummary]) -> None:
    root, _ = inbox
    (deals,) = (root / "crm").glob("hubspot-crm-exports-all-deals-*.csv")
    lines = deals.read_text().splitlines()
    assert lines[0].startswith('"Record ID","Deal Name"') and all(
        line.startswith('"') and line.endswith('"') for line in lines
    )
    rows = _rows(deals)
    stages = {r[rows[0].index("Deal Stage")] for r in rows[1:]}
    assert "Closed Won" in stages
    assert all("@" in r[rows[0].index("Associated Contact")] for r in rows[1:])


def test_suppressed_people_exist_in_the_sources(inbox: tuple[Path, InboxSummary]) -> None:
    root, _ = inbox
    emails = set()
    for path in _data_files(root):
        if path.relative_to(root).parts[0] in CONTACT_SOURCES:
            text = _decode(path.read_bytes()).lower()
            emails |= set(re.findall(r"[a-z0-9._+\-]+@[a-z0-9.\-]+", text))
    for name in ("opt_outs", "erasure_requests"):
        (path,) = (root / "suppression").glob(f"{name}-*.csv")
        listed = {row[0] for row in _rows(path)[1:]}
        assert listed & emails, name


def test_every_file_name_carries_its_export_date(inbox: tuple[Path, InboxSummary]) -> None:
    root, _ = inbox
    for path in _data_files(root):
        match = re.search(r"-(\d{4}-\d{2}-\d{2})\.csv$", path.name)
        assert match, path.name
        assert date.fromisoformat(match[1]) <= AS_OF


def test_generator_imports_no_dagster() -> None:
    code = "import sys, leadgen_pipeline.demo.generator; print('dagster' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
