"""Moments given as durations on the command line: ``--older-than 7d``, ``--since 2w``."""

from __future__ import annotations

import datetime as dt
import re

from htcat.errors import InputError

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def stamp_before(duration: str, option: str) -> str:
    """The timestamp ``duration`` (``7d``) ago, in the form checks are stamped with."""
    match = _DURATION.match(duration.strip().lower())
    if not match:
        raise InputError(f"{option} {duration!r}: expected a number and s, m, h, d or w: 7d")
    seconds = int(match.group(1)) * _SECONDS[match.group(2)]
    try:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    except OverflowError:
        raise InputError(f"{option} {duration!r}: too long ago") from None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
