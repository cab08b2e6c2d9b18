"""Checks a catalog for what validation on write cannot catch alone.

Schema errors (a hand edit or a merge), ids used twice, the same URL on
several entries, entries whose titles are near-duplicates, and tags that
differ only by a plural or punctuation (or hold a comma, which makes them
several tags run together). A file whose
entries have the wrong shape (``"tags": "not-a-list"``), which every other
command refuses whole, is read here entry by entry so that each problem is
listed with the line a person has to fix.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from htcat.docsearch import unread_documents
from htcat.errors import InvalidEntry
from htcat.model import fold, validate_entry
from htcat.plurals import counted
from htcat.progress import Progress, reporting
from htcat.store.image import ENTRIES_TABLE, Image, parse_image
from htcat.tags import normalize_tags
from htcat.urls import normalize_url

NEAR_DUPLICATE_RATIO = 0.9

Locate = Callable[[int, str], int | None]
"""The line of a field (or, for "", the start) of the entry at a position in the file."""


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, the entries concerned, what is wrong, and the file's line."""

    kind: str
    ids: tuple[str, ...]
    detail: str
    line: int | None = None


@dataclass(frozen=True)
class _Found:
    """A finding, and which entry (its position in the file) and field it is about."""

    finding: Finding
    at: int
    field: str = ""


def _title_key(title: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(title)).split())


def _ident(entry: Any, index: int) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    return ident if isinstance(ident, str) and ident else f"#{index + 1}"


def _steps(entries: list[Any]) -> int:
    """The steps `diagnose` reports: each entry checked, each neighbouring pair compared."""
    return max(2 * len(entries) - 1, 0)


def _schema(entries: Iterable[Any]) -> Iterator[_Found]:
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            yield _Found(Finding("schema", (f"#{index + 1}",), "not an entry object"), index)
            continue
        try:
            validate_entry(entry)
        except InvalidEntry as exc:
            for problem in exc.problems:
                finding = Finding("schema", (_ident(entry, index),), str(problem))
                yield _Found(finding, index, problem.field.partition(".")[0])
        if not entry.get("id"):
            yield _Found(Finding("schema", (f"#{index + 1}",), "entry has no id"), index)


def _duplicate_ids(entries: list[Any]) -> Iterator[_Found]:
    held: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
            held[entry["id"]].append(index)
    for ident, where in sorted(held.items()):
        if len(where) > 1:
            finding = Finding("duplicate-id", (ident,), f"id used by {len(where)} entries")
            yield _Found(finding, where[1], "id")


def _links(entry: Any) -> list[Any]:
    links = entry.get("links") if isinstance(entry, dict) else None
    return links if isinstance(links, list) else []


def _duplicate_urls(entries: list[Any]) -> Iterator[_Found]:
    owners: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        for link in _links(entry):
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                owners[normalize_url(link["url"])].append(index)
    for url, where in sorted(owners.items()):
        if len(where) > 1:
            ids = tuple(sorted({_ident(entries[i], i) for i in where}))
            yield _Found(Finding("duplicate-url", ids, url), where[1], "links")


def _near_duplicates(entries: list[Any], progress: Progress | None = None) -> Iterator[_Found]:
    """Titles that are the same once folded, or nearly so as sorted neighbours.

    Comparing neighbours in sorted order keeps this O(n log n) on big catalogs.
    """
    keyed = sorted(
        (_title_key(str(e.get("title", ""))), _ident(e, i), i)
        for i, e in enumerate(entries)
        if isinstance(e, dict)
    )
    pairs = reporting(itertools.pairwise(keyed), progress, _steps(entries), before=len(entries))
    for (key_a, id_a, _), (key_b, id_b, at_b) in pairs:
        if not key_a or id_a == id_b:
            continue
        ratio = 1.0 if key_a == key_b else difflib.SequenceMatcher(None, key_a, key_b).ratio()
        if ratio >= NEAR_DUPLICATE_RATIO:
            finding = Finding("near-duplicate", (id_a, id_b), f"titles {ratio:.0%} alike")
            yield _Found(finding, at_b, "title")


