"""Printing: results to standard output, messages to standard error, colour only on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TextIO

from htcat.citation import CITATION_FIELDS
from htcat.cli.tables import table
from htcat.errors import InputError
from htcat.index.doctext import StoredDocument
from htcat.model import Entry
from htcat.people import display_name
from htcat.plurals import counted

ENTRY_FORMATS = ("table", "json", "jsonl", "csv", "ids")
_PIECE = 65536
"""Output is written in pieces of this many characters: when the reader goes away
(``htcat list | head``), one large write reports nothing, a later piece fails."""


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _styled(text: str, code: str, stream: TextIO) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if use_colour(stream) else text


def error(message: str) -> None:
    """A one-line error on standard error."""
    print(_styled("htcat: error:", "1;31", sys.stderr), message, file=sys.stderr)


def warn(message: str) -> None:
    print(_styled("htcat: warning:", "33", sys.stderr), message, file=sys.stderr)


def info(message: str) -> None:
    """A message for the person, never mixed into the results on standard output."""
    print(message, file=sys.stderr)


def _joined(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) else ""


ENTRY_COLUMNS: dict[str, Callable[[Entry], str]] = {
    "id": lambda e: str(e["id"]),
    "date": lambda e: str(e.get("date", "")),
    "type": lambda e: str(e.get("type", "")),
    "title": lambda e: str(e.get("title", "")),
    "tags": lambda e: _joined(e.get("tags")),
    "status": lambda e: str(e.get("status", "")),
    "publisher": lambda e: str(e.get("publisher", "")),
    "audiences": lambda e: _joined(e.get("audiences")),
    "links": lambda e: str(len(e.get("links", ()))),
    "created": lambda e: str(e.get("created", "")),
    "updated": lambda e: str(e.get("updated", "")),
}
"""The columns a table of entries can show (``--columns``), each with how it shows an entry."""
DEFAULT_COLUMNS = ("id", "date", "type", "title", "tags")
DROP_ORDER = ("tags", "type", "date", "title")
"""The default columns left out, in this order, where even cut they do not fit the width."""
CUT_COLUMNS = frozenset({"title", "tags", "publisher", "audiences"})
"""Free text, shortened with … where a table must fit; the others are values people copy."""


def parse_columns(text: str) -> tuple[str, ...]:
    """The columns ``--columns id,title,...`` names, each known; empty text gives the default."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in ENTRY_COLUMNS]
    if unknown:
        raise InputError(
            f"--columns {unknown[0]!r}: unknown column; expected some of {', '.join(ENTRY_COLUMNS)}"
        )
    return names or DEFAULT_COLUMNS


def entries_table(
    entries: Iterable[Entry], columns: Sequence[str] = DEFAULT_COLUMNS, tablefmt: str = "simple"
) -> str:
    """Entries as a table of ``columns`` (see `ENTRY_COLUMNS`), fitted as `table` fits."""
    shown = [ENTRY_COLUMNS[c] for c in columns]
    rows = ([show(e) for show in shown] for e in entries)
    droppable = DROP_ORDER if tuple(columns) == DEFAULT_COLUMNS else ()
    return table(rows, columns, tablefmt, cuttable=CUT_COLUMNS, droppable=droppable)


def write_entries(
    entries: list[Entry],
    fmt: str,
    out: TextIO,
    tablefmt: str = "simple",
    columns: Sequence[str] = DEFAULT_COLUMNS,
    *,
    include_internal: bool = False,
) -> None:
    """Entries in one of `ENTRY_FORMATS` (the table without its footer).

    JSON, JSON Lines and CSV are written as ``htcat export`` writes them:
    internal notes only with ``include_internal``.
    """
    if fmt == "table":
        out.write(entries_table(entries, columns, tablefmt) + "\n")
    elif fmt in ("json", "jsonl", "csv"):
        from htcat.formats import write_entries as export

        text = export(entries, fmt, include_internal=include_internal).decode()
        for start in range(0, len(text), _PIECE):
            out.write(text[start : start + _PIECE])
    elif fmt == "ids":
        out.writelines(e["id"] + "\n" for e in entries)
    else:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(ENTRY_FORMATS)}")


def entry_text(entry: Entry, documents: Mapping[str, StoredDocument] | None = None) -> str:
    """One entry in full, for a person to read; ``documents``: what the text store holds
    of its fetched documents, by hash."""
    lines = [entry["title"], "=" * min(len(entry["title"]), 78)]
    for field in ("id", "type", "date", "publisher", "status"):
        if entry.get(field):
            lines.append(f"{field + ':':<11}{entry[field]}")
    if entry.get("tags"):
        lines.append(f"{'tags:':<11}{', '.join(entry['tags'])}")
    if entry.get("audiences"):
        lines.append(f"{'audiences:':<11}{', '.join(entry['audiences'])}")
    for person in entry.get("people", ()):
        affiliation = f" ({person['affiliation']})" if person.get("affiliation") else ""
        lines.append(f"{person.get('role', '') + ':':<11}{display_name(person)}{affiliation}")
    if entry.get("citation"):
        lines += ["", "citation:"]
        citation = entry["citation"]
        lines += [f"  {key + ':':<18}{citation[key]}" for key in CITATION_FIELDS if key in citation]
    if entry.get("summary"):
        lines += ["", entry["summary"]]
    if entry.get("links"):
        lines += ["", "links:"]
        for link in entry["links"]:
            lines += link_lines(link)
            lines += document_lines(link, documents or {})
    if entry.get("notes"):
        lines += ["", "notes:", entry["notes"]]
    lines += ["", f"created {entry.get('created', '?')}, updated {entry.get('updated', '?')}"]
    return "\n".join(lines) + "\n"


def document_lines(link: Entry, documents: Mapping[str, StoredDocument]) -> list[str]:
    """The document a fetch archived for ``link``: its hash, its pages, how many hold text."""
    sha256 = (link.get("check") or {}).get("sha256")
    if not isinstance(sha256, str):
        return []
    held = documents.get(sha256)
    if held is None:
        return [f"      sha256 {sha256}: text not stored (htcat rebuild-text reads it)"]
    said = f"{counted(held.pages, 'page')}, {held.text_pages:,} with text"
    if held.empty_pages:
        verb = "has" if held.empty_pages == 1 else "have"
        said += f"; {held.empty_pages:,} of {held.pages:,} pages {verb} no text"
    if why := held.shortfall:
        said = f"{said}; {why}" if held.state == "read" else why
    return [f"      sha256 {sha256}: {said}"]


def link_lines(link: Entry) -> list[str]:
    """A link, its last check's outcome and when it ran, and for a failing or moved
    link why: the HTTP status or error, since when it fails, where it moved."""
    check = link.get("check") or {}
    outcome = check.get("outcome") or "unchecked"
    when = f" since {check['since']}" if check.get("since") else ""
    label = f"{link['label']} " if link.get("label") else ""
    lines = [f"  [{link.get('kind', '')}] {label}{link['url']}  ({outcome}{when})"]
    if outcome in ("ok", "unchecked"):
        return lines
    error = " ".join(str(check.get("error") or "").split())
    status = f"HTTP {check['status']}" if check.get("status") else ""
    why = [status] if status and status not in error else []
    if error:
        why.append(error)
    if check.get("moved_to"):
        why.append(f"moved to {check['moved_to']}")
    failures = check.get("failures")
    if isinstance(failures, int) and failures > 1:
        why.append(f"failed {failures} checks in a row")
    if check.get("last_ok"):
        why.append(f"last ok {check['last_ok']}")
    if why:
        lines.append("      " + "; ".join(why))
    return lines
