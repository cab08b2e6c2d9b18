"""Whether the index holds the very bytes of the catalog file on disk, proved without trusting it.

The index records the file's stat (size, modification and change times,
inode, device) and when it knew the bytes; a change time no user command can
set back decides alone, except within a clock tick of that moment, where a
digest of the bytes decides (git's "racy" files).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from htcat.index.database import INDEX_VERSION, connect, index_path, min_bytes, read_meta
from htcat.store.file import opened
from htcat.store.image import ENTRIES_TABLE, SCHEMA_VERSION, Image, dump_json
from htcat.store.layout import Scan, scan_bytes

if TYPE_CHECKING:
    import sqlite3


def fingerprint(stat: os.stat_result) -> str:
    """The stat data that a change of the file moves: no user command sets ``ctime`` back."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}:{stat.st_dev}"


COARSE_TICK_NS = 2_000_000_000
"""How long a change time may stand still where it is not fine-grained (FAT: 2 s)."""


@dataclass(frozen=True)
class Knowledge:
    """What the index knows of the file: its stat, since when, and its bytes' digest.

    ``digest`` is empty when htcat wrote the file without reading it back whole:
    then only the stat can vouch for it.
    """

    fingerprint: str
    known_ns: int
    fine: bool
    digest: str
    canonical: bool

    def meta(self) -> list[tuple[str, str]]:
        return [
            ("fingerprint", self.fingerprint),
            ("known", str(self.known_ns)),
            ("fine", "1" if self.fine else "0"),
            ("digest", self.digest),
            ("canonical", "1" if self.canonical else "0"),
            ("schema", str(SCHEMA_VERSION)),
        ]


def stat_decides(meta: Mapping[str, str], stat: os.stat_result) -> bool | None:
    """True when the stat proves the file is the one the index knows, False when it
    proves it is not, None when only its bytes can tell.

    Its change time, set by the kernel at every change, moves on at any later change
    where it is fine-grained; elsewhere it may stand still for a clock tick, so a
    file changed within a tick of the moment the index knew it is "racy".
    """
    if meta.get("version") != INDEX_VERSION or meta.get("fingerprint") != fingerprint(stat):
        return False
    known = int(meta.get("known", "0"))
    tick = 0 if meta.get("fine") == "1" else COARSE_TICK_NS
    return True if stat.st_ctime_ns + tick < known else None


def is_canonical(meta: Mapping[str, str]) -> bool:
    """Whether the file the index knows is in the form this htcat writes, schema and all:
    a file an older schema wrote is read whole, and migrated when next written."""
    return meta.get("canonical") == "1" and meta.get("schema") == str(SCHEMA_VERSION)


def file_digest(path: Path) -> tuple[str, os.stat_result]:
    """The digest of the file's bytes, streamed, and the stat taken after reading them."""
    with opened(path) as file:
        found = hashlib.sha1(usedforsecurity=False)
        while block := file.read(1 << 20):
            found.update(block)
        return found.hexdigest(), os.fstat(file.fileno())


def knowledge_of_read(
    path: Path, stat: os.stat_result, known_ns: int, raw: bytes, image: Image
) -> tuple[Knowledge, Scan | None]:
    """What reading ``raw`` whole taught, and each entry's span if the file is canonical."""
    spans = scan_bytes(raw) if dump_json(image) == raw else None
    if spans is not None and {str(d) for d in spans.spans} != set(image[ENTRIES_TABLE]):
        spans = None
    fine = ctime_is_fine(path.parent)
    found = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    return Knowledge(fingerprint(stat), known_ns, fine, found, spans is not None), spans


def proves(conn: sqlite3.Connection, path: Path, stat: os.stat_result) -> bool:
    """Whether the index holds the very file ``stat`` describes, by its stat or its bytes.

    When the bytes had to decide and did, well past the file's last change,
    that moment is recorded, so the next command need not read them again.
    """
    import sqlite3

    meta = read_meta(conn)
    decided = stat_decides(meta, stat)
    if decided is not None:
        return decided
    if not meta.get("digest"):
        return False
    started = time.time_ns()
    found, after = file_digest(path)
    if found != meta["digest"] or fingerprint(after) != fingerprint(stat):
        return False
    with contextlib.suppress(sqlite3.Error):
        conn.execute("UPDATE meta SET value = ? WHERE key = 'known'", (str(started),))
    return True


def ctime_is_fine(folder: Path) -> bool:
    """Whether a file's change time in ``folder`` moves on at every change once it was read.

    Linux's multigrain timestamps do so (ext4, xfs, btrfs, tmpfs since 6.13):
    then a stat taken after a write tells any later change apart, however soon.
    Elsewhere a change within the same clock tick keeps the change time, and only
    the bytes can tell (git's "racy" files).
    """
    try:
        # Nameless where the system allows (O_TMPFILE), so a kill meanwhile leaves nothing.
        probe = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by the with below
    except OSError:
        return False  # a folder htcat cannot write to: assume the coarse clock
    with probe:
        moved = []
        for mode in (0o640, 0o600):
            before = os.fstat(probe.fileno()).st_ctime_ns
            os.fchmod(probe.fileno(), mode)
            moved.append(os.fstat(probe.fileno()).st_ctime_ns != before)
        return all(moved)


def vouches_for(path: Path, stat: os.stat_result) -> bool:
    """Whether the index was built from, or kept up with, the very file ``stat`` describes.

    Every entry of such a file passed `htcat.model.shape_problem` when the index
    took it in (a rebuild reads the file whole; htcat's own writes validate what
    they change), so a reader may skip that check: half a second at 100,000
    entries. Bump INDEX_VERSION when the shape rules tighten.
    """
    if stat.st_size < min_bytes() or not index_path(path).exists():
        return False
    import sqlite3

    try:
        return holds(path, stat)
    except (sqlite3.Error, OSError):
        return False


def holds(path: Path, stat: os.stat_result) -> bool:
    """Whether the index holds the very file ``stat`` describes (opening creates it empty)."""
    with contextlib.closing(connect(path)) as conn:
        return proves(conn, path, stat)


def written_knowledge(path: Path, written: os.stat_result, data: bytes | None) -> Knowledge:
    """What htcat knows of the file it just wrote (``data``, if it holds them whole)."""
    known_ns = time.time_ns()
    found = "" if data is None else hashlib.sha1(data, usedforsecurity=False).hexdigest()
    fine = ctime_is_fine(path.parent)
    return Knowledge(fingerprint(written), known_ns, fine, found, True)
