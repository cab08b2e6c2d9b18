"""Every filter and sort key, once: its SQL over the index beside its test of an entry in memory.

A catalog too small for an index is selected from in memory, a large one in
SQL; both must give the same page. So each filter is one object that knows
both forms, and each sort key is a list of the index's columns, compared in
SQL as stored and in memory as `htcat.index.rows.COLUMNS` computes them from
the entry: one definition, which cannot drift from the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from htcat.errors import InputError
from htcat.index.entries import entries_of
from htcat.index.rows import COLUMNS
from htcat.model import Entry
from htcat.query import Filters, Order, Page, keywords_match, link_statuses, search_text

if TYPE_CHECKING:
    import sqlite3

SQLITE_MAX_INT = 2**63 - 1
"""The largest integer SQLite takes; any --limit or --offset beyond it means "all" or "none"."""


@dataclass(frozen=True)
class Clause:
    """A condition of a ``WHERE``, with the values of its ``?``."""

    sql: str
    params: tuple[Any, ...] = ()


class Filter(Protocol):
    """One filter: whether it is asked for, and how an entry passes it in memory and in SQL."""

    def asked(self, filters: Filters) -> bool: ...

    def passes(self, entry: Entry, filters: Filters) -> bool: ...

    def clauses(self, filters: Filters) -> list[Clause]: ...


@dataclass(frozen=True)
class OneOf:
    """The entry's value of one column is one of those asked for (``--type``, ``--status``)."""

    column: str
    wanted: Callable[[Filters], tuple[str, ...]]

    def asked(self, filters: Filters) -> bool:
        return bool(self.wanted(filters))

    def passes(self, entry: Entry, filters: Filters) -> bool:
        return COLUMNS[self.column](entry) in self.wanted(filters)

    def clauses(self, filters: Filters) -> list[Clause]:
        values = self.wanted(filters)
        return [Clause(f"{self.column} IN ({','.join('?' * len(values))})", values)]


class EveryTag:
    """The entry carries every tag asked for (``--tag``, repeatable)."""

    def asked(self, filters: Filters) -> bool:
        return bool(filters.tags)

    def passes(self, entry: Entry, filters: Filters) -> bool:
        return set(filters.tags) <= set(entry.get("tags", ()))

    def clauses(self, filters: Filters) -> list[Clause]:
        return [
            Clause("doc_id IN (SELECT doc_id FROM tags WHERE tag = ?)", (tag,))
            for tag in filters.tags
        ]


class Period:
    """The entry's date lies within ``--since`` and ``--until``, both included, compared at the
    shorter precision: ``--until 2021`` takes in ``2021-06-30``, and ``--since 2021-06`` an
    entry dated only ``2021``. An entry with no date lies in no period."""

    def asked(self, filters: Filters) -> bool:
        return bool(filters.since or filters.until)

    def passes(self, entry: Entry, filters: Filters) -> bool:
        date, since, until = COLUMNS["date"](entry), filters.since, filters.until
        if not date:
            return False
        if since and date[: len(since)] < since[: len(date)]:
            return False
        return not (until and date[: len(until)] > until[: len(date)])

    def clauses(self, filters: Filters) -> list[Clause]:
        found = [Clause("date != ''")]
        if filters.since:
            found.append(
                Clause(
                    "substr(date, 1, length(?)) >= substr(?, 1, length(date))",
                    (filters.since, filters.since),
                )
            )
        if filters.until:
            found.append(
                Clause(
                    "substr(date, 1, length(?)) <= substr(?, 1, length(date))",
                    (filters.until, filters.until),
                )
            )
        return found


class AnyLinkStatus:
    """The entry has a link of one of the statuses asked for (``--link-status``)."""

    def asked(self, filters: Filters) -> bool:
        return bool(filters.link_statuses)

    def passes(self, entry: Entry, filters: Filters) -> bool:
        return bool(link_statuses(entry) & set(filters.link_statuses))

    def clauses(self, filters: Filters) -> list[Clause]:
        wanted = filters.link_statuses
        sql = " OR ".join("link_statuses LIKE ?" for _ in wanted)
        return [Clause(f"({sql})", tuple(f"% {status} %" for status in wanted))]


class KeywordQuery:
    """The entry's searched text holds what the keyword query asks for; in SQL, the full-text
    table of the index finds the same words (`htcat.fulltext`)."""

    def asked(self, filters: Filters) -> bool:
        return bool(filters.keywords)

    def passes(self, entry: Entry, filters: Filters) -> bool:
        return keywords_match(filters.keywords, search_text(entry))

    def clauses(self, filters: Filters) -> list[Clause]:
        keywords, found = filters.keywords, []
        if keywords.groups:
            match = " AND ".join(any_of_terms(group) for group in keywords.groups)
            sql = "words_rowid IN (SELECT rowid FROM words WHERE words MATCH ?)"
            found.append(Clause(sql, (match,)))
        if keywords.excluded:
            found.append(
                Clause(
                    "words_rowid NOT IN (SELECT rowid FROM words WHERE words MATCH ?)",
                    (any_of_terms(keywords.excluded),),
                )
            )
        return found


