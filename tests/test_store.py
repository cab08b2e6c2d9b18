"""The catalog file: stable bytes, schema, refusals, lock, atomic writes."""

from __future__ import annotations

import difflib
import json
import os
import re
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from helpers import HTCAT, OLD, entries_in, hold_lock, write_catalog
from htcat.errors import CatalogError, InputError, InvalidEntry
from htcat.store import fs, paths
from htcat.store.file import change_catalog, init_catalog, read_catalog
from htcat.store.ids import close_ids, resolve_id
from htcat.store.image import SCHEMA_VERSION, dump_json, parse_image


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


# --- the bytes --------------------------------------------------------------------------------


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """The lines ``git diff`` would show as removed and as added, stripped."""
    diff = difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(), n=0)
    lines = [line for line in diff if line[:3] not in ("+++", "---")]
    removed = [line[1:].strip() for line in lines if line.startswith("-")]
    added = [line[1:].strip() for line in lines if line.startswith("+")]
    return removed, added


def test_shipped_catalog_is_already_in_canonical_form(seed_db: Path):
    raw = seed_db.read_bytes()
    assert dump_json(parse_image(raw, seed_db)) == raw


def test_writing_an_unchanged_catalog_gives_identical_bytes(seed_db: Path):
    before = seed_db.read_bytes()
    with change_catalog(seed_db) as catalog:
        entry = catalog.get("htla")
        catalog.replace(entry)
        catalog.replace_many([dict(e) for e in catalog.entries()])
    assert seed_db.read_bytes() == before


def test_get_hands_out_a_copy_that_cannot_change_the_catalog(seed_db: Path):
    before = seed_db.read_bytes()
    with change_catalog(seed_db) as catalog:
        entry = catalog.get("htla")
        entry["tags"].append("sneaked-in")
        entry["links"][0]["url"] = "https://changed.example/"
        assert "sneaked-in" not in catalog.get("htla")["tags"]
    assert seed_db.read_bytes() == before


def test_a_change_and_its_undo_give_identical_bytes(seed_db: Path, cli):
    before = seed_db.read_bytes()
    assert cli("tag", "htla", "--add", "temporary").exit_code == 0
    assert seed_db.read_bytes() != before
    assert cli("tag", "htla", "--remove", "temporary").exit_code == 0
    removed, added = changed_lines(before, seed_db.read_bytes())
    assert len(removed) == len(added) == 1
    assert removed[0].startswith('"updated"') and added[0].startswith('"updated"')


