"""Reading one ``[section]`` of a parsed check policy, with errors that name the key.

The sections each concern reads (``[oembed]``, ``[suggest]``) share these
checks, so a mistyped key or a wrong type reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from htcat.errors import InputError


def policy_section(
    policy: Mapping[str, Any], name: str, keys: tuple[str, ...]
) -> Mapping[str, Any]:
    """``policy[name]`` (empty when absent); InputError unless it is a table of ``keys`` only."""
    section = policy.get(name, {})
    if not isinstance(section, Mapping):
        raise InputError(f"[{name}]: expected a table")
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise InputError(f"[{name}] {unknown[0]}: unknown key; expected {' or '.join(keys)}")
    return section


def policy_flag(section: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
    """``section[key]`` as a boolean, ``default`` when absent."""
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"[{name}] {key} {value!r}: expected true or false")
    return value
