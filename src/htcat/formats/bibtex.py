"""BibTeX: entries as ``@article``, ``@techreport`` and ``@misc`` records that BibTeX and
Biber both take, and BibTeX files read as a person reads them.

Built from the CSL item (`htcat.formats.csl`). A journal article is
``@article`` with its ``journal``; a CSL report with a publisher and a year is
``@techreport`` (``institution`` the publisher, ``type`` the kind of report,
``number`` its number): the fields BibTeX's styles insist on for them.
Everything else is ``@misc``, where plainnat and biblatex print
``howpublished`` and no publisher field, so ``howpublished`` says the kind and
the publisher (``Webinar, National Human Trafficking ... Center``);
``publisher`` is written too, for reference managers. An entry with no author
gets a ``key`` (its title), which BibTeX sorts and natbib labels by.

Text cannot break a record: a brace is written ``\\{``/``\\}`` only where it
pairs with another, ``\\textbraceleft{}``/``\\textbraceright{}`` where it does
not, so every value is balanced whatever it holds, and
``\\ & % $ # _ ^ ~ < > |`` become the text-mode commands every BibTeX reader
decodes. Names in lists BibTeX splits on " and " (authors, editors,
institutions, publishers) are protected by braces where needed; family names
are braced whole (``{Martinez de Vedia}, Gonzalo``), so BibTeX and Biber do
not guess particles, and a given name's first letter outside ASCII is written
as a special character (``{\\'E}mile``), so that BibTeX's initials (abbrvnat,
``giveninits``) take the whole letter rather than half of its UTF-8 bytes.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from htcat.errors import FieldProblem, InputError
from htcat.formats.bibtex_text import (
    LATEX_SPECIALS,
    MONTHS,
    MalformedRecord,
    escape,
    escape_paragraphs,
    initial,
    resolve_value,
    unescape,
)
from htcat.formats.csl import (
    csl_item,
    csl_name,
    entry_from_csl,
)
from htcat.formats.dates import MONTH_NUMBERS
from htcat.formats.records import SourceRow, decode_text
from htcat.model import Entry
from htcat.people import display_name

MISC_KINDS = {"report": "Report", "dataset": "Data set"}
"""What ``howpublished`` says of a CSL type with no genre, so that the kind survives @misc."""
_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}
_AND_RE = re.compile(r"\band\b", re.IGNORECASE)
_KEY_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_:.-]+")


def bibtex_key(ident: str) -> str:
    """A citation key from an entry id: letters, digits and ``-_:.`` only."""
    return _KEY_UNSAFE_RE.sub("-", ident).strip("-") or "entry"


def _given_word(word: str) -> str:
    """One word of a given name, safe for BibTeX's name splitting and initials."""
    if "," in word or _AND_RE.fullmatch(word):
        return "{" + escape(word) + "}"
    special = initial(word[0]) if not word[0].isascii() else None
    return special + (escape(word[1:]) or "{}") if special else escape(word)


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
    if given and (not given[0].isalpha() or any(c in LATEX_SPECIALS for c in given)):
        return "{" + escape(display_name(name)) + "}"
    given = " ".join(part for part in (given, name.get("dropping-particle")) if part)
    particle = name.get("non-dropping-particle", "")
    written = (escape(particle) + " " if particle else "") + "{" + escape(family) + "}"
    if name.get("suffix"):
        written += ", {" + escape(name["suffix"]) + "}"
    protected = _given(given)
    return f"{written}, {protected}" if protected else written + ","


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
    if item["type"] == "article-journal" and item.get("container-title"):
        return "article"
    return "misc"


def _citation_fields(item: Mapping[str, Any], kind: str) -> list[tuple[str, str]]:
    """The fields of an entry's ``citation`` as BibTeX and biblatex name them for ``kind``.

    An article's issue is its ``number``, which BibTeX's styles print as the issue (an
    article never has a number of its own: `htcat.formats.csl.csl_item` makes a
    numbered paper a report).
    """
    article = kind == "article"
    names = {
        "container-title": "journal" if article else "booktitle",
        "collection-title": "series",
        "volume": "volume",
        "issue": "number" if article else "issue",
        "page": "pages",
        "number": "number",
        "ISBN": "isbn",
        "ISSN": "issn",
        "publisher-place": "address",
    }
    return [
        (field, "{" + escape(str(item[variable])) + "}")
        for variable, field in names.items()
        if item.get(variable)
    ]


