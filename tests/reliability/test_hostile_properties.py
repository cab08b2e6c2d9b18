"""Hypothesis against the core: any input gives a clean htcat error or a correct result.

In-process, so thousands of inputs run in seconds; the hand-written corpus
(test_hostile_input.py) runs the real CLI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from htcat.catalog import select_entries
from htcat.errors import InputError, InvalidEntry
from htcat.filters import select
from htcat.formats import read_rows
from htcat.query import Filters, Order
from htcat.store.file import read_catalog
from htcat.store.image import dump_json
from htcat.transfer import import_data

from .harness import make_catalog, synthetic_entries

FIELDS = ["id", "title", "type", "summary", "date", "publisher", "status", "notes", "tags",
          "links", "people", "audiences", "created", "updated", "check", "url"]  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
rows = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _no_big_ints(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(_no_big_ints(v) for v in value)
    if isinstance(value, dict):
        return all(_no_big_ints(v) for v in value.values())
    return True


@pytest.mark.slow
@SETTINGS
@given(raw=rows)
def test_validation_refuses_cleanly_or_gives_an_entry_that_can_be_stored(
    raw: dict[str, Any],
) -> None:
    from htcat.model import validate_entry

    try:
        entry = validate_entry(raw)
    except InvalidEntry as exc:
        assert exc.problems and str(exc)
        return
    assert validate_entry(entry) == entry
    if _no_big_ints(entry):
        assert json.loads(dump_json({"entries": {"1": entry}}))["entries"]["1"] == json.loads(
            json.dumps(entry)
        )


@SETTINGS
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_any_bytes_read_as_rows_or_refused_as_input(fmt: str, data: bytes) -> None:
    try:
        read_rows(data, fmt, keep_unknown=True)
    except InputError as exc:
        assert str(exc)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return make_catalog(
        tmp_path / "catalog.json", synthetic_entries(5, __import__("random").Random(2))
    )


@pytest.mark.slow
@SETTINGS
@given(batch=st.lists(rows, min_size=1, max_size=4))
def test_an_import_of_anything_is_all_or_nothing(
    catalog: Path, batch: list[dict[str, Any]]
) -> None:
    before = catalog.read_bytes()
    data = "\n".join(json.dumps(r) for r in batch).encode()
    try:
        plan = import_data(catalog, data, "jsonl", on_conflict="skip", keep_unknown=True)
    except InputError:
        assert catalog.read_bytes() == before
        return
    after = read_catalog(catalog).entries()
    added = plan.counts["add"]
    assert len(after) == 5 + added
    # the catalog holds the rows' entries, and a new write of it changes nothing
    assert catalog.read_bytes() == dump_json(read_catalog(catalog).image)
    catalog.write_bytes(before)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import random

    entries = synthetic_entries(120, random.Random(4))
    entries[0]["title"] = "Café Straße naïve ǅemal İstanbul ﬁnance Ⅻ ½ ²"
    entries[1]["summary"] = "北京 trafficking مرحبا Ελληνικά"
    yield make_catalog(tmp_path_factory.mktemp("indexed") / "catalog.json", entries)


@SETTINGS
@example(query="straße", tags=[])
@example(query="STRASSE", tags=[])
@example(query="naive", tags=[])
@example(query="ⅻ", tags=[])
@example(query="½", tags=[])
@example(query="²", tags=[])
@example(query="ﬁnance", tags=[])
@example(query="finance", tags=[])
@example(query="İstanbul", tags=[])
@example(query="istanbul", tags=[])
@example(query="北京", tags=[])
@example(query="ǅemal", tags=[])
@example(query="dzemal", tags=[])
@example(query='"trafficking مرحبا', tags=[])
@example(query="ελληνικά", tags=[])
@given(
    query=st.text(max_size=30),
    tags=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=10), max_size=2),
)
@pytest.mark.slow
def test_the_index_and_the_file_select_the_same_entries(
    indexed: Path, query: str, tags: list[str]
) -> None:
    """Any query and tags: the SQLite path and the in-memory path agree, or both refuse."""
    try:
        filters = Filters.build(query=query, tags=tags)
    except InputError:
        return
    order = Order(sort="title")
    in_memory = [e["id"] for e in select(read_catalog(indexed).entries(), filters, order).entries]
    saved = os.environ.get("HTCAT_INDEX_MIN_BYTES")
    os.environ["HTCAT_INDEX_MIN_BYTES"] = "0"
    try:
        through_index = [e["id"] for e in select_entries(indexed, filters, order).entries]
    finally:
        if saved is None:
            del os.environ["HTCAT_INDEX_MIN_BYTES"]
        else:
            os.environ["HTCAT_INDEX_MIN_BYTES"] = saved
    assert through_index == in_memory, filters
