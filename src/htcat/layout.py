"""Where each entry's bytes lie in a catalog file of canonical form, and how to splice them.

The canonical form is what `htcat.store.dump_json` writes: two-space indents,
sorted keys, so the entries table's documents follow one another in the
string order of their ids, each as ``    "N": {`` … ``    }``, joined by
``,\\n``. An entry alone, dumped the same way and indented by four spaces,
gives exactly its bytes in the whole file; so a change of a few entries can
copy every other byte from the old file instead of serializing 100,000
entries again.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from htcat.model import Entry

_ENTRY_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_SEPARATOR = b",\n"
_TABLE_START = b'\n  "entries": {\n'
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
    body = orjson.dumps(entry, option=_ENTRY_OPTIONS).replace(b"\n", b"\n    ")
    return b'    "%d": %s' % (doc_id, body)


def entry_of_chunk(chunk: bytes) -> Entry:
    entry: Entry = orjson.loads(chunk[chunk.index(b": ") + 2 :])
    return entry


def spans_of(raw: bytes) -> dict[int, Span] | None:
    """Each entry's span in ``raw``, if its entries table is laid out as a canonical file
    lays it out; None otherwise, or if it has no entries."""
    scanned = scan(raw, {})
    return None if scanned is None else scanned[0]


def scan(
    raw: bytes, known: Mapping[int, tuple[int, int, bytes]]
) -> tuple[dict[int, Span], dict[int, bytes]] | None:
    """Each entry's span in ``raw`` and the digest of its bytes, as `spans_of`.

    ``known`` holds the offset, length and digest of each entry's bytes in an
    earlier version of the file: an entry found with the same bytes needs no search for
    its end. Otherwise, only an entry's own closing brace sits at four spaces,
    so one search from its first line finds its end.
    """
    table = raw.find(_TABLE_START)
    if table < 0:
        return None
    at = table + len(_TABLE_START)
    spans: dict[int, Span] = {}
    digests: dict[int, bytes] = {}
    while True:
        head = _CHUNK_HEAD.match(raw, at)
        if head is None:
            return None
        key = head.group(1)
        doc_id = int(key)
        if (key != b"0" and key.startswith(b"0")) or doc_id in spans:
            return None
        _, length, found = known.get(doc_id, (0, 0, b""))
        if not length or digest(raw[at : at + length]) != found:
            close = raw.find(_CHUNK_END, head.end() - 1)
            if close < 0:
                return None
            length = close + len(_CHUNK_END) - at
            found = digest(raw[at : at + length])
        spans[doc_id], digests[doc_id] = (at, length), found
        end = at + length
        if raw.startswith(_SEPARATOR, end):
            at = end + len(_SEPARATOR)
        elif raw.startswith(_TABLE_END, end):
            return spans, digests
        else:
            return None


def outside_entries(raw: bytes, spans: Mapping[int, Span]) -> bytes | None:
    """The file without its entries (``"entries": {}``), if `spans_of` found them in the
    order of their keys; to check that the rest is canonical too."""
    ordered = sorted(spans.items(), key=lambda item: item[1])
    keys = [str(doc_id) for doc_id, _ in ordered]
    if any(a >= b for a, b in itertools.pairwise(keys)):
        return None
    first, (last_start, last_length) = ordered[0][1][0], ordered[-1][1]
    head, tail = raw[: first - 1], raw[last_start + last_length :]
    if not head.endswith(b"{") or not tail.startswith(_TABLE_END):
        return None
    return head + b"}" + tail[len(_TABLE_END) :]


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
