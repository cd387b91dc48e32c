"""The Splink side of the entity-resolution benchmark (`benchmarks/dedup.py`).

Splink (DuckDB backend, `dedupe_only`) deduplicates the same canonical raw records the
pipeline's `link_records` gets. Its inputs are the pipeline's own match keys
(`leadgen_pipeline.kernel.keys.match_keys`, role addresses without an email key) plus the
vendor's record id, so both sides see identical normalisation and the comparison is between
the linking methods alone.

The model follows Splink's usual unsupervised workflow:

- blocking rules for prediction on the identifiers and on company + name (and, in the `tuned`
  preset, on the vendor id and on full name);
- comparisons: exact match on the identifiers, the company keys (two comparisons, or one
  combined comparison), Jaro-Winkler levels on the name keys, optional term-frequency
  adjustments;
- the prior (probability two random records match) from deterministic rules with an assumed
  recall; u by random sampling; m by expectation maximisation on a few blocking rules;
- prediction at a match-probability threshold, then connected-components clustering at the
  same threshold.

`PRESETS` holds the two configurations the benchmark runs: `listed` (the rules first specified
for the benchmark) and `tuned` (the best F1 found for Splink on the benchmark inboxes).
Everything (match keys, training, prediction, clustering) is timed as one pipeline, with the
phases reported separately. Splink's DuckDB database lives in a temporary directory that is
removed afterwards. Requires the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from leadgen_pipeline.kernel.keys import match_keys

# The columns Splink compares: the match keys from `match_keys`, and `vendor_key`, the vendor's
# own record id namespaced by vendor (the same contact in two exports of one vendor).
SPLINK_KEY_COLUMNS: tuple[str, ...] = (
    "email_key",
    "vendor_key",
    "linkedin_slug",
    "linkedin_member_key",
    "phone_e164",
    "first_name_key",
    "last_name_key",
    "company_domain_key",
    "company_name_key",
)


Rule = tuple[str, ...]  # the columns of one blocking rule (all must be equal)

# The identifier and company + name blocks; recall cannot exceed what they bring together.
IDENTIFIER_RULES: tuple[Rule, ...] = (
    ("email_key",),
    ("linkedin_slug",),
    ("linkedin_member_key",),
    ("company_domain_key", "last_name_key"),
    ("company_domain_key", "first_name_key"),
    ("phone_e164",),
)


# Exact-match comparisons on identifiers, as first specified.
LISTED_IDENTIFIERS: tuple[str, ...] = (
    "email_key",
    "linkedin_slug",
    "linkedin_member_key",
    "phone_e164",
)


@dataclass(frozen=True)
class SplinkConfig:
    """Every setting of the Splink baseline. The defaults are the `tuned` preset."""

    threshold: float = 0.9  # match probability for both prediction and clustering
    u_max_pairs: float = 5e6  # pairs sampled at random to estimate u
    seed: int = 7  # seed of the u sampling, for reproducible models
    # the identifier blocks, the vendor's own id, and same full name (which finds people whose
    # employer and email changed)
    prediction_rules: tuple[Rule, ...] = (
        *IDENTIFIER_RULES,
        ("vendor_key",),
        ("first_name_key", "last_name_key"),
    )
    # m by EM, one session per rule; Splink averages a level's m over the sessions that train it
    em_rules: tuple[Rule, ...] = (("email_key",), ("first_name_key", "last_name_key"))
    # the prior: rules that admit (almost) no false positives, and the share of true pairs
    # they are assumed to find
    prior_rules: tuple[Rule, ...] = (("email_key",), ("linkedin_slug",))
    prior_recall: float = 0.7
    name_jaro_winkler: tuple[float, ...] = (0.92, 0.8)
    # Shared inboxes (`info@`, `sales@`) get no email key, as the pipeline's own rule has it.
    null_role_emails: bool = True
    identifier_columns: tuple[str, ...] = (*LISTED_IDENTIFIERS, "vendor_key")
    # "separate": exact match on company_domain_key and on company_name_key, two comparisons;
    # "combined": one comparison with levels both / domain only / name only / neither, so the
    # two nearly redundant keys are not counted as independent evidence.
    company_comparison: Literal["separate", "combined"] = "combined"
    # columns whose exact-match level is adjusted by term frequency, so a value many records
    # share counts for less: `phone_e164` falls back to the company number, and a switchboard
    # shared by hundreds of colleagues otherwise chains them into one cluster
    term_frequency_columns: tuple[str, ...] = ("phone_e164", "first_name_key", "last_name_key")
    log_level: int = logging.WARNING

    def describe(self) -> dict[str, Any]:
        """The settings as plain data, for the benchmark's report."""
        described = asdict(self)
        described["log_level"] = logging.getLevelName(self.log_level)
        return described


# `listed`: the blocking rules and comparisons as first specified for this benchmark.
# `tuned`: the best F1 of the variants tried on the 100k and 1M inboxes: company domain and name
# as one comparison (as two they double-count one fact and merge colleagues who share a first
# or last name), a full-name block (the identifier blocks alone cap recall near 0.74), the
# vendor's own id (which the pipeline's linker also uses), EM on email and on full name, and
# term-frequency adjustments on phone and names.
PRESETS: dict[str, SplinkConfig] = {
    "tuned": SplinkConfig(),
    "listed": SplinkConfig(
        prediction_rules=IDENTIFIER_RULES,
        identifier_columns=LISTED_IDENTIFIERS,
        em_rules=(("email_key",), ("company_domain_key", "last_name_key"), ("linkedin_slug",)),
        company_comparison="separate",
        term_frequency_columns=(),
    ),
}


