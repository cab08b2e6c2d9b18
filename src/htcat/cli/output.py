"""Printing: results to standard output, messages to standard error, colour only on a terminal."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from htcat.citation import CITATION_FIELDS
from htcat.cli.tables import display_width, table, unique_prefix_widths
from htcat.errors import InputError
from htcat.index.doctext import StoredDocument
from htcat.model import Entry
from htcat.people import display_name
from htcat.plurals import counted
from htcat.store import fs

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


def names_stdout(output: str) -> bool:
    """Whether ``-o`` names standard output: ``-``, or a name of the same file
    (``/dev/stdout``, ``/proc/self/fd/1``), which a rename would destroy."""
    if output == "-":
        return True
    try:
        named, out = os.stat(output), os.fstat(sys.stdout.fileno())
    except (OSError, ValueError):
        return False
    return (named.st_dev, named.st_ino) == (out.st_dev, out.st_ino)


def write_output(output: str, data: bytes, *, what: str) -> bool:
    """Write a result where ``-o`` says; True if it went to a file, which the caller names.

    A file is written through a symlink and keeps its owner, group and mode; a
    named pipe or a device is written as it is (see `write_file_atomically`).
    """
    if names_stdout(output):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return False
    fs.write_file_atomically(Path(output), data, what=what)
    return True


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
    entries: Iterable[Entry],
    columns: Sequence[str] = DEFAULT_COLUMNS,
    tablefmt: str = "simple",
    every_id: Sequence[str] = (),
) -> str:
    """Entries as a table of ``columns`` (see `ENTRY_COLUMNS`), fitted as `table` fits.

    Given ``every_id`` in the catalog (sorted), ids give way first where the table
    must fit, each to the shortest prefix that names its entry alone and ``…``; the
    title is cut last, after the tags and any other free text.
    """
    entries = list(entries)
    shown = [ENTRY_COLUMNS[c] for c in columns]
    rows = ([show(e) for show in shown] for e in entries)
    droppable = DROP_ORDER if tuple(columns) == DEFAULT_COLUMNS else ()
    least = {"id": unique_prefix_widths((e["id"] for e in entries), every_id)} if every_id else {}
    return table(
        rows,
        columns,
        tablefmt,
        cuttable=CUT_COLUMNS,
        droppable=droppable,
        least=least,
        last="title",
    )


def write_entries(
    entries: list[Entry],
    fmt: str,
    out: TextIO,
    tablefmt: str = "simple",
    columns: Sequence[str] = DEFAULT_COLUMNS,
    *,
    include_internal: bool = False,
    every_id: Sequence[str] = (),
) -> None:
    """Entries in one of `ENTRY_FORMATS` (the table without its footer).

    JSON, JSON Lines and CSV are written as ``htcat export`` writes them:
    internal notes only with ``include_internal``.
    """
    if fmt == "table":
        out.write(entries_table(entries, columns, tablefmt, every_id) + "\n")
    elif fmt in ("json", "jsonl", "csv"):
        from htcat.formats import write_entries as export

        text = export(entries, fmt, include_internal=include_internal).decode()
        for start in range(0, len(text), _PIECE):
            out.write(text[start : start + _PIECE])
    elif fmt == "ids":
        out.writelines(e["id"] + "\n" for e in entries)
    else:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(ENTRY_FORMATS)}")


def entry_text(
    entry: Entry,
    documents: Mapping[str, StoredDocument] | None = None,
    width: int | None = None,
) -> str:
    """One entry in full, for a person to read, wrapped at word boundaries to ``width``;
    ``documents``: what the text store holds of its fetched documents, by hash.

    A terminal would break words at its edge; values that run on are indented
    under their first line, and URLs and ids are never broken.
    """
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
    if width is not None:
        lines[1] = "=" * min(len(entry["title"]), 78, width)
        physical = "\n".join(lines).split("\n")  # a summary's own lines stay lines
        lines = [wrapped for line in physical for wrapped in _wrapped(line, width)]
    return "\n".join(lines) + "\n"


def _wrapped(line: str, width: int) -> list[str]:
    """A line broken at spaces to ``width``, its run-on lines under its value's first word."""
    import textwrap

    if display_width(line) <= width:
        return [line]
    value = re.match(r"(\S+:\s+|\s+\[\S*\]\s|\s*[-*•] |\s+)", line)
    indent = " " * (len(value.group(0)) if value else 0)
    if display_width(line[: len(indent)] + line[len(indent) :].split(" ", 1)[0]) > width:
        return [line]  # an id or URL that cannot fit stays beside its label, whole
    return textwrap.wrap(
        line,
        width,
        subsequent_indent=indent if len(indent) < width // 2 else "",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [line]


def _fetched(check: Entry) -> str:
    """What the last fetch kept of the document: where, its pages, since when (its
    digest and what the text store holds are `document_lines`)."""
    pages = check.get("pages")
    found = [
        f"archived {check['archive_path']}" if check.get("archive_path") else "not archived",
        *([counted(pages, "page")] if isinstance(pages, int) else []),
        *([f"fetched {check['fetched']}"] if check.get("fetched") else []),
        *([f"changed {check['changed']}"] if check.get("changed") else []),
    ]
    return "document: " + "; ".join(found)


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
    if check.get("sha256"):
        lines.append("      " + _fetched(check))
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
