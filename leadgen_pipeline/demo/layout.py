"""Which files the inbox holds, and which people's records land in each contact file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from leadgen_pipeline.demo.records import Variation
from leadgen_pipeline.demo.rng import Draw


@dataclass(frozen=True)
class ContactFile:
    """A contact export: `share` of its source's records; `old` files (>90 days) also hold
    job changers' old jobs."""

    file_no: int
    source: str
    stem: str
    days_ago: int
    vendor: str
    share: float
    old: bool = False
    encoding: str = "utf-8"
    quote_all: bool = False
    crlf: bool = False
    empty_as_quotes: bool = False

    def relpath(self, as_of: date) -> str:
        return f"{self.source}/{self.stem}-{as_of - timedelta(days=self.days_ago)}.csv"

    def export_date(self, as_of: date) -> date:
        return as_of - timedelta(days=self.days_ago)


CONTACT_FILES: tuple[ContactFile, ...] = (
    ContactFile(0, "apollo", "apollo-contacts-export", 130, "apollo_1a", 0.15, old=True),
    ContactFile(1, "apollo", "apollo-contacts-export", 18, "apollo_1c", 0.45, empty_as_quotes=True),
    ContactFile(2, "apollo", "apollo-contacts-export", 4, "apollo_1d", 0.40),
    ContactFile(3, "cognism", "cognism-export", 22, "cognism", 0.30, encoding="cp1252", crlf=True),
    ContactFile(4, "cognism", "cognism-export", 16, "cognism", 0.45, encoding="utf-8-sig"),
    ContactFile(5, "cognism", "cognism-enrichment-output", 8, "cognism_enrichment", 0.25),
    ContactFile(6, "sales_navigator", "phantombuster-sales-navigator-search-export", 12,
                "phantombuster", 0.55),
    ContactFile(7, "sales_navigator", "evaboot-leads-export", 6, "evaboot", 0.45),
    ContactFile(8, "directory", "zoominfo-contacts-export", 140, "zoominfo", 0.10, old=True,
                quote_all=True),
    ContactFile(9, "directory", "zoominfo-contacts-export", 15, "zoominfo", 0.35),
    ContactFile(10, "directory", "lusha-contacts-export", 10, "lusha", 0.30, crlf=True),
    ContactFile(11, "directory", "saas-leaders-directory", 8, "niche_name", 0.15),
    ContactFile(12, "directory", "dach-fintech-members", 23, "niche_split", 0.10),
)  # fmt: skip

VARIATIONS: dict[str, Variation] = {
    "apollo": Variation(email_missing=0.10, linkedin_missing=0.12, nickname=0.15),
    "cognism": Variation(email_missing=0.08, linkedin_missing=0.5, nickname=0.1),
    "sales_navigator": Variation(email_missing=0.5, linkedin_missing=0.1, nickname=0.35),
    "directory": Variation(email_missing=0.15, linkedin_missing=0.3, nickname=0.15, typo=0.03),
}

# Showcase people whose records must sit in a given file (see population.SHOWCASE).
PINNED: dict[tuple[int, str], int] = {
    (0, "cognism"): 3,  # Müller, Peña, O'Brien in the cp1252 Cognism file
    (1, "cognism"): 3,
    (2, "cognism"): 3,
    (2, "directory"): 12,  # O"Brien, the unescaped quote, in the DACH list
}


def files_of(source: str) -> list[ContactFile]:
    return [f for f in CONTACT_FILES if f.source == source]


def assign_slots(draw: Draw, people: pl.DataFrame, source: str) -> pl.DataFrame:
    """(pid, file_no, old_job) for every record of `source`: one current record per member,
    plus an old-job record in the source's old file for job changers it tracks."""
    files = files_of(source)
    key = pl.col("pid")
    every = draw.weighted_index(key, f"slot.{source}", [f.share for f in files])
    recent = draw.weighted_index(
        key, f"slot.{source}.recent", [0.0 if f.old else f.share for f in files]
    )
    file_nos = pl.lit(pl.Series([f.file_no for f in files], dtype=pl.Int64))
    file_no = file_nos.gather(pl.when(pl.col("job_changer")).then(recent).otherwise(every))
    for (pid, pinned_source), pinned_file in PINNED.items():
        if pinned_source == source:
            file_no = pl.when(key == pid).then(pl.lit(pinned_file, pl.Int64)).otherwise(file_no)
    members = people.filter(pl.col(f"in_{source}"))
    current = members.select("pid", file_no.alias("file_no"), pl.lit(False).alias("old_job"))
    old_files = [f for f in files if f.old]
    if not old_files:
        return current
    # Directory keeps the old job only for changers Apollo does not already show.
    tracked = pl.col("job_changer")
    if source == "directory":
        tracked = tracked & ~pl.col("in_apollo")
    old = members.filter(tracked).select(
        "pid",
        pl.lit(old_files[0].file_no, pl.Int64).alias("file_no"),
        pl.lit(True).alias("old_job"),
    )
    return pl.concat([current, old])