def test_a_one_field_edit_changes_one_line_plus_updated(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("edit", "htla", "--set", "title=HTLA Class 6 Recommendations (2021)")
    assert result.exit_code == 0, result.stderr
    removed, added = changed_lines(before, seed_db.read_bytes())
    assert removed[0] == '"title": "HTLA Class 6 Recommendations Report",'
    assert added[0] == '"title": "HTLA Class 6 Recommendations (2021)",'
    assert removed[1].startswith('"updated": ') and added[1].startswith('"updated": ')
    assert len(removed) == len(added) == 2


def test_a_date_edit_changes_one_line_plus_updated(db: Path, cli):
    write_catalog(db, [{"title": f"Report {n}", "date": "2020", "summary": "x\n\ny"} for n in "ab"])
    before = db.read_bytes()
    assert cli("edit", "report-b", "--set", "date=2021-03").exit_code == 0
    removed, added = changed_lines(before, db.read_bytes())
    assert removed == ['"date": "2020",', f'"updated": "{OLD}"']
    assert added[0] == '"date": "2021-03",' and added[1].startswith('"updated": ')
    assert len(added) == 2


def test_file_is_pretty_utf8_with_sorted_keys_and_a_final_newline(db: Path):
    write_catalog(db, [{"title": "Trata de personas: guía", "summary": "“Quoted” \u2013 ü"}])
    raw = db.read_bytes()
    text = raw.decode("utf-8")
    assert raw.endswith(b"}\n") and not raw.endswith(b"\n\n")
    assert "\\u" not in text
    assert "Trata de personas: guía" in text and "“Quoted” \u2013 ü" in text
    assert text.startswith('{\n  "_meta": {\n    "1": {\n      "schema": 3\n')
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert data["_meta"] == {"1": {"schema": SCHEMA_VERSION}}


def test_init_writes_an_empty_catalog_with_the_schema_version(db: Path):
    init_catalog(db)
    assert json.loads(db.read_bytes()) == {
        "_meta": {"1": {"schema": SCHEMA_VERSION}},
        "entries": {},
    }
    with pytest.raises(InputError, match="already exists"):
        init_catalog(db)


def test_file_mode_survives_a_write(seed_db: Path):
    seed_db.chmod(0o640)
    with change_catalog(seed_db) as catalog:
        catalog.add({"title": "New"})
    assert seed_db.stat().st_mode & 0o777 == 0o640


def test_a_read_only_catalog_is_refused_even_to_root(seed_db: Path):
    seed_db.chmod(0o444)
    before = seed_db.read_bytes()
    refused = pytest.raises(CatalogError, match="it is read-only — not changed")
    with refused, change_catalog(seed_db) as catalog:
        catalog.add({"title": "New"})
    assert seed_db.read_bytes() == before


def test_unknown_fields_survive_writes(db: Path, cli):
    write_catalog(db, [{"title": "Legacy", "legacy_code": "X-17", "review": {"score": [1, 2]}}])
    assert cli("edit", "legacy", "--set", "title=Legacy report").exit_code == 0
    assert cli("add", "--title", "Another").exit_code == 0
    entry = entries_in(db)["legacy"]
    assert entry["legacy_code"] == "X-17" and entry["review"] == {"score": [1, 2]}
    assert entry["title"] == "Legacy report"


# --- schema versions --------------------------------------------------------------------------


OLD_TINYDB_FILE = {
    "_default": {
        "1": {"id": "old-report", "title": "Old Report", "type": "report", "tags": ["a"]},
        "2": {"id": "old-webinar", "title": "Old Webinar", "type": "webinar"},
    }
}


def test_old_file_is_read_and_migrated_on_write(db: Path, cli):
    db.write_text(json.dumps(OLD_TINYDB_FILE))
    assert sorted(entries_in(db)) == ["old-report", "old-webinar"]
    assert db.read_text() == json.dumps(OLD_TINYDB_FILE), "reading must not rewrite"
    assert cli("tag", "old-report", "--add", "b").exit_code == 0
    data = json.loads(db.read_bytes())
    assert "_default" not in data
    assert data["_meta"] == {"1": {"schema": SCHEMA_VERSION}}
    assert data["entries"]["1"]["tags"] == ["a", "b"]
    assert data["entries"]["2"] == OLD_TINYDB_FILE["_default"]["2"]


SCHEMA_1_FILE = {
    "_meta": {"1": {"schema": 1}},
    "entries": {
        "1": {
            "id": "webinar",
            "title": "Webinar",
            "people": [
                {"name": "Jenna Novak", "role": "moderator", "affiliation": "NHTTAC"},
                {"name": "Madonna", "role": "speaker", "affiliation": ""},
            ],
        }
    },
}


def test_schema_1_plain_names_are_split_on_read_and_written_on_the_next_write(db: Path, cli):
    db.write_text(json.dumps(SCHEMA_1_FILE))
    jenna = {"family": "Novak", "given": "Jenna", "role": "moderator", "affiliation": "NHTTAC"}
    assert entries_in(db)["webinar"]["people"][0] == jenna
    assert json.loads(db.read_bytes()) == SCHEMA_1_FILE, "reading must not rewrite"
    assert cli("tag", "webinar", "--add", "b").exit_code == 0
    data = json.loads(db.read_bytes())
    assert data["_meta"] == {"1": {"schema": SCHEMA_VERSION}}
    assert data["entries"]["1"]["people"] == [
        jenna,
        {"family": "Madonna", "given": "", "role": "speaker", "affiliation": ""},
    ]


SCHEMA_2_FILE = {
    "_meta": {"1": {"schema": 2}},
    "entries": {
        "1": {
            "id": "article",
            "title": "Article",
            "type": "research",
            "container-title": "Journal of Things",
            "volume": "19",
            "page": "377-395",
            "journal": "kept as it was",
        },
        "2": {"id": "plain", "title": "Plain"},
    },
}


def test_schema_2_citation_fields_are_gathered_into_citation_on_the_next_write(db: Path, cli):
    db.write_text(json.dumps(SCHEMA_2_FILE))
    citation = {"container-title": "Journal of Things", "volume": "19", "page": "377-395"}
    article = entries_in(db)["article"]
    assert article["citation"] == citation and "volume" not in article
    assert article["journal"] == "kept as it was", "only CSL's own names move"
    assert "citation" not in entries_in(db)["plain"]
    assert json.loads(db.read_bytes()) == SCHEMA_2_FILE, "reading must not rewrite"
    assert cli("tag", "article", "--add", "b").exit_code == 0
    data = json.loads(db.read_bytes())
    assert data["_meta"] == {"1": {"schema": 3}}
    assert data["entries"]["1"]["citation"] == citation
    assert "container-title" not in data["entries"]["1"]


def test_newer_schema_is_refused_with_a_clear_message(db: Path, cli):
    db.write_text(json.dumps({"_meta": {"1": {"schema": 4}}, "entries": {}}))
    before = db.read_bytes()
    with pytest.raises(CatalogError, match="schema 4, newer than this htcat understands"):
        read_catalog(db)
    for args in (["list"], ["add", "--title", "T"]):
        result = cli(*args)
        assert result.exit_code == 3
        assert str(db) in result.stderr and "upgrade htcat" in result.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2, 3]", "not an htcat catalog"),
        ('{"entries": []}', "not an htcat catalog"),
        ('{"_meta": {"1": {"schema": "one"}}, "entries": {}}', "bad schema version"),
        ('{"entries": {"abc": {"id": "x"}}}', "is not an entry object"),
        ('{"entries": {"1": "text"}}', "is not an entry object"),
    ],
)
def test_a_file_that_is_not_a_catalog_is_refused_and_kept(db: Path, cli, content, reason):
    db.write_text(content)
    result = cli("add", "--title", "T")
    assert result.exit_code == 3
    assert str(db) in result.stderr and reason in result.stderr
    assert db.read_text() == content


