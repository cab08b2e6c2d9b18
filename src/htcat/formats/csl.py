"""CSL-JSON: entries as citations, for Zotero and any CSL processor.

The CSL item built here is also what the RIS and BibTeX writers start from,
so the three formats agree on types, names, dates and links.

Types, chosen for what Zotero imports and citation styles render well:

- reports, information memoranda, guidance, fact sheets, research and
  toolkits are ``report`` (Zotero *Report*), the kind of document in
  ``genre`` (Zotero's *Report Type*) and the publisher as the institution;
- webinars are ``speech`` with genre ``Webinar`` (Zotero *Presentation*,
  speakers as presenters): a webinar is a talk given once and recorded,
  not a film, and ``motion_picture`` would make Zotero a *Film* whose
  speakers become directors;
- data is ``dataset``; training and anything else is ``document``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from htcat.model import Entry

CSL_TYPES = {
    "information-memorandum": ("report", "Information memorandum"),
    "report": ("report", ""),
    "research": ("report", "Research"),
    "guidance": ("report", "Guidance"),
    "fact-sheet": ("report", "Fact sheet"),
    "toolkit": ("report", "Toolkit"),
    "webinar": ("speech", "Webinar"),
    "training": ("document", "Training"),
    "data": ("dataset", ""),
    "other": ("document", ""),
}
"""htcat type → (CSL type, genre)."""

PRESENTED = frozenset({"speech"})
"""CSL types whose speakers are their authors (Zotero's presenters)."""

NAME_ROLES = {"editor": {"editor"}, "contributor": {"contributor", "moderator", "speaker"}}
"""CSL name variable → the htcat roles it holds (besides the authors). Moderators are
contributors: CSL 1.0.2's ``chair`` stops citeproc-py, and Zotero has no such role."""
_DOI_URL_RE = re.compile(r"(?i)^https?://(?:dx\.)?doi\.org/(10\.\S+)$")

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MAIN_KINDS = ("page", "webinar", "video")


def main_link(links: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The link that stands for the resource: its first page (or webinar, video), else the first.

    A citation's URL and the title link of the library page are this link.
    """
    for kind in MAIN_KINDS:
        for link in links:
            if link.get("kind") == kind and link.get("url"):
                return link
    return next((link for link in links if link.get("url")), None)


def date_parts(date: str) -> list[int] | None:
    """``2021-02-26`` as ``[2021, 2, 26]``, ``2023-02`` as ``[2023, 2]``; None when not a date."""
    match = _DATE_RE.match(date or "")
    if not match:
        return None
    year, month, day = (int(part) if part else 0 for part in match.groups())
    if not 1 <= month <= 12:
        return [year]
    return [year, month, day] if 1 <= day <= 31 else [year, month]


def csl_name(person: Mapping[str, Any]) -> dict[str, str]:
    """A person's name as a CSL name: ``family`` and ``given``, or one ``literal``."""
    if person.get("literal"):
        return {"literal": str(person["literal"])}
    name = {"family": str(person.get("family") or "")}
    if person.get("given"):
        name["given"] = str(person["given"])
    return name


def _names(people: Iterable[Mapping[str, Any]], roles: set[str]) -> list[dict[str, str]]:
    return [
        csl_name(p)
        for p in people
        if (p.get("family") or p.get("literal")) and str(p.get("role") or "author") in roles
    ]


def doi(url: str) -> str | None:
    """The DOI a ``https://doi.org/...`` link resolves, or None for any other URL."""
    match = _DOI_URL_RE.match(url)
    return unquote(match[1]) if match else None


def accessed(link: Mapping[str, Any]) -> list[int] | None:
    """The date a link was last reached (its check's ``last_ok``), as CSL date parts."""
    check = link.get("check")
    last_ok = check.get("last_ok") if isinstance(check, Mapping) else None
    return date_parts(last_ok[:10]) if isinstance(last_ok, str) else None


def csl_item(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as a CSL item; fields without a value are left out."""
    csl_type, genre = CSL_TYPES.get(str(entry.get("type") or "other"), ("document", ""))
    people = [p for p in entry.get("people") or () if isinstance(p, Mapping)]
    links = [link for link in entry.get("links") or () if isinstance(link, Mapping)]
    author_roles = {"author", "speaker"} if csl_type in PRESENTED else {"author"}
    publisher = str(entry.get("publisher") or "").strip()
    item: dict[str, Any] = {
        "id": str(entry.get("id") or ""),
        "type": csl_type,
        "title": str(entry.get("title") or ""),
    }
    authors = _names(people, author_roles)
    if not authors and publisher:
        authors = [{"literal": publisher}]
    if authors:
        item["author"] = authors
    for variable, roles in NAME_ROLES.items():
        names = _names(people, roles - author_roles)
        if names:
            item[variable] = names
    parts = date_parts(str(entry.get("date") or ""))
    if parts:
        item["issued"] = {"date-parts": [parts]}
    if genre:
        item["genre"] = genre
    if publisher:
        item["publisher"] = publisher
    link = main_link([link for link in links if not doi(str(link.get("url") or ""))]) or (
        main_link(links)
    )
    if link is not None:
        item["URL"] = str(link["url"])
        seen = accessed(link)
        if seen:
            item["accessed"] = {"date-parts": [seen]}
    found = next((d for d in (doi(str(x.get("url") or "")) for x in links) if d), None)
    if found:
        item["DOI"] = found
    if entry.get("summary"):
        item["abstract"] = str(entry["summary"])
    if entry.get("tags"):
        item["keyword"] = ", ".join(map(str, entry["tags"]))
    return item


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """A CSL-JSON array of ``entries``; internal notes are never part of a citation."""
    del include_internal
    items = [csl_item(entry) for entry in entries]
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
