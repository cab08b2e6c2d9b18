"""JSON: an array of whole entries, link check results included.

The reader also takes what else a script is likely to hold: an object with an
``entries`` array, one entry object, or an htcat catalog file itself; and an
array of CSL items (Zotero's CSL JSON export, saved as ``.json``) is read as
CSL-JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from htcat.errors import FieldProblem, InputError
from htcat.formats.csl import looks_like_csl, rows_from_items
from htcat.formats.records import SourceRow, decode_text, exported, parse_json
from htcat.model import Entry


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """The entries as a pretty-printed UTF-8 JSON array with a final newline."""
    items = [exported(entry, include_internal=include_internal) for entry in entries]
    return orjson.dumps(items, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _items(data: Any, source: str) -> list[Any]:
    """The entries inside any of the shapes the reader accepts."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("entries"), list):
            return list(data["entries"])
        table = data.get("entries", data.get("_default"))
        if isinstance(table, dict) and ("_meta" in data or "_default" in data):
            keys = sorted(table, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
            return [table[k] for k in keys]
        if "title" in data or "id" in data:
            return [data]
    raise InputError(
        f"{source}: expected a JSON array of entries, an htcat export or an htcat catalog, "
        f"not {type(data).__name__ if not isinstance(data, dict) else 'this object'}"
    )


def read(data: bytes, source: str = "input", *, keep_raw: bool = False) -> list[SourceRow]:
    """The entries of a JSON input, each named ``entry N`` by its position.

    With ``keep_raw`` a row's ``raw`` is its item written out again (two-space
    indents, keys in their order): JSON's layout carries no meaning, its values do.
    """
    text = decode_text(data, source)
    items = _items(parse_json(text, source), source)
    if looks_like_csl(items):
        return rows_from_items(items, text)
    rows = []
    for number, item in enumerate(items, 1):
        where = f"entry {number}"
        raw = orjson.dumps(item, option=orjson.OPT_INDENT_2).decode() if keep_raw else ""
        if isinstance(item, dict):
            rows.append(SourceRow(where, item, raw=raw))
        else:
            problem = FieldProblem("entry", item, "must be a JSON object")
            rows.append(SourceRow(where, {}, (problem,), raw=raw))
    return rows
