"""Where each entry lies in a canonical catalog file, found a block at a time."""

from __future__ import annotations

import io

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htcat.nesting import TOO_DEEP, nested_deeper
from htcat.store import layout
from htcat.store.image import dump_json, empty_image
from htcat.store.layout import digest, entry_chunk, scan, scan_bytes

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
entries = st.dictionaries(
    st.integers(1, 10_000),
    st.fixed_dictionaries(
        {"id": texts, "title": texts},
        optional={
            "tags": st.lists(texts, max_size=3),
            "notes": texts,
            "n": st.integers(-(2**63), 2**63 - 1),
        },
    ),
    min_size=1,
    max_size=12,
)


def catalog_bytes(table: dict[int, dict[str, object]], **other: object) -> bytes:
    image = empty_image() | other
    image["entries"] = {str(k): v for k, v in table.items()}
    return dump_json(image)


@settings(max_examples=60, deadline=None)
@given(table=entries, block=st.integers(1, 64), other=st.booleans())
def test_each_entry_is_found_where_a_full_dump_puts_it(
    table: dict[int, dict[str, object]], block: int, other: bool
) -> None:
    raw = catalog_bytes(table, **({"zz": {"1": {"a": [1, {}]}}} if other else {}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "_BLOCK", block)
        found = scan(io.BytesIO(raw).read, {})
        assert found is not None
        for doc_id, entry in table.items():
            start, length = found.spans[doc_id]
            assert raw[start : start + length] == entry_chunk(doc_id, entry)
            assert found.digests[doc_id] == digest(entry_chunk(doc_id, entry))
        assert orjson.loads(found.outside) == orjson.loads(catalog_bytes({})) | (
            {"zz": {"1": {"a": [1, {}]}}} if other else {}
        )
        known = {d: (*span, found.digests[d]) for d, span in found.spans.items()}
        again = scan(io.BytesIO(raw).read, known)
        assert again is not None and again.changed == {} and again.spans == found.spans


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: orjson.dumps(orjson.loads(raw)),  # compact, as TinyDB writes
        lambda raw: raw.replace(b'    "2": {', b'    "02": {'),  # a key htcat never writes
        lambda raw: raw.replace(b'"2": {\n      "id": "b"', b'"0": {\n      "id": "b"'),  # order
        lambda raw: raw.replace(b'    },\n    "2"', b'    }, \n    "2"'),
    ],
)
def test_a_file_not_laid_out_canonically_is_not_scanned(mangle) -> None:
    raw = catalog_bytes({1: {"id": "a", "title": "A"}, 2: {"id": "b", "title": "B"}})
    assert scan_bytes(raw) is not None
    assert scan_bytes(mangle(raw)) is None


@settings(max_examples=60, deadline=None)
@given(table=entries, keep=st.lists(st.booleans(), min_size=12, max_size=12))
def test_entries_in_a_run_of_chunks_are_taken_only_as_a_dump_writes_them(
    table: dict[int, dict[str, object]], keep: list[bool]
) -> None:
    """Any of a file's chunks, in their order (those a pull changed), parse as the entries
    they hold; the same bytes with one space more, or cut short, are refused."""
    found = scan_bytes(catalog_bytes(table))
    assert found is not None
    chosen = [d for d, k in zip(sorted(found.changed, key=str), keep, strict=False) if k]
    chunks = [found.changed[d] for d in chosen]
    assert layout.canonical_entries(chunks) == {str(d): table[d] for d in chosen}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "PARSED_TOGETHER", 2)  # taken a few at a time, as many are
        assert layout.canonical_entries(chunks) == {str(d): table[d] for d in chosen}
    if chunks:
        spaced = chunks[-1].replace(b'": ', b'":  ', 1)
        assert layout.canonical_entries([*chunks[:-1], spaced]) is None
        assert layout.canonical_entries([*chunks[:-1], chunks[-1][:-1]]) is None


@st.composite
def nested_entries(draw: st.DrawFn) -> dict[str, object]:
    """An entry with one field nested about as deep as an entry may go."""
    depth = draw(st.integers(TOO_DEEP - 3, TOO_DEEP + 2))
    value: object = draw(st.sampled_from([[], {}, ["x"], {"k": 1}, "text", 5, None]))
    for _ in range(depth):
        if draw(st.booleans()):
            value = [*draw(st.lists(texts, max_size=1)), value]
        else:
            value = {draw(texts): value}
    field = draw(st.sampled_from(["extra", "notes", "people"]))
    return {"id": "deep", "title": "Deep", field: value}


@settings(max_examples=150, deadline=None)
@given(entry=nested_entries())
def test_an_entrys_indentation_tells_its_nesting_as_walking_it_does(entry: dict[str, object]):
    chunk = entry_chunk(7, entry)
    assert layout.nested_too_deep(chunk) == nested_deeper(entry, TOO_DEEP)
