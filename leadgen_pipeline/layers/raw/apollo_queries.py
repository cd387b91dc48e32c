"""Apollo People API Search: planning queries around the display cap, from the ICPs.

Apollo's search shows at most 50,000 records for one query (100 per page, 500 pages). A pull
wider than that is planned as several narrower queries, each under the cap, whose union reaches
everyone. Pure: no I/O; counting is a callable the caller supplies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

from leadgen_pipeline.clients.apollo import (
    APOLLO_DISPLAY_CAP,
    ApolloSearchQuery,
    EmployeeRange,
)

# Apollo's own headcount buckets (the ones its UI offers); finer splits stay aligned to them.
STANDARD_EMPLOYEE_BUCKETS: tuple[EmployeeRange, ...] = (
    (1, 10),
    (11, 20),
    (21, 50),
    (51, 100),
    (101, 200),
    (201, 500),
    (501, 1000),
    (1001, 2000),
    (2001, 5000),
    (5001, 10000),
    (10001, None),
)


def _intersect(a: EmployeeRange, b: EmployeeRange) -> EmployeeRange | None:
    low = max(a[0], b[0])
    highs = [h for h in (a[1], b[1]) if h is not None]
    high = min(highs) if highs else None
    return None if high is not None and high < low else (low, high)


def _bucketed(ranges: Sequence[EmployeeRange]) -> list[EmployeeRange]:
    """`ranges` cut along the standard bucket edges, in order, without duplicates."""
    pieces: list[EmployeeRange] = []
    for employee_range in ranges or ((1, None),):
        for bucket in STANDARD_EMPLOYEE_BUCKETS:
            piece = _intersect(employee_range, bucket)
            if piece is not None and piece not in pieces:
                pieces.append(piece)
    return pieces


def split_query(query: ApolloSearchQuery) -> list[ApolloSearchQuery]:
    """Narrow `query` one step; an empty list means it cannot be narrowed further.

    In order of preference: one query per standard employee bucket (a query with no headcount
    filter is split over all buckets), then one per location, then one per seniority, then one
    per title. The children's union covers the parent, except that a query with no headcount
    filter also matches companies with no known headcount, which no bucket reaches;
    `plan_queries` measures and reports that gap.
    """
    pieces = _bucketed(query.employee_ranges)
    if len(pieces) > 1:
        return [replace(query, employee_ranges=(piece,)) for piece in pieces]
    for name in ("locations", "seniorities", "titles"):
        values: tuple[str, ...] = getattr(query, name)
        if len(values) > 1:
            return [replace(query, **{name: (value,)}) for value in values]
    return []


def plan_queries(
    query: ApolloSearchQuery,
    count: Callable[[ApolloSearchQuery], int],
    *,
    cap: int = APOLLO_DISPLAY_CAP,
) -> tuple[list[ApolloSearchQuery], list[str]]:
    """Queries whose union reaches everyone `query` matches, each showing at most `cap` records.

    `count` returns a query's total (one free `per_page=1` search in practice). Queries that
    match nobody are dropped. A query still over the cap that cannot be narrowed is kept (its
    search is truncated at the cap) and a warning says how many records are out of reach; a
    split whose children count fewer people than their parent is reported the same way.
    """
    planned: list[ApolloSearchQuery] = []
    warnings: list[str] = []
    pending: list[tuple[ApolloSearchQuery, int]] = [(query, count(query))]
    while pending:
        current, total = pending.pop(0)
        if total <= 0:
            continue
        if total <= cap:
            planned.append(current)
            continue
        children = split_query(current)
        if not children:
            planned.append(current)
            warnings.append(
                f"Apollo query {current.describe()} matches {total:,} people but search shows "
                f"at most {cap:,} and it cannot be narrowed further: {total - cap:,} records "
                "were not reachable."
            )
            continue
        counted = [(child, count(child)) for child in children]
        reached = sum(n for _, n in counted)
        if reached < total:
            warnings.append(
                f"Apollo query {current.describe()} matches {total:,} people but its narrower "
                f"queries match {reached:,}: {total - reached:,} records (such as companies "
                "with no known headcount) were not reachable."
            )
        pending.extend(counted)
    return planned, warnings


@lru_cache(maxsize=256)
def _title_pattern(disqualifiers: tuple[str, ...]) -> re.Pattern[str] | None:
    phrases = [r"\s+".join(map(re.escape, d.split())) for d in disqualifiers if d.strip()]
    if not phrases:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


def is_disqualified_title(title: str | None, disqualifier_titles: Sequence[str]) -> bool:
    """True when `title` contains any disqualifier as whole words, ignoring case.

    "intern" disqualifies "Marketing Intern" but not "International Sales"; a multi-word
    disqualifier ("vice president") must appear as that phrase. A missing title is never
    disqualified.
    """
    if not title:
        return False
    pattern = _title_pattern(tuple(disqualifier_titles))
    return bool(pattern and pattern.search(title))
