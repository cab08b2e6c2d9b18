"""Where each entry's bytes lie in a catalog file of canonical form, and how to splice them.

The canonical form is what `htcat.store.image.dump_json` writes: two-space indents,
sorted keys, so the entries table's documents follow one another in the
string order of their ids, each as ``    "N": {`` … ``    }``, joined by
``,\\n``. An entry alone, dumped the same way and indented by four spaces,
gives exactly its bytes in the whole file; so a change of a few entries can
copy every other byte from the old file instead of serializing 100,000
entries again.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from htcat.model import Entry
from htcat.nesting import TOO_DEEP
from htcat.store.image import CANONICAL_OPTIONS, ENTRIES_TABLE

_SEPARATOR = b",\n"
_TABLE_START = b'\n  "%s": {\n' % ENTRIES_TABLE.encode()
_TABLE_END = b"\n  }"
_CHUNK_HEAD = re.compile(rb'    "([0-9]+)": \{\n')
_CHUNK_END = b"\n    }"

Span = tuple[int, int]
"""Where an entry's bytes lie in the file: offset and length."""
Piece = Span | bytes
"""A part of a new file: a range of the old file to copy, or new bytes."""


def digest(data: bytes) -> bytes:
    """A digest of some bytes of the file, to prove they are the ones the index knows."""
    return hashlib.sha1(data, usedforsecurity=False).digest()


def entry_chunk(doc_id: int, entry: Entry) -> bytes:
    """The bytes of one entry exactly as a dump of the whole catalog holds them."""
    body = orjson.dumps(entry, option=CANONICAL_OPTIONS).replace(b"\n", b"\n    ")
    return b'    "%d": %s' % (doc_id, body)


def entry_of_chunk(chunk: bytes) -> Entry:
    entry: Entry = orjson.loads(chunk[chunk.index(b": ") + 2 :])
    return entry


def canonical_entries(chunks: list[bytes]) -> dict[str, Entry] | None:
    """The entries whose bytes are ``chunks``, one after another in a canonical file,
    if they are exactly the bytes a dump of the catalog holds; else None.

    They are parsed, and dumped again to compare, `PARSED_TOGETHER` at a time.
    """
    found: dict[str, Entry] = {}
    for n in range(0, len(chunks), PARSED_TOGETHER):
        run = _SEPARATOR.join(chunks[n : n + PARSED_TOGETHER])
        try:
            part = orjson.loads(b"{" + run + b"}")
        except orjson.JSONDecodeError:
            return None
        dumped = orjson.dumps({ENTRIES_TABLE: part}, option=CANONICAL_OPTIONS)
        if not isinstance(part, dict) or dumped != b"{" + _TABLE_START + run + _TABLE_END + b"\n}":
            return None
        found.update(part)
    return found


def nested_too_deep(chunk: bytes) -> bool:
    """Whether the entry whose canonical bytes are ``chunk`` nests too deep
    (`htcat.nesting.TOO_DEEP`), told from its indentation without parsing it.

    An entry's members lie two spaces in from its own four, and each level adds
    two; a canonical dump breaks lines only between members (a newline in a
    string is written ``\\n``). So a non-empty list or object ``TOO_DEEP`` levels
    down is there exactly when some line is indented that far in and two more.
    """
    return _TOO_DEEP_LINE in chunk


_TOO_DEEP_LINE = b"\n" + b" " * (4 + 2 * (TOO_DEEP + 1))
PARSED_TOGETHER = 32
"""Entries parsed in one call into orjson: enough to spare most calls, few enough for their
bytes to stay in the processor's cache (100,000 entries: 0.84 s of CPU 32 at a time, 0.95 s
128, 2.55 s 2,000, 1.02 s one by one)."""


def scan_bytes(raw: bytes) -> Scan | None:
    """`scan` of a file already read: each entry's span and digest, if its entries table
    is laid out as a canonical file lays it out; None otherwise, or if it has no entries."""
    return scan(io.BytesIO(raw).read, {})


@dataclass(frozen=True)
class Scan:
    """What a scan of a canonical file found."""

    spans: dict[int, Span]
    digests: dict[int, bytes]
    """The digest of each entry's bytes."""
    changed: dict[int, bytes]
    """The bytes of each entry not as ``known`` had them."""
    outside: bytes
    """The file without its entries (``"entries": {}``): to check the rest is canonical."""


