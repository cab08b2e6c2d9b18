"""The saved pages and the entry a careful person would write for each, field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from htcat.intake.page import read_page
from htcat.intake.propose import propose
from htcat.intake.sources import Source
from htcat.people import display_name

PAGES = Path(__file__).parent / "pages"
EXPECTED: dict[str, dict[str, Any]] = json.loads((PAGES / "expected.json").read_text())
CHECKED = ("title", "type", "date", "publisher", "authors")


def proposed_fields(name: str) -> dict[str, Any]:
    """What htcat proposes for the saved page ``name``, read as if from its original URL."""
    url = EXPECTED[name]["url"]
    found = read_page((PAGES / name).read_bytes(), url)
    entry = propose(Source(url, "url", url), [found], options={}, url=url).entry
    people = entry.get("people", [])
    return {
        "title": entry.get("title", ""),
        "type": entry.get("type", ""),
        "date": entry.get("date", ""),
        "publisher": entry.get("publisher", ""),
        "authors": [display_name(p) for p in people if p.get("role") == "author"],
    }


def same(field: str, wanted: Any, got: Any) -> bool:
    if field == "publisher":
        return str(wanted).casefold() == str(got).casefold()
    return bool(wanted == got)


def misses() -> dict[str, list[str]]:
    """Each page's fields that differ from the careful person's entry."""
    found: dict[str, list[str]] = {}
    for name, expected in EXPECTED.items():
        got = proposed_fields(name)
        wrong = [f for f in CHECKED if f in expected and not same(f, expected[f], got[f])]
        if wrong:
            found[name] = wrong
    return found
