"""The derived SQLite index: rebuilt when stale or damaged, never trusted over the file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers import write_catalog
from htcat.catalog import change as change_catalog
from htcat.catalog import get_entry, select_entries, tag_counts
from htcat.catalog import read as read_catalog
from htcat.errors import CatalogError
from htcat.fulltext import WordsBuilder
from htcat.index import build, freshness
from htcat.index.database import index_path
from htcat.model import Entry
from htcat.nesting import TOO_DEEP
from htcat.query import Filters, Order
from htcat.store import image as store_image
from htcat.store import layout
from htcat.store.image import dump_json


@pytest.fixture(autouse=True)
def always_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")


def build_files(db: Path, pid: int) -> list[Path]:
    """The files a builder with this pid works in beside the index."""
    return [
        index_path(db).with_name(f"{index_path(db).name}.{pid}.{p}") for p in ("build", "words")
    ]


def titles(db: Path, **filters: object) -> list[str]:
    page = select_entries(db, Filters.build(**filters), Order(sort="title"))  # type: ignore[arg-type]
    return [e["title"] for e in page.entries]


def test_an_id_two_entries_hold_is_refused_by_the_index_too(db: Path):
    """A hand edit gives two entries one id: neither a lookup nor a change may pick one."""
    write_catalog(db, [{"title": "First"}, {"title": "Second"}, {"title": "Third"}])
    data = orjson.loads(db.read_bytes())
    data["entries"]["1"]["id"] = data["entries"]["2"]["id"] = "shared"
    db.write_bytes(dump_json(data))
    assert titles(db) == ["First", "Second", "Third"]  # the index has taken the edit in
    before = db.read_bytes()
    for prefix in ("shared", "sha"):
        with pytest.raises(CatalogError, match="id 'shared' is held by 2 entries"):
            get_entry(db, prefix)
        with pytest.raises(CatalogError, match="held by 2 entries"), change_catalog(db) as catalog:
            catalog.replace({**catalog.get(prefix), "notes": "which one?"})
    assert db.read_bytes() == before
    assert get_entry(db, "third")["title"] == "Third"


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
    abandoned = build_files(db, 999999999)
    for leftover in abandoned:
        leftover.write_bytes(b"half built")
    assert titles(db, query="medicaid") == ["Médicaid outreach"]
    assert not any(leftover.exists() for leftover in abandoned)


def test_deleting_the_index_is_safe(db: Path):
    write_catalog(db, [{"title": "Safe to delete"}])
    titles(db)
    os.unlink(index_path(db))
    assert titles(db, query="delete") == ["Safe to delete"]


def test_an_edited_entrys_old_words_leave_the_index(db: Path):
    write_catalog(db, [{"title": "Outreach", "summary": "Shelters in Zürich"}, {"title": "Other"}])
    assert titles(db, query="zurich") == ["Outreach"]
    with change_catalog(db) as catalog:
        catalog.replace({**catalog.get("outreach"), "summary": "Clinics in Genève"})
    assert titles(db, query="zurich") == []
    assert titles(db, query="geneve") == ["Outreach"]
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        conn.execute("INSERT INTO words(words) VALUES ('integrity-check')")


def test_a_failed_full_text_build_falls_back_to_the_file(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_catalog(db, [{"title": "Labor trafficking in Québec"}])
    monkeypatch.setattr(sys, "executable", "/bin/false")
    assert titles(db, query="quebec") == ["Labor trafficking in Québec"]
    assert [p.name for p in db.parent.iterdir() if p.name.endswith((".build", ".words"))] == []
    assert index_path(db).stat().st_size == 0  # opened to be read, never built


@pytest.mark.parametrize("batches", [1, 50])
def test_the_full_text_builder_reports_its_failure(tmp_path: Path, batches: int):
    """However many batches are put after it died (more than wait for its writing thread)."""
    builder = WordsBuilder(tmp_path / "no-such-folder" / "words.tmp", None)
    with pytest.raises(OSError, match=r"full-text index failed: .*unable to open"):
        for n in range(batches):
            builder.put_texts([(n, "Words " * 20_000)])
        builder.finish()
    builder.abandon()


def test_a_writer_leaves_a_running_index_build_alone(db: Path):
    write_catalog(db, [{"title": "Being indexed"}])
    building = build_files(db, os.getpid())
    for file in building:
        file.write_bytes(b"in progress")
    with change_catalog(db) as catalog:  # removes the temp files of killed writers
        catalog.add({"title": "Added meanwhile"})
    assert all(file.exists() for file in building)


def test_a_fresh_index_spares_checking_every_entry_again(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_catalog(db, [{"title": "Checked once"}])
    titles(db)  # builds the index, checking every entry

    def not_again(doc: object) -> str:
        raise AssertionError("checked again")

    monkeypatch.setattr(store_image, "shape_problem", not_again)
    with change_catalog(db) as catalog:
        catalog.add({"title": "Added later"})
    assert len(read_catalog(db).entries()) == 2


def test_a_hand_edit_is_checked_again_though_an_index_exists(db: Path):
    write_catalog(db, [{"title": "Shaped well", "tags": ["fine"]}])
    titles(db)
    db.write_text(db.read_text().replace('"fine"', '{"not": "text"}'))
    with pytest.raises(CatalogError, match="tags must be a list of text"):
        read_catalog(db)
    with pytest.raises(CatalogError, match="tags must be a list of text"), change_catalog(db):
        pass


def _rewrite(db: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the file as another tool would: read it, change the entries, write it whole."""
    image = orjson.loads(db.read_bytes())
    change(image["entries"])
    db.write_bytes(dump_json(image))


