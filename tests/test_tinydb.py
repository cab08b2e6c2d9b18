"""htcat.tinydb: TinyDB's table API on the catalog, with htcat's lock, checks, bytes and index."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage

from helpers import HTCAT, OLD, ROOT, SEED, entries_in, write_catalog
from htcat.errors import CatalogError, ExitStatus, InputError, InvalidEntry, NewerSchema
from htcat.index.freshness import vouches_for
from htcat.index.spans import spans_for
from htcat.store.file import init_catalog
from htcat.store.fs import catalog_lock, files_written
from htcat.tinydb import CatalogStorage

HTLA = "htla-class-6-recommendations-report"
HTLA_DOC = 2
OTIP = [
    "information-memorandum-hhs-contributions-to-human-trafficking-research",
    "research-policy-otip-and-hhs-data-collection-evaluation-and-research",
]
TIMEOUT = 120
STAMP = "2030-01-02T03:04:05Z"


def opened(path: Path, **kwargs: Any) -> TinyDB:
    return TinyDB(path, storage=CatalogStorage, **kwargs)


# --- TinyDB reads and writes our file ---------------------------------------------------------


def test_plain_tinydb_reads_the_documents_catalog_storage_reads(seed_db: Path):
    with TinyDB(seed_db) as plain:
        expected = {name: plain.table(name).all() for name in plain.tables()}
    with opened(seed_db) as db:
        assert db.tables() == {"entries", "_meta"}
        assert {name: db.table(name).all() for name in db.tables()} == expected
    assert len(expected["entries"]) == 5


def test_the_entries_table_api_works_through_catalog_storage(seed_db: Path):
    entry = Query()
    with opened(seed_db) as db:
        entries = db.table("entries")
        assert sorted(e["id"] for e in entries.search(entry.tags.any(["otip"]))) == OTIP
        assert entries.get(entry.id == HTLA).doc_id == HTLA_DOC
        new_doc = entries.insert({"title": "Supply Chain Toolkit", "date": "2024"})
        assert entries.update({"status": "archived"}, entry.date < "2018") == [3]
        entries.remove(entry.id == OTIP[0])
        assert len(entries) == 5
    with TinyDB(seed_db, storage=JSONStorage) as plain:
        stored = {e.doc_id: e for e in plain.table("entries").all()}
    assert stored[new_doc]["id"] == "supply-chain-toolkit"
    assert stored[3]["status"] == "archived"
    assert OTIP[0] not in {e["id"] for e in stored.values()}
    assert set(entries_in(seed_db)) == {e["id"] for e in stored.values()}


def test_an_entry_plain_tinydb_inserted_is_read_by_catalog_storage(empty_db: Path):
    with TinyDB(empty_db) as plain:
        plain.table("entries").insert({"id": "plain", "title": "Plain"})
    with opened(empty_db) as db:
        assert db.table("entries").get(doc_id=1)["title"] == "Plain"


# --- the same bytes htcat writes --------------------------------------------------------------


def two_copies(seed_db: Path) -> tuple[Path, Path]:
    by_htcat = seed_db.with_name("by-htcat.json")
    shutil.copyfile(seed_db, by_htcat)
    return by_htcat, seed_db


@pytest.mark.parametrize("spliced", [False, True], ids=["htcat writes whole", "htcat splices"])
def test_a_change_writes_the_bytes_htcat_writes_for_it(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch, spliced: bool
):
    by_htcat, by_script = two_copies(seed_db)
    if spliced:
        monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
        assert cli("list", db_path=by_htcat).exit_code == 0
        view = spans_for(by_htcat, by_htcat.stat())
        assert view is not None  # the change below copies the other entries' bytes
        view.close()
    assert cli("tag", HTLA, "--add", "leadership", db_path=by_htcat).exit_code == 0
    stamp = entries_in(by_htcat)[HTLA]["updated"]

    def add_tag(doc: dict[str, Any]) -> None:
        doc["tags"] = [*doc["tags"], "leadership"]
        doc["updated"] = stamp

    with opened(by_script) as db:
        db.table("entries").update(add_tag, Query().id == HTLA)
    assert by_script.read_bytes() == by_htcat.read_bytes()


def test_an_insert_writes_the_bytes_htcat_add_writes(seed_db: Path, cli):
    by_htcat, by_script = two_copies(seed_db)
    added = cli("add", "--title", "Labor Trafficking Toolkit", "--tag", "toolkit", db_path=by_htcat)
    assert added.stdout == "labor-trafficking-toolkit\n"
    stamps = {
        k: entries_in(by_htcat)["labor-trafficking-toolkit"][k] for k in ("created", "updated")
    }
    with opened(by_script) as db:
        doc = {"title": "Labor Trafficking Toolkit", "tags": ["toolkit"], **stamps}
        assert db.table("entries").insert(doc) == 6
    assert by_script.read_bytes() == by_htcat.read_bytes()


def test_a_removal_writes_the_bytes_htcat_remove_writes(seed_db: Path, cli):
    by_htcat, by_script = two_copies(seed_db)
    assert cli("remove", HTLA, "--yes", db_path=by_htcat).exit_code == 0
    with opened(by_script) as db:
        db.table("entries").remove(doc_ids=[HTLA_DOC])
    assert by_script.read_bytes() == by_htcat.read_bytes()


def test_a_compact_tinydb_file_is_written_in_htcats_form_on_a_change(seed_db: Path, cli):
    compact = seed_db.with_name("compact.json")
    compact.write_text(json.dumps(json.loads(seed_db.read_bytes())))
    with opened(compact) as db:
        db.table("entries").remove(doc_ids=[HTLA_DOC])
    assert cli("remove", HTLA, "--yes").exit_code == 0
    assert compact.read_bytes() == seed_db.read_bytes()


def test_a_session_that_changes_nothing_writes_nothing(seed_db: Path):
    compact = seed_db.with_name("compact.json")
    compact.write_text(json.dumps(json.loads(seed_db.read_bytes())))
    before = compact.read_bytes(), compact.stat().st_mtime_ns
    with opened(compact) as db:
        entries = db.table("entries")
        entries.search(Query().tags.any(["otip"]))
        assert entries.update({"status": "archived"}, Query().id == "nobody") == []
        entries.update({"status": "published"}, Query().id == HTLA)
        entries.update({"tags": ["HTLA", *entries.get(doc_id=HTLA_DOC)["tags"]]}, doc_ids=[2])
    assert (compact.read_bytes(), compact.stat().st_mtime_ns) == before


def test_each_tinydb_write_is_written_at_once_and_one_call_once(seed_db: Path):
    def writes() -> int:
        return files_written().count(seed_db)

    with opened(seed_db) as db:
        entries = db.table("entries")
        entries.insert({"title": "One"})
        assert writes() == 1 and "one" in entries_in(seed_db)
        entries.insert({"title": "Two"})
        assert writes() == 2
        entries.insert_multiple({"title": f"Batch {n}"} for n in range(5))
        assert writes() == 3
    assert {f"batch-{n}" for n in range(5)} <= set(entries_in(seed_db))


# --- validated as htcat validates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2021-02-30"}, f"{HTLA}: date '2021-02-30': is not a calendar date"),
        ({"status": "gone"}, f"{HTLA}: status 'gone': must be one of draft, published, archived"),
        ({"title": "  "}, f"{HTLA}: title '  ': is required"),
        ({"links": [{"url": "ftp://x.org/a"}]}, f"{HTLA}: links.url 'ftp://x.org/a'"),
        ({"id": "another"}, f"{HTLA}: id 'another': ids never change"),
    ],
)
def test_a_bad_change_is_refused_with_htcats_message_and_nothing_written(
    seed_db: Path, change: dict[str, Any], message: str
):
    before = seed_db.read_bytes()
    with opened(seed_db) as db:
        entries = db.table("entries")
        with pytest.raises(InvalidEntry) as refused:
            entries.update(change, doc_ids=[HTLA_DOC])
        assert str(refused.value).startswith(message)
        assert refused.value.exit_code == ExitStatus.USAGE
        assert seed_db.read_bytes() == before
        assert entries.get(doc_id=HTLA_DOC)["id"] == HTLA


def test_one_bad_document_of_many_writes_none_of_them(seed_db: Path):
    before = seed_db.read_bytes()
    rows = [{"title": "Good one"}, {"title": "Bad one", "type": "podcast"}, {"title": "Good two"}]
    with opened(seed_db) as db, pytest.raises(InvalidEntry) as refused:
        db.table("entries").insert_multiple(rows)
    assert str(refused.value) == (
        "new entry (document 7): type 'podcast': must be one of information-memorandum, report, "
        "research, webinar, fact-sheet, toolkit, training, guidance, data, other"
    )
    assert [(p.field, p.value) for p in refused.value.problems] == [("type", "podcast")]
    assert seed_db.read_bytes() == before


def test_a_new_entry_gets_an_id_from_its_title_and_stamps_of_now(seed_db: Path):
    with opened(seed_db) as db:
        entries = db.table("entries")
        first = entries.insert({"title": "HTLA Class 6: Recommendations, Report"})
        second = entries.insert({"title": "HTLA Class 6 Recommendations Report", "tags": ["A B"]})
        kept = entries.insert({"title": "Old", "id": "old-one", "created": OLD, "updated": OLD})
    stored = entries_in(seed_db)
    assert f"{HTLA}-2" in stored and f"{HTLA}-3" in stored
    assert stored[f"{HTLA}-3"]["tags"] == ["a-b"]
    assert stored[f"{HTLA}-2"]["created"] == stored[f"{HTLA}-2"]["updated"] > OLD
    assert (stored["old-one"]["created"], stored["old-one"]["updated"]) == (OLD, OLD)
    assert (first, second, kept) == (6, 7, 8)


def test_a_new_entry_may_not_take_an_id_in_use(seed_db: Path):
    before = seed_db.read_bytes()
    with opened(seed_db) as db, pytest.raises(InvalidEntry) as refused:
        db.table("entries").insert({"title": "Again", "id": HTLA})
    assert str(refused.value) == f"new entry (document 6): id '{HTLA}': is already in the catalog"
    assert seed_db.read_bytes() == before


def test_an_id_freed_by_a_removal_in_the_same_write_may_be_taken(seed_db: Path):
    with opened(seed_db) as db:
        entries = db.table("entries")

        def replace(table: dict[int, dict[str, Any]]) -> None:
            del table[HTLA_DOC]
            table[9] = {"title": "Replacement", "id": HTLA}

        entries._update_table(replace)
    assert entries_in(seed_db)[HTLA]["title"] == "Replacement"


def test_updated_moves_on_a_change_unless_the_script_sets_it(write_db: Path):
    with opened(write_db) as db:
        entries = db.table("entries")
        entries.update({"summary": "Changed."}, doc_ids=[1])
        entries.update({"summary": "Set.", "updated": STAMP}, doc_ids=[2])
        entries.update({"created": None}, doc_ids=[3])
    stored = entries_in(write_db)
    assert OLD < stored["one"]["updated"] != STAMP and stored["one"]["created"] == OLD
    assert (stored["two"]["created"], stored["two"]["updated"]) == (OLD, STAMP)
    assert (stored["three"]["created"], stored["three"]["updated"]) == (OLD, OLD)


def test_a_document_id_that_is_not_a_number_is_refused(seed_db: Path):
    before = seed_db.read_bytes()
    with opened(seed_db) as db, pytest.raises(InputError, match="document id 'x' is not a number"):
        db.table("entries")._update_table(lambda table: table.update({"x": {"title": "X"}}))
    assert seed_db.read_bytes() == before


@pytest.fixture
def write_db(db: Path) -> Path:
    return write_catalog(db, [{"title": t, "tags": ["x"]} for t in ("One", "Two", "Three")])


@pytest.mark.parametrize(
    "change",
    [
        lambda db: db.insert({"title": "In the default table"}),
        lambda db: db.table("_meta").update({"schema": 1}),
        lambda db: db.table("conflicts").insert({"id": "x"}),
        lambda db: db.drop_tables(),
    ],
    ids=["_default", "_meta", "conflicts", "drop everything"],
)
def test_tables_other_than_entries_are_not_the_scripts_to_change(seed_db: Path, change):
    before = seed_db.read_bytes()
    with opened(seed_db) as db, pytest.raises(InputError, match=re.escape("db.table('entries')")):
        change(db)
    assert seed_db.read_bytes() == before


def test_dropping_the_entries_table_removes_every_entry(seed_db: Path):
    with opened(seed_db) as db:
        db.drop_table("entries")
    assert entries_in(seed_db) == {}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    doc=st.dictionaries(
        st.sampled_from(["title", "type", "date", "status", "tags", "people", "links", "id"]),
        st.one_of(
            st.text(max_size=12),
            st.lists(st.text(max_size=8), max_size=3),
            st.integers(),
            st.none(),
        ),
    )
)
def test_any_document_is_either_refused_unwritten_or_written_as_htcat_reads_it(
    db: Path, doc: dict[str, Any]
):
    path = db
    path.unlink(missing_ok=True)
    init_catalog(path)
    before = path.read_bytes()
    with opened(path) as db:
        try:
            db.table("entries").insert(doc)
        except InvalidEntry:
            assert path.read_bytes() == before
            return
    (entry,) = entries_in(path).values()
    assert entry["title"] == " ".join(str(doc["title"]).split())


# --- reading as htcat reads -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ('{"entries": {"1": {"id": "x"', CatalogError, "line 1, column 29"),
        ('{"_meta": {"1": {"schema": 9}}, "entries": {}}', NewerSchema, "has schema 9"),
        ('{"entries": {"1": {"title": "no id"}}}', CatalogError, "'1': has no id"),
    ],
)
def test_a_file_htcat_would_not_read_raises_htcats_error_and_is_left_alone(
    db: Path, text: str, error: type[Exception], message: str
):
    db.write_text(text)
    with pytest.raises(error, match=re.escape(message)):
        opened(db)
    assert db.read_text() == text
    with catalog_lock(db, timeout=0):
        pass  # the failed open let go of the lock


def test_a_missing_catalog_names_htcat_init(db: Path):
    with pytest.raises(CatalogError, match=r"no catalog at .*htcat init"):
        opened(db)


def test_the_catalog_is_found_as_htcat_finds_it(seed_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HTCAT_DB", str(seed_db))
    with TinyDB(storage=CatalogStorage) as db:
        assert len(db.table("entries")) == 5


# --- the lock ---------------------------------------------------------------------------------


def test_the_lock_is_held_until_the_database_is_closed(seed_db: Path, cli):
    db = opened(seed_db)
    waited = cli("--lock-timeout", "0.1", "tag", HTLA, "--add", "x")
    assert waited.exit_code == ExitStatus.CATALOG
    assert waited.stderr == (
        f"htcat: error: catalog {seed_db} is locked by another htcat; gave up after 0.1 s\n"
    )
    with pytest.raises(CatalogError) as second:
        opened(seed_db, lock_timeout=0.1)
    assert f"htcat: error: {second.value}\n" == waited.stderr
    db.close()
    assert cli("--lock-timeout", "0.1", "tag", HTLA, "--add", "x").exit_code == 0
    with pytest.raises(InputError, match="was closed"):
        db.table("entries").all()


def test_the_lock_is_released_at_the_end_of_a_with_block_even_on_error(seed_db: Path):
    with pytest.raises(InvalidEntry), opened(seed_db) as db:
        db.table("entries").insert({"title": ""})
    with catalog_lock(seed_db, timeout=0):
        pass


def test_a_script_waits_for_htcats_lock_and_gives_up_with_its_error(seed_db: Path, lock_held):
    with pytest.raises(CatalogError, match=r"is locked by another htcat; gave up after 0\.2 s"):
        opened(seed_db, lock_timeout=0.2)


# --- the index --------------------------------------------------------------------------------


@pytest.fixture
def indexed(seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed catalog with an index beside it, fresh."""
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    assert cli("list").exit_code == 0
    assert vouches_for(seed_db, seed_db.stat())
    return seed_db


