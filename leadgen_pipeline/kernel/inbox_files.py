"""Which export files in the inbox are new: by content, so a file is pulled once.

A file is known by the SHA-256 of its bytes. A file renamed, copied or touched without a change
of content is not new; a file whose content changed is. The size and modification time of
each path are kept beside its digest so that a file is hashed again only when either changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class InboxScan:
    """What a look at the inbox found.

    `new_files`: folder -> its files (inbox-relative, sorted) whose content was never seen.
    `cursor`: inbox-relative path -> [size, mtime_ns, sha256] of every file seen so far (a
    removed file stays, so the same content put back later is still not new).
    `outside`: files not read because they sit outside any folder or link out of the inbox.
    """

    new_files: dict[str, list[str]]
    cursor: dict[str, list[int | str]]
    outside: list[str]


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def scan_inbox(inbox: Path, previous: Mapping[str, Sequence[int | str]]) -> InboxScan:
    """The inbox's files now, and those whose content `previous` (an earlier `cursor`) lacks.

    Hidden files and files directly in the inbox (`_manifest.json`, notes) belong to no
    folder and are never new; a symlink that leaves the inbox is listed in `outside`.
    """
    root = inbox.resolve()
    seen_digests = {str(entry[2]) for entry in previous.values() if len(entry) == 3}
    cursor: dict[str, list[int | str]] = {name: list(entry) for name, entry in previous.items()}
    new_files: dict[str, list[str]] = {}
    outside: list[str] = []
    paths = sorted(inbox.rglob("*")) if inbox.is_dir() else []
    for path in paths:
        relative = path.relative_to(inbox)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        name = relative.as_posix()
        if len(relative.parts) < 2 or not path.resolve().is_relative_to(root):
            outside.append(name)
            continue
        stat = path.stat()
        known = previous.get(name)
        if known is not None and len(known) == 3 and list(known[:2]) == [
            stat.st_size,
            stat.st_mtime_ns,
        ]:
            digest = str(known[2])
        else:
            digest = _digest(path)
        cursor[name] = [stat.st_size, stat.st_mtime_ns, digest]
        if digest not in seen_digests:
            new_files.setdefault(relative.parts[0], []).append(name)
            seen_digests.add(digest)  # the same content twice in one look is one new file
    return InboxScan(new_files, cursor, outside)