_BLOCK = 1 << 20


class _Window:
    """The part of a file being scanned, read a block at a time: memory stays flat."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.data = b""
        self.base = 0
        """The file offset of ``data[0]``."""

    def cover(self, end: int) -> bool:
        """Read on until the window reaches file offset ``end``; False if the file ends first."""
        while self.base + len(self.data) < end:
            block = self._read(_BLOCK)
            if not block:
                return False
            self.data += block
        return True

    def find(self, needle: bytes, start: int) -> int:
        """The file offset of ``needle`` at or after ``start``, reading on; -1 if none."""
        while True:
            found = self.data.find(needle, start - self.base)
            if found >= 0:
                return self.base + found
            searched = self.base + len(self.data) - len(needle) + 1
            if not self.cover(self.base + len(self.data) + 1):
                return -1
            start = max(start, searched)

    def part(self, start: int, end: int) -> bytes:
        return self.data[start - self.base : end - self.base]

    def drop_before(self, offset: int) -> None:
        if offset - self.base > _BLOCK:
            self.data = self.data[offset - self.base :]
            self.base = offset

    def rest(self) -> bytes:
        while block := self._read(_BLOCK):
            self.data += block
        return self.data


def scan(
    read: Callable[[int], bytes],
    known: Mapping[int, tuple[int, int, bytes]],
    seen: Callable[[int, int, bytes], None] | None = None,
) -> Scan | None:
    """Each entry's span and digest in the file ``read`` reads, if its entries table is
    laid out as a canonical file lays it out, in the order of the keys; else None.

    ``known`` holds the offset, length and digest of each entry's bytes in an
    earlier version of the file: an entry found with the same bytes needs no search
    for its end. Otherwise, only an entry's own closing brace sits at four spaces,
    so one search from its first line finds its end. ``seen``, if given, is handed
    each entry's document id, offset and bytes not as ``known`` had them instead of
    ``changed``: a scan of a
    whole file then holds no entry's bytes beyond the one at hand.
    """
    window = _Window(read)
    table = window.find(_TABLE_START, 0)
    if table < 0:
        return None
    at = table + len(_TABLE_START)
    head = window.part(0, at - 1)
    found = Scan({}, {}, {}, b"")
    previous = ""
    while True:
        window.drop_before(at)
        window.cover(at + 32)
        line = _CHUNK_HEAD.match(window.data, at - window.base)
        if line is None:
            return None
        key = line.group(1).decode()
        doc_id = int(key)
        if str(doc_id) != key or key <= previous:
            return None
        _, length, expected = known.get(doc_id, (0, 0, b""))
        if (
            not length
            or not window.cover(at + length)
            or (digest(window.part(at, at + length)) != expected)
        ):
            close = window.find(_CHUNK_END, window.base + line.end() - 1)
            if close < 0:
                return None
            length = close + len(_CHUNK_END) - at
            chunk = window.part(at, at + length)
            found.digests[doc_id] = digest(chunk)
            if seen is None:
                found.changed[doc_id] = chunk
            else:
                seen(doc_id, at, chunk)
        else:
            found.digests[doc_id] = expected
        found.spans[doc_id], previous = (at, length), key
        end = at + length
        window.cover(end + len(_TABLE_END))
        if window.part(end, end + len(_SEPARATOR)) == _SEPARATOR:
            at = end + len(_SEPARATOR)
        elif window.part(end, end + len(_TABLE_END)) == _TABLE_END:
            tail = window.rest()[end + len(_TABLE_END) - window.base :]
            return Scan(found.spans, found.digests, found.changed, head + b"}" + tail)
        else:
            return None


@dataclass(frozen=True)
class Splice:
    """A new file as pieces of the old one and new bytes, and where entries then lie."""

    pieces: list[Piece]
    chunks: dict[int, tuple[int, bytes]]
    """Each added or changed entry's new offset and bytes."""
    shifts: list[tuple[int, int, int]]
    """``(from, to, delta)``: entries kept whose offset is in ``[from, to)`` move by delta."""


