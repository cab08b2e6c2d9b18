"""Whether a PDF opens, and its page count, as the readers people use see it.

A fetched PDF is judged by PDFium (Chrome's PDF engine, through pypdfium2),
which of the libraries scored against poppler's ``pdfinfo`` on damaged and
unusual files agreed with it best (tests/links/score_pdf_readers.py; the
figures are in docs/cron.md). Like poppler it rebuilds a missing or wrong
cross-reference table from the objects it finds, so a file old sites serve
that way is readable here as it is in a viewer.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # imported where used: it is slow to load
    import pypdfium2

ReadState = Literal["readable", "locked", "unreadable"]

PDFIUM = threading.Lock()
"""PDFium is not thread-safe: one document open at a time in the process."""


@dataclass(frozen=True)
class PdfReading:
    """What a reader makes of a PDF file.

    ``locked`` is a sound PDF that needs a password to open (a viewer asks for
    one): a real document, but its pages cannot be counted. ``error`` says why
    a file is ``unreadable``.
    """

    state: ReadState
    pages: int | None = None
    error: str | None = None


def read_pdf(path: Path) -> PdfReading:
    """Open ``path`` as PDFium does (with the empty password, as viewers try first)."""
    import pypdfium2
    import pypdfium2.raw

    with PDFIUM:
        try:
            document = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            refused = (pypdfium2.raw.FPDF_ERR_PASSWORD, pypdfium2.raw.FPDF_ERR_SECURITY)
            encrypted = code in refused and _declares_encryption(path)
            if encrypted and code == pypdfium2.raw.FPDF_ERR_PASSWORD:
                return PdfReading("locked")
            if encrypted:
                return PdfReading("unreadable", error="encrypted in a way PDFium does not support")
            return PdfReading("unreadable", error="damaged beyond repair")
        try:
            pages = len(document)
        finally:
            document.close()
    if pages == 0:
        return PdfReading("unreadable", error="it has no pages")
    return PdfReading("readable", pages)


def _declares_encryption(path: Path) -> bool:
    """Whether the file names an encryption dictionary, as every encrypted PDF must.

    PDFium reports its last error process-wide: a file that fails to open
    after a password-protected one can inherit "needs a password". Each file
    is judged by its own bytes.
    """
    try:
        return b"/Encrypt" in path.read_bytes()
    except OSError:
        return False


@dataclass(frozen=True)
class PdfInfo:
    """A PDF's document information (``Title``, ``Author``, ``CreationDate``…) and the text
    of its first pages, where a DOI or a date is printed; ``reading`` says whether it opened."""

    reading: PdfReading
    info: dict[str, str]
    text: str


def read_pdf_info(path: Path, pages: int = 2) -> PdfInfo:
    """The document information and the first ``pages`` pages' text of the PDF at ``path``."""
    import pypdfium2

    reading = read_pdf(path)
    if reading.state != "readable":
        return PdfInfo(reading, {}, "")
    with PDFIUM:
        document = pypdfium2.PdfDocument(path)
        try:
            info = {k: str(v) for k, v in document.get_metadata_dict(skip_empty=True).items()}
            texts = list(page_texts(document, min(pages, len(document))))
        finally:
            document.close()
    return PdfInfo(reading, info, "\n".join(texts))


def page_texts(document: pypdfium2.PdfDocument, count: int) -> Generator[str, None, None]:
    """The text PDFium reads on each of the first ``count`` pages of an open ``document``
    (hold `PDFIUM` while iterating), page and text page closed as soon as read."""
    for index in range(count):
        page = document[index]
        textpage = page.get_textpage()
        try:
            yield textpage.get_text_range()
        finally:
            textpage.close()
            page.close()
