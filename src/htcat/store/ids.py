"""Which entry an id, or the start of one, names; and the ids a mistyped one looks like."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from htcat.errors import CatalogError, InputError


def resolve_id(prefix: str, found: list[str], every_id: Callable[[], Iterable[str]] = tuple) -> str:
    """The one id among ``found`` (the ids that begin with ``prefix``, once per entry
    holding each) that ``prefix`` names; an id two entries hold names neither.

    When none does, the message offers the ids of ``every_id()`` closest to ``prefix``.
    """
    distinct = list(dict.fromkeys(found))
    if prefix in distinct:
        ident = prefix
    elif len(distinct) == 1:
        ident = distinct[0]
    elif not distinct:
        close = close_ids(prefix, every_id())
        offered = " or ".join(filter(None, (", ".join(close[:-1]), *close[-1:])))
        hint = f"; did you mean {offered}?" if close else ""
        raise InputError(f"no entry with id {prefix!r}{hint}")
    else:
        shown = ", ".join(distinct[:10]) + (", …" if len(distinct) > 10 else "")
        raise InputError(f"id {prefix!r} is ambiguous: {shown}")
    if found.count(ident) > 1:
        raise shared_id_error(ident, found.count(ident))
    return ident


def shared_id_error(ident: str, count: int) -> CatalogError:
    """Two entries with one id (a hand edit): acting on either could lose the other."""
    return CatalogError(
        f"id {ident!r} is held by {count} entries; give one of them another id by hand "
        "('htcat doctor' lists such problems) — nothing done"
    )


CLOSE_IDS = 3
CLOSE_ENOUGH = 0.75
"""How alike (difflib's ratio) a mistyped id and the start of an id must be to be offered."""


def close_ids(prefix: str, ids: Iterable[str]) -> list[str]:
    """The ids (at most `CLOSE_IDS`) that ``prefix`` most looks like a mistyped start of.

    A user types the start of an id, so each id is compared by as much of its
    start as was typed (and one character more, for a letter left out):
    ``htla-clas-6`` is close to ``htla-class-6-recommendations-report``.
    """
    import difflib

    by_start: dict[str, list[str]] = {}
    for ident in ids:
        for start in {ident[: len(prefix)], ident[: len(prefix) + 1]}:
            by_start.setdefault(start, []).append(ident)
    starts = difflib.get_close_matches(prefix, by_start, CLOSE_IDS, CLOSE_ENOUGH)
    close = dict.fromkeys(ident for start in starts for ident in sorted(by_start[start]))
    return list(close)[:CLOSE_IDS]