def nested(levels: int) -> list[object]:
    """Lists inside lists, ``levels`` deep: ``[[[]]]`` is 3."""
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"title": "No id"}, "entry '1': has no id"),
        ({"id": 5, "title": "T"}, "entry '1': id must be text, not int"),
        ({"id": "a"}, "entry 'a': has no title"),
        ({"id": "a", "title": None}, "entry 'a': title must be text, not NoneType"),
        ({"id": "a", "title": "T", "date": 2021}, "entry 'a': date must be text, not int"),
        ({"id": "a", "title": "T", "tags": "x, y"}, "entry 'a': tags must be a list of text"),
        ({"id": "a", "title": "T", "audiences": [1]}, "entry 'a': audiences must be a list"),
        ({"id": "a", "title": "T", "people": [3]}, "entry 'a': people must be objects"),
        ({"id": "a", "title": "T", "people": [{"name": "A", "role": 1}]}, "role and affiliation"),
        ({"id": "a", "title": "T", "links": ["https://e.org"]}, "entry 'a': links must be obj"),
        ({"id": "a", "title": "T", "links": [{"url": "https://e.org", "check": 1}]}, "check"),
        ({"id": "a", "title": "T", "extra": nested(300)}, "entry 'a': extra is nested more than"),
        (
            {"id": "a", "title": "T", "links": [{"url": "https://e.org", "x": nested(150)}]},
            "entry 'a': links is nested more than 100 levels deep",
        ),
    ],
)
@pytest.mark.parametrize("args", [["list"], ["show", "a"], ["tag", "--all", "--add", "x"]])
def test_an_entry_of_the_wrong_shape_is_refused_and_kept(db: Path, cli, entry, problem, args):
    """A hand edit that would break every reader: exit 3 naming the entry, never a traceback."""
    db.write_text(json.dumps({"_meta": {"1": {"schema": 1}}, "entries": {"1": entry}}))
    before = db.read_bytes()
    result = cli(*args)
    assert result.exit_code == 3
    assert f"catalog {db}: " in result.stderr and problem in result.stderr
    assert db.read_bytes() == before


