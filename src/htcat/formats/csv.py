"""CSV, for spreadsheets: one row per entry, one column per field.

Columns are the entry fields in `KNOWN_FIELDS` order. List fields hold
``;``-separated items; a link is ``label|url|kind`` (or just ``url``), a person
``Family, Given|role|affiliation`` (``{Name}|role`` for an organization).
Inside an item a backslash escapes ``;``, ``|``, ``,`` and itself, so any
text survives the round trip. Tags and audiences are split on ``,`` too, as
people type them (``labor trafficking, agriculture``). A link's ``check``
result is not in CSV (it is in JSON and JSON Lines).

Spreadsheets are read as people save them: comma, semicolon or tab
separated (sniffed from the header row), with common column names
(``URL``, ``Keywords``, ``Author(s)``, ``Year``…) mapped to htcat's fields,
and dates as ``M/D/YYYY`` or ``D.M.YYYY``.

Cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are written with a leading ``'``; the reader
takes one ``'`` off such cells again. A value that already starts with
apostrophes before a formula character gets one more, so it round-trips too.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

import orjson

from htcat.errors import FieldProblem, InputError
from htcat.formats.records import SourceRow, decode_text
from htcat.formats.sheets import Dates, Layout, header_fields, sniffed_delimiter
from htcat.model import KNOWN_FIELDS, MAX_TEXT, Entry
from htcat.people import name_text

ITEM_SEPARATOR = ";"
PART_SEPARATOR = "|"
LIST_COMMA = ","
"""Separates the items of a tags or audiences cell as ``;`` does."""
ESCAPE = "\\"
FORMULA_STARTS = frozenset("=+-@\t\r")
_RISKY_STARTS = "=+-@\t\r'"
"""First characters of the cells `neutralize_formula` may have to change."""
_PLAIN_LISTS = ("audiences", "tags")
_SPECIAL_ORDER = (ESCAPE, ITEM_SEPARATOR, PART_SEPARATOR, LIST_COMMA)
_ESCAPED_PAIRS = tuple(ESCAPE + char for char in _SPECIAL_ORDER)


def neutralize_formula(cell: str) -> str:
    """``cell`` made inert for a spreadsheet: a leading ``'`` when it could run as a formula."""
    if not cell or cell[0] not in _RISKY_STARTS:
        return cell  # the common case, decided by one character
    if cell.lstrip("'")[:1] in FORMULA_STARTS and cell.lstrip("'"):
        return "'" + cell
    return cell


def restore_formula(cell: str) -> str:
    """The inverse of `neutralize_formula`: one ``'`` taken off a neutralized cell."""
    if cell.startswith("'") and cell.lstrip("'")[:1] in FORMULA_STARTS and cell.lstrip("'"):
        return cell[1:]
    return cell


def escape_part(text: str, *, commas: bool = False) -> str:
    """``text`` with ``\\``, ``;`` and ``|`` (and ``,`` with ``commas``) escaped, to
    stand inside a list cell."""
    if (
        ESCAPE not in text
        and ITEM_SEPARATOR not in text
        and PART_SEPARATOR not in text
        and not (commas and LIST_COMMA in text)
    ):
        return text
    escaped = (
        text.replace(ESCAPE, ESCAPE * 2)
        .replace(ITEM_SEPARATOR, ESCAPE + ITEM_SEPARATOR)
        .replace(PART_SEPARATOR, ESCAPE + PART_SEPARATOR)
    )
    return escaped.replace(LIST_COMMA, ESCAPE + LIST_COMMA) if commas else escaped


def join_items(items: Iterable[Iterable[str]], *, commas: bool = False) -> str:
    """A list cell: items separated by ``;``, each item's parts by ``|``, all escaped
    (``,`` too with ``commas``, for the cells `split_items` splits on it)."""
    listed = [parts if isinstance(parts, list) else list(parts) for parts in items]
    if not listed:
        return ""
    plain = ITEM_SEPARATOR.join(PART_SEPARATOR.join(parts) for parts in listed)
    # Joined as they are, the parts hold no separator or escape of their own exactly when
    # the cell holds only the separators the join put there: nothing to escape.
    if (
        ESCAPE not in plain
        and plain.count(ITEM_SEPARATOR) == len(listed) - 1
        and plain.count(PART_SEPARATOR) == sum(len(parts) for parts in listed) - len(listed)
        and not (commas and LIST_COMMA in plain)
    ):
        return plain
    return ITEM_SEPARATOR.join(
        PART_SEPARATOR.join(escape_part(part, commas=commas) for part in parts) for parts in listed
    )


