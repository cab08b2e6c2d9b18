"""The catalog as commands see it: a change of a few entries copies the rest of the file,
and gives exactly the bytes a full write would."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import OLD, write_catalog
from htcat import catalog
from htcat.errors import InputError
from htcat.index import build, database, freshness
from htcat.index import spans as index_spans
from htcat.query import Filters, Order
from htcat.store import file, memory
from htcat.store.image import SCHEMA_VERSION, dump_json, parse_image
from htcat.store.layout import scan_bytes


@pytest.fixture(autouse=True)
def always_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")


def spliced(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths written the fast way, from now on."""
    written: list[Path] = []
    real = catalog._write_splice

    def counted(path: Path, *args: Any) -> None:
        written.append(path)
        real(path, *args)

    monkeypatch.setattr(catalog, "_write_splice", counted)
    return written


def indexed(db: Path, titles: list[str]) -> Path:
    write_catalog(db, [{"title": t, "tags": ["start"]} for t in titles])
    assert build.open_index(db) is not None
    return db


def test_a_one_entry_change_copies_the_rest_and_reads_one_entry(
    db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    indexed(db, ["Alpha report", "Beta report", "Gamma report"])
    written = spliced(monkeypatch)
    monkeypatch.setattr(catalog, "parse_image", lambda *a, **k: pytest.fail("read whole"))
    assert cli("tag", "beta", "--add", "new").exit_code == 0
    assert cli("edit", "gamma", "--set", "title=Gamma, edited").exit_code == 0
    assert written == [db, db]
    monkeypatch.undo()
    raw = db.read_bytes()
    assert dump_json(parse_image(raw, db)) == raw
    with catalog.change(db):
        pass
    assert cli("list", "--tag", "new", "--format", "ids").stdout.split() == ["beta-report"]
    assert cli("search", "edited", "--format", "ids").stdout.split() == ["gamma-report"]


def test_a_file_not_in_canonical_form_is_written_whole_and_canonically(db: Path, cli):
    indexed(db, ["Alpha report", "Beta report"])
    compact = parse_image(db.read_bytes(), db)
    db.write_bytes(orjson.dumps(compact))
    assert cli("tag", "beta", "--add", "new").exit_code == 0
    raw = db.read_bytes()
    assert dump_json(parse_image(raw, db)) == raw
    assert b'"new"' in raw


def test_a_change_of_another_table_is_written_whole(db: Path, monkeypatch: pytest.MonkeyPatch):
    indexed(db, ["Alpha report", "Beta report"])
    written = spliced(monkeypatch)
    with catalog.change(db) as changing:
        changing.image["conflicts"] = {"1": {"id": "alpha-report"}}
        changing.replace({**changing.get("alpha"), "notes": "seen"})
    assert written == []
    image = parse_image(db.read_bytes(), db)
    assert image["conflicts"] == {"1": {"id": "alpha-report"}}
    assert db.read_bytes() == dump_json(image)


def test_an_id_two_entries_hold_is_refused_on_the_fast_path_too(db: Path, cli):
    indexed(db, ["Alpha report", "Omega report"])
    db.write_bytes(db.read_bytes().replace(b'"omega-report"', b'"alpha-report"'))
    assert cli("list", "--format", "ids").stdout.split() == ["alpha-report", "alpha-report"]
    for command in (["edit", "alpha-report", "--set", "notes=x"], ["tag", "alpha", "--add", "x"]):
        result = cli(*command)
        assert result.exit_code == 3, result.stderr
        assert "held by 2 entries" in result.stderr


def test_a_change_of_another_table_alone_is_written(db: Path):
    """Settling the last merge conflict changes no entry, only the conflicts table."""
    indexed(db, ["Alpha report"])
    with catalog.change(db) as changing:
        changing.image["conflicts"] = {"1": {"id": "alpha-report"}}
        changing.tables_changed.add("conflicts")
    assert "conflicts" in parse_image(db.read_bytes(), db)
    with catalog.change(db) as changing:
        del changing.image["conflicts"]
        changing.tables_changed.add("conflicts")
    assert "conflicts" not in parse_image(db.read_bytes(), db)
    assert catalog.read(db).entries()[0]["id"] == "alpha-report"


Step = tuple[str, int, str]

steps = st.lists(
    st.tuples(
        st.sampled_from(["edit", "tag", "add", "add-two", "remove", "edit-two"]),
        st.integers(0, 50),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
    ),
    min_size=1,
    max_size=6,
)


def apply(changing: memory.Catalog, step: Step) -> None:
    kind, n, text = step
    ids = sorted(changing.ids())
    ident = ids[n % len(ids)] if ids else ""
    if kind == "edit" and ident:
        changing.replace({**changing.get(ident), "notes": f"{text}!"})
    elif kind == "edit-two" and len(ids) > 1:
        other = ids[(n + 1) % len(ids)]
        changing.replace_many([{**changing.get(i), "summary": text + i} for i in (ident, other)])
    elif kind == "tag" and ident:
        entry = changing.get(ident)
        changing.replace({**entry, "tags": sorted({*entry["tags"], f"t{n}"})})
    elif kind == "add":
        changing.add({"title": f"New {text} {n}".strip() or "New", "notes": text})
    elif kind == "add-two":
        changing.add_many([{"title": f"Pair {n}"}, {"title": f"Pair {n}", "notes": text}])
    elif kind == "remove" and ident:
        changing.remove_many([ident])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(size=st.integers(1, 14), changes=steps)
def test_changes_written_the_fast_way_give_the_bytes_of_a_full_write(
    size: int, changes: list[Step]
) -> None:
    real_splice = catalog._write_splice
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.object(memory, "now_stamp", lambda: OLD),
        mock.patch.object(catalog, "_write_splice", side_effect=real_splice) as fast_writes,
    ):
        fast = indexed(Path(folder, "fast.json"), [f"Entry {n} é “x”" for n in range(size)])
        whole = Path(folder, "whole.json")
        shutil.copyfile(fast, whole)
        for step in changes:
            with catalog.change(fast) as changing:
                apply(changing, step)
            with file.change_catalog(whole) as changing:
                apply(changing, step)
            assert fast.read_bytes() == whole.read_bytes(), step
        if changes[0][0] == "edit":
            assert fast_writes.call_count >= 1, "the first one-entry change is spliced"
        page = catalog.select_entries(fast, Filters(), Order(sort="title"))
        assert sorted(e["id"] for e in page.entries) == sorted(
            e["id"] for e in file.read_catalog(whole).entries()
        )
        with contextlib.closing(database.connect(fast)) as conn:
            stored = dict(conn.execute("SELECT doc_id, start FROM spans"))
        found = scan_bytes(fast.read_bytes())
        spans = found.spans if found else {}
        assert stored == {doc_id: start for doc_id, (start, _) in spans.items()}


