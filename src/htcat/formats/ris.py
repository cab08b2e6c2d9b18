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

from collections.abc import Iterable, Mapping
from typing import Any

from htcat.formats.csl import csl_item, csl_name, doi
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
