"""What ``add --from`` was given: a URL, a DOI or a local PDF, told apart before any request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from htcat.errors import InputError

SourceKind = Literal["url", "doi", "pdf"]
DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)")
"""A DOI as Crossref describes modern ones: ``10.`` a registrant code, ``/`` a suffix."""
_DOI_SOURCE_RE = re.compile(r"(?i)^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$")


@dataclass(frozen=True)
class Source:
    """One source as given, and what it is: ``value`` is the URL, the bare DOI or the path."""

    given: str
    kind: SourceKind
    value: str


def clean_doi(doi: str) -> str:
    """A DOI without the punctuation text puts after it, lower-cased (DOIs ignore case)."""
    return doi.rstrip(".,;:)]}").lower()


def parse_source(text: str) -> Source:
    """``text`` as a Source; InputError naming it when it is none of the three."""
    given = text.strip()
    doi = _DOI_SOURCE_RE.match(given)
    if doi:
        return Source(given, "doi", clean_doi(doi[1]))
    if re.match(r"(?i)^https?://", given):
        return Source(given, "url", given)
    path = Path(given).expanduser()
    if path.is_file():
        return Source(given, "pdf", str(path))
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", given) and not path.exists():
        raise InputError(f"--from {given!r}: only http(s) URLs, DOIs and local PDF files are read")
    raise InputError(f"--from {given!r}: not a URL, a DOI (10.1234/x) or an existing file")


def sources_from_lines(lines: list[str]) -> list[Source]:
    """One source per non-blank line (``--from -``); ``#`` starts a comment line."""
    return [
        parse_source(line) for line in lines if line.strip() and not line.lstrip().startswith("#")
    ]
