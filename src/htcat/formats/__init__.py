"""Import and export formats: one module per format, each with read and/or write.

Readers take bytes and return `SourceRow` objects that know their position in
the input; writers take entries and return bytes. Neither touches the catalog.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from htcat.errors import InputError

if TYPE_CHECKING:
    from htcat.formats.records import SourceRow
    from htcat.model import Entry

Reader = Callable[..., "list[SourceRow]"]
Writer = Callable[..., bytes]

# Format name → module: a module is imported only when its format is used, so that the
# commands that read or write no file (and --help) do not pay for all of them.
READERS: dict[str, str] = {
    "csv": "csv",
    "json": "json",
    "jsonl": "jsonl",
    "csl-json": "csl",
    "ris": "ris",
    "bibtex": "bibtex",
}
WRITERS: dict[str, str] = {
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "markdown": "markdown",
    "html": "html",
    "csl-json": "csl",
    "ris": "ris",
    "bibtex": "bibtex",
}
IMPORT_FORMATS = tuple(READERS)
EXPORT_FORMATS = tuple(WRITERS)
SUFFIXES = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".ris": "ris",
    ".bib": "bibtex",
}

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "SourceRow",
    "format_for_path",
    "read_rows",
    "rejects_writer",
    "write_entries",
]


def format_for_path(path: str, given: str | None, choices: tuple[str, ...]) -> str:
    """The format named by ``given``, else by the file name's suffix.

    ``-`` (standard input or output) has no suffix, so it needs ``given``.
    """
    if given:
        if given not in choices:
            raise InputError(f"--format {given!r}: expected one of {', '.join(choices)}")
        return given
    suffix = PurePath(path).suffix.lower() if path != "-" else ""
    found = SUFFIXES.get(suffix)
    if found in choices:
        return found
    what = "standard input/output" if path == "-" else f"the file name {path!r}"
    raise InputError(f"cannot tell the format from {what}; give --format {'|'.join(choices)}")


OPEN_FORMATS = ("csv", "json", "jsonl")
"""The formats whose rows may hold any field; the citation readers keep only what maps."""


def read_rows(
    data: bytes,
    fmt: str,
    *,
    source: str = "input",
    keep_unknown: bool = False,
    unknown_in_every_row: bool = False,
    keep_raw: bool = False,
    delimiter: str | None = None,
    date_order: str | None = None,
) -> list[SourceRow]:
    """The rows of ``data`` read as ``fmt``; unknown fields refused unless ``keep_unknown``.

    A field htcat does not know is a problem of the first row holding it, or
    of every row holding it with ``unknown_in_every_row`` (when invalid rows
    are skipped, none may bring it in). CSV, JSON and JSON Lines rows carry
    their text as it stood (``raw``) only with ``keep_raw``: it would weigh as
    much as the input again. ``delimiter`` and ``date_order`` are for CSV (a
    spreadsheet's choices): sniffed and inferred unless given.
    """
    if fmt != "csv" and (delimiter is not None or date_order is not None):
        option = "--delimiter" if delimiter is not None else "--date-order"
        raise InputError(f"{option} is for CSV input, not {fmt}")
    if fmt == "csv":
        from htcat.formats import csv

        rows = csv.read(data, source, delimiter=delimiter, date_order=date_order, keep_raw=keep_raw)
    elif fmt in OPEN_FORMATS:
        rows = reader(fmt)(data, source, keep_raw=keep_raw)
    else:
        rows = reader(fmt)(data, source)
    if keep_unknown or fmt not in OPEN_FORMATS:
        return rows
    from htcat.formats.records import with_unknown_fields_refused

    noun = "column" if fmt == "csv" else "field"
    return with_unknown_fields_refused(rows, noun, every_row=unknown_in_every_row)


RejectsWriter = Callable[[Sequence[str]], bytes]
"""Makes the file of rejected records from their texts as they stood in the input."""


def rejects_writer(data: bytes, fmt: str, *, delimiter: str | None = None) -> RejectsWriter:
    """How to write the records of ``data`` (in ``fmt``) an import rejected, as a file
    of that format that a person can fix and import again.

    CSV keeps the input's header row (and byte-order mark); JSON makes an array
    of the rejected objects (CSL-JSON too); JSON Lines, RIS and BibTeX list the
    records as they were. Call it before the input's bytes are let go: it keeps
    only what it needs of them.
    """
    if fmt == "csv":
        from htcat.formats.csv import header_text

        # A byte-order mark stays: Excel needs it to open UTF-8 on a double-click.
        head = ("\ufeff" if data.startswith(b"\xef\xbb\xbf") else "") + header_text(data, delimiter)
        end = "\r\n" if head.endswith("\r\n") else "\n"
        return lambda raws: (head + "".join(_ended(raw, end) for raw in raws)).encode()
    if fmt in ("json", "csl-json"):
        return lambda raws: ("[\n" + ",\n".join(raw.strip() for raw in raws) + "\n]\n").encode()
    between = "\n" if fmt == "jsonl" else "\n\n"
    return lambda raws: "".join(raw.strip("\r\n") + between for raw in raws).encode()


def _ended(raw: str, end: str) -> str:
    return raw if raw.endswith(("\n", "\r")) else raw + end


def reader(fmt: str) -> Reader:
    """The ``read`` function of the import format ``fmt``."""
    if fmt not in READERS:
        raise InputError(f"cannot import {fmt!r}: expected one of {', '.join(IMPORT_FORMATS)}")
    read: Reader = _module(READERS[fmt]).read
    return read


def write_entries(entries: Iterable[Entry], fmt: str, *, include_internal: bool = False) -> bytes:
    """``entries`` in ``fmt``; internal ``notes`` only with ``include_internal``."""
    return writer(fmt)(entries, include_internal=include_internal)


def writer(fmt: str) -> Writer:
    """The ``write`` function of the export format ``fmt``."""
    if fmt not in WRITERS:
        raise InputError(f"cannot export {fmt!r}: expected one of {', '.join(EXPORT_FORMATS)}")
    write: Writer = _module(WRITERS[fmt]).write
    return write


def _module(name: str) -> Any:
    return importlib.import_module(f"htcat.formats.{name}")


def __getattr__(name: str) -> Any:
    if name == "SourceRow":  # kept importable from here without importing it at start-up
        from htcat.formats.records import SourceRow

        return SourceRow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
