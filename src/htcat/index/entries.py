"""Entries as the index finds them: where the file holds them, or from the body it keeps.

For a file in canonical form the index keeps no copy of the entries: each is read
from the file where the spans table says it lies, and must have the digest the
index holds, which proves it is the entry the index took in. For a file in any
other form the index keeps each entry's body.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

import orjson

from htcat.model import Entry
from htcat.store.layout import Span, digest, entry_of_chunk

if TYPE_CHECKING:
    import sqlite3


class NotAsIndexed(Exception):
    """The file no longer holds an entry the index says it holds: it changed meanwhile,
    and is to be read whole."""


def entries_of(
    conn: sqlite3.Connection, rows: Iterable[tuple[int, bytes | None]], file: BinaryIO
) -> list[Entry]:
    """The entries of ``rows`` (document id, the body kept or None), in their order."""
    rows = list(rows)
    unkept = orjson.dumps([doc_id for doc_id, body in rows if body is None]).decode()
    spans = {
        doc_id: ((start, length), expected)
        for doc_id, start, length, expected in conn.execute(
            "SELECT doc_id, start, length, digest FROM spans"
            " WHERE doc_id IN (SELECT value FROM json_each(?))",
            (unkept,),
        )
    }
    found: list[Entry] = []
    for doc_id, body in rows:
        if body is not None:
            found.append(orjson.loads(body))
        elif doc_id in spans:
            found.append(entry_at(file, *spans[doc_id]))
        else:
            raise NotAsIndexed(doc_id)
    return found


def entry_at(file: BinaryIO, span: Span, expected: bytes) -> Entry:
    """The entry the file holds at ``span``, if its bytes have the digest ``expected``."""
    start, length = span
    chunk = os.pread(file.fileno(), length, start)
    if digest(chunk) != expected:
        raise NotAsIndexed(span)
    return entry_of_chunk(chunk)
