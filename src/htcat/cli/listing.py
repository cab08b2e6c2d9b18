"""Commands that show a selection of entries: list and search."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click.core import ParameterSource
from typer.core import TyperCommand

from htcat.catalog import ids_starting, select_entries, tag_counts
from htcat.cli.options import Selection, selection_options
from htcat.cli.output import (
    DEFAULT_COLUMNS,
    ENTRY_COLUMNS,
    ENTRY_FORMATS,
    info,
    parse_columns,
    use_colour,
    write_entries,
)
from htcat.cli.progress import index_build_bar
from htcat.cli.state import state_of
from htcat.cli.tables import is_markup, terminal_width
from htcat.errors import InputError
from htcat.plurals import counted
from htcat.query import Filters, Keywords, Order, displaying, parse_keywords

if TYPE_CHECKING:
    from typer import _click as click  # the click that Typer carries within

TABLE_PAGE = 20
HIGHLIGHT = ("\x1b[1;33m", "\x1b[0m")
"""How a match stands out in a snippet on a terminal: bold yellow."""

Format = Annotated[str, typer.Option("--format", help=f"One of: {', '.join(ENTRY_FORMATS)}.")]
TableFormat = Annotated[
    str,
    typer.Option(
        help="Any tabulate format: simple, github, grid…; tsv, html and other markup "
        "carry whole values, with the footer on stderr."
    ),
]
Columns = Annotated[
    str,
    typer.Option(
        help=f"The table's columns, comma-separated, from: {', '.join(ENTRY_COLUMNS)}.",
        show_default=",".join(DEFAULT_COLUMNS),
    ),
]


_EXCLUDED_WORD = "\0"
"""Marks a ``-word`` of the query that option parsing must not take for an option (argv
cannot hold this character, so it cannot come from the user)."""


class _QueryCommand(TyperCommand):
    """``htcat search "forced labor" -webinar``: a ``-word`` that names no option is a word.

    Option parsing would refuse ``-webinar`` as an unknown option, or read
    ``-health`` as ``-h``. A value given to an option (``--tag -x``) and
    everything after ``--`` are left as they are.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = [p for p in self.get_params(ctx) if getattr(p, "opts", None)]
        names = {name for p in options for name in (*p.opts, *p.secondary_opts)}
        valued = {name for p in options if not getattr(p, "is_flag", False) for name in p.opts}
        given: list[str] = []
        words = iter(args)
        for arg in words:
            if arg == "--":
                given += [arg, *words]
            elif arg in valued:
                value = next(words, None)
                given += [arg] if value is None else [arg, value]
            elif len(arg) > 1 and arg[0] == "-" and arg[1] != "-" and arg not in names:
                given.append(_EXCLUDED_WORD + arg)
            else:
                given.append(arg)
        return super().parse_args(ctx, given)


IncludeInternal = Annotated[
    bool,
    typer.Option(
        "--include-internal", help="Include internal notes in json, jsonl and csv, as export does."
    ),
]


def _print_selection(
    ctx: typer.Context,
    selection: Selection,
    fmt: str,
    tablefmt: str,
    columns: str,
    include_internal: bool,
) -> None:
    shown = parse_columns(columns)
    order = selection.order
    path = state_of(ctx).path
    # A page for a person; a pipe (htcat list | grep) gets every match.
    if order.limit is None and fmt == "table" and sys.stdout.isatty():
        order = Order(order.sort, order.reverse, TABLE_PAGE, order.offset)
    with index_build_bar() as building:
        page = select_entries(path, selection.filters, order, building.update)
    fitted = fmt == "table" and "id" in shown and terminal_width(sys.stdout) is not None
    write_entries(
        page.entries,
        fmt,
        sys.stdout,
        tablefmt,
        shown,
        include_internal=include_internal,
        every_id=ids_starting(path, "") if fitted and page.entries else (),
    )
    if fmt == "table":
        (info if is_markup(tablefmt) else typer.echo)(displaying(page))
    if not page.total and not selection.filters.empty:
        info(_why_nothing(path, selection.filters))