def test_a_script_write_brings_a_fresh_index_along(indexed: Path, cli):
    with opened(indexed) as db:
        db.table("entries").update({"tags": ["scripted"]}, Query().id == HTLA)
        db.table("entries").insert({"title": "Added By Script", "tags": ["scripted"]})
    assert vouches_for(indexed, indexed.stat())
    listed = cli("list", "--tag", "scripted", "--format", "json")
    assert sorted(e["id"] for e in json.loads(listed.stdout)) == ["added-by-script", HTLA]
    searched = cli("search", "added by script", "--format", "json")
    assert [e["id"] for e in json.loads(searched.stdout)] == ["added-by-script"]


def test_an_index_stale_before_the_script_stays_stale_and_htcat_sees_both_changes(
    indexed: Path, cli
):
    by_hand = json.loads(indexed.read_bytes())
    by_hand["entries"]["1"]["tags"].append("by-hand")
    indexed.write_text(json.dumps(by_hand))
    with opened(indexed) as db:
        db.table("entries").update({"tags": ["scripted"]}, Query().id == HTLA)
    assert not vouches_for(indexed, indexed.stat())
    listed = json.loads(cli("list", "--format", "json").stdout)
    tags = {e["id"]: e["tags"] for e in listed}
    assert (
        "by-hand" in tags["information-memorandum-federal-cases-involving-forced-labor-of-health"]
    )
    assert tags[HTLA] == ["scripted"]
    assert vouches_for(indexed, indexed.stat())


