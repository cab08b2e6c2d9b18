"""Reading a merge's sides: the store's parse, with unchanged entries shared with base."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from helpers import write_catalog
from htcat.errors import CatalogError, NewerSchema
from htcat.sides import read_sides
from htcat.store import SCHEMA_VERSION, change_catalog, parse_image


def three(tmp_path: Path) -> tuple[Path, Path, Path]:
    entries = [{"id": f"e{n}", "title": f"Entry {n}", "tags": ["t"]} for n in range(5)]
    paths = tuple(write_catalog(tmp_path / f"{name}.json", entries) for name in ("b", "o", "t"))
    with change_catalog(paths[1]) as catalog:
        catalog.replace({**catalog.get("e1"), "title": "Changed"})
        catalog.add({"id": "new", "title": "New"})
    return paths[0], paths[1], paths[2]


def as_store_reads(path: Path) -> dict[str, object]:
    return parse_image(path.read_bytes(), path)


def test_sides_in_htcats_layout_share_what_they_did_not_change(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    images = read_sides(base, ours, theirs)
    assert list(images) == [as_store_reads(p) for p in (base, ours, theirs)]
    common, mine, other = (image["entries"] for image in images)
    assert mine["1"] is common["1"] and mine["2"] is not common["2"]
    assert all(other[n] is common[n] for n in common)


def test_sides_in_another_layout_or_an_older_schema_are_read_whole(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    data = orjson.loads(ours.read_bytes())
    ours.write_bytes(orjson.dumps(data))
    theirs.write_bytes(orjson.dumps({"_default": orjson.loads(theirs.read_bytes())["entries"]}))
    images = read_sides(base, ours, theirs)
    assert list(images) == [as_store_reads(p) for p in (base, ours, theirs)]
    assert images[2]["entries"]["3"] is images[0]["entries"]["3"]
    truncated = base.read_bytes().replace(b'\n    },\n    "3"', b'\n    }\n    "3"')
    base.write_bytes(truncated)
    with pytest.raises(CatalogError, match=r"b\.json line"):
        read_sides(base, ours, theirs)


def test_a_side_from_a_newer_htcat_is_refused(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    current = f'"schema": {SCHEMA_VERSION}'.encode()
    theirs.write_bytes(theirs.read_bytes().replace(current, b'"schema": 99'))
    with pytest.raises(NewerSchema, match="schema 99"):
        read_sides(base, ours, theirs)
