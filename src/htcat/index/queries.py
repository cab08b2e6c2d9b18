"""The index's answers in SQL: a page of entries, an entry by id, ids by prefix, tag counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from htcat.model import Entry
from htcat.query import Filters, Order, Page, ordered
from htcat.store.ids import resolve_id

if TYPE_CHECKING:
    import sqlite3

SQLITE_MAX_INT = 2**63 - 1
"""The largest integer SQLite takes; any --limit or --offset beyond it means "all" or "none"."""

_ORDER_SQL = {
    "date": ("date", "id"),
    "title": ("title_key", "id"),
    "type": ("type", "title_key", "id"),
    "updated": ("updated", "id"),
}


def _any_of(terms: Iterable[str]) -> str:
    """An FTS5 query that matches where any of `Keywords`' ``terms`` does.

    A term is words and single spaces only (`htcat.query.tokens`), so quoting
    it cannot go wrong; the ``*`` makes its last word a prefix.
    """
    return "(" + " OR ".join(f'"{term}"*' for term in terms) + ")"


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """SQL for `htcat.query.matches`, clause by clause."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (("type", filters.types), ("status", filters.statuses)):
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    for tag in filters.tags:
        clauses.append("doc_id IN (SELECT doc_id FROM tags WHERE tag = ?)")
        params.append(tag)
    if filters.since or filters.until:
        clauses.append("date != ''")
    if filters.since:
        clauses.append("substr(date, 1, length(?)) >= substr(?, 1, length(date))")
        params += [filters.since, filters.since]
    if filters.until:
        clauses.append("substr(date, 1, length(?)) <= substr(?, 1, length(date))")
        params += [filters.until, filters.until]
    if filters.link_statuses:
        clauses.append(
            "(" + " OR ".join("link_statuses LIKE ?" for _ in filters.link_statuses) + ")"
        )
        params += [f"% {s} %" for s in filters.link_statuses]
    keywords = filters.keywords
    if keywords.groups:
        clauses.append("doc_id IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(" AND ".join(_any_of(group) for group in keywords.groups))
    if keywords.excluded:
        clauses.append("doc_id NOT IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(_any_of(keywords.excluded))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def select_page(conn: sqlite3.Connection, filters: Filters, order: Order) -> Page:
    """The page of indexed entries that ``filters`` and ``order`` give, as `htcat.query.select`."""
    ordered([], order)  # validates the sort key exactly as the in-memory path does
    where, params = _where(filters)
    newest_first = order.sort in ("date", "updated")
    direction = "DESC" if newest_first != order.reverse else "ASC"
    order_by = ", ".join(f"{c} {direction}" for c in _ORDER_SQL[order.sort])
    total = conn.execute(f"SELECT count(*) FROM entries{where}", params).fetchone()[0]
    limit = -1 if order.limit is None else min(order.limit, SQLITE_MAX_INT)
    rows = conn.execute(
        f"SELECT body FROM entries{where} ORDER BY {order_by} LIMIT ? OFFSET ?",
        [*params, limit, min(order.offset, SQLITE_MAX_INT)],
    ).fetchall()
    return Page([orjson.loads(r[0]) for r in rows], total, order.offset)


def entry_named(conn: sqlite3.Connection, prefix: str) -> Entry:
    """The indexed entry whose id is or begins with ``prefix``."""
    rows = conn.execute(
        "SELECT id FROM entries WHERE id = ? OR (id > ? AND id < ?) ORDER BY id LIMIT 12",
        (prefix, prefix, prefix + "\U0010ffff"),
    ).fetchall()
    ident = resolve_id(
        prefix,
        [r[0] for r in rows],
        lambda: (r[0] for r in conn.execute("SELECT id FROM entries")),
    )
    body = conn.execute("SELECT body FROM entries WHERE id = ?", (ident,)).fetchone()[0]
    entry: Entry = orjson.loads(body)
    return entry


def ids_starting(conn: sqlite3.Connection, prefix: str) -> list[str]:
    """The indexed ids that begin with ``prefix``, A to Z."""
    rows = conn.execute(
        "SELECT id FROM entries WHERE id >= ? AND id < ? ORDER BY id",
        (prefix, prefix + "\U0010ffff"),
    ).fetchall()
    return [r[0] for r in rows]


def tag_counts(conn: sqlite3.Connection) -> Iterator[tuple[str, int]]:
    """Every indexed tag with the number of entries that carry it."""
    yield from conn.execute("SELECT tag, count(*) FROM tags GROUP BY tag").fetchall()
