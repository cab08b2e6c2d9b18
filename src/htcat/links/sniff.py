"""What a response body is: a PDF, HTML, or something else, from its first bytes.

The rules follow what PDF readers do rather than the letter of the format: a
PDF must carry ``%PDF-`` within its first 1024 bytes (Acrobat, pdf.js and
poppler all tolerate a little leading junk such as a byte-order mark or a blank
line a misconfigured server prepends), but only if what comes before it is not
markup: an HTML error page that merely mentions "%PDF-" is not a PDF.
"""

from __future__ import annotations

PDF_MAGIC = b"%PDF-"
SNIFF_BYTES = 1024
"""How much of a body decides what it is; also how much a check reads."""

DOCUMENT_KINDS = frozenset({"pdf", "transcript", "qa", "slides"})
"""Link kinds whose body must be a PDF."""

PAGE_KINDS = frozenset({"webinar", "video", "page"})
"""Link kinds that must answer 2xx with a page; other kinds only need 2xx."""

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<?xml")

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
    "application/zip": ".zip",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "video/mp4": ".mp4",
    "audio/mpeg": ".mp3",
}


def needs_document(kind: str) -> bool:
    """Whether a link of this kind must be verified as a PDF, not just answer 2xx."""
    return kind in DOCUMENT_KINDS


def media_type(content_type: str | None) -> str | None:
    """``text/html`` from ``Text/HTML; charset=utf-8``; None when absent or blank."""
    if content_type is None:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


def is_pdf(head: bytes) -> bool:
    """Whether a body starting with ``head`` is a PDF (see the module docstring)."""
    at = head.find(PDF_MAGIC, 0, SNIFF_BYTES + len(PDF_MAGIC) - 1)
    return at == 0 or (at > 0 and b"<" not in head[:at])


def is_html(head: bytes) -> bool:
    """Whether ``head`` opens like an HTML (or XML) document."""
    opening = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return opening.startswith(_HTML_STARTS)


def describe_body(head: bytes, content_type: str | None) -> str:
    """A few words on what a body is, for "expected a PDF, got …"."""
    if not head:
        return "an empty body"
    media = media_type(content_type)
    if is_html(head) and media not in ("text/html", "application/xhtml+xml"):
        return f"HTML served as {media}" if media else "HTML"
    return media or "a body of unknown type"


def archive_extension(head: bytes, content_type: str | None) -> str:
    """The file extension an archived body gets: from its bytes and declared type only.

    Never taken from the URL or a ``Content-Disposition`` name, which the
    server controls.
    """
    if is_pdf(head):
        return ".pdf"
    if is_html(head):
        return ".html"
    return _EXTENSIONS.get(media_type(content_type) or "", ".bin")
