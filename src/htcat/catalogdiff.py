"""What changed between two catalogs, entry by entry and field by field.

A line diff of the JSON shows document numbers and brackets; a reviewer wants
"entry X: title old → new, tag added, link Y now broken". The same module
renders a catalog as text for git's diff driver, one block per entry headed by
its id and title, so ``git diff`` and ``git log -p`` name each changed entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from htcat.conflicts import conflicts_in, entry_sides
from htcat.gitrepo import ENTRY_HEADER
from htcat.merge import link_key
from htcat.model import KNOWN_FIELDS, Entry
from htcat.store.image import ENTRIES_TABLE, Image


@dataclass(frozen=True)
class FieldChange:
    """One value that differs; None stands for a value absent on that side."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EntryChange:
    id: str
    title: str
    change: str
    """``added``, ``removed`` or ``changed``."""
    fields: list[FieldChange] = field(default_factory=list)


def _by_id(image: Image, checks: bool) -> dict[str, Entry]:
    entries = image.get(ENTRIES_TABLE, {}).values()
    return {e["id"]: e if checks else _without_checks(e) for e in entries}


def _without_checks(entry: Entry) -> Entry:
    """``entry`` as people edit it: its links without what checks and fetches recorded."""
    links = entry.get("links")
    if not isinstance(links, list):
        return entry
    bare = [
        {k: v for k, v in link.items() if k != "check"} if isinstance(link, dict) else link
        for link in links
    ]
    return {**entry, "links": bare}


def _field_order(entry: Entry) -> list[str]:
    known = [f for f in KNOWN_FIELDS if f in entry]
    return known + sorted(k for k in entry if k not in KNOWN_FIELDS)


def _value_changes(name: str, old: Any, new: Any) -> Iterator[FieldChange]:
    """The changes inside one value: objects key by key, links by URL, tags and other lists
    of names item by item, the rest whole."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted({*old, *new}):
            yield from _value_changes(f"{name}.{key}", old.get(key), new.get(key))
    elif name == "links" and isinstance(old, list) and isinstance(new, list):
        before = {link_key(link): link for link in old if isinstance(link, dict)}
        after = {link_key(link): link for link in new if isinstance(link, dict)}
        for url in [*before, *(u for u in after if u not in before)]:
            old_link, new_link = before.get(url), after.get(url)
            if old_link is None or new_link is None:
                yield FieldChange(f"links[{url}]", old_link, new_link)
            else:
                yield from _value_changes(f"links[{url}]", old_link, new_link)
    elif _names_list(old) and _names_list(new) and set(old) != set(new):
        # Tags and audiences: what was added and removed, not two cut lists that look alike.
        for item in old:
            if item not in new:
                yield FieldChange(f"{name}[{item}]", item, None)
        for item in new:
            if item not in old:
                yield FieldChange(f"{name}[{item}]", None, item)
    else:
        yield FieldChange(name, old, new)


def _names_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def diff_images(old: Image, new: Image, *, checks: bool = True) -> list[EntryChange]:
    """Every entry added, removed or changed from ``old`` to ``new``, in ``new``'s order.

    ``checks=False`` leaves out what link checks recorded, so a reviewer sees
    only what people changed.
    """
    before, after = _by_id(old, checks), _by_id(new, checks)
    changes = []
    for ident, entry in after.items():
        was = before.get(ident)
        if was is None:
            changes.append(EntryChange(ident, str(entry.get("title", "")), "added"))
        elif was != entry:
            fields = [
                change
                for key in _field_order({**was, **entry})
                for change in _value_changes(key, was.get(key), entry.get(key))
            ]
            changes.append(EntryChange(ident, str(entry.get("title", "")), "changed", fields))
    for ident, entry in before.items():
        if ident not in after:
            changes.append(EntryChange(ident, str(entry.get("title", "")), "removed"))
    return changes


def _shown(value: Any) -> str:
    """A value on one line: text as it is, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value is not None else ""


def entry_lines(entry: Entry) -> list[str]:
    """An entry as lines of text: a header naming it, then one line per value."""
    lines = [f"{ENTRY_HEADER}{entry.get('id', '')} — {entry.get('title', '')}"]
    add = lines.append
    for key in _field_order(entry):
        if key in ("id", "title"):
            continue
        value = entry[key]
        if isinstance(value, str):
            first, *rest = value.split("\n")
            add(f"  {key}: {first}")
            indent = " " * (len(key) + 4)
            lines.extend((indent + line).rstrip() for line in rest)
        elif key == "links" and isinstance(value, list):
            for link in value:
                _link_lines(link, lines)
        elif isinstance(value, list):
            lines.extend(f"  {key}: {_shown(item)}" for item in value)
        else:
            add(f"  {key}: {_shown(value)}")
    return lines


def _link_lines(link: Any, lines: list[str]) -> None:
    if not isinstance(link, dict):
        lines.append(f"  link: {_shown(link)}")
        return
    lines.append(f"  link {link.get('url', '')}")
    for key in sorted(link):
        value = link[key]
        if key == "url":
            continue
        if key == "check" and isinstance(value, dict):
            lines.extend(f"    check.{k}: {_shown(v)}" for k, v in sorted(value.items()))
        else:
            lines.append(f"    {key}: {_shown(value)}")


def catalog_text(image: Image) -> str:
    """The whole catalog as text for ``git diff``: entries in id order, a blank line apart,
    then any merge conflicts it records."""
    entries = sorted(_by_id(image, checks=True).values(), key=lambda e: str(e.get("id", "")))
    blocks = ["\n".join(entry_lines(e)) + "\n\n" for e in entries]
    for c in conflicts_in(image):
        if c["field"] is None:
            _, ours, theirs = entry_sides(c)
        else:
            ours, theirs = (orjson.dumps(c[side]).decode() for side in ("ours", "theirs"))
        blocks.append(f"conflict {c['id']} {c['field'] or '(entry)'}: {ours} / {theirs}\n")
    return "".join(blocks)
