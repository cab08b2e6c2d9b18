"""How deep an entry's lists and objects nest: bounded, so every JSON writer can write it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_NESTING = 100
"""Levels of lists and objects one field may hold: far beyond real data, far below the
depth at which JSON writers give up (orjson at 255 for a whole catalog)."""


TOO_DEEP = MAX_NESTING + 1
"""An entry (itself a level) holding a non-empty list or object this many levels down is
nested too deep."""

_CONTAINERS = (dict, list)
"""A tuple, not ``dict | list``: isinstance is faster with one, on every entry read."""


def nested_deeper(value: object, limit: int) -> bool:
    """Whether ``value`` holds lists or objects more than ``limit`` levels deep.

    It walks lists and objects only (a non-empty one ``limit`` levels down is
    too deep), so that it is cheap enough for every entry of every file read.
    """
    level: list[Any] = [value] if isinstance(value, _CONTAINERS) else []
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, _CONTAINERS)
        ]
        if not level:
            return False
    return any(level)


def too_deep(raw: Mapping[str, Any]) -> list[str]:
    """The fields of ``raw`` holding lists or objects more than MAX_NESTING levels deep."""
    return [
        key
        for key, value in raw.items()
        if isinstance(value, dict | list) and nested_deeper(value, MAX_NESTING)
    ]
