"""The one way commands read, change, select and get entries: the file, kept with its index.

The store (`htcat.store`) knows the file and nothing of the index; the index
(`htcat.index`) is built from what the store reads and proves it still holds
those bytes before it answers. This module joins them: a selection or a
lookup asks the index when there is a fresh one and the file otherwise; a
read checks every entry unless the index vouches for the very bytes read; a
change of a few entries of a large canonical file reads only those entries
and copies every other byte from the old file (`htcat.store.layout`), which
gives exactly the bytes a full write would; anything else reads and writes
the file whole. `chosen` is the one decision of which entries a command acts
on: those named by id, or those the filters select, or, when told, all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from htcat.errors import InputError
from htcat.filters import check_paging, indexed_doc_ids, matches, select, select_indexed
from htcat.index import queries
from htcat.index.build import open_index
from htcat.index.entries import NotAsIndexed, entry_at
from htcat.index.freshness import fingerprint, vouches_for
from htcat.index.spans import SpansView, record_splice, spans_for, update_index
from htcat.model import Entry, is_unicode_text
from htcat.progress import Progress
from htcat.query import Filters, Order, Page
from htcat.store import fs
from htcat.store.file import opened, read_bytes, read_catalog
from htcat.store.fs import DEFAULT_LOCK_TIMEOUT, catalog_lock, remove_stale_temp_files
from htcat.store.ids import resolve_id
from htcat.store.image import ENTRIES_TABLE, Image, dump_json, not_overwritten, parse_image
from htcat.store.layout import Layout, Span, Splice, copy_pieces, splice
from htcat.store.memory import Catalog

if TYPE_CHECKING:  # sqlite3 is imported where used: most commands never open the index
    import sqlite3

T = TypeVar("T")

SPLICE_MOST = 2000
"""The most entries a change splices into the old file; beyond, writing it whole is as quick."""
SPLICE_MOST_ADDED = 100
"""The most new entries a change splices in."""


def read(path: Path) -> Catalog:
    """The whole catalog at ``path``, for reading. Needs no lock: writes are atomic renames."""
    with opened(path) as file:
        raw, stat = read_bytes(file, path)
    checked = vouches_for(path, stat)
    return Catalog(path, parse_image(raw, path, checked=checked))


def select_entries(
    path: Path, filters: Filters, order: Order, progress: Progress | None = None
) -> Page:
    """The page of entries of the catalog at ``path`` that ``filters`` and ``order`` give.

    ``progress`` is told of the index's entries when it must be built first.
    """
    check_paging(order)
    found = _asked_of_index(path, progress, lambda c, f: select_indexed(c, filters, order, f))
    return select(read_catalog(path).entries(), filters, order) if found is None else found


def _asked_of_index(
    path: Path, progress: Progress | None, ask: Callable[[sqlite3.Connection, BinaryIO], T]
) -> T | None:
    """What ``ask`` finds in a fresh index of the catalog at ``path``, open as the file it
    reads entries from; None where reading the file whole is the way (no index, or the
    file changed since the index proved it)."""
    with opened(path) as file:
        conn = open_index(path, progress)
        if conn is not None:
            with contextlib.closing(conn), contextlib.suppress(NotAsIndexed):
                return ask(conn, file)
    return None


@dataclass(frozen=True)
class Choice:
    """The entries a command was told to act on: named by id (or prefix), or by filters."""

    ids: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    every: bool | None = None
    """Whether naming neither ids nor filters means every entry: the command's ``--all``, or
    None for a command that has none, which then refuses, so that a forgotten argument
    never changes everything."""

    @property
    def names_nothing(self) -> bool:
        """Whether the choice names no entry, and so would hit every entry unasked."""
        return not self.ids and self.filters.empty and not self.every

    def refusal(self, unnamed: str = "") -> InputError:
        """The error that refuses a choice of nothing: ``unnamed``, or what to name."""
        alternative = ", or give --all" if self.every is not None else ""
        return InputError(unnamed or f"name entries by id or filters{alternative}")


def entries_chosen(catalog: Catalog, choice: Choice) -> list[Entry]:
    """The entries ``choice`` names, each once, as copies whose fields may be replaced.

    With ids, the entries they name that pass the filters, in the order named;
    else every entry that passes them, asked of the index when the catalog was
    opened through a fresh one. Naming nothing is refused unless ``choice.every``.
    """
    if choice.names_nothing:
        raise choice.refusal()
    if choice.ids:
        named: dict[str, Entry] = {}
        for prefix in dict.fromkeys(choice.ids):
            entry = catalog.get(prefix)
            named.setdefault(entry["id"], entry)
        return [e for e in named.values() if matches(e, choice.filters)]
    if isinstance(catalog, _SplicedCatalog):
        found = catalog.passing(choice.filters)
        if found is not None:
            return found
    return [dict(e) for e in catalog.entries() if matches(e, choice.filters)]


def get_entry(path: Path, prefix: str, progress: Progress | None = None) -> Entry:
    """The entry whose id is or begins with ``prefix`` (``progress``: as `select_entries`)."""
    if not is_unicode_text(prefix):
        resolve_id(prefix, [])  # no id holds such text: raises "no entry with id"
    found = _asked_of_index(path, progress, lambda c, f: queries.entry_named(c, prefix, f))
    return read_catalog(path).get(prefix) if found is None else found


def ids_starting(path: Path, prefix: str) -> list[str]:
    """The ids that begin with ``prefix``, A to Z: what shell completion offers."""
    conn = open_index(path)
    if conn is None:
        return sorted(i for i in read_catalog(path).ids() if i.startswith(prefix))
    with contextlib.closing(conn):
        return queries.ids_starting(conn, prefix)


def tag_counts(path: Path, progress: Progress | None = None) -> Iterator[tuple[str, int]]:
    """Every tag with the number of entries that carry it (``progress``: as `select_entries`)."""
    conn = open_index(path, progress)
    if conn is None:
        counts: dict[str, int] = {}
        for entry in read_catalog(path).entries():
            for tag in entry.get("tags", ()):
                counts[tag] = counts.get(tag, 0) + 1
        yield from counts.items()
        return
    with contextlib.closing(conn):
        yield from queries.tag_counts(conn)


class _IndexedIds(MutableMapping[str, int]):
    """Each entry's id → its document id, asked of the index one at a time, with this
    change's additions and removals on top."""

    def __init__(self, view: SpansView) -> None:
        self._view = view
        self.added: dict[str, int] = {}
        self.removed: set[str] = set()

    def __getitem__(self, ident: str) -> int:
        if ident in self.added:
            return self.added[ident]
        found = None if ident in self.removed else self._view.doc_id_of(ident)
        if found is None:
            raise KeyError(ident)
        return found

    def __setitem__(self, ident: str, doc_id: int) -> None:
        self.added[ident] = doc_id

    def __delitem__(self, ident: str) -> None:
        if self.added.pop(ident, None) is None:
            self[ident]
            self.removed.add(ident)

    def __iter__(self) -> Iterator[str]:
        yield from (i for i in self._view.all_ids() if i not in self.removed)
        yield from self.added

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def with_prefix(self, prefix: str) -> list[str]:
        found = {i for i in self._view.ids_with_prefix(prefix) if i not in self.removed}
        found.update(i for i in self.added if i.startswith(prefix))
        return sorted(found)


