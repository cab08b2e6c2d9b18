"""Tables: one function lays out every table htcat prints, fitted to the terminal.

A table for a person (`TERMINAL_FORMATS`) is cut to the terminal's width.
Columns given a least width (ids: the shortest prefix that names the entry
alone, then ``…``, which every command takes as the id) give way first, down
to it; then the columns that may be cut (titles, tags, details) are shortened
with ``…``, the widest first, never below a readable minimum; dates, types and
URLs are what people copy and are never cut, so a line too narrow even for
them runs long. Where even that does not fit, the other columns that may go
are left out (tags, type, date) and, before the last of them (the title)
would go, ids are cut below their unique prefix. Any other tabulate format is
markup for another program (TSV, HTML, LaTeX, Markdown, wiki tables) and
carries every value whole.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TextIO

from htcat.errors import InputError

TERMINAL_FORMATS = frozenset(
    {
        "plain",
        "simple",
        "grid",
        "simple_grid",
        "rounded_grid",
        "heavy_grid",
        "mixed_grid",
        "double_grid",
        "fancy_grid",
        "outline",
        "simple_outline",
        "rounded_outline",
        "heavy_outline",
        "mixed_outline",
        "double_outline",
        "fancy_outline",
        "presto",
        "pretty",
        "psql",
    }
)
"""Formats drawn for a monospaced screen; the rest of tabulate's are markup."""
MIN_CUT_WIDTH = 12
"""A column that may be cut keeps at least this many characters (or its header's)."""
ELLIPSIS = "…"
_CELL_BREAKS = re.compile("[\t\r\n]")


def is_markup(tablefmt: str) -> bool:
    """Whether ``tablefmt`` is for another program: whole values, and nothing but the table."""
    return tablefmt not in TERMINAL_FORMATS


def terminal_width(stream: TextIO) -> int | None:
    """The width to fit tables to: ``COLUMNS`` if set, else the terminal's; None for unlimited.

    Output that goes to a pipe or a file, with no ``COLUMNS``, is not cut:
    ``htcat list | grep`` sees whole titles, and ``less -S`` scrolls sideways.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream.isatty():
        return shutil.get_terminal_size().columns
    return None


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: two for wide (East Asian) characters."""
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ending in ``…`` where it had to be cut."""
    if display_width(text) <= width:
        return text
    from wcwidth import wcwidth

    kept, used = [], 0
    for char in text:
        used += max(wcwidth(char), 0)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def _overhead(headers: Sequence[str], tablefmt: str) -> int:
    """What a format adds to a line beyond its cells: padding, separators, borders."""
    from tabulate import tabulate

    probe = tabulate([["x"] * len(headers)], headers=["x"] * len(headers), tablefmt=tablefmt)
    return max(map(display_width, probe.splitlines())) - len(headers)


def fitted_widths(
    natural: Sequence[int],
    cuttable: Sequence[bool],
    minimum: Sequence[int],
    budget: int,
    first: Sequence[bool] = (),
    last: Sequence[bool] = (),
) -> list[int]:
    """Column widths within ``budget``: the ``first`` columns give way before the others,
    then the widest cuttable column gives a column first, the ``last`` ones (the title)
    only when no other can."""
    widths = list(natural)
    excess = sum(widths) - budget
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if cuttable[i] and w > minimum[i]]
        if not shrinkable:
            break
        leading = [i for i in shrinkable if i < len(first) and first[i]]
        others = [i for i in shrinkable if not (i < len(last) and last[i])]
        widest = max(leading or others or shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def table(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str],
    tablefmt: str = "simple",
    *,
    cuttable: Collection[str] = (),
    droppable: Sequence[str] = (),
    least: Mapping[str, int] | None = None,
    last: str = "",
    stream: TextIO | None = None,
) -> str:
    """``rows`` under ``headers`` in ``tablefmt``, fitted to ``stream``'s width if for a person.

    ``least`` gives columns that give way first, down to that many columns;
    ``cuttable`` names the columns that may be shortened to fit after them;
    where that is not enough, the ``droppable`` ones are left out, in that order.
    The ``last`` column is cut only when no other cuttable one can give way.
    """
    from tabulate import tabulate, tabulate_formats

    if tablefmt not in tabulate_formats:
        raise InputError(f"--tablefmt {tablefmt!r}: expected one of {', '.join(tabulate_formats)}")
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    if tablefmt == "tsv":
        return tsv(cells, headers)
    width = None if is_markup(tablefmt) else terminal_width(stream or sys.stdout)
    if width is not None and cells:
        headers, cells = _fitted(
            cells, headers, tablefmt, width, cuttable, droppable, least or {}, last
        )
    return tabulate(cells, headers=list(headers), tablefmt=tablefmt, disable_numparse=True)


def _fitted(
    cells: list[list[str]],
    headers: Sequence[str],
    tablefmt: str,
    width: int,
    cuttable: Collection[str],
    droppable: Sequence[str],
    least: Mapping[str, int],
    last: str,
) -> tuple[Sequence[str], list[list[str]]]:
    """The headers and cells that fit ``width``: cut where they may, fewer columns if need be."""
    cells = [[" ".join(value.split()) for value in row] for row in cells]
    natural = [
        max(display_width(h), *(display_width(row[i]) for row in cells))
        for i, h in enumerate(headers)
    ]
    kept = list(range(len(headers)))

    def readable(header: str) -> int:
        return max(MIN_CUT_WIDTH, display_width(header))

    to_drop = [headers.index(name) for name in droppable if name in headers]
    relaxed = False
    while True:
        shown = [headers[i] for i in kept]
        widths = fitted_widths(
            [natural[i] for i in kept],
            [h in cuttable or h in least for h in shown],
            [
                (min(least[h], readable(h)) if relaxed else least[h]) if h in least else readable(h)
                for h in shown
            ],
            width - _overhead(shown, tablefmt),
            [h in least for h in shown],
            [h == last for h in shown],
        )
        if sum(widths) + _overhead(shown, tablefmt) <= width:
            break
        # The last column to drop (the title) stays: the least widths give way before it.
        if least and not relaxed and len(to_drop) <= 1:
            relaxed = True
        elif to_drop:
            kept.remove(to_drop.pop(0))
        else:
            break
    rows = [[cut(row[i], w) for i, w in zip(kept, widths, strict=True)] for row in cells]
    return shown, rows


def unique_prefix_widths(shown: Iterable[str], every: Sequence[str]) -> int:
    """Columns the widest of ``shown`` needs cut to the shortest prefix that names it alone
    among ``every`` (sorted), with its ``…``; a value no shorter prefix names is kept whole."""
    import bisect

    def common(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    needed = 0
    for value in shown:
        at = bisect.bisect_left(every, value)
        neighbours = [*every[max(at - 1, 0) : at], *every[at + 1 : at + 2]]
        prefix = max((common(value, other) for other in neighbours), default=0) + 1
        whole = display_width(value)
        needed = max(needed, whole if prefix + 1 >= whole else prefix + 1)
    return needed


def tsv(cells: Iterable[Sequence[str]], headers: Sequence[str]) -> str:
    """Tab-separated values with nothing added: no padding, one line per row.

    A tab or line break inside a value would start a new cell or row, so it becomes a space.
    """
    lines = ("\t".join(_CELL_BREAKS.sub(" ", value) for value in row) for row in [headers, *cells])
    return "\n".join(lines)
