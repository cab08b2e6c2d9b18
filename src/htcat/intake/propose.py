"""A proposed entry: each field from the most trusted layer that has it, and where it came from."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from htcat.formats.csl import entry_from_csl
from htcat.intake.findings import FIELDS, TRUST, Findings
from htcat.intake.sources import Source
from htcat.model import DEFAULT_TYPE, MAX_TITLE, Entry
from htcat.tags import normalize_tags
from htcat.urls import normalize_url, parse_link_text

NO_TYPE_WARNING = "nothing in the source says what type of resource it is: proposed as other"


@dataclass
class Proposal:
    """An entry to add, unvalidated, with ``sources`` (field → layer) and what to match it by.

    ``doi`` and ``sha256`` (of the document, for a PDF source) find an entry
    already holding the same resource under another URL.
    """

    source: Source
    entry: Entry
    sources: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    doi: str | None = None
    sha256: str | None = None


def plain_abstract(text: str) -> str:
    """An abstract without the JATS markup Crossref's records wrap it in.

    ``<jats:title>Abstract</jats:title><jats:p>Text</jats:p>`` becomes ``Text``,
    its paragraphs kept apart by a blank line.
    """
    if "<" not in text:
        return text
    text = re.sub(r"(?is)<(jats:)?title>.*?</(jats:)?title>", "", text)
    paragraphs = re.split(r"(?i)</(?:jats:)?p>", text)
    cleaned = (" ".join(html.unescape(re.sub(r"<[^>]+>", "", p)).split()) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def csl_findings(item: Mapping[str, Any]) -> Findings:
    """A DOI's CSL-JSON record as the ``doi`` layer, read by the CSL importer htcat has."""
    raw, warnings = entry_from_csl(item)
    if isinstance(raw.get("summary"), str):
        raw["summary"] = plain_abstract(raw["summary"])
    found = Findings()
    for name in FIELDS:
        if name == "type" and warnings:
            continue
        found.put("doi", name, raw.get(name))
    found.links = [dict(link) for link in raw.get("links", [])]
    return found


def _source_link(url: str, is_pdf: bool, kind: str) -> dict[str, str]:
    if is_pdf:
        return {"url": url, "kind": "pdf"}
    return {"url": url, "kind": "webinar" if kind == "webinar" else "page"}


def propose(
    source: Source,
    layers: list[Findings],
    *,
    options: Mapping[str, Any],
    url: str | None = None,
    is_pdf: bool = False,
    doi: str | None = None,
    sha256: str | None = None,
) -> Proposal:
    """Rank the layers of every finding; ``options`` (the user's own values) rank first.

    A field takes its whole value from the most trusted layer that has one:
    people are not mixed from two layers, nor tags. The type is never guessed
    from less than a layer naming it; with none it is ``other`` and a warning
    says so.
    """
    merged: dict[str, tuple[Any, str]] = {}
    for name, value in options.items():
        if value not in (None, "", [], ()):
            merged[name] = (value, "option")
    for layer in TRUST:
        for found in layers:
            for name, value in found.values.get(layer, {}).items():
                merged.setdefault(name, (value, layer))
    warnings = [w for found in layers for w in found.warnings]
    if "type" not in merged:
        merged["type"] = (DEFAULT_TYPE, "default")
        warnings.append(NO_TYPE_WARNING)
    entry: Entry = {name: value for name, (value, _) in merged.items() if name != "links"}
    sources = {name: layer for name, (_, layer) in merged.items()}
    if isinstance(entry.get("title"), str):
        entry["title"] = entry["title"][:MAX_TITLE]
    if "tags" in entry:
        entry["tags"] = normalize_tags(entry["tags"])
    links: list[dict[str, str]] = []
    if url:
        links.append(_source_link(url, is_pdf, entry["type"]))
    for found in layers:
        links.extend(found.links)
    for link in options.get("links", ()):
        links.append(dict(link) if isinstance(link, dict) else parse_link_text(str(link)))
    seen: set[str] = set()
    kept = []
    for link in links:
        key = normalize_url(str(link.get("url", "")))
        if key not in seen:
            seen.add(key)
            kept.append(link)
    if kept:
        entry["links"] = kept
        sources["links"] = "page" if url else sources.get("links", "doi")
    return Proposal(source, entry, sources, warnings, doi, sha256)
