"""The source provenance manifest (`data/sources.yaml`): where each source's records come from.

Per source (the inbox folder name, e.g. `sales_navigator`) it declares the vendors behind it,
the GDPR lawful basis for processing, how a person opts out, the refresh cadence, the cost per
record and a trust rank for field survivorship. A record from a source the manifest does not
declare is not used: `SourceManifest.provenance_for` returns None for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field, ValidationError, field_validator

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
from leadgen_pipeline.layers.config.icp import Refresh

Vendor = Literal[
    "apollo",
    "apollo_api",
    "cognism",
    "zoominfo",
    "lusha",
    "phantombuster",
    "evaboot",
    "directory",
]

# The vendor registry: every key a manifest may name, and what it stands for.
VENDORS: dict[str, str] = {
    "apollo": "Apollo.io contacts CSV export",
    "apollo_api": "Apollo.io people API (API mode, when APOLLO_API_KEY is set)",
    "cognism": "Cognism contacts CSV export",
    "zoominfo": "ZoomInfo contacts CSV export",
    "lusha": "Lusha contacts CSV export",
    "phantombuster": "PhantomBuster export of a LinkedIn Sales Navigator search",
    "evaboot": "Evaboot export of a LinkedIn Sales Navigator search",
    "directory": "niche directory or member list with generic column names",
}

ConsentBasis = Literal["legitimate_interest", "consent", "contract", "public_task"]

# The GDPR Art. 6(1) lawful bases a B2B prospecting source can rest on. Legal obligation (c)
# and vital interests (d) are left out: neither can justify sales outreach.
CONSENT_BASES: dict[str, str] = {
    "consent": (
        "Art. 6(1)(a): the person agreed to be contacted for this purpose (e.g. a form opt-in); "
        "withdrawing consent must be as easy as giving it."
    ),
    "contract": (
        "Art. 6(1)(b): processing is needed for a contract with the person, or for steps they "
        "asked for before entering one (e.g. an existing customer contact)."
    ),
    "public_task": (
        "Art. 6(1)(e): processing is needed for a task in the public interest or in official "
        "authority (public bodies; rarely applies to prospecting)."
    ),
    "legitimate_interest": (
        "Art. 6(1)(f): B2B outreach relevant to the person's role, backed by a documented "
        "balancing test; the person is told where the data came from (Art. 14) and can object "
        "at any time (Art. 21), after which they are suppressed."
    ),
}


class ProvenanceError(ConfigError):
    """The source manifest is unusable; the message has one `file: field: problem` per line."""


class SourceProvenance(ConfigModel):
    """What is declared about one source: vendors, lawful basis, opt-out, cadence, cost, trust."""

    vendors: list[Vendor]
    consent_basis: ConsentBasis
    opt_out_mechanism: Text
    refresh: Refresh
    cost_per_record_usd: float = Field(ge=0, allow_inf_nan=False)
    trust_rank: int = Field(ge=1)  # 1 = most trusted; breaks ties in field survivorship
    notes: Text | None = None

    @field_validator("vendors")
    @classmethod
    def _non_empty_and_unique(cls, vendors: list[str]) -> list[str]:
        if not vendors:
            raise ValueError("needs at least one vendor")
        reject_duplicates(vendors)
        return vendors


class SourceManifest(ConfigModel):
    """The whole manifest: a version and the provenance of each source, keyed by source name."""

    version: int = Field(gt=0)
    # Keyed by the inbox folder name, hence a slug.
    sources: dict[Slug, SourceProvenance]

    @field_validator("sources")
    @classmethod
    def _named_and_ranked(cls, sources: dict[str, SourceProvenance]) -> dict[str, SourceProvenance]:
        if not sources:
            raise ValueError("needs at least one source")
        by_rank: dict[int, list[str]] = {}
        for name, provenance in sources.items():
            by_rank.setdefault(provenance.trust_rank, []).append(name)
        # Survivorship keeps the most trusted source's value; a shared rank makes that a coin toss.
        problems = [
            f"trust_rank {rank} is shared by {', '.join(names)}; give each source its own rank"
            for rank, names in sorted(by_rank.items())
            if len(names) > 1
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return sources

    def trust_ranks(self) -> dict[str, int]:
        """Source -> trust rank, for survivorship (1 is the most trusted)."""
        return {source: p.trust_rank for source, p in self.sources.items()}

    def provenance_for(self, source: str) -> SourceProvenance | None:
        """The declared provenance of `source`, or None when it is not declared (do not use it)."""
        return self.sources.get(source)


def load_source_manifest(path: Path) -> SourceManifest:
    """Read and validate the source manifest at `path`.

    Raises `ProvenanceError` listing every problem, each naming the file and the field path
    (e.g. `sources.apollo.consent_basis`).
    """
    label = str(path)
    data, _ = read_yaml_mapping(path, label, ProvenanceError)
    try:
        return SourceManifest.model_validate(data)
    except ValidationError as exc:
        problems: list[ConfigProblem] = problems_from_validation_error(label, exc, SourceManifest)
        raise ProvenanceError(problems) from None


# The source manifest as a table: one row per source.
MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "vendors": pl.List(pl.String()),
    "consent_basis": pl.String(),
    "opt_out_mechanism": pl.String(),
    "refresh": pl.String(),
    "cost_per_record_usd": pl.Float64(),
    "trust_rank": pl.Int64(),
    "notes": pl.String(),
    "manifest_version": pl.Int64(),
}


def manifest_frame(manifest: SourceManifest) -> pl.DataFrame:
    """One row per declared source, sorted by source name, with `MANIFEST_SCHEMA`'s columns."""
    rows = [
        {
            "source": name,
            **provenance.model_dump(),
            "manifest_version": manifest.version,
        }
        for name, provenance in sorted(manifest.sources.items())
    ]
    return pl.DataFrame(rows, schema=MANIFEST_SCHEMA)
