"""Reading the three sides of a merge without holding three whole catalogs at once.

htcat writes a catalog in one layout (two-space indents, sorted keys, see
`htcat.store.dump_json`), so each entry of the entries table is the run of
lines from ``    "N": {`` to the next ``    }``: JSON text holds no raw
newline, and every line inside an entry is indented deeper. An entry whose
bytes on a side are the bytes base has under the same number is base's entry,
so it is never parsed and never held twice: a side costs what it changed. A
side in any other layout, or at another schema, is read whole by the store.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from htcat.errors import CatalogError
from htcat.merge import shared_with
from htcat.store import ENTRIES_TABLE, META_TABLE, SCHEMA_VERSION, Image, empty_image, parse_image

_TABLE_START = b'\n  "entries": {\n'
_TABLE_END = b"\n  }"
_ENTRY_KEY = re.compile(rb'    "(\d+)": \{\n')
_ENTRY_END = b"\n    }"


class _Layout:
    """Where a file in htcat's layout keeps its entries, or None when it is not in it."""

    def __init__(self, raw: bytes) -> None:
        self.entries: dict[str, memoryview] = {}
        self.rest = b""
        start = raw.find(_TABLE_START)
        if start < 0:
            return
        view = memoryview(raw)
        pos = start + len(_TABLE_START)
        while True:
            key = _ENTRY_KEY.match(raw, pos)
            if key is None:
                self.entries = {}
                return
            body = key.end() - 2
            end = raw.find(_ENTRY_END, body) + len(_ENTRY_END)
            if end < len(_ENTRY_END):
                self.entries = {}
                return
            self.entries[key[1].decode()] = view[body:end]
            if raw.startswith(b",\n", end):
                pos = end + 2
            elif raw.startswith(_TABLE_END, end):
                break
            else:
                self.entries = {}
                return
        self.rest = raw[:start] + b'\n  "entries": {}' + raw[end + len(_TABLE_END) :]

    @property
    def current(self) -> bool:
        """In the layout, at this htcat's schema (an older one must go through migration)."""
        if not self.entries:
            return False
        try:
            meta = orjson.loads(self.rest).get(META_TABLE, {}).get("1", {})
        except (orjson.JSONDecodeError, AttributeError):
            return False
        return isinstance(meta, dict) and meta.get("schema") == SCHEMA_VERSION


def catalog_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror}") from exc


def _parsed(raw: bytes, path: Path) -> Image:
    """A whole side, each entry's shape left for the merged result to check."""
    return parse_image(raw, path, checked=True) if raw.strip() else empty_image()


def _side(raw: bytes, path: Path, base: Image, base_layout: _Layout) -> Image:
    layout = _Layout(raw)
    if not (layout.current and base_layout.current):
        return shared_with(base, _parsed(raw, path))
    image = parse_image(layout.rest, path, checked=True)
    known, theirs = base[ENTRIES_TABLE], base_layout.entries
    entries = {}
    try:
        for number, text in layout.entries.items():
            same = theirs.get(number)
            entries[number] = known[number] if same == text else orjson.loads(text)
    except orjson.JSONDecodeError:
        return _parsed(raw, path)
    image[ENTRIES_TABLE] = entries
    return image


def read_sides(base: Path, ours: Path, theirs: Path) -> tuple[Image, Image, Image]:
    """The three catalogs of a merge, parsed by the store (older schemas migrated, newer
    refused), the entries a side did not change shared with base's."""
    base_raw = catalog_bytes(base)
    common = _parsed(base_raw, base)
    layout = _Layout(base_raw)
    sides = [_side(catalog_bytes(path), path, common, layout) for path in (ours, theirs)]
    return common, sides[0], sides[1]
