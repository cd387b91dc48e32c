"""The one date parser, the one file-date rule, and the pinnable "now".

Every business date (staleness, TTLs, windows, a pull's time, a verdict's time) comes from
the run's clock, `clock(pinned)`: `LEADGEN_AS_OF` (or a demo inbox's own date) when set,
else the wall clock. `wall_clock` is the one place the machine's clock is read, for the few
stamps that say when the machine did something and must keep their order between runs
(which pull was ingested last), never for a decision about the data.

Exports state dates in a handful of shapes (ISO dates and timestamps, `June 01, 2024`,
`2024/06/01`, US `06/01/2024`); every reader goes through `date` or `timestamp_utc`, so a
shape learnt once is read everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from leadgen_pipeline.kernel.values import blank_to_null

_FILE_DATE = re.compile(r"(20\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])")


def date(expr: pl.Expr) -> pl.Expr:
    """ISO dates and datetimes (with offset), `June 01, 2024`, `2024/06/01`, `06/01/2024` (US)."""
    text = blank_to_null(expr)
    return pl.coalesce(
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%B %d, %Y", strict=False),
        text.str.to_date("%b %d, %Y", strict=False),
        text.str.to_date("%Y/%m/%d", strict=False),
        text.str.to_date("%m/%d/%Y", strict=False),
    )


def timestamp_utc(expr: pl.Expr) -> pl.Expr:
    """An instant in UTC: ISO timestamps with `Z` or an offset, else any `date` at midnight UTC."""
    text = expr.str.strip_chars()
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False, time_zone="UTC"),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False).dt.convert_time_zone("UTC"),
        date(text).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
    ).cast(pl.Datetime("us", "UTC"))


# no pull can predate the exports this pipeline reads; an earlier time is a broken clock
EARLIEST_PULL = datetime(2000, 1, 1, tzinfo=UTC)


def file_date(path: Path, now: datetime, label: str | None = None) -> tuple[datetime, str | None]:
    """When the vendor produced the file, and a warning naming the file when it had to guess.

    The date in the file name (`hubspot-crm-exports-all-deals-2025-11-28.csv`) survives copies
    and checkouts, which a modification time does not; a name whose date is no calendar
    date (`…-2026-02-30.csv`) or lies after `now` falls back to the modification time. The
    result is never later than `now` nor earlier than 2000-01-01: a pull dated in the future
    would never go stale.
    """
    name = label or str(path)
    warning = None
    found = _FILE_DATE.search(path.name)
    if found:
        year, month, day = (int(g) for g in found.groups())
        try:
            named = datetime(year, month, day, tzinfo=UTC)
        except ValueError as error:
            warning = (
                f"{name}: the date in the file name ({found.group(0)}) is not a calendar date "
                f"({error}); the file's modification time is used instead"
            )
        else:
            if named <= now:
                return named, None
            warning = (
                f"{name}: the date in the file name ({named.date()}) is later than now "
                f"({now.date()}); the file's modification time is used instead"
            )
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
    if modified > now:
        clamp = f"its modification time ({modified.isoformat()}) is later than now; now is used"
        return now, f"{warning}; {clamp}" if warning else f"{name}: {clamp}"
    if modified < EARLIEST_PULL:
        clamp = f"its modification time ({modified.isoformat()}) is before 2000; 2000-01-01 is used"
        return EARLIEST_PULL, f"{warning}; {clamp}" if warning else f"{name}: {clamp}"
    return modified, warning


def exported_at(path: Path, now: datetime | None = None) -> datetime:
    """`file_date` without its warning, for readers that have no log to write it to; never
    later than `now` (the run's clock; the wall clock only when a caller has none)."""
    return file_date(path, now or wall_clock())[0]


def wall_clock() -> datetime:
    """The machine's clock, UTC. Not for business dates: those take the run's `clock`."""
    return datetime.now(tz=UTC)


def clock(pinned: str | None) -> Callable[[], datetime]:
    """The run's "now": the pinned moment (`as_of`) every time it is asked, or, unpinned,
    the wall clock at each call."""
    if not pinned:
        return wall_clock
    moment = as_of(pinned)
    return lambda: moment


def as_of(pinned: str | None) -> datetime:
    """"Now" for staleness, TTLs and windows: `pinned` (an ISO date or timestamp) when set,
    else the wall clock. A pinned date without a time means 00:00 UTC of that day."""
    if not pinned:
        return wall_clock()
    try:
        moment = datetime.fromisoformat(pinned.strip())
    except ValueError:
        raise ValueError(
            f"LEADGEN_AS_OF={pinned!r} is not an ISO date or timestamp (e.g. 2026-11-25)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
