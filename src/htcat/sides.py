"""Merging the three sides of a merge without holding three whole catalogs at once.

htcat writes a catalog in one layout (see `htcat.store.layout`), in which each entry
of the entries table is a run of bytes of its own. An entry whose bytes on a
side are the bytes base has under the same number is base's entry, so it is
never parsed twice, and when all three files are in the layout it is not even
held: its bytes are copied from base into the result, and a merge costs what
the sides changed. A side in any other layout, or at another schema, is read
whole by the store.
"""

from __future__ import annotations

import heapq
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from htcat.conflicts import conflicts_in
from htcat.merge import merge_images, refuse_unusable, shared_with
from htcat.model import Entry, shape_problem
from htcat.store.file import catalog_bytes
from htcat.store.fs import write_file_atomically
from htcat.store.image import (
    ENTRIES_TABLE,
    META_TABLE,
    SCHEMA_VERSION,
    Image,
    dump_json,
    empty_image,
    parse_image,
)
from htcat.store.layout import Piece, Scan, copy_pieces, entry_chunk, entry_of_chunk, scan

Known = dict[int, tuple[int, int, bytes]]
"""Each base entry's offset, length and digest, for a scan of a side to match."""


def current(outside: bytes) -> bool:
    """A file without its entries, as htcat writes it and at this htcat's schema: in any
    other form the table the scan found might not be the catalog's entries (an older
    schema must go through migration)."""
    try:
        data = orjson.loads(outside)
    except orjson.JSONDecodeError:
        return False
    meta = data.get(META_TABLE, {}).get("1") if isinstance(data, dict) else None
    if not (isinstance(meta, dict) and meta.get("schema") == SCHEMA_VERSION):
        return False
    return dump_json(data) == outside


def _ignore(doc_id: int, start: int, chunk: bytes) -> None:
    """A scan's ``seen`` that keeps no bytes: base's entries are parsed whole already."""


def _known(raw: bytes) -> Known | None:
    """What a side's scan needs of base, or None when base is not in the layout at this schema."""
    scanned = scan(io.BytesIO(raw).read, {}, _ignore)
    if scanned is None or not current(scanned.outside):
        return None
    return {n: (*scanned.spans[n], scanned.digests[n]) for n in scanned.spans}


def _parsed(raw: bytes, path: Path) -> Image:
    """A whole side, each entry's shape left for the merged result to check."""
    return parse_image(raw, path, checked=True) if raw.strip() else empty_image()


def _side(raw: bytes, path: Path, base: Image, known: Known | None) -> Image:
    scanned: Scan | None = None
    if known is not None:
        scanned = scan(io.BytesIO(raw).read, known)
    if scanned is None or not current(scanned.outside):
        return shared_with(base, _parsed(raw, path))
    image = parse_image(scanned.outside, path, checked=True)
    common = base[ENTRIES_TABLE]
    entries = {}
    try:
        for number in scanned.spans:
            chunk = scanned.changed.get(number)
            entries[str(number)] = common[str(number)] if chunk is None else entry_of_chunk(chunk)
    except orjson.JSONDecodeError:
        return _parsed(raw, path)
    image[ENTRIES_TABLE] = entries
    return image


def read_sides(base: Path, ours: Path, theirs: Path) -> tuple[Image, Image, Image]:
    """The three catalogs of a merge, parsed by the store (older schemas migrated, newer
    refused), the entries a side did not change shared with base's."""
    base_raw = catalog_bytes(base)
    common = _parsed(base_raw, base)
    known = _known(base_raw)
    sides = [_side(catalog_bytes(path), path, common, known) for path in (ours, theirs)]
    return common, sides[0], sides[1]


@dataclass(frozen=True)
class Outcome:
    """What a merge recorded: every open conflict, and how many of them it found itself."""

    recorded: int
    found: int


def merge_files(base: Path, ours: Path, theirs: Path, where: str) -> Outcome:
    """Merge three catalog files into ``ours``, as `merge_images` merges them.

    When all three are in htcat's layout at this schema, only the entries a side
    changed are parsed and merged, and every other entry's bytes are copied from
    base: memory stays that of a few changed entries at any size. Otherwise, or
    when an entry's id is met at another number too, the three are read whole.
    """
    try:
        return _merge_changed(base, ours, theirs, where)
    except (_Unfit, OSError):
        pass
    merged = merge_images(*read_sides(base, ours, theirs))
    refuse_unusable(merged.image, where)
    write_file_atomically(ours, dump_json(merged.image), what="catalog")
    return Outcome(len(conflicts_in(merged.image)), len(merged.conflicts))


class _Unfit(Exception):
    """A file the fast merge cannot vouch for: the whole-catalog merge decides instead."""


