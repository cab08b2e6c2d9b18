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
"""Link kinds whose body must be a document of a kind they accept (see ``ACCEPTED``)."""

ACCEPTED: dict[str, tuple[str, ...]] = {
    "pdf": ("PDF",),
    "slides": ("PDF", "PowerPoint", "OpenDocument"),
    "transcript": ("PDF", "HTML", "text"),
    "qa": ("PDF", "HTML", "text"),
}
"""What each document kind can honestly be, in the words of its error message."""
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_POWERPOINT_TYPES = frozenset(
    {
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)

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


def document_kind(head: bytes, content_type: str | None) -> str | None:
    """Which of the ``ACCEPTED`` kinds of document a body is, from its bytes and declared type.

    PowerPoint is its OLE file (.ppt) or a zip declared as a presentation
    (.pptx); OpenDocument a zip whose first member says it is one (.odp);
    text a body declared text/plain with no NUL bytes.
    """
    media = media_type(content_type)
    if is_pdf(head):
        return "PDF"
    if head.startswith(_OLE_MAGIC) or (head.startswith(_ZIP_MAGIC) and media in _POWERPOINT_TYPES):
        return "PowerPoint"
    if head.startswith(_ZIP_MAGIC) and b"application/vnd.oasis.opendocument" in head[:120]:
        return "OpenDocument"
    if is_html(head):
        return "HTML"
    if media == "text/plain" and b"\0" not in head:
        return "text"
    return None


def accepts(kind: str, head: bytes, content_type: str | None) -> bool:
    """Whether a body starting with ``head`` is a document a link of ``kind`` can be."""
    return document_kind(head, content_type) in ACCEPTED.get(kind, ())


def expected(kind: str) -> str:
    """``a PDF``, ``slides (PDF, PowerPoint or OpenDocument)``: for "expected …, got …"."""
    names = ACCEPTED.get(kind, ("PDF",))
    if names == ("PDF",):
        return "a PDF"
    return f"{kind} ({', '.join(names[:-1])} or {names[-1]})"


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


_GZIP_MAGIC = b"\x1f\x8b"


def mislabelled_pdf(head: bytes, content_type: str | None) -> str | None:
    """A warning for a PDF served as HTML: readers get it, but a browser may show it as text."""
    if is_pdf(head) and media_type(content_type) in ("text/html", "application/xhtml+xml"):
        return f"a PDF served as {media_type(content_type)}: a browser may show it as text"
    return None


def describe_body(head: bytes, content_type: str | None) -> str:
    """A few words on what a body is, for "expected a PDF, got …": what was received.

    The declared type alone would say "got application/pdf" of a PDF that is
    not one; the bytes say what came: HTML, a gzip stream the server did not
    declare, a body whose ``%PDF-`` comes too late for readers.
    """
    if not head:
        return "an empty body"
    media = media_type(content_type)
    if is_html(head) and media not in ("text/html", "application/xhtml+xml"):
        return f"HTML served as {media}" if media else "HTML"
    served = f" served as {media}" if media else ""
    if head.startswith(_GZIP_MAGIC):
        return f"a gzip stream{served} (compressed without saying so in Content-Encoding)"
    if PDF_MAGIC in head:
        return f"a body{served} whose %PDF- header comes after other bytes"
    if media == "application/pdf":
        return f"a body{served} with no %PDF- header in its first {SNIFF_BYTES:,} bytes"
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