def test_an_outside_change_is_caught_up_entry_by_entry(db: Path):
    write_catalog(db, [{"title": f"Report {n}", "summary": "Shelters in Zürich"} for n in range(8)])
    assert len(titles(db, query="zurich")) == 8
    inode = index_path(db).stat().st_ino

    def change(entries: dict[str, Any]) -> None:
        entries["1"]["summary"] = "Clinics in Genève"
        del entries["2"]
        entries["99"] = {**entries["3"], "id": "added-by-hand", "title": "Added by hand"}

    _rewrite(db, change)
    assert titles(db, query="geneve") == ["Report 0"]
    assert len(titles(db, query="zurich")) == 7
    assert "Report 1" not in titles(db, query="zurich")
    assert titles(db, query="added") == ["Added by hand"]
    assert index_path(db).stat().st_ino == inode  # caught up in place, not built again
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        conn.execute("INSERT INTO words(words) VALUES ('integrity-check')")


def test_an_outside_change_parses_only_the_entries_whose_bytes_changed(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    """As after a ``git pull``: the unchanged entries' bytes are found and not parsed."""
    write_catalog(db, [{"title": f"Report {n}", "summary": "Shelters in Zürich"} for n in range(8)])
    assert len(titles(db, query="zurich")) == 8

    def change(entries: dict[str, Any]) -> None:
        entries["2"]["summary"] = "Clinics in Genève"
        del entries["5"]
        entries["99"] = {**entries["3"], "id": "added-by-hand", "title": "Added by hand"}

    _rewrite(db, change)
    parsed: list[bytes] = []
    real = build.canonical_entries

    def counted(chunks: list[bytes]) -> dict[str, Entry] | None:
        parsed.extend(chunks)
        return real(chunks)

    monkeypatch.setattr(build, "canonical_entries", counted)
    monkeypatch.setattr(build, "_catch_up", lambda *a: pytest.fail("the whole file parsed"))
    assert titles(db, query="geneve") == ["Report 1"]
    assert titles(db, query="added") == ["Added by hand"]
    assert "Report 4" not in titles(db)
    assert len(titles(db, query="zurich")) == 7
    assert [orjson.loads(c.split(b": ", 1)[1])["title"] for c in parsed] == [
        "Report 1",
        "Added by hand",
    ]
    written = spliced_write(db)
    assert written == dump_json(orjson.loads(written))


def spliced_write(db: Path) -> bytes:
    """The file after a one-entry change through the index's spans."""
    with change_catalog(db) as catalog:
        catalog.replace({**catalog.get("report-0"), "notes": "after the pull"})
    return db.read_bytes()


def test_a_large_outside_change_builds_the_index_afresh(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "_CATCH_UP_ALWAYS", 2)
    write_catalog(db, [{"title": f"Report {n}"} for n in range(8)])
    titles(db)
    inode = index_path(db).stat().st_ino

    def change(entries: dict[str, Any]) -> None:
        for entry in entries.values():
            entry["summary"] = "Rewritten by a script"

    _rewrite(db, change)
    assert len(titles(db, query="rewritten")) == 8
    assert index_path(db).stat().st_ino != inode


def test_an_index_of_another_version_is_built_afresh(db: Path):
    write_catalog(db, [{"title": "Versioned"}])
    titles(db)
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'version'")
        conn.commit()
    inode = index_path(db).stat().st_ino
    os.utime(db)
    assert titles(db, query="versioned") == ["Versioned"]
    assert index_path(db).stat().st_ino != inode


# --- what the index trusts ----------------------------------------------------------------------


def rewrite_in_place(db: Path, old: bytes, new: bytes) -> None:
    """Change the file's bytes in place, keeping its size, and put its times back (touch -r)."""
    assert len(old) == len(new)
    times = db.stat()
    text = db.read_bytes()
    assert old in text
    with open(db, "r+b") as file:
        file.write(text.replace(old, new))
    os.utime(db, ns=(times.st_atime_ns, times.st_mtime_ns))
    after = db.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        times.st_size,
        times.st_mtime_ns,
        times.st_ino,
    )


