"""Reading the three sides of a merge without holding three whole catalogs at once.

htcat writes a catalog in one layout (see `htcat.layout`), in which each entry
of the entries table is a run of bytes of its own. An entry whose bytes on a
side are the bytes base has under the same number is base's entry, so it is
never parsed and never held twice: a side costs what it changed. A side in
any other layout, or at another schema, is read whole by the store.
"""

from __future__ import annotations

import io
from pathlib import Path

import orjson

from htcat.errors import CatalogError
from htcat.layout import Scan, entry_of_chunk, scan
from htcat.merge import shared_with
from htcat.store import ENTRIES_TABLE, META_TABLE, SCHEMA_VERSION, Image, empty_image, parse_image

Known = dict[int, tuple[int, int, bytes]]
"""Each base entry's offset, length and digest, for a scan of a side to match."""


def current(outside: bytes) -> bool:
    """A file without its entries at this htcat's schema (an older one must go through
    migration)."""
    try:
        meta = orjson.loads(outside).get(META_TABLE, {}).get("1", {})
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return isinstance(meta, dict) and meta.get("schema") == SCHEMA_VERSION


def _ignore(doc_id: int, chunk: bytes) -> None:
    """A scan's ``seen`` that keeps no bytes: base's entries are parsed whole already."""


def _known(raw: bytes) -> Known | None:
    """What a side's scan needs of base, or None when base is not in the layout at this schema."""
    scanned = scan(io.BytesIO(raw).read, {}, _ignore)
    if scanned is None or not current(scanned.outside):
        return None
    return {n: (*scanned.spans[n], scanned.digests[n]) for n in scanned.spans}


def catalog_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror}") from exc


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
