"""Spreadsheets as people save them: the delimiter, the column names, the dates.

LibreOffice and Excel save CSV in their users' conventions: semicolons where
the comma is the decimal mark, a header of their own words (``URL``,
``Author(s)``, ``Year``), dates as the cell shows them (``3/15/2024``,
``15.03.24``). This module reads those conventions for the CSV reader and
says, for a dry run, how it read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from htcat.errors import FieldProblem, InputError, InvalidEntry
from htcat.formats.records import SourceRow
from htcat.model import KNOWN_FIELDS, is_calendar_date

DATE_ORDERS = ("mdy", "dmy")
"""How a spreadsheet's numeric date is ordered: month first (3/15/2024) or day first."""
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
"""The delimiters a CSV input may use, by the names ``--delimiter`` takes."""
COLUMN_NAMES = {
    "url": "links",
    "urls": "links",
    "link": "links",
    "keywords": "tags",
    "keyword": "tags",
    "tag": "tags",
    "author": "people",
    "authors": "people",
    "author(s)": "people",
    "year": "date",
    "date published": "date",
    "publication date": "date",
    "abstract": "summary",
    "description": "summary",
    "audience": "audiences",
}
"""Column names spreadsheets commonly use, compared case-blind, and the field each holds."""
_NUMERIC_DATE_RE = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})$")
"""``3/15/2024`` or ``15.3.2024``: the dates spreadsheets write in their users' locales
(``03/15/24`` as LibreOffice shows and saves a date in its default format)."""
TWO_DIGIT_YEARS_FROM = 1930
"""A two-digit year is read in 1930 to 2029, the window LibreOffice and Excel both use."""


@dataclass(frozen=True)
class Layout:
    """How a CSV input is read: its delimiter, and the field each column holds."""

    delimiter: str
    columns: tuple[tuple[str, str], ...]
    """Each column's name as the header gives it, with the field it fills."""

    def describe(self) -> str:
        """``';'-separated; columns: Title → title, URL → links`` for a dry run."""
        named = next(name for name, char in DELIMITERS.items() if char == self.delimiter)
        mapped = ", ".join(
            f"{name.strip()} → {field}" if field in KNOWN_FIELDS else f"{name.strip()} (unknown)"
            for name, field in self.columns
        )
        return f"{named}-separated; columns: {mapped}"


def delimiter_named(name: str) -> str:
    """The delimiter ``--delimiter`` names: ``comma``, ``semicolon``, ``tab`` or the character."""
    if name in DELIMITERS:
        return DELIMITERS[name]
    if name in DELIMITERS.values():
        return name
    if name == "\\t":
        return "\t"
    raise InputError(
        f"--delimiter {name!r}: expected one of {', '.join(DELIMITERS)} (or , ; and \\t)"
    )


def sniffed_delimiter(text: str) -> str:
    """The delimiter the header row uses most, outside quotes: comma when none is used."""
    header = _QUOTED.sub("", text.partition("\n")[0])
    counts = {char: header.count(char) for char in DELIMITERS.values()}
    best = max(counts, key=lambda char: counts[char])
    return best if counts[best] else ","


_QUOTED = re.compile(r'"[^"]*"')


def header_fields(header: list[str], source: str) -> tuple[tuple[str, str], ...]:
    """Each column's name and the field it holds; names are matched case-blind.

    A known field's name or a common spreadsheet name (`COLUMN_NAMES`) gives
    that field. A column htcat does not know is a field of its own name; the
    rows that fill it carry the problem unless it is kept (``--keep-unknown``).
    """
    known = {f.lower(): f for f in KNOWN_FIELDS} | COLUMN_NAMES
    columns: list[tuple[str, str]] = []
    seen: dict[str, tuple[int, str]] = {}
    for number, name in enumerate(header, 1):
        name = name.strip()
        if not name:
            raise InputError(f"{source} column {number} has no name in the header row")
        field = known.get(" ".join(name.lower().split()), name)
        if field in seen:
            first, first_name = seen[field]
            same = " ".join(first_name.lower().split()) == " ".join(name.lower().split())
            both = (
                f"{field!r} appears twice"
                if same
                else f"{first_name!r} and {name!r} both hold {field}"
            )
            raise InputError(f"{source}: column {both} (columns {first} and {number})")
        seen[field] = (number, name)
        columns.append((name, field))
    return tuple(columns)


