"""Operational ICP segments: one YAML file per segment in `data/icp/`, validated and tabled.

An ICP here is operational, not a persona: an employee band, ISO country codes, industries,
target titles and seniorities, 3 to 5 binary buying signals, and disqualifiers. Each segment
carries a version and the SHA-256 of the file it came from, so every score row can name the
exact ICP it was scored against. The `config.icp_segments` table is `segments_frame(...)`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
import pycountry
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from leadgen_pipeline.kernel.config_errors import (
    ConfigError,
    ConfigModel,
    ConfigProblem,
    Slug,
    Text,
    problems_from_validation_error,
    read_yaml_mapping,
    reject_duplicates,
)
from leadgen_pipeline.kernel.keys import is_public_suffix, registrable_domain, scalar

# How often a segment's lists are rebuilt: monthly for high-churn segments (people change
# jobs and funding changes budgets fast), quarterly for stable ones.
Refresh = Literal["monthly", "quarterly"]

# Apollo's seniority vocabulary (its `person_seniorities` filter); exports spell some of them
# differently ("C suite", "Vp"), which the validator folds onto these keys.
SENIORITIES: tuple[str, ...] = (
    "owner",
    "founder",
    "c_suite",
    "partner",
    "vp",
    "head",
    "director",
    "manager",
    "senior",
    "entry",
    "intern",
)

SignalKind = Literal[
    "funding_round", "hiring", "tech_stack", "company_event", "job_change", "intent"
]

# Practitioners qualify on 3 to 5 binary signals: fewer cannot separate tiers, more dilute them.
MIN_SIGNALS = 3
MAX_SIGNALS = 5

# Keys the loader fills in; a file that sets them would be claiming its own fingerprint.
_LOADER_FIELDS = ("source_file", "source_sha256")


class IcpError(ConfigError):
    """An ICP file or folder is unusable; the message has one `file: field: problem` per line."""


def _country_input(value: object) -> object:
    # YAML 1.1 reads an unquoted NO (Norway) as false; say so instead of "not a string".
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a country code: YAML reads unquoted NO/YES/ON/OFF as booleans, "
            "so quote the code (e.g. 'NO' for Norway)"
        )
    return value


def _iso_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return code
    hint = ""
    if code == "UK":
        hint = " (the United Kingdom is 'GB')"
    elif len(code) == 3 and (country := pycountry.countries.get(alpha_3=code)) is not None:
        hint = f" (did you mean {country.alpha_2!r}?)"
    raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code{hint}")


def _keyword(value: str) -> str:
    # Matching is case- and spacing-insensitive, so store one spelling.
    normalised = " ".join(value.split()).lower()
    if not normalised:
        raise ValueError("must not be empty")
    return normalised


def _seniority(value: str) -> str:
    key = "_".join(value.replace("-", " ").lower().split())
    if key not in SENIORITIES:
        raise ValueError(f"{value!r} is not a seniority; use one of: {', '.join(SENIORITIES)}")
    return key


_HOSTNAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


def _registrable_domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if not _HOSTNAME.fullmatch(domain):
        raise ValueError(
            f"{value!r} is not a bare domain such as 'rival.example' (no scheme, path or spaces)"
        )
    # The kernel's registrable-domain rule, the one the company domain keys (which these
    # disqualifiers are compared with) are made by: private suffixes count, so
    # `rival.myshopify.com` is a company's domain and `myshopify.com` is nobody's.
    if is_public_suffix(domain):
        raise ValueError(f"{value!r} is a public suffix, not a company's domain")
    keyed = scalar(registrable_domain, domain)
    # No public suffix at all: a reserved or invented top-level domain (.example, .test), whose
    # registrable part is taken to be the last two labels.
    labels = 2 if keyed is None else keyed.count(".") + 1
    # Compared by label count, in the file's own spelling: the rule spells an IDN host in
    # Unicode (`xn--mller-kva.de` -> `müller.de`), as the company domain keys are spelled.
    registrable = ".".join(domain.split(".")[-labels:])
    if registrable != domain:
        raise ValueError(
            f"{value!r} is a subdomain; give the registrable domain {registrable!r} "
            "(it covers every subdomain)"
        )
    # kept as the rule spells it, so it equals the company domain key it is meant to match
    return keyed or domain


CountryCode = Annotated[str, BeforeValidator(_country_input), AfterValidator(_iso_country)]
Keyword = Annotated[str, AfterValidator(_keyword)]
Seniority = Annotated[str, AfterValidator(_seniority)]
Domain = Annotated[str, AfterValidator(_registrable_domain)]


class EmployeeBand(ConfigModel):
    """Company headcount range, inclusive at both ends; `max: null` means no upper bound."""

    min: int = Field(ge=1)
    max: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> EmployeeBand:
        if self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def contains(self, employees: int) -> bool:
        """True when a company of `employees` people falls inside the band."""
        return self.min <= employees and (self.max is None or employees <= self.max)


class BuyingSignal(ConfigModel):
    """One binary buying signal: did `kind` happen to the account within `lookback_days`?

    `match` narrows what counts: round types for funding_round, job-title keywords for hiring
    and job_change, technologies for tech_stack, event types for company_event, topics for
    intent. Without terms, any event of the kind counts, except for tech_stack and intent,
    which mean nothing without them.
    """

    key: Slug
    description: Text
    kind: SignalKind
    lookback_days: int = Field(gt=0)
    match: list[Keyword] = Field(default_factory=list)

    @field_validator("match")
    @classmethod
    def _unique_terms(cls, terms: list[str]) -> list[str]:
        reject_duplicates(terms)
        return terms

    @model_validator(mode="after")
    def _terms_where_required(self) -> BuyingSignal:
        if self.kind in ("tech_stack", "intent") and not self.match:
            what = "technologies" if self.kind == "tech_stack" else "intent topics"
            raise ValueError(f"a {self.kind} signal needs `match` terms (the {what} to look for)")
        return self


class Disqualifiers(ConfigModel):
    """What removes an otherwise fitting lead from the segment.

    `domains` are registrable company domains (a domain covers its subdomains); `industries`
    match exactly; `titles` are keywords matched as whole words inside a person's title.
    """

    domains: list[Domain] = Field(default_factory=list)
    industries: list[Keyword] = Field(default_factory=list)
    titles: list[Keyword] = Field(default_factory=list)

    @field_validator("domains", "industries", "titles")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        reject_duplicates(values)
        return values


class Enrichment(ConfigModel):
    """What enrichment collects for this segment, and no more.

    `relevant_technologies`: technologies worth naming on a lead (default: the segment's
    tech_stack signal terms). `signal_window_days`: how old a signal or hook may be on a
    lead (default: the longest `lookback_days` of the segment's buying signals).
    `primary_sources`: registrable domains, besides the company's own, whose pages may
    verify a researched claim (a regulator's register, a stock exchange's filings).
    """

    relevant_technologies: list[Keyword] = Field(default_factory=list)
    signal_window_days: int | None = Field(default=None, gt=0)
    primary_sources: list[Domain] = Field(default_factory=list)

    @field_validator("relevant_technologies", "primary_sources")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        reject_duplicates(values)
        return values


class IcpSegment(ConfigModel):
    """One operational ICP segment, exactly as its file states it, plus where it came from.

    `source_file` and `source_sha256` are set by the loader, never by the file: together with
    `version` they identify the exact ICP a lead was scored against.
    """

    segment: Slug
    version: int = Field(gt=0)
    description: Text
    refresh: Refresh
    # when someone last held the segment against closed-won deals (feedback warns after 90 days)
    reviewed_on: date | None = None
    employee_band: EmployeeBand
    countries: list[CountryCode]
    industries: list[Keyword]
    titles: list[Keyword]
    seniorities: list[Seniority]
    buying_signals: list[BuyingSignal]
    disqualifiers: Disqualifiers = Field(default_factory=Disqualifiers)
    enrichment: Enrichment = Field(default_factory=Enrichment)
    notes: Text | None = None
    source_file: str | None = None
    source_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @field_validator("segment")
    @classmethod
    def _matches_file_name(cls, segment: str, info: ValidationInfo) -> str:
        # One file per segment, named after it, so `ls data/icp` is the list of segments.
        stem = (info.context or {}).get("file_stem")
        if stem is not None and segment != stem:
            raise ValueError(
                f"{segment!r} does not match the file name {stem!r}; "
                f"rename the file to {segment}.yaml or change the segment"
            )
        return segment

    @field_validator("countries", "industries", "titles", "seniorities")
    @classmethod
    def _non_empty_and_unique(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("needs at least one entry")
        reject_duplicates(values)
        return values

    @field_validator("buying_signals")
    @classmethod
    def _three_to_five_signals(cls, signals: list[BuyingSignal]) -> list[BuyingSignal]:
        if not MIN_SIGNALS <= len(signals) <= MAX_SIGNALS:
            raise ValueError(f"needs {MIN_SIGNALS} to {MAX_SIGNALS} signals, found {len(signals)}")
        keys = [signal.key for signal in signals]
        if len(set(keys)) != len(keys):
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            raise ValueError(f"signal keys must be unique; repeated: {', '.join(repeated)}")
        return signals

    @field_validator("disqualifiers")
    @classmethod
    def _no_target_disqualified(
        cls, disqualifiers: Disqualifiers, info: ValidationInfo
    ) -> Disqualifiers:
        # A disqualifier that also matches a target would silently empty part of the segment.
        clashes = [
            f"industry {industry!r} is both targeted and disqualified"
            for industry in disqualifiers.industries
            if industry in info.data.get("industries", [])
        ]
        for keyword in disqualifiers.titles:
            pattern = re.compile(rf"\b{re.escape(keyword)}\b")
            clashes.extend(
                f"title keyword {keyword!r} would disqualify the target title {title!r}"
                for title in info.data.get("titles", [])
                if pattern.search(title)
            )
        if clashes:
            raise ValueError("; ".join(clashes))
        return disqualifiers


    @property
    def relevant_technologies(self) -> list[str]:
        """The technologies enrichment names on a lead: the file's list, else every
        tech_stack signal's terms."""
        if self.enrichment.relevant_technologies:
            return list(self.enrichment.relevant_technologies)
        terms = [t for s in self.buying_signals if s.kind == "tech_stack" for t in s.match]
        return list(dict.fromkeys(terms))

    @property
    def signal_window_days(self) -> int:
        """How old a signal on a lead may be: the file's window, else the longest lookback."""
        if self.enrichment.signal_window_days is not None:
            return self.enrichment.signal_window_days
        return max(signal.lookback_days for signal in self.buying_signals)


def icp_file_sha(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes: the fingerprint recorded as `source_sha256`."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_icp_file(path: Path) -> IcpSegment:
    """Read and validate one ICP file; `source_file` is its name, `source_sha256` its hash.

    Raises `IcpError` listing every problem in the file, each naming the file and field.
    """
    label = str(path)
    data, raw = read_yaml_mapping(path, label, IcpError)
    problems = [
        ConfigProblem(label, "", f"unknown key {key!r} (the loader records it; remove it)")
        for key in _LOADER_FIELDS
        if key in data
    ]
    content: dict[str, Any] = {k: v for k, v in data.items() if k not in _LOADER_FIELDS}
    content |= {"source_file": path.name, "source_sha256": hashlib.sha256(raw).hexdigest()}
    try:
        segment = IcpSegment.model_validate(content, context={"file_stem": path.stem})
    except ValidationError as exc:
        problems.extend(problems_from_validation_error(label, exc, IcpSegment))
    else:
        if not problems:
            return segment
    raise IcpError(problems)


def load_icp_segments(folder: Path) -> list[IcpSegment]:
    """Load every `*.yaml` / `*.yml` ICP file in `folder`, sorted by segment name.

    Raises `IcpError` listing the problems of every bad file at once, or when the folder is
    missing, holds no ICP file, or two files declare the same segment.
    """
    if not folder.is_dir():
        raise IcpError([ConfigProblem(str(folder), "", "ICP folder does not exist")])
    # Dot-files are editor or OS leftovers (e.g. macOS `._x.yaml`), never segments.
    files = sorted(
        path
        for path in folder.iterdir()
        if path.suffix in (".yaml", ".yml") and not path.name.startswith(".") and path.is_file()
    )
    if not files:
        raise IcpError([ConfigProblem(str(folder), "", "no ICP files (*.yaml or *.yml) found")])
    segments: list[IcpSegment] = []
    problems: list[ConfigProblem] = []
    declared_in: dict[str, Path] = {}
    for path in files:
        try:
            segment = load_icp_file(path)
        except IcpError as exc:
            problems.extend(exc.problems)
            continue
        if segment.segment in declared_in:
            first = declared_in[segment.segment]
            problems.append(
                ConfigProblem(
                    str(path), "segment", f"{segment.segment!r} is already declared in {first}"
                )
            )
            continue
        declared_in[segment.segment] = path
        segments.append(segment)
    if problems:
        raise IcpError(problems)
    return sorted(segments, key=lambda segment: segment.segment)


_SIGNAL_STRUCT = pl.Struct(
    {
        "key": pl.String(),
        "description": pl.String(),
        "kind": pl.String(),
        "lookback_days": pl.Int64(),
        "match": pl.List(pl.String()),
    }
)

# The `config.icp_segments` table: one row per segment.
SEGMENTS_SCHEMA: dict[str, pl.DataType] = {
    "segment": pl.String(),
    "version": pl.Int64(),
    "refresh": pl.String(),
    "description": pl.String(),
    "employee_min": pl.Int64(),
    "employee_max": pl.Int64(),  # null: no upper bound
    "countries": pl.List(pl.String()),
    "industries": pl.List(pl.String()),
    "titles": pl.List(pl.String()),
    "seniorities": pl.List(pl.String()),
    "buying_signals": pl.List(_SIGNAL_STRUCT),
    "disqualifier_domains": pl.List(pl.String()),
    "disqualifier_industries": pl.List(pl.String()),
    "disqualifier_titles": pl.List(pl.String()),
    "relevant_technologies": pl.List(pl.String()),
    "signal_window_days": pl.Int64(),
    "primary_sources": pl.List(pl.String()),
    "source_file": pl.String(),
    "source_sha256": pl.String(),
}


def segments_frame(segments: Sequence[IcpSegment]) -> pl.DataFrame:
    """One row per segment, in the given order, with exactly `SEGMENTS_SCHEMA`'s columns."""
    rows = [
        {
            "segment": segment.segment,
            "version": segment.version,
            "refresh": segment.refresh,
            "description": segment.description,
            "employee_min": segment.employee_band.min,
            "employee_max": segment.employee_band.max,
            "countries": segment.countries,
            "industries": segment.industries,
            "titles": segment.titles,
            "seniorities": segment.seniorities,
            "buying_signals": [signal.model_dump() for signal in segment.buying_signals],
            "disqualifier_domains": segment.disqualifiers.domains,
            "disqualifier_industries": segment.disqualifiers.industries,
            "disqualifier_titles": segment.disqualifiers.titles,
            "relevant_technologies": segment.relevant_technologies,
            "signal_window_days": segment.signal_window_days,
            "primary_sources": segment.enrichment.primary_sources,
            "source_file": segment.source_file,
            "source_sha256": segment.source_sha256,
        }
        for segment in segments
    ]
    return pl.DataFrame(rows, schema=SEGMENTS_SCHEMA)
