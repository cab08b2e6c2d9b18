"""A landing page's own content: the documents it links to, and a webinar's people."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from htcat.intake.names import NAME_RE, person_named
from htcat.links.sniff import needs_document
from htcat.urls import normalize_url

MAX_LINKS = 25
_CONTENT_PATHS = ("//main", "//*[@role='main']", "//article", "//*[@id='main-content']", "//body")
"""Where a page's own content is, most specific first."""
_ROLE_LINE_RE = re.compile(
    r"(?i)^(moderators?|moderated by|speakers?|presenters?|panelists?)\s*:\s*(.+)$"
)
_MODERATED_BY_RE = re.compile(rf"\b[Mm]oderated by ({NAME_RE.pattern})")
_SPEAKERS_RE = re.compile(r"(?i)\b(speakers?|presenters?|panelists?)\b")
_NAME_AFFILIATION_RE = re.compile(rf"({NAME_RE.pattern})\s+\(([^()]{{3,150}})\)")
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
_PAGE_EXTENSIONS = ("", ".html", ".htm", ".shtml", ".aspx", ".php", ".txt")
_EXTENSIONS = {
    "slides": (".pdf", ".ppt", ".pptx", ".odp"),
    "transcript": (".pdf", *_PAGE_EXTENSIONS),
    "qa": (".pdf", *_PAGE_EXTENSIONS),
}
"""The files a document kind's link may name, as ``check`` accepts the kind's bodies."""


def content_of(root: Any) -> Any:
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
        person = person_named(name, role, " ".join(affiliation.split()))
        if person and not any(_same_name(person, p) for p in people):
            people.append(person)

    for element in scope.iter("p", "li", "dd", "dt", "div", "h3", "h4", "strong"):
        line = " ".join(element.text_content().split())
        labelled = _ROLE_LINE_RE.match(line)
        if labelled and len(line) < 400:
            role = "moderator" if labelled[1].lower().startswith("moderat") else "speaker"
            for item in re.split(r"\s*;\s*", labelled[2]):
                name, _, affiliation = item.partition(",")
                if NAME_RE.fullmatch(name.strip()):
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


def link_kind(text: str, url: str) -> str | None:
    """The kind of document a link's text or URL names, or None for an ordinary link.

    A transcript, Q&A or slides link gets that kind only when its file can be
    what ``check`` accepts of the kind (slides a PDF or a presentation, a
    transcript a PDF, page or text); a transcript as a Word file is ``other``.
    """
    path = urlsplit(url).path.lower()
    name = path.rsplit("/", 1)[-1]
    is_pdf = path.endswith(".pdf") or "pdf" in text.lower()
    extension = ".pdf" if is_pdf else ("." + name.rsplit(".", 1)[1] if "." in name else "")
    for pattern, kind in LINK_KINDS:
        in_name = kind not in ("video", "webinar") and pattern.search(name.replace("_", " "))
        if pattern.search(text) or in_name:
            fits = not needs_document(kind) or extension in _EXTENSIONS.get(kind, (".pdf",))
            return kind if fits else "other"
    return "pdf" if is_pdf else None


def document_links(scope: Any, base: str, url: str) -> list[dict[str, str]]:
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