def test_an_entry_too_deep_to_write_is_refused_before_the_index_is_built(
    db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    """JSON writers stop at a depth reading accepts: without the check, every read
    of an indexed catalog died in a traceback building the index."""
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    deep = {"id": "deep", "title": "Deep", "extra": nested(300)}
    db.write_text(json.dumps({"entries": {"1": deep, "2": {"id": "b", "title": "B"}}}))
    result = cli("list")
    assert result.exit_code == 3
    assert "entry 'deep': extra is nested more than 100 levels deep" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_entry_as_deep_as_htcat_accepts_is_read_changed_and_indexed(
    db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    db.write_text(json.dumps({"entries": {"1": {"id": "a", "title": "A", "extra": nested(100)}}}))
    assert cli("list", "--format", "ids").stdout == "a\n"
    assert cli("tag", "a", "--add", "x").exit_code == 0
    assert entries_in(db)["a"]["extra"] == nested(100)


def test_entries_without_the_optional_fields_are_read_and_changed(db: Path, cli):
    db.write_text(json.dumps({"entries": {"1": {"id": "bare", "title": "Bare"}}}))
    assert cli("list", "--format", "ids").stdout == "bare\n"
    assert cli("show", "bare").exit_code == 0
    assert cli("tag", "--all", "--add", "x").exit_code == 0
    assert entries_in(db)["bare"]["tags"] == ["x"]


# --- corrupt and missing files ----------------------------------------------------------------


def corrupt(path: Path) -> int:
    """Break the JSON of the catalog at ``path`` on one line; return that line's number."""
    text = path.read_text()
    broken = text.replace('"status": "published",', '"status": "published",,', 1)
    path.write_text(broken)
    return broken[: broken.index(",,")].count("\n") + 1


def test_corrupt_json_names_path_line_and_column(seed_db: Path):
    line = corrupt(seed_db)
    with pytest.raises(CatalogError) as caught:
        read_catalog(seed_db)
    message = str(caught.value)
    assert message.startswith(f"catalog {seed_db} line {line}, column ")
    assert "not overwritten" not in message, "a read would not have written anything"


def test_a_broken_catalog_says_not_overwritten_on_the_way_to_a_write_only(seed_db: Path, cli):
    corrupt(seed_db)
    broken = seed_db.read_bytes()
    for read in (("list",), ("show", "htla"), ("search", "labor"), ("export", "--format", "csv")):
        result = cli(*read)
        assert result.exit_code == 3 and "not overwritten" not in result.stderr, read
    for write in (("add", "--title", "T"), ("tag", "htla", "--add", "x")):
        result = cli(*write)
        assert result.exit_code == 3 and result.stderr.rstrip().endswith("— not overwritten")
    assert seed_db.read_bytes() == broken


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "htla"],
        ["add", "--title", "T", "--type", "report"],
        ["edit", "htla", "--set", "title=X"],
        ["tag", "--all", "--add", "x"],
        ["tags", "rename", "data", "datasets"],
        ["remove", "htla", "--yes"],
        ["doctor"],
    ],
)
def test_corrupt_catalog_exits_3_and_keeps_its_bytes(seed_db: Path, cli, args):
    line = corrupt(seed_db)
    before = seed_db.read_bytes()
    result = cli(*args)
    assert result.exit_code == 3
    assert f"{seed_db} line {line}, column" in result.stderr
    assert result.stdout == ""
    assert seed_db.read_bytes() == before
    assert temp_files(seed_db.parent) == []


def test_truncated_file_is_refused(seed_db: Path, cli):
    seed_db.write_bytes(seed_db.read_bytes()[:500])
    result = cli("tag", "--all", "--add", "x")
    assert result.exit_code == 3 and str(seed_db) in result.stderr


def test_empty_file_is_refused(db: Path, cli):
    db.write_bytes(b"")
    result = cli("list")
    assert result.exit_code == 3 and str(db) in result.stderr
    assert db.read_bytes() == b""


