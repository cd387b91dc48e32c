"""A fake Apollo API on loopback that speaks the documented shapes.

- `POST /api/v1/mixed_people/api_search`: filters a deterministic population and pages it
  (at most 100 per page, pages past 500 come back empty: Apollo shows at most 50,000 records);
  people carry `last_name_obfuscated` and no emails; `total_entries` is the true total.
- `POST /api/v1/people/bulk_match`: at most 10 `details` (else 422); `matches[i]` answers
  `details[i]` (null for an unknown id) with full person objects, emails included, plus
  `credits_consumed` (one per matched person) and the other documented counters.
- `x-api-key` is checked (401 for a wrong or missing key; a key in the query string is refused
  too); rate-limit headers on every answer, with per-endpoint minute/hour/day budgets that
  answer 429 once spent.

The population is never materialised: person `i` is a pure function of `(seed, i)`. Its
attributes are the digits of `i` in a mixed radix (headcount bucket, company, location,
seniority, title), so the people matching a filter are a fixed set of residues modulo the
radix product, and a page of matches is computed directly, for populations of any size.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from leadgen_pipeline_tests.fakes import FakeHTTPServer, RecordedRequest, Reply

SEARCH_PATH = "/api/v1/mixed_people/api_search"
BULK_MATCH_PATH = "/api/v1/people/bulk_match"
MAX_PER_PAGE = 100
MAX_PAGES = 500
MAX_BULK_DETAILS = 10

BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 10),
    (11, 20),
    (21, 50),
    (51, 100),
    (101, 200),
    (201, 500),
    (501, 1000),
    (1001, 2000),
    (2001, 5000),
    (5001, 10000),
    (10001, None),
)
COMPANY_STEMS = (
    "Northwind",
    "Bluefield",
    "Copperleaf",
    "Ironbark",
    "Lakeside",
    "Redwood",
    "Silverline",
    "Stonebridge",
    "Tidewater",
    "Westgate",
    "Brightpath",
)
COMPANY_KINDS = (
    ("Analytics", "information technology & services", "Series A"),
    ("Logistics", "logistics & supply chain", "Series C"),
    ("Software", "computer software", "Seed"),
)
LOCATIONS = (
    ("San Francisco", "California", "United States"),
    ("Austin", "Texas", "United States"),
    ("London", "England", "United Kingdom"),
    ("Berlin", "Berlin", "Germany"),
)
SENIORITIES = ("c_suite", "vp", "director", "manager", "entry")
TITLES: dict[str, tuple[str, ...]] = {
    "c_suite": (
        "Chief Executive Officer",
        "Chief Revenue Officer",
        "Chief Technology Officer",
        "Chief Operating Officer",
    ),
    "vp": ("VP of Sales", "VP Marketing", "VP Engineering", "Vice President, Operations"),
    "director": (
        "Director of Sales",
        "Director of Marketing",
        "Engineering Director",
        "Director, Revenue Operations",
    ),
    "manager": ("Sales Manager", "Marketing Manager", "Engineering Manager", "Office Manager"),
    "entry": (
        "Sales Intern",
        "Account Executive",
        "Sales Development Representative",
        "Marketing Intern",
    ),
}
DEPARTMENTS = (
    "master_sales",
    "master_marketing",
    "master_engineering_technical",
    "master_operations",
)
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery")
LAST_NAMES = ("Smith", "Jones", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore", "Clark")

RADIX = (len(BUCKETS), len(COMPANY_KINDS), len(LOCATIONS), len(SENIORITIES), 4)
PERIOD = len(BUCKETS) * len(COMPANY_KINDS) * len(LOCATIONS) * len(SENIORITIES) * 4


@dataclass(frozen=True)
class Company:
    index: int
    name: str
    domain: str
    employees: int
    industry: str
    funding_stage: str


@cache
def company(bucket: int, kind: int) -> Company:
    """The company in headcount bucket `bucket`, of kind `kind`."""
    low, high = BUCKETS[bucket]
    top = high if high is not None else 50_000
    employees = low + (kind + 1) * (top - low) // (len(COMPANY_KINDS) + 1)
    stem = COMPANY_STEMS[bucket]
    suffix, industry, stage = COMPANY_KINDS[kind]
    return Company(
        index=bucket * len(COMPANY_KINDS) + kind,
        name=f"{stem} {suffix}",
        domain=f"{stem}{suffix}.example".lower(),
        employees=employees,
        industry=industry,
        funding_stage=stage,
    )


@dataclass(frozen=True)
class Person:
    """Attributes of person `index`; `search_view` and `match_view` render the API shapes."""

    seed: int
    index: int

    @property
    def digits(self) -> tuple[int, int, int, int, int]:
        code = self.index % PERIOD
        out = []
        for base in RADIX:
            out.append(code % base)
            code //= base
        return out[0], out[1], out[2], out[3], out[4]

    @property
    def id(self) -> str:
        return f"{self.seed & 0xFFFFFFFF:08x}{self.index:016x}"

    @property
    def company(self) -> Company:
        bucket, kind, *_ = self.digits
        return company(bucket, kind)

    @property
    def location(self) -> tuple[str, str, str]:
        return LOCATIONS[self.digits[2]]

    @property
    def seniority(self) -> str:
        return SENIORITIES[self.digits[3]]

    @property
    def title(self) -> str:
        return TITLES[self.seniority][self.digits[4]]

    @property
    def first_name(self) -> str:
        return FIRST_NAMES[(self.index * 7 + self.seed) % len(FIRST_NAMES)]

    @property
    def last_name(self) -> str:
        return LAST_NAMES[(self.index // len(FIRST_NAMES) + self.seed) % len(LAST_NAMES)]

    @property
    def email(self) -> str | None:
        # Roughly one person in eleven has no known email, as in real data.
        if (self.index * 31 + self.seed) % 11 == 0:
            return None
        return f"{self.first_name}.{self.last_name}{self.index}@{self.company.domain}".lower()

    def search_view(self) -> dict[str, Any]:
        last = self.last_name
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name_obfuscated": f"{last[:2]}***{last[-1]}",
            "title": self.title,
            "last_refreshed_at": "2026-01-15T10:00:00.000+00:00",
            "has_email": self.email is not None,
            "has_city": True,
            "has_state": True,
            "has_country": True,
            "has_direct_phone": "Maybe: please request direct dial via people/bulk_match",
            "organization": {
                "name": self.company.name,
                "has_industry": True,
                "has_phone": True,
                "has_city": True,
                "has_state": True,
                "has_country": True,
                "has_zip_code": False,
                "has_revenue": True,
                "has_employee_count": True,
            },
        }

    def match_view(self) -> dict[str, Any]:
        org = self.company
        city, state, country = self.location
        first, last = self.first_name, self.last_name
        org_id = f"{self.seed & 0xFFFFFFFF:08x}{org.index + 1:016x}"
        return {
            "id": self.id,
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}",
            "linkedin_url": f"http://www.linkedin.com/in/{first}-{last}-{self.index}".lower(),
            "title": self.title,
            "headline": f"{self.title} at {org.name}",
            "photo_url": None,
            "twitter_url": None,
            "github_url": None,
            "facebook_url": None,
            "extrapolated_email_confidence": None,
            "email": self.email,
            "email_status": "verified" if self.email else "unavailable",
            "state": state,
            "city": city,
            "country": country,
            "departments": [DEPARTMENTS[self.digits[4]]],
            "subdepartments": [],
            "functions": [],
            "seniority": self.seniority,
            "is_likely_to_engage": self.index % 2 == 0,
            "intent_strength": None,
            "show_intent": False,
            "revealed_for_current_team": True,
            "organization_id": org_id,
            "employment_history": [
                {
                    "current": True,
                    "organization_id": org_id,
                    "organization_name": org.name,
                    "title": self.title,
                    "start_date": "2023-03-01",
                    "end_date": None,
                },
                {
                    "current": False,
                    "organization_id": None,
                    "organization_name": "Previous Employer Inc",
                    "title": "Associate",
                    "start_date": "2019-01-01",
                    "end_date": "2023-02-01",
                },
            ],
            "organization": {
                "id": org_id,
                "name": org.name,
                "website_url": f"http://www.{org.domain}",
                "primary_domain": org.domain,
                "linkedin_url": f"http://www.linkedin.com/company/{org.domain.split('.')[0]}",
                "primary_phone": {
                    "number": "+1 555-0100",
                    "source": "Account",
                    "sanitized_number": "+15550100",
                },
                "phone": "+1 555-0100",
                "sanitized_phone": "+15550100",
                "founded_year": 2010,
                "industry": org.industry,
                "estimated_num_employees": org.employees,
                "keywords": ["b2b", org.industry],
                "organization_revenue": org.employees * 150_000,
                "annual_revenue": org.employees * 150_000,
                "total_funding": org.employees * 10_000,
                "latest_funding_stage": org.funding_stage,
                "latest_funding_round_date": "2024-06-01T00:00:00.000+00:00",
                "technology_names": ["Salesforce", "Google Analytics"],
            },
        }


def _words(text: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if w}


def _parse_range(value: str) -> tuple[int, int | None]:
    low, _, high = str(value).partition(",")
    return int(low), (int(high) if high.strip() else None)


@dataclass(frozen=True)
class _Filters:
    titles: tuple[str, ...]
    locations: tuple[str, ...]
    seniorities: tuple[str, ...]
    ranges: tuple[tuple[int, int | None], ...]
    domains: tuple[str, ...]
    keywords: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> _Filters:
        def strings(name: str) -> tuple[str, ...]:
            value = body.get(name) or ()
            return tuple(sorted(str(v) for v in ([value] if isinstance(value, str) else value)))

        return cls(
            titles=strings("person_titles"),
            locations=strings("person_locations"),
            seniorities=strings("person_seniorities"),
            ranges=tuple(
                sorted(_parse_range(r) for r in strings("organization_num_employees_ranges"))
            ),
            domains=strings("q_organization_domains_list"),
            keywords=str(body.get("q_keywords") or ""),
        )

    def matches(self, person: Person) -> bool:
        """Apollo's semantics as the fake models them: OR within a filter, AND across."""
        if self.titles:
            title = _words(person.title)
            if not any(_words(t) <= title for t in self.titles):
                return False
        if self.locations:
            city, state, country = person.location
            places = {
                p.lower() for p in (city, state, country, f"{city}, {state}", f"{state}, {country}")
            }
            if not any(loc.strip().lower() in places for loc in self.locations):
                return False
        if self.seniorities and person.seniority not in self.seniorities:
            return False
        employees = person.company.employees
        if self.ranges and not any(
            low <= employees and (high is None or employees <= high) for low, high in self.ranges
        ):
            return False
        if self.domains and person.company.domain not in {d.lower() for d in self.domains}:
            return False
        if self.keywords:
            haystack = _words(person.title) | _words(person.company.name)
            if not _words(self.keywords) <= haystack:
                return False
        return True


