"""The reference lists the match keys read, shipped as package data under `keys/data/`.

Each list is a plain-text file, one entry a line; blank lines and everything from a `#` to the
end of a line are ignored. The nickname table is a two-column CSV (header `nickname,given_name`)
under the same comment rule. Each file is read once per process and returned as an immutable
value, so the rules built on them stay pure.

The name keys are revised as their lists grow (a nickname, a legal form). A key that is
only ever compared within one build can change freely, but an erasure request is stored as
the hash of the key it gave at the time, so records must still be keyed the old way to
meet it: `NAME_KEY_REVISIONS` lists every revision ever shipped, `revision_<n>/` keeps the
lists as revision n had them, and `nicknames(revision)` reads the right one.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

# the name keys' current revision, and every revision an erasure hash may have been made with
NAME_KEY_REVISION = 2
NAME_KEY_REVISIONS: tuple[int, ...] = (1, 2)


def _entries(name: str) -> list[str]:
    """The entries of `data/<name>`, in file order, comments and blank lines dropped."""
    text = (files(__package__) / "data" / name).read_text(encoding="utf-8")
    stripped = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in stripped if line]


@cache
def word_set(name: str) -> frozenset[str]:
    """A list file as a set of entries (`role_local_parts.txt`, `free_mail_domains.txt`)."""
    return frozenset(_entries(name))


@cache
def word_tuple(name: str) -> tuple[str, ...]:
    """A list file as a tuple, for lists whose order is kept (`last_name_suffixes.txt`)."""
    return tuple(_entries(name))


@cache
def pairs(name: str) -> dict[str, str]:
    """A two-column CSV as a mapping from its first column to its second, header skipped.

    Every caller shares the one cached dict, so none may change it. A repeated key is an
    error in the file rather than a silent last-one-wins.
    """
    rows = list(csv.reader(_entries(name)))
    header, body = rows[0], rows[1:]
    if len(header) != 2 or any(len(row) != 2 for row in body):
        raise ValueError(f"data/{name}: every row must have exactly two columns")
    mapping = {key.strip(): value.strip() for key, value in body}
    if len(mapping) != len(body):
        raise ValueError(f"data/{name}: a key appears more than once")
    return mapping


def check_revision(revision: int) -> None:
    """Refuse a name-key revision that was never shipped."""
    if revision not in NAME_KEY_REVISIONS:
        raise ValueError(f"no name-key revision {revision}; known: {NAME_KEY_REVISIONS}")


def nicknames(revision: int = NAME_KEY_REVISION) -> dict[str, str]:
    """Nickname -> given name, as name-key revision `revision` read it."""
    check_revision(revision)
    if revision == NAME_KEY_REVISION:
        return pairs("first_name_nicknames.csv")
    return pairs(f"revision_{revision}/first_name_nicknames.csv")
