"""RIS: entries as tagged citation records, for Zotero, EndNote, Mendeley and the like.

Built from the CSL item (`htcat.formats.csl`), so types and names agree with
CSL-JSON: ``report`` is ``RPRT`` (``M3`` its report type, ``PB`` the
institution), a webinar is ``SLIDE`` (Zotero's *Presentation*; ``M3`` says
``Webinar``), a data set ``DATA``, anything else ``GEN``. Every value sits on
its one line: RIS has no escaping, so line breaks inside a value (a summary's
paragraphs) become spaces, and each record ends with ``ER``.

A person is ``Family, Given``; an organization is written with no comma,
which Zotero reads as one name kept whole (commas inside an organization's
name are dropped: every RIS reader would split the name there). Authors
are ``AU``, editors ``ED``, moderators ``A3`` and other contributors
``A4``. ``Y2`` is the date the main link was last reached, ``DO`` a DOI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from htcat.errors import FieldProblem, InputError
from htcat.formats.csl import csl_item, csl_name, doi, entry_from_csl
from htcat.formats.records import SourceRow, decode_text
from htcat.model import Entry

RIS_TYPES = {
    "report": "RPRT",
    "speech": "SLIDE",
    "dataset": "DATA",
    "document": "GEN",
    "article-journal": "JOUR",
}
EOL = "\r\n"
"""The RIS specification ends lines with CR LF; readers accept it everywhere."""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


CITATION_TAGS = (
    ("T2", "container-title"),
    ("T3", "collection-title"),
    ("VL", "volume"),
    ("IS", "issue"),
    ("CY", "publisher-place"),
)
"""RIS tag → CSL variable, as Zotero reads and writes them. Pages are ``SP`` and ``EP``; a
report's number, an ISBN and an ISSN are each an ``SN`` line, told apart by their shape."""
NAME_TAGS = (("AU", "author"), ("ED", "editor"), ("A3", "chair"), ("A4", "contributor"))
"""RIS name tag → CSL name variable; ``chair`` holds the moderators (see `ris_record`)."""


def ris_name(name: Mapping[str, str]) -> str:
    """``Family, Given, Suffix`` (``Family,`` alone), or an organization's name with no comma.

    RIS has no place for particles: ``van`` goes before the family name and ``de``
    after the given name, and are read back as part of them.
    """
    if "literal" in name:
        return " ".join(name["literal"].replace(",", " ").split())
    family = " ".join(n for n in (name.get("non-dropping-particle"), name.get("family")) if n)
    given = " ".join(n for n in (name.get("given"), name.get("dropping-particle")) if n)
    if name.get("suffix"):
        return f"{family}, {given}, {name['suffix']}"
    return f"{family}, {given}".rstrip()


def ris_date(parts: list[int]) -> str:
    """CSL date parts as RIS ``DA``: ``2021/02/26``, ``2023/02``, ``2020``."""
    return "/".join(f"{p:04d}" if n == 0 else f"{p:02d}" for n, p in enumerate(parts))


