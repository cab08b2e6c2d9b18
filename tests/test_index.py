"""The derived SQLite index: rebuilt when stale or damaged, never trusted over the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write_catalog

from htcat.index import get_entry, index_path, select_entries, tag_counts
from htcat.query import Filters, Order
from htcat.store import change_catalog


@pytest.fixture(autouse=True)
def always_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")


def titles(db: Path, **filters: object) -> list[str]:
    page = select_entries(db, Filters.build(**filters), Order(sort="title"))  # type: ignore[arg-type]
    return [e["title"] for e in page.entries]


def test_index_follows_a_hand_edit_of_the_file(db: Path):
    write_catalog(db, [{"title": "Forced labor in fishing", "tags": ["fishing"]}])
    assert titles(db, query="fishing") == ["Forced labor in fishing"]
    assert index_path(db).exists()
    text = db.read_text().replace("Forced labor in fishing", "Child labor in mining")
    db.write_text(text)
    assert titles(db, query="fishing") == ["Child labor in mining"]  # the tag still says fishing
    assert titles(db, query="mining") == ["Child labor in mining"]


def test_htcats_own_writes_update_the_index_in_place(db: Path):
    write_catalog(db, [{"title": "Alpha report"}, {"title": "Beta report"}])
    assert titles(db, query="report") == ["Alpha report", "Beta report"]
    with change_catalog(db) as catalog:
        catalog.replace({**catalog.get("alpha-report"), "tags": ["new-tag"]})
        catalog.remove_many(["beta-report"])
        catalog.add({"title": "Gamma report", "tags": ["new-tag"]})
    assert titles(db, tags=["new-tag"]) == ["Alpha report", "Gamma report"]
    assert dict(tag_counts(db)) == {"new-tag": 2}
    assert get_entry(db, "gamma")["title"] == "Gamma report"


def test_a_damaged_index_is_rebuilt_and_abandoned_builds_are_removed(db: Path):
    write_catalog(db, [{"title": "Médicaid outreach"}])
    titles(db)
    index_path(db).write_bytes(b"not a database at all" * 100)
    abandoned = index_path(db).with_name(f"{index_path(db).name}.999999999.tmp")
    abandoned.write_bytes(b"half built")
    assert titles(db, query="medicaid") == ["Médicaid outreach"]
    assert not abandoned.exists()


def test_deleting_the_index_is_safe(db: Path):
    write_catalog(db, [{"title": "Safe to delete"}])
    titles(db)
    os.unlink(index_path(db))
    assert titles(db, query="delete") == ["Safe to delete"]
