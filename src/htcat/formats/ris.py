"""RIS: entries as tagged citation records, for Zotero, EndNote, Mendeley and the like.

Built from the CSL item (`htcat.formats.csl`), so types and names agree with
CSL-JSON: ``report`` is ``RPRT`` (``M3`` its report type, ``PB`` the
institution), a webinar is ``SLIDE`` (Zotero's *Presentation*; ``M3`` says
``Webinar``), a data set ``DATA``, anything else ``GEN``. Every value sits on
its one line: RIS has no escaping, so line breaks inside a value (a summary's
paragraphs) become spaces, and each record ends with ``ER``.

Only authors (``AU``) are written: the secondary-name tags mean a different
role for each reference type and each manager (Zotero reads ``A2`` on a report
as a series editor, ``A4`` as a translator), so editors, moderators and other
contributors are left to CSL-JSON, which names their roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from htcat.formats.csl import csl_item
from htcat.model import Entry

RIS_TYPES = {"report": "RPRT", "speech": "SLIDE", "dataset": "DATA", "document": "GEN"}
EOL = "\r\n"
"""The RIS specification ends lines with CR LF; readers accept it everywhere."""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _name(name: Mapping[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name.get('family', '')}, {name.get('given', '')}".strip(", ")


def ris_date(parts: list[int]) -> str:
    """CSL date parts as RIS ``DA``: ``2021/02/26``, ``2023/02``, ``2020``."""
    return "/".join(f"{p:04d}" if n == 0 else f"{p:02d}" for n, p in enumerate(parts))


def ris_record(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (tag, value) lines of one entry, ``TY`` first and ``ER`` last."""
    item = csl_item(entry)
    lines = [("TY", RIS_TYPES.get(item["type"], "GEN")), ("ID", item["id"]), ("TI", item["title"])]
    lines += [("AU", _name(n)) for n in item.get("author", ())]
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        lines += [("PY", f"{parts[0]:04d}"), ("DA", ris_date(parts))]
    for tag, key in (("M3", "genre"), ("PB", "publisher"), ("UR", "URL"), ("AB", "abstract")):
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
