"""Reading a merge's sides: the store's parse, with unchanged entries shared with base;
merging files in htcat's layout by their changed entries alone, to the same bytes."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import OLD, write_catalog
from htcat import sides
from htcat.conflicts import conflicts_in
from htcat.errors import CatalogError, InputError, NewerSchema
from htcat.merge import merge_images
from htcat.sides import merge_files, read_sides
from htcat.store.file import change_catalog
from htcat.store.image import SCHEMA_VERSION, Image, dump_json, empty_image, parse_image
from htcat.store.layout import entry_chunk


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


Change = tuple[str, int, str]
"""What a side does: ``edit``, ``tag``, ``remove`` the entry at an index, or ``add`` one."""

changes = st.lists(
    st.tuples(
        st.sampled_from(["edit", "tag", "remove", "add"]),
        st.integers(0, 11),
        st.sampled_from(["a", "b", "c"]),
    ),
    max_size=6,
)


def image_with(entries: dict[int, dict[str, Any]]) -> Image:
    image = empty_image()
    image["entries"] = {str(n): e for n, e in entries.items()}
    return image


def changed(base: dict[int, dict[str, Any]], side: list[Change], name: str) -> Image:
    entries = copy.deepcopy(base)
    for what, index, value in side:
        numbers = sorted(entries)
        if what == "add":
            ident = f"new-{value}-{index % 2}"
            if all(e["id"] != ident for e in entries.values()):
                free = [n for n in range(1, 40) if n not in entries]
                entries[free[index % len(free)]] = {"id": ident, "title": f"{name} {value}"}
            continue
        if not numbers:
            continue
        number = numbers[index % len(numbers)]
        if what == "remove":
            del entries[number]
        elif what == "edit":
            entries[number] = {**entries[number], "title": f"{name} {value}", "updated": name}
        else:
            entries[number]["tags"] = sorted({*entries[number].get("tags", []), value})
    return image_with(entries)


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.sets(st.integers(1, 30), max_size=10),
    ours=changes,
    theirs=changes,
    earlier=st.booleans(),
)
def test_a_merge_of_changed_entries_alone_writes_the_whole_merges_bytes(
    numbers: set[int], ours: list[Change], theirs: list[Change], earlier: bool
) -> None:
    base = {
        n: {"id": f"e{n}", "title": f"Entry {n}", "created": OLD, "updated": OLD, "tags": ["t"]}
        for n in sorted(numbers)
    }
    images = [image_with(base), changed(base, ours, "ours"), changed(base, theirs, "theirs")]
    if earlier:
        conflict = {"id": "e1", "field": "title", "base": "a", "ours": "b", "theirs": "c"}
        images[1]["conflicts"] = {"1": conflict}
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, f"{name}.json") for name in ("base", "ours", "theirs")]
        for path, image in zip(paths, images, strict=True):
            path.write_bytes(dump_json(image))
        whole = merge_images(*read_sides(*paths))
        with pytest.MonkeyPatch.context() as patch:
            if all(image["entries"] for image in images):
                patch.setattr(sides, "read_sides", whole_read_refused)
            outcome = merge_files(*paths, "catalog.json")
        assert paths[1].read_bytes() == dump_json(whole.image)
        assert outcome == sides.Outcome(len(conflicts_in(whole.image)), len(whole.conflicts))


def whole_read_refused(*paths: Path) -> None:
    raise AssertionError("the three files were read whole")


def test_an_id_also_met_at_an_untouched_number_is_merged_whole(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    data = orjson.loads(ours.read_bytes())
    data["entries"]["9"] = {**data["entries"]["3"], "title": "Again"}
    ours.write_bytes(dump_json(data))
    with pytest.raises(InputError, match="ours: entry id 'e2' is used twice"):
        merge_files(base, ours, theirs, "catalog.json")


def test_sides_in_another_layout_are_merged_whole_to_the_same_bytes(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    expected = dump_json(merge_images(*read_sides(base, ours, theirs)).image)
    theirs.write_bytes(orjson.dumps(orjson.loads(theirs.read_bytes())))
    merge_files(base, ours, theirs, "catalog.json")
    assert ours.read_bytes() == expected


def test_an_entries_table_hidden_in_another_table_is_merged_whole(tmp_path: Path) -> None:
    base, ours, theirs = three(tmp_path)
    first = entry_chunk(1, orjson.loads(base.read_bytes())["entries"]["1"])
    meta = f'{{"_meta":{{"1":{{"schema":{SCHEMA_VERSION}}}}},"entries":{{}},'.encode()
    ours.write_bytes(meta + b'"x":{"1":{"a":1,\n  "entries": {\n' + first + b"\n  }}}}\n")
    assert read_sides(base, ours, theirs)[1] == as_store_reads(ours)
    expected = dump_json(merge_images(*(as_store_reads(p) for p in (base, ours, theirs))).image)
    merge_files(base, ours, theirs, "catalog.json")
    assert ours.read_bytes() == expected
