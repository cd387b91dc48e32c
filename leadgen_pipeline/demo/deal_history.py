"""A generated deal history with known effects, for testing the closed-won analysis.

Each closed deal has one source, one segment and some signals; whether it was won is drawn
from a logistic model in which a few features truly change the odds (`PLANTED_ODDS`) and the
others change nothing. An analysis that works finds exactly the planted features, with
intervals that cover their odds ratios, and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

BASE_WIN_RATE = 0.2
SOURCES = {"apollo": 0.40, "cognism": 0.25, "directory": 0.20, "sales_navigator": 0.15}
SEGMENTS = {"fintech_scaleups_eu": 0.5, "manufacturing_midmarket_na": 0.5}
# how often a deal carries each signal
SIGNAL_RATES = {"funding_round": 0.30, "hiring": 0.35, "office_opening": 0.30, "partnership": 0.25}
# the features that truly move the odds of winning, and by how much (odds ratio)
PLANTED_ODDS = {
    ("source", "sales_navigator"): 2.0,
    ("signal", "funding_round"): 2.5,
    ("signal", "hiring"): 1.8,
}


@dataclass(frozen=True)
class DealHistory:
    deals: pl.DataFrame  # deal_key, won
    features: pl.DataFrame  # deal_key, feature_kind, feature_value


def generate_deal_history(deals: int, seed: int) -> DealHistory:
    """`deals` closed deals drawn from the planted model; the same seed, the same history."""
    rng = np.random.default_rng(seed)
    keys = [f"{i:016x}" for i in range(deals)]
    source = rng.choice(list(SOURCES), size=deals, p=list(SOURCES.values()))
    segment = rng.choice(list(SEGMENTS), size=deals, p=list(SEGMENTS.values()))
    signals = {name: rng.random(deals) < rate for name, rate in SIGNAL_RATES.items()}
    logit = np.full(deals, math.log(BASE_WIN_RATE / (1 - BASE_WIN_RATE)))
    for (kind, value), odds in PLANTED_ODDS.items():
        present = source == value if kind == "source" else signals[value]
        logit += math.log(odds) * present
    won = rng.random(deals) < 1 / (1 + np.exp(-logit))
    features = pl.concat(
        [
            pl.DataFrame({"deal_key": keys, "feature_kind": "source", "feature_value": source}),
            pl.DataFrame({"deal_key": keys, "feature_kind": "segment", "feature_value": segment}),
            *(
                pl.DataFrame({"deal_key": keys, "present": present})
                .filter("present")
                .select(
                    "deal_key",
                    pl.lit("signal").alias("feature_kind"),
                    pl.lit(name).alias("feature_value"),
                )
                for name, present in signals.items()
            ),
        ]
    )
    return DealHistory(pl.DataFrame({"deal_key": keys, "won": won}), features)
