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

People are CSL names as the catalog holds them (family and given, or a
literal). Reading goes the other way: `entry_from_csl` turns a CSL item into
an entry, and the RIS and BibTeX readers read their records as CSL items
first, so the three imports agree too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from htcat.citation import CITATION_FIELDS
from htcat.errors import FieldProblem, InputError
from htcat.formats.dates import date_text
from htcat.formats.records import SourceRow, decode_text, parse_json
from htcat.model import Entry
from htcat.people import NAME_AFFIXES

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
    """A person's name as a CSL name: ``family`` and ``given`` (with particles and a
    suffix when it has them), or one ``literal``."""
    if person.get("literal"):
        return {"literal": str(person["literal"])}
    name = {"family": str(person.get("family") or "")}
    for part in ("given", *NAME_AFFIXES):
        if person.get(part):
            name[part] = str(person[part])
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
    """The date a link was last known to work (its check's ``last_ok``), as CSL date parts."""
    check = link.get("check")
    last_ok = check.get("last_ok") if isinstance(check, Mapping) else None
    return date_parts(last_ok[:10]) if isinstance(last_ok, str) else None


def csl_item(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as a CSL item; fields without a value are left out."""
    csl_type, genre = CSL_TYPES.get(str(entry.get("type") or "other"), ("document", ""))
    given_citation = entry.get("citation")
    citation: Mapping[str, Any] = given_citation if isinstance(given_citation, Mapping) else {}
    if (
        entry.get("type") == "research"
        and citation.get("container-title")
        and not citation.get("number")
    ):
        csl_type, genre = "article-journal", ""  # in a journal; a numbered paper is a report
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
    item.update((key, str(citation[key])) for key in CITATION_FIELDS if citation.get(key))
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


# --- reading: CSL items (and the RIS and BibTeX records read as CSL items) as entries ----

HTCAT_TYPES = {
    "report": "report",
    "speech": "webinar",
    "motion_picture": "webinar",
    "dataset": "data",
    "document": "other",
    "article-journal": "research",
    "paper-conference": "research",
    "thesis": "research",
    "manuscript": "research",
    "pamphlet": "fact-sheet",
}
"""CSL type → htcat type, where one matches; any other type is imported as ``other``."""
GENRE_TYPES = {genre.lower(): kind for kind, (_, genre) in CSL_TYPES.items() if genre} | {
    "report": "report",
    "data set": "data",
    "dataset": "data",
}
"""A genre htcat writes (``Webinar``, ``Fact sheet``) names the htcat type whatever the CSL type."""
CSL_ONLY_KEYS = frozenset(
    {"author", "editor", "issued", "URL", "DOI", "abstract", "keyword", "genre", "accessed"}
    | {"container-title", "volume", "issue", "page", "ISBN", "ISSN", "publisher-place"}
)
HTCAT_ONLY_KEYS = frozenset({"people", "links", "tags", "summary", "date", "audiences"})
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ROLES = (
    ("author", "author"),
    ("editor", "editor"),
    ("chair", "moderator"),
    ("contributor", "contributor"),
)
"""CSL name variable → the htcat role of the people it holds, when read."""


def looks_like_csl(items: Sequence[Any]) -> bool:
    """Whether a JSON array holds CSL items (Zotero's, Mendeley's exports) rather than entries."""
    keys = {k for item in items if isinstance(item, Mapping) for k in item}
    return bool(keys & CSL_ONLY_KEYS) and not keys & HTCAT_ONLY_KEYS


def _person(name: object, role: str) -> dict[str, Any] | None:
    if isinstance(name, str):
        return {"literal": name, "role": role} if name.strip() else None
    if not isinstance(name, Mapping):
        return None
    if name.get("literal"):
        return {"literal": str(name["literal"]), "role": role}
    family, given = str(name.get("family") or "").strip(), str(name.get("given") or "").strip()
    affixes = {k: str(name[k]).strip() for k in NAME_AFFIXES if str(name.get(k) or "").strip()}
    if not family:
        if not given:
            return None
        family, given = given, ""
    return {"family": family, "given": given, **affixes, "role": role}


def _text(value: object) -> str:
    """A CSL variable's value as one line of text (CSL allows numbers for ``volume``…)."""
    if value is None or isinstance(value, bool | Mapping | list):
        return ""
    return " ".join(str(value).split())


_SCHEMELESS_RE = re.compile(r"(?i)^(?:www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)+/)[^\s]*$")
"""A web address written without ``https://`` (``www.unodc.org/…``, ``example.org/a``)."""


def _stands_in(names: object, publisher: str) -> bool:
    """Whether ``names`` is only the publisher as an organization (RIS drops its commas)."""

    def plain(text: object) -> str:
        return " ".join(str(text).replace(",", " ").split())

    if not (publisher and isinstance(names, list) and len(names) == 1):
        return False
    name = names[0]
    return isinstance(name, Mapping) and plain(name.get("literal", "")) == plain(publisher)


def entry_from_csl(
    item: Mapping[str, Any], type_named: str = "", more_urls: Sequence[str] = ()
) -> tuple[dict[str, Any], list[str]]:
    """The entry a CSL item describes, unvalidated, and a warning for anything guessed.

    ``type_named`` is the type as the input wrote it (``JOUR``, ``@article``),
    for the warning when it has no htcat type; ``more_urls`` are links beyond
    the one CSL holds (RIS has several). An author that is only the
    publisher standing in (as htcat's own exports write it) is dropped.
    """
    warnings = []
    csl_type = str(item.get("type") or "")
    genre = str(item.get("genre") or "").strip()
    kind = GENRE_TYPES.get(genre.lower()) or HTCAT_TYPES.get(csl_type)
    if kind is None:
        kind = "other"
        warnings.append(f"type {type_named or csl_type!r} has no htcat type; imported as other")
    raw: dict[str, Any] = {"title": str(item.get("title") or ""), "type": kind}
    ident = str(item.get("id") or "")
    if _ID_RE.match(ident):
        raw["id"] = ident
    publisher = str(item.get("publisher") or "").strip()
    if publisher:
        raw["publisher"] = publisher
    date, date_warnings = date_text(item.get("issued"))
    warnings += date_warnings
    if date:
        raw["date"] = date
    citation = {k: _text(item[k]) for k in CITATION_FIELDS if _text(item.get(k))}
    if citation:
        raw["citation"] = citation
    people = []
    for variable, role in _ROLES:
        names = item.get(variable)
        if role == "author" and _stands_in(names, publisher):
            continue
        if role == "author" and kind == "webinar":
            role = "speaker"
        for name in names if isinstance(names, list) else ():
            person = _person(name, role)
            if person is not None:
                people.append(person)
    if people:
        raw["people"] = people
    links: list[dict[str, str]] = []
    for url in dict.fromkeys(u.strip() for u in (str(item.get("URL") or ""), *more_urls)):
        if url and _SCHEMELESS_RE.match(url):
            warnings.append(f"URL {url!r} has no scheme; read as https://{url}")
            url = "https://" + url
        elif url and "://" not in url and "." not in url:
            warnings.append(f"URL {url!r} is not a web address; left out")
            continue
        if url:
            webinar = kind == "webinar" and not links and not url.lower().endswith(".pdf")
            links.append({"url": url, "kind": "webinar"} if webinar else {"url": url})
    found_doi = str(item.get("DOI") or "").strip()
    if found_doi and not found_doi.lower().startswith(("http://", "https://")):
        found_doi = "https://doi.org/" + found_doi
    if found_doi and not doi(found_doi):
        warnings.append(f"DOI {item['DOI']!r} is not a DOI (10.…); left out")
        found_doi = ""
    if found_doi and all(doi(link["url"]) != doi(found_doi) for link in links):
        links.append({"url": found_doi, "label": "DOI", "kind": "page"})
    for link in links:
        if doi(link["url"]):
            link["label"] = "DOI"
    if links:
        raw["links"] = links
    if item.get("abstract"):
        paragraphs = re.split(r"\n\s*\n", str(item["abstract"]))
        raw["summary"] = "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    keywords = item.get("keyword")
    if isinstance(keywords, list):
        keywords = ",".join(map(str, keywords))
    tags = [t for t in re.split(r"[,;]", str(keywords or "")) if t.strip()]
    if tags:
        raw["tags"] = tags
    return raw, warnings


def _item_spans(text: str) -> list[tuple[int, int, int]]:
    """The line, start and end offsets of each object of a top-level JSON array (or of the
    one top-level object), for the position of a problem and the text of a rejected item."""
    spans, depth, line, in_string, escaped = [], 0, 1, False, False
    start = start_line = 0
    for offset, char in enumerate(text):
        if char == "\n":
            line += 1
        elif in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            if depth == 1 or (depth == 0 and char == "{"):
                start, start_line = offset, line
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 1 or (depth == 0 and char == "}"):
                spans.append((start_line, start, offset + 1))
    return spans


def rows_from_items(items: Sequence[Any], text: str) -> list[SourceRow]:
    """The entries of CSL items read from JSON ``text``, each named ``record N (line L)``
    and holding its text as written."""
    spans = _item_spans(text)
    if len(spans) != len(items):
        spans = []  # an item that is no object: the positions would not line up
    rows = []
    for number, item in enumerate(items, 1):
        line, start, end = spans[number - 1] if number <= len(spans) else (0, 0, 0)
        where = f"record {number}" + (f" (line {line})" if line else "")
        written = text[start:end] + "\n" if end else ""
        if not isinstance(item, Mapping):
            problem = FieldProblem("record", item, "must be a CSL-JSON object")
            rows.append(SourceRow(where, {}, (problem,), raw=written))
            continue
        entry, warnings = entry_from_csl(item)
        rows.append(SourceRow(where, entry, warnings=tuple(warnings), raw=written))
    return rows


def read(data: bytes, source: str = "input", *, keep_unknown: bool = False) -> list[SourceRow]:
    """The entries of a CSL-JSON array (Zotero's, Mendeley's, citation-js's exports).

    Variables htcat has no field for are left out; ``keep_unknown`` does not apply.
    """
    del keep_unknown
    text = decode_text(data, source)
    items = parse_json(text, source)
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        raise InputError(f"{source}: expected a CSL-JSON array of items")
    return rows_from_items(items, text)
