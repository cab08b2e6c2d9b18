"""What a fetched document says: its text, page by page, as search needs it.

A PDF is read through PDFium (as `htcat.links.pdfread` judges it), one text
per page; an HTML page or transcript gives its main text (scripts, styles and
navigation left out); plain text is taken as it is. Pages with no text layer
(a scan) are counted, never guessed at. The text is normalized so that what a
reader sees is what a search finds: NFKC (the ligature ﬁ is ``fi``), words
hyphenated across lines joined again, and CJK characters spaced apart so the
full-text index can find a word inside a run of them.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from htcat.index.doctext import DocumentText, TextState, spaced_cjk
from htcat.links.config import DocumentLimits
from htcat.links.pdfread import PDFIUM, page_texts, read_pdf

_PDFIUM_HYPHEN = "\ufffe"
"""PDFium's mark for a hyphen it found at the end of a line."""
_SOFT_HYPHEN = re.compile(r"\u00ad[ \t]*(?:\r\n|\r|\n)?[ \t]*")
_HARD_HYPHEN_AT_BREAK = re.compile(
    r"(?<=[^\W\d_])-[ \t]*(?:\r\n|\r|\n)[ \t]*(?=[a-z\u00df-\u00ff])"
)
"""A word cut by a hyphen at a line's end; a capital after it (``Anti-\nSlavery``) keeps it."""
_HYPHEN_AT_BREAK = re.compile(r"(?<=\w)-[ \t]*(?:\r\n|\r|\n)[ \t]*(?=\w)")
"""A hyphen that stays (before a capital): the words it joins stay joined."""
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n\s*")


@dataclass
class _Budget:
    """What is left of a document's limits while its pages are read."""

    limits: DocumentLimits
    chars: int = 0
    limited: list[str] = field(default_factory=list)

    def take(self, text: str) -> str:
        room = self.limits.max_chars - self.chars
        if len(text) > room:
            self.limited.append(f"text cut at {self.limits.max_chars:,} characters")
            text = text[: max(room, 0)]
        self.chars += len(text)
        return text

    @property
    def spent(self) -> bool:
        return self.chars >= self.limits.max_chars


def normalized(text: str) -> str:
    """``text`` as the store holds it: NFKC, hyphenation undone, CJK spaced, spaces single."""
    text = unicodedata.normalize("NFKC", text.replace(_PDFIUM_HYPHEN, "\u00ad"))
    text = _HARD_HYPHEN_AT_BREAK.sub("", _SOFT_HYPHEN.sub("", text))
    text = _HYPHEN_AT_BREAK.sub("-", text)
    text = spaced_cjk(text)
    text = _LINES.sub("\n", _SPACES.sub(" ", text))
    return text.strip()


def document_text(path: Path, limits: DocumentLimits) -> DocumentText:
    """The text of the archived document at ``path``, within ``limits``."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head:
        return _pdf_text(path, limits)
    raw = path.read_bytes()
    text = raw.decode("utf-8", "replace")
    if _looks_like_html(head):
        text = main_text(text)
    budget = _Budget(limits)
    page = budget.take(normalized(text))
    if not page:
        return DocumentText("no-text", 1, (page,), empty=1)
    return DocumentText("read", 1, (page,), limited=_said(budget.limited))


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:200].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")) or (
        b"<html" in start
    )


def _pdf_text(path: Path, limits: DocumentLimits) -> DocumentText:
    """Each page's text, as `read_pdf` judges the file first (locked, unreadable)."""
    import pypdfium2

    reading = read_pdf(path)
    if reading.state == "locked":
        return DocumentText("locked", error="needs a password")
    if reading.state == "unreadable":
        return DocumentText("unreadable", error=reading.error)
    budget = _Budget(limits)
    texts: list[str] = []
    with PDFIUM:
        document = pypdfium2.PdfDocument(path)
        try:
            count = len(document)
            with contextlib.closing(page_texts(document, min(count, limits.max_pages))) as pages:
                for text in pages:  # closed before the document, even when cut short
                    texts.append(budget.take(normalized(text)))
                    if budget.spent:
                        break
        finally:
            document.close()
    if count > limits.max_pages:
        budget.limited.append(f"read the first {limits.max_pages:,} of {count:,} pages")
    elif len(texts) < count:
        budget.limited.append(f"read {len(texts):,} of {count:,} pages")
    empty = sum(1 for text in texts if not text)
    state: TextState = "read" if empty < len(texts) else "no-text"
    return DocumentText(state, count, tuple(texts), empty, _said(budget.limited))


def _said(limited: list[str]) -> str | None:
    return "; ".join(dict.fromkeys(limited)) or None


class _MainText(HTMLParser):
    """The text a reader sees in an HTML page, without scripts, styles, menus and forms."""

    SKIPPED = frozenset({"script", "style", "noscript", "template", "nav", "header", "footer"})
    SKIPPED |= {"form", "svg", "button", "select", "head", "aside"}
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    BLOCKS |= {"section", "article", "blockquote", "pre", "dd", "dt", "td", "th", "main"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def main_text(html: str) -> str:
    """The reading text of an HTML page or transcript."""
    parser = _MainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
