"""Shell completion of what the catalog holds: ids and tags, and the fixed names of types,
statuses, link statuses and link kinds.

The shell runs htcat on every Tab, so these read the catalog the cheapest way
there is (the index, where the catalog has one) and say nothing when they
cannot: a missing or broken catalog completes to nothing, never to an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import typer

from htcat.errors import HtcatError
from htcat.model import LINK_KINDS, STATUSES, TYPES
from htcat.query import LINK_STATUSES
from htcat.store.paths import catalog_path

Completer = Callable[..., list[str]]


def _catalog(ctx: typer.Context) -> Path:
    """The catalog the command line names: ``--db`` as typed so far, else the default."""
    db = ctx.find_root().params.get("db")
    return catalog_path(db)


def _quietly(find: Callable[[], Iterable[str]]) -> list[str]:
    try:
        return list(find())
    except (HtcatError, OSError):
        return []


def complete_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    from htcat.catalog import ids_starting

    return _quietly(lambda: ids_starting(_catalog(ctx), incomplete))


def complete_tags(ctx: typer.Context, incomplete: str) -> list[str]:
    from htcat.catalog import tag_counts

    return _quietly(
        lambda: sorted(t for t, _ in tag_counts(_catalog(ctx)) if t.startswith(incomplete))
    )


def complete_one_of(names: tuple[str, ...]) -> Completer:
    """Completion of a fixed list of names: types, statuses, kinds, file formats."""

    def complete(incomplete: str) -> list[str]:
        return [n for n in names if n.startswith(incomplete)]

    return complete


complete_types = complete_one_of(TYPES)
complete_statuses = complete_one_of(STATUSES)
complete_link_statuses = complete_one_of(LINK_STATUSES)
complete_kinds = complete_one_of(LINK_KINDS)


def complete_link_kind(incomplete: str) -> list[str]:
    """``LABEL|URL|KIND``: once the URL is typed, the kinds after its ``|``."""
    if incomplete.count("|") != 2:
        return []
    head, _, kind = incomplete.rpartition("|")
    return [f"{head}|{k}" for k in LINK_KINDS if k.startswith(kind)]
