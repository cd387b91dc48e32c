"""The messes of real multi-source inboxes that entity resolution has to get through.

`mess.py` breaks CSV rules (rows a reader must reject or still read). This module instead
writes rows that any reader reads fine but that make linking people hard, as real inboxes
do. It is opt-in (`generate_inbox(..., messes=True)`, `leadgen-demo-data --messes`) so the
bundled demo inbox stays as it is, and the dedup benchmark measures the linker on it:

- `tab_nbsp_email`: an Apollo email cell with a TAB or a no-break space before or after it;
- `double_encoded_url`: an Apollo LinkedIn URL percent-encoded twice (`%252Fin%252F`);
- `malformed_email_with_linkedin`: a Lusha row with a LinkedIn URL whose email is `N/A`,
  `x@@domain` or two addresses in one cell, so the LinkedIn URL must carry the link;
- `concatenated_export`: a Cognism export with its rows written twice (two exports pasted
  into one file);
- `vendor_guess`: a ZoomInfo address guessed in another pattern (`jdoe@` for `jane.doe@`);
- `numbered_namesake`: a second person with the same name at the same company, whose
  mailbox the admin numbered (`jane.doe2@`), listed by Lusha without LinkedIn: a new
  person, who must not be merged with the first;
- `job_change_history`: a ZoomInfo contact whose `Previous Company Name` names an old
  employer, and an old Apollo export that lists them there without LinkedIn, so only the
  employment history links the two;
- `shared_vendor_id`: two ZoomInfo contacts given one Contact ID, only one with LinkedIn,
  so a vendor id alone must not merge people.

Each effect draws a fixed share of the rows it can apply to (at least one, if any can),
chosen by hashing row numbers with the generator's `Draw`: the same seed gives the same rows.
A drawn row that the effect would not change (a mover whose drawn past employer is their
current one, an id drawn for its own person) is left alone, and the counts say so. Rows are
changed in place or appended after a file's rows, and appended rows carry their person, so
the ground truth stays exact. The variants of an effect (TAB or no-break space, which
malformation) take turns in row order, so even a small inbox shows each of them.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from leadgen_pipeline.demo.rng import Draw
from leadgen_pipeline.demo.writer import FileOutput

SHARE = 0.02  # of the rows an effect can apply to
# The contact files (layout.CONTACT_FILES numbers) each effect rewrites: the largest UTF-8
# export of each vendor, so the cp1252 Cognism file and the old exports keep their own role.
APOLLO_FILE = 1  # 1c
COGNISM_FILE = 4  # the BOM file
ZOOMINFO_FILE = 9
LUSHA_FILE = 10
OLD_APOLLO_FILE = 100  # the old Apollo export of job changers' past employers, written here
OLD_APOLLO_DAYS_AGO = 263
JOB_CHANGE_DAYS_AGO = 172
NAMESAKE_TITLE = "Account Executive"

EFFECTS: tuple[str, ...] = (
    "tab_nbsp_email",
    "double_encoded_url",
    "malformed_email_with_linkedin",
    "concatenated_export",
    "vendor_guess",
    "numbered_namesake",
    "job_change_history",
    "shared_vendor_id",
)

_ROW = "__row"
_NTH = "__nth"


def add_identity_mess(draw: Draw, outputs: dict[int, FileOutput], as_of: date) -> dict[str, int]:
    """Add every effect to the contact `outputs` (in place, plus the old Apollo export under
    `OLD_APOLLO_FILE`); returns the rows each effect touched, in `EFFECTS` order."""
    counts = dict.fromkeys(EFFECTS, 0)
    apollo, cognism = outputs[APOLLO_FILE], outputs[COGNISM_FILE]
    zoominfo, lusha = outputs[ZOOMINFO_FILE], outputs[LUSHA_FILE]

    counts["tab_nbsp_email"] = _wrap_emails(draw, apollo)
    counts["double_encoded_url"] = _double_encode_urls(draw, apollo)
    counts["malformed_email_with_linkedin"] = _malform_emails(draw, lusha)
    counts["concatenated_export"] = _concatenate(cognism)
    # The namesakes and the movers take the addresses as the vendor wrote them: the guesses
    # rewrite addresses, so they come after.
    counts["numbered_namesake"] = _numbered_namesakes(draw, zoominfo.frame, lusha)
    old_export = _job_changes(draw, zoominfo, apollo.frame.columns, as_of)
    counts["job_change_history"] = old_export.records
    if old_export.records:
        outputs[OLD_APOLLO_FILE] = old_export
    counts["vendor_guess"] = _vendor_guesses(draw, zoominfo)
    counts["shared_vendor_id"] = _share_vendor_ids(draw, zoominfo)
    return counts


# --- choosing rows ---------------------------------------------------------------------------


def _nth_chosen(draw: Draw, eligible: pl.Expr, stream: str, share: float = SHARE) -> pl.Expr:
    """For the rows an effect picks, their 0-based turn in row order; null for other rows.

    Picks exactly `max(1, round(n * share))` of the `n` eligible rows: those whose hashed
    row number ranks lowest, so the choice depends on the seed and the row, not on chance
    counts.
    """
    eligible = eligible.fill_null(False)
    hashed = pl.when(eligible).then(draw.u32(pl.int_range(pl.len(), dtype=pl.Int64), stream))
    wanted = (eligible.sum() * share).round().clip(lower_bound=1)
    chosen = (hashed.rank("ordinal") <= wanted).fill_null(False)
    return pl.when(chosen).then(chosen.cast(pl.Int64).cum_sum() - 1)


def _email_parts(email: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(local part, domain, whether the cell holds exactly one `local@domain` address)."""
    address = email.str.strip_chars()
    parts = address.str.split("@")
    local, domain = parts.list.first(), parts.list.last()
    valid = (
        (address.str.count_matches("@", literal=True) == 1)
        & (local.str.len_chars() > 0)
        & (domain.str.len_chars() > 0)
    )
    return local, domain, valid.fill_null(False)