def test_a_rewrite_with_the_same_size_and_times_is_seen(db: Path, monkeypatch: pytest.MonkeyPatch):
    """The change time tells: the stat alone decides, without a digest of the bytes."""
    write_catalog(db, [{"title": "Forced labor in fishing"}, {"title": "Other"}])
    assert titles(db, query="fishing") == ["Forced labor in fishing"]
    rewrite_in_place(db, b"fishing", b"farming")
    monkeypatch.setattr(freshness, "file_digest", lambda path: pytest.fail("read for a digest"))
    assert titles(db, query="farming") == ["Forced labor in farming"]
    assert titles(db, query="fishing") == []
    assert get_entry(db, "forced")["title"] == "Forced labor in farming"


def test_a_bad_value_written_with_the_times_put_back_is_refused_by_name(db: Path, cli):
    write_catalog(db, [{"title": "Kept", "tags": ["abcdef"]}, {"title": "Other"}])
    assert titles(db, tags=["abcdef"]) == ["Kept"]
    rewrite_in_place(db, b'"abcdef"', b"12345678")
    result = cli("tag", "--all", "--add", "x")
    assert result.exit_code == 3, result.stderr
    assert "entry 'kept'" in result.stderr and "tags" in result.stderr
    assert "Traceback" not in result.stderr


def test_within_a_clock_tick_of_the_index_the_bytes_decide(db: Path):
    """A change the stat cannot tell apart (racy) is found by the digest of the bytes."""
    write_catalog(db, [{"title": "Forced labor in fishing"}, {"title": "Other"}])
    assert titles(db, query="fishing") == ["Forced labor in fishing"]
    rewrite_in_place(db, b"fishing", b"farming")
    stat = db.stat()
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn, conn:
        # As if the stat had been recorded after this rewrite, in the same clock tick.
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'fingerprint'", (freshness.fingerprint(stat),)
        )
        conn.execute("UPDATE meta SET value = ? WHERE key = 'known'", (str(stat.st_ctime_ns),))
    assert titles(db, query="farming") == ["Forced labor in farming"]
    assert titles(db, query="fishing") == []


def test_bytes_that_prove_the_index_spare_the_next_reader_reading_them(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    write_catalog(db, [{"title": "Alpha"}, {"title": "Beta"}])
    assert titles(db) == ["Alpha", "Beta"]
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn, conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'known'", (str(db.stat().st_ctime_ns),))
    digests: list[Path] = []
    real = freshness.file_digest

    def counted(path: Path) -> tuple[str, os.stat_result]:
        digests.append(path)
        return real(path)

    monkeypatch.setattr(freshness, "file_digest", counted)
    assert titles(db) == ["Alpha", "Beta"]
    assert titles(db) == ["Alpha", "Beta"]
    assert digests == [db], "read once, when the stat could not decide"


def _indexed_rows(db: Path) -> dict[str, list[Any]]:
    """What the index holds, table by table (the full-text table through a search)."""
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        tables = ("entries", "tags", "spans")
        found = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
        found["words"] = conn.execute(
            "SELECT rowid FROM words WHERE words MATCH 'zurich' ORDER BY rowid"
        ).fetchall()
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        found["meta"] = [meta["digest"], meta["canonical"]]
    return found


def test_a_canonical_file_is_built_from_a_block_at_a_time_as_reading_it_whole_would(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    """A fresh clone: the index is built from the entries as they are found, never the
    whole file in memory, and holds what a build from the file read whole holds."""
    entries = [
        {"title": f"Report {n}", "tags": ["shelter", f"t{n % 3}"], "summary": "Zürich " * n}
        for n in range(2_500)
    ]
    write_catalog(db, entries)
    index_path(db).unlink(missing_ok=True)
    monkeypatch.setattr(build, "read_bytes", lambda *a: pytest.fail("the whole file read"))
    monkeypatch.setattr(layout, "_BLOCK", 4096)  # many blocks, entries across them
    seen: list[tuple[int, int]] = []
    with contextlib.closing(build.open_index(db, lambda *step: seen.append(step))):
        pass
    page = select_entries(db, Filters.build(tags=["t1"]), Order(limit=2))
    streamed = _indexed_rows(db)
    monkeypatch.undo()
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    monkeypatch.setattr(build, "_stream", lambda *a: (_ for _ in ()).throw(build._NotCanonical))
    index_path(db).unlink()
    assert select_entries(db, Filters.build(tags=["t1"]), Order(limit=2)).total == page.total
    assert streamed == _indexed_rows(db)
    assert streamed["meta"][1] == "1" and len(streamed["spans"]) == 2_500
    assert page.total == 833
    assert [done for done, _ in seen] == [500, 1_000, 1_500, 2_000, 2_500, 2_500]
    assert seen[-1] == (2_500, 2_500)
    assert all(done <= total < 2 * 2_500 for done, total in seen), "a total near the truth"


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(
            lambda text: text.replace(b'"title": "Report 3"', b'"title":"Report 3"'),
            id="an entry not canonical",
        ),
        pytest.param(
            lambda text: text.replace(b'  "_meta"', b'   "_meta"'), id="another table not canonical"
        ),
        pytest.param(lambda text: orjson.dumps(orjson.loads(text)), id="all on one line"),
    ],
)
def test_a_file_not_in_canonical_form_is_read_whole(
    db: Path, monkeypatch: pytest.MonkeyPatch, rewrite: Callable[[bytes], bytes]
):
    write_catalog(db, [{"title": f"Report {n}", "summary": "Zürich"} for n in range(6)])
    db.write_bytes(rewrite(db.read_bytes()))
    index_path(db).unlink(missing_ok=True)
    read_whole: list[Path] = []
    real = build.read_bytes

    def counted(file: Any, path: Path) -> Any:
        read_whole.append(path)
        return real(file, path)

    monkeypatch.setattr(build, "read_bytes", counted)
    assert len(titles(db, query="zurich")) == 6
    assert read_whole == [db]
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
        assert conn.execute("SELECT value FROM meta WHERE key = 'canonical'").fetchone()[0] == "0"


