"""JSON Lines: one compact entry object per line, for streams and ``jq``."""

from __future__ import annotations

import io
from collections.abc import Iterable

import orjson

from htcat.errors import FieldProblem
from htcat.formats.records import SourceRow, decode_text, exported
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


def read(data: bytes, source: str = "input", *, keep_raw: bool = False) -> list[SourceRow]:
    """The entries of a JSON Lines input, each named by its line; blank lines are skipped.

    With ``keep_raw`` each row carries its line as it stands.

    A line that is not a JSON object is returned with a problem, so that every
    bad line is reported at once.

    Each line is parsed from the bytes as it is met: no decoded copy of the
    whole input and no list of its lines (on a 200 MB input, those weighed more
    than the entries). Input that is not UTF-8 text is refused as `decode_text`
    refuses it.
    """
    start = len(_BOM) if data.startswith(_BOM) else 0
    if data.find(b"\x00", start) >= 0:
        decode_text(data, source)  # raises: a NUL byte, with its line and column
    rows = []
    size = len(data)
    number = 0
    while start <= size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        number += 1
        line = data[start:end]
        start = end + 1
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            row = _bad_line(data, line, f"line {number}", source, keep_raw)
            if row is not None:
                rows.append(row)
            continue
        raw = line.decode("utf-8") if keep_raw else ""  # parsed, so UTF-8
        if isinstance(item, dict):
            rows.append(SourceRow(f"line {number}", item, raw=raw))
        else:
            problem = FieldProblem("entry", item, "must be a JSON object")
            rows.append(SourceRow(f"line {number}", {}, (problem,), raw=raw))
    return rows


_BOM = b"\xef\xbb\xbf"


def _bad_line(
    data: bytes, line: bytes, where: str, source: str, keep_raw: bool
) -> SourceRow | None:
    """The row of a line that does not parse; None for a blank one (Unicode spaces only).

    A line that is not UTF-8 makes the whole input refused, as `decode_text` words it.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        decode_text(data, source)  # raises, naming the line and column
        raise
    if not text.strip():
        return None
    raw = text if keep_raw else ""
    try:
        item = orjson.loads(text)  # the column counted in characters, as people count
    except orjson.JSONDecodeError as exc:
        problem = FieldProblem("json", text, f"column {exc.colno}: {exc.msg}")
        return SourceRow(where, {}, (problem,), raw=raw)
    if isinstance(item, dict):
        return SourceRow(where, item, raw=raw)
    problem = FieldProblem("entry", item, "must be a JSON object")
    return SourceRow(where, {}, (problem,), raw=raw)
