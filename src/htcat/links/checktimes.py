"""When each link was last checked: a local file beside the catalog, never committed.

The catalog holds each link's state, which changes only when the link does;
the moment of every check changes every night, so it lives here, where
``--older-than`` reads it and git never sees it (``htcat git setup`` ignores
every ``.catalog.json.*`` file). Losing the file costs one full check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson

from htcat.store.fs import write_file_atomically

LinkKey = tuple[str, str]
"""A link as a check asks for it: its URL and kind."""


def check_times_path(catalog: Path) -> Path:
    """``data/.catalog.json.checked`` for ``data/catalog.json``."""
    return catalog.with_name(f".{catalog.name}.checked")


def read_check_times(catalog: Path) -> dict[LinkKey, str]:
    """Each link's last check moment; nothing for a missing or unreadable file.

    The file is a cache of moments: a damaged one only makes links due again.
    """
    try:
        raw = orjson.loads(check_times_path(catalog).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(raw, dict):
        return {}
    times: dict[LinkKey, str] = {}
    for kind, urls in raw.items():
        if isinstance(urls, dict):
            for url, stamp in urls.items():
                if isinstance(stamp, str):
                    times[(url, kind)] = stamp
    return times


def record_check_times(
    catalog: Path, checked: Iterable[tuple[LinkKey, str]], legacy: Mapping[LinkKey, str]
) -> None:
    """Add this run's check moments (and moments older catalogs kept on links) to the file.

    Two runs finishing at once may lose one's moments: those links are only
    checked again sooner.
    """
    times = {**legacy, **read_check_times(catalog)}
    times.update(checked)
    by_kind: dict[str, dict[str, str]] = {}
    for (url, kind), stamp in sorted(times.items()):
        by_kind.setdefault(kind, {})[url] = stamp
    write_file_atomically(check_times_path(catalog), orjson.dumps(by_kind), what="check-times file")