@dataclass(frozen=True)
class Budgets:
    """Requests allowed per endpoint in each fixed window (None: the window is not metered)."""

    minute: int | None = 1000
    hourly: int | None = 100_000
    daily: int | None = 1_000_000


_WINDOWS = (("minute", 60.0, "minute"), ("hourly", 3600.0, "hour"), ("24-hour", 86400.0, "day"))


class FakeApolloServer(FakeHTTPServer):
    """The fake Apollo API. See the module docstring for what it models.

    `size` people are generated from `seed`. `legacy_pagination` answers with the older
    `pagination.total_entries` envelope; `report_credits=False` leaves `credits_consumed` out of
    bulk_match answers; `master_key=False` makes search answer 403 as for a non-master key.
    """

    def __init__(
        self,
        *,
        api_key: str,
        size: int = 500,
        seed: int = 7,
        budgets: Budgets | None = None,
        clock: Callable[[], float] = time.monotonic,
        legacy_pagination: bool = False,
        report_credits: bool = True,
        master_key: bool = True,
    ) -> None:
        super().__init__(clock=clock)
        self.api_key = api_key
        self.size = size
        self.seed = seed
        self.budgets = budgets or Budgets()
        self.legacy_pagination = legacy_pagination
        self.report_credits = report_credits
        self.master_key = master_key
        self.credits_charged = 0
        self._usage: dict[tuple[str, str, int], int] = {}
        self._usage_lock = threading.Lock()

    # --- the population ----------------------------------------------------------------

    def person(self, index: int) -> Person:
        return Person(self.seed, index)

    def index_of(self, person_id: str) -> int | None:
        prefix = f"{self.seed & 0xFFFFFFFF:08x}"
        if len(person_id) != 24 or not person_id.startswith(prefix):
            return None
        try:
            index = int(person_id[8:], 16)
        except ValueError:
            return None
        return index if 0 <= index < self.size else None

    @lru_cache(maxsize=256)  # noqa: B019 - the fake lives for one test; the cache with it
    def _residues(self, filters: _Filters) -> tuple[int, ...]:
        return tuple(code for code in range(PERIOD) if filters.matches(Person(self.seed, code)))

    def count(self, body: Mapping[str, Any]) -> int:
        """How many people a search body matches (the true total, above any display cap)."""
        return self._count(self._residues(_Filters.from_body(body)))

    def _count(self, residues: tuple[int, ...]) -> int:
        full, rest = divmod(self.size, PERIOD)
        return full * len(residues) + bisect.bisect_left(residues, rest)

    @staticmethod
    def _nth(residues: tuple[int, ...], k: int) -> int:
        """The index of the k-th (0-based) matching person, in ascending index order."""
        block, j = divmod(k, len(residues))
        return block * PERIOD + residues[j]

    # --- HTTP --------------------------------------------------------------------------

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if raw_headers.get("x-api-key") != self.api_key or any(
            "key" in name.lower() for name in request.query
        ):
            return Reply(401, {"error": "Invalid access credentials."})
        if request.method != "POST" or request.path not in (SEARCH_PATH, BULK_MATCH_PATH):
            return Reply(404, {"error": f"no route {request.method} {request.path}"})
        limited, headers = self._meter(request.path)
        if limited is not None:
            return Reply(429, {"message": limited}, headers)
        body = request.body if isinstance(request.body, dict) else {}
        if request.path == SEARCH_PATH:
            if not self.master_key:
                return Reply(
                    403,
                    {
                        "error": "api/v1/mixed_people/api_search is not accessible with this "
                        "api_key: a master API key is required",
                        "error_code": "API_INACCESSIBLE",
                    },
                    headers,
                )
            return Reply(200, self._search(body), headers)
        return self._bulk_match(body, headers)

    def _meter(self, path: str) -> tuple[str | None, dict[str, str]]:
        now = self.clock()
        endpoint = path.removeprefix("/")
        with self._usage_lock:
            headers: dict[str, str] = {}
            spent: str | None = None
            for name, length, period in _WINDOWS:
                budget = getattr(self.budgets, "daily" if name == "24-hour" else name)
                if budget is None:
                    continue
                key = (path, name, int(now // length))
                used = self._usage.get(key, 0)
                if used >= budget and spent is None:
                    spent = (
                        f"The maximum number of api calls allowed for {endpoint} is {budget} "
                        f"times per {period}. Please upgrade your plan from "
                        "https://app.apollo.io/#/settings/plans/upgrade."
                    )
            for name, length, _ in _WINDOWS:
                budget = getattr(self.budgets, "daily" if name == "24-hour" else name)
                if budget is None:
                    continue
                key = (path, name, int(now // length))
                if spent is None:
                    self._usage[key] = self._usage.get(key, 0) + 1
                used = self._usage.get(key, 0)
                headers[f"x-rate-limit-{name}"] = str(budget)
                headers[f"x-{name}-usage"] = str(used)
                headers[f"x-{name}-requests-left"] = str(max(0, budget - used))
        return spent, headers

    def _search(self, body: Mapping[str, Any]) -> dict[str, Any]:
        page = max(1, int(body.get("page") or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(body.get("per_page") or 10)))
        residues = self._residues(_Filters.from_body(body))
        total = self._count(residues)
        people: list[dict[str, Any]] = []
        if page <= MAX_PAGES:  # Apollo shows no record past the 500th page
            start = (page - 1) * per_page
            for k in range(start, min(start + per_page, total)):
                people.append(self.person(self._nth(residues, k)).search_view())
        if self.legacy_pagination:
            pages = -(-total // per_page)
            return {
                "pagination": {
                    "page": page,
                    "per_page": per_page,
                    "total_entries": total,
                    "total_pages": pages,
                },
                "people": people,
            }
        return {"total_entries": total, "people": people}

    def _bulk_match(self, body: Mapping[str, Any], headers: dict[str, str]) -> Reply:
        details = body.get("details")
        if not isinstance(details, Sequence) or isinstance(details, str) or not details:
            return Reply(422, {"error": "details must be a non-empty array"}, headers)
        if len(details) > MAX_BULK_DETAILS:
            return Reply(
                422,
                {"error": f"You can enrich at most {MAX_BULK_DETAILS} people per request"},
                headers,
            )
        matches: list[dict[str, Any] | None] = []
        for detail in details:
            index = self.index_of(str(detail.get("id") or "")) if isinstance(detail, dict) else None
            matches.append(None if index is None else self.person(index).match_view())
        found = sum(m is not None for m in matches)
        self.credits_charged += found
        answer: dict[str, Any] = {
            "status": "success",
            "error_code": None,
            "error_message": None,
            "total_requested_enrichments": len(details),
            "unique_enriched_records": found,
            "missing_records": len(details) - found,
            "matches": matches,
        }
        if self.report_credits:
            answer["credits_consumed"] = found
        return Reply(200, answer, headers)


def sales_leaders_icp(tmp_path: Path, disqualified_titles: list[str] | None = None) -> Path:
    """An ICP folder with one segment this fake's population answers: sales leaders in GB and
    DE, built from the bundled fintech segment so every other field stays valid."""
    from leadgen_pipeline_tests.builds import PROJECT

    segment = yaml.safe_load((PROJECT / "data/icp/fintech_scaleups_eu.yaml").read_text())
    segment.update(
        segment="sales_leaders_test",
        countries=["GB", "DE"],
        titles=["sales"],
        seniorities=["vp", "director", "entry"],
        employee_band={"min": 11, "max": 5000},
    )
    if disqualified_titles is not None:
        segment["disqualifiers"]["titles"] = disqualified_titles
    folder = tmp_path / "icp"
    folder.mkdir()
    (folder / "sales_leaders_test.yaml").write_text(yaml.safe_dump(segment))
    return folder
