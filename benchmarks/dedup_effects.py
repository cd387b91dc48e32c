"""The messes of real multi-source inboxes, added to a generated benchmark inbox.

The project's generator (`leadgen_pipeline/demo`) writes clean vendor exports for the
benchmark. `add_effects` rewrites a copy of one so that it also holds what entity resolution
meets in practice, each effect on a fixed, seeded share of rows, the ground truth kept exact:

- `tab_nbsp_email`: an Apollo email cell wrapped in a TAB or a no-break space;
- `malformed_email_with_linkedin`: a Lusha row with a LinkedIn URL whose email is `N/A`,
  `x@@domain` or two addresses in one cell;
- `double_encoded_url`: an Apollo LinkedIn URL percent-encoded twice (`%252F`);
- `concatenated_export`: a Cognism export with its rows written twice (two exports pasted
  into one file);
- `vendor_guess`: a ZoomInfo address guessed in another pattern (`jdoe@` for `jane.doe@`);
- `numbered_namesake`: a second person with the same name at the same company, whose
  mailbox the admin numbered (`jane.doe2@`), listed by Lusha without LinkedIn;
- `job_change_history`: a ZoomInfo contact whose `Previous Company Name` names an old
  employer, with an old Apollo export listing them there, without LinkedIn;
- `shared_vendor_id`: two ZoomInfo contacts given one Contact ID, only one with LinkedIn.

Rows are only changed or appended (an appended row gets the next row number), so every
ground-truth row stays valid; new rows get ground-truth rows of their own. Files the
generator wrote in an encoding other than UTF-8 are left alone. Python loops over rows are
fine here: this prepares benchmark data once per inbox and is not the pipeline.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

GROUND_TRUTH = "_ground_truth.csv"
SHARE = 0.02  # of eligible rows, per effect
OLD_APOLLO_EXPORT = "apollo/apollo-contacts-export-2026-03-02.csv"

Row = dict[str, str]


class Export:
    """One CSV export of the inbox: header, rows, and its ground-truth persons by row."""

    def __init__(self, inbox: Path, name: str, truth: dict[tuple[str, int], str]) -> None:
        self.path, self.name = inbox / name, name
        raw = self.path.read_bytes()
        self.bom = raw.startswith(b"\xef\xbb\xbf")
        self.newline = "\r\n" if b"\r\n" in raw[:4096] else "\n"
        reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
        self.header = list(reader.fieldnames or [])
        self.rows: list[Row] = list(reader)
        self.people = [truth.get((name, i)) for i in range(1, len(self.rows) + 1)]

    def append(self, row: Row, person: str) -> None:
        self.rows.append({c: row.get(c, "") for c in self.header})
        self.people.append(person)

    def write(self) -> None:
        with self.path.open("w", encoding="utf-8-sig" if self.bom else "utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator=self.newline)
            writer.writerow(self.header)
            # a row with more cells than the header keeps them (DictReader files them under None)
            writer.writerows(
                [*(row.get(c, "") for c in self.header), *(row.get(None) or [])]  # type: ignore[call-overload]
                for row in self.rows
            )


def _readable(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _first_file(inbox: Path, pattern: str) -> str | None:
    """The largest UTF-8 export of a folder matching `pattern`, relative to the inbox."""
    paths = sorted(inbox.glob(pattern), key=lambda p: (-p.stat().st_size, p.name))
    for path in paths:
        if _readable(path):
            return path.relative_to(inbox).as_posix()
    return None


def _sample(rng: random.Random, rows: list[int], share: float = SHARE) -> list[int]:
    return sorted(rng.sample(rows, max(1, round(len(rows) * share)))) if rows else []


def _local_and_domain(address: str) -> tuple[str, str] | None:
    local, at, domain = address.strip().partition("@")
    return (local, domain) if at and local and domain and "@" not in domain else None


def add_effects(source: Path, inbox: Path, seed: int) -> Counter[str]:
    """Copy the inbox `source` to `inbox` with every effect added; how many rows each got."""
    if inbox.exists():
        shutil.rmtree(inbox)
    shutil.copytree(source, inbox)
    truth_path = inbox / GROUND_TRUTH
    with truth_path.open(encoding="utf-8") as f:
        truth_rows = list(csv.DictReader(f))
    truth = {(r["source_file"], int(r["source_row"])): r["person_key"] for r in truth_rows}
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    exports: dict[str, Export] = {}

    def export(pattern: str) -> Export | None:
        name = _first_file(inbox, pattern)
        if name is None:
            return None
        if name not in exports:
            exports[name] = Export(inbox, name, truth)
        return exports[name]

    steps: list[Callable[[], None]] = []
    apollo = export("apollo/apollo-contacts-export-*.csv")
    lusha = export("directory/lusha-contacts-export-*.csv")
    cognism = export("cognism/cognism-export-*.csv")
    zoominfo = export("directory/zoominfo-contacts-export-*.csv")

    if apollo is not None:

        def wrapped_emails() -> None:
            rows = [i for i, r in enumerate(apollo.rows) if r.get("Email")]
            for i in _sample(rng, rows):
                space = rng.choice(["\t", "\u00a0"])
                cell = apollo.rows[i]["Email"]
                apollo.rows[i]["Email"] = space + cell if rng.random() < 0.5 else cell + space
                counts["tab_nbsp_email"] += 1

        def double_encoded_urls() -> None:
            rows = [
                i for i, r in enumerate(apollo.rows) if "/in/" in r.get("Person Linkedin Url", "")
            ]
            for i in _sample(rng, rows):
                url = apollo.rows[i]["Person Linkedin Url"]
                apollo.rows[i]["Person Linkedin Url"] = url.replace("/in/", "%252Fin%252F", 1)
                counts["double_encoded_url"] += 1

        steps += [wrapped_emails, double_encoded_urls]

    if lusha is not None:

        def malformed_emails() -> None:
            rows = [i for i, r in enumerate(lusha.rows)
                    if r.get("LinkedIn URL") and r.get("Work Email")]  # fmt: skip
            for i in _sample(rng, rows):
                cell = lusha.rows[i]["Work Email"]
                parts = _local_and_domain(cell)
                bad = ["N/A", cell.replace("@", "@@", 1)]
                if parts:
                    bad.append(f"{cell}; {parts[0]}.work@{parts[1]}")
                lusha.rows[i]["Work Email"] = rng.choice(bad)
                counts["malformed_email_with_linkedin"] += 1

        steps.append(malformed_emails)

    if cognism is not None:

        def concatenated() -> None:
            for row, person in list(zip(cognism.rows, cognism.people, strict=True)):
                if person is not None:
                    cognism.append(dict(row), person)
                    counts["concatenated_export"] += 1

        steps.append(concatenated)

    if zoominfo is not None:
        zoominfo_effects(zoominfo, lusha, inbox, rng, counts, steps, truth_rows)

    for step in steps:
        step()
    known = {(r["source_file"], int(r["source_row"])) for r in truth_rows}
    for name, ex in exports.items():
        ex.write()
        for i, person in enumerate(ex.people, start=1):
            if person is not None and (name, i) not in known:
                truth_rows.append({"source": name.split("/")[0], "source_file": name,
                                   "source_row": str(i), "person_key": person})  # fmt: skip
    with truth_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["source", "source_file", "source_row", "person_key"])
        writer.writeheader()
        writer.writerows(truth_rows)
    return counts


def zoominfo_effects(
    zoominfo: Export,
    lusha: Export | None,
    inbox: Path,
    rng: random.Random,
    counts: Counter[str],
    steps: list[Callable[[], None]],
    truth_rows: list[dict[str, str]],
) -> None:
    """Vendor guesses, numbered namesakes, history-only job changers and a shared id."""
    rows = zoominfo.rows
    with_email = [i for i, r in enumerate(rows) if _local_and_domain(r.get("Email Address", ""))]

    def vendor_guesses() -> None:
        dotted = [i for i in with_email if "." in rows[i]["Email Address"].split("@")[0]]
        for i in _sample(rng, dotted):
            local, domain = _local_and_domain(rows[i]["Email Address"])  # type: ignore[misc]
            first, _, last = local.partition(".")
            rows[i]["Email Address"] = f"{first[:1]}{last}@{domain}"
            counts["vendor_guess"] += 1

    def numbered_namesakes() -> None:
        if lusha is None:
            return
        plain = [i for i in with_email if not rows[i]["Email Address"].split("@")[0][-1:].isdigit()]
        for n, i in enumerate(_sample(rng, plain, SHARE / 2)):
            local, domain = _local_and_domain(rows[i]["Email Address"])  # type: ignore[misc]
            base, plus, tag = local.partition("+")  # the number goes before any +tag
            tag = plus + tag
            lusha.append(
                {"First Name": rows[i]["First Name"], "Last Name": rows[i]["Last Name"],
                 "Work Email": f"{base}2{tag}@{domain}", "Job Title": "Account Executive",
                 "Company Name": rows[i]["Company Name"], "Company Domain": domain,
                 "Country": rows[i].get("Country", "")},
                f"NAMESAKE{n:07d}",
            )  # fmt: skip
            counts["numbered_namesake"] += 1

    def job_changes() -> None:
        template = next(inbox.glob("apollo/apollo-contacts-export-*.csv"), None)
        if template is None:
            return
        header = next(csv.reader(template.read_text(encoding="utf-8-sig").splitlines()[:1]))
        companies = [(r["Company Name"], r["Website"]) for r in rows
                     if r.get("Company Name") and r.get("Website")]  # fmt: skip
        movers = [i for i in with_email if not rows[i].get("Previous Company Name")
                  and zoominfo.people[i] is not None]  # fmt: skip
        old_rows: list[Row] = []
        for i in _sample(rng, movers):
            name, website = rng.choice(companies)
            if name == rows[i]["Company Name"]:
                continue
            local, _ = _local_and_domain(rows[i]["Email Address"])  # type: ignore[misc]
            rows[i]["Previous Company Name"] = name
            rows[i]["Last Job Change Type"] = "Changed Company"
            rows[i]["Last Job Change Date"] = "2026-06-01"
            domain = website.removeprefix("https://").removeprefix("www.").split("/")[0]
            old_rows.append({"First Name": rows[i]["First Name"], "Last Name": rows[i]["Last Name"],
                             "Title": rows[i].get("Job Title", ""), "Company Name": name,
                             "Email": f"{local}@{domain}", "Website": website,
                             "_person": zoominfo.people[i] or ""})  # fmt: skip
            counts["job_change_history"] += 1
        path = inbox / OLD_APOLLO_EXPORT
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, header, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(old_rows)
        truth_rows.extend(
            {"source": "apollo", "source_file": OLD_APOLLO_EXPORT, "source_row": str(n),
             "person_key": row["_person"]}
            for n, row in enumerate(old_rows, start=1)
        )  # fmt: skip

    def shared_ids() -> None:
        linked = [i for i, r in enumerate(rows) if r.get("LinkedIn Contact Profile URL")]
        for i in _sample(rng, linked, SHARE / 10):
            j = rng.randrange(len(rows))
            if zoominfo.people[j] == zoominfo.people[i]:
                continue
            rows[j]["ZoomInfo Contact ID"] = rows[i]["ZoomInfo Contact ID"]
            rows[j]["LinkedIn Contact Profile URL"] = ""
            counts["shared_vendor_id"] += 1

    steps += [vendor_guesses, numbered_namesakes, job_changes, shared_ids]