# --- the scripts in docs/scripting.md ---------------------------------------------------------

SCRIPTING = ROOT / "docs" / "scripting.md"


def documented_scripts() -> dict[str, str]:
    """Each script the page shows, by the file name its first line gives it."""
    blocks = re.findall(r"```python\n(# (\S+\.py):.*?)```", SCRIPTING.read_text(), re.DOTALL)
    return {name: code for code, name in blocks}


def run_script(
    folder: Path, name: str, *args: str | Path, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run a documented script with the Python htcat is installed in, from the catalog's folder."""
    script = folder / name
    script.write_text(documented_scripts()[name])
    return subprocess.run(
        [sys.executable, script, *map(str, args)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A folder holding ``data/catalog.json``, the shipped catalog, as the scripts expect."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(SEED, tmp_path / "data" / "catalog.json")
    return tmp_path


def test_the_page_shows_three_scripts():
    assert sorted(documented_scripts()) == [
        "add_from_spreadsheet.py",
        "archive_older.py",
        "find_by_tag.py",
    ]


def test_the_find_by_tag_script_prints_the_tagged_entries(repo: Path):
    found = run_script(repo, "find_by_tag.py", "otip")
    assert found.returncode == 0, found.stderr
    assert [line.split("\t")[0] for line in found.stdout.splitlines()] == OTIP


def test_the_archive_script_archives_only_published_entries_dated_before(repo: Path):
    catalog = repo / "data" / "catalog.json"
    before = entries_in(catalog)
    done = run_script(repo, "archive_older.py", "2020")
    assert (done.returncode, done.stdout) == (0, "archived 2\n"), done.stderr
    after = entries_in(catalog)
    archived = {i for i, e in after.items() if e["status"] == "archived"}
    assert archived == {
        "research-policy-otip-and-hhs-data-collection-evaluation-and-research",
        "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and",
    }
    assert all(after[i]["updated"] > before[i]["updated"] for i in archived)
    assert all(after[i] == before[i] for i in after if i not in archived)
    assert run_script(repo, "archive_older.py", "2020").stdout == "archived 0\n"


def test_the_spreadsheet_script_adds_a_draft_entry_per_row(repo: Path):
    sheet = repo / "sheet.csv"
    sheet.write_text(
        "Title,Type,Date,Tags,URL,Link label\n"
        'Forced Labor Toolkit,toolkit,2024-05,Labor Trafficking;toolkit,"https://example.org/t.pdf",'
        "Toolkit\n"
        "Survivor Voices,webinar,2023,survivors,,\n",
        encoding="utf-8",
    )
    done = run_script(repo, "add_from_spreadsheet.py", sheet)
    assert (done.returncode, done.stdout) == (0, "forced-labor-toolkit\nsurvivor-voices\n")
    stored = entries_in(repo / "data" / "catalog.json")
    toolkit = stored["forced-labor-toolkit"]
    assert (toolkit["status"], toolkit["type"], toolkit["date"]) == ("draft", "toolkit", "2024-05")
    assert toolkit["tags"] == ["labor-trafficking", "toolkit"]
    assert [(link["url"], link["kind"]) for link in toolkit["links"]] == [
        ("https://example.org/t.pdf", "pdf")
    ]
    assert stored["survivor-voices"]["links"] == []
    assert len(stored) == 7


def test_the_spreadsheet_script_adds_nothing_when_a_row_is_bad(repo: Path):
    catalog = repo / "data" / "catalog.json"
    before = catalog.read_bytes()
    sheet = repo / "sheet.csv"
    sheet.write_text("Title,Type,Date,Tags,URL,Link label\nA,report,2024,,,\nB,report,2024-13,,,\n")
    done = run_script(repo, "add_from_spreadsheet.py", sheet)
    assert done.returncode == ExitStatus.USAGE
    assert (
        done.stderr == f"{sheet}: new entry (document 7): date '2024-13': is not a calendar date\n"
    )
    assert catalog.read_bytes() == before


# --- scripts and htcat at once ----------------------------------------------------------------

COUNT = 8

INSERTER = textwrap.dedent(
    """
    import sys
    from tinydb import TinyDB
    from htcat.tinydb import CatalogStorage
    path, count = sys.argv[1], int(sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        with TinyDB(path, storage=CatalogStorage, lock_timeout=600) as db:
            db.table("entries").insert({"title": f"Inserted {n}"})
    print("done", flush=True)
    """
)
"""Opens the catalog ``count`` times, inserting one entry each time."""

TAG_ADDER = textwrap.dedent(
    """
    import sys
    from tinydb import Query, TinyDB
    from htcat.tinydb import CatalogStorage
    path, ident, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        with TinyDB(path, storage=CatalogStorage, lock_timeout=600) as db:
            entries = db.table("entries")
            tags = entries.get(Query().id == ident)["tags"]
            entries.update({"tags": [*tags, f"s{n}"]}, Query().id == ident)
    print("done", flush=True)
    """
)
"""Reads an entry's tags and writes them back with one more, ``count`` times."""

HTCAT_TAGGER = """
echo ready
read go
for n in $(seq 0 $(($3 - 1))); do
    "$0" --db "$1" --lock-timeout 600 tag "$2" --add "h$n" > /dev/null || exit 1
done
echo done
"""
"""Runs the installed ``htcat tag ID --add hN`` ``count`` times."""


def test_two_scripts_and_htcat_tag_at_once_lose_nothing(seed_db: Path):
    """Each process waits for the others to be ready, then loops; every change must land,
    however their locks interleave."""
    commands = [
        [sys.executable, "-c", INSERTER, seed_db, str(COUNT)],
        [sys.executable, "-c", TAG_ADDER, seed_db, HTLA, str(COUNT)],
        ["bash", "-c", HTCAT_TAGGER, HTCAT, seed_db, HTLA, str(COUNT)],
    ]
    workers = [
        subprocess.Popen(
            [str(part) for part in command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.close()
    statuses = [worker.wait(timeout=TIMEOUT * 3) for worker in workers]
    errors = [worker.stderr.read() for worker in workers if worker.stderr]
    assert statuses == [0, 0, 0], errors
    assert [w.stdout.read() for w in workers if w.stdout] == ["done\n"] * 3
    stored = entries_in(seed_db)
    assert {f"inserted-{n}" for n in range(COUNT)} <= set(stored)
    assert len(stored) == 5 + COUNT
    tags = set(stored[HTLA]["tags"])
    expected = {f"{prefix}{n}" for prefix in "sh" for n in range(COUNT)}
    assert expected <= tags, f"lost {sorted(expected - tags)}"
    assert sorted(seed_db.parent.glob(".*.tmp")) == []