def split_items(cell: str, *, parts: bool = True, commas: bool = False) -> list[list[str]]:
    """The items of a list cell, each as its ``|``-separated parts, unescaped and trimmed.

    Empty items are dropped. With ``parts`` false an unescaped ``|`` is plain
    text; with ``commas`` an unescaped ``,`` separates items as ``;`` does. A
    backslash before any other character is kept as it is, so a hand-written
    ``C:\\Reports`` is read as written.
    """
    marks = ""
    if ESCAPE in cell:
        # Each escape pair becomes a character the cell does not hold, for the split.
        marks = "".join(_free_characters(cell, len(_ESCAPED_PAIRS)))
        for mark, pair in zip(marks, _ESCAPED_PAIRS, strict=True):
            cell = cell.replace(pair, mark)
    if commas:
        cell = cell.replace(LIST_COMMA, ITEM_SEPARATOR)
    result = []
    for item in cell.split(ITEM_SEPARATOR):
        stripped = [p.strip() for p in item.split(PART_SEPARATOR)] if parts else [item.strip()]
        if any(stripped):
            result.append(stripped)
    if marks:
        table = str.maketrans(dict(zip(marks, _SPECIAL_ORDER, strict=True)))
        result = [[p.translate(table) for p in item] for item in result]
    return result


def _free_characters(text: str, count: int) -> list[str]:
    """``count`` private-use characters that do not occur in ``text``."""
    free: list[str] = []
    code = 0xE000
    while len(free) < count:
        if chr(code) not in text:
            free.append(chr(code))
        code += 1
    return free


def _link_cell(link: Any) -> list[str]:
    if not isinstance(link, dict):
        return [str(link)]
    return [str(link.get(key) or "") for key in ("label", "url", "kind")]


def _person_cell(person: Any) -> list[str]:
    if not isinstance(person, dict):
        return [str(person)]
    return [name_text(person), *(str(person.get(key) or "") for key in ("role", "affiliation"))]


def cell_text(field: str, value: Any) -> str:
    """The text of one cell for ``field``, before formula neutralizing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if field == "links":
            return join_items(_link_cell(link) for link in value)
        if field == "people":
            return join_items(_person_cell(person) for person in value)
        if field in _PLAIN_LISTS:
            return join_items(([str(item)] for item in value), commas=True)
    return orjson.dumps(value).decode()


def columns_for(entries: Iterable[Entry], *, include_internal: bool) -> list[str]:
    """The header: the known fields in order, then any other field the entries hold, sorted."""
    known = [f for f in KNOWN_FIELDS if include_internal or f != "notes"]
    others = sorted(set(itertools.chain.from_iterable(entries)).difference(KNOWN_FIELDS))
    return known + others


def write(entries: Iterable[Entry], *, include_internal: bool = False) -> bytes:
    """The entries as UTF-8 CSV (no byte-order mark, ``\\n`` line ends)."""
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    write_to(text, entries, include_internal=include_internal)
    text.flush()
    text.detach()
    return out.getvalue()


def write_csv(entries: Iterable[Entry], *, include_internal: bool = False) -> str:
    """The entries as CSV text: a header row, then one row per entry."""
    out = io.StringIO()
    write_to(out, entries, include_internal=include_internal)
    return out.getvalue()


def write_to(out: TextIO, entries: Iterable[Entry], *, include_internal: bool = False) -> None:
    """Write the entries to ``out`` as CSV: a header row, then one row per entry.

    Rows go to ``out`` a batch at a time: no copy of the entries, no list of rows.
    """
    entries = entries if isinstance(entries, list) else list(entries)
    columns = columns_for(entries, include_internal=include_internal)
    out.write(csv_line(columns))
    for start in range(0, len(entries), _BATCH):
        out.write("".join(_lines(entries[start : start + _BATCH], columns)))


_BATCH = 1_000


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record with its ``\\n``: htcat's one CSV writer, for exports and reports.

    Cells are quoted as the ``csv`` module quotes (RFC 4180): when one holds a
    comma, a quote or a line break (``\\r`` too, which the ``csv`` module
    leaves bare when the line end is ``\\n``), a quote doubled. Values go
    through `neutralize_formula` first; a header of field names need not.
    """
    quoted = []
    for cell in cells:
        if '"' in cell:
            cell = '"' + cell.replace('"', '""') + '"'
        elif "," in cell or "\n" in cell or "\r" in cell:
            cell = '"' + cell + '"'
        quoted.append(cell)
    return ",".join(quoted) + "\n"


def _lines(entries: Iterable[Entry], columns: list[str]) -> Iterator[str]:
    """Each entry as one CSV record: list cells joined, formulas made inert, then `csv_line`."""
    risky = _RISKY_STARTS
    for entry in entries:
        cells = []
        for column in columns:
            value = entry.get(column)
            text = value if value.__class__ is str else cell_text(column, value)
            if text and text[0] in risky:
                text = neutralize_formula(text)
            cells.append(text)
        yield csv_line(cells)


