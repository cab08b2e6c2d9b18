"""Every importable format gives back the entries it was written from (property tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htcat.formats import read_rows, write_entries
from htcat.model import LINK_KINDS, ROLES, STATUSES, TYPES, validate_entry

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
TRICKY = ";|\\'\"=+-@,\u00e9\u4e2d\U0001f6a8 "
IMPORT_FORMATS = ("csv", "json", "jsonl")

line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(TRICKY),
    max_size=25,
)
word = line.filter(lambda s: s.strip() != "")
paragraphs = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(TRICKY + "\n\t"),
    max_size=80,
)
url = st.builds(
    "https://{}.example/{}".format,
    st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9;|,'=@+%._~!$&*()\-]{0,20}", fullmatch=True),
)
date = st.one_of(
    st.just(""),
    st.integers(1900, 2100).map(str),
    st.builds(
        "{}-{:02d}-{:02d}".format, st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 28)
    ),
)
link = st.fixed_dictionaries(
    {"url": url, "label": line, "kind": st.sampled_from(LINK_KINDS)},
    optional={"check": st.fixed_dictionaries({"outcome": st.sampled_from(["ok", "broken"])})},
)
person = st.one_of(
    st.fixed_dictionaries(
        {
            "family": word.filter(lambda w: "," not in w),
            "given": line,
            "role": st.sampled_from(ROLES),
            "affiliation": line,
        }
    ),
    st.fixed_dictionaries({"literal": word, "role": st.sampled_from(ROLES), "affiliation": line}),
)
entry = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True),
        "title": word,
        "type": st.sampled_from(TYPES),
        "summary": paragraphs,
        "date": date,
        "publisher": line,
        "status": st.sampled_from(STATUSES),
        "notes": paragraphs,
        "people": st.lists(person, max_size=3),
        "audiences": st.lists(word, max_size=3),
        "tags": st.lists(word, max_size=4),
        "links": st.lists(link, max_size=3),
    },
    optional={"legacy_id": word},
).map(validate_entry)


def without_checks(e: dict[str, Any]) -> dict[str, Any]:
    return {**e, "links": [{**link, "check": None} for link in e["links"]]}


def read_back(entries: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    data = write_entries(entries, fmt, include_internal=True)
    rows = read_rows(data, fmt, source=f"out.{fmt}", keep_unknown=True)
    assert not [r for r in rows if r.problems]
    return [validate_entry(r.data, where=r.where) for r in rows]


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(entry, max_size=4))
def test_any_entries_round_trip(fmt: str, entries: list[dict[str, Any]]):
    expected = [without_checks(e) for e in entries] if fmt == "csv" else entries
    assert read_back(entries, fmt) == expected


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_the_shipped_catalog_round_trips(fmt: str):
    table = orjson.loads(SHIPPED.read_bytes())["entries"]
    entries = [validate_entry(e) for e in table.values()]
    expected = [without_checks(e) for e in entries] if fmt == "csv" else entries
    assert entries and read_back(entries, fmt) == expected
