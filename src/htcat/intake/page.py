"""A landing page's metadata, layer by layer: Highwire, Dublin Core, JSON-LD, Open Graph, title.

Parsed with lxml's HTML parser, which reads broken markup as browsers do;
the layers are read from the ``<meta>`` tags and JSON-LD blocks themselves,
so that each value keeps the layer it came from (tests/intake/score_extractors.py
compares this reader with extruct, trafilatura, metadata_parser and htmldate on
the saved pages; docs/intake.md has the figures).
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from htcat.errors import InputError
from htcat.intake.dates import markup_date
from htcat.intake.findings import Findings, Layer
from htcat.intake.sources import DOI_RE, clean_doi
from htcat.links.sniff import needs_document
from htcat.model import normalize_url, split_name

MAX_PAGE_BYTES = 5 * 1024 * 1024
"""A landing page larger than this is refused: real ones are well under 1 MiB."""
MAX_LINKS = 25
_CONTENT_PATHS = ("//main", "//*[@role='main']", "//article", "//*[@id='main-content']", "//body")
"""Where a page's own content is, most specific first."""
MAX_TAGS = 20
_CHARSET_RE = re.compile(rb"""(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""")
_HEADER_CHARSET_RE = re.compile(r"(?i)charset\s*=\s*[\"']?([a-z0-9_.:-]+)")
_REFRESH_RE = re.compile(r"(?i)^\s*\d*\.?\d*\s*[;,]?\s*url\s*=\s*['\"]?([^'\"]+)")
_SEPARATORS_RE = re.compile("\\s+(?:\\||-|\u2013|\u2014|\u00b7|\u00bb|::|:)\\s+")
_DOMAIN_RE = re.compile(r"(?i)^[a-z0-9-]+(\.[a-z0-9-]+)*\.(gov|com|org|net|edu|mil|int|[a-z]{2})$")
_DATED_RE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_PARENTHESIS_TAIL_RE = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")
_COLON_TAIL_RE = re.compile(r"^(.*\S):\s+([^:]+)$")
_COLON_HEAD_RE = re.compile(r"^([^:]+):\s+(.*\S)$")
_NAME_RE = re.compile(
    r"(?:Dr\.\s+)?[A-Z][\w'.-]+(?:\s+(?:de|del|da|van|von|la|le|[A-Z][\w'.-]+)){1,3}"
)
"""A person's name in running text: two to four words, capitalized but for particles."""
_ROLE_LINE_RE = re.compile(
    r"(?i)^(moderators?|moderated by|speakers?|presenters?|panelists?)\s*:\s*(.+)$"
)
_MODERATED_BY_RE = re.compile(rf"\b[Mm]oderated by ({_NAME_RE.pattern})")
_SPEAKERS_RE = re.compile(r"(?i)\b(speakers?|presenters?|panelists?)\b")
_NAME_AFFILIATION_RE = re.compile(rf"({_NAME_RE.pattern})\s+\(([^()]{{3,150}})\)")
_ORGANIZATION_RE = re.compile(
    r"(?i)\b(staff|press|office|department|agency|institute|center|centre|foundation|"
    r"association|council|university|administration|team|news|editors?|inc|ltd|llc)\b"
)

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
TITLE_KINDS = (
    (re.compile(r"(?i)\binformation memorand(um|a)\b"), "information-memorandum"),
    (re.compile(r"(?i)\bwebinar\b"), "webinar"),
    (re.compile(r"(?i)\bfact ?sheet\b"), "fact-sheet"),
    (re.compile(r"(?i)\btool ?kit\b"), "toolkit"),
    (re.compile(r"(?i)\breport$"), "report"),
)
"""Words in a title that say what the resource is, as its publisher named it."""
LINK_KINDS = (
    (re.compile(r"(?i)(\bq\s*&?\s*a\b|\bquestions? and answers?\b).*\b(responses?|pdf)\b"), "qa"),
    (re.compile(r"(?i)\btranscript\b"), "transcript"),
    (re.compile(r"(?i)\bslides?\b|\bslide deck\b|\.pptx?$"), "slides"),
    (re.compile(r"(?i)\b(view|watch|join|register for) (the )?webinar\b"), "webinar"),
    (
        re.compile(r"(?i)\brecording\b|\b(view|watch) (the )?(recording|video)\b"),
        "video",
    ),
)
"""Words in a link's text (or its file name) that say which document it is."""


