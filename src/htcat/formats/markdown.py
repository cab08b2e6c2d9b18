"""Markdown: a readable list of entries grouped by type, for reports and web pages.

Every piece of catalog text is escaped, so a title or summary can neither
break the page's structure (headings, lists, tables, links) nor inject HTML,
in CommonMark and in pandoc's own Markdown alike: pandoc's math (``$``),
citations (``@``), superscripts (``^``), attributes (``{}``) and smart
punctuation (quotes, ``--``, ``...``) are escaped too, since pandoc treats any
punctuation after a backslash as itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from htcat.model import TYPES, Entry
from htcat.people import display_name
from htcat.plurals import counted
from htcat.urls import url_problem

TYPE_HEADINGS = {
    "information-memorandum": "Information memoranda",
    "report": "Reports",
    "research": "Research",
    "webinar": "Webinars",
    "fact-sheet": "Fact sheets",
    "toolkit": "Toolkits",
    "training": "Training",
    "guidance": "Guidance",
    "data": "Data",
    "other": "Other resources",
}

_INLINE = re.compile(r"""([\\`*_\[\]<>|~#$@^{}"']|-(?=-)|\.(?=\.\.))""")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^([+=:-]|\d+[.)]|[A-Za-z]+[.)](?=\s|$)|\((?=[A-Za-z0-9]+\)))")
"""Line starts that open a block: lists (pandoc's ``a.``, ``iv)``, ``(b)`` too), headings,
definitions."""
_URL_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E", "\n": "%0A", "\r": "%0D", "\\": "%5C"}


def escape_inline(text: str) -> str:
    """``text`` as literal Markdown inside a line: emphasis, links, code, HTML, tables inert."""
    return _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))


def escape_block(text: str) -> str:
    """``text`` as literal Markdown paragraphs: line starts that open a block are escaped too.

    Lines keep their breaks; blank lines separate paragraphs; indentation that
    would make a code block is dropped.
    """
    lines = []
    for line in text.splitlines():
        line = escape_inline(line.strip())
        lines.append(_LINE_START.sub(lambda m: _escape_start(m.group(1)), line))
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(
        "  \n".join(line for line in p.split("\n") if line) for p in paragraphs if p.strip()
    )


def _escape_start(token: str) -> str:
    return token[:-1] + "\\" + token[-1] if token[0].isalnum() else "\\" + token


def link_target(url: str) -> str:
    """``url`` as a Markdown link destination that no character can end early."""
    return "<" + "".join(_URL_UNSAFE.get(c, c) for c in url) + ">"


def _heading(kind: str) -> str:
    return TYPE_HEADINGS.get(kind) or escape_inline(kind.replace("-", " ").capitalize() or "Other")


def _byline(entry: Mapping[str, Any]) -> str:
    bits = [entry.get("date") or "", entry.get("publisher") or ""]
    status = entry.get("status")
    if status and status != "published":
        bits.append(status)
    return " · ".join(escape_inline(str(b)) for b in bits if b)


def _person(person: Any) -> str:
    if not isinstance(person, Mapping):
        return escape_inline(str(person))
    text = escape_inline(display_name(person))
    details = [str(person.get(k)) for k in ("role", "affiliation") if person.get(k)]
    return text + (f" ({escape_inline(', '.join(details))})" if details else "")


def _link(link: Any) -> str:
    """A Markdown link, or plain text for a URL that is not http(s) (javascript:, data:…).

    Validation never lets such a URL in, but a hand-edited catalog can hold one,
    and many Markdown renderers would turn it into a link a reader could click.
    """
    if not isinstance(link, Mapping) or not link.get("url"):
        return escape_inline(str(link))
    url = str(link["url"])
    label = escape_inline(str(link.get("label") or url))
    kind = f" ({escape_inline(str(link['kind']))})" if link.get("kind") else ""
    if url_problem(url):
        shown = f"{label}: {escape_inline(url)}" if link.get("label") else label
        return f"{shown} (not a web link){kind}"
    return f"[{label}]({link_target(url)}){kind}"


def _entry(entry: Mapping[str, Any], *, include_internal: bool) -> list[str]:
    out = [f"### {escape_inline(str(entry.get('title', '')))}", ""]
    byline = _byline(entry)
    if byline:
        out += [f"*{byline}*", ""]
    if entry.get("summary"):
        out += [escape_block(str(entry["summary"])), ""]
    if entry.get("people"):
        out += ["People: " + "; ".join(_person(p) for p in entry["people"]), ""]
    if entry.get("audiences"):
        out += ["For: " + escape_inline(", ".join(map(str, entry["audiences"]))), ""]
    if entry.get("links"):
        out += [f"- {_link(link)}" for link in entry["links"]] + [""]
    if entry.get("tags"):
        out += ["Tags: " + escape_inline(", ".join(map(str, entry["tags"]))), ""]
    if include_internal and entry.get("notes"):
        out += ["> Internal notes:", ">", *(f"> {line}" for line in _quoted(entry["notes"])), ""]
    return out


def _quoted(notes: str) -> list[str]:
    return escape_block(notes).split("\n")


def write(
    entries: Iterable[Entry], *, include_internal: bool = False, title: str = "Resource library"
) -> bytes:
    """The entries as a Markdown document: one section per type, in the order of `TYPES`.

    Within a section entries keep the order they were given in.
    """
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(str(entry.get("type") or "other"), []).append(entry)
    order = [t for t in TYPES if t in groups] + sorted(t for t in groups if t not in TYPES)
    total = sum(len(g) for g in groups.values())
    out = [f"# {escape_inline(title)}", "", f"{counted(total, 'resource')}.", ""]
    for kind in order:
        out += [f"## {_heading(kind)} ({len(groups[kind]):,})", ""]
        for entry in groups[kind]:
            out += _entry(entry, include_internal=include_internal)
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")