def date_readings(text: str, order: str | None = None) -> dict[str, str] | None:
    """The calendar dates a spreadsheet's ``M/D/YYYY`` or ``D.M.YYYY`` can be, by order.

    None when ``text`` has neither form. A two-digit year is read in 1930 to 2029.
    Dots are day first, as wherever they are written; slashes are month first in
    the United States and day first elsewhere, so both orders are tried unless
    ``order`` (``mdy`` or ``dmy``) says which. A date no order makes real gives
    an empty dict.
    """
    match = _NUMERIC_DATE_RE.match(text.strip())
    if not match:
        return None
    first, separator, second, year = match.groups()
    if len(year) == 2:
        century = TWO_DIGIT_YEARS_FROM // 100 * 100
        full = century + int(year)
        year = str(full if full >= TWO_DIGIT_YEARS_FROM else full + 100)
    if order is None and separator == ".":
        order = "dmy"
    readings = {
        reading: f"{year}-{int(month):02d}-{int(day):02d}"
        for reading, (month, day) in (("mdy", (first, second)), ("dmy", (second, first)))
        if order in (None, reading)
    }
    return {reading: date for reading, date in readings.items() if is_calendar_date(date)}


def iso_date(text: str, order: str | None = None) -> str:
    """A spreadsheet's ``M/D/YYYY`` or ``D.M.YYYY`` as ``YYYY-MM-DD``; any other text as it is.

    Read as `date_readings` reads it when only one day is possible (``3/15/2024``,
    ``3/3/2024``); else refused with each reading and the way to choose named.
    """
    dates = date_readings(text, order)
    if dates is None:
        return text
    if len(set(dates.values())) == 1:
        return next(iter(dates.values()))
    if not dates:
        reason = "is not a calendar date; write it as YYYY-MM-DD"
    else:
        reason = (
            f"could be {dates['mdy']} (--date-order mdy) or {dates['dmy']} (--date-order dmy); "
            "write it as YYYY-MM-DD or give --date-order"
        )
    raise InvalidEntry([FieldProblem("date", text, reason)])


class Dates:
    """Reads a date column as a person does: where a slashed date could be either of two
    days, the order the file's other slashed dates show (``3/15/2024``) decides it."""

    def __init__(self, order: str | None) -> None:
        self.order = order
        self.shown: set[str] = set()
        self.pending: list[tuple[int, str]] = []
        """Rows (by index) whose date only the file's order can settle, with that date."""

    def read(self, cell: str, index: int, problems: list[FieldProblem]) -> str:
        readings = date_readings(cell, self.order)
        if readings is None:
            return cell
        if len(set(readings.values())) == 1:
            if len(readings) == 1 and "/" in cell and self.order is None:
                self.shown.update(readings)
            return next(iter(readings.values()))
        if readings:
            self.pending.append((index, cell))
            return cell
        problems.extend(_refusal(cell, self.order))
        return ""

    def settled(self, rows: list[SourceRow]) -> list[SourceRow]:
        """``rows`` with each pending date read in the file's order, or refused without one."""
        order = next(iter(self.shown)) if len(self.shown) == 1 else None
        for index, cell in self.pending:
            row = rows[index]
            if order is None:
                problems = row.problems + _refusal(cell, None)
                rows[index] = replace(row, data={**row.data, "date": ""}, problems=problems)
                continue
            date = (date_readings(cell, order) or {})[order]
            first = "month" if order == "mdy" else "day"
            warning = f"date {cell!r} read as {date}: {first} first, as the file's other dates"
            rows[index] = replace(
                row, data={**row.data, "date": date}, warnings=(*row.warnings, warning)
            )
        return rows


def _refusal(cell: str, order: str | None) -> tuple[FieldProblem, ...]:
    """Why `iso_date` refuses ``cell``, in its words."""
    try:
        iso_date(cell, order)
    except InvalidEntry as exc:
        return tuple(exc.problems)
    return ()
