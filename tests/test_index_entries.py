"""The index keeps no copy of a canonical file's entries, and never takes words back out.

Entries are read where the file holds them, each checked against the digest the
index holds; the words of a changed or removed entry stay in the full-text table,
found by no entry, until there are enough of them to build the index afresh.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers import write_catalog
from htcat import catalog as htcat_catalog
from htcat.catalog import change, get_entry, select_entries
from htcat.index import build, rows
from htcat.index.database import index_path
from htcat.index.entries import NotAsIndexed, entry_at
from htcat.query import Filters, Order
from htcat.store.image import dump_json


@pytest.fixture(autouse=True)
def always_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")


@contextlib.contextmanager
def index(db: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        yield conn


def titles(db: Path, query: str = "") -> list[str]:
    page = select_entries(db, Filters.build(query=query), Order(sort="title"))
    return [e["title"] for e in page.entries]


def meta(db: Path, key: str) -> str | None:
    with index(db) as conn:
        found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if found is None else str(found[0])


def reports(n: int) -> list[dict[str, Any]]:
    return [{"title": f"Report {k}", "summary": "Shelters in Zürich"} for k in range(n)]


def test_a_canonical_files_entries_are_read_where_the_file_holds_them(db: Path):
    write_catalog(db, reports(6))
    assert titles(db, "zurich") == [f"Report {k}" for k in range(6)]
    assert get_entry(db, "report-3")["title"] == "Report 3"
    with index(db) as conn:
        assert conn.execute("SELECT count(*) FROM entries WHERE body IS NULL").fetchone()[0] == 6
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 6


def test_a_file_not_in_canonical_form_keeps_each_body_in_the_index(db: Path):
    write_catalog(db, reports(6))
    db.write_bytes(orjson.dumps(orjson.loads(db.read_bytes())))  # one line, as TinyDB writes
    assert titles(db, "zurich") == [f"Report {k}" for k in range(6)]
    assert get_entry(db, "report-3")["title"] == "Report 3"
    with index(db) as conn:
        assert conn.execute("SELECT count(*) FROM entries WHERE body IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0


def test_an_entry_is_taken_only_with_the_digest_the_index_holds(db: Path):
    write_catalog(db, reports(2))
    titles(db)
    with index(db) as conn:
        start, length, digest = conn.execute(
            "SELECT start, length, digest FROM spans ORDER BY start LIMIT 1"
        ).fetchone()
    with db.open("rb") as file:
        assert entry_at(file, (start, length), digest)["title"] == "Report 0"
        with pytest.raises(NotAsIndexed):
            entry_at(file, (start, length - 1), digest)
        with pytest.raises(NotAsIndexed):
            entry_at(file, (start, length), bytes(len(digest)))


@pytest.mark.parametrize("ask", ["select", "get"])
def test_a_file_changed_after_the_index_proved_it_is_read_whole(
    db: Path, monkeypatch: pytest.MonkeyPatch, ask: str
):
    """Between the proof and the reading another tool rewrites the file in place: the
    entries the index points at are not the ones it took in, and the file is read whole."""
    write_catalog(db, reports(4))
    titles(db)
    real = htcat_catalog.open_index

    def then_rewritten(path: Path, *args: Any) -> sqlite3.Connection | None:
        conn = real(path, *args)
        with path.open("r+b") as file:  # the same length: only the bytes tell
            file.write(path.read_bytes().replace(b"Report 2", b"Rapport2"))
        return conn

    monkeypatch.setattr(htcat_catalog, "open_index", then_rewritten)
    if ask == "select":
        assert titles(db) == ["Rapport2", "Report 0", "Report 1", "Report 3"]
    else:
        assert get_entry(db, "report-2")["title"] == "Rapport2"


def test_a_changed_entrys_words_go_in_under_a_rowid_never_used_before(db: Path):
    write_catalog(db, reports(8))
    titles(db)
    assert (meta(db, "words_next"), meta(db, "garbage")) == ("9", "0")
    for summary in ("Clinics in Genève", "Hotlines in Basel"):
        with change(db) as catalog:
            catalog.replace({**catalog.get("report-1"), "summary": summary})
    assert titles(db, "zurich") == [f"Report {k}" for k in (0, *range(2, 8))]
    assert titles(db, "geneve") == []
    assert titles(db, "basel") == ["Report 1"]
    assert (meta(db, "words_next"), meta(db, "garbage")) == ("11", "2")
    with index(db) as conn:
        rowids = [r[0] for r in conn.execute("SELECT words_rowid FROM entries ORDER BY doc_id")]
    assert rowids == [1, 10, 3, 4, 5, 6, 7, 8]


def test_words_no_entry_holds_are_dropped_with_a_fresh_build_past_a_quarter(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(rows, "GARBAGE_ALWAYS", 0)
    write_catalog(db, reports(8))  # a quarter of 8: 2 dropped entries' words are kept
    titles(db)
    inode = index_path(db).stat().st_ino
    for k in (1, 2):
        with change(db) as catalog:
            catalog.replace({**catalog.get(f"report-{k}"), "summary": "Clinics in Genève"})
    titles(db)
    assert (index_path(db).stat().st_ino, meta(db, "garbage")) == (inode, "2")
    with change(db) as catalog:
        catalog.remove_many(["report-3"])
    assert meta(db, "version") is None  # left for the next reader to build afresh
    assert titles(db, "geneve") == ["Report 1", "Report 2"]
    assert index_path(db).stat().st_ino != inode
    assert meta(db, "garbage") == "0"


def test_an_outside_change_counts_the_words_it_leaves_behind(db: Path):
    write_catalog(db, reports(8))
    titles(db)
    image = orjson.loads(db.read_bytes())
    image["entries"]["1"]["summary"] = "Clinics in Genève"
    del image["entries"]["2"]
    db.write_bytes(dump_json(image))
    assert titles(db, "zurich") == [f"Report {k}" for k in range(2, 8)]
    assert titles(db, "geneve") == ["Report 0"]
    assert meta(db, "garbage") == "2"


def test_entries_changed_together_take_rowids_of_their_own(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(rows, "BATCH", 2)  # the change goes in three batches
    write_catalog(db, reports(8))
    titles(db)
    with change(db) as catalog:
        for k in range(5):
            catalog.replace({**catalog.get(f"report-{k}"), "summary": f"Clinics in Genève {k}"})
    with index(db) as conn:
        rowids = [r[0] for r in conn.execute("SELECT words_rowid FROM entries ORDER BY doc_id")]
    assert rowids == [9, 10, 11, 12, 13, 6, 7, 8]
    assert titles(db, "geneve 3") == ["Report 3"]


def test_an_entry_whose_place_the_index_lost_is_read_from_the_whole_file(db: Path):
    write_catalog(db, reports(4))
    titles(db)
    with index(db) as conn:
        conn.execute("DELETE FROM spans WHERE doc_id = 3")
        conn.commit()
    assert titles(db) == [f"Report {k}" for k in range(4)]
    assert get_entry(db, "report-2")["title"] == "Report 2"


def test_a_fresh_builds_words_are_whole_whichever_side_takes_each_batch(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    """The full-text process reads some batches from the file and is sent the others'
    searched text: a search finds every entry either way."""
    batches = [{**r, "summary": f"Zürich, batch {k // 2}"} for k, r in enumerate(reports(7))]
    write_catalog(db, batches)
    index_path(db).unlink(missing_ok=True)
    monkeypatch.setattr(build, "BATCH", 2)
    assert titles(db, "zurich") == [f"Report {k}" for k in range(7)]
    for k in range(4):
        found = [f"Report {n}" for n in range(2 * k, min(2 * k + 2, 7))]
        assert titles(db, f'"batch {k}"') == found
