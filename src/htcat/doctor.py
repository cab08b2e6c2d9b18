"""Checks a catalog for what validation on write cannot catch alone.

Schema errors (a hand edit or a merge), ids used twice, the same URL on
several entries, and entries whose titles are near-duplicates.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from htcat.errors import InvalidEntry
from htcat.model import Entry, fold, normalize_url, validate_entry
from htcat.store import Image

NEAR_DUPLICATE_RATIO = 0.9


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, the entries concerned, and what is wrong."""

    kind: str
    ids: tuple[str, ...]
    detail: str


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(title)).split())


def schema_findings(entries: list[Entry]) -> Iterator[Finding]:
    for index, entry in enumerate(entries, 1):
        try:
            validate_entry(entry)
        except InvalidEntry as exc:
            yield Finding("schema", (str(entry.get("id") or f"#{index}"),), str(exc))
        if not entry.get("id"):
            yield Finding("schema", (f"#{index}",), "entry has no id")


def duplicate_id_findings(entries: list[Entry]) -> Iterator[Finding]:
    seen: dict[str, int] = defaultdict(int)
    for entry in entries:
        seen[str(entry.get("id", ""))] += 1
    for ident, count in sorted(seen.items()):
        if ident and count > 1:
            yield Finding("duplicate-id", (ident,), f"id used by {count} entries")


def duplicate_url_findings(entries: list[Entry]) -> Iterator[Finding]:
    owners: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        for link in entry.get("links", ()):
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                owners[normalize_url(link["url"])].append(str(entry.get("id", "")))
    for url, ids in sorted(owners.items()):
        if len(ids) > 1:
            yield Finding("duplicate-url", tuple(sorted(set(ids))), url)


def near_duplicate_findings(entries: list[Entry]) -> Iterator[Finding]:
    """Titles that are the same once folded, or nearly so as sorted neighbours.

    Comparing neighbours in sorted order keeps this O(n log n) on big catalogs.
    """
    keyed = sorted((_title_key(str(e.get("title", ""))), str(e.get("id", ""))) for e in entries)
    for (key_a, id_a), (key_b, id_b) in itertools.pairwise(keyed):
        if not key_a or id_a == id_b:
            continue
        ratio = 1.0 if key_a == key_b else difflib.SequenceMatcher(None, key_a, key_b).ratio()
        if ratio >= NEAR_DUPLICATE_RATIO:
            yield Finding("near-duplicate", (id_a, id_b), f"titles {ratio:.0%} alike")


def diagnose(entries: list[Entry]) -> list[Finding]:
    """Every finding, schema errors first."""
    return [
        *schema_findings(entries),
        *duplicate_id_findings(entries),
        *duplicate_url_findings(entries),
        *near_duplicate_findings(entries),
    ]


def sharing_findings(image: Image, catalog: Path) -> Iterator[Finding]:
    """Merge conflicts left to settle, and a clone lacking the team's merge driver."""
    from htcat.conflicts import conflicts_in
    from htcat.gitrepo import unregistered_driver

    for c in conflicts_in(image):
        where = f"field {c['field']}" if c["field"] else "the whole entry"
        yield Finding("merge-conflict", (c["id"],), f"{where}: settle with 'htcat resolve'")
    if unregistered_driver(catalog) is not None:
        yield Finding(
            "git-setup",
            (),
            "this clone merges the catalog with git's line merge: run 'htcat git setup'",
        )
