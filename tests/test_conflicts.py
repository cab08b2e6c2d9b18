"""Conflicts recorded in a catalog and settled one by one."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from helpers import entries_in, write_catalog
from htcat.conflicts import conflicts_in, find_conflict, settle, with_conflicts
from htcat.errors import InputError
from htcat.store.file import change_catalog, read_catalog
from htcat.store.image import dump_json


def pending(db: Path) -> Path:
    write_catalog(db, [{"id": "alpha-report", "title": "Ours", "summary": "o"}])
    image = read_catalog(db).image
    with_conflicts(
        image,
        [
            {"id": "alpha-report", "field": "title", "base": "B", "ours": "Ours", "theirs": "T"},
            {"id": "alpha-report", "field": "summary", "base": "", "ours": "o", "theirs": "t"},
        ],
    )
    db.write_bytes(dump_json(image))
    return db


def test_a_prefix_names_the_conflicted_entry_and_a_wrong_field_lists_the_open_ones(
    db: Path,
) -> None:
    image = read_catalog(pending(db)).image
    assert find_conflict(image, "alpha", "title")["theirs"] == "T"
    with pytest.raises(InputError, match="no conflict on field 'tags'; open: title, summary"):
        find_conflict(image, "alpha", "tags")
    with pytest.raises(InputError, match="no merge conflict on entry 'beta'"):
        find_conflict(image, "beta", None)


def test_settling_the_last_conflict_drops_the_table(db: Path) -> None:
    pending(db)
    with change_catalog(db) as catalog:
        settle(catalog, "alpha", "title", "T")
    assert [c["field"] for c in conflicts_in(read_catalog(db).image)] == ["summary"]
    with change_catalog(db) as catalog:
        settle(catalog, "alpha-report", "summary", "o")
    assert "conflicts" not in orjson.loads(db.read_bytes())
    assert entries_in(db)["alpha-report"]["title"] == "T"
