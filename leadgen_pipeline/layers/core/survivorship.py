"""Survivorship: one row per person from their records, each field traceable to its record.

Records are ranked once, by `ranked`: the most recent pull first, then the most trusted
source (`trust_rank` in `data/sources.yaml`, 1 = most trusted), then the record's file and
content, so the order is total and the same whatever the row order of the files. Fields
survive in units, so no person is stitched together from strangers' parts:

- the name (first, last and full name) from one record, the best that gives first and last;
- the job: the employer of the best record that names one; title and seniority together
  from the best record at that employer that has a title (a newer title-less row there
  never wipes `CFO`), the employer's other fields each from the best record at that
  employer that has it; a job changer never shows the new title at the old company;
- the phone read in its own record's country (the first valid of direct, mobile, company);
- every other field from the best record that has it.

`lineage` records, per field, the source, file, row and snapshot the surviving value came
from, which is always the record the value was read from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import polars as pl

from leadgen_pipeline.kernel.keys import company_name_key, linkedin_canonical_url, phone_e164
from leadgen_pipeline.kernel.vocab import STALE_AFTER_DAYS
from leadgen_pipeline.layers.raw.canonical import CANONICAL_COLUMNS, RECORD_COLUMNS

# contact column -> the linked-record column it survives from, each field on its own
PERSON_FIELDS: dict[str, str] = {
    "linkedin_url": "linkedin_slug",
    "linkedin_member_id": "linkedin_member_key",
    "country": "country",
    "city": "city",
}
NAME_FIELDS = ("first_name", "last_name", "full_name")
PHONE_FIELD = "phone"
# title and seniority survive together, from one record at the surviving employer
ROLE_FIELDS = ("title", "seniority")
EMPLOYMENT_FIELDS: dict[str, str] = {
    "title": "title",
    "seniority": "seniority",
    "company_name": "company_name",
    "company_domain": "company_domain_key",
    "company_linkedin_url": "company_linkedin_url",
    "employee_count": "employee_count",
    "industry": "industry",
}
# every surviving field, each named in `lineage`
LINEAGE_FIELDS = (*NAME_FIELDS, *PERSON_FIELDS, PHONE_FIELD, "email", *EMPLOYMENT_FIELDS)
LOWEST_TRUST = 99
# what a record says, for the last tie-break: two rows that say the same are interchangeable
_CONTENT = ["source", "vendor", "source_file", *RECORD_COLUMNS]


CONTENT_HASH = "_content"
_RANK_ORDER = ["pulled_at", "_trust", "source_file", CONTENT_HASH, "source_row", "snapshot_id"]


def content_hash(columns: Sequence[str]) -> pl.Expr:
    """The ranking's last tie-break: a 64-bit hash (fixed seed) of what the record says, over
    the content columns among `columns`. Computed by `ranked` unless the records carry it."""
    return pl.struct([c for c in _CONTENT if c in columns]).hash(seed=0).alias(CONTENT_HASH)


def ranked(
    records: pl.DataFrame,
    group: str,
    trust_rank: Mapping[str, int],
    keep: Sequence[str] | None = None,
) -> pl.DataFrame:
    """`records` sorted best first within each `group`: newest pull, most trusted source,
    then file, content and row, a total order that does not depend on how the rows were read.
    Adds `_trust` and `_from` (the record's lineage pointer). With `keep`, only those columns
    (and the ranking's) are sorted and returned: a sort copies every column it carries, and
    at a million records each is tens of MiB."""
    frame = records.with_columns(
        pl.col("source")
        .replace_strict(dict(trust_rank), default=LOWEST_TRUST, return_dtype=pl.Int64)
        .alias("_trust"),
        _provenance().alias("_from"),
    )
    if CONTENT_HASH not in records.columns:
        frame = frame.with_columns(content_hash(records.columns))
    if keep is not None:
        wanted = [group, *_RANK_ORDER, "_from", *keep]
        frame = frame.select(list(dict.fromkeys(wanted)))
    return frame.sort(
        [group, *_RANK_ORDER],
        descending=[False, True, False, False, False, False, False],
        nulls_last=True,
    )


def _provenance() -> pl.Expr:
    return pl.format(
        "{}:{}#{}@{}", "source", "source_file", pl.col("source_row").cast(pl.String), "snapshot_id"
    )


PHONE_CELLS = ("phone_direct", "phone_mobile", "phone_company")  # in the order they are tried


def _with_record_phone(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds `_phone`: the record's first valid phone of direct, mobile, company, read in its
    own country; a later cell is read only where the earlier ones gave none."""
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("_phone"))
    for cell in PHONE_CELLS:
        untried = pl.when(pl.col("_phone").is_null()).then(pl.col(cell))
        frame = frame.with_columns(
            pl.coalesce("_phone", phone_e164(untried, pl.col("country"))).alias("_phone")
        )
    return frame


def _with_surviving_phone(ranked_records: pl.DataFrame) -> pl.DataFrame:
    """Adds `_phone` (see `_with_record_phone`) wherever it can decide the person's phone:
    the best record in a person's ranked records that has a valid phone.

    phonenumbers costs ~30 us a number, so each person's best record with a phone cell is read
    first, and their other records only when that one holds no valid phone; the surviving
    phone is the same as if every record were read.
    """
    indexed = ranked_records.with_row_index("_rank_row")
    # narrowed before the filter, which copies every column it carries
    candidates = indexed.select("_rank_row", "person_id", "country", *PHONE_CELLS).filter(
        pl.any_horizontal(pl.col(c).is_not_null() for c in PHONE_CELLS)
    )
    best = _with_record_phone(candidates.filter(pl.col("person_id").is_first_distinct()))
    without = best.filter(pl.col("_phone").is_null())
    others = _with_record_phone(
        candidates.join(without.select("person_id"), on="person_id", how="semi").join(
            without.select("_rank_row"), on="_rank_row", how="anti"
        )
    )
    phones = pl.concat([best.select("_rank_row", "_phone"), others.select("_rank_row", "_phone")])
    # the column is set beside the records, which a join would copy whole
    phone = (
        indexed.select("_rank_row")
        .join(phones, on="_rank_row", how="left", maintain_order="left")
        .get_column("_phone")
    )
    return ranked_records.with_columns(phone)


def _at_employer(ranked_records: pl.DataFrame) -> pl.DataFrame:
    """Adds `_at_employer`: the record names the employer of the person's best record that
    names one (the same domain, or the same company-name key)."""
    employer = (
        ranked_records.select("person_id", "company_domain_key", "_company_key", "_employed")
        .filter(pl.col("_employed"))
        .group_by("person_id", maintain_order=True)
        .first()
        .select(
            "person_id",
            pl.col("company_domain_key").alias("_employer_domain"),
            pl.col("_company_key").alias("_employer_name"),
        )
    )
    same = (pl.col("company_domain_key") == pl.col("_employer_domain")).fill_null(False) | (
        pl.col("_company_key") == pl.col("_employer_name")
    ).fill_null(False)
    at_employer = (
        ranked_records.select("person_id", "company_domain_key", "_company_key")
        .join(employer, on="person_id", how="left", maintain_order="left")
        .select(same.alias("_at_employer"))
        .to_series()
    )
    return ranked_records.with_columns(at_employer)


# what survive_contacts reads of a linked record, beside the ranking's columns
_SURVIVAL_INPUTS = (
    *NAME_FIELDS,
    *PERSON_FIELDS.values(),
    *EMPLOYMENT_FIELDS.values(),
    *PHONE_CELLS,
    "_company_key",
    "_personal_email",
    "_employed",
    "_named",
    "email_norm",
    "email_is_role",
    "do_not_call",
    "source",
    "vendor",
    "consent_basis",
)


def survive_contacts(linked: pl.DataFrame, trust_rank: Mapping[str, int]) -> pl.DataFrame:
    """One row per `person_id` with surviving fields, sources, counts and field lineage.

    `linked` holds canonical records with their match keys and `person_id`.
    """
    records = ranked(
        linked.with_columns(
            company_name_key(pl.col("company_name")).alias("_company_key"),
            # an address is sendable identity only when it is not a shared inbox
            pl.when(~pl.col("email_is_role").fill_null(False))
            .then(pl.col("email_norm"))
            .alias("_personal_email"),
            (
                pl.col("company_name").is_not_null() | pl.col("company_domain_key").is_not_null()
            ).alias("_employed"),
            (pl.col("first_name").is_not_null() & pl.col("last_name").is_not_null()).alias(
                "_named"
            ),
        ),
        "person_id",
        trust_rank,
        keep=_SURVIVAL_INPUTS,
    )
    records = _at_employer(_with_surviving_phone(records)).with_columns(
        (pl.col("_at_employer") & pl.col("title").is_not_null()).alias("_titled")
    )

    def best(column: str, where: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
        """(the best record's value, that record's lineage) among records having one."""
        has = pl.col(column).is_not_null() if where is None else where
        return pl.col(column).filter(has).first(), pl.col("_from").filter(has).first()

    def unit(fields: tuple[str, ...], where: pl.Expr) -> list[pl.Expr]:
        """Every field of a unit, and its lineage, from the one best record `where` holds."""
        return [
            *(pl.col(f).filter(where).first().alias(f) for f in fields),
            *(pl.col("_from").filter(where).first().alias(f"{f}__from") for f in fields),
        ]

    # the best record with first and last name gives the whole name; else the best with any
    named = pl.col("_named") | (
        ~pl.col("_named").any() & pl.any_horizontal(pl.col(f).is_not_null() for f in NAME_FIELDS)
    )
    singles: list[pl.Expr] = []
    for dst, src in PERSON_FIELDS.items():
        value, origin = best(src)
        singles += [value.alias(dst), origin.alias(f"{dst}__from")]
    phone, phone_from = best("_phone")
    singles += [phone.alias(PHONE_FIELD), phone_from.alias(f"{PHONE_FIELD}__from")]
    employer_fields = [f for f in EMPLOYMENT_FIELDS if f not in ROLE_FIELDS]
    for dst in employer_fields:
        src = EMPLOYMENT_FIELDS[dst]
        value, origin = best(src, pl.col("_at_employer") & pl.col(src).is_not_null())
        singles += [value.alias(dst), origin.alias(f"{dst}__from")]
    email, email_from = best("_personal_email")
    any_email, any_email_from = best("email_norm")
    aggregations = [
        *unit(NAME_FIELDS, named),
        *[pl.col(f).filter(pl.col("_titled")).first().alias(f) for f in ROLE_FIELDS],
        *[
            pl.col("_from").filter(pl.col("_titled")).first().alias(f"{f}__from")
            for f in ROLE_FIELDS
        ],
        *singles,
        pl.coalesce(email, any_email).alias("email"),
        pl.coalesce(email_from, any_email_from).alias("email__from"),
        pl.col("email_is_role")
        .fill_null(False)
        .filter(pl.col("email_norm").is_not_null())
        .all()
        .alias("email_is_role_only"),
        pl.col("do_not_call").fill_null(False).any().alias("do_not_call"),
        pl.col("source").unique().sort().alias("sources"),
        pl.col("vendor").unique().sort().alias("vendors"),
        pl.col("consent_basis").drop_nulls().unique().sort().alias("consent_bases"),
        pl.len().cast(pl.Int64).alias("record_count"),
        pl.col("pulled_at").min().alias("first_pulled_at"),
        pl.col("pulled_at").max().alias("last_pulled_at"),
    ]
    people = records.group_by("person_id").agg(aggregations)
    people = people.with_columns(
        linkedin_canonical_url(pl.col("linkedin_url")).alias("linkedin_url"),
        pl.struct(*[pl.col(f"{f}__from").alias(f) for f in LINEAGE_FIELDS]).alias("lineage"),
    )
    columns = [
        "person_id",
        "email",
        "linkedin_url",
        "linkedin_member_id",
        "first_name",
        "last_name",
        "full_name",
        "title",
        "seniority",
        "company_name",
        "company_domain",
        "company_linkedin_url",
        "employee_count",
        "industry",
        "country",
        "city",
        "phone",
        "do_not_call",
        "email_is_role_only",
        "sources",
        "vendors",
        "consent_bases",
        "record_count",
        "first_pulled_at",
        "last_pulled_at",
        "lineage",
    ]
    return people.select(columns).sort("person_id")


ACCOUNT_FIELDS = (
    "company_name",
    "company_linkedin_url",
    "employee_count",
    "employee_range",
    "industry",
    "country",
    "annual_revenue_usd",
    "total_funding_usd",
    "latest_funding_round",
    "latest_funding_date",
    "technologies",
)


def survive_accounts(linked: pl.DataFrame, trust_rank: Mapping[str, int]) -> pl.DataFrame:
    """One row per company (registrable domain): each firmographic field from the best
    record (by `ranked`) that has it."""
    # narrowed by the ranking before the filter, which would copy every column
    records = ranked(
        linked, "company_domain_key", trust_rank, keep=(*ACCOUNT_FIELDS, "person_id", "source")
    ).filter(pl.col("company_domain_key").is_not_null())
    return (
        records.group_by("company_domain_key")
        .agg(
            *(pl.col(f).drop_nulls().first().alias(f) for f in ACCOUNT_FIELDS),
            pl.col("person_id").n_unique().cast(pl.Int64).alias("people_seen"),
            pl.col("source").unique().sort().alias("sources"),
            pl.col("pulled_at").max().alias("last_pulled_at"),
        )
        .rename({"company_domain_key": "company_domain"})
        .sort("company_domain")
    )


# the canonical columns survivorship reads of a linked record, beside its link and the
# content hash: the rest of a raw record is never held for this
RECORD_READS: tuple[str, ...] = tuple(
    c
    for c in CANONICAL_COLUMNS
    if c in {*_SURVIVAL_INPUTS, *ACCOUNT_FIELDS, *_RANK_ORDER}
)


def flag_stale(
    people: pl.DataFrame, as_of: datetime, max_age_days: int = STALE_AFTER_DAYS
) -> pl.DataFrame:
    """Add `stale`: the person's newest source pull is older than `max_age_days` at `as_of`.

    A stale person is not routable until a source pulls them again.
    """
    cutoff = as_of - timedelta(days=max_age_days)
    return people.with_columns((pl.col("last_pulled_at") < cutoff).alias("stale"))