class PageError(InputError):
    """A page that cannot be read for metadata: the reason names what is wrong with it."""


def decode_page(body: bytes, content_type: str | None) -> str:
    """The page's text in the charset it declares (header, then ``<meta>``), or UTF-8.

    A declared charset that the bytes do not follow is refused, not guessed
    around: a page that lies about its encoding would put mojibake in the
    catalog. With nothing declared, UTF-8 is tried, then Windows-1252 as browsers do.
    """
    if len(body) > MAX_PAGE_BYTES:
        raise PageError(
            f"the page is {len(body):,} bytes, more than a landing page's {MAX_PAGE_BYTES:,}"
        )
    if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PageError("the body holds binary data, not an HTML page")
    header = _HEADER_CHARSET_RE.search(content_type or "")
    meta = _CHARSET_RE.search(body[:4096])
    declared = header[1] if header else meta[1].decode("ascii") if meta else None
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            declared = name
    if declared is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("cp1252", errors="replace")
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise PageError(f"the page declares charset {declared!r}, which no decoder knows") from None
    codec = "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        raise PageError(
            f"the page says its charset is {declared}, but byte {exc.start:,} is not {declared}"
        ) from None


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
    scope = _content(root)
    if any(values.get("type") == "webinar" for values in found.values.values()):
        found.put("text", "people", webinar_people(scope))
    found.links = _document_links(scope, base, url)
    return found


def _content(root: Any) -> Any:
    """The page's own content: its menus and footers link to other things."""
    return next((e for path in _CONTENT_PATHS for e in root.xpath(path)), root)


def webinar_people(scope: Any) -> list[dict[str, str]]:
    """A webinar's moderator and speakers, as its page names them in words.

    Two shapes are read: a line led by its role ("Moderator: Jenna Novak,
    NHTTAC"; "Speakers: …; …") and the sentence ACF's webinar pages write
    ("moderated by Jenna Novak and included Gonzalo Martinez de Vedia
    (Buffett-McCain Institute …), … as speakers"). Only read on a page whose
    markup says it is a webinar: elsewhere a "speaker" is anyone who spoke.
    """
    people: list[dict[str, str]] = []

    def add(name: str, role: str, affiliation: str = "") -> None:
        person = _person(name, role, " ".join(affiliation.split()))
        if person and not any(_same_name(person, p) for p in people):
            people.append(person)

    for element in scope.iter("p", "li", "dd", "dt", "div", "h3", "h4", "strong"):
        line = " ".join(element.text_content().split())
        labelled = _ROLE_LINE_RE.match(line)
        if labelled and len(line) < 400:
            role = "moderator" if labelled[1].lower().startswith("moderat") else "speaker"
            for item in re.split(r"\s*;\s*", labelled[2]):
                name, _, affiliation = item.partition(",")
                if _NAME_RE.fullmatch(name.strip()):
                    add(name, role, affiliation)
    text = " ".join(scope.text_content().split())
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        if len(sentence) > 1000:
            continue
        for moderator in _MODERATED_BY_RE.finditer(sentence):
            add(moderator[1], "moderator")
        if _SPEAKERS_RE.search(sentence):
            for named in _NAME_AFFILIATION_RE.finditer(sentence):
                add(named[1], "speaker", named[2])
    return people


