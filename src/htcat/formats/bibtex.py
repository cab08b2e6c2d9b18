"""BibTeX: entries as ``@techreport`` and ``@misc`` records for LaTeX users.

Built from the CSL item (`htcat.formats.csl`): CSL reports are
``@techreport`` (``type`` the kind of report, ``institution`` the publisher),
everything else ``@misc`` (``howpublished`` says ``Webinar``). Keys are the
entry ids. Every value is escaped for LaTeX, so braces, ``%``, ``&``, ``#``,
``_``, ``$``, ``~``, ``^`` and backslashes print as themselves and cannot end a
field early; titles are wrapped in a second pair of braces to keep their
capitals (agency names and acronyms). Text stays UTF-8, which BibTeX, Biber
and reference managers read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from htcat.formats.csl import csl_item
from htcat.model import Entry

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_:.-]+")


def escape(text: str) -> str:
    """``text`` as LaTeX that prints it unchanged; line breaks become spaces."""
    return "".join(_LATEX.get(c, c) for c in " ".join(text.split()))


def escape_paragraphs(text: str) -> str:
    """Like `escape`, keeping blank lines between paragraphs (a LaTeX paragraph break)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(escape(p) for p in paragraphs if p.strip())


def bibtex_key(ident: str) -> str:
    """A citation key from an entry id: letters, digits and ``-_:.`` only."""
    return _KEY_UNSAFE_RE.sub("-", ident).strip("-") or "entry"


def _name(name: Mapping[str, str]) -> str:
    def part(text: str) -> str:
        text = escape(text)
        return "{" + text + "}" if _AND_RE.search(text) or "," in text else text

    if "literal" in name:
        return "{" + escape(name["literal"]) + "}"
    return f"{part(name.get('family', ''))}, {part(name.get('given', ''))}".strip(", ")


def bibtex_fields(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, value) pairs of one CSL item, values already in BibTeX syntax."""
    report = item["type"] == "report"
    fields = [("title", "{{" + escape(item["title"]) + "}}")]
    for field, key in (("author", "author"), ("editor", "editor")):
        if item.get(key):
            fields.append((field, "{" + " and ".join(_name(n) for n in item[key]) + "}"))
    if item.get("publisher"):
        fields.append(
            ("institution" if report else "publisher", "{" + escape(item["publisher"]) + "}")
        )
    if item.get("genre"):
        fields.append(("type" if report else "howpublished", "{" + escape(item["genre"]) + "}"))
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        fields.append(("year", f"{{{parts[0]:04d}}}"))
        if len(parts) > 1:
            fields.append(("month", MONTHS[parts[1] - 1]))
        fields.append(("date", "{" + "-".join(f"{p:02d}" for p in parts) + "}"))
    if item.get("URL"):
        fields.append(("url", "{" + "".join(_URL_UNSAFE.get(c, c) for c in item["URL"]) + "}"))
    if item.get("abstract"):
        fields.append(("abstract", "{" + escape_paragraphs(item["abstract"]) + "}"))
    if item.get("keyword"):
        fields.append(("keywords", "{" + escape(item["keyword"]) + "}"))
    return fields


def bibtex_record(entry: Mapping[str, Any]) -> str:
    item = csl_item(entry)
    kind = "techreport" if item["type"] == "report" else "misc"
    body = ",\n".join(f"  {field} = {value}" for field, value in bibtex_fields(item))
    return f"@{kind}{{{bibtex_key(item['id'])},\n{body}\n}}\n"


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """``entries`` as BibTeX records; internal notes are never part of a citation."""
    del include_internal
    return "\n".join(bibtex_record(entry) for entry in entries).encode("utf-8")
