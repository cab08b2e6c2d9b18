"""Changes to one entry, described as plain values, applied before validation.

The CLI's ``--set``, ``--add-link``, ``--remove-tag``… and the interactive form
all come down to an `EntryEdit`; applying it gives a raw entry that
`htcat.model.validate_entry` then accepts or refuses as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from htcat.errors import FieldProblem, InputError, InvalidEntry
from htcat.model import (
    EDITABLE_FIELDS,
    KNOWN_FIELDS,
    LIST_FIELDS,
    STAMP_FIELDS,
    Entry,
    close_field,
    validate_entry,
)
from htcat.people import parse_person_text, person_matches
from htcat.tags import normalize_tag
from htcat.urls import normalize_url, parse_link_text


def split_list(text: str) -> list[str]:
    """A ``;``-separated list as typed after ``--set tags=`` or in a form."""
    return [item.strip() for item in text.split(";") if item.strip()]


def parse_assignment(text: str) -> tuple[str, str]:
    """``field=value`` from ``--set``, with the field checked."""
    field, sep, value = text.partition("=")
    field = field.strip()
    if not sep:
        raise InputError(f"--set {text!r}: expected FIELD=VALUE")
    if field in ("id", "created", "updated"):
        raise InputError(f"--set {field}: set by htcat, not editable")
    if field not in EDITABLE_FIELDS:
        raise InputError(
            f"--set {field}: unknown field; expected one of {', '.join(EDITABLE_FIELDS)}"
        )
    return field, value


def field_value(field: str, value: str) -> object:
    """The stored shape of a value typed as text: lists split on ``;``."""
    if field not in LIST_FIELDS:
        return value
    items = split_list(value)
    if field == "links":
        return [parse_link_text(i) for i in items]
    if field == "people":
        return [parse_person_text(i) for i in items]
    return items


@dataclass(frozen=True)
class EntryEdit:
    """One command's worth of changes to an entry."""

    sets: tuple[tuple[str, str], ...] = ()
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    add_links: tuple[str, ...] = ()
    remove_links: tuple[str, ...] = ()
    add_people: tuple[str, ...] = ()
    remove_people: tuple[str, ...] = ()
    add_audiences: tuple[str, ...] = ()
    remove_audiences: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == EntryEdit()


def _without(items: list[str], removed: Iterable[str], field: str, key: str) -> list[str]:
    missing = [r for r in removed if r not in items]
    if missing:
        raise InvalidEntry(
            [FieldProblem(field, m, f"no such {key} on this entry") for m in missing]
        )
    return [i for i in items if i not in set(removed)]


def apply_edit(entry: Entry, edit: EntryEdit) -> Entry:
    """A copy of ``entry`` with ``edit`` applied (not yet validated)."""
    new = dict(entry)
    for field, value in edit.sets:
        new[field] = field_value(field, value)
    tags = [normalize_tag(t) for t in new.get("tags", [])]
    tags = _without(tags, [normalize_tag(t) for t in edit.remove_tags], "tags", "tag")
    new["tags"] = [*tags, *edit.add_tags]
    audiences = _without(
        list(new.get("audiences", [])), edit.remove_audiences, "audiences", "audience"
    )
    new["audiences"] = [*audiences, *edit.add_audiences]
    links = list(new.get("links", []))
    gone = {normalize_url(u) for u in edit.remove_links}
    _without([normalize_url(link["url"]) for link in links], gone, "links", "link")
    links = [link for link in links if normalize_url(link["url"]) not in gone]
    new["links"] = links + [parse_link_text(t) for t in edit.add_links]
    people = list(new.get("people", []))
    missing = [t for t in edit.remove_people if not any(person_matches(p, t) for p in people)]
    if missing:
        raise InvalidEntry(
            [FieldProblem("people", m, "no such person on this entry") for m in missing]
        )
    people = [p for p in people if not any(person_matches(p, t) for t in edit.remove_people)]
    new["people"] = people + [parse_person_text(t) for t in edit.add_people]
    return new


EDITOR_HELP = (
    "Edit the entry below and save it; quit without saving to leave it as it is.",
    "Lines starting with '#' above the entry are ignored.",
)


def editor_text(body: str, problems: Iterable[str] = ()) -> str:
    """What the editor opens: a '#' header, with the problems that sent it back, then the JSON.

    JSON has no comments, so the header stands before it and is stripped on
    reading, as ``kubectl edit`` does.
    """
    shown = [f"# not saved: {p}" for p in problems]
    if shown:
        shown.append("# Fix it and save to try again; quit without saving to give up.")
    header = "".join(f"{line}\n" for line in [*shown, *(f"# {h}" for h in EDITOR_HELP)])
    return header + body


def entry_json(entry: Entry) -> str:
    """An entry as the editor shows it: indented JSON with sorted keys."""
    return orjson.dumps(entry, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


def without_header(text: str) -> tuple[int, str]:
    """The number of '#' (and blank) lines before the JSON, and the JSON itself."""
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (
        lines[skipped].lstrip().startswith("#") or not lines[skipped].strip()
    ):
        skipped += 1
    return skipped, "".join(lines[skipped:])


def edited_entry(text: str, stored: Entry) -> Entry:
    """The entry a person saved in the editor, checked against the ``stored`` one.

    Raises `InputError` (or `InvalidEntry`, naming every problem) for text
    that is not a JSON object, a changed id or stamp, a field htcat does not
    know that the entry did not already have, or a value validation refuses.
    """
    skipped, body = without_header(text)
    try:
        new = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"line {exc.lineno + skipped}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(new, dict):
        raise InputError("the entry must be a JSON object {...}")
    if new.get("id") != stored["id"]:
        raise InputError(f"id {new.get('id')!r} cannot change (it is {stored['id']!r})")
    problems = [
        FieldProblem(field, new[field], f"set by htcat, not editable (it is {stored.get(field)!r})")
        for field in STAMP_FIELDS
        if field in new and new[field] != stored.get(field)
    ]
    for key in new:
        if key not in KNOWN_FIELDS and key not in stored:
            close = close_field(key)
            hint = f"; did you mean {close!r}?" if close else ""
            problems.append(FieldProblem(key, new[key], f"unknown field{hint}"))
    if problems:
        raise InvalidEntry(problems)
    return validate_entry(new, where=stored["id"])
