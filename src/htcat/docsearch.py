"""Search inside fetched documents, and keep their text store in step with the archive.

The store (`htcat.index.doctext`) holds text by document hash; the catalog
says which entry's link holds which hash. A search therefore chooses entries
as every other command does (`htcat.catalog.entries_chosen`), asks the store
for the pages of their documents, and gives each page back with the entry and
the link it belongs to. Text is taken from the archive once per hash: after a
fetch, for the documents it stored, or for the whole archive on a rebuild.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from htcat.catalog import read as read_catalog
from htcat.catalog import select_entries
from htcat.errors import InputError
from htcat.filters import any_of_terms
from htcat.fulltext import fts_form
from htcat.index import doctext
from htcat.index.doctext import DocumentHit
from htcat.model import Entry
from htcat.progress import Progress
from htcat.query import Filters, Keywords, Order

if TYPE_CHECKING:  # the limits come with the fetch or rebuild that reads text: 7 ms to import
    from htcat.links.config import DocumentLimits


@dataclass(frozen=True)
class LinkedDocument:
    """A fetched document as a link holds it: where it lies in the archive, whose it is."""

    sha256: str
    archive_path: str
    entry: Entry
    link: dict[str, Any]


@dataclass
class TextReport:
    """What storing text did: documents read, already stored, cut by a limit, not readable."""

    read: int = 0
    already: int = 0
    limited: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    forgotten: int = 0
    missing: int = 0


def linked_documents(entries: Iterable[Entry]) -> Iterator[LinkedDocument]:
    """Every fetched document the ``entries``' links hold, once per link.

    Entries and links of the wrong shape (a hand edit `htcat doctor` reports)
    are passed over.
    """
    for entry in entries:
        links = entry.get("links") if isinstance(entry, dict) else None
        for link in links if isinstance(links, list) else ():
            check = (link.get("check") if isinstance(link, dict) else None) or {}
            if not isinstance(check, dict):
                continue
            sha256, where = check.get("sha256"), check.get("archive_path")
            if isinstance(sha256, str) and isinstance(where, str):
                yield LinkedDocument(sha256, where, entry, link)


def match_expression(keywords: Keywords) -> str:
    """The FTS5 query for ``keywords``, as the entries' own full-text index asks it.

    Each term is put in the form the store indexes text in (`_stored_form`).
    FTS5 cannot list pages that merely lack a word, so a word to find is needed.
    """
    if not keywords.groups:
        raise InputError("search --in-documents: give at least one word to find, not only -words")
    match = " AND ".join(any_of_terms(_stored_form(t) for t in group) for group in keywords.groups)
    if keywords.excluded:
        excluded = any_of_terms(_stored_form(term) for term in keywords.excluded)
        match = f"({match}) NOT {excluded}"
    return match


def _stored_form(term: str) -> str:
    """A query term as the store indexes text: CJK characters spaced (each a word: a word
    inside a run of them is then a phrase of characters), and folded (`fts_form`).

    Hangul syllables are made whole again first (folding took them apart into
    letters, NFC puts them back), so that each is spaced as the store's are.
    """
    return fts_form(doctext.spaced_cjk(unicodedata.normalize("NFC", term)))


def search_documents(
    catalog: Path,
    filters: Filters,
    keywords: Keywords,
    limit: int | None,
    *,
    offset: int = 0,
    by_entries: Order | None = None,
) -> list[DocumentHit]:
    """The pages of the chosen entries' documents that hold what ``keywords`` asks, best first.

    ``filters`` choose the entries (their own keywords still search the entries'
    text); ``keywords`` search the documents'. With ``by_entries``, the pages
    come entry by entry in that sort, the best first within each entry. A page
    is one hit for each link that holds its document; ``offset`` and ``limit``
    count hits.
    """
    match = match_expression(keywords)
    order = by_entries or Order()
    entries = select_entries(catalog, filters, Order(order.sort, order.reverse)).entries
    owners: dict[str, list[LinkedDocument]] = {}
    for document in linked_documents(entries):
        owners.setdefault(document.sha256, []).append(document)
    if not owners or not doctext.doctext_path(catalog).exists():
        return []
    end = None if limit is None else offset + limit
    with doctext.opened(catalog) as conn:
        pages = doctext.search_pages(
            conn, match, list(owners), end, in_order=by_entries is not None
        )
    found = [(page, owner) for page in pages for owner in owners[page.sha256]]
    if by_entries is not None:
        place = {entry["id"]: number for number, entry in enumerate(entries)}
        found.sort(key=lambda hit: (place[hit[1].entry["id"]], hit[0].rank))
    return [
        DocumentHit(
            owner.entry["id"],
            owner.entry.get("title", ""),
            str(owner.link.get("label") or ""),
            owner.link["url"],
            page.sha256,
            page.page,
            doctext.unspaced_cjk(page.snippet),
        )
        for page, owner in found[offset:end]
    ]


def store_texts(
    catalog: Path,
    archive: Path,
    fetched: Iterable[tuple[str, str]],
    limits: DocumentLimits,
    *,
    replaced: Iterable[str] = (),
    on_read: Progress | None = None,
) -> TextReport:
    """Read into the store the text of each ``(sha256, archive path)`` it does not hold yet.

    ``replaced`` are the hashes of documents that changed: their rows go, unless
    one of ``fetched`` is the same document again.
    """
    from htcat.links.documents import document_text

    report = TextReport()
    wanted = dict(fetched)
    with doctext.opened(catalog) as conn:
        report.forgotten = doctext.forget(conn, set(replaced) - set(wanted))
        held = doctext.stored_hashes(conn)
        todo = [(sha256, where) for sha256, where in wanted.items() if sha256 not in held]
        report.already = len(wanted) - len(todo)
        for sha256, where in todo:
            text = document_text(archive / where, limits)
            doctext.put(conn, sha256, text)
            report.read += 1
            if text.limited:
                report.limited.append((sha256, text.limited))
            if text.error:
                report.unreadable.append((sha256, text.error))
            if on_read is not None:
                on_read(report.read, len(todo))
    return report


def rebuild_store(
    catalog: Path,
    archive: Path,
    limits: DocumentLimits,
    *,
    again: bool = False,
    on_read: Progress | None = None,
) -> TextReport:
    """Bring the store in step with the catalog from the archive alone.

    Documents no link holds any more are forgotten; those missing are read;
    with ``again``, every one is read anew (after the limits changed).
    """
    linked = {d.sha256: d.archive_path for d in linked_documents(read_catalog(catalog).entries())}
    present = {sha: where for sha, where in linked.items() if (archive / where).is_file()}
    with doctext.opened(catalog) as conn:
        forgotten = doctext.forget(conn, doctext.stored_hashes(conn) - set(present))
        if again:
            doctext.forget(conn, present)
    report = store_texts(catalog, archive, present.items(), limits, on_read=on_read)
    report.forgotten, report.missing = forgotten, len(linked) - len(present)
    return report


def unread_documents(catalog: Path, entries: Iterable[Entry]) -> list[tuple[LinkedDocument, str]]:
    """The ``entries``' documents that gave no text, or not all of it, each with why."""
    linked = list(linked_documents(entries))
    stored = documents_of(catalog, (d.sha256 for d in linked))
    found = []
    for document in linked:
        held = stored.get(document.sha256)
        if held is not None and (why := held.shortfall):
            found.append((document, why))
    return found


def documents_of(catalog: Path, hashes: Iterable[str]) -> dict[str, doctext.StoredDocument]:
    """What the store holds of the documents ``hashes`` (none when there is no store)."""
    if not doctext.doctext_path(catalog).exists():
        return {}
    with doctext.opened(catalog) as conn:
        return doctext.documents(conn, hashes)
