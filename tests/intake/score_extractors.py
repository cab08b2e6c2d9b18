"""Scores metadata extractors against the careful person's entries for the saved pages.

Not a test: run it to choose how pages are read. For each library it counts
the fields (title, type, date, publisher, authors) that come out as
tests/intake/pages/expected.json says, per field and per kind of page, and
times a pass over the corpus. Libraries that are not installed are skipped.

    pip install extruct trafilatura metadata-parser htmldate selectolax
    PYTHONPATH=src:tests python -m intake.score_extractors
"""

from __future__ import annotations

import importlib.util
import logging
import time
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

from htcat.people import split_name

from .corpus import CHECKED, EXPECTED, PAGES, proposed_fields, same

Fields = dict[str, Any]


def _names(values: list[str]) -> list[str]:
    names = []
    for value in values:
        for name in value.replace(" and ", ";").split(";"):
            parts = split_name(name.strip()) if name.strip() else None
            if parts:
                names.append(" ".join(p for p in (parts.get("given"), parts.get("family")) if p))
    return names


def with_htcat(name: str, html: str, url: str) -> Fields:
    return proposed_fields(name)


def with_extruct(name: str, html: str, url: str) -> Fields:
    import extruct

    data = extruct.extract(
        html,
        base_url=url,
        syntaxes=["json-ld", "opengraph", "dublincore"],
        uniform=True,
        errors="ignore",
    )
    ld = next((i for i in data.get("json-ld", []) if isinstance(i, dict)), {})
    og = next(iter(data.get("opengraph", [])), {})
    dc = next(iter(data.get("dublincore", [])), {})

    def text(value: Any) -> str:
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, dict):
            value = value.get("name") or value.get("content") or ""
        return str(value or "")

    authors = ld.get("author")
    author_list = authors if isinstance(authors, list) else [authors] if authors else []
    from htcat.intake.dates import markup_date

    return {
        "title": text(ld.get("headline") or ld.get("name"))
        or text(dc.get("title"))
        or text(og.get("og:title")),
        "type": "other",
        "date": markup_date(
            text(ld.get("datePublished"))
            or text(dc.get("date"))
            or text(og.get("article:published_time"))
        ),
        "publisher": text(ld.get("publisher")) or text(og.get("og:site_name")),
        "authors": _names([text(a) for a in author_list]),
    }


def with_trafilatura(name: str, html: str, url: str) -> Fields:
    from trafilatura import extract_metadata

    found = extract_metadata(html, default_url=url)
    return {
        "title": found.title or "",
        "type": "other",
        "date": found.date or "",
        "publisher": found.sitename or "",
        "authors": _names([found.author]) if found.author else [],
    }


def with_metadata_parser(name: str, html: str, url: str) -> Fields:
    import metadata_parser

    from htcat.intake.dates import markup_date

    result = metadata_parser.MetadataParser(html=html, search_head_only=False).parsed_result

    def first(field: str, strategy: list[str]) -> str:
        found = result.get_metadatas(field, strategy=strategy) or {}
        for key in strategy:
            for value in found.get(key) or ():
                if value:
                    return str(value)
        return ""

    author = first("author", ["dc", "meta"])
    return {
        "title": first("title", ["og", "dc", "page"]),
        "type": "other",
        "date": markup_date(
            first("date", ["dc", "meta"]) or first("article:published_time", ["og"])
        ),
        "publisher": first("site_name", ["og"]) or first("publisher", ["dc"]),
        "authors": _names([author]) if author else [],
    }


def with_htmldate(name: str, html: str, url: str) -> Fields:
    from htmldate import find_date

    return {"date": find_date(html, url=url, original_date=True) or ""}


CANDIDATES: dict[str, tuple[str, Callable[[str, str, str], Fields]]] = {
    "htcat (lxml, layers)": ("lxml", with_htcat),
    "extruct": ("extruct", with_extruct),
    "trafilatura": ("trafilatura", with_trafilatura),
    "metadata_parser": ("metadata_parser", with_metadata_parser),
    "htmldate": ("htmldate", with_htmldate),
}


def score() -> None:
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    kinds = sorted({e["kind"] for e in EXPECTED.values()})
    print("| library | " + " | ".join(CHECKED) + " | " + " | ".join(kinds) + " | seconds |")
    print("|---" * (len(CHECKED) + len(kinds) + 2) + "|")
    for label, (module, extract) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            continue
        right: Counter[str] = Counter()
        asked: Counter[str] = Counter()
        started = time.perf_counter()
        for name, expected in EXPECTED.items():
            html = (PAGES / name).read_text(encoding="utf-8", errors="replace")
            got = extract(name, html, expected["url"])
            for field in CHECKED:
                if field in expected and field in got:
                    ok = same(field, expected[field], got[field])
                    for key in (field, expected["kind"]):
                        asked[key] += 1
                        right[key] += ok
        seconds = time.perf_counter() - started
        cells = [f"{right[k]}/{asked[k]}" if asked[k] else "-" for k in (*CHECKED, *kinds)]
        print(f"| {label} | " + " | ".join(cells) + f" | {seconds:.2f} |")


if __name__ == "__main__":
    score()
