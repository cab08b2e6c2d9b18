"""Keyword queries, filters, sorting and paging: pure functions over entries.

One implementation serves every command that selects entries (`list`,
`search`, `tag`, `export`, `check`, `fetch`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from htcat.errors import InputError
from htcat.model import Entry, fold, is_calendar_date, is_unicode_text, normalize_tag

SORT_KEYS = ("date", "title", "type", "updated")
LINK_STATUSES = ("ok", "broken", "moved", "changed", "throttled", "too-large", "unchecked")
FAILING_OUTCOMES = frozenset({"broken", "timeout", "invalid"})
"""Outcomes that count as ``broken`` when filtering by link status."""

_TERM_RE = re.compile(r'"([^"]*)"?|(\S+)')
_TOKEN_RE = re.compile(r"[^\W_]+")
_PERIOD_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def tokens(text: str) -> str:
    """Folded words joined by single spaces: the form both text and queries are matched in."""
    return " ".join(_TOKEN_RE.findall(fold(text)))


def parse_keywords(text: str) -> tuple[str, ...]:
    """The terms of a query: words and ``"quoted phrases"``, each folded to `tokens`.

    Every term must match. A term matches where its words stand in that order
    at word starts, the last word as a prefix (``traffic`` finds
    ``trafficking``), which is also what the SQLite full-text index does. An
    unbalanced quote runs to the end of the text, as a phrase.
    """
    terms = (tokens(phrase or word) for phrase, word in _TERM_RE.findall(text))
    return tuple(term for term in terms if term)


def _text(value: str, option: str) -> str:
    if not is_unicode_text(value):
        raise InputError(f"{option} {value!r}: not valid UTF-8 text")
    return value


def check_period(value: str, option: str) -> str:
    """Refuse a ``--since``/``--until`` value that is not YYYY, YYYY-MM or YYYY-MM-DD."""
    if not _PERIOD_RE.match(value) or not is_calendar_date(value):
        raise InputError(f"{option} {value!r}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value


@dataclass(frozen=True)
class Filters:
    """What selects entries; empty means everything."""

    keywords: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    statuses: tuple[str, ...] = ()
    link_statuses: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        query: str = "",
        types: Iterable[str] = (),
        tags: Iterable[str] = (),
        since: str = "",
        until: str = "",
        statuses: Iterable[str] = (),
        link_statuses: Iterable[str] = (),
    ) -> Filters:
        """Filters from user input, validated."""
        return cls(
            keywords=parse_keywords(query),
            types=tuple(types),
            tags=tuple(normalize_tag(_text(t, "--tag")) for t in tags),
            since=check_period(since, "--since") if since else "",
            until=check_period(until, "--until") if until else "",
            statuses=tuple(statuses),
            link_statuses=tuple(link_statuses),
        )

    @property
    def empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Order:
    """How selected entries are sorted and paged."""

    sort: str = "date"
    reverse: bool = False
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class Page:
    """One page of a selection, and how many entries matched in all."""

    entries: list[Entry] = field(default_factory=list)
    total: int = 0
    offset: int = 0


def searched_text(entry: Entry) -> str:
    """The text a keyword query looks in: title, summary, tags, people, publisher."""
    people = " ".join(
        f"{p.get('name', '')} {p.get('affiliation', '')}" for p in entry.get("people", ())
    )
    tags = " ".join(entry.get("tags", ()))
    parts = (entry.get("title", ""), entry.get("summary", ""), tags, people)
    return " ".join((*parts, entry.get("publisher", "")))


def search_text(entry: Entry) -> str:
    """`searched_text` as `tokens`, the form terms are matched in."""
    return tokens(searched_text(entry))


def link_statuses(entry: Entry) -> set[str]:
    """The link statuses an entry has, as ``--link-status`` names them."""
    found = set()
    for link in entry.get("links", ()):
        check = link.get("check") or {}
        outcome = check.get("outcome")
        if outcome is None:
            found.add("unchecked")
        elif outcome in FAILING_OUTCOMES:
            found.add("broken")
        else:
            found.add(outcome)
    return found


def _in_period(date: str, since: str, until: str) -> bool:
    """Compare at the shorter precision, so ``2021`` includes ``2021-06-30``."""
    if not date:
        return False
    if since and date[: len(since)] < since[: len(date)]:
        return False
    return not (until and date[: len(until)] > until[: len(date)])


def matches(entry: Entry, filters: Filters) -> bool:
    """Whether ``entry`` passes every filter."""
    if filters.types and entry.get("type") not in filters.types:
        return False
    if filters.statuses and entry.get("status") not in filters.statuses:
        return False
    if filters.tags and not set(filters.tags) <= set(entry.get("tags", ())):
        return False
    if (filters.since or filters.until) and not _in_period(
        entry.get("date", ""), filters.since, filters.until
    ):
        return False
    if filters.link_statuses and not link_statuses(entry) & set(filters.link_statuses):
        return False
    if filters.keywords:
        text = f" {search_text(entry)}"
        return all(f" {term}" in text for term in filters.keywords)
    return True


def _sort_key(sort: str) -> Any:
    if sort == "title":
        return lambda e: (fold(e.get("title", "")), e.get("id", ""))
    if sort == "type":
        return lambda e: (e.get("type", ""), fold(e.get("title", "")), e.get("id", ""))
    return lambda e: (e.get(sort) or "", e.get("id", ""))


def ordered(entries: Iterable[Entry], order: Order) -> list[Entry]:
    """Sorted by ``order.sort``: dates newest first, text A to Z; ``reverse`` flips."""
    if order.sort not in SORT_KEYS:
        raise InputError(f"--sort {order.sort!r}: expected one of {', '.join(SORT_KEYS)}")
    newest_first = order.sort in ("date", "updated")
    return sorted(entries, key=_sort_key(order.sort), reverse=newest_first != order.reverse)


def select(entries: Iterable[Entry], filters: Filters, order: Order) -> Page:
    """The page of entries that match ``filters``, sorted and cut by ``order``."""
    if order.limit is not None and order.limit < 0:
        raise InputError(f"--limit {order.limit}: must be 0 or more")
    if order.offset < 0:
        raise InputError(f"--offset {order.offset}: must be 0 or more")
    found = [e for e in entries if matches(e, filters)] if not filters.empty else list(entries)
    ranked = ordered(found, order)
    end = None if order.limit is None else order.offset + order.limit
    return Page(ranked[order.offset : end], len(ranked), order.offset)


def displaying(page: Page) -> str:
    """The footer a resource library shows: ``Displaying 1 - 20 of 57``."""
    if not page.entries:
        return f"Displaying 0 of {page.total}"
    first = page.offset + 1
    return f"Displaying {first} - {page.offset + len(page.entries)} of {page.total}"