def tag_variant_key(tag: str) -> str:
    """What tags that differ only by a plural or punctuation have in common.

    ``annual-report``, ``annual-reports`` and ``annual_report`` give one key:
    each word folded, without a plural ``s``, and the words joined with nothing.
    """
    words = re.findall(r"[a-z0-9]+", fold(tag))
    return "".join(_singular(word) for word in words)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _tags(entry: Any) -> list[str]:
    tags = entry.get("tags") if isinstance(entry, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _tag_variants(entries: list[Any]) -> Iterator[_Found]:
    """Tags one person would call the same (``annual-report``, ``annual-reports``), and
    tags holding a comma (two tags typed as one, before htcat split them)."""
    holders: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(entries):
        for tag in dict.fromkeys(_tags(entry)):
            holders[tag].append(index)
    for tag, where in sorted(holders.items()):
        if "," in tag:
            ids = tuple(_ident(entries[i], i) for i in where)
            split = " ".join(f"--add {t}" for t in normalize_tags([tag]))
            detail = f"tag {tag!r} holds a comma; split it: htcat tag {' '.join(ids)} {split}"
            yield _Found(Finding("tag-comma", ids, detail), where[0], "tags")
    variants: dict[str, list[str]] = defaultdict(list)
    for tag in holders:
        variants[tag_variant_key(tag)].append(tag)
    for key, tags in sorted(variants.items()):
        if not key or len(tags) < 2:
            continue
        # The most used spelling is the one to keep; the others are renamed into it.
        tags.sort(key=lambda t: (-len(holders[t]), t))
        kept, *others = tags
        listed = ", ".join(f"{t!r} ({counted(len(holders[t]), 'entry')})" for t in tags)
        renames = "; ".join(f"htcat tags rename {t} {kept}" for t in others)
        detail = f"tags {listed} differ only by a plural or punctuation: {renames}"
        at = min(i for t in others for i in holders[t])
        ids = tuple(sorted({_ident(entries[i], i) for t in others for i in holders[t]}))
        yield _Found(Finding("tag-variants", ids, detail), at, "tags")


def diagnose(
    entries: list[Any], locate: Locate | None = None, progress: Progress | None = None
) -> list[Finding]:
    """Every finding, schema errors first, each with its line when ``locate`` can tell.

    ``progress`` is told of the two slow passes: each entry checked, then
    each pair of neighbouring titles compared.
    """
    found = [
        *_schema(reporting(entries, progress, _steps(entries))),
        *_duplicate_ids(entries),
        *_duplicate_urls(entries),
        *_near_duplicates(entries, progress),
        *_tag_variants(entries),
    ]
    if locate is None:
        return [f.finding for f in found]
    return [replace(f.finding, line=locate(f.at, f.field)) for f in found]


def diagnose_file(path: Path, raw: bytes, progress: Progress | None = None) -> list[Finding]:
    """The findings in the catalog file ``raw`` read from ``path``, with their lines.

    Raises `CatalogError` only for a file that is no catalog at all (not JSON,
    not an object of tables, a newer schema).
    """
    image = parse_image(raw, path, checked=True)
    entries = list(image[ENTRIES_TABLE].values())
    found = diagnose(entries, _locator(raw, len(entries)), progress)
    return [*found, *sharing_findings(image, path), *_documents_without_text(path, entries)]


NOTICES = frozenset({"no-text"})
"""Kinds of finding that are worth knowing but nothing to fix in the catalog: a scan or a
locked PDF stays what it is, so they never make `doctor` fail."""


def _documents_without_text(path: Path, entries: list[Any]) -> Iterator[Finding]:
    """The fetched documents whose text search cannot see, whole or in part."""
    for document, why in unread_documents(path, entries):
        yield Finding("no-text", (document.entry["id"],), f"{document.link['url']}: {why}")


_ENTRY_KEY = re.compile(rb'\n([ \t]*)"\d+"\s*:\s*\{')


def _locator(text: bytes, count: int) -> Locate | None:
    """Where each entry and its fields start in a pretty-printed catalog file.

    The entries are the keys indented alike after ``"entries"``; a file laid
    out otherwise (one line, or an unusual layout) gets no lines.
    """
    table = re.search(rb'"' + ENTRIES_TABLE.encode() + rb'"\s*:\s*\{', text)
    if table is None:
        return None
    starts: list[int] = []
    indent: bytes | None = None
    for match in _ENTRY_KEY.finditer(text, table.end()):
        if indent is None:
            indent = match[1]
        if match[1] == indent:
            starts.append(match.start() + 1)
    if len(starts) != count:
        return None
    ends = [*starts[1:], len(text)]

    def locate(at: int, field: str) -> int | None:
        start = starts[at]
        if field:
            name = re.escape(field.encode("utf-8", "replace"))
            key = re.compile(rb'"' + name + rb'"\s*:').search(text, start, ends[at])
            start = key.start() if key else start
        return text.count(b"\n", 0, start) + 1

    return locate


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
