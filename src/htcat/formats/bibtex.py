"""BibTeX: entries as ``@techreport`` and ``@misc`` records that BibTeX and Biber both take.

Built from the CSL item (`htcat.formats.csl`). A CSL report with a publisher
and a year is ``@techreport`` (``institution`` the publisher, ``type`` the
kind of report): the two fields BibTeX's styles insist on for it. Everything
else is ``@misc``, where plainnat and biblatex print ``howpublished`` and no
publisher field, so ``howpublished`` says the kind and the publisher
(``Webinar, National Human Trafficking ... Center``); ``publisher`` is written
too, for reference managers. An entry with no author gets a ``key`` (its
title), which BibTeX sorts and natbib labels by.

Text cannot break a record: a brace is written ``\\{``/``\\}`` only where it
pairs with another, ``\\textbraceleft{}``/``\\textbraceright{}`` where it does
not, so every value is balanced whatever it holds, and
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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from htcat.errors import FieldProblem
from htcat.formats.csl import csl_item, csl_name, entry_from_csl
from htcat.formats.records import SourceRow, decode_text
from htcat.model import Entry
from htcat.people import split_name

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
MISC_KINDS = {"report": "Report", "dataset": "Data set"}
"""What ``howpublished`` says of a CSL type with no genre, so that the kind survives @misc."""
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_:.-]+")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")


def _paired_braces(text: str) -> set[int]:
    """The positions of the braces in ``text`` that close or are closed by another."""
    paired: set[int] = set()
    open_at: list[int] = []
    for position, char in enumerate(text):
        if char == "{":
            open_at.append(position)
        elif char == "}" and open_at:
            paired.update((open_at.pop(), position))
    return paired


def escape(text: str) -> str:
    """``text`` as LaTeX that prints it unchanged; line breaks become spaces.

    Braces that pair up are ``\\{`` and ``\\}``, which every LaTeX reader
    knows (pandoc's too); a brace left without a partner is
    ``\\textbraceleft{}`` or ``\\textbraceright{}``, as BibTeX and Biber count
    ``\\{`` as a brace and one alone would unbalance the record.
    """
    text = " ".join(text.split())
    if "{" not in text and "}" not in text:
        return "".join(_LATEX.get(c, c) for c in text)
    paired = _paired_braces(text)
    return "".join("\\" + c if n in paired else _LATEX.get(c, c) for n, c in enumerate(text))


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


def bibtex_fields(
    item: Mapping[str, Any], moderators: Sequence[Mapping[str, str]] = ()
) -> list[tuple[str, str]]:
    """The (field, value) pairs of one CSL item, values already in BibTeX syntax.

    ``moderators`` (CSL has no role for them, so they are among its
    contributors) go to biblatex's ``editora`` as organizers, the other
    contributors to ``editorb`` as collaborators; BibTeX's styles ignore both.
    """
    report = entry_type(item) == "techreport"
    fields = [("title", "{{" + escape(item["title"]) + "}}")]
    for field in ("author", "editor"):
        if item.get(field):
            fields.append((field, _names(item[field])))
    others = [n for n in item.get("contributor", ()) if n not in moderators]
    for field, names, role in (
        ("editora", moderators, "organizer"),
        ("editorb", others, "collaborator"),
    ):
        if names:
            fields += [(field, _names(names)), (field + "type", "{" + role + "}")]
    if not item.get("author"):
        fields.append(("key", "{" + escape(item["title"]) + "}"))
    publisher, genre = item.get("publisher", ""), item.get("genre", "")
    if report:
        fields.append(("institution", _literal_list(publisher)))
        if genre:
            fields.append(("type", "{" + escape(genre) + "}"))
    else:
        kind = genre or MISC_KINDS.get(item["type"], "")
        shown = ", ".join(part for part in (kind, publisher) if part)
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
    people = [p for p in entry.get("people") or () if isinstance(p, Mapping)]
    moderators = [
        csl_name(p)
        for p in people
        if p.get("role") == "moderator" and (p.get("family") or p.get("literal"))
    ]
    body = ",\n".join(f"  {field} = {value}" for field, value in bibtex_fields(item, moderators))
    return f"@{entry_type(item)}{{{bibtex_key(item['id'])},\n{body}\n}}\n"


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """``entries`` as BibTeX records; internal notes are never part of a citation."""
    del include_internal
    return "\n".join(bibtex_record(entry) for entry in entries).encode("utf-8")


# --- reading ------------------------------------------------------------------------------

CSL_TYPES = {
    "techreport": "report",
    "report": "report",
    "misc": "document",
    "dataset": "dataset",
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "unpublished": "manuscript",
    "booklet": "pamphlet",
    "video": "motion_picture",
}
"""BibTeX entry type → the CSL type it is read as (`htcat.formats.csl.HTCAT_TYPES` maps that on)."""
_MONTH_NAMES = {name: n for n, name in enumerate(MONTHS, 1)}
_AND_SPLIT_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA_RE = re.compile(",")


def _top_level(text: str, pattern: re.Pattern[str]) -> list[str]:
    """``text`` split where ``pattern`` matches outside braces."""
    parts, depth, start = [], 0, 0
    position = 0
    while position < len(text):
        char = text[position]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            match = pattern.match(text, position)
            if match and match.end() > position:
                parts.append(text[start:position])
                start = position = match.end()
                continue
        position += 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _wrapped(text: str) -> bool:
    """Whether ``text`` is one brace group: ``{A and B}``, not ``{A} and {B}``."""
    depth = 0
    for position, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return position == len(text) - 1 and char == "}"
    return False


def read_name(text: str) -> dict[str, str]:
    """A BibTeX name as a CSL name: ``{Literal}`` whole, ``Family, Given``, or ``Given Family``."""
    if _wrapped(text):
        return {"literal": " ".join(unescape(text[1:-1]).split())}
    parts = _top_level(text, _COMMA_RE)
    if len(parts) == 1:
        return split_name(unescape(text))
    family = unescape(parts[0]) + (f", {unescape(parts[1])}" if len(parts) > 2 else "")
    return {"family": family, "given": unescape(parts[-1])}


def _read_names(value: str) -> list[dict[str, str]]:
    return [read_name(name) for name in _top_level(value, _AND_SPLIT_RE)]


def _read_date(fields: Mapping[str, str]) -> str:
    if fields.get("date"):
        return fields["date"].split("/")[0].strip()
    year = fields.get("year", "").strip()
    month = fields.get("month", "").strip().lower()
    number = _MONTH_NAMES.get(month[:3]) or (int(month) if month.isdigit() else 0)
    return f"{year}-{number:02d}" if year and 1 <= number <= 12 else year


def _item(entry_type: str, key: str, fields: Mapping[str, str]) -> dict[str, Any]:
    text = {k: unescape(v).strip() for k, v in fields.items() if k not in ("url", "doi")}
    publisher = next(
        (text[k] for k in ("institution", "organization", "publisher", "school") if text.get(k)), ""
    )
    genre = text.get("type", "")
    shown = text.get("howpublished", "")
    if not genre and shown:
        genre = shown.removesuffix(publisher).rstrip(", ") if publisher else shown
    item: dict[str, Any] = {
        "id": key,
        "type": CSL_TYPES.get(entry_type, ""),
        "title": text.get("title", ""),
        "publisher": publisher,
        "genre": genre,
        "URL": fields.get("url", "").strip(),
        "DOI": fields.get("doi", "").strip(),
        "abstract": fields.get("abstract", ""),
        "keyword": text.get("keywords", ""),
        "issued": {"raw": _read_date(text)},
    }
    if item["abstract"]:
        paragraphs = re.split(r"\n\s*\n", item["abstract"])
        item["abstract"] = "\n\n".join(" ".join(unescape(p).split()) for p in paragraphs)
    for variable in ("author", "editor"):
        if fields.get(variable):
            item[variable] = _read_names(fields[variable])
    for field in ("editora", "editorb", "editorc"):
        if fields.get(field):
            variable = "chair" if text.get(field + "type") == "organizer" else "contributor"
            item.setdefault(variable, []).extend(_read_names(fields[field]))
    return item


def read(data: bytes, source: str = "input", *, keep_unknown: bool = False) -> list[SourceRow]:
    """The entries of a BibTeX file (Zotero's, JabRef's, htcat's), ``record N (line L)`` each.

    bibtexparser splits the file into records and fields; LaTeX in the values
    is read back by `unescape`. Fields htcat has no place for are left out;
    ``keep_unknown`` does not apply.
    """
    del keep_unknown
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import Entry as BibEntry
    from bibtexparser.model import ParsingFailedBlock

    library = parse_string(decode_text(data, source))
    rows = []
    records = [b for b in library.blocks if isinstance(b, BibEntry | ParsingFailedBlock)]
    for number, block in enumerate(records, 1):
        where = f"record {number} (line {(block.start_line or 0) + 1})"
        if isinstance(block, ParsingFailedBlock):
            reason = str(block.error) or "is not a complete BibTeX record (unbalanced braces?)"
            problem = FieldProblem("record", (block.raw or "").split("\n", 1)[0], reason)
            rows.append(SourceRow(where, {}, (problem,)))
            continue
        fields = {f.key.lower(): str(f.value) for f in block.fields}
        item = _item(block.entry_type.lower(), block.key, fields)
        raw, warnings = entry_from_csl(item, "@" + block.entry_type.lower())
        rows.append(SourceRow(where, raw, warnings=tuple(warnings)))
    return rows