def ris_record(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (tag, value) lines of one entry, ``TY`` first and ``ER`` last."""
    item = csl_item(entry)
    people = [p for p in entry.get("people") or () if isinstance(p, Mapping)]
    moderators = [csl_name(p) for p in people if p.get("role") == "moderator"]
    names = dict(item, chair=moderators)
    names["contributor"] = [n for n in item.get("contributor", ()) if n not in moderators]
    lines = [("TY", RIS_TYPES.get(item["type"], "GEN")), ("ID", item["id"]), ("TI", item["title"])]
    for tag, variable in NAME_TAGS:
        lines += [(tag, ris_name(n)) for n in names.get(variable, ())]
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        lines += [("PY", f"{parts[0]:04d}"), ("DA", ris_date(parts))]
    for tag, key in (*CITATION_TAGS, ("M3", "genre"), ("PB", "publisher"), ("UR", "URL")):
        if item.get(key):
            lines.append((tag, item[key]))
    start, _, end = str(item.get("page") or "").partition("-")
    lines += [(tag, page.strip()) for tag, page in (("SP", start), ("EP", end)) if page.strip()]
    lines += [("SN", item[key]) for key in ("number", "ISBN", "ISSN") if item.get(key)]
    links = [link for link in entry.get("links") or () if isinstance(link, Mapping)]
    lines += [
        ("UR", str(link["url"]))
        for link in links
        if link.get("url") and link["url"] != item.get("URL") and not doi(str(link["url"]))
    ]
    if "accessed" in item:
        lines.append(("Y2", ris_date(item["accessed"]["date-parts"][0])))
    for tag, key in (("DO", "DOI"), ("AB", "abstract")):
        if item.get(key):
            lines.append((tag, item[key]))
    lines += [("KW", str(tag)) for tag in entry.get("tags") or ()]
    lines.append(("ER", ""))
    return [(tag, _one_line(value)) for tag, value in lines]


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """``entries`` as RIS records; internal notes are never part of a citation."""
    del include_internal
    out = []
    for entry in entries:
        out.append(EOL.join(f"{tag}  - {value}" for tag, value in ris_record(entry)))
    return ((EOL + EOL).join(out) + EOL if out else "").encode("utf-8")


# --- reading ------------------------------------------------------------------------------

CSL_TYPES = {
    "RPRT": "report",
    "GOVDOC": "report",
    "SLIDE": "speech",
    "DATA": "dataset",
    "GEN": "document",
    "JOUR": "article-journal",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "THES": "thesis",
    "MANSCPT": "manuscript",
    "UNPB": "manuscript",
    "PAMP": "pamphlet",
    "VIDEO": "motion_picture",
    "MPCT": "motion_picture",
}
"""RIS type → the CSL type it is read as (`htcat.formats.csl.HTCAT_TYPES` maps that on)."""
READ_NAMES = {
    "AU": "author",
    "A1": "author",
    "ED": "editor",
    "A2": "editor",
    "A3": "chair",
    "A4": "contributor",
}
"""RIS name tag → CSL name variable (``chair``: the moderators, as the writer puts them in A3)."""
CITATION_READ = (
    (("T3",), "collection-title"),
    (("VL",), "volume"),
    (("IS",), "issue"),
    (("CY",), "publisher-place"),
)
_URL_SPLIT_RE = re.compile(r"\s+|;\s*(?=https?://|www\.)")
"""Several URLs on one ``UR`` line, as EndNote and Scopus write them."""
_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*))?$")


@dataclass
class _Record:
    number: int
    line: int
    end: int
    """The record's last line, for the text a rejects file gives back."""
    fields: list[tuple[str, str]] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"record {self.number} (line {self.line})"


SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "esq", "esq."})
"""What a name's middle part is when it is a suffix (``Doe, Jr., Jeffrey``, BibTeX's order)."""
_ISSN_RE = re.compile(r"^\d{4}-?\d{3}[\dXx]\b")
_ISBN_RE = re.compile(r"^(?:ISBN[: ]*)?(?:97[89][ -]?)?(?:\d[ -]?){9}[\dXx]\b")


def read_name(text: str) -> dict[str, str]:
    """An RIS name: ``Family, Given[, Suffix]``; with no comma, one name kept whole.

    A suffix comes last (RIS's order) or second (``Doe, Jr., Jeffrey``, BibTeX's).
    """
    if "," not in text:
        return {"literal": text}
    parts = [part.strip() for part in text.split(",")]
    family, given, suffix = parts[0], parts[1], ", ".join(p for p in parts[2:] if p)
    if len(parts) == 3 and given.lower() in SUFFIXES and parts[2].lower() not in SUFFIXES:
        given, suffix = parts[2], parts[1]
    name = {"family": family, "given": given, "suffix": suffix}
    return {key: value for key, value in name.items() if value}


def _serial_numbers(values: list[str]) -> dict[str, str]:
    """``SN`` lines as ISSN, ISBN or a report's number, by their shape."""
    found: dict[str, str] = {}
    for value in values:
        key = "ISSN" if _ISSN_RE.match(value) else "ISBN" if _ISBN_RE.match(value) else "number"
        found.setdefault(key, value)
    return found


