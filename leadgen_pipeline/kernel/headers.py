"""The one header recogniser: which kind of export a file is, from the names in its header.

Every reader in the project (vendor contact exports, suppression files, verification
exports, CRM exports) compares header names in one form and recognises a kind by the first
signature (a set of header names) that the header carries in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

Kind = TypeVar("Kind")


def header_key(name: str) -> str:
    """The form in which header names are compared: no BOM, trimmed, lower-case, single spaces."""
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


def signature(*names: str) -> frozenset[str]:
    """A set of header names, in compared form, that together identify a kind of export."""
    return frozenset(header_key(n) for n in names)


def recognise(
    header: Iterable[str], kinds: Sequence[tuple[Kind, Sequence[frozenset[str]]]]
) -> Kind | None:
    """The first kind one of whose signatures the header carries in full, or None."""
    present = {header_key(h) for h in header}
    return next(
        (kind for kind, signatures in kinds if any(sig <= present for sig in signatures)), None
    )


def columns_by_key(header: Iterable[str]) -> dict[str, str]:
    """Compared form -> the header's own spelling (the first, when two compare equal)."""
    by_key: dict[str, str] = {}
    for name in header:
        by_key.setdefault(header_key(name), name)
    return by_key
