"""Job changers: an old-job record linked to the person's current one through the current
record's employment history.

ZoomInfo's `Previous Company Name`, PhantomBuster's `pastExperienceCompanyName` and Apollo's
`employment_history` (its API; the CSV export has none) reach the canonical
`previous_company_name`. A record at company X is the old job of a current record when both
give the same first and last name (nicknames read) and X is the current record's previous
company, by its normalised name or by the registrable domain that name stands for (every
record of the inbox with that company name and a domain gives the same domain). An old
record that two people's histories would both claim is left alone: a name and an employer
are evidence of one person only when they point at one.
"""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.kernel.keys import company_name_key

JOB_CHANGE_RULE = "previous_employer"
CLUSTER = "exact_cluster"
NAMES = ["first_name_key", "last_name_key"]
EDGE_SCHEMA = {"a": pl.Int64, "b": pl.Int64, "evidence": pl.String}


def _domains_of_names(keyed: pl.DataFrame) -> pl.DataFrame:
    """(company_name_key, company_domain_key) where the inbox gives one name one domain."""
    pairs = keyed.select("company_name_key", "company_domain_key").drop_nulls().unique()
    return pairs.filter(pl.len().over("company_name_key") == 1)


def job_change_edges(keyed: pl.DataFrame) -> pl.DataFrame:
    """(a, b, evidence), a < b: exact clusters an employment history links (old job, current
    job). `keyed` holds records with their match keys and `exact_cluster`."""
    named = pl.col("first_name_key").is_not_null() & pl.col("last_name_key").is_not_null()
    current = (
        keyed.filter(named & pl.col("previous_company_name").is_not_null())
        .select(
            pl.col(CLUSTER).alias("current"),
            *NAMES,
            company_name_key(pl.col("previous_company_name")).alias("previous_key"),
        )
        .drop_nulls("previous_key")
        .unique()
    )
    if current.is_empty():
        return pl.DataFrame(schema=EDGE_SCHEMA)
    current = current.join(
        _domains_of_names(keyed).rename(
            {"company_name_key": "previous_key", "company_domain_key": "previous_domain"}
        ),
        on="previous_key",
        how="left",
    )
    old = keyed.filter(named).select(
        pl.col(CLUSTER).alias("old"), *NAMES, "company_name_key", "company_domain_key"
    )
    by_name = current.join(
        old.drop_nulls("company_name_key").unique(["old", *NAMES, "company_name_key"]),
        left_on=[*NAMES, "previous_key"],
        right_on=[*NAMES, "company_name_key"],
    )
    by_domain = current.drop_nulls("previous_domain").join(
        old.drop_nulls("company_domain_key").unique(["old", *NAMES, "company_domain_key"]),
        left_on=[*NAMES, "previous_domain"],
        right_on=[*NAMES, "company_domain_key"],
    )
    columns = ["current", "old", *NAMES, "previous_key"]
    pairs = (
        pl.concat([by_name.select(columns), by_domain.select(columns)])
        .filter(pl.col("current") != pl.col("old"))
        .unique(["current", "old"], keep="any")
    )
    # an old record two people's histories both name belongs to neither, on this evidence
    pairs = pairs.filter(pl.col("current").n_unique().over("old") == 1)
    return (
        pairs.select(
            pl.min_horizontal("current", "old").alias("a"),
            pl.max_horizontal("current", "old").alias("b"),
            pl.format("{} {} was at {}", *NAMES, "previous_key").alias("evidence"),
        )
        .sort("a", "b", "evidence")
        .unique(["a", "b"], keep="first", maintain_order=True)
        .cast(EDGE_SCHEMA)  # type: ignore[arg-type]
    )