def any_of_terms(terms: Iterable[str]) -> str:
    """An FTS5 query that matches where any of `Keywords`' ``terms`` does.

    A term is words and single spaces only (`htcat.query.tokens`), so quoting
    it cannot go wrong; the ``*`` makes its last word a prefix.
    """
    return "(" + " OR ".join(f'"{term}"*' for term in terms) + ")"


FILTERS: tuple[Filter, ...] = (
    OneOf("type", lambda filters: filters.types),
    OneOf("status", lambda filters: filters.statuses),
    EveryTag(),
    Period(),
    AnyLinkStatus(),
    KeywordQuery(),
)
"""Every filter of `htcat.query.Filters`; an entry must pass each one asked for."""


def matches(entry: Entry, filters: Filters) -> bool:
    """Whether ``entry`` passes every filter."""
    return all(f.passes(entry, filters) for f in FILTERS if f.asked(filters))


def where(filters: Filters) -> tuple[str, list[Any]]:
    """The ``WHERE`` of the index's entries that pass every filter (empty for none)."""
    clauses = [c for f in FILTERS if f.asked(filters) for c in f.clauses(filters)]
    if not clauses:
        return "", []
    return " WHERE " + " AND ".join(c.sql for c in clauses), [p for c in clauses for p in c.params]


@dataclass(frozen=True)
class SortKey:
    """The index's columns a sort compares, in turn, and its natural direction."""

    columns: tuple[str, ...]
    newest_first: bool = False

    def of(self, entry: Entry) -> tuple[str, ...]:
        """What the sort compares of an entry in memory: its values of the same columns."""
        return tuple(COLUMNS[column](entry) for column in self.columns)


SORT_KEYS = {
    "date": SortKey(("date", "id"), newest_first=True),
    "title": SortKey(("title_key", "id")),
    "type": SortKey(("type", "title_key", "id")),
    "updated": SortKey(("updated", "id"), newest_first=True),
}
"""Dates newest first, text A to Z; ``--reverse`` flips either. The id breaks ties."""


def sort_key(order: Order) -> SortKey:
    """The sort ``order`` names; refused by name when there is none."""
    found = SORT_KEYS.get(order.sort)
    if found is None:
        raise InputError(f"--sort {order.sort!r}: expected one of {', '.join(SORT_KEYS)}")
    return found


def check_paging(order: Order) -> None:
    """Refuse a negative ``--limit`` or ``--offset`` by name."""
    if order.limit is not None and order.limit < 0:
        raise InputError(f"--limit {order.limit}: must be 0 or more")
    if order.offset < 0:
        raise InputError(f"--offset {order.offset}: must be 0 or more")


def ordered(entries: Iterable[Entry], order: Order) -> list[Entry]:
    """Sorted by ``order.sort``: dates newest first, text A to Z; ``reverse`` flips."""
    key = sort_key(order)
    return sorted(entries, key=key.of, reverse=key.newest_first != order.reverse)


def select(entries: Iterable[Entry], filters: Filters, order: Order) -> Page:
    """The page of entries that match ``filters``, sorted and cut by ``order``, in memory."""
    check_paging(order)
    found = [e for e in entries if matches(e, filters)] if not filters.empty else list(entries)
    ranked = ordered(found, order)
    end = None if order.limit is None else order.offset + order.limit
    return Page(ranked[order.offset : end], len(ranked), order.offset)


def select_indexed(
    conn: sqlite3.Connection, filters: Filters, order: Order, file: BinaryIO
) -> Page:
    """The same page as `select`, asked of the index of the catalog open as ``file``;
    `NotAsIndexed` if the file changed meanwhile."""
    check_paging(order)
    key = sort_key(order)
    condition, params = where(filters)
    direction = "DESC" if key.newest_first != order.reverse else "ASC"
    order_by = ", ".join(f"{column} {direction}" for column in key.columns)
    total = conn.execute(f"SELECT count(*) FROM entries{condition}", params).fetchone()[0]
    limit = -1 if order.limit is None else min(order.limit, SQLITE_MAX_INT)
    rows = conn.execute(
        f"SELECT doc_id, body FROM entries{condition} ORDER BY {order_by} LIMIT ? OFFSET ?",
        [*params, limit, min(order.offset, SQLITE_MAX_INT)],
    ).fetchall()
    return Page(entries_of(conn, rows, file), total, order.offset)


def indexed_doc_ids(conn: sqlite3.Connection, filters: Filters) -> list[int]:
    """The document ids of the index's entries that pass ``filters``, in the order of their
    keys in a canonical file (the order a whole read gives)."""
    condition, params = where(filters)
    rows = conn.execute(
        f"SELECT doc_id FROM entries{condition} ORDER BY CAST(doc_id AS TEXT)", params
    )
    return [row[0] for row in rows]