def _scan_base(file: BinaryIO, path: Path) -> tuple[Known, dict[int, int], Image]:
    """Base's entries as a side's scan matches them, its other tables, and the number of
    each id, known by its hash: 100,000 ids held as text would cost more than all the
    rest, and two ids of one hash only send the merge the whole way."""
    ids: dict[int, int] = {}

    def seen(doc_id: int, start: int, chunk: bytes) -> None:
        ident = hash(_entry(doc_id, chunk)["id"])
        if ident in ids:
            raise _Unfit
        ids[ident] = doc_id

    found = _scanned(file, {}, seen)
    known = {n: (*span, found.digests[n]) for n, span in found.spans.items()}
    return known, ids, _outside(found, path)


def _merge_changed(base: Path, ours: Path, theirs: Path, where: str) -> Outcome:
    """`merge_files` of three files in htcat's layout, parsing only what a side changed."""
    with open(base, "rb") as base_file:
        known, ids, base_image = _scan_base(base_file, base)
        sides: list[tuple[Image, dict[int, bytes], set[int]]] = []
        for path in (ours, theirs):
            with open(path, "rb") as file:
                found = _scanned(file, known)
            sides.append((_outside(found, path), found.changed, known.keys() - found.spans.keys()))
            del found
        touched = sorted(set().union(*(c.keys() | r for _, c, r in sides)), key=str)
        common: dict[str, Entry] = {}
        for number in touched:
            if number in known:
                start, length, _ = known[number]
                common[str(number)] = entry_of_chunk(os.pread(base_file.fileno(), length, start))
        base_image[ENTRIES_TABLE] = common
        images = [base_image]
        for image, changed, removed in sides:
            entries: dict[str, Entry] = {}
            for number in touched:
                if number in changed:
                    entries[str(number)] = _entry(number, changed.pop(number))
                elif number in known and number not in removed:
                    entries[str(number)] = common[str(number)]
            image[ENTRIES_TABLE] = entries
            images.append(image)
        held = set(touched)
        for image in images:
            for entry in image[ENTRIES_TABLE].values():
                at = ids.get(hash(entry["id"]))
                if at is not None and at not in held:
                    raise _Unfit
        del ids, common, sides
        untouched = [n for n in known if n not in held]
        merged = merge_images(images[0], images[1], images[2], max(untouched, default=0))
        del images
        refuse_unusable(merged.image, where)
        new = {int(n): entry for n, entry in merged.image[ENTRIES_TABLE].items()}
        merged.image[ENTRIES_TABLE] = {}
        order = heapq.merge(untouched, sorted(new, key=str), key=str)
        pieces = _pieces(dump_json(merged.image), order, new, known)

        def fill(fd: int) -> None:
            copy_pieces(base_file.fileno(), fd, pieces)

        write_file_atomically(ours, fill, what="catalog")
    return Outcome(len(conflicts_in(merged.image)), len(merged.conflicts))


def _pieces(
    outside: bytes, order: Iterable[int], new: dict[int, Entry], known: Known
) -> list[Piece]:
    """The merged file: the entries table of ``outside`` filled with the entries of
    ``order``, each new one as htcat writes it, every other copied from base, runs of
    neighbours in one piece."""
    head, _, tail = outside.partition(b'\n  "entries": {}')
    pieces: list[Piece] = []
    text = bytearray(head + b'\n  "entries": {\n')
    run: tuple[int, int] | None = None
    index = -1
    for index, number in enumerate(order):
        separator = b",\n" if index else b""
        entry = new.get(number)
        if entry is not None:
            if run is not None:
                pieces.append(run)
                run = None
            text += separator + entry_chunk(number, entry)
            continue
        start, length, _ = known[number]
        if run is not None and run[1] + len(separator) == start:
            run = (run[0], start + length)
            continue
        if run is not None:
            pieces.append(run)
        text += separator
        pieces.append(bytes(text))
        text.clear()
        run = (start, start + length)
    if index < 0:
        return [outside]
    if run is not None:
        pieces.append(run)
    pieces.append(bytes(text) + b"\n  }" + tail)
    return pieces


def _entry(doc_id: int, chunk: bytes) -> Entry:
    """The entry of a chunk whose bytes are exactly what htcat writes for it, fit to merge."""
    try:
        entry = entry_of_chunk(chunk)
    except orjson.JSONDecodeError:
        raise _Unfit from None
    if type(entry) is not dict or shape_problem(entry) or entry_chunk(doc_id, entry) != chunk:
        raise _Unfit
    return entry


def _scanned(
    file: BinaryIO, known: Known, seen: Callable[[int, int, bytes], None] | None = None
) -> Scan:
    found = scan(file.read, known, seen)
    if found is None:
        raise _Unfit
    return found


def _outside(found: Scan, path: Path) -> Image:
    """The tables besides the entries, from a file laid out as htcat writes it."""
    if not current(found.outside):
        raise _Unfit
    return parse_image(found.outside, path, checked=True)
