"""The documents' text store kept in step with the catalog and its archive, and searched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import write_catalog
from htcat.docsearch import documents_of, rebuild_store, search_documents, store_texts
from htcat.index import doctext
from htcat.links.config import DocumentLimits
from htcat.query import Filters, Order, parse_keywords

LIMITS = DocumentLimits()


def archived(archive: Path, name: str, text: str) -> tuple[str, str]:
    """A text file in the archive under a made-up hash ``name * 64``: (hash, archive path)."""
    sha256 = name * 64
    where = f"{sha256[:2]}/{sha256}.txt"
    (archive / where).parent.mkdir(parents=True, exist_ok=True)
    (archive / where).write_text(text, encoding="utf-8")
    return sha256, where


def linked(title: str, sha256: str, where: str, **fields: Any) -> dict[str, Any]:
    check = {"outcome": "ok", "sha256": sha256, "archive_path": where}
    link = {"url": f"https://example.org/{sha256[:4]}.txt", "kind": "pdf", "check": check}
    return {"title": title, "type": "report", "links": [link], **fields}


def stored(db: Path) -> set[str]:
    with doctext.opened(db) as conn:
        return doctext.stored_hashes(conn)


def test_a_hash_already_stored_is_not_read_again(tmp_path: Path) -> None:
    archive, db = tmp_path / "archive", tmp_path / "catalog.json"
    one = archived(archive, "a", "forced labour")

    first = store_texts(db, archive, [one], LIMITS)
    (archive / one[1]).write_text("replaced on disk", encoding="utf-8")
    second = store_texts(db, archive, [one], LIMITS)

    assert (first.read, second.read, second.already) == (1, 0, 1)
    write_catalog(db, [{"title": "Unlinked", "type": "report"}])
    assert search_documents(db, Filters(), parse_keywords("labour"), None) == []
    write_catalog(db, [linked("Report", *one)])
    assert [h.page for h in search_documents(db, Filters(), parse_keywords("labour"), None)] == [1]


def test_a_changed_document_replaces_the_rows_of_the_one_it_replaced(tmp_path: Path) -> None:
    archive, db = tmp_path / "archive", tmp_path / "catalog.json"
    old, new = archived(archive, "b", "old words"), archived(archive, "c", "new words")
    store_texts(db, archive, [old], LIMITS)

    report = store_texts(db, archive, [new], LIMITS, replaced=[old[0]])

    assert report.forgotten == 1
    assert stored(db) == {new[0]}


def test_search_joins_pages_to_the_entries_the_filters_choose(tmp_path: Path) -> None:
    archive, db = tmp_path / "archive", tmp_path / "catalog.json"
    shared = archived(archive, "d", "debt bondage in agriculture")
    write_catalog(
        db,
        [
            linked("Farm report", *shared, tags=["farms"]),
            linked("Same file, other entry", *shared, type="webinar"),
        ],
    )
    store_texts(db, archive, [shared], LIMITS)

    every = search_documents(db, Filters(), parse_keywords("bondage"), None)
    webinars = search_documents(db, Filters(types=("webinar",)), parse_keywords("bondage"), None)
    one = search_documents(db, Filters(), parse_keywords("bondage"), 1)

    assert sorted(h.entry_id for h in every) == ["farm-report", "same-file-other-entry"]
    assert [h.entry_id for h in webinars] == ["same-file-other-entry"]
    assert len(one) == 1
    assert every[0].snippet == "debt \x02bondage\x03 in agriculture"


def test_a_rebuild_reads_what_is_missing_and_forgets_what_no_link_holds(tmp_path: Path) -> None:
    archive, db = tmp_path / "archive", tmp_path / "catalog.json"
    kept, gone = archived(archive, "e", "kept text"), archived(archive, "f", "gone text")
    missing = archived(archive, "0", "never stored")
    write_catalog(db, [linked("Kept", *kept), linked("Missing", *missing)])
    store_texts(db, archive, [kept, gone], LIMITS)
    seen: list[tuple[int, int]] = []

    report = rebuild_store(db, archive, LIMITS, on_read=lambda *done: seen.append(done))

    assert (report.read, report.already, report.forgotten, report.missing) == (1, 1, 1, 0)
    assert seen == [(1, 1)]
    assert stored(db) == {kept[0], missing[0]}
    assert rebuild_store(db, archive, LIMITS, again=True).read == 2
    (archive / kept[1]).unlink()
    assert rebuild_store(db, archive, LIMITS).missing == 1
    assert stored(db) == {missing[0]}


def test_a_rebuild_after_the_store_was_deleted_restores_it_from_the_archive(
    tmp_path: Path,
) -> None:
    archive, db = tmp_path / "archive", tmp_path / "catalog.json"
    doc = archived(archive, "1", "restored words")
    write_catalog(db, [linked("Doc", *doc)])
    store_texts(db, archive, [doc], LIMITS)
    doctext.doctext_path(db).unlink()

    assert documents_of(db, [doc[0]]) == {}
    rebuild_store(db, archive, LIMITS)
    assert [h.entry_id for h in search_documents(db, Filters(), parse_keywords("restored"), 5)] == [
        "doc"
    ]


def test_with_an_order_the_pages_come_entry_by_entry_and_best_first_within(
    tmp_path: Path,
) -> None:
    """A document two entries link comes under each, at each entry's place in the sort."""
    db = tmp_path / "catalog.json"
    shared, own = "a" * 64, "b" * 64
    with doctext.opened(db) as conn:
        doctext.put(conn, shared, doctext.DocumentText("read", 2, ("farm work", "farm farm farm")))
        doctext.put(conn, own, doctext.DocumentText("read", 1, ("farm farm farm farm",)))
    write_catalog(
        db,
        [
            linked("Newest", shared, "x", date="2024"),
            linked("Middle", own, "y", date="2022"),
            linked("Oldest", shared, "x", date="2020"),
        ],
    )
    farm = parse_keywords("farm")

    def hits(limit: int | None = None, **options: Any) -> list[tuple[str, int]]:
        found = search_documents(db, Filters(), farm, limit, **options)
        return [(hit.entry_id, hit.page) for hit in found]

    by_date = [("newest", 2), ("newest", 1), ("middle", 1), ("oldest", 2), ("oldest", 1)]
    assert hits() == [("middle", 1), ("newest", 2), ("oldest", 2), ("newest", 1), ("oldest", 1)]
    assert hits(by_entries=Order(sort="date")) == by_date
    assert hits(1, by_entries=Order(sort="date")) == by_date[:1]
    assert hits(4, by_entries=Order(sort="date")) == by_date[:4]
    assert hits(2, offset=2, by_entries=Order(sort="date")) == by_date[2:4]
    assert hits(by_entries=Order(sort="date", reverse=True)) == [
        ("oldest", 2),
        ("oldest", 1),
        ("middle", 1),
        ("newest", 2),
        ("newest", 1),
    ]
    assert hits(by_entries=Order(sort="title")) == [
        ("middle", 1),
        ("newest", 2),
        ("newest", 1),
        ("oldest", 2),
        ("oldest", 1),
    ]
    assert hits(1, offset=3) == [("newest", 1)]


def test_a_document_the_store_holds_but_no_link_does_is_never_found(tmp_path: Path) -> None:
    """Every entry is chosen, yet not every stored document is some entry's."""
    db = tmp_path / "catalog.json"
    with doctext.opened(db) as conn:
        doctext.put(conn, "a" * 64, doctext.DocumentText("read", 1, ("farm work",)))
        doctext.put(conn, "b" * 64, doctext.DocumentText("read", 1, ("farm farm",)))
    write_catalog(db, [linked("Linked", "a" * 64, "x")])

    found = search_documents(db, Filters(), parse_keywords("farm"), None)

    assert [(hit.entry_id, hit.sha256) for hit in found] == [("linked", "a" * 64)]
