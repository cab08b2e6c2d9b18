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

RIS_TYPES = {"report": "RPRT", "speech": "SLIDE", "dataset": "DATA", "document": "GEN"}
EOL = "\r\n"
"""The RIS specification ends lines with CR LF; readers accept it everywhere."""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


NAME_TAGS = (("AU", "author"), ("ED", "editor"), ("A3", "chair"), ("A4", "contributor"))
"""RIS name tag → CSL name variable; ``chair`` holds the moderators (see `ris_record`)."""


def ris_name(name: Mapping[str, str]) -> str:
    """``Family, Given`` (``Family,`` alone), or an organization's name with no comma."""
    if "literal" in name:
        return " ".join(name["literal"].replace(",", " ").split())
    return f"{name.get('family', '')}, {name.get('given', '')}".rstrip()


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
    for tag, key in (("M3", "genre"), ("PB", "publisher"), ("UR", "URL")):
        if item.get(key):
            lines.append((tag, item[key]))
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
_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*))?$")


@dataclass
class _Record:
    number: int
    line: int
    fields: list[tuple[str, str]] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"record {self.number} (line {self.line})"


def read_name(text: str) -> dict[str, str]:
    """An RIS name: ``Family, Given`` split at the comma; with none, one name kept whole."""
    if "," not in text:
        return {"literal": text}
    family, given = (part.strip() for part in text.split(",", 1))
    return {"family": family, "given": given} if given else {"family": family}


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
    for tag, variable in READ_NAMES.items():
        names = [read_name(v) for v in tags.get(tag, ()) if v]
        if names:
            item.setdefault(variable, []).extend(names)
    date = first("DA", "PY", "Y1")
    if date:
        item["issued"] = {"raw": date}
    for tag, variable in (("PB", "publisher"), ("M3", "genre"), ("DO", "DOI")):
        if first(tag):
            item[variable] = first(tag)
    abstract = first("AB", "N2")
    if abstract:
        item["abstract"] = abstract
    urls = [u for u in tags.get("UR", ()) if u]
    if urls:
        item["URL"] = urls[0]
    item["keyword"] = [k for k in tags.get("KW", ()) if k]
    return item, ris_type, urls[1:]


def _records(text: str) -> list[_Record]:
    records: list[_Record] = []
    current: _Record | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _TAG_RE.match(line.rstrip())
        if match is None:
            if current is not None and current.fields:
                tag, value = current.fields[-1]
                current.fields[-1] = (tag, f"{value} {line.strip()}".strip())
                continue
            raise InputError(f"line {number}: expected a tag line like 'TY  - RPRT', not {line!r}")
        tag, value = match[1], (match[2] or "").strip()
        if tag == "TY":
            if current is not None:
                current.problems.append(
                    FieldProblem("ER", "", f"the record has no ER line before line {number}")
                )
            current = _Record(len(records) + 1, number, [("TY", value)])
            records.append(current)
        elif current is None:
            stray = _Record(len(records) + 1, number)
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
    try:
        records = _records(decode_text(data, source))
    except InputError as exc:
        raise InputError(f"{source} {exc}") from None
    rows = []
    for record in records:
        if record.problems:
            rows.append(SourceRow(record.where, {}, tuple(record.problems)))
            continue
        item, ris_type, more_urls = _item(record)
        raw, warnings = entry_from_csl(item, ris_type, more_urls)
        rows.append(SourceRow(record.where, raw, warnings=tuple(warnings)))
    return rows
