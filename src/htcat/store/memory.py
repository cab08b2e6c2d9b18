"""The catalog's entries in memory, with entry-level operations: add, replace, remove, get."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, MutableMapping
from pathlib import Path

from htcat.model import Entry, now_stamp, slugify, unique_id, validate_entry
from htcat.store.ids import resolve_id, shared_id_error
from htcat.store.image import ENTRIES_TABLE, Image


class Catalog:
    """The catalog's entries in memory, with entry-level operations.

    Document ids are TinyDB's: a new entry takes one more than the largest,
    so that htcat and a TinyDB script agree on them. Obtain one from
    `read_catalog` (to look) or `change_catalog` (to change), or through
    `htcat.catalog`, which also keeps the index.
    """

    def __init__(self, path: Path, image: Image) -> None:
        self.path = path
        self._image = image
        self._doc_ids: MutableMapping[str, int] | None = None
        self._shared_ids: dict[str, int] = {}
        """Ids more than one entry holds (a hand edit), with how many hold each."""
        self.changed: set[int] = set()
        """Ids of the TinyDB documents added, changed or removed: what a write must carry."""
        self.tables_changed: set[str] = set()
        """Other tables changed in the image (a merge's conflicts): a write must carry them too."""

    @property
    def image(self) -> Image:
        """Every table of the file, as parsed."""
        return self._image

    def entries(self) -> list[Entry]:
        """Every entry: the stored dicts themselves, not copies, so never change them.

        Copying 100,000 entries would cost more than the change a command makes;
        changes go through `add_many`, `replace_many` and `remove_many`.
        """
        return list(self.image[ENTRIES_TABLE].values())

    def _id_map(self) -> MutableMapping[str, int]:
        """Each entry's id → its document id; ids more than one entry holds are noted."""
        raw = self.image[ENTRIES_TABLE]
        ids = {doc.get("id", ""): int(key) for key, doc in raw.items()}
        self._shared_ids = {}
        if len(ids) < len(raw):
            held = Counter(doc.get("id", "") for doc in raw.values())
            self._shared_ids = {ident: n for ident, n in held.items() if n > 1}
        return ids

    def _entry(self, doc_id: int) -> Entry:
        """The stored entry under this document id."""
        entry: Entry = self.image[ENTRIES_TABLE][str(doc_id)]
        return entry

    def _put(self, doc_id: int, entry: Entry | None) -> None:
        """Store ``entry`` under ``doc_id``, or remove the document when None."""
        table = self.image[ENTRIES_TABLE]
        if entry is None:
            del table[str(doc_id)]
        else:
            table[str(doc_id)] = entry
        self.changed.add(doc_id)

    def _next_doc_id(self) -> int:
        return max(map(int, self.image[ENTRIES_TABLE]), default=0) + 1

    def _ids(self) -> MutableMapping[str, int]:
        if self._doc_ids is None:
            self._doc_ids = self._id_map()
        return self._doc_ids

    def ids(self) -> set[str]:
        return set(self._ids())

    def resolve(self, prefix: str) -> str:
        """The id that ``prefix`` names: itself, or the one id it begins."""
        ids = self._ids()
        if prefix in ids:
            ident = prefix
        else:
            found = sorted(i for i in ids if prefix and i.startswith(prefix))
            ident = resolve_id(prefix, found, ids.keys)
        if ident in self._shared_ids:
            raise shared_id_error(ident, self._shared_ids[ident])
        return ident

    def get(self, prefix: str) -> Entry:
        """A copy of the entry whose id is or begins with ``prefix``, free to change."""
        return copy.deepcopy(self.stored(self.resolve(prefix)))

    def stored(self, ident: str) -> Entry:
        """The stored entry with this full id itself, not a copy: never change it."""
        return self._entry(self._ids()[ident])

    def add_many(
        self, raws: Iterable[Entry], *, keep_stamps: bool = False, validated: bool = False
    ) -> list[Entry]:
        """Validate and insert new entries; ids made from titles.

        ``validated`` entries already came out of `validate_entry` (an import
        checks every row before it writes) and are not validated twice.
        """
        prepared = [dict(raw) if validated else validate_entry(raw) for raw in raws]
        ids = self._ids()
        doc_id = self._next_doc_id()
        stamp = now_stamp()
        for entry in prepared:
            entry["id"] = unique_id(entry.get("id") or slugify(entry["title"]), ids)
            if not keep_stamps or "created" not in entry:
                entry["created"] = stamp
            if not keep_stamps or "updated" not in entry:
                entry["updated"] = stamp
            ids[entry["id"]] = doc_id
            self._put(doc_id, entry)
            doc_id += 1
        return prepared

    def add(self, raw: Entry) -> Entry:
        return self.add_many([raw])[0]

    def replace_many(
        self, entries: Iterable[Entry], *, touch: bool = True, validated: bool = False
    ) -> list[Entry]:
        """Validate and store new versions of existing entries, all or none.

        An entry whose content did not change is left as it was. ``touch=False``
        keeps ``updated`` (link check results are not an edit of the entry);
        ``validated`` is as for `add_many`.
        """
        ids = self._ids()
        changes: dict[str, Entry] = {}
        stamp = now_stamp()
        for new in entries:
            entry = dict(new) if validated else validate_entry(new, where=new["id"])
            old = self._entry(ids[new["id"]])
            entry["created"] = old.get("created", stamp)
            entry["updated"] = old.get("updated", stamp)
            if entry == old:
                continue
            if touch:
                entry["updated"] = stamp
            changes[entry["id"]] = entry
        for ident, entry in changes.items():
            self._put(ids[ident], entry)
        return list(changes.values())

    def replace(self, entry: Entry) -> Entry:
        """Store a new version of one entry; return it as stored."""
        changed = self.replace_many([entry])
        return changed[0] if changed else self.get(entry["id"])

    def remove_many(self, idents: Iterable[str]) -> None:
        """Remove the entries with these (full) ids."""
        ids = self._ids()
        for doc_id in [ids.pop(i) for i in idents]:
            self._put(doc_id, None)