def _with_nth(frame: pl.DataFrame, nth: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(nth.alias(_NTH))


# --- Apollo, Lusha, Cognism ------------------------------------------------------------------


def _wrap_emails(draw: Draw, apollo: FileOutput) -> int:
    """A TAB or no-break space before or after the address: copied from a spreadsheet or a
    web page, it survives into the export and breaks exact matching unless trimmed."""
    email = pl.col("Email")
    frame = _with_nth(
        apollo.frame, _nth_chosen(draw, email.str.len_chars() > 0, "mess.tab_nbsp_email")
    )
    nth = pl.col(_NTH)
    # turns: TAB before, no-break space after, no-break space before, TAB after
    space = pl.lit(pl.Series(["\t", "\u00a0", "\u00a0", "\t"])).gather(nth % 4)
    wrapped = (
        pl.when(nth % 2 == 0)
        .then(pl.concat_str(space, email))
        .otherwise(pl.concat_str(email, space))
    )
    apollo.frame = frame.with_columns(
        pl.when(nth.is_not_null()).then(wrapped).otherwise(email).alias("Email")
    ).drop(_NTH)
    return int(frame[_NTH].count())


def _double_encode_urls(draw: Draw, apollo: FileOutput) -> int:
    """A profile URL that went through URL-encoding twice (`%252F` for `/`), as tools that
    pass URLs in query strings write them."""
    url = pl.col("Person Linkedin Url")
    frame = _with_nth(
        apollo.frame,
        _nth_chosen(draw, url.str.contains("/in/", literal=True), "mess.double_encoded_url"),
    )
    apollo.frame = frame.with_columns(
        pl.when(pl.col(_NTH).is_not_null())
        .then(url.str.replace("/in/", "%252Fin%252F", literal=True, n=1))
        .otherwise(url)
        .alias("Person Linkedin Url")
    ).drop(_NTH)
    return int(frame[_NTH].count())


def _malform_emails(draw: Draw, lusha: FileOutput) -> int:
    """An email cell no parser accepts (`N/A`, `x@@domain`, two addresses) on a row whose
    LinkedIn URL still identifies the person: the row must be kept and linked by the URL."""
    email = pl.col("Work Email")
    eligible = pl.col("LinkedIn URL").is_not_null() & (email.str.len_chars() > 0)
    frame = _with_nth(lusha.frame, _nth_chosen(draw, eligible, "mess.malformed_email"))
    nth = pl.col(_NTH)
    local, domain, valid = _email_parts(email)
    doubled_at = email.str.replace("@", "@@", literal=True, n=1)
    two_addresses = pl.concat_str(email, pl.lit("; "), local, pl.lit(".work@"), domain)
    malformed = (
        pl.when(nth % 3 == 0)
        .then(pl.lit("N/A"))
        .when((nth % 3 == 2) & valid)
        .then(two_addresses)
        .otherwise(doubled_at)
    )
    lusha.frame = frame.with_columns(
        pl.when(nth.is_not_null()).then(malformed).otherwise(email).alias("Work Email")
    ).drop(_NTH)
    return int(frame[_NTH].count())


def _concatenate(cognism: FileOutput) -> int:
    """The export's rows written twice: two downloads of one list pasted into one file."""
    rows = cognism.frame.height
    cognism.frame = pl.concat([cognism.frame, cognism.frame])
    if cognism.person_keys is not None:
        cognism.person_keys = pl.concat([cognism.person_keys, cognism.person_keys])
    return rows


def _append(output: FileOutput, rows: pl.DataFrame, person_keys: pl.Series) -> None:
    """Append `rows` (some of the file's columns) after the file's rows, with their persons;
    the columns they lack stay empty."""
    missing = [pl.lit(None, dtype=output.frame.schema[c]).alias(c)
               for c in output.frame.columns if c not in rows.columns]  # fmt: skip
    output.frame = pl.concat(
        [output.frame, rows.with_columns(missing).select(output.frame.columns)]
    )
    if output.person_keys is not None:
        output.person_keys = pl.concat([output.person_keys, person_keys])


# --- ZoomInfo --------------------------------------------------------------------------------


def _persons(output: FileOutput) -> pl.Series:
    """The person of each frame row of a contact file."""
    if output.person_keys is None:
        raise ValueError(f"{output.relpath} is not a contact file")
    return output.person_keys


def _vendor_guesses(draw: Draw, zoominfo: FileOutput) -> int:
    """An address the vendor guessed in another pattern (`jdoe@` for `jane.doe@`): the
    person's other records show the real one."""
    email = pl.col("Email Address")
    local, domain, valid = _email_parts(email)
    eligible = valid & local.str.contains(".", literal=True)
    frame = _with_nth(zoominfo.frame, _nth_chosen(draw, eligible, "mess.vendor_guess"))
    name = local.str.splitn(".", 2)
    guessed = pl.concat_str(
        name.struct.field("field_0").str.slice(0, 1),
        name.struct.field("field_1"),
        pl.lit("@"),
        domain,
    )
    zoominfo.frame = frame.with_columns(
        pl.when(pl.col(_NTH).is_not_null()).then(guessed).otherwise(email).alias("Email Address")
    ).drop(_NTH)
    return int(frame[_NTH].count())


def _numbered_namesakes(draw: Draw, zoominfo: pl.DataFrame, lusha: FileOutput) -> int:
    """Appends to Lusha a namesake of some ZoomInfo contacts: same name and company, the
    admin-numbered mailbox (`jane.doe2@`, before any `+tag`), no LinkedIn."""
    local, domain, valid = _email_parts(pl.col("Email Address"))
    base = local.str.splitn("+", 2)
    stem, tag = base.struct.field("field_0"), base.struct.field("field_1")
    eligible = valid & ~stem.str.contains(r"\d$")
    namesakes = zoominfo.filter(
        _nth_chosen(draw, eligible, "mess.numbered_namesake", SHARE / 2).is_not_null()
    ).select(
        "First Name",
        "Last Name",
        pl.concat_str(
            stem, pl.lit("2"), pl.concat_str(pl.lit("+"), tag).fill_null(""), pl.lit("@"), domain
        ).alias("Work Email"),
        pl.lit(NAMESAKE_TITLE).alias("Job Title"),
        "Company Name",
        domain.alias("Company Domain"),
        "Country",
    )
    if namesakes.height == 0:
        return 0
    export_date = lusha.frame["Date"].drop_nulls()
    if export_date.len():
        namesakes = namesakes.with_columns(pl.lit(export_date[0]).alias("Date"))
    keys = pl.select(
        pl.format("NAMESAKE{}", pl.int_range(namesakes.height).cast(pl.String).str.zfill(7))
    ).to_series()
    _append(lusha, namesakes, keys)
    return namesakes.height


def _job_changes(
    draw: Draw, zoominfo: FileOutput, apollo_columns: list[str], as_of: date
) -> FileOutput:
    """Gives some ZoomInfo contacts a past employer (`Previous Company Name`) and returns
    the old Apollo export that lists them there, with the address they had, without
    LinkedIn: only the employment history ties the old record to the current one."""
    frame = zoominfo.frame.with_row_index(_ROW).with_columns(_persons(zoominfo).alias("__person"))
    companies = (
        frame.filter(pl.col("Company Name").is_not_null() & pl.col("Website").is_not_null())
        .select("Company Name", "Website")
        .unique(maintain_order=True)
    )
    relpath = f"apollo/apollo-contacts-export-{as_of - timedelta(days=OLD_APOLLO_DAYS_AGO)}.csv"
    empty = pl.DataFrame(schema=dict.fromkeys(apollo_columns, pl.String))
    if companies.height < 2:
        return FileOutput(relpath, empty, person_keys=pl.Series([], dtype=pl.String))
    local, _, valid = _email_parts(pl.col("Email Address"))
    eligible = valid & pl.col("Previous Company Name").is_null() & pl.col("__person").is_not_null()
    pick = draw.integers(
        pl.col(_ROW).cast(pl.Int64), "mess.job_change.company", 0, companies.height
    )
    movers = (
        frame.filter(_nth_chosen(draw, eligible, "mess.job_change").is_not_null())
        .with_columns(local.alias("__local"), pick.alias("__company"))
        .join(
            companies.with_row_index("__company")
            .with_columns(pl.col("__company").cast(pl.Int64))
            .rename({"Company Name": "__old_name", "Website": "__old_site"}),
            on="__company",
            how="left",
            maintain_order="left",
        )
        .filter(
            (pl.col("__old_name") != pl.col("Company Name"))
            & (pl.col("__old_site") != pl.col("Website"))
        )
    )
    changed = pl.col(_ROW).is_in(movers[_ROW].implode())
    old_name = pl.col(_ROW).replace_strict(
        movers[_ROW], movers["__old_name"], default=None, return_dtype=pl.String
    )
    zoominfo.frame = frame.with_columns(
        pl.when(changed).then(old_name).otherwise(pl.col("Previous Company Name"))
        .alias("Previous Company Name"),
        pl.when(changed).then(pl.lit("Changed Company")).otherwise(pl.col("Last Job Change Type"))
        .alias("Last Job Change Type"),
        pl.when(changed)
        .then(pl.lit((as_of - timedelta(days=JOB_CHANGE_DAYS_AGO)).isoformat()))
        .otherwise(pl.col("Last Job Change Date"))
        .alias("Last Job Change Date"),
    ).select(zoominfo.frame.columns)  # fmt: skip
    old_domain = (
        pl.col("__old_site").str.replace(r"^(https?://)?(www\.)?", "").str.replace("/.*$", "")
    )
    old_rows = movers.select(
        "First Name",
        "Last Name",
        pl.col("Job Title").alias("Title"),
        pl.col("__old_name").alias("Company Name"),
        pl.col("__old_name").alias("Company Name for Emails"),
        pl.concat_str(pl.col("__local"), pl.lit("@"), old_domain).alias("Email"),
        pl.concat_str(pl.lit("http://www."), old_domain).alias("Website"),
    )
    old_export = FileOutput(relpath, empty, person_keys=pl.Series([], dtype=pl.String))
    _append(old_export, old_rows.select(c for c in old_rows.columns if c in apollo_columns),
            movers["__person"])  # fmt: skip
    return old_export


def _share_vendor_ids(draw: Draw, zoominfo: FileOutput) -> int:
    """Gives a few contacts the Contact ID of another person (who has LinkedIn) and drops
    their own LinkedIn URL: a reused or mis-keyed vendor id that must not merge them."""
    frame = zoominfo.frame.with_row_index(_ROW).with_columns(_persons(zoominfo).alias("__person"))
    rows = frame.height
    if rows < 2:
        return 0
    donors = frame.filter(
        _nth_chosen(
            draw, pl.col("LinkedIn Contact Profile URL").is_not_null(), "mess.shared_id", SHARE / 10
        ).is_not_null()
    ).select(
        pl.col(_ROW).alias("__donor"),
        pl.col("__person").alias("__donor_person"),
        pl.col("ZoomInfo Contact ID").alias("__id"),
        draw.integers(pl.col(_ROW).cast(pl.Int64), "mess.shared_id.to", 0, rows)
        .cast(pl.UInt32)
        .alias(_ROW),
    )
    pairs = (
        donors.join(frame.select(_ROW, "__person"), on=_ROW, how="left", maintain_order="left")
        .filter(
            (pl.col("__person") != pl.col("__donor_person"))
            & ~pl.col(_ROW).is_in(pl.col("__donor").implode())
        )
        .unique(_ROW, keep="first", maintain_order=True)
    )
    receiving = pl.col(_ROW).is_in(pairs[_ROW].implode())
    shared = pl.col(_ROW).replace_strict(
        pairs[_ROW], pairs["__id"], default=None, return_dtype=pl.String
    )
    zoominfo.frame = frame.with_columns(
        pl.when(receiving).then(shared).otherwise(pl.col("ZoomInfo Contact ID"))
        .alias("ZoomInfo Contact ID"),
        pl.when(receiving).then(None).otherwise(pl.col("LinkedIn Contact Profile URL"))
        .alias("LinkedIn Contact Profile URL"),
    ).select(zoominfo.frame.columns)  # fmt: skip
    return pairs.height