@dataclass
class SplinkRun:
    """One Splink deduplication: the record -> cluster map and what it took."""

    assignments: pl.DataFrame  # source_file, source_row, cluster_id
    phase_seconds: dict[str, float]
    counts: dict[str, int]
    splink_version: str


def splink_input(records: pl.DataFrame, config: SplinkConfig) -> pl.DataFrame:
    """The table Splink deduplicates: `unique_id`, the lineage key and the compared columns."""
    keyed = match_keys(records)
    email_key = pl.col("email_key")
    if config.null_role_emails:
        is_role = pl.col("email_is_role").fill_null(False)
        email_key = pl.when(is_role).then(None).otherwise(email_key)
    vendor_key = pl.when(pl.col("source_record_id").is_not_null()).then(
        pl.concat_str(pl.col("vendor"), pl.lit(":"), pl.col("source_record_id"))
    )
    return keyed.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("unique_id"),
        "source_file",
        "source_row",
        email_key.alias("email_key"),
        vendor_key.alias("vendor_key"),
        *(c for c in SPLINK_KEY_COLUMNS if c not in ("email_key", "vendor_key")),
    )


def splink_settings(config: SplinkConfig) -> Any:
    """The Splink `SettingsCreator` for `config` (dedupe only)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def with_tf(column: str, comparison: Any) -> Any:
        if column in config.term_frequency_columns:
            return comparison.configure(term_frequency_adjustments=True)
        return comparison

    comparisons = [with_tf(c, cl.ExactMatch(c)) for c in config.identifier_columns]
    if config.company_comparison == "separate":
        comparisons += [
            with_tf(c, cl.ExactMatch(c)) for c in ("company_domain_key", "company_name_key")
        ]
    else:
        comparisons.append(_combined_company_comparison())
    comparisons += [
        with_tf(c, cl.JaroWinklerAtThresholds(c, list(config.name_jaro_winkler)))
        for c in ("first_name_key", "last_name_key")
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on(*r) for r in config.prediction_rules],
        comparisons=comparisons,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _combined_company_comparison() -> Any:
    """One comparison of the employer: domain and name together, so they count once."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    domain, name = "company_domain_key", "company_name_key"
    both_null = (
        f"({domain}_l is null or {domain}_r is null) and ({name}_l is null or {name}_r is null)"
    )
    return cl.CustomComparison(
        output_column_name="company",
        comparison_levels=[
            cll.CustomLevel(both_null, "no company key on one side").configure(is_null_level=True),
            cll.And(cll.ExactMatchLevel(domain), cll.ExactMatchLevel(name)),
            cll.ExactMatchLevel(domain),
            cll.ExactMatchLevel(name),
            cll.ElseLevel(),
        ],
    )


def run_splink(records: pl.DataFrame, config: SplinkConfig | None = None) -> SplinkRun:
    """Deduplicate canonical `records` with Splink end to end; the phases are timed.

    Phases: `match_keys` (the shared normalisation), `train` (prior, u, m), `predict`,
    `cluster`, and `collect` (reading the clusters back into Polars).
    """
    import duckdb
    import splink
    from splink import DuckDBAPI, Linker, block_on

    config = config or SplinkConfig()
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="splink-bench-") as tmp:
        started = time.perf_counter()
        table = splink_input(records, config)
        phases["match_keys"] = time.perf_counter() - started

        mark = time.perf_counter()
        con = duckdb.connect(str(Path(tmp) / "splink.duckdb"))
        con.execute(f"set temp_directory = '{Path(tmp) / 'spill'}'")
        db_api = DuckDBAPI(connection=con)
        frame = db_api.register(
            table.select("unique_id", *SPLINK_KEY_COLUMNS).to_arrow(), table_name="records"
        )
        linker = Linker(frame, splink_settings(config), log_level=config.log_level)
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*r) for r in config.prior_rules], recall=config.prior_recall
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=config.u_max_pairs, seed=config.seed
        )
        for rule in config.em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), estimate_without_term_frequencies=True
            )
        phases["train"] = time.perf_counter() - mark

        mark = time.perf_counter()
        predictions = linker.inference.predict(
            threshold_match_probability=config.threshold, warning_mode="never"
        )
        phases["predict"] = time.perf_counter() - mark

        mark = time.perf_counter()
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=config.threshold
        )
        phases["cluster"] = time.perf_counter() - mark

        mark = time.perf_counter()
        found = pl.from_arrow(
            clusters.as_duckdbpyrelation().select("unique_id", "cluster_id").arrow()
        )
        assert isinstance(found, pl.DataFrame)
        assignments = table.select("unique_id", "source_file", "source_row").join(
            found.with_columns(pl.col("unique_id").cast(pl.Int64)), on="unique_id", how="left"
        )
        phases["collect"] = time.perf_counter() - mark
        phases["total"] = time.perf_counter() - started

        predicted_pairs = con.execute(
            f"select count(*) from {predictions.physical_name}"
        ).fetchall()[0][0]
        counts = {
            "records": table.height,
            "pairs_above_threshold": int(predicted_pairs),
            "clusters": assignments["cluster_id"].n_unique(),
        }
        con.close()
    return SplinkRun(
        assignments=assignments.select(
            "source_file", "source_row", pl.col("cluster_id").cast(pl.String)
        ),
        phase_seconds=phases,
        counts=counts,
        splink_version=splink.__version__,
    )