def test_missing_catalog_names_the_path_and_htcat_init(db: Path, cli):
    result = cli("list")
    assert result.exit_code == 3
    assert str(db) in result.stderr and "htcat init" in result.stderr
    assert not db.exists()
    assert cli("add", "--title", "T").exit_code == 3
    assert not db.exists(), "a change must not create a missing catalog"


def test_catalog_that_is_a_folder_is_refused(db: Path, cli):
    db.mkdir()
    result = cli("list")
    assert result.exit_code == 3 and "is a folder" in result.stderr


# --- changes: all or nothing ------------------------------------------------------------------


def test_a_change_that_raises_writes_nothing(seed_db: Path):
    before = seed_db.read_bytes()
    with pytest.raises(InvalidEntry), change_catalog(seed_db) as catalog:
        catalog.add({"title": "Fine"})
        catalog.add({"title": "Bad", "type": "podcast"})
    assert seed_db.read_bytes() == before


def test_a_change_is_written_once(seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch):
    writes: list[Path] = []
    real_write = fs.write_file_atomically

    def counting_write(path: Path, data: bytes, *, what: str = "file") -> None:
        writes.append(path)
        real_write(path, data, what=what)

    monkeypatch.setattr(fs, "write_file_atomically", counting_write)
    assert cli("tag", "--all", "--add", "reviewed").exit_code == 0
    assert writes == [seed_db]
    assert all("reviewed" in e["tags"] for e in entries_in(seed_db).values())
    assert cli("tag", "--all", "--add", "reviewed").exit_code == 0
    assert writes == [seed_db], "a command that changes nothing must not write"


def test_stale_temp_files_are_removed_by_the_next_change(seed_db: Path, cli):
    stale = [seed_db.parent / f".{seed_db.name}.{n}.tmp" for n in ("abc123", "x_9")]
    for path in stale:
        path.write_bytes(b'{"half": ')
    unrelated = seed_db.parent / ".other.json.1.tmp"
    unrelated.write_bytes(b"keep")
    assert cli("list").exit_code == 0
    assert all(path.exists() for path in stale), "a reader never touches them"
    assert cli("tag", "htla", "--add", "x").exit_code == 0
    assert temp_files(seed_db.parent) == [unrelated]


def test_a_failed_write_leaves_the_old_bytes_and_no_temp_file(seed_db: Path):
    """A real failing write: a file size limit makes the temp file too large (like a full disk)."""
    before = seed_db.read_bytes()

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = subprocess.run(
        [HTCAT, "--db", seed_db, "tag", "--all", "--add", "too-big"],
        preexec_fn=small_files,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 3, result.stderr
    assert f"cannot write catalog {seed_db}" in result.stderr
    assert "not changed" in result.stderr
    assert seed_db.read_bytes() == before
    assert temp_files(seed_db.parent) == []


def test_the_file_and_its_folder_are_fsynced_around_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The new bytes reach the disk before the rename, and the rename itself after it."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync file")
        real_fsync(fd)

    def replace(source: str, target: Path) -> None:
        events.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "catalog.json"
    fs.write_file_atomically(target, b"new bytes")
    assert events == ["fsync file", "rename", "fsync folder"]
    assert target.read_bytes() == b"new bytes"


# --- the lock ---------------------------------------------------------------------------------


def test_two_writers_never_hold_the_lock_at_once(seed_db: Path):
    """A second holder, in another thread, waits for the first: the lock is exclusive."""
    import threading

    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with fs.catalog_lock(seed_db):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert held.wait(10)
        busy = pytest.raises(CatalogError, match="locked by another htcat")
        with busy, fs.catalog_lock(seed_db, timeout=0.1):
            pytest.fail("two holders of the catalog lock at once")
    finally:
        release.set()
        thread.join(10)
    with fs.catalog_lock(seed_db, timeout=1):
        pass


def test_lock_timeout_gives_catalog_error(seed_db: Path, lock_held):
    expected = re.escape("locked by another htcat; gave up after 0.2 s")
    with pytest.raises(CatalogError, match=expected), change_catalog(seed_db, lock_timeout=0.2):
        pytest.fail("must not get the lock")


