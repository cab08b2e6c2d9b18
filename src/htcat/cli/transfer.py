"""Bulk import and export: ``htcat import FILE`` and ``htcat export``.

Import reads CSV, JSON or JSON Lines from a file or standard input, checks
every row, and writes the catalog once or not at all. Export writes the
catalog, or the entries matching the filters of ``list``, as JSON, JSON
Lines, CSV or Markdown, to standard output or atomically to a file.
See docs/import-export.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from htcat.cli.options import Selection, selection_options
from htcat.cli.output import info, warn
from htcat.cli.progress import AT_SCALE, Bar, index_build_bar, progress_bar
from htcat.cli.state import state_of
from htcat.cli.tables import table
from htcat.errors import CatalogError, ExitStatus, InputError
from htcat.plurals import counted

if TYPE_CHECKING:
    from htcat.import_plan import ImportPlan
    from htcat.query import Filters
    from htcat.transfer import OnConflict

# Only the format names are needed to build the commands; the formats themselves, the
# transfer planner and the store are imported by the command that runs (see `_formats`).
IMPORT_FORMATS = ("csv", "json", "jsonl", "csl-json", "ris", "bibtex")
EXPORT_FORMATS = ("json", "jsonl", "csv", "markdown", "html", "csl-json", "ris", "bibtex")
ON_CONFLICT: tuple[OnConflict, ...] = ("skip", "update", "fail")

REPORTS = ("none", "table", "json")


def _read_input(file: str) -> tuple[bytes, str]:
    """The bytes of ``file`` (``-``: standard input) and the name messages give it."""
    if file == "-":
        return sys.stdin.buffer.read(), "standard input"
    try:
        return Path(file).read_bytes(), file
    except FileNotFoundError:
        raise InputError(f"cannot read {file}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {file}: it is a folder") from None
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None


def _print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _print_plan(plan: ImportPlan, report: str) -> None:
    if report == "json":
        _print_json(
            {
                "summary": {**plan.counts, "rejected": len(plan.rejected)},
                "rows": [row.as_dict() for row in plan.rows],
                "rejected": [row.as_dict() for row in plan.rejected],
            }
        )
    elif report == "table" and plan.rows:
        rows = [(r.where, r.action, r.id, r.title, r.reason) for r in plan.rows]
        headers = ("where", "action", "id", "title", "reason")
        typer.echo(table(rows, headers, cuttable=("title", "reason")))


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="File to read, or - for stdin.")],
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Input format: {', '.join(IMPORT_FORMATS)} [default: from the file name].",
            show_default=False,
        ),
    ] = None,
    on_conflict: Annotated[
        str,
        typer.Option(
            help="A row that matches an entry (same id or link URL): "
            f"{', '.join(ON_CONFLICT)} the import."
        ),
    ] = "fail",
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be done; leave the catalog as it is."),
    ] = False,
    keep_unknown: Annotated[
        bool,
        typer.Option("--keep-unknown", help="Keep columns or fields htcat does not know."),
    ] = False,
    report: Annotated[
        str | None,
        typer.Option(
            help="What to print on stdout: none, table (each row's action) or json "
            "(also the problems, when refused) [default: table with --dry-run, else none].",
            show_default=False,
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            help="CSV: the cell delimiter, comma, semicolon or tab "
            "[default: sniffed from the header row].",
            show_default=False,
        ),
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            help="CSV: read dates like 3/4/2024 as mdy (March 4) or dmy (3 April) "
            "[default: as the file's other dates show, else refused].",
            show_default=False,
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid rows; set each invalid one aside and report it (exit 1).",
        ),
    ] = False,
    rejects: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="With --skip-invalid: write the invalid rows, as they were, to FILE "
            "to fix and import again.",
        ),
    ] = None,
) -> None:
    """Import entries from CSV, JSON, JSON Lines, RIS, BibTeX or CSL-JSON, all or nothing.

    Every row is checked first; if any is bad, every problem is reported with
    its row or line, nothing is written, and the exit status is 2 — unless
    --skip-invalid, which imports the valid rows, reports each invalid one,
    writes them to --rejects FILE in the input's format, and exits 1. A row that
    matches an entry by id or by a link URL is refused, skipped or used to
    update the entry, as --on-conflict says; an update changes only the
    fields the input gives. CSV: one column per field (URL, Keywords,
    Author(s), Year and other common names mapped), comma, semicolon or tab
    separated, list fields ;-separated (tags and audiences ,-separated too),
    links as URL or LABEL|URL|KIND, dates also as 3/15/2024 or 15.3.2024;
    --dry-run shows how the columns are read. RIS, BibTeX and CSL-JSON (from
    Zotero, Mendeley, EndNote): a type with no htcat match is imported as
    other, with a warning (docs/import-export.md).

    Example:

    \b
        htcat import resources.csv --dry-run
        htcat import resources.csv --on-conflict update
        htcat import resources.csv --date-order dmy --dry-run
        htcat import zotero-export.ris --skip-invalid --rejects fix-me.ris
        htcat import zotero-export.ris --dry-run
        curl -s https://example.org/feed.jsonl | htcat import - --format jsonl
    """
    from htcat.formats import format_for_path, read_rows, rejects_writer
    from htcat.import_plan import ImportRefused
    from htcat.transfer import import_rows

    state = state_of(ctx)
    fmt = format_for_path(file, format_, IMPORT_FORMATS)
    if on_conflict not in ON_CONFLICT:
        raise InputError(f"--on-conflict {on_conflict!r}: expected one of {', '.join(ON_CONFLICT)}")
    shown = report or ("table" if dry_run else "none")
    if shown not in REPORTS:
        raise InputError(f"--report {shown!r}: expected one of {', '.join(REPORTS)}")
    if rejects is not None:
        _check_rejects_path(rejects, file, state.path, skip_invalid)
    if date_order is not None or delimiter is not None:
        from htcat.formats.sheets import DATE_ORDERS, delimiter_named

        if date_order is not None and date_order not in DATE_ORDERS:
            raise InputError(f"--date-order {date_order!r}: expected {', '.join(DATE_ORDERS)}")
        delimiter = delimiter_named(delimiter) if delimiter is not None else None
    data, source = _read_input(file)
    rows = read_rows(
        data,
        fmt,
        source=source,
        keep_unknown=keep_unknown,
        unknown_in_every_row=skip_invalid,
        keep_raw=rejects is not None,
        delimiter=delimiter,
        date_order=date_order,
    )
    if dry_run and fmt == "csv":
        from htcat.formats.csv import layout

        info(f"{source}: {layout(data, delimiter).describe()}")
    write_rejects = rejects_writer(data, fmt, delimiter=delimiter) if rejects else None
    for row in rows:
        for warning in row.warnings:
            warn(f"{source} {row.where}: {warning}")
    del data  # the input's bytes are not needed once read: free them before the catalog is
    try:
        with progress_bar("checking rows", least=AT_SCALE) as progress:
            plan = import_rows(
                state.path,
                rows,
                source=source,
                on_conflict=on_conflict,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                lock_timeout=state.lock_timeout,
                progress=progress.update,
            )
    except ImportRefused as refused:
        if shown == "json":
            _print_json({"problems": [p.as_dict() for p in refused.problems]})
        raise
    _print_plan(plan, shown)
    if plan.rejected:
        _report_rejected(plan, source, rejects, write_rejects)
    info(plan.summary(dry_run=dry_run))
    if plan.rejected:
        raise typer.Exit(ExitStatus.FOUND)


def _check_rejects_path(rejects: str, file: str, catalog: Path, skip_invalid: bool) -> None:
    """Refuse a --rejects that would be useless or would overwrite the input or the catalog."""
    if not skip_invalid:
        raise InputError("--rejects FILE is written only with --skip-invalid")
    if rejects == "-":
        raise InputError("--rejects needs a file name (standard output holds the report)")
    target = Path(rejects).resolve()
    for name, path in (("the input", file), ("the catalog", str(catalog))):
        if path != "-" and target == Path(path).resolve():
            raise InputError(f"--rejects {rejects}: that is {name}; name another file")
    if not target.parent.is_dir() or not os.access(target.parent, os.W_OK | os.X_OK):
        raise InputError(f"--rejects {rejects}: cannot write a file in {target.parent}")


def _report_rejected(
    plan: ImportPlan,
    source: str,
    rejects: str | None,
    write_rejects: Callable[[list[str]], bytes] | None,
) -> None:
    """Every problem of every row set aside, and the file they were written to."""
    from htcat.store.fs import write_file_atomically

    where = ""
    if rejects is not None and write_rejects is not None:
        try:
            write_file_atomically(
                Path(rejects), write_rejects([row.raw for row in plan.rejected]), what="rejects"
            )
            where = f", written to {rejects}"
        except CatalogError as exc:  # the import itself is done: say so, keep going
            where = f" ({exc}; the import itself is done)"
    warn(f"{source}: {counted(len(plan.rejected), 'invalid row')} set aside{where}:")
    for row in plan.rejected:
        for problem in row.problems:
            info(f"  {problem}")


@selection_options()
def export(
    ctx: typer.Context,
    selection: Selection,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"One of: {', '.join(EXPORT_FORMATS)} "
            "[default: from the -o file name, else json].",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="File to write (atomically), or - for stdout.", metavar="FILE"
        ),
    ] = "-",
    include_internal: Annotated[
        bool, typer.Option("--include-internal", help="Include internal notes.")
    ] = False,
) -> None:
    """Export the catalog, or the entries matching the filters, to stdout or a file.

    json holds whole entries with link check results; jsonl one entry per
    line; csv the columns import reads, with spreadsheet formulas made inert;
    markdown a readable list grouped by type; html a self-contained resource
    library page with a keyword box, filters, sorting and paging; csl-json,
    ris and bibtex citations for reference managers. Internal notes are left
    out unless --include-internal. Entries are sorted as list sorts them.

    Example:

    \b
        htcat export -o catalog.csv
        htcat export --status published -o library.html
        htcat export --type report --format ris > reports.ris
        htcat export --format markdown --type webinar --since 2019 > webinars.md
        htcat export --format jsonl --type webinar | jq -r .title
    """
    from htcat.formats import format_for_path
    from htcat.store.fs import write_file_atomically
    from htcat.transfer import export_data

    state = state_of(ctx)
    if format_ is None and output == "-":
        format_ = "json"
    fmt = format_for_path(output, format_, EXPORT_FORMATS)
    if fmt not in ("json", "jsonl", "csv"):
        from htcat.conflicts import has_conflicts

        if has_conflicts(state.path):
            warn("the catalog holds unsettled merge conflicts (see 'htcat conflicts')")
    filters = selection.filters
    building = index_build_bar()
    if fmt == "html" and not filters.statuses:
        filters = _published_only(state.path, filters, building)
    with building, progress_bar(f"writing {fmt}", least=AT_SCALE) as progress:
        data, count = export_data(
            state.path,
            fmt,
            filters=filters,
            order=selection.order,
            include_internal=include_internal,
            progress=progress.update,
            building=building.update,
        )
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_file_atomically(Path(output), data, what="export")
    info(f"exported {counted(count, 'entry')} to {output}")


def _published_only(path: Path, filters: Filters, building: Bar) -> Filters:
    """The page is public: without --status it shows published entries, and says so
    when that leaves drafts or archived entries out."""
    import dataclasses

    from htcat.catalog import select_entries
    from htcat.query import Order

    hidden = dataclasses.replace(filters, statuses=("draft", "archived"))
    left_out = select_entries(path, hidden, Order(limit=0), building.update).total
    if left_out:
        info(
            f"the page shows published entries only: left out "
            f"{counted(left_out, 'draft or archived entry')} (choose with --status)"
        )
    return dataclasses.replace(filters, statuses=("published",))


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(export)