class _SplicedCatalog(Catalog):
    """A catalog whose entries are read one by one from where the index says they lie.

    Anything that needs the whole file (every entry, another table) reads it
    whole, checked, and the change is then written whole.
    """

    def __init__(self, path: Path, file: BinaryIO, view: SpansView) -> None:
        super().__init__(path, {})
        self._file = file
        self.view = view
        self._indexed_ids = _IndexedIds(view)
        self.pending: dict[int, Entry | None] = {}
        """The entries added, changed (doc id → entry) and removed (→ None)."""
        self._loaded: dict[int, Entry] = {}
        self.whole = False
        self.doubted = False
        """Set when an entry's bytes were not what the index holds: the index is not told."""

    @property
    def image(self) -> Image:
        if not self.whole:
            self._read_whole()
        return self._image

    def _read_whole(self) -> None:
        raw = os.pread(self._file.fileno(), self.view.size, 0)
        image = parse_image(raw, self.path)
        table = image[ENTRIES_TABLE]
        for doc_id, entry in self.pending.items():
            if entry is None:
                table.pop(str(doc_id), None)
            else:
                table[str(doc_id)] = entry
        self._image, self.whole, self._doc_ids = image, True, None

    def _id_map(self) -> MutableMapping[str, int]:
        return super()._id_map() if self.whole else self._indexed_ids

    def resolve(self, prefix: str) -> str:
        if self.whole:
            return super().resolve(prefix)
        if prefix in self._indexed_ids:
            return prefix
        return resolve_id(prefix, self._indexed_ids.with_prefix(prefix) if prefix else [])

    def _entry(self, doc_id: int) -> Entry:
        if self.whole:
            return super()._entry(doc_id)
        if doc_id in self.pending:
            entry = self.pending[doc_id]
            if entry is None:
                raise KeyError(doc_id)
            return entry
        if doc_id not in self._loaded:
            found = self.view.span(doc_id)
            if found is None:
                raise KeyError(doc_id)
            try:
                self._loaded[doc_id] = entry_at(self._file, *found)
            except NotAsIndexed:
                self.doubted = True  # not what the index holds: trust only the whole file
                self._read_whole()
                return super()._entry(doc_id)
        return self._loaded[doc_id]

    def _put(self, doc_id: int, entry: Entry | None) -> None:
        if self.whole:
            super()._put(doc_id, entry)
            return
        self.pending[doc_id] = entry
        self.changed.add(doc_id)

    def _next_doc_id(self) -> int:
        if self.whole:
            return super()._next_doc_id()
        return max(self.view.max_doc_id(), *self.pending, 0) + 1

    def few_changes(self) -> bool:
        """Whether the change is one to splice: each added entry costs a search of the
        index for its place, so an import of thousands is written whole instead."""
        if self.whole or not self.changed:
            return False
        known = self.view.max_doc_id()
        added = sum(1 for doc_id in self.pending if doc_id > known)
        return added <= SPLICE_MOST_ADDED and len(self.pending) <= SPLICE_MOST

    def passing(self, filters: Filters) -> list[Entry] | None:
        """Copies of the entries that pass ``filters``, as the index finds them and read
        where it says they lie; None once the file is read whole (the index was doubted,
        or the change is under way), and then the entries are to be filtered in memory."""
        if self.whole or self.pending or filters.empty:
            return None
        found = [dict(self._entry(d)) for d in indexed_doc_ids(self.view.connection, filters)]
        return None if self.whole else found

    def layout(self) -> Layout:
        def span_of(doc_id: int) -> Span | None:
            found = self.view.span(doc_id)
            return None if found is None else found[0]

        return Layout(self.view.size, self.view.ends, span_of, self.view.before)