def test_locked_catalog_exits_3_and_writes_nothing(seed_db: Path, cli, lock_held):
    before = seed_db.read_bytes()
    result = cli("--lock-timeout", "0.2", "tag", "htla", "--add", "x")
    assert result.exit_code == 3
    assert f"catalog {seed_db} is locked" in result.stderr
    assert seed_db.read_bytes() == before


def test_reading_needs_no_lock(seed_db: Path, cli, lock_held):
    result = cli("--lock-timeout", "0.2", "list", "--format", "ids")
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 5


def test_lock_is_free_again_after_its_holder_is_killed(seed_db: Path, cli):
    holder = hold_lock(seed_db)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    result = cli("--lock-timeout", "2", "tag", "htla", "--add", "after-kill")
    assert result.exit_code == 0, result.stderr
    assert "after-kill" in entries_in(seed_db)["htla-class-6-recommendations-report"]["tags"]


def test_add_many_keeps_given_stamps_only_when_asked(db: Path):
    write_catalog(db, [{"title": "Kept"}])
    assert entries_in(db)["kept"]["created"] == OLD
    with change_catalog(db) as catalog:
        fresh = catalog.add({"title": "Fresh", "created": OLD})
    assert fresh["created"] != OLD and fresh["created"] == fresh["updated"]


# --- an unknown id: did you mean ----------------------------------------------------------------

IDS = [
    "htla-class-6-recommendations-report",
    "htla-class-5-recommendations-report",
    "information-memorandum-hhs-contributions",
    "labor-trafficking-among-foreign-nationals",
]


def test_a_mistyped_start_of_an_id_is_offered_the_ids_it_looks_like():
    assert close_ids("htla-clas-6", IDS) == [IDS[0], IDS[1]], "the closest first"
    assert close_ids("labor-traficking", IDS) == [IDS[3]]
    assert close_ids("informaton-memorandum-hhs-contributions", IDS) == [IDS[2]]
    assert close_ids("nope", IDS) == []


def test_the_unknown_id_message_names_the_id_and_the_close_ones():
    with pytest.raises(InputError) as raised:
        resolve_id("labor-traficking", [], lambda: IDS)
    assert str(raised.value) == (f"no entry with id 'labor-traficking'; did you mean {IDS[3]}?")
    with pytest.raises(InputError, match=r"did you mean htla-class-6-\S+ or htla-class-5-\S+\?$"):
        resolve_id("htla-clas-6", [], lambda: IDS)
    with pytest.raises(InputError, match=r"^no entry with id 'zzz'$"):
        resolve_id("zzz", [], lambda: IDS)


def test_an_id_two_entries_hold_names_neither():
    """``found`` lists an id once per entry holding it: a hand edit may give two one id."""
    for prefix in ("shared", "sha"):
        with pytest.raises(
            CatalogError, match=r"^id 'shared' is held by 2 entries; .*htcat doctor"
        ):
            resolve_id(prefix, ["shared", "shared"])
    assert resolve_id("sha", ["shared"]) == "shared"
    with pytest.raises(InputError, match="ambiguous"):
        resolve_id("sha", ["shared", "shared", "sharp"])


def hand_edited_shared_id(db: Path) -> Path:
    """Two entries given one id by a person with a text editor, and a third left alone."""
    write_catalog(db, [{"title": "First"}, {"title": "Second"}, {"title": "Third"}])
    data = json.loads(db.read_text())
    data["entries"]["1"]["id"] = data["entries"]["2"]["id"] = "shared"
    db.write_bytes(dump_json(data))
    return db


def test_a_catalog_refuses_to_act_on_an_id_two_entries_hold(db: Path):
    before = hand_edited_shared_id(db).read_bytes()
    for prefix in ("shared", "sha"):
        with pytest.raises(CatalogError, match=r"^id 'shared' is held by 2 entries"):
            read_catalog(db).get(prefix)
        with pytest.raises(CatalogError, match="held by 2 entries"), change_catalog(db) as catalog:
            catalog.remove_many([catalog.resolve(prefix)])
    assert db.read_bytes() == before
    with change_catalog(db) as catalog:
        catalog.replace({**catalog.get("third"), "notes": "the others stay as they are"})
    assert [e["id"] for e in read_catalog(db).entries()] == ["shared", "shared", "third"]


