"""Changes to one entry, described as plain values, applied before validation.

The CLI's ``--set``, ``--add-link``, ``--remove-tag``… and the interactive form
all come down to an `EntryEdit`; applying it gives a raw entry that
`htcat.model.validate_entry` then accepts or refuses as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from htcat.errors import FieldProblem, InputError, InvalidEntry
from htcat.model import (
    EDITABLE_FIELDS,
    LIST_FIELDS,
    Entry,
    normalize_tag,
    normalize_url,
    parse_link_text,
    parse_person_text,
    person_matches,
)


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
