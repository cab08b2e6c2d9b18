"""The documents' text store kept in step with the catalog and its archive, and searched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import write_catalog
from htcat.docsearch import documents_of, rebuild_store, search_documents, store_texts
from htcat.index import doctext
from htcat.links.config import DocumentLimits
from htcat.query import Filters, parse_keywords

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
