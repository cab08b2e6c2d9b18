"""Bringing the index up to date with the file: caught up entry by entry, or built afresh.

After a ``git pull`` or a hand edit a few entries of many changed, and only
those are indexed again; when much changed, or there is no index yet, it is
built afresh in files of its own and renamed into place. Deleting it is
always safe, and any trouble with it (a read-only folder, a damaged file)
falls back to reading the JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import orjson

from htcat.errors import CatalogError
from htcat.fulltext import WordsBuilder, copy_words, scratch_database
from htcat.index.database import (
    BATCH,
    INDEX_VERSION,
    SCHEMA,
    connect,
    index_path,
    min_bytes,
    read_meta,
    updating,
)
from htcat.index.freshness import (
    COARSE_TICK_NS,
    Knowledge,
    ctime_is_fine,
    fingerprint,
    holds,
    is_canonical,
    knowledge_of_read,
)
from htcat.index.rows import insert_batch, put_spans, reindex, words_meta
from htcat.model import Entry
from htcat.progress import EVERY, Progress, reporting
from htcat.query import searched_text
from htcat.store.file import opened, read_bytes
from htcat.store.image import ENTRIES_TABLE, check_entries, dump_json, parse_image
from htcat.store.layout import PARSED_TOGETHER, Scan, canonical_entries, nested_too_deep, scan

if TYPE_CHECKING:
    import sqlite3

Fill = Callable[["sqlite3.Connection", WordsBuilder], tuple[Knowledge, Scan | None]]
"""Puts every entry's rows into a new index, hands the entries to the builder of its full-text
table, and says what the bytes it read prove and where each entry lies."""

_BUILDS = ("build", "words")
"""Suffixes of a builder's files, after its pid; not ``.tmp``, which is the catalog writer's."""


def _build_file(target: Path, part: str) -> Path:
    return target.with_name(f"{target.name}.{os.getpid()}.{part}")


def _remove_abandoned_builds(target: Path) -> None:
    """Delete half-built indexes whose builder was killed."""
    for part in _BUILDS:
        for leftover in target.parent.glob(f"{target.name}.*.{part}"):
            pid = leftover.name.removeprefix(f"{target.name}.").removesuffix(f".{part}")
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                leftover.unlink(missing_ok=True)
            except (PermissionError, OverflowError):
                pass


def _refresh(path: Path, progress: Progress | None = None) -> None:
    """Bring the index up to date with the file: entry by entry when it can, else afresh.

    A file in canonical form is built from a block at a time, so the whole
    catalog is never held; any other file is read whole. What the index records
    is what the bytes actually read prove; ``progress`` is told of the entries
    a fresh build takes in.
    """
    known_ns = time.time_ns()
    with opened(path) as file:
        if _catch_up_from_file(path, file, known_ns):
            return
        if not _held_non_canonical(path):
            file.seek(0)
            try:
                _rebuild(
                    path,
                    lambda conn, words: _stream(path, file, known_ns, conn, words, progress),
                    file,
                )
                return
            except _NotCanonical:
                pass  # read whole below, which refuses a bad file as every reader does
        file.seek(0)
        raw, stat = read_bytes(file, path)
    image = parse_image(raw, path)
    knowledge, spans = knowledge_of_read(path, stat, known_ns, raw, image)
    entries = image[ENTRIES_TABLE]
    del raw
    if not _catch_up(path, knowledge, entries, spans):

        def fill(conn: sqlite3.Connection, words: WordsBuilder) -> tuple[Knowledge, Scan | None]:
            docs = reporting(iter(entries.items()), progress, len(entries))
            while batch := dict(itertools.islice(docs, BATCH)):
                found = ((int(k), doc) for k, doc in batch.items())
                insert_batch(conn, found, bodies=spans is None, words_here=False)
                words.put_texts([(int(k), searched_text(doc)) for k, doc in batch.items()])
            return knowledge, spans

        _rebuild(path, fill, None)


class _NotCanonical(Exception):
    """The file is not laid out as htcat writes it: it is read whole instead."""


def _held_non_canonical(path: Path) -> bool:
    """Whether an index of this version holds a file not in canonical form: then comparing
    each entry with the one it holds (`_catch_up`) may spare a build."""
    import sqlite3

    if not index_path(path).exists():
        return False
    try:
        with contextlib.closing(connect(path)) as conn:
            meta = read_meta(conn)
    except sqlite3.Error:
        return False
    return meta.get("version") == INDEX_VERSION and not is_canonical(meta)


def _stream(
    path: Path,
    file: BinaryIO,
    known_ns: int,
    conn: sqlite3.Connection,
    words: WordsBuilder,
    progress: Progress | None,
) -> tuple[Knowledge, Scan]:
    """Fill a new index from a canonical file read a block at a time; `_NotCanonical` if
    it is not one.

    Entries' bytes are parsed a batch at a time as they are found
    (`htcat.store.layout.scan`), must be exactly what htcat would write for the
    entries, and their rows go in with the batch: memory stays flat however
    large the catalog, and the file is parsed once instead of read, parsed,
    dumped again to compare and scanned. The rest of the file (the other
    tables) must be canonical too, and the digest of the whole is taken on the
    way where the stat may not decide alone (`stat_decides`: a file changed
    within a clock tick of now).
    The total ``progress`` is told is reckoned from the entries' mean size so far.
    """
    before = os.fstat(file.fileno())
    size = max(before.st_size, 1)
    # Else the stat decides: a later stat differs, or is before ``known_ns`` by a tick.
    # Should the file change meanwhile, no digest means the next reader builds again.
    whole = hashlib.sha1(usedforsecurity=False) if _racy(before, known_ns) else None
    chunks: list[bytes] = []
    starts: list[int] = []
    """The batch's entries' bytes, and where each begins in the file."""
    taken = taken_bytes = puts = 0
    """Entries found so far, their bytes, and the batches put in."""

    def read(n: int) -> bytes:
        block = file.read(n)
        if whole is not None:
            whole.update(block)
        return block

    def put() -> None:
        batch = canonical_entries(chunks)
        if batch is None or any(nested_too_deep(chunk) for chunk in chunks):
            raise _NotCanonical  # read whole, which names the entry and what is wrong
        try:
            check_entries(batch, path, nesting_checked=True)
        except CatalogError:
            raise _NotCanonical from None
        docs = [(int(k), entry) for k, entry in batch.items()]
        insert_batch(conn, docs, bodies=False, words_here=False)
        nonlocal puts
        puts += 1
        if puts % _TEXT_HERE_EVERY == 0:
            words.put_texts([(doc_id, searched_text(entry)) for doc_id, entry in docs])
        else:
            words.put_spans(
                [
                    (starts[n], starts[last] + len(chunks[last]))
                    for n in range(0, len(chunks), PARSED_TOGETHER)
                    for last in [min(n + PARSED_TOGETHER, len(chunks)) - 1]
                ]
            )
        chunks.clear()
        starts.clear()

    def take(doc_id: int, start: int, chunk: bytes) -> None:
        nonlocal taken, taken_bytes
        chunks.append(chunk)
        starts.append(start)
        taken += 1
        taken_bytes += len(chunk)
        if progress is not None and taken % EVERY == 0:
            progress(taken, max(taken, taken * size // taken_bytes))
        if len(chunks) == BATCH:
            put()

    scanned = scan(read, {}, take)
    if scanned is None:
        raise _NotCanonical
    if chunks:
        put()
    try:
        if dump_json(parse_image(scanned.outside, path)) != scanned.outside:
            raise _NotCanonical
    except CatalogError:
        raise _NotCanonical from None
    if progress is not None:
        progress(taken, taken)
    stat = os.fstat(file.fileno())
    fine = ctime_is_fine(path.parent)
    found = "" if whole is None else whole.hexdigest()
    return Knowledge(fingerprint(stat), known_ns, fine, found, True), scanned


_TEXT_HERE_EVERY = 2
"""Of each this many batches, one's searched text is taken here and sent, rather than
taken by the full-text process, which reads and parses the others' entries again: the two
sides are then about even (measured at 100,000 entries, with the full-text process taking
every batch's: 5.8 to 6.4 s of CPU there against 5.2 to 5.5 s here, the build 6.3 to 6.8
s; every other batch's: 5.2 to 5.5 s against 5.4 to 5.6 s, the build 5.6 to 5.8 s)."""


def _racy(stat: os.stat_result, known_ns: int) -> bool:
    """Whether a file of this stat, known at ``known_ns``, changed too near that moment
    for its stat to prove it later, however coarse the clock: its bytes must then decide."""
    return stat.st_ctime_ns + COARSE_TICK_NS >= known_ns


def _catch_up_from_file(path: Path, file: BinaryIO, known_ns: int) -> bool:
    """Carry an outside change of a canonical file into the index, parsing only the entries
    whose bytes changed; False if the file is not in canonical form or much changed.

    After a ``git pull`` each entry's bytes are found where a canonical file puts
    them, a block at a time, and their digests compared with the ones the index
    holds; an entry whose bytes are the same is the entry the index already took
    in, checked. The rest of the file (the other tables) is parsed and must be
    canonical too.
    """
    import sqlite3

    if not index_path(path).exists():
        return False
    try:
        with updating(path) as conn:
            meta = read_meta(conn)
            if meta.get("version") != INDEX_VERSION or not is_canonical(meta):
                return False
            known = {row[0]: row[1:] for row in conn.execute("SELECT * FROM spans")}
            scanned = scan(file.read, known)
            stat = os.fstat(file.fileno())
            if scanned is None:
                return False
            outside = scanned.outside
            if dump_json(parse_image(outside, path)) != outside:
                return False
            limit = max(_CATCH_UP_ALWAYS, len(scanned.spans) // _CATCH_UP_SHARE)
            if len(scanned.changed) > limit:
                return False
            changed = canonical_entries(list(scanned.changed.values()))
            if changed is None:
                return False
            check_entries(changed, path)
            rows = [
                (doc_id, *span, scanned.digests[doc_id])
                for doc_id, span in scanned.spans.items()
                if known.get(doc_id) != (*span, scanned.digests[doc_id])
            ]
            gone = [d for d in known if d not in scanned.spans]
            # No digest of the whole file was taken while scanning: where the stat cannot
            # decide later (a change within a tick of now), the next reader reads it again.
            fine = ctime_is_fine(path.parent)
            knowledge = Knowledge(fingerprint(stat), known_ns, fine, "", True)
            conn.executemany("DELETE FROM spans WHERE doc_id = ?", [(d,) for d in gone])
            for n in range(0, len(rows), BATCH):
                batch = rows[n : n + BATCH]
                conn.executemany("INSERT OR REPLACE INTO spans VALUES (?,?,?,?)", batch)
            fresh = sorted(int(d) for d in changed)
            reindex(conn, sorted({*gone, *fresh}), changed, fresh, knowledge)
            return True
    except (sqlite3.Error, orjson.JSONDecodeError):
        return False


_CATCH_UP_SHARE = 4
"""Catch up when at most one entry in this many changed; beyond, building afresh is faster."""
_CATCH_UP_ALWAYS = 2000
"""Up to this many changed entries, catching up is quick whatever the catalog's size."""


def _catch_up(
    path: Path,
    knowledge: Knowledge,
    entries: dict[str, Entry],
    spans: Scan | None,
) -> bool:
    """Carry an outside change into the existing index, entry by entry; False if it cannot.

    A ``git pull`` or a hand edit changes a few entries of many. Each entry is
    compared with the body the index holds for it, as orjson writes both, and
    only those that differ are indexed again: at 100,000 entries, seconds
    instead of a rebuild's quarter of a minute. One transaction: a reader sees
    the index before or after, and a killed catch-up leaves it as it was.
    """
    import sqlite3

    if not index_path(path).exists():
        return False
    limit = max(_CATCH_UP_ALWAYS, len(entries) // _CATCH_UP_SHARE)
    try:
        with updating(path) as conn:
            meta = read_meta(conn)
            if meta.get("version") != INDEX_VERSION:
                return False
            if (meta.get("fingerprint"), meta.get("digest")) == (
                knowledge.fingerprint,
                knowledge.digest,
            ):
                return True  # caught up meanwhile by another, from the same bytes
            stale: list[int] = []
            same: set[int] = set()
            for doc_id, body in conn.execute("SELECT doc_id, body FROM entries"):
                entry = entries.get(str(doc_id))
                if entry is not None and orjson.dumps(entry) == body:
                    same.add(doc_id)
                else:
                    stale.append(doc_id)
            changed = [int(key) for key in entries if int(key) not in same]
            if len(stale) > limit or len(changed) > limit:
                return False
            put_spans(conn, spans)
            reindex(conn, stale, entries, changed, knowledge)
            return True
    except sqlite3.Error:
        return False


def _rebuild(path: Path, fill: Fill, catalog: BinaryIO | None) -> None:
    """Build the index afresh with the rows ``fill`` puts in, then put it in place with a rename.

    It is built in files of its own with no journal, which makes it several
    times faster, and its full-text table in a second process (see
    `htcat.fulltext`); a crash leaves only temporary files.
    """
    target = index_path(path)
    _remove_abandoned_builds(target)
    building, side = (_build_file(target, part) for part in _BUILDS)
    for leftover in (building, side):
        leftover.unlink(missing_ok=True)
    words = WordsBuilder(side, catalog)
    try:
        with contextlib.closing(scratch_database(building)) as conn:
            statements = [s.strip() for s in SCHEMA.split(";") if s.strip()]
            indexes = [s for s in statements if s.startswith("CREATE INDEX")]
            conn.execute("BEGIN")
            for statement in statements:
                if statement not in indexes:
                    conn.execute(statement)
            knowledge, spans = fill(conn, words)
            # Sorted once at the end, not kept in order row by row, and the spans put
            # in, while the other process finishes the full-text table.
            for statement in indexes:
                conn.execute(statement)
            put_spans(conn, spans)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("version", INDEX_VERSION), *knowledge.meta(), *words_meta(conn)],
            )
            conn.execute("COMMIT")
            words.finish()
            copy_words(conn, side)
        # A journal left by a writer killed mid-update belongs to the old file.
        Path(f"{target}-journal").unlink(missing_ok=True)
        # Renamed over an old file, ext4 would write the new one out first (auto_da_alloc):
        # 1.5 s at 100,000 entries, for a file that can always be built again.
        target.unlink(missing_ok=True)
        os.replace(building, target)
    except BaseException:
        words.abandon()
        raise
    finally:
        building.unlink(missing_ok=True)
        side.unlink(missing_ok=True)


def open_index(path: Path, progress: Progress | None = None) -> sqlite3.Connection | None:
    """A fresh index of the catalog at ``path``, or None where reading the file is the way.

    A missing or corrupt catalog raises from here exactly as reading it would;
    a damaged index is rebuilt. ``progress`` is told of a fresh build's entries.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size < min_bytes():
        return None
    import sqlite3

    try:
        if not holds(path, stat):
            _refresh(path, progress)
        return connect(path)
    except (sqlite3.Error, OSError):
        return None