def _why_nothing(path: Path, filters: Filters) -> str:
    """Why no entry matched: a tag no entry has (and the nearest that one has), or the filters."""
    import difflib

    known = {tag for tag, _ in tag_counts(path)}
    for tag in filters.tags:
        if tag not in known:
            near = difflib.get_close_matches(tag, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            return f"no entry has the tag {tag!r}{hint}; see 'htcat tags'"
    return "no entry matches all of these filters"


@selection_options(default_limit=TABLE_PAGE)
def list_(
    ctx: typer.Context,
    selection: Selection,
    format_: Format = "table",
    tablefmt: TableFormat = "simple",
    columns: Columns = "",
    include_internal: IncludeInternal = False,
) -> None:
    """List the entries that match the filters.

    On a terminal a table shows 20 entries unless --limit says otherwise; a
    piped table and the other formats show every match. On a terminal (or with
    COLUMNS set) the table fits its width: ids are shortened first, each to the
    shortest prefix that names its entry alone and … (any command takes it as
    the id), then titles and tags are cut with … where they must.

    Example:

    \b
        htcat list --tag labor-trafficking --type webinar --since 2019 --sort date
        htcat list --format json --link-status unchecked
        htcat list --columns id,title --tablefmt tsv
    """
    _print_selection(ctx, selection, format_, tablefmt, columns, include_internal)


@selection_options(default_limit=TABLE_PAGE)
def search(
    ctx: typer.Context,
    text: Annotated[
        list[str],
        typer.Argument(help='Words that must all match; "quoted phrases"; OR; -word excludes.'),
    ],
    selection: Selection,
    format_: Format = "table",
    tablefmt: TableFormat = "simple",
    columns: Columns = "",
    include_internal: IncludeInternal = False,
    in_documents: Annotated[
        bool,
        typer.Option(
            "--in-documents",
            help="Search the text of the fetched documents instead: each matching page, "
            "best first, with the entry, the link, the page number and a snippet.",
        ),
    ] = False,
) -> None:
    """Find entries by keywords in what the library page shows of them.

    Title, summary, tags, people, publisher, audiences, type and link labels.
    Every word must match, ignoring case and accents; "quoted phrases" match
    as written; OR between two terms lets either match; -word leaves out the
    entries that have it. With --in-documents the same query searches every
    page of the documents `htcat fetch` stored, within the entries the
    filters choose, best first; matches are [bracketed] (highlighted on a
    terminal). --sort gives the pages entry by entry in that sort, the best
    first within each entry (--reverse needs --sort there).

    Example:

    \b
        htcat search '"supply chains" forced' --since 2021
        htcat search labor migrant --type webinar
        htcat search trafficking OR exploitation -webinar
        htcat search '"debt bondage"' agriculture --in-documents --type webinar
        htcat search recruitment --in-documents --sort date --limit 5
    """
    asked = parse_keywords(" ".join(text).replace(_EXCLUDED_WORD, ""))
    if in_documents:
        _print_document_hits(ctx, selection, asked, format_)
        return
    combined = replace(selection.filters, keywords=selection.filters.keywords & asked)
    _print_selection(
        ctx, Selection(combined, selection.order), format_, tablefmt, columns, include_internal
    )


def _print_document_hits(
    ctx: typer.Context, selection: Selection, asked: Keywords, fmt: str
) -> None:
    """The pages of the chosen entries' documents that hold ``asked``, best first, or entry
    by entry when ``--sort`` is given (``--reverse`` reverses that sort)."""
    from htcat.docsearch import search_documents
    from htcat.formats.dochits import BRACKETS, HIT_FORMATS, write_hits
    from htcat.index.doctext import doctext_path

    if fmt not in HIT_FORMATS:
        raise InputError(
            f"--format {fmt!r} with --in-documents: expected one of {', '.join(HIT_FORMATS)}"
        )
    order = selection.order
    sorted_by_entries = ctx.get_parameter_source("sort") is not ParameterSource.DEFAULT
    if order.reverse and not sorted_by_entries:
        raise InputError(
            "--reverse with --in-documents reverses --sort: give --sort too "
            "(without it, pages come best first)"
        )
    limit = order.limit
    if limit is None and fmt == "table":
        limit = TABLE_PAGE
    path = state_of(ctx).path
    hits = search_documents(
        path,
        selection.filters,
        asked,
        limit,
        offset=order.offset,
        by_entries=order if sorted_by_entries else None,
    )
    marks = HIGHLIGHT if fmt == "table" and use_colour(sys.stdout) else BRACKETS
    sys.stdout.write(write_hits(hits, fmt, marks))
    if fmt == "table":
        info(f"{counted(len(hits), 'page')} found" if hits else "no page found")
    if not hits and not doctext_path(path).exists():
        info(
            "no document's text is stored yet: htcat fetch stores it (htcat rebuild-text, "
            "after a clone)"
        )


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command(cls=_QueryCommand)(search)
