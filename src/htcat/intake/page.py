"""A landing page's metadata, layer by layer: Highwire, Dublin Core, JSON-LD, Open Graph, title.

Parsed with lxml's HTML parser, which reads broken markup as browsers do;
the layers are read from the ``<meta>`` tags and JSON-LD blocks themselves,
so that each value keeps the layer it came from (tests/intake/score_extractors.py
compares this reader with extruct, trafilatura, metadata_parser and htmldate on
the saved pages; docs/intake.md has the figures).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

from htcat.intake.content import content_of, document_links, webinar_people
from htcat.intake.dates import markup_date
from htcat.intake.decoding import PageError, decode_page
from htcat.intake.findings import Findings, Layer
from htcat.intake.names import person_named
from htcat.intake.sources import DOI_RE, clean_doi
from htcat.intake.titles import site_names, split_site_name, type_named_in

MAX_TAGS = 20
_REFRESH_RE = re.compile(r"(?i)^\s*\d*\.?\d*\s*[;,]?\s*url\s*=\s*['\"]?([^'\"]+)")
JSONLD_TYPES = (
    "Report",
    "ScholarlyArticle",
    "Event",
    "VideoObject",
    "Dataset",
    "Course",
    "TechArticle",
    "NewsArticle",
    "ReportageNewsArticle",
    "BlogPosting",
    "Article",
    "CreativeWork",
    "WebPage",
)
"""schema.org types read, most specific first: the first one a page has is its description."""
JSONLD_KINDS = {
    "Report": "report",
    "ScholarlyArticle": "research",
    "Event": "webinar",
    "VideoObject": "webinar",
    "Dataset": "data",
    "Course": "training",
}
CITATION_KINDS = (
    ("citation_technical_report_institution", "report"),
    ("citation_technical_report_number", "report"),
    ("citation_journal_title", "research"),
    ("citation_conference_title", "research"),
    ("citation_dissertation_institution", "research"),
)
DUBLIN_CORE_KINDS = {"report": "report", "dataset": "data", "event": "webinar"}


def read_page(body: bytes, url: str, content_type: str | None = None) -> Findings:
    """Everything the page at ``url`` says of itself, layer by layer."""
    import lxml.etree
    import lxml.html

    text = decode_page(body, content_type)
    if "<" not in text:
        raise PageError("the body holds no HTML markup")
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise PageError(f"not readable as HTML: {exc}") from None
    base = url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(url, element.get("href", ""))
            break
    found = Findings()
    metas = _metas(root)
    _read_refresh(found, metas, base)
    _read_citation(found, metas)
    _read_dublin_core(found, metas)
    _read_json_ld(found, root)
    _read_open_graph(found, metas)
    _read_plain_meta(found, metas)
    _read_time(found, root)
    _read_title(found, root, url)
    if not any(values.get("date") for values in found.values.values()):
        found.put("text", "date", guessed_date(text, url))
    scope = content_of(root)
    if any(values.get("type") == "webinar" for values in found.values.values()):
        found.put("text", "people", webinar_people(scope))
    found.links = document_links(scope, base, url)
    return found


def guessed_date(text: str, url: str) -> str:
    """The publication date htmldate reads from a page without one in its markup.

    htmldate looks where people do (the URL's path, a date under the
    headline, a "Posted" line); on the saved pages it found the careful
    person's date on three more pages than a "Published:" label did
    (docs/intake.md). Its wider search is left off: on index pages it dates
    the page by whatever date it finds.
    """
    import logging

    from htmldate import find_date

    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    found = find_date(text, url=url or None, original_date=True, extensive_search=False)
    return markup_date(found) if found else ""


def _metas(root: Any) -> dict[str, list[str]]:
    """Every ``<meta>`` by its lower-cased name, property or http-equiv, values in page order."""
    metas: dict[str, list[str]] = {}
    for element in root.iter("meta"):
        key = element.get("name") or element.get("property") or element.get("http-equiv") or ""
        content = element.get("content")
        if key and content is not None:
            value = " ".join(content.split())
            if value:
                metas.setdefault(key.strip().lower(), []).append(value)
    return metas


def _first(metas: Mapping[str, list[str]], *names: str) -> str:
    for name in names:
        if metas.get(name):
            return metas[name][0]
    return ""


def _all(metas: Mapping[str, list[str]], *names: str) -> list[str]:
    return [value for name in names for value in metas.get(name, ())]


def _read_refresh(found: Findings, metas: Mapping[str, list[str]], base: str) -> None:
    refresh = _REFRESH_RE.match(_first(metas, "refresh"))
    if refresh:
        found.refresh = urljoin(base, refresh[1].strip())


def _people(names: list[str], role: str) -> list[dict[str, str]]:
    people = []
    for name in names:
        for part in re.split(r"\s*;\s*|\s+and\s+", name) if ";" in name else [name]:
            person = person_named(part, role)
            if person and person not in people:
                people.append(person)
    return people


def _tags(values: list[Any]) -> list[str]:
    tags: list[str] = []
    for value in values:
        for tag in re.split(r"[,;]", _json_text(value)):
            tag = " ".join(tag.split())
            if tag and len(tag) <= 60 and tag.lower() not in (t.lower() for t in tags):
                tags.append(tag)
    return tags[:MAX_TAGS]


def _put_doi(found: Findings, value: str) -> None:
    match = DOI_RE.search(value)
    if match and found.doi is None:
        found.doi = clean_doi(match[1])


def _read_citation(found: Findings, metas: Mapping[str, list[str]]) -> None:
    layer: Layer = "citation"
    found.put(layer, "title", _first(metas, "citation_title"))
    dates = (
        "citation_publication_date",
        "citation_date",
        "citation_cover_date",
        "citation_online_date",
        "citation_year",
    )
    found.put(layer, "date", markup_date(_first(metas, *dates)))
    publisher = _first(
        metas,
        "citation_publisher",
        "citation_technical_report_institution",
        "citation_dissertation_institution",
    )
    found.put(layer, "publisher", publisher)
    found.put(layer, "people", _people(_all(metas, "citation_author"), "author"))
    found.put(layer, "summary", _first(metas, "citation_abstract"))
    found.put(layer, "tags", _tags(_all(metas, "citation_keywords")))
    for name, kind in CITATION_KINDS:
        if metas.get(name):
            found.put(layer, "type", kind)
    _put_doi(found, _first(metas, "citation_doi"))


def _read_dublin_core(found: Findings, metas: Mapping[str, list[str]]) -> None:
    layer: Layer = "dublin-core"

    def dc(*names: str) -> list[str]:
        return _all(metas, *(f"{prefix}.{name}" for name in names for prefix in ("dc", "dcterms")))

    found.put(layer, "title", next(iter(dc("title")), ""))
    dates = dc("date.issued", "issued", "date", "created", "date.created", "available")
    found.put(layer, "date", next((d for d in map(markup_date, dates) if d), ""))
    found.put(layer, "publisher", next(iter(dc("publisher")), ""))
    found.put(
        layer,
        "people",
        _people(dc("creator"), "author") + _people(dc("contributor"), "contributor"),
    )
    found.put(layer, "summary", next(iter(dc("description", "abstract")), ""))
    found.put(layer, "tags", _tags(dc("subject")))
    kind = next(iter(dc("type")), "").lower()
    found.put(layer, "type", DUBLIN_CORE_KINDS.get(kind, ""))
    for identifier in dc("identifier"):
        _put_doi(found, identifier)
    _put_doi(found, _first(metas, "prism.doi", "bepress_citation_doi"))


def _json_items(root: Any, found: Findings) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page, ``@graph`` and lists opened; bad blocks skipped."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip().removeprefix("<![CDATA[").removesuffix("]]>")
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            found.warnings.append("a JSON-LD block of the page is not valid JSON; skipped")
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
                yield item


def _json_types(item: Mapping[str, Any]) -> list[str]:
    kinds = item.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return [str(k).rsplit("/", 1)[-1] for k in names if k]


def _json_text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    if isinstance(value, list):
        value = next((_json_text(v) for v in value if _json_text(v)), "")
    if not isinstance(value, str | int | float):
        return ""
    return " ".join(html.unescape(str(value)).split())


def _json_people(value: Any, role: str) -> list[dict[str, str]]:
    people = []
    for item in value if isinstance(value, list) else [value]:
        name = _json_text(item)
        if not name:
            continue
        if isinstance(item, dict) and "Organization" in " ".join(_json_types(item)):
            person: dict[str, str] | None = {"literal": name, "role": role}
        else:
            person = person_named(name, role)
        if person and person not in people:
            people.append(person)
    return people


def _read_json_ld(found: Findings, root: Any) -> None:
    items = list(_json_items(root, found))
    chosen = None
    for wanted in JSONLD_TYPES:
        chosen = next((i for i in items if wanted in _json_types(i)), None)
        if chosen is not None:
            break
    if chosen is None:
        return
    layer: Layer = "json-ld"
    kinds = _json_types(chosen)
    names = [_json_text(chosen.get("headline")), _json_text(chosen.get("name"))]
    title = root.find(".//title")
    shown = " ".join((title.text_content() if title is not None else "").split()).lower()
    found.put(
        layer, "title", next((n for n in names if n and n.lower() in shown), names[0] or names[1])
    )
    date_keys = ("datePublished", "startDate", "uploadDate", "dateCreated")
    found.put(
        layer,
        "date",
        next((d for k in date_keys if (d := markup_date(_json_text(chosen.get(k))))), ""),
    )
    found.put(layer, "publisher", _json_text(chosen.get("publisher")))
    webinar = any(k in ("Event", "VideoObject") for k in kinds)
    people = _json_people(chosen.get("author"), "speaker" if webinar else "author")
    people += _json_people(chosen.get("performer"), "speaker")
    found.put(layer, "people", people)
    found.put(layer, "summary", _json_text(chosen.get("description")))
    keywords = chosen.get("keywords")
    found.put(
        layer, "tags", _tags(keywords if isinstance(keywords, list) else [_json_text(keywords)])
    )
    found.put(layer, "type", next((JSONLD_KINDS[k] for k in kinds if k in JSONLD_KINDS), ""))
    for key in ("identifier", "sameAs", "@id"):
        _put_doi(
            found,
            json.dumps(chosen.get(key) or "") if "doi" in json.dumps(chosen.get(key) or "") else "",
        )


def _read_open_graph(found: Findings, metas: Mapping[str, list[str]]) -> None:
    layer: Layer = "open-graph"
    found.put(layer, "title", _first(metas, "og:title"))
    dates = ("article:published_time", "og:published_time", "video:release_date")
    found.put(layer, "date", markup_date(_first(metas, *dates)))
    found.put(layer, "publisher", _first(metas, "og:site_name"))
    found.put(layer, "summary", _first(metas, "og:description"))
    found.put(layer, "tags", _tags(_all(metas, "article:tag")))


def _read_plain_meta(found: Findings, metas: Mapping[str, list[str]]) -> None:
    layer: Layer = "meta"
    found.put(layer, "people", _people(_all(metas, "author"), "author"))
    found.put(layer, "summary", _first(metas, "description"))
    found.put(layer, "tags", _tags(_all(metas, "keywords", "news_keywords")))
    found.put(
        layer,
        "date",
        markup_date(_first(metas, "date", "pubdate", "publish-date", "publication_date")),
    )


def _read_time(found: Findings, root: Any) -> None:
    """A ``<time datetime>`` marked as the publication: ``datePublished`` or ``published``."""
    for element in root.iter("time"):
        marks = f"{element.get('itemprop', '')} {element.get('class', '')}".lower()
        if ("datepublished" in marks or "published" in marks.split()) and element.get("datetime"):
            found.put("meta", "date", markup_date(element.get("datetime", "")))
            return


def _read_title(found: Findings, root: Any, url: str) -> None:
    title = root.find(".//title")
    if title is None:
        return
    text = " ".join((title.text_content() or "").split())
    if not text:
        return
    names = site_names(found, url)
    cleaned, site = split_site_name(text, names)
    found.put("title", "title", cleaned)
    found.put("title", "publisher", site)
    graph = found.values.get("open-graph", {})
    if graph.get("title"):
        graph["title"] = split_site_name(graph["title"], names)[0]
    found.put("title", "type", type_named_in(cleaned))
