"""One rule for duplicates wherever a person makes or changes an entry.

A link is the same link when its normalized URL is (host case, default port,
``#fragment`` and a trailing slash aside), as import and ``doctor`` judge it;
a person is the same person when every field both give matches, whatever its
case and spacing (added again without an affiliation, still that person).
The same link twice on an entry, the same person twice, or a link another
entry already has, is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from htcat.errors import FieldProblem
from htcat.model import Entry, fold
from htcat.people import display_name
from htcat.urls import normalize_url


def person_fields(person: Mapping[str, Any]) -> dict[str, str]:
    """A person's non-empty text fields, folded and trimmed, whatever the fields are."""
    return {
        key: " ".join(fold(value).split())
        for key, value in person.items()
        if isinstance(value, str) and value.strip()
    }


def same_person(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``a`` and ``b`` name one person: every field both give agrees."""
    fields_a, fields_b = person_fields(a), person_fields(b)
    shared = fields_a.keys() & fields_b.keys()
    return bool(shared) and all(fields_a[k] == fields_b[k] for k in shared)


def repeated_problems(entry: Entry) -> list[FieldProblem]:
    """A link or a person that appears twice on ``entry``."""
    problems = []
    seen_urls: set[str] = set()
    for link in entry.get("links", ()):
        url = normalize_url(link["url"])
        if url in seen_urls:
            problems.append(FieldProblem("links.url", link["url"], "is on this entry twice"))
        seen_urls.add(url)
    people = entry.get("people", [])
    for at, person in enumerate(people):
        if any(same_person(person, earlier) for earlier in people[:at]):
            problems.append(FieldProblem("people", display_name(person), "is on this entry twice"))
    return problems


def taken_link_problems(entry: Entry, others: Iterable[Entry]) -> list[FieldProblem]:
    """Each link of ``entry`` that another entry already has, naming that entry."""
    wanted = {normalize_url(link["url"]): link["url"] for link in entry.get("links", ())}
    if not wanted:
        return []
    needles = [_needle(url) for url in wanted]
    owners: dict[str, str] = {}
    for other in others:
        if other.get("id") == entry.get("id"):
            continue
        for link in other.get("links", ()):
            raw = link["url"]
            if all(needle not in raw for needle in needles):
                continue
            url = normalize_url(raw)
            if url in wanted:
                owners.setdefault(url, other["id"])
    return [
        FieldProblem("links.url", wanted[url], f"is already a link of entry {owner!r}")
        for url, owner in owners.items()
    ]


def _needle(normalized: str) -> str:
    """Text that every URL normalizing to ``normalized`` holds as written: the last part
    of its path (normalizing keeps a path's case), so most links need no normalizing."""
    path = normalized.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    return path.rsplit("/", 1)[-1]


def duplicate_problems(entry: Entry, others: Iterable[Entry]) -> list[FieldProblem]:
    """Every duplicate the rule refuses in ``entry``, set among the catalog's ``others``."""
    return [*repeated_problems(entry), *taken_link_problems(entry, others)]


def new_duplicates(
    entry: Entry, others: Callable[[], Iterable[Entry]], before: Entry | None = None
) -> list[FieldProblem]:
    """The duplicates ``entry`` has that ``before``, its stored version, did not have.

    A change may not add a duplicate, but an entry that already holds one (a hand
    edit) can still be changed in its other fields. ``others`` gives the catalog's
    entries, and is called only when ``entry`` gains a link (a bulk edit of
    statuses never walks the catalog once per entry).
    """
    had = {str(p) for p in repeated_problems(before)} if before else set()
    problems = [p for p in repeated_problems(entry) if str(p) not in had]
    old_urls = {normalize_url(link["url"]) for link in (before or {}).get("links", ())}
    gained = [link for link in entry.get("links", ()) if normalize_url(link["url"]) not in old_urls]
    if gained:
        problems += taken_link_problems({**entry, "links": gained}, others())
    return problems