def test_a_catalog_offers_its_own_close_ids(db: Path):
    write_catalog(db, [{"title": "HTLA Class 6 Recommendations Report"}])
    with pytest.raises(InputError, match="did you mean htla-class-6-recommendations-report"):
        read_catalog(db).get("htla-clas-6")


def test_a_table_beside_the_entries_survives_changes_and_its_own_changes_are_written(
    db: Path,
) -> None:
    write_catalog(db, [{"id": "a", "title": "A"}])
    data = json.loads(db.read_text())
    data["conflicts"] = {"1": {"id": "a", "field": "title", "base": "", "ours": "A", "theirs": "B"}}
    db.write_bytes(dump_json(data))
    write_catalog(db, [{"id": "b", "title": "B"}])
    assert json.loads(db.read_text())["conflicts"] == data["conflicts"]
    with change_catalog(db) as catalog:
        del catalog.image["conflicts"]
        catalog.tables_changed.add("conflicts")
    assert "conflicts" not in json.loads(db.read_text())


def test_git_conflict_markers_are_named_with_the_way_out(db: Path) -> None:
    db.write_text(
        '{\n<<<<<<< HEAD\n  "entries": {}\n=======\n  "entries": {"1": {}}\n>>>>>>> b\n}\n'
    )
    with pytest.raises(CatalogError, match=r"git's conflict markers: run 'htcat git setup', then"):
        read_catalog(db)


# --- TinyDB as a client -------------------------------------------------------------------------


def test_tinydb_reads_htcats_file_as_it_is(seed_db: Path):
    from tinydb import Query, TinyDB

    with TinyDB(seed_db, access_mode="r") as tiny:
        table = tiny.table("entries")
        assert {doc["id"]: doc for doc in table.all()} == entries_in(seed_db)
        found = table.search(Query().tags.any(["htla"]))
        assert "htla-class-6-recommendations-report" in [doc["id"] for doc in found]
        raw = parse_image(seed_db.read_bytes(), seed_db)["entries"]
        assert {str(doc.doc_id) for doc in table.all()} == set(raw)


def test_what_a_tinydb_script_inserts_htcat_reads_and_rewrites_canonically(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    from tinydb import Query, TinyDB

    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    assert cli("list", "--format", "ids").exit_code == 0  # an index, to be caught up
    with TinyDB(seed_db) as tiny:  # TinyDB's own JSONStorage: compact, \\u escapes
        table = tiny.table("entries")
        doc_id = table.insert({"id": "from-a-script", "title": "From a script — é", "tags": []})
        table.update(
            {"summary": "seen by a script"}, Query().id == "htla-class-6-recommendations-report"
        )
    assert not seed_db.read_bytes().startswith(b"{\n")
    result = cli("list", "--format", "ids")
    assert "from-a-script" in result.stdout.split()
    assert sorted(cli("search", "script", "--format", "ids").stdout.split()) == [
        "from-a-script",
        "htla-class-6-recommendations-report",
    ]
    assert cli("tag", "from-a-script", "--add", "scripted").exit_code == 0
    raw = seed_db.read_bytes()
    assert dump_json(parse_image(raw, seed_db)) == raw
    assert parse_image(raw, seed_db)["entries"][str(doc_id)]["tags"] == ["scripted"]
    added = cli("add", "--title", "After the script").stdout.strip()
    with TinyDB(seed_db, access_mode="r") as tiny:
        assert tiny.table("entries").get(doc_id=doc_id + 1)["id"] == added  # type: ignore[index]


def test_the_catalog_is_looked_for_here_and_up_to_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    deep = tmp_path / "repo" / "docs" / "deep"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert paths.repo_root(deep) == tmp_path / "repo"
    assert paths.catalog_search_folders() == [deep, deep.parent, tmp_path / "repo"]
    (tmp_path / "repo" / "data").mkdir()
    (tmp_path / "repo" / "data" / "catalog.json").write_text("{}")
    assert paths.catalog_path() == Path("../../data/catalog.json")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert paths.catalog_search_folders() == [outside]
