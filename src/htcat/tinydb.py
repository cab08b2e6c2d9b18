"""A TinyDB storage over the catalog file, for the people who script against it.

``TinyDB(path, storage=CatalogStorage)`` gives a script TinyDB's table API
(``db.table("entries")``, ``Query()``, ``insert``, ``update``, ``remove``) on
the catalog, with htcat's guarantees: the lock htcat's commands take is held
until the database is closed, every entry a write adds or changes passes
`htcat.model.validate_entry` (a bad one is refused, nothing written), and the
file is written in htcat's canonical form by the store's one atomic writer,
with the index beside it brought along. Only scripts import this module:
``tinydb`` is never loaded by ``htcat list``.
"""

from __future__ import annotations

import contextlib
import copy
import os
from typing import Any

import orjson
from tinydb import Storage

from htcat.errors import FieldProblem, InputError, InvalidEntry
from htcat.index.freshness import fingerprint, vouches_for
from htcat.index.spans import update_index
from htcat.model import Entry, now_stamp, slugify, unique_id, validate_entry
from htcat.store.file import opened, read_bytes
from htcat.store.fs import (
    DEFAULT_LOCK_TIMEOUT,
    catalog_lock,
    remove_stale_temp_files,
    write_file_atomically,
)
from htcat.store.image import ENTRIES_TABLE, Image, dump_json, parse_image
from htcat.store.paths import catalog_path

Tables = dict[str, dict[str, Any]]
"""What TinyDB reads and writes: table name → document id (as text) → document."""


class CatalogStorage(Storage):
    """The catalog at ``path`` (found as htcat finds it when None) as a TinyDB storage.

    Opening takes the catalog's exclusive lock, waiting up to ``lock_timeout``
    seconds as htcat's commands do, and reads the file with htcat's reader: a
    file that is not a catalog, or has a newer schema, raises htcat's
    `CatalogError` and is never written. Each write TinyDB makes is written at
    once, and only if an entry was added, changed or removed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.path = catalog_path(path)
        self._held = contextlib.ExitStack()
        self._held.enter_context(catalog_lock(self.path, lock_timeout))
        try:
            remove_stale_temp_files(self.path)
            with opened(self.path) as file:
                raw, stat = read_bytes(file, self.path)
            checked = vouches_for(self.path, stat)
            self._image = parse_image(raw, self.path, checked=checked)
        except BaseException:
            self._held.close()
            raise
        self._canonical = dump_json(self._image)
        """The bytes htcat would write for the catalog as it is now; each read parses a copy."""
        self._fingerprint = fingerprint(stat)
        """The stat of the file as last read or written, which the index must hold to be told."""
        self._open = True

    def read(self) -> Tables:
        """A fresh copy of every table: TinyDB changes what it reads in place."""
        self._check_open()
        tables: Tables = orjson.loads(self._canonical)
        return tables

    def write(self, data: Tables) -> None:
        """Check the entries TinyDB added, changed or removed, and write them as htcat would.

        A bad entry raises `InvalidEntry` and nothing is written.
        """
        self._check_open()
        entries, changed = self._entries_after(data)
        if not changed:
            return
        image: Image = {**self._image, ENTRIES_TABLE: entries}
        raw = dump_json(image)
        written = write_file_atomically(self.path, raw, what="catalog")
        update_index(self.path, self._fingerprint, image, changed, raw, written)
        self._image, self._canonical = image, raw
        self._fingerprint = "" if written is None else fingerprint(written)

    def close(self) -> None:
        """Release the lock; the database cannot be used after this."""
        self._open = False
        self._held.close()

    def _check_open(self) -> None:
        if not self._open:
            raise InputError(f"catalog {self.path} was closed; open it again to use it")

    def _entries_after(self, data: Tables) -> tuple[dict[str, Entry], set[int]]:
        """The entries table ``data`` holds, each new or changed entry validated and
        stamped, and the document ids added, changed or removed."""
        for name in sorted(data.keys() | self._image.keys()):
            if name != ENTRIES_TABLE and data.get(name) != self._image.get(name):
                raise InputError(
                    f"table {name!r} of catalog {self.path} is not the script's to change; "
                    "entries are in db.table('entries') — nothing written"
                )
        old = self._image[ENTRIES_TABLE]
        new = data.get(ENTRIES_TABLE, {})
        taken = {old[key].get("id", "") for key in old if key in new}
        stamp = now_stamp()
        entries: dict[str, Entry] = {}
        changed = {int(key) for key in old if key not in new}
        for key, doc in new.items():
            if not key.isdigit():
                raise InputError(f"document id {key!r} is not a number — nothing written")
            before = old.get(key)
            if before is None:
                entries[key] = _new_entry(doc, key, taken, stamp)
            elif doc == before or (entry := _changed_entry(doc, before, stamp)) is None:
                entries[key] = before
                continue
            else:
                entries[key] = entry
            changed.add(int(key))
        return entries, changed


def _new_entry(doc: dict[str, Any], key: str, taken: set[str], stamp: str) -> Entry:
    """An added entry, validated, with an id from its title and stamps of now where it
    has none, as ``htcat add`` gives; an id it brings must be free."""
    entry = validate_entry(copy.deepcopy(doc), where=f"new entry (document {key})")
    if "id" in entry and entry["id"] in taken:
        problem = FieldProblem("id", entry["id"], "is already in the catalog")
        raise InvalidEntry([problem], f"new entry (document {key})")
    entry["id"] = unique_id(entry.get("id") or slugify(entry["title"]), taken)
    taken.add(entry["id"])
    entry.setdefault("created", stamp)
    entry.setdefault("updated", stamp)
    return entry


def _changed_entry(doc: dict[str, Any], before: Entry, stamp: str) -> Entry | None:
    """A changed entry, validated, or None if it is the same once normalized.

    Its id never changes. A stamp the script set is kept; ``updated`` left as
    it was becomes now, as ``htcat edit`` sets it; a stamp removed is put back.
    """
    entry = validate_entry(copy.deepcopy(doc), where=before["id"])
    if entry.get("id") != before["id"]:
        problem = FieldProblem("id", doc.get("id"), "ids never change; add a new entry instead")
        raise InvalidEntry([problem], before["id"])
    entry.setdefault("created", before.get("created") or stamp)
    stamped_by_script = "updated" in entry and entry["updated"] != before.get("updated")
    if not stamped_by_script:
        entry["updated"] = before.get("updated") or stamp
    if entry == before:
        return None
    if not stamped_by_script:
        entry["updated"] = stamp
    return entry
