"""The catalog's schema: what its bytes parse to, how older ones migrate, its one canonical form.

The file is a TinyDB database — an object of tables, each an object of
documents keyed by TinyDB's document ids — so that a script may open it with
TinyDB, through `htcat.tinydb.CatalogStorage`. htcat writes it in one canonical form,
`dump_json`'s, and splices single entries in that same form
(`htcat.store.layout`): both take it from `CANONICAL_OPTIONS`, so they agree
byte for byte.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from htcat.citation import CITATION_FIELDS
from htcat.errors import BrokenCatalog, CatalogError, NewerSchema
from htcat.model import shape_problem
from htcat.people import migrated_person

SCHEMA_VERSION = 3
META_TABLE = "_meta"
ENTRIES_TABLE = "entries"
CANONICAL_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
"""Two-space indents and sorted keys: the canonical form of the file and of each entry in it."""

Image = dict[str, dict[str, Any]]
"""The whole file as TinyDB sees it: table name → document id → document."""


def dump_json(data: object) -> bytes:
    """Pretty UTF-8 JSON with sorted keys and a final newline: stable bytes."""
    return orjson.dumps(data, option=CANONICAL_OPTIONS | orjson.OPT_APPEND_NEWLINE)


def parse_image(raw: bytes, path: Path, *, checked: bool = False) -> Image:
    """The tables of a catalog file, migrated to the current schema.

    Refuses, with the path and position, anything that is not a catalog.
    ``checked`` skips checking each entry's shape, for a file known to pass.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        markers = raw.startswith(b"<<<<<<< ") or b"\n<<<<<<< " in raw
        hint = (
            f"; these are git's conflict markers: run 'htcat git setup', "
            f"then 'git checkout -m {path}'"
            if markers
            else ""
        )
        raise BrokenCatalog(
            f"catalog {path} line {exc.lineno}, column {exc.colno}: {exc.msg}" + hint
        ) from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise CatalogError(f"{path} is not an htcat catalog (expected an object of tables)")
    meta = data.get(META_TABLE, {}).get("1", {})
    version = meta.get("schema", 0) if isinstance(meta, dict) else None
    if not isinstance(version, int):
        raise CatalogError(f"{path} is not an htcat catalog (bad schema version {version!r})")
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"catalog {path} has schema {version}, newer than this htcat understands "
            f"({SCHEMA_VERSION}); upgrade htcat"
        )
    if version == 0:
        data.setdefault(ENTRIES_TABLE, data.pop("_default", {}))
    entries = data.get(ENTRIES_TABLE, {})
    if version < 2:
        _split_people_names(entries)
    if version < 3:
        _gather_citation_fields(entries)
    if not checked:
        check_entries(entries, path)
    data[ENTRIES_TABLE] = entries
    data[META_TABLE] = {"1": {"schema": SCHEMA_VERSION}}
    return data


def check_entries(entries: dict[str, Any], path: Path, *, nesting_checked: bool = False) -> None:
    """Refuse, by name, an entry no command could use (``nesting_checked``: see
    `htcat.model.shape_problem`)."""
    for doc_id, doc in entries.items():
        if not doc_id.isdigit() or not isinstance(doc, dict):
            raise CatalogError(f"catalog {path}: entry {doc_id!r} is not an entry object")
        problem = shape_problem(doc, nesting_checked=nesting_checked)
        if problem:
            shown = doc.get("id") if isinstance(doc.get("id"), str) and doc["id"] else doc_id
            raise BrokenCatalog(f"catalog {path}: entry {shown!r}: {problem}; fix it by hand")


def _split_people_names(entries: dict[str, Any]) -> None:
    """Schema 1 held a person's name as one string; schema 2 as family and given names."""
    for doc in entries.values():
        people = doc.get("people") if isinstance(doc, dict) else None
        if isinstance(people, list):
            doc["people"] = [migrated_person(p) if isinstance(p, dict) else p for p in people]


def _gather_citation_fields(entries: dict[str, Any]) -> None:
    """Schema 3 holds a citation's journal, volume, pages… in one ``citation`` object.

    Before, such values could only be kept as fields of their own (``--keep-unknown``);
    those named as CSL names them (``volume``, ``container-title``…) and holding text
    move into ``citation``, so that every citation export finds them.
    """
    for doc in entries.values():
        if not isinstance(doc, dict) or "citation" in doc:
            continue
        found = {k: doc[k] for k in CITATION_FIELDS if isinstance(doc.get(k), str) and doc[k]}
        if found:
            for key in found:
                del doc[key]
            doc["citation"] = found


def empty_image() -> Image:
    return {META_TABLE: {"1": {"schema": SCHEMA_VERSION}}, ENTRIES_TABLE: {}}


@contextlib.contextmanager
def not_overwritten() -> Iterator[None]:
    """Around a change: a broken catalog met on the way says the write left it alone."""
    try:
        yield
    except BrokenCatalog as exc:
        raise BrokenCatalog(f"{exc} — not overwritten") from exc
