"""What readers produce and writers take, shared by every format.

A reader turns the bytes of an input into `SourceRow` objects, each carrying
its position in the input, so that every problem found later can name the
row or line a person has to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from htcat.errors import FieldProblem, InputError
from htcat.model import KNOWN_FIELDS, Entry, close_field

LINK_KEYS = ("url", "label", "kind", "check")
PERSON_KEYS = ("family", "given", "literal", "role", "affiliation")


@dataclass(frozen=True)
class SourceRow:
    """One entry as read from an input, before validation.

    ``where`` names its position as the format counts (``row 7 (line 9)``,
    ``line 4``, ``entry 12``); ``problems`` are those the reader itself found,
    such as a ragged CSV row or a JSON Lines line that does not parse, and
    refuse the import. ``raw`` is the record's text as it stood in the input,
    for the file of rejected records a person fixes and imports again.
    """

    where: str
    data: dict[str, Any]
    problems: tuple[FieldProblem, ...] = ()
    warnings: tuple[str, ...] = ()
    """What the reader guessed and the person should know (a type with no htcat match)."""
    raw: str = ""


def decode_text(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text, without a byte-order mark and refusing binary.

    The error names the line and column where the input stops being text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        raise InputError(
            f"{source} line {line}, column {column}: a NUL byte — "
            "this looks like a binary file, not UTF-8 text"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise InputError(
            f"{source} line {line}, column {column}: byte 0x{data[exc.start]:02x} is not "
            "UTF-8 text (save the file as UTF-8)"
        ) from None


def parse_json(text: str, source: str) -> Any:
    """``text`` as JSON; the error names the line and column where it breaks."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{source} line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of byte ``offset``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def with_unknown_fields_refused(
    rows: list[SourceRow], noun: str = "field", *, every_row: bool = False
) -> list[SourceRow]:
    """``rows``, each field htcat does not know made a problem of the row where it first
    appears (of each row holding it, with ``every_row``): the import then reports it
    with every other problem of the input."""
    seen: set[str] = set()
    known = set(KNOWN_FIELDS)
    checked = []
    for row in rows:
        unknown = [key for key in row.data if key not in known and key not in seen]
        if unknown:
            if not every_row:
                seen.update(unknown)
            added = tuple(FieldProblem(k, row.data[k], _unknown(k, noun)) for k in unknown)
            row = replace(row, problems=row.problems + added)
        checked.append(row)
    return checked


def _unknown(name: str, noun: str) -> str:
    close = close_field(name)
    hint = (
        f"did you mean {close!r}?"
        if close
        else f"the {noun}s htcat knows are " + ", ".join(KNOWN_FIELDS)
    )
    return f"unknown {noun}; {hint} Rename it, or keep it with --keep-unknown"


def exported(entry: Mapping[str, Any], *, include_internal: bool) -> Entry:
    """``entry`` as exports show it: known fields in reading order, then the others sorted.

    ``notes`` are internal and left out unless ``include_internal``.
    """
    out: Entry = {}
    for field in KNOWN_FIELDS:
        if field in entry and (include_internal or field != "notes"):
            out[field] = entry[field]
    for field in sorted(k for k in entry if k not in out and k not in KNOWN_FIELDS):
        out[field] = entry[field]
    if isinstance(out.get("links"), list):
        out["links"] = [_ordered(link, LINK_KEYS) for link in out["links"]]
    if isinstance(out.get("people"), list):
        out["people"] = [_ordered(person, PERSON_KEYS) for person in out["people"]]
    return out


def _ordered(item: object, keys: tuple[str, ...]) -> object:
    if not isinstance(item, Mapping):
        return item
    head = {k: item[k] for k in keys if k in item}
    return head | {k: item[k] for k in sorted(item) if k not in head}