@dataclass(frozen=True)
class Layout:
    """What a splice needs to know of the old file, asked of the index."""

    size: int
    ends: Callable[[], tuple[Span, Span]]
    """The spans of the first and the last entry (asked only when an entry is removed
    or goes first)."""
    span_of: Callable[[int], Span | None]
    """The span of the entry with this document id, None if there is none."""
    before: Callable[[int], Span | None]
    """The span of the entry whose key comes last before this document id's, if any."""


@dataclass(frozen=True, order=True)
class _Edit:
    """Old bytes ``[start, end)`` become ``lead + chunk + trail``; at one offset, additions
    (``rank`` 0) come first, in the order of their keys."""

    start: int
    rank: int
    key: str
    end: int
    lead: bytes = b""
    chunk: bytes = b""
    trail: bytes = b""
    doc_id: int = -1


def splice(layout: Layout, changes: Mapping[int, Entry | None]) -> Splice | None:
    """The new file with ``changes`` (doc id → new entry, or None to remove) made.

    Each change becomes an edit of the old bytes where its entry lies (a new
    entry goes after the entry whose key sorts before its own). None when the
    edits touch one another (neighbours removed, the table left empty) or
    entries are both added and removed: a full write is the simple way then.
    """
    edits: list[_Edit] = []
    removing = adding = False
    for doc_id, entry in changes.items():
        old = layout.span_of(doc_id)
        if entry is None:
            if old is None:
                continue
            removing = True
            start, end = old[0], old[0] + old[1]
            first, last = layout.ends()
            if old == first == last:
                return None
            if old == first:
                edits.append(_Edit(start, 1, "", end + len(_SEPARATOR)))
            else:
                edits.append(_Edit(start - len(_SEPARATOR), 1, "", end))
            continue
        chunk = entry_chunk(doc_id, entry)
        if old is not None:
            edits.append(_Edit(old[0], 1, "", old[0] + old[1], chunk=chunk, doc_id=doc_id))
            continue
        adding = True
        after = layout.before(doc_id)
        if after is None:
            at = layout.ends()[0][0]
            edits.append(_Edit(at, 0, str(doc_id), at, b"", chunk, _SEPARATOR, doc_id))
        else:
            at = after[0] + after[1]
            edits.append(_Edit(at, 0, str(doc_id), at, _SEPARATOR, chunk, b"", doc_id))
    if removing and adding:
        return None
    edits.sort()
    pieces: list[Piece] = []
    chunks: dict[int, tuple[int, bytes]] = {}
    shifts: list[tuple[int, int, int]] = []
    cursor = out = 0
    for edit in edits:
        if edit.start < cursor:
            return None
        _copy(pieces, shifts, cursor, edit.start, out)
        out += edit.start - cursor
        new = edit.lead + edit.chunk + edit.trail
        if edit.chunk:
            chunks[edit.doc_id] = (out + len(edit.lead), edit.chunk)
        if new:
            pieces.append(new)
        out += len(new)
        cursor = edit.end
    _copy(pieces, shifts, cursor, layout.size, out)
    return Splice(pieces, chunks, shifts)


def _copy(
    pieces: list[Piece], shifts: list[tuple[int, int, int]], start: int, end: int, out: int
) -> None:
    """Copy the old bytes ``[start, end)`` to the new file's offset ``out``."""
    if end > start:
        pieces.append((start, end))
        if out != start:
            shifts.append((start, end, out - start))


def copy_pieces(source: int, target: int, pieces: list[Piece]) -> None:
    """Write ``pieces`` to ``target``: new bytes as they are, ranges copied from ``source``
    inside the kernel where it can (no trip through Python for 250 MB)."""
    for piece in pieces:
        if isinstance(piece, bytes):
            view = memoryview(piece)
            while view:
                view = view[os.write(target, view) :]
            continue
        start, end = piece
        while start < end:
            try:
                copied = os.copy_file_range(source, target, end - start, start)
            except OSError:
                copied = os.write(target, os.pread(source, min(end - start, 1 << 24), start))
            if copied == 0:
                raise OSError(f"the catalog ended at byte {start}, before {end}")
            start += copied