def layout(data: bytes, delimiter: str | None = None) -> Layout:
    """How `read` reads ``data``: the delimiter given or sniffed, and the header's fields."""
    text = decode_text(data, "input")
    delimiter = delimiter or sniffed_delimiter(text)
    first = next(_records(text, "input", delimiter), None)
    return Layout(delimiter, header_fields(first[1], "input") if first else ())


def _plain_list(cell: str, problems: list[FieldProblem]) -> list[str]:
    return [item[0] for item in split_items(cell, parts=False, commas=True)]


def _parts_reader(
    field: str, shape: str, keys_for: Callable[[int], tuple[str, ...]]
) -> Callable[[str, list[FieldProblem]], list[dict[str, str]]]:
    """A reader of ``a|b|c`` items (links, people): at most three parts, named by count."""

    def read(cell: str, problems: list[FieldProblem]) -> list[dict[str, str]]:
        items = []
        for parts in split_items(cell):
            if len(parts) > 3:
                reason = f"expected {shape} (write \\| for a |)"
                problems.append(FieldProblem(field, cell, reason))
                continue
            items.append(dict(zip(keys_for(len(parts)), parts, strict=False)))
        return items

    return read


_links = _parts_reader(
    "links", "URL or LABEL|URL|KIND", lambda n: ("url",) if n == 1 else ("label", "url", "kind")
)
_people = _parts_reader(
    "people", "NAME|ROLE|AFFILIATION", lambda n: ("name", "role", "affiliation")
)


_LIST_READERS: dict[str, Callable[[str, list[FieldProblem]], list[Any]]] = {
    "audiences": _plain_list,
    "tags": _plain_list,
    "links": _links,
    "people": _people,
}


def _records(text: str, source: str, delimiter: str) -> Iterator[tuple[int, list[str], str]]:
    """Each CSV record with the line it starts on and its text as it stands in ``text``.

    A broken quote is an error at its row.
    """
    csv.field_size_limit(max(csv.field_size_limit(), 2 * MAX_TEXT))
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"{source} line {line}: {exc} — check the quotes of the row that starts there"
            ) from None
        yield line, record, "".join(consumed)
        consumed.clear()


def header_text(data: bytes, delimiter: str | None = None) -> str:
    """The header row of a CSV input as it stands in it, line end included ("" if none)."""
    text = decode_text(data, "input")
    first = next(_records(text, "input", delimiter or sniffed_delimiter(text)), None)
    return first[2] if first else ""


def read(
    data: bytes,
    source: str = "input",
    *,
    delimiter: str | None = None,
    date_order: str | None = None,
    keep_raw: bool = False,
) -> list[SourceRow]:
    """The rows of a CSV file: UTF-8 with or without BOM, ``\\n`` or ``\\r\\n``.

    The ``delimiter`` is sniffed from the header row unless given; dates are
    read by `date_readings`, in ``date_order`` when given, else in the order the
    file's unambiguous dates show (with a warning), else refused where ambiguous.
    Blank rows are skipped, and so are the empty cells of columns htcat does not
    know. A row with more or fewer cells than the header is returned with a
    problem, so that every bad row can be reported at once. With ``keep_raw``
    each row carries its lines as they stand in the file.
    """
    text = decode_text(data, source)
    records = _records(text, source, delimiter or sniffed_delimiter(text))
    first = next(records, None)
    if first is None:
        raise InputError(f"{source} is empty: expected a header row naming the columns")
    fields = [field for _, field in header_fields(first[1], source)]
    if not {"title", "id", "links"}.intersection(fields):
        raise InputError(
            f"{source}: no title column (the header is {', '.join(map(repr, first[1]))})"
        )
    list_readers = [_LIST_READERS.get(field) for field in fields]
    dates = Dates(date_order)
    rows: list[SourceRow] = []
    for number, (line, record, text_of_row) in enumerate(records, 2):
        if not any(cell.strip() for cell in record):
            continue
        raw = text_of_row if keep_raw else ""
        where = f"row {number} (line {line})"
        if len(record) != len(fields):
            problem = FieldProblem(
                "row", f"{len(record)} cells", f"the header has {len(fields)} columns"
            )
            rows.append(SourceRow(where, {}, (problem,), raw=raw))
            continue
        problems: list[FieldProblem] = []
        row: dict[str, Any] = {}
        for field, list_reader, cell in zip(fields, list_readers, record, strict=True):
            if cell.startswith("'"):
                cell = restore_formula(cell)
            if list_reader is not None:
                row[field] = list_reader(cell, problems) if cell else []
            elif field == "date" and cell:
                row[field] = dates.read(cell, len(rows), problems)
            elif cell or field in KNOWN_FIELDS:
                row[field] = cell
        rows.append(SourceRow(where, row, tuple(problems), raw=raw))
    return dates.settled(rows)
