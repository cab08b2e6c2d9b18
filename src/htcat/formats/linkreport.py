"""The report of a check or fetch: one row per link, as a table, JSON, JSON Lines, CSV or Markdown.

A row is the link's stored ``check`` as it will be after the run (with the
entry, URL and kind in front), so the report and the catalog never disagree.
The link library returns results; this module renders them, with the CSV
writer and the Markdown escaper the other formats use. The CLI only chooses
where the text goes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from htcat.formats.csv import csv_line, neutralize_formula
from htcat.formats.markdown import escape_inline
from htcat.links.results import HOST_BUSY, INCONCLUSIVE, OUTCOMES, CheckResult, merge_check
from htcat.plurals import counted

REPORT_FORMATS = ("table", "json", "jsonl", "csv", "markdown")

REPORT_COLUMNS = (
    "entry_id",
    "url",
    "kind",
    "outcome",
    "status",
    "final_url",
    "moved_to",
    "redirects",
    "content_type",
    "size",
    "error",
    "warning",
    "checked",
    "failures",
    "since",
    "last_ok",
    "sha256",
    "pages",
    "archive_path",
    "changed",
    "archived_url",
    "archived_timestamp",
)
_HEADINGS = ("entry", "kind", "outcome", "status", "url", "detail")
NOTHING_CHECKED = "nothing checked"
"""What an empty Markdown report says under its header when no link was due."""
NO_PROBLEMS = "no problems found"

Row = dict[str, Any]


def report_rows(
    results: Sequence[CheckResult],
    previous: Mapping[tuple[str, str, str], Mapping[str, Any] | None],
    *,
    every_link: bool,
) -> list[Row]:
    """The rows to report: the problems (anything not plainly ``ok``), or every link.

    ``previous`` holds each link's check before the run, by (entry, URL, kind).
    A link not really seen (its host busy) is reported in the state it keeps,
    with why it was not seen as a warning.
    """
    rows = []
    for r in results:
        check = merge_check(previous.get((r.entry_id, r.url, r.kind)), r)
        if r.outcome in INCONCLUSIVE and check["error"] != r.error:
            check = {**check, "warning": r.error}
        if every_link or check["outcome"] != "ok" or check["warning"]:
            rows.append(
                {
                    "entry_id": r.entry_id,
                    "url": r.url,
                    "kind": r.kind,
                    **check,
                    "checked": r.checked,
                }
            )
    return rows


TableWriter = Callable[[Sequence[Sequence[str]], Sequence[str]], str]
"""Cells under headings as a text table: the CLI's is fitted to the terminal."""


def plain_table(cells: Sequence[Sequence[str]], headings: Sequence[str]) -> str:
    from tabulate import tabulate  # for start-up: most commands never draw a table

    return tabulate(cells, headers=list(headings), disable_numparse=True)


def render(
    rows: list[Row], format_: str, *, table: TableWriter = plain_table, empty: str = NO_PROBLEMS
) -> str:
    """``rows`` in one of REPORT_FORMATS (a table of nothing is no text at all).

    An empty Markdown report says ``empty`` under its header, so a mailed
    report is never a bare table head.
    """
    if format_ == "table":
        return table([_cells(r) for r in rows], _HEADINGS) + "\n" if rows else ""
    if format_ == "json":
        return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"
    if format_ == "jsonl":
        return "".join(orjson.dumps(row).decode() + "\n" for row in rows)
    if format_ == "csv":
        return _csv(rows)
    if format_ == "markdown":
        return _markdown(rows, empty)
    raise ValueError(f"unknown report format {format_!r}")


def summary(rows: Sequence[Row], total: int, interrupted: bool) -> str:
    """``1,000 links: 962 ok, 21 moved, 17 broken``, from the states the links now keep.

    ``rows`` are every link's (``report_rows`` with ``every_link``): a
    document a fetch found broken counts broken after a plain check too, and
    links of a busy host not asked are counted apart, in the state they keep.
    """
    counts = Counter(row["outcome"] for row in rows)
    parts = ", ".join(f"{counts[o]:,} {o}" for o in OUTCOMES if counts[o])
    busy = sum(str(row.get("warning") or "").startswith(HOST_BUSY) for row in rows)
    if busy:
        parts += f" ({busy:,} not checked: host busy)"
    if interrupted:
        return f"interrupted: {len(rows):,} of {counted(total, 'link')} done" + (
            f" ({parts}); their results are saved" if parts else ""
        )
    return f"{counted(total, 'link')}: {parts}"


def detail(row: Row) -> str:
    """The one line a table or Markdown report shows after the URL."""
    said = []
    if row["error"]:
        said.append(str(row["error"]))
        if copy := row.get("archived"):
            said.append(f"archived {copy['timestamp'][:10]}: {copy['url']}")
    elif row["moved_to"]:
        said.append(f"moved to {row['moved_to']}")
    elif row["outcome"] == "changed" and row["sha256"]:
        said.append(f"new SHA-256 {row['sha256'][:12]}…")
    if row.get("warning"):
        said.append(f"warning: {row['warning']}")
    return "; ".join(said)


def _cells(row: Row) -> tuple[str, ...]:
    status = "" if row["status"] is None else str(row["status"])
    return (row["entry_id"], row["kind"], row["outcome"], status, row["url"], detail(row))


def _csv(rows: list[Row]) -> str:
    lines = [csv_line(REPORT_COLUMNS)]
    for row in rows:
        copy = row.get("archived") or {}
        flat = {**row, "archived_url": copy.get("url"), "archived_timestamp": copy.get("timestamp")}
        lines.append(csv_line(neutralize_formula(_cell(flat.get(c))) for c in REPORT_COLUMNS))
    return "".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(f"{status} {url}" for status, url in value)
    return str(value)


def _markdown(rows: list[Row], empty: str) -> str:
    lines = ["| " + " | ".join(_HEADINGS) + " |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join(escape_inline(c) for c in _cells(r)) + " |")
    if not rows:
        lines += ["", empty]
    return "\n".join(lines) + "\n"


def suggestion_note(results: Sequence[CheckResult]) -> str | None:
    """One line for the end of a run when the archive could not be asked for some links."""
    problems = [r.suggestion.problem for r in results if r.suggestion and r.suggestion.problem]
    if not problems:
        return None
    return f"no archived copy suggested for {counted(len(problems), 'link')}: {problems[0]}"
