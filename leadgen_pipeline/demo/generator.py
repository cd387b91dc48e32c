"""Deterministic demo and benchmark inbox generator.

Simulates `people` true persons at fictional companies and writes what a sales team's inbox
would hold about them: contact exports from Apollo, Cognism, Sales Navigator tools and
directories (ZoomInfo, Lusha, niche lists) in the vendors' real header formats, plus buying
signals, bulk-verification results, account intent, HubSpot deals and suppression lists.
The same seed gives byte-identical files. `<out>/_ground_truth.csv` maps every readable
person record to its true person; `<out>/_manifest.json` counts records per file and lists
the deliberately broken rows. The reader ignores both (files at the inbox root).

Regenerate the committed demo inbox with:

    leadgen-demo-data --out data/sample --people 2500 --seed 7
    # or: python -m leadgen_pipeline.demo.generator --out data/sample --people 2500 --seed 7

Scale: each person yields about 1.9 contact records (1–3 sources, plus old-job records of
job changers), so `--people 530000` writes about one million contact records (measured:
1,003,435 records, ~650 MB, in about 16 s with 1.7 GB peak memory on 2 cores). Inboxes of
more than 20,000 people skip the hand-written broken rows and write every file with Polars.

`--messes` (`messes=True`) adds the messes of real inboxes that entity resolution meets
(`identity_mess.py`: TAB/NBSP and malformed emails, double-encoded URLs, a concatenated
export, vendor guesses, numbered namesakes, history-only job changers, a shared vendor id),
at any size; the manifest then counts the rows each touched under `messes`. It is off by
default, so the demo inbox above does not change.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from leadgen_pipeline.demo import (
    apollo,
    cognism,
    directory,
    extras,
    formats,
    identity_mess,
    layout,
    mess,
)
from leadgen_pipeline.demo import population as pop
from leadgen_pipeline.demo import sales_navigator as salesnav
from leadgen_pipeline.demo import suppression as sup
from leadgen_pipeline.demo.records import materialise
from leadgen_pipeline.demo.rng import Draw
from leadgen_pipeline.demo.writer import FileOutput, write, write_empty, write_header_only

DEFAULT_AS_OF = date(2026, 11, 20)
SMALL_MESS_MAX_PEOPLE = 20_000
GROUND_TRUTH = "_ground_truth.csv"
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class DeliberateRow:
    """A row written to break (or bend) CSV or identity rules on purpose."""

    file: str
    row: int  # 1-based data row, header excluded
    kind: str
    readable: bool  # False: the CSV row itself is broken and must become a reject


@dataclass
class InboxSummary:
    """What `generate_inbox` wrote. `records` counts data rows (header excluded) per file,
    by path relative to the inbox; files not listed in any other field hold data."""

    out_dir: Path
    people: int
    seed: int
    as_of: date
    records: dict[str, int] = field(default_factory=dict)
    person_records: dict[str, int] = field(default_factory=dict)  # rows in the ground truth
    deliberate_rows: list[DeliberateRow] = field(default_factory=list)
    empty_files: list[str] = field(default_factory=list)
    header_only_files: list[str] = field(default_factory=list)
    unknown_format_files: list[str] = field(default_factory=list)
    # rows each identity-mess effect touched, by effect; None when the messes are off
    messes: dict[str, int] | None = None

    @property
    def broken_rows(self) -> dict[str, list[int]]:
        """Rows that are not valid CSV records, by file."""
        broken: dict[str, list[int]] = {}
        for row in self.deliberate_rows:
            if not row.readable:
                broken.setdefault(row.file, []).append(row.row)
        return broken

    def source_records(self, source: str) -> int:
        """Data records written under one source folder."""
        return sum(n for path, n in self.records.items() if path.startswith(f"{source}/"))

    def manifest(self) -> dict[str, object]:
        return {
            "people": self.people,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "records": self.records,
            "person_records": self.person_records,
            "deliberate_rows": [asdict(r) for r in self.deliberate_rows],
            "broken_rows": self.broken_rows,
            "empty_files": self.empty_files,
            "header_only_files": self.header_only_files,
            "unknown_format_files": self.unknown_format_files,
            # only with messes on, so the manifest of the clean inbox stays as it was
            **({} if self.messes is None else {"messes": self.messes}),
        }


def generate_inbox(
    out_dir: Path,
    people: int,
    seed: int = 7,
    as_of: date = DEFAULT_AS_OF,
    messes: bool = False,
) -> InboxSummary:
    """Write a complete inbox for `people` simulated persons into `out_dir`.

    `messes` adds the identity messes of real inboxes (`identity_mess.py`) to the contact
    files. Promises: the same (people, seed, as_of, messes) gives byte-identical files;
    every contact record that a CSV reader can read and that names a person appears in the
    ground truth; the summary's record counts equal the records a standard CSV reader finds
    in each file.
    Files already in `out_dir` with other names are left alone.
    """
    if people < 10:
        raise ValueError("an inbox needs at least 10 people")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    draw = Draw(seed)
    companies = pop.build_companies(draw, pop.n_companies(people), as_of)
    persons = pop.build_people(draw, people, companies, as_of)
    summary = InboxSummary(out_dir=out_dir, people=people, seed=seed, as_of=as_of)

    outputs = _contact_outputs(draw, persons, companies, as_of)
    if people <= SMALL_MESS_MAX_PEOPLE:
        mess.add_mess(outputs)
    if messes:
        summary.messes = identity_mess.add_identity_mess(draw, outputs, as_of)
    truth = []
    for output in outputs.values():
        write(out_dir, output)
        summary.records[output.relpath] = output.records
        truth.append(_ground_truth(output, summary))
    _write_special_files(out_dir, as_of, summary)
    for output in _other_outputs(draw, persons, companies, as_of):
        write(out_dir, output)
        summary.records[output.relpath] = output.records

    pl.concat(truth).write_csv(out_dir / GROUND_TRUTH)
    (out_dir / MANIFEST).write_text(
        json.dumps(summary.manifest(), indent=2, ensure_ascii=False) + "\n"
    )
    return summary


def _contact_outputs(
    draw: Draw, persons: pl.DataFrame, companies: pl.DataFrame, as_of: date
) -> dict[int, FileOutput]:
    outputs: dict[int, FileOutput] = {}
    for source in pop.SOURCES:
        slots = layout.assign_slots(draw, persons, source)
        records = materialise(draw, slots, persons, companies, layout.VARIATIONS[source], as_of)
        for spec in layout.files_of(source):
            subset = records.filter(pl.col("file_no") == spec.file_no).sort("order")
            outputs[spec.file_no] = FileOutput(
                relpath=spec.relpath(as_of),
                frame=_vendor_frame(draw, spec, subset, as_of),
                person_keys=subset["person_key"],
                encoding=spec.encoding,
                quote_all=spec.quote_all,
                crlf=spec.crlf,
                empty_as_quotes=spec.empty_as_quotes,
            )
    return outputs


def _vendor_frame(
    draw: Draw, spec: layout.ContactFile, records: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    vendor = spec.vendor
    if vendor.startswith("apollo_"):
        return apollo.build(draw, records, vendor.removeprefix("apollo_"), as_of)
    if vendor == "cognism":
        return cognism.build(draw, records, curly_apostrophes=spec.encoding == "cp1252")
    if vendor == "cognism_enrichment":
        return cognism.build_enrichment(draw, records)
    if vendor == "phantombuster":
        return salesnav.build_phantombuster(
            draw, records, spec.export_date(as_of), 4_815_000 + spec.file_no
        )
    if vendor == "evaboot":
        return salesnav.build_evaboot(draw, records)
    if vendor == "zoominfo":
        return directory.build_zoominfo(draw, records)
    if vendor == "lusha":
        return directory.build_lusha(draw, records, spec.export_date(as_of))
    return directory.build_niche(draw, records, split_name=vendor == "niche_split")


def _ground_truth(output: FileOutput, summary: InboxSummary) -> pl.DataFrame:
    """Ground-truth rows of one contact file; records deliberate rows in `summary`."""
    source = output.relpath.split("/", 1)[0]
    keys = output.person_keys if output.person_keys is not None else pl.Series([], dtype=pl.String)
    rows = [
        pl.DataFrame(
            {"source_row": pl.int_range(1, keys.len() + 1, eager=True), "person_key": keys}
        )
    ]
    for offset, hand in enumerate(output.hand_rows, start=output.frame.height + 1):
        summary.deliberate_rows.append(
            DeliberateRow(output.relpath, offset, hand.kind, hand.readable)
        )
        if hand.readable and hand.person_key is not None:
            rows.append(pl.DataFrame({"source_row": [offset], "person_key": [hand.person_key]}))
    truth = pl.concat(rows, how="vertical_relaxed").select(
        pl.lit(source).alias("source"),
        pl.lit(output.relpath).alias("source_file"),
        pl.col("source_row").cast(pl.Int64),
        pl.col("person_key"),
    )
    summary.person_records[output.relpath] = truth.height
    if output.relpath.startswith("sales_navigator/evaboot") and output.frame.height:
        summary.deliberate_rows.append(
            DeliberateRow(output.relpath, 1, "quoted_cell_with_commas_and_newlines", True)
        )
    return truth


def _write_special_files(out_dir: Path, as_of: date, summary: InboxSummary) -> None:
    """A zero-byte file, a header-only file and a file of no known format, in `directory/`."""
    empty = f"directory/partner-upload-{as_of - timedelta(days=17)}.csv"
    header_only = f"directory/lusha-contacts-export-{as_of - timedelta(days=9)}.csv"
    notes = f"directory/notes-{as_of - timedelta(days=19)}.csv"
    write_empty(out_dir, empty)
    write_header_only(out_dir, header_only, formats.LUSHA)
    notes_frame = pl.DataFrame(
        {
            "topic": [
                "Q4 territory split",
                "Conference list",
                "Pricing page copy",
                "Intern onboarding",
            ],
            "owner": ["Hannah", "Marcus", "Priya", "Tom"],
            "due": ["2026-11-15", "2026-11-22", "2026-12-01", "2026-12-05"],
            "comment": ["see deck, v3", "badge scans to follow", "", "laptop ordered"],
        }
    )
    write(out_dir, FileOutput(notes, notes_frame))
    summary.records |= {empty: 0, header_only: 0, notes: notes_frame.height}
    summary.empty_files.append(empty)
    summary.header_only_files.append(header_only)
    summary.unknown_format_files.append(notes)


def _other_outputs(
    draw: Draw, persons: pl.DataFrame, companies: pl.DataFrame, as_of: date
) -> list[FileOutput]:
    def dated(folder: str, stem: str, days_ago: int) -> str:
        return f"{folder}/{stem}-{as_of - timedelta(days=days_ago)}.csv"

    emails = extras.verification_emails(draw, persons)
    by = {p: emails.filter(pl.col("provider") == p) for p in ("nb", "nb_old", "zb", "mv")}
    return [
        FileOutput(
            dated("signals", "funding_rounds", 2), extras.funding_rounds(draw, companies, as_of)
        ),
        FileOutput(
            dated("signals", "job_postings", 1), extras.job_postings(draw, companies, as_of)
        ),
        FileOutput(dated("signals", "tech_stack", 3), extras.tech_stack(draw, companies, as_of)),
        FileOutput(
            dated("signals", "company_events", 2), extras.company_events(draw, companies, as_of)
        ),
        FileOutput(
            dated("verifications", "neverbounce-results", 5),
            extras.neverbounce(by["nb"], companies),
        ),
        FileOutput(
            dated("verifications", "neverbounce-results", 47),
            extras.neverbounce(by["nb_old"], companies),
        ),
        FileOutput(
            dated("verifications", "zerobounce-results", 7),
            extras.zerobounce(draw, by["zb"]),
            quote_all=True,
        ),
        FileOutput(
            dated("verifications", "millionverifier-report", 3), extras.millionverifier(by["mv"])
        ),
        FileOutput(
            dated("intent", "bombora-company-surge", 2), extras.bombora(draw, companies, as_of)
        ),
        FileOutput(
            f"crm/hubspot-crm-exports-all-deals-{as_of - timedelta(days=1)}.csv",
            extras.hubspot_deals(draw, persons, companies, as_of),
            quote_all=True,
            crlf=True,
        ),
        FileOutput(dated("suppression", "opt_outs", 1), sup.opt_outs(draw, persons, as_of)),
        FileOutput(dated("suppression", "hard_bounces", 1), sup.hard_bounces(draw, persons, as_of)),
        FileOutput(
            dated("suppression", "erasure_requests", 1), sup.erasure_requests(draw, persons, as_of)
        ),
        FileOutput(
            dated("suppression", "do_not_contact_domains", 1),
            sup.do_not_contact_domains(draw, companies, persons),
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    """CLI: `leadgen-demo-data --out DIR --people N --seed S`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/sample"), help="inbox folder")
    parser.add_argument("--people", type=int, default=2500, help="simulated persons")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=DEFAULT_AS_OF,
        help="the day the inbox is pulled (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--messes", action="store_true", help="add the messes of real inboxes (identity_mess.py)"
    )
    args = parser.parse_args(argv)
    summary = generate_inbox(
        args.out, args.people, seed=args.seed, as_of=args.as_of, messes=args.messes
    )
    unknown = sum(summary.records[path] for path in summary.unknown_format_files)
    contacts = sum(summary.source_records(s) for s in pop.SOURCES) - unknown
    print(f"wrote {len(summary.records)} files, {contacts} contact records to {args.out}")
    if summary.messes is not None:
        print("messes (rows): " + ", ".join(f"{k} {v}" for k, v in summary.messes.items()))


if __name__ == "__main__":
    main()