def nested(depth: int) -> object:
    value: object = ["bottom"]
    for _ in range(depth - 1):
        value = {"down": value}
    return value


@pytest.mark.parametrize(
    ("field", "value"),
    [("tags", "not a list"), ("extra", nested(TOO_DEEP)), ("notes", 5)],
    ids=["tags", "nested-too-deep", "notes"],
)
def test_a_bad_entry_in_a_canonical_file_is_refused_by_name_as_a_whole_read_refuses_it(
    db: Path, field: str, value: object
):
    write_catalog(db, [{"title": f"Report {n}"} for n in range(2_100)])
    data = orjson.loads(db.read_bytes())
    data["entries"]["2050"][field] = value
    db.write_bytes(dump_json(data))
    index_path(db).unlink(missing_ok=True)
    with pytest.raises(CatalogError, match="report-2049") as refused:
        titles(db)
    with pytest.raises(CatalogError) as read_whole:
        read_catalog(db)
    assert str(refused.value) == str(read_whole.value)
    assert not [p for p in db.parent.iterdir() if ".build" in p.name or ".words" in p.name]


def _meta_digest(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(index_path(db))) as conn:
        return str(conn.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()[0])


def test_a_build_digests_the_file_only_where_its_stat_may_not_prove_it_later(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    """A file changed within a clock tick of the build gets its bytes' digest; one
    changed long before needs none (its stat decides), which spares reading it twice."""
    write_catalog(db, [{"title": f"Report {n}"} for n in range(3)])
    index_path(db).unlink(missing_ok=True)
    assert len(titles(db)) == 3
    assert _meta_digest(db) == hashlib.sha1(db.read_bytes()).hexdigest()

    index_path(db).unlink()
    later = time.time_ns() + 2 * freshness.COARSE_TICK_NS
    monkeypatch.setattr(build.time, "time_ns", lambda: later)
    assert len(titles(db)) == 3
    assert _meta_digest(db) == ""
    inode = index_path(db).stat().st_ino
    assert len(titles(db)) == 3
    assert index_path(db).stat().st_ino == inode, "the stat proved it: not built again"


def test_a_fresh_build_reports_each_entry_it_takes_in_and_a_fresh_index_nothing(db: Path):
    write_catalog(db, [{"title": f"Resource {n}"} for n in range(1_200)])
    index_path(db).unlink(missing_ok=True)
    seen: list[tuple[int, int]] = []

    page = select_entries(db, Filters(), Order(limit=1), lambda *step: seen.append(step))
    select_entries(db, Filters(), Order(limit=1), lambda *step: seen.append(step))

    assert page.total == 1_200
    # Read a block at a time, the build reckons its total from the entries' mean size.
    assert [done for done, _ in seen] == [500, 1_000, 1_200]
    assert seen[-1] == (1_200, 1_200)
    assert all(done <= total <= 2 * 1_200 for done, total in seen)