def _same_name(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return all(a.get(k, "") == b.get(k, "") for k in ("family", "given", "literal"))


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


def _person(name: str, role: str, affiliation: str = "") -> dict[str, str] | None:
    """A person from a name as a page writes it; an organization's name kept whole."""
    text = " ".join(name.split()).strip(" ,;")
    if not text or len(text) > 200 or text.startswith(("http://", "https://")):
        return None
    if _ORGANIZATION_RE.search(text) or len(text.split()) > 5 or re.search(r"[()@]|www\.", text):
        person: dict[str, str] = {"literal": text}
    else:
        person = dict(split_name(text))
    person["role"] = role
    if affiliation:
        person["affiliation"] = affiliation
    return person


def _people(names: list[str], role: str) -> list[dict[str, str]]:
    people = []
    for name in names:
        for part in re.split(r"\s*;\s*|\s+and\s+", name) if ";" in name else [name]:
            person = _person(part, role)
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
            person = _person(name, role)
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


def site_names(found: Findings, url: str) -> list[str]:
    """Names the site goes by: its Open Graph site name, publishers, and its host's words."""
    names = [str(v["publisher"]) for v in found.values.values() if v.get("publisher")]
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if host:
        names.append(host)
        names.extend(label for label in host.split(".")[:-1] if len(label) >= 3)
    return names


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _initials(text: str) -> str:
    """``nps`` for ``U.S. National Park Service``: a site's name as its host abbreviates it."""
    return "".join(word[0] for word in re.findall(r"[A-Z][a-z]+", text)).lower()


def split_site_name(title: str, names: list[str]) -> tuple[str, str]:
    """``title`` without the site name a ``<title>`` puts before or after it, and that name.

    A part is the site's name when it is a domain name, holds (or is held in)
    one of ``names``, or is spelled out by the host's letters (``National Park
    Service`` on nps.gov). The title itself is never dropped whole.
    """
    keys = [k for k in (_squash(n) for n in names) if len(k) >= 3]

    def is_site(part: str) -> bool:
        squashed = _squash(part)
        initials = _initials(part)
        return bool(
            _DOMAIN_RE.match(part.strip())
            or (squashed and any(k in squashed or squashed in k for k in keys))
            or (len(initials) >= 2 and initials in keys)
        )

    site = ""
    # A colon's tail is the site only when shorter than the title before it.
    bracketed = _PARENTHESIS_TAIL_RE.match(title)
    if bracketed and is_site(bracketed[2]):
        title, site = bracketed[1], bracketed[2].strip()
    tail = _COLON_TAIL_RE.match(title)
    if tail and len(tail[2]) < len(tail[1]) and is_site(tail[2]):
        title, site = tail[1], site or tail[2].strip()
    head = _COLON_HEAD_RE.match(title)
    if head and len(head[1]) < len(head[2]) and is_site(head[1]):
        title, site = head[2], site or head[1].strip()
    parts = _SEPARATORS_RE.split(title)
    separators = _SEPARATORS_RE.findall(title)
    first, last = 0, len(parts)
    while last - first > 1 and _DATED_RE.match(parts[last - 1]):
        last -= 1  # "Title | Site | 19.01.2020": the date of the page, not its title
    while last - first > 1 and is_site(parts[last - 1]):
        last -= 1
        site = site or parts[last]
    while last - first > 1 and is_site(parts[first]):
        site = site or parts[first]
        first += 1
    kept = [parts[first]]
    for index in range(first + 1, last):
        kept += [separators[index - 1], parts[index]]
    return "".join(kept), site


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


def type_named_in(title: str) -> str:
    """The type a title names ("Information Memorandum: …", "… Fact Sheet"), or ""."""
    return next((kind for pattern, kind in TITLE_KINDS if pattern.search(title)), "")


def link_kind(text: str, url: str) -> str | None:
    """The kind of document a link's text or URL names, or None for an ordinary link.

    A transcript, Q&A or slides link is given that kind only when it is a PDF
    (by its file name or its text), as ``check`` and ``fetch`` expect of those
    kinds; the same document as a Word file or a page is kind ``other``.
    """
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    is_pdf = path.endswith(".pdf") or "pdf" in text.lower()
    for pattern, kind in LINK_KINDS:
        in_name = kind not in ("video", "webinar") and pattern.search(name.replace("_", " "))
        if pattern.search(text) or in_name:
            return kind if not needs_document(kind) or is_pdf else "other"
    return "pdf" if is_pdf else None


def _document_links(scope: Any, base: str, url: str) -> list[dict[str, str]]:
    """The documents the page's content links to: PDF, transcript, Q&A, slides, recording."""
    links: list[dict[str, str]] = []
    seen = {normalize_url(url), normalize_url(base)}
    for anchor in scope.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        target = urljoin(base, href)
        if not target.startswith(("http://", "https://")):
            continue
        label = " ".join(anchor.text_content().split())
        kind = link_kind(label, target)
        key = normalize_url(target)
        if kind is None or key in seen:
            continue
        seen.add(key)
        link = {"url": target, "kind": kind}
        if label:
            link["label"] = label[:200]
        links.append(link)
        if len(links) >= MAX_LINKS:
            break
    return links