def bibtex_fields(
    item: Mapping[str, Any], moderators: Sequence[Mapping[str, str]] = ()
) -> list[tuple[str, str]]:
    """The (field, value) pairs of one CSL item, values already in BibTeX syntax.

    ``moderators`` (CSL has no role for them, so they are among its
    contributors) go to biblatex's ``editora`` as organizers, the other
    contributors to ``editorb`` as collaborators; BibTeX's styles ignore both.
    """
    kind = entry_type(item)
    report = kind == "techreport"
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
        shown_kind = genre or MISC_KINDS.get(item["type"], "")
        shown = ", ".join(part for part in (shown_kind, publisher) if part)
        if shown:
            fields.append(("howpublished", "{" + escape(shown) + "}"))
        if publisher:
            fields.append(("publisher", _literal_list(publisher)))
    fields += _citation_fields(item, kind)
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
CITATION_READ = (
    (("journaltitle", "journal", "booktitle"), "container-title"),
    (("series",), "collection-title"),
    (("volume",), "volume"),
    (("issue",), "issue"),
    (("pages",), "page"),
    (("isbn",), "ISBN"),
    (("issn",), "ISSN"),
    (("location", "address"), "publisher-place"),
)
"""BibTeX and biblatex fields → the CSL variables of an entry's ``citation``; ``number`` is
the issue of an ``@article`` with no ``issue`` field, and the number of anything else."""
ISSUE_NUMBERED = frozenset({"article", "periodical"})
_TEXT_FIELDS = frozenset(
    {"title", "institution", "organization", "publisher", "school", "type", "howpublished"}
    | {"keywords", "number", "date", "year", "month", "day", "editoratype", "editorbtype"}
    | {"editorctype", *(name for names, _ in CITATION_READ for name in names)}
)
"""The fields read as text (LaTeX decoded); names, the abstract and addresses apart."""


def _wrapped(text: str) -> bool:
    """Whether ``text`` is one brace group: ``{A and B}``, not ``{A} and {B}``."""
    depth = 0
    for position, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return position == len(text) - 1 and char == "}"
    return False


def read_name(text: str) -> dict[str, str]:
    """A BibTeX name as a CSL name: ``{Literal}`` whole, or its parts by BibTeX's rules.

    ``von Last, Jr, First`` and ``First von Last``: ``von`` is the family name's
    particle (CSL's non-dropping particle), ``Jr`` its suffix.
    """
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    text = " ".join(text.split())
    if _wrapped(text):
        return {"literal": unescape(text[1:-1])}
    try:
        parts = parse_single_name_into_parts(text, strict=False)
    except InvalidNameError:
        return {"literal": unescape(text)}
    name = {
        "family": unescape(" ".join(parts.last)),
        "given": unescape(" ".join(parts.first)),
        "non-dropping-particle": unescape(" ".join(parts.von)),
        "suffix": unescape(" ".join(parts.jr)),
    }
    return {key: value for key, value in name.items() if value}


def _read_names(value: str) -> list[dict[str, str]]:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    return [read_name(n) for n in split_multiple_persons_names(" ".join(value.split())) if n]


def _read_date(fields: Mapping[str, str]) -> str:
    """The date as CSL ``raw`` text: biblatex's ``date``, else ``year``, ``month`` and ``day``."""
    if fields.get("date"):
        return fields["date"]
    year = fields.get("year", "")
    month = fields.get("month", "").strip().lower().rstrip(".")
    number = MONTH_NUMBERS.get(month) or (int(month) if month.isdigit() else 0)
    if not (re.fullmatch(r"\d{4}", year) and 1 <= number <= 12):
        return year
    day = fields.get("day", "").strip()
    return f"{year}-{number:02d}" + (f"-{int(day):02d}" if day.isdigit() else "")


