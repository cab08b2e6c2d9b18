"""Merge conflicts kept as data in the catalog file, and settling them one by one.

A conflicted merge must leave a file every command can read, so a conflict is
never a marker in the text: each conflicted field keeps ours' value, and the
conflict (entry id, field, base, ours, theirs) is a document in its own TinyDB
table of the catalog, beside the entries. An entry-level conflict (removed on
one side and changed on the other, or one id added twice) has no field.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, TypedDict

from htcat.errors import InputError
from htcat.store.ids import resolve_id
from htcat.store.image import Image
from htcat.store.memory import Catalog

CONFLICTS_TABLE = "conflicts"
_HEAD_BYTES = 65536
"""How much of a catalog file `has_conflicts` reads: tables are written in name order,
so ``conflicts`` starts right after the short ``_meta``."""


class Conflict(TypedDict):
    id: str
    field: str | None
    base: Any
    ours: Any
    theirs: Any


Side = Literal["ours", "theirs"]


def conflict_key(conflict: Conflict) -> tuple[str, str]:
    return (conflict["id"], conflict["field"] or "")


def entry_sides(conflict: Conflict) -> tuple[str, str, str]:
    """A whole-entry conflict in words — base, ours, theirs: ("entry 'T'", "changed here",
    "removed there") — where two JSON blobs, cut, would say nothing."""
    base = conflict["base"]

    def side(value: Any, here: str) -> str:
        if value is None:
            return f"removed {here}" if base is not None else f"not {here}"
        if base is None:
            return f"added {here}"
        return f"changed {here}" if value != base else f"unchanged {here}"

    shown = "(none)" if base is None else f"entry {str(base.get('title', ''))!r}"
    return shown, side(conflict["ours"], "here"), side(conflict["theirs"], "there")


def conflicts_in(image: Image) -> list[Conflict]:
    """The conflicts recorded in a catalog image, in the order they were recorded."""
    table = image.get(CONFLICTS_TABLE, {})
    return [table[k] for k in sorted(table, key=int)]


def has_conflicts(path: Path) -> bool:
    """Whether the catalog file at ``path`` records conflicts, without reading it whole."""
    try:
        with open(path, "rb") as file:
            head = file.read(_HEAD_BYTES)
    except OSError:
        return False
    return f'\n  "{CONFLICTS_TABLE}": {{'.encode() in head


def with_conflicts(image: Image, conflicts: list[Conflict]) -> Image:
    """``image`` holding exactly ``conflicts`` (a later one for the same field wins).

    With none, the table is dropped, so a settled catalog has the same bytes
    as one that never conflicted.
    """
    unique = {conflict_key(c): c for c in conflicts}
    image.pop(CONFLICTS_TABLE, None)
    if unique:
        image[CONFLICTS_TABLE] = {str(n): dict(c) for n, c in enumerate(unique.values(), 1)}
    return image


def find_conflict(image: Image, ident: str, field: str | None) -> Conflict:
    """The recorded conflict on ``ident`` or the one id it begins (and ``field``); an error
    names what is open there."""
    ids = sorted({c["id"] for c in conflicts_in(image)})
    if ident not in ids and any(i.startswith(ident) for i in ids):
        ident = resolve_id(ident, [i for i in ids if i.startswith(ident)])
    here = [c for c in conflicts_in(image) if c["id"] == ident]
    for conflict in here:
        if (conflict["field"] or None) == (field or None):
            return conflict
    if not here:
        raise InputError(f"no merge conflict on entry {ident!r}")
    open_fields = ", ".join(c["field"] or "(the whole entry)" for c in here)
    asked = f"field {field!r}" if field else "the whole entry"
    raise InputError(f"entry {ident!r} has no conflict on {asked}; open: {open_fields}")


def settle(catalog: Catalog, ident: str, field: str | None, value: Any) -> Conflict:
    """Give ``field`` of ``ident`` (or the whole entry) ``value`` and drop its conflict.

    ``value`` is the entry itself for an entry-level conflict, None to leave it
    removed. The entry is validated as on any edit.
    """
    image = catalog.image
    conflict = find_conflict(image, ident, field)
    ident = conflict["id"]
    present = ident in catalog.ids()
    if field is None:
        if value is None and present:
            catalog.remove_many([ident])
        elif value is not None and present:
            catalog.replace({**copy.deepcopy(value), "id": ident})
        elif value is not None:
            catalog.add_many([copy.deepcopy(value)], keep_stamps=True)
    else:
        if not present:
            raise InputError(f"entry {ident!r} is not in the catalog; settle it as a whole first")
        entry = catalog.get(ident)
        entry[field] = copy.deepcopy(value)
        catalog.replace(entry)
    rest = [c for c in conflicts_in(image) if c is not conflict]
    with_conflicts(image, rest)
    catalog.tables_changed.add(CONFLICTS_TABLE)
    return conflict
