"""The questionary form for adding and editing an entry on a terminal.

Imported only when a form is shown, so questionary never slows other commands.
Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError, which the app turns into
exit status 130.
"""

from __future__ import annotations

from typing import Any

import questionary

from htcat.cli.collector import collecting
from htcat.edits import field_value
from htcat.errors import InvalidEntry
from htcat.model import DEFAULT_TYPE, STATUSES, TYPES, Entry, validate_entry
from htcat.people import NAME_AFFIXES, NAME_PARTS, person_text
from htcat.urls import link_text


def _valid(field: str) -> Any:
    """A questionary validator that runs the model's own check for one field."""

    def check(text: str) -> bool | str:
        try:
            validate_entry({"title": "x", field: field_value(field, text)})
        except InvalidEntry as exc:
            return str(exc.problems[0])
        return True

    return check


MULTILINE_HINT = "(Esc then Enter to finish)"
"""Said once, after the question: questionary's own hint would say it again and run past
80 columns."""


def _picked(message: str, names: tuple[str, ...], default: str) -> str:
    """One of ``names``, by arrow keys or by typing the first letters (type-ahead)."""
    picked: str = questionary.select(
        message,
        choices=list(names),
        default=default,
        use_search_filter=True,
        use_jk_keys=False,
        instruction="(type to filter, arrows to move)",
    ).unsafe_ask()
    return picked


def _joined(items: list[str]) -> str:
    return "; ".join(items)


@collecting()  # prompt_toolkit runs an event loop: see htcat.cli.collector
def entry_form(current: Entry) -> Entry:
    """Ask for each field, offering ``current``'s values; return the answers as fields."""
    links = [link_text(link) for link in current.get("links", [])]
    people = [person_text(p) for p in current.get("people", [])]
    answers: Entry = {
        "title": questionary.text(
            "Title:", default=current.get("title", ""), validate=_valid("title")
        ).unsafe_ask(),
        "type": _picked("Type:", TYPES, current.get("type") or DEFAULT_TYPE),
        "date": questionary.text(
            "Date (YYYY, YYYY-MM or YYYY-MM-DD):",
            default=current.get("date", ""),
            validate=_valid("date"),
        ).unsafe_ask(),
        "publisher": questionary.text(
            "Publisher:", default=current.get("publisher", "")
        ).unsafe_ask(),
        "summary": questionary.text(
            "Summary:",
            default=current.get("summary", ""),
            multiline=True,
            instruction=MULTILINE_HINT,
        ).unsafe_ask(),
        "tags": questionary.text(
            "Tags (separated by ';' or ','):", default=_joined(current.get("tags", []))
        ).unsafe_ask(),
        "links": questionary.text(
            "Links (URL or LABEL|URL|KIND, separated by ';'):",
            default=_joined(links),
            validate=_valid("links"),
        ).unsafe_ask(),
        "people": questionary.text(
            "People (Family, Given|ROLE|AFFILIATION or {Organization}|ROLE, separated by ';'):",
            default=_joined(people),
            validate=_valid("people"),
        ).unsafe_ask(),
        "audiences": questionary.text(
            "Audiences (separated by ';'):", default=_joined(current.get("audiences", []))
        ).unsafe_ask(),
        "status": _picked("Status:", STATUSES, current.get("status") or "published"),
        "notes": questionary.text(
            "Internal notes, never exported:",
            default=current.get("notes", ""),
            multiline=True,
            instruction=MULTILINE_HINT,
        ).unsafe_ask(),
    }
    for field in ("tags", "links", "people", "audiences"):
        answers[field] = field_value(field, answers[field])
    _keep_checks(answers["links"], current.get("links", []))
    _keep_name_affixes(answers["people"], current.get("people", []))
    return answers


def _keep_name_affixes(people: list[Entry], old_people: list[Entry]) -> None:
    """A person kept through the form keeps the particles and suffix its text does not show."""
    affixes = {
        tuple(p.get(k) or "" for k in NAME_PARTS): {k: p[k] for k in NAME_AFFIXES if p.get(k)}
        for p in old_people
    }
    for person in people:
        person.update(affixes.get(tuple(person.get(k) or "" for k in NAME_PARTS), {}))


def _keep_checks(links: list[Entry], old_links: list[Entry]) -> None:
    """A link kept through the form keeps its last check result."""
    checks = {link["url"]: link.get("check") for link in old_links}
    for link in links:
        if link.get("url") in checks:
            link["check"] = checks[link["url"]]
