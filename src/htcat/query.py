"""The selection language: keyword queries, filters, sorting and paging, as plain values.

What a user asks for, parsed and validated once for every command that
selects entries (`list`, `search`, `tag`, `export`, `check`, `fetch`); each
filter and sort key is then applied, in memory or in SQL, by `htcat.filters`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from htcat.errors import InputError
from htcat.model import Entry, fold, is_calendar_date, is_unicode_text
from htcat.people import display_name
from htcat.tags import normalize_tag

LINK_STATUSES = ("ok", "broken", "moved", "changed", "throttled", "too-large", "unchecked")
FAILING_OUTCOMES = frozenset({"broken", "timeout", "invalid"})
"""Outcomes that count as ``broken`` when filtering by link status."""

_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_TOKEN_RE = re.compile(r"[^\W_]+")
_PERIOD_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def tokens(text: str) -> str:
    """Folded words joined by single spaces: the form both text and queries are matched in."""
    return " ".join(_TOKEN_RE.findall(fold(text)))


@dataclass(frozen=True)
class Keywords:
    """A keyword query: every group must match, a group by any of its terms; no excluded one may.

    Each term is `tokens` of a word or phrase. A term matches where its words
    stand in that order at word starts, the last word as a prefix
    (``traffic`` finds ``trafficking``), which is also what the SQLite
    full-text index and the library page's script do.
    """

    groups: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups or self.excluded)

    def __and__(self, other: Keywords) -> Keywords:
        return Keywords(self.groups + other.groups, self.excluded + other.excluded)


def parse_keywords(text: str) -> Keywords:
    """The `Keywords` of a query: words and ``"quoted phrases"``, ``-`` before one, ``OR``.

    Terms side by side must all match; ``OR`` (in capitals) between two terms
    lets either match, and binds closer than that (``labor trafficking OR
    exploitation`` needs ``labor``); ``-`` before a term or phrase excludes
    the entries it matches. An ``OR`` with no term on one side, or next to an
    excluded term, is ignored, and so is a term with no letters or digits. An
    unbalanced quote runs to the end of the text, as a phrase.
    """
    groups: list[tuple[str, ...]] = []
    excluded: list[str] = []
    joining = False
    last_was_term = False
    for minus, phrase, word in _TERM_RE.findall(text):
        if not phrase and word == "OR":
            joining = last_was_term
            continue
        negated = bool(minus) or (len(word) > 1 and word.startswith("-"))
        term = tokens(phrase or (word[1:] if negated and word else word))
        if not term:
            continue
        if negated:
            excluded.append(term)
            last_was_term = joining = False
        elif joining and groups:
            groups[-1] += (term,)
            last_was_term, joining = True, False
        else:
            groups.append((term,))
            last_was_term, joining = True, False
    return Keywords(tuple(groups), tuple(excluded))


def keywords_match(keywords: Keywords, text: str) -> bool:
    """Whether ``text`` (`search_text`) holds what ``keywords`` asks for."""
    text = f" {text}"
    if any(f" {term}" in text for term in keywords.excluded):
        return False
    return all(any(f" {term}" in text for term in group) for group in keywords.groups)


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

    keywords: Keywords = Keywords()
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


def person_words(person: Mapping[str, Any]) -> str:
    """What a keyword query finds a person by: the name and the affiliation."""
    return f"{display_name(person)} {person.get('affiliation', '')}"


def searched_text(entry: Entry) -> str:
    """The text a keyword query looks in: what the library page shows of an entry.

    Title, summary, tags, people, publisher, audiences, the type (``Webinar``)
    and the links' labels. Dates and statuses have filters of their own.
    """
    people = " ".join(person_words(p) for p in entry.get("people", ()))
    labels = " ".join(str(link.get("label") or "") for link in entry.get("links", ()))
    parts = (
        entry.get("title", ""),
        entry.get("summary", ""),
        " ".join(entry.get("tags", ())),
        people,
        entry.get("publisher", ""),
        " ".join(entry.get("audiences", ())),
        entry.get("type", ""),
        labels,
    )
    return " ".join(parts)


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


def displaying(page: Page) -> str:
    """The footer a resource library shows: ``Displaying 1 - 20 of 57``."""
    if not page.entries:
        return f"Displaying 0 of {page.total}"
    first = page.offset + 1
    return f"Displaying {first} - {page.offset + len(page.entries)} of {page.total}"
