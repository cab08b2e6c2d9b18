"""JSON Lines: one compact entry object per line, for streams and ``jq``."""

from __future__ import annotations

import io
from collections.abc import Iterable

import orjson

from htcat.errors import FieldProblem
from htcat.formats.records import SourceRow, decode_text, exported, refuse_unknown_fields
from htcat.model import Entry


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """One entry per line, each line a JSON object, UTF-8."""
    out = io.BytesIO()  # its getvalue() hands over its buffer: one copy of the output at most
    for entry in entries:
        out.write(
            orjson.dumps(
                exported(entry, include_internal=include_internal),
                option=orjson.OPT_APPEND_NEWLINE,
            )
        )
    return out.getvalue()


def read(data: bytes, source: str = "input", *, keep_unknown: bool = False) -> list[SourceRow]:
    """The entries of a JSON Lines input, each named by its line; blank lines are skipped.

    A line that is not a JSON object is returned with a problem, so that every
    bad line is reported at once.
    """
    rows = []
    for number, line in enumerate(decode_text(data, source).split("\n"), 1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problem = FieldProblem("json", line, f"column {exc.colno}: {exc.msg}")
            rows.append(SourceRow(where, {}, (problem,)))
            continue
        if isinstance(item, dict):
            rows.append(SourceRow(where, item))
        else:
            problem = FieldProblem("entry", item, "must be a JSON object")
            rows.append(SourceRow(where, {}, (problem,)))
    if not keep_unknown:
        refuse_unknown_fields(rows)
    return rows
