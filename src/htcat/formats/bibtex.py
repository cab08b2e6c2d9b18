"""BibTeX: entries as ``@techreport`` and ``@misc`` records that BibTeX and Biber both take.

Built from the CSL item (`htcat.formats.csl`). A CSL report with a publisher
and a year is ``@techreport`` (``institution`` the publisher, ``type`` the
kind of report): the two fields BibTeX's styles insist on for it. Everything
else is ``@misc``, where plainnat and biblatex print ``howpublished`` and no
publisher field, so ``howpublished`` says the kind and the publisher
(``Webinar, National Human Trafficking ... Center``); ``publisher`` is written
too, for reference managers. An entry with no author gets a ``key`` (its
title), which BibTeX sorts and natbib labels by.

Text cannot break a record: no brace is written as a brace (``{`` is
``\\textbraceleft{}``), so every value is balanced whatever it holds, and
``\\ & % $ # _ ^ ~ < > |`` become the LaTeX commands that print them in any
font encoding. Names in lists BibTeX splits on " and " (authors, editors,
institutions, publishers) are protected by braces where needed; family names
are braced whole (``{Martinez de Vedia}, Gonzalo``), so BibTeX and Biber do
not guess particles, and a given name's first letter outside ASCII is braced as
a special character (``{\\relax É}mile``), so that BibTeX's initials (abbrvnat,
``giveninits``) take the whole letter rather than half of its UTF-8 bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from htcat.formats.csl import csl_item
from htcat.model import Entry

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    "|": r"\ensuremath{|}",
}
"""``<``, ``>`` and ``|`` are math symbols: their text commands need T1 fonts."""
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_:.-]+")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")


def escape(text: str) -> str:
    """``text`` as LaTeX that prints it unchanged; line breaks become spaces."""
    return "".join(_LATEX.get(c, c) for c in " ".join(text.split()))


_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "i": "\u0131",
}
_TEXT_COMMANDS = {escaped: char for char, escaped in _LATEX.items()} | {
    "\\textbackslash": "\\",
    "\\textbraceleft": "{",
    "\\textbraceright": "}",
    "\\textless": "<",
    "\\textgreater": ">",
    "\\textbar": "|",
    "\\textasciitilde": "~",
    "\\textasciicircum": "^",
    "\\textunderscore": "_",
    "\\textdollar": "$",
    "\\{": "{",
    "\\}": "}",
    "\\textendash": "\u2013",
    "\\textemdash": "\u2014",
}
_UNESCAPE_RE = re.compile(
    "|".join(re.escape(c) for c in sorted(_TEXT_COMMANDS, key=len, reverse=True))
    + r"""|\\relax ?|\\([`'^"~=.]|[cvuHkr](?![A-Za-z]))\s*\{?\s*(\\?[A-Za-z])\}?"""
    + r"|\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i)(?![A-Za-z])(?:\{\})?|[{}]"
)


def unescape(text: str) -> str:
    """LaTeX as BibTeX files hold it (this module's, Zotero's) back to plain text.

    The inverse of `escape`, plus the accent commands other tools write
    (``{\\'E}mile``); braces that only group or protect are dropped.
    """

    def plain(match: re.Match[str]) -> str:
        found = match[0]
        if found in _TEXT_COMMANDS:
            return _TEXT_COMMANDS[found]
        if match[1]:
            base = match[2].lstrip("\\")
            return unicodedata.normalize("NFC", base + _ACCENTS[match[1]])
        if match[3]:
            return _LETTERS[match[3]]
        return ""

    return _UNESCAPE_RE.sub(plain, text)


def escape_paragraphs(text: str) -> str:
    """Like `escape`, keeping blank lines between paragraphs (a LaTeX paragraph break)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(escape(p) for p in paragraphs if p.strip())


def bibtex_key(ident: str) -> str:
    """A citation key from an entry id: letters, digits and ``-_:.`` only."""
    return _KEY_UNSAFE_RE.sub("-", ident).strip("-") or "entry"


def _given_word(word: str) -> str:
    """One word of a given name, safe for BibTeX's name splitting and initials."""
    if "," in word or _AND_RE.fullmatch(word):
        return "{" + escape(word) + "}"
    if not word.isascii() and not word[0].isascii():
        return "{\\relax " + word[0] + "}" + (escape(word[1:]) or "{}")
    return escape(word)


def _given(given: str) -> str:
    return " ".join(
        "-".join(_given_word(part) if part else "" for part in word.split("-"))
        for word in given.split()
    )


def bibtex_name(name: Mapping[str, str]) -> str:
    """One CSL name as a BibTeX name: ``{Family}, Given``, or ``{Literal}`` kept whole.

    A given name that holds LaTeX's special characters or starts with no
    letter is written whole with the family name, as a literal: Biber makes
    unbalanced initials of such names, and BibTeX initials of the wrong letter.
    """
    if "literal" in name:
        return "{" + escape(name["literal"]) + "}"
    family, given = name.get("family", ""), name.get("given", "")
    if given and (not given[0].isalpha() or any(c in _LATEX for c in given)):
        return "{" + escape(f"{given} {family}") + "}"
    protected = _given(given)
    return f"{{{escape(family)}}}, {protected}" if protected else "{" + escape(family) + "}"


def _names(names: Iterable[Mapping[str, str]]) -> str:
    return "{" + " and ".join(bibtex_name(n) for n in names) + "}"


def _literal_list(text: str) -> str:
    """A value Biber splits on " and " (institution, publisher), kept as one name."""
    return "{{" + escape(text) + "}}"


def _date(parts: list[int]) -> str:
    return "-".join(f"{p:04d}" if n == 0 else f"{p:02d}" for n, p in enumerate(parts))


def _url(url: str) -> str:
    return "{" + "".join(_URL_UNSAFE.get(c, c) for c in url) + "}"


def entry_type(item: Mapping[str, Any]) -> str:
    """``techreport`` for a report BibTeX can print in full (publisher and year), else ``misc``."""
    if item["type"] == "report" and item.get("publisher") and "issued" in item:
        return "techreport"
    return "misc"


def bibtex_fields(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, value) pairs of one CSL item, values already in BibTeX syntax."""
    report = entry_type(item) == "techreport"
    fields = [("title", "{{" + escape(item["title"]) + "}}")]
    for field in ("author", "editor"):
        if item.get(field):
            fields.append((field, _names(item[field])))
    if not item.get("author"):
        fields.append(("key", "{" + escape(item["title"]) + "}"))
    publisher, genre = item.get("publisher", ""), item.get("genre", "")
    if report:
        fields.append(("institution", _literal_list(publisher)))
        if genre:
            fields.append(("type", "{" + escape(genre) + "}"))
    else:
        shown = ", ".join(part for part in (genre, publisher) if part)
        if shown:
            fields.append(("howpublished", "{" + escape(shown) + "}"))
        if publisher:
            fields.append(("publisher", _literal_list(publisher)))
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        fields.append(("year", f"{{{parts[0]:04d}}}"))
        if len(parts) > 1:
            fields.append(("month", MONTHS[parts[1] - 1]))
        fields.append(("date", "{" + _date(parts) + "}"))
    if item.get("URL"):
        fields.append(("url", _url(item["URL"])))
        if "accessed" in item:
            fields.append(("urldate", "{" + _date(item["accessed"]["date-parts"][0]) + "}"))
    if item.get("DOI"):
        fields.append(("doi", _url(item["DOI"])))
    if item.get("abstract"):
        fields.append(("abstract", "{" + escape_paragraphs(item["abstract"]) + "}"))
    if item.get("keyword"):
        fields.append(("keywords", "{" + escape(item["keyword"]) + "}"))
    return fields


def bibtex_record(entry: Mapping[str, Any]) -> str:
    item = csl_item(entry)
    body = ",\n".join(f"  {field} = {value}" for field, value in bibtex_fields(item))
    return f"@{entry_type(item)}{{{bibtex_key(item['id'])},\n{body}\n}}\n"


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """``entries`` as BibTeX records; internal notes are never part of a citation."""
    del include_internal
    return "\n".join(bibtex_record(entry) for entry in entries).encode("utf-8")