def _item(record: _Record) -> tuple[dict[str, Any], str, list[str]]:
    """The CSL item, the RIS type and the further URLs of one record."""
    tags: dict[str, list[str]] = {}
    for tag, value in record.fields:
        tags.setdefault(tag, []).append(value)

    def first(*names: str) -> str:
        return next((v for n in names for v in tags.get(n, ()) if v), "")

    ris_type = first("TY")
    item: dict[str, Any] = {
        "id": first("ID"),
        "type": CSL_TYPES.get(ris_type.upper(), ""),
        "title": first("TI", "T1"),
    }
    for tag, value in record.fields:
        if tag in READ_NAMES and value:
            item.setdefault(READ_NAMES[tag], []).append(read_name(value))
    date = first("DA", "PY", "Y1")
    if date:
        item["issued"] = {"raw": date}
    container = ("JF", "T2", "JO", "JA") if ris_type.upper() == "JOUR" else ("T2", "JF", "JO")
    for tags_read, variable in ((container, "container-title"), *CITATION_READ):
        if first(*tags_read):
            item[variable] = first(*tags_read)
    pages = "-".join(p for p in (first("SP"), first("EP")) if p)
    if pages:
        item["page"] = pages
    item.update(_serial_numbers([v for v in tags.get("SN", ()) if v]))
    for tag, variable in (("PB", "publisher"), ("M3", "genre"), ("DO", "DOI")):
        if first(tag):
            item[variable] = first(tag)
    abstract = first("AB", "N2")
    if abstract:
        item["abstract"] = abstract
    urls = [u for value in tags.get("UR", ()) for u in _URL_SPLIT_RE.split(value) if u]
    if urls:
        item["URL"] = urls[0]
    item["keyword"] = [k for k in tags.get("KW", ()) if k]
    return item, ris_type, urls[1:]


def _records(lines: list[str]) -> list[_Record]:
    records: list[_Record] = []
    current: _Record | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _TAG_RE.match(line.rstrip())
        if match is None:
            if current is not None:
                tag, value = current.fields[-1]
                current.fields[-1] = (tag, f"{value} {line.strip()}".strip())
                current.end = number
            # Outside a record: EndNote's "Record #1 of 2" headers, numbers, notes.
            continue
        tag, value = match[1], (match[2] or "").strip()
        if current is not None and tag != "TY":
            current.end = number
        if tag == "TY":
            if current is not None:
                current.problems.append(
                    FieldProblem("ER", "", f"the record has no ER line before line {number}")
                )
            current = _Record(len(records) + 1, number, number, [("TY", value)])
            records.append(current)
        elif current is None:
            stray = _Record(len(records) + 1, number, number)
            stray.problems.append(FieldProblem(tag, value, "comes before any TY line"))
            records.append(stray)
        elif tag == "ER":
            current = None
        else:
            current.fields.append((tag, value))
    if current is not None:
        current.problems.append(FieldProblem("ER", "", "the file ends before the record's ER line"))
    return records


def read(data: bytes, source: str = "input", *, keep_unknown: bool = False) -> list[SourceRow]:
    """The entries of an RIS file (Zotero's, EndNote's, Mendeley's), ``record N (line L)`` each.

    A small reader of our own rather than rispy: it knows the line of every
    record, and names every broken record instead of stopping at the first.
    Tags htcat has no field for are left out; ``keep_unknown`` does not apply.
    """
    del keep_unknown
    lines = decode_text(data, source).splitlines()
    records = _records(lines)
    text_at = next((n for n, line in enumerate(lines, 1) if line.strip()), 0)
    if not records and text_at:
        raise InputError(
            f"{source} line {text_at}: expected a tag line like 'TY  - RPRT', "
            f"not {lines[text_at - 1]!r}"
        )
    rows = []
    for record in records:
        text = "\n".join(lines[record.line - 1 : record.end]) + "\n"
        if record.problems:
            rows.append(SourceRow(record.where, {}, tuple(record.problems), raw=text))
            continue
        item, ris_type, more_urls = _item(record)
        entry, warnings = entry_from_csl(item, ris_type, more_urls)
        rows.append(SourceRow(record.where, entry, warnings=tuple(warnings), raw=text))
    return rows