def _item(entry_type: str, key: str, fields: Mapping[str, str]) -> dict[str, Any]:
    text = {k: " ".join(unescape(v).split()) for k, v in fields.items() if k in _TEXT_FIELDS}
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
        "URL": " ".join(fields.get("url", "").split()),
        "DOI": " ".join(fields.get("doi", "").split()),
        "keyword": text.get("keywords", ""),
        "issued": {"raw": _read_date(text)},
    }
    if fields.get("abstract"):
        item["abstract"] = unescape(fields["abstract"])
    for names, variable in CITATION_READ:
        found = next((text[n] for n in names if text.get(n)), "")
        if found:
            item[variable] = found
    if text.get("number"):
        issue = entry_type in ISSUE_NUMBERED and not text.get("issue")
        item["issue" if issue else "number"] = text["number"]
    if item.get("page"):
        item["page"] = item["page"].replace("\u2013", "-").replace("\u2014", "-")
    for variable in ("author", "editor"):
        if fields.get(variable):
            item[variable] = _read_names(fields[variable])
    for field in ("editora", "editorb", "editorc"):
        if fields.get(field):
            variable = "chair" if text.get(field + "type") == "organizer" else "contributor"
            item.setdefault(variable, []).extend(_read_names(fields[field]))
    return item


def read(data: bytes, source: str = "input", *, keep_unknown: bool = False) -> list[SourceRow]:
    """The entries of a BibTeX file (Zotero's, JabRef's, biblatex's, htcat's), ``record N (line L)``
    each.

    bibtexparser splits the file into records and fields; this module joins each
    value's ``#`` parts and ``@string`` macros (`resolve_value`) and reads its LaTeX
    (`unescape`). A record whose braces or commas do not add up is reported, with
    its text kept for a rejects file. Fields htcat has no place for are left out;
    ``keep_unknown`` does not apply.
    """
    del keep_unknown
    from bibtexparser.entrypoint import parse_string
    from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock
    from bibtexparser.model import Entry as BibEntry
    from bibtexparser.model import String as BibString

    # bibtexparser also logs each broken record; htcat names them itself, once.
    logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
    logging.getLogger("bibtexparser").propagate = False
    text = decode_text(data, source)
    library = parse_string(text, parse_stack=[])
    macros: dict[str, str] = {}
    rows: list[SourceRow] = []
    for block in library.blocks:
        key_again = isinstance(block, DuplicateBlockKeyBlock)
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, BibEntry | BibString
        ):
            block = block.ignore_error_block  # read as written; the id is not taken from it
        if isinstance(block, BibString):
            with contextlib.suppress(MalformedRecord):
                macros[block.key.lower()] = resolve_value(block.key, str(block.value), macros, [])
        elif isinstance(block, BibEntry | ParsingFailedBlock):
            where = f"record {len(rows) + 1} (line {(block.start_line or 0) + 1})"
            rows.append(_row(block, where, macros, key_again=key_again))
    if not rows and text.strip():
        raise InputError(f"{source}: no BibTeX record (like @misc{{key, title = {{…}}}}) in it")
    return rows


def _row(block: Any, where: str, macros: Mapping[str, str], *, key_again: bool) -> SourceRow:
    """One record as an entry, or as the problem that keeps it out.

    A key met before (two files pasted together) is no id: the entry's id is made
    from its title, with a warning.
    """
    from bibtexparser.model import ParsingFailedBlock

    raw_text = (block.raw or "").strip() + "\n"
    if isinstance(block, ParsingFailedBlock):
        said = getattr(block.error, "abort_reason", "") or str(block.error)
        reason = " ".join(str(said).split()) or "is not a complete BibTeX record"
        problem = FieldProblem("record", (block.raw or "").split("\n", 1)[0], reason)
        return SourceRow(where, {}, (problem,), raw=raw_text)
    warnings: list[str] = []
    try:
        fields = {
            f.key.lower(): resolve_value(f.key, str(f.value), macros, warnings)
            for f in block.fields
        }
    except MalformedRecord as exc:
        problem = FieldProblem("record", f"@{block.entry_type}{{{block.key}", str(exc))
        return SourceRow(where, {}, (problem,), raw=raw_text)
    kind = block.entry_type.lower()
    item = _item(kind, "" if key_again else block.key, fields)
    if key_again:
        warnings.append(f"key {block.key!r} is used by an earlier record; id made from the title")
    entry, more = entry_from_csl(item, "@" + kind)
    return SourceRow(where, entry, warnings=tuple(warnings + more), raw=raw_text)
