"""A PDF's metadata: its document information, and a DOI printed on its first pages.

Document information is the least trusted layer: word processors fill
``Title`` with a file name (``Microsoft Word - draft3.docx``) and dates with
whatever the machine's clock said. Such values are dropped, each with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from htcat.errors import InputError
from htcat.intake.dates import markup_date
from htcat.intake.findings import Findings
from htcat.intake.sources import DOI_RE, clean_doi
from htcat.intake.titles import type_named_in
from htcat.links.pdfread import read_pdf_info
from htcat.people import split_name

_FILE_NAME_RE = re.compile(
    r"(?i)^(microsoft \w+ - )|\.(docx?|pptx?|xlsx?|pdf|indd|rtf|txt)$|^untitled"
)
_PRINTABLE_RE = re.compile(r"^[^\x00-\x08\x0b-\x1f\x7f\ufffd]*$")


class PdfError(InputError):
    """A file that is no readable PDF."""


def _plausible(value: str) -> bool:
    """Text a person wrote: printable, with letters, and not a file name."""
    text = " ".join(value.split())
    return (
        2 <= len(text) <= 500
        and bool(_PRINTABLE_RE.match(text))
        and sum(c.isalpha() for c in text) >= len(text) / 2
        and not _FILE_NAME_RE.search(text)
    )


def read_pdf_metadata(path: Path) -> Findings:
    """What the PDF at ``path`` says of itself in its information and first pages."""
    pdf = read_pdf_info(path)
    if pdf.reading.state == "locked":
        raise PdfError("the PDF needs a password to open")
    if pdf.reading.state != "readable":
        raise PdfError(f"not a readable PDF: {pdf.reading.error}")
    found = Findings()
    for key, field in (("Title", "title"), ("Subject", "summary")):
        value = " ".join(pdf.info.get(key, "").split())
        if value and _plausible(value):
            found.put("pdf-info", field, value)
            if field == "title":
                found.put("pdf-info", "type", type_named_in(value))
        elif value:
            found.warnings.append(f"the PDF's {key} {value[:60]!r} looks like no {field}; ignored")
    author = " ".join(pdf.info.get("Author", "").split())
    if author and _plausible(author) and len(author.split()) <= 4:
        found.put("pdf-info", "people", [{**split_name(author), "role": "author"}])
    elif author:
        found.warnings.append(f"the PDF's Author {author[:60]!r} looks like no person; ignored")
    created = pdf.info.get("CreationDate", "")
    date = markup_date(created)
    if date:
        found.put("pdf-info", "date", date)
    elif created:
        found.warnings.append(f"the PDF's CreationDate {created[:40]!r} is no date; ignored")
    keywords = pdf.info.get("Keywords", "")
    if keywords and _plausible(keywords):
        found.put("pdf-info", "tags", [k.strip() for k in re.split(r"[,;]", keywords) if k.strip()])
    doi = DOI_RE.search(pdf.text)
    if doi:
        found.doi = clean_doi(doi[1])
    return found
