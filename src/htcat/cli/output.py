"""Printing: results to standard output, messages to standard error, colour only on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

import orjson

from htcat.model import Entry

ENTRY_FORMATS = ("table", "json", "jsonl", "csv", "ids")


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


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], tablefmt: str = "simple") -> str:
    from tabulate import tabulate, tabulate_formats

    if tablefmt not in tabulate_formats:
        from htcat.errors import InputError

        raise InputError(f"--tablefmt {tablefmt!r}: expected one of {', '.join(tabulate_formats)}")
    return tabulate(list(rows), headers=list(headers), tablefmt=tablefmt, disable_numparse=True)


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def entry_rows(entries: Iterable[Entry]) -> Iterator[tuple[str, str, str, str, str]]:
    for e in entries:
        yield (
            e["id"],
            e.get("date", ""),
            e.get("type", ""),
            shorten(e.get("title", ""), 45),
            shorten(", ".join(e.get("tags", ())), 30),
        )


def write_entries(entries: list[Entry], fmt: str, out: TextIO, tablefmt: str = "simple") -> None:
    """Entries in one of `ENTRY_FORMATS` (the table without its footer)."""
    if fmt == "table":
        out.write(table(entry_rows(entries), ("id", "date", "type", "title", "tags"), tablefmt))
        out.write("\n")
    elif fmt == "json":
        out.write(orjson.dumps(entries, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif fmt == "jsonl":
        out.writelines(orjson.dumps(e).decode() + "\n" for e in entries)
    elif fmt == "csv":
        from htcat.formats import csv as csv_format

        out.write(csv_format.write_csv(entries))
    elif fmt == "ids":
        out.writelines(e["id"] + "\n" for e in entries)
    else:
        from htcat.errors import InputError

        raise InputError(f"--format {fmt!r}: expected one of {', '.join(ENTRY_FORMATS)}")


def entry_text(entry: Entry) -> str:
    """One entry in full, for a person to read."""
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
        lines.append(f"{person.get('role', '') + ':':<11}{person['name']}{affiliation}")
    if entry.get("summary"):
        lines += ["", entry["summary"]]
    if entry.get("links"):
        lines += ["", "links:"]
        for link in entry["links"]:
            lines += link_lines(link)
    if entry.get("notes"):
        lines += ["", "notes:", entry["notes"]]
    lines += ["", f"created {entry.get('created', '?')}, updated {entry.get('updated', '?')}"]
    return "\n".join(lines) + "\n"


def link_lines(link: Entry) -> list[str]:
    """A link, its last check's outcome and when it ran, and for a failing or moved
    link why: the HTTP status or error, since when it fails, where it moved."""
    check = link.get("check") or {}
    outcome = check.get("outcome") or "unchecked"
    when = f", checked {check['checked']}" if check.get("checked") else ""
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
    if isinstance(failures, int) and failures > 1 and check.get("failing_since"):
        why.append(f"failing since {check['failing_since']} ({failures} checks in a row)")
    if check.get("last_ok"):
        why.append(f"last ok {check['last_ok']}")
    if why:
        lines.append("      " + "; ".join(why))
    return lines