@contextlib.contextmanager
def change(path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[Catalog]:
    """Read, change and write the catalog under its lock, at most one write.

    If the block raises, nothing is written; if it changes nothing, the file is
    left as it was. The index beside the file is brought along.
    """
    with catalog_lock(path, lock_timeout):
        remove_stale_temp_files(path)
        with opened(path) as file:
            before = os.fstat(file.fileno())
            view = spans_for(path, before)
            catalog: Catalog
            if view is not None:
                catalog = _SplicedCatalog(path, file, view)
            else:
                raw, before = read_bytes(file, path)
                checked = vouches_for(path, before)
                with not_overwritten():
                    catalog = Catalog(path, parse_image(raw, path, checked=checked))
                del raw
            try:
                yield catalog
                planned = None
                if isinstance(catalog, _SplicedCatalog) and catalog.few_changes():
                    planned = splice(catalog.layout(), catalog.pending)
            finally:
                if view is not None:
                    view.close()
            if not (catalog.changed or catalog.tables_changed):
                return
            if isinstance(catalog, _SplicedCatalog) and planned is not None:
                _write_splice(path, file, before, catalog, planned)
                return
            data = dump_json(catalog.image)
            written = fs.write_file_atomically(path, data, what="catalog")
            doubted = isinstance(catalog, _SplicedCatalog) and catalog.doubted
            known = "" if doubted else fingerprint(before)
            update_index(path, known, catalog.image, catalog.changed, data, written)


def _write_splice(
    path: Path, old: BinaryIO, before: os.stat_result, catalog: _SplicedCatalog, planned: Splice
) -> None:
    def fill(fd: int) -> None:
        copy_pieces(old.fileno(), fd, planned.pieces)

    written = fs.write_file_atomically(path, fill, what="catalog")
    record_splice(path, fingerprint(before), planned, catalog.pending, written)
