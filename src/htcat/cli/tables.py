"""Tables: one function lays out every table htcat prints, fitted to the terminal.

A table for a person (`TERMINAL_FORMATS`) is cut to the terminal's width:
only the columns that may be cut (titles, tags, details) are shortened with
``…``, the widest first, never below a readable minimum; ids, dates, types and
URLs are what people copy and are never cut, so a line too narrow even for
them runs long. Any other tabulate format is markup for another program (TSV,
HTML, LaTeX, Markdown, wiki tables) and carries every value whole.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Collection, Iterable, Sequence
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
    natural: Sequence[int], cuttable: Sequence[bool], minimum: Sequence[int], budget: int
) -> list[int]:
    """Column widths within ``budget``: the widest cuttable column gives a column first."""
    widths = list(natural)
    excess = sum(widths) - budget
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if cuttable[i] and w > minimum[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
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
    stream: TextIO | None = None,
) -> str:
    """``rows`` under ``headers`` in ``tablefmt``, fitted to ``stream``'s width if for a person.

    ``cuttable`` names the columns that may be shortened to fit; where that is
    not enough, the ``droppable`` ones are left out, in that order.
    """
    from tabulate import tabulate, tabulate_formats

    if tablefmt not in tabulate_formats:
        raise InputError(f"--tablefmt {tablefmt!r}: expected one of {', '.join(tabulate_formats)}")
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    if tablefmt == "tsv":
        return tsv(cells, headers)
    width = None if is_markup(tablefmt) else terminal_width(stream or sys.stdout)
    if width is not None and cells:
        headers, cells = _fitted(cells, headers, tablefmt, width, cuttable, droppable)
    return tabulate(cells, headers=list(headers), tablefmt=tablefmt, disable_numparse=True)


def _fitted(
    cells: list[list[str]],
    headers: Sequence[str],
    tablefmt: str,
    width: int,
    cuttable: Collection[str],
    droppable: Sequence[str],
) -> tuple[Sequence[str], list[list[str]]]:
    """The headers and cells that fit ``width``: cut where they may, fewer columns if need be."""
    cells = [[" ".join(value.split()) for value in row] for row in cells]
    natural = [
        max(display_width(h), *(display_width(row[i]) for row in cells))
        for i, h in enumerate(headers)
    ]
    kept = list(range(len(headers)))
    to_drop = [headers.index(name) for name in droppable if name in headers]
    while True:
        shown = [headers[i] for i in kept]
        widths = fitted_widths(
            [natural[i] for i in kept],
            [h in cuttable for h in shown],
            [max(MIN_CUT_WIDTH, display_width(h)) for h in shown],
            width - _overhead(shown, tablefmt),
        )
        if sum(widths) + _overhead(shown, tablefmt) <= width or not to_drop:
            break
        kept.remove(to_drop.pop(0))
    rows = [[cut(row[i], w) for i, w in zip(kept, widths, strict=True)] for row in cells]
    return shown, rows


def tsv(cells: Iterable[Sequence[str]], headers: Sequence[str]) -> str:
    """Tab-separated values with nothing added: no padding, one line per row.

    A tab or line break inside a value would start a new cell or row, so it becomes a space.
    """
    lines = ("\t".join(_CELL_BREAKS.sub(" ", value) for value in row) for row in [headers, *cells])
    return "\n".join(lines)