@pytest.mark.parametrize("in_sql", [16, 0], ids=["moved in SQL", "moved in Python"])
def test_the_spans_after_a_splice_are_where_the_entries_are(
    db: Path, monkeypatch: pytest.MonkeyPatch, in_sql: int
):
    monkeypatch.setattr(index_spans, "_SHIFTS_IN_SQL", in_sql)
    indexed(db, [f"Report {n}" for n in range(12)])
    with catalog.change(db) as changing:
        changing.replace_many(
            [{**changing.get(f"report-{n}"), "summary": "longer " * n} for n in (2, 5, 9)]
        )
        changing.add({"title": "Added"})
    with contextlib.closing(database.connect(db)) as conn:
        stored = {d: (s, n) for d, s, n in conn.execute("SELECT doc_id, start, length FROM spans")}
    found = scan_bytes(db.read_bytes())
    assert found is not None and stored == found.spans


def test_a_file_of_another_schema_is_written_whole(db: Path, monkeypatch: pytest.MonkeyPatch):
    """A newer htcat migrates the file on its next write: no splice keeps the old schema."""
    indexed(db, ["Alpha report", "Beta report"])
    written = spliced(monkeypatch)
    monkeypatch.setattr(freshness, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with catalog.change(db) as changing:
        changing.replace({**changing.get("alpha"), "notes": "seen"})
    assert written == []


def test_many_new_entries_are_written_whole(db: Path, monkeypatch: pytest.MonkeyPatch):
    indexed(db, ["Alpha report", "Beta report"])
    written = spliced(monkeypatch)
    monkeypatch.setattr(catalog, "SPLICE_MOST_ADDED", 1)
    with catalog.change(db) as changing:
        changing.add({"title": "One more"})
    with catalog.change(db) as changing:
        changing.add_many([{"title": "Two"}, {"title": "Three"}])
    assert written == [db]
    raw = db.read_bytes()
    assert dump_json(parse_image(raw, db)) == raw
    assert len(parse_image(raw, db)["entries"]) == 5


def test_an_entry_not_as_the_index_holds_it_makes_the_change_read_the_whole_file(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    """Even an index whose stat matches is not believed over the bytes it points at."""
    indexed(db, ["Alpha report", "Beta report"])
    db.write_bytes(db.read_bytes().replace(b"Beta report", b"Beta rep0rt"))
    stat = db.stat()
    with contextlib.closing(database.connect(db)) as conn, conn:  # as if it knew this file
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'fingerprint'", (freshness.fingerprint(stat),)
        )
        conn.execute("UPDATE meta SET value = ? WHERE key = 'known'", (str(time.time_ns()),))
    written = spliced(monkeypatch)
    with catalog.change(db) as changing:
        assert isinstance(changing, catalog._SplicedCatalog), "the stat vouches for the file"
        changing.replace({**changing.get("beta"), "notes": "seen"})
    assert written == []
    entry = parse_image(db.read_bytes(), db)["entries"]["2"]
    assert (entry["title"], entry["notes"]) == ("Beta rep0rt", "seen")
    assert titles_through_index(db) == ["Alpha report", "Beta rep0rt"]


def titles_through_index(db: Path) -> list[str]:
    return [e["title"] for e in catalog.select_entries(db, Filters(), Order(sort="title")).entries]


# --- which entries a command acts on -------------------------------------------------------------


def chosen_ids(db: Path, choice: catalog.Choice) -> list[str]:
    with catalog.change(db) as changing:
        return [e["id"] for e in catalog.entries_chosen(changing, choice)]


@pytest.mark.parametrize(
    ("every", "message"),
    [
        (None, "name entries by id or filters$"),
        (False, "name entries by id or filters, or give --all"),
    ],
)
def test_naming_nothing_is_refused_unless_every_entry_was_asked_for(
    db: Path, every: bool | None, message: str
):
    indexed(db, ["Alpha report", "Beta report"])
    with pytest.raises(InputError, match=message):
        chosen_ids(db, catalog.Choice(every=every))
    assert chosen_ids(db, catalog.Choice(every=True)) == ["alpha-report", "beta-report"]


def test_ids_name_each_entry_once_in_the_order_named_and_the_filters_still_apply(db: Path):
    indexed(db, ["Alpha report", "Beta report", "Gamma report"])
    with catalog.change(db) as changing:
        changing.replace({**changing.get("gamma"), "tags": ["start", "kept"]})
    choice = catalog.Choice(("gamma", "alpha-report", "gamma-report", "alp"))
    assert chosen_ids(db, choice) == ["gamma-report", "alpha-report"]
    kept = catalog.Choice(("gamma", "alpha"), Filters.build(tags=["kept"]))
    assert chosen_ids(db, kept) == ["gamma-report"]


def test_filters_in_a_change_are_asked_of_the_index_and_read_only_what_they_select(
    db: Path, monkeypatch: pytest.MonkeyPatch
):
    indexed(db, ["Alpha report", "Beta report", "Gamma report", "Delta memo"])
    choice = catalog.Choice(filters=Filters.build(query="report", since="", tags=["start"]))
    whole = catalog.read(db)
    in_memory = [e["id"] for e in catalog.entries_chosen(whole, choice)]
    monkeypatch.setattr(catalog, "parse_image", lambda *a, **k: pytest.fail("read whole"))
    with catalog.change(db) as changing:
        through_index = catalog.entries_chosen(changing, choice)
        assert (
            [e["id"] for e in through_index]
            == in_memory
            == [
                "alpha-report",
                "beta-report",
                "gamma-report",
            ]
        )
        changing.replace_many([{**e, "tags": ["start", "seen"]} for e in through_index])
    monkeypatch.undo()
    seen = catalog.Choice(filters=Filters.build(tags=["seen"]))
    assert chosen_ids(db, seen) == in_memory
