"""Commands that show a selection of entries: list and search."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from htcat.catalog import select_entries
from htcat.cli.options import Selection, selection_options
from htcat.cli.output import ENTRY_FORMATS, write_entries
from htcat.cli.state import state_of
from htcat.query import Filters, Order, displaying, parse_keywords

TABLE_PAGE = 20

Format = Annotated[str, typer.Option("--format", help=f"One of: {', '.join(ENTRY_FORMATS)}.")]
TableFormat = Annotated[str, typer.Option(help="Any tabulate format: simple, github, grid…")]


def _print_selection(ctx: typer.Context, selection: Selection, fmt: str, tablefmt: str) -> None:
    order = selection.order
    if order.limit is None and fmt == "table":
        order = Order(order.sort, order.reverse, TABLE_PAGE, order.offset)
    page = select_entries(state_of(ctx).path, selection.filters, order)
    write_entries(page.entries, fmt, sys.stdout, tablefmt)
    if fmt == "table":
        typer.echo(displaying(page))


@selection_options(default_limit=TABLE_PAGE)
def list_(
    ctx: typer.Context,
    selection: Selection,
    format_: Format = "table",
    tablefmt: TableFormat = "simple",
) -> None:
    """List the entries that match the filters.

    A table shows 20 entries unless --limit says otherwise; the other formats
    show every match.

    Example:

    \b
        htcat list --tag supply-chains --type webinar --since 2021 --sort date
        htcat list --format json --link-status broken
    """
    _print_selection(ctx, selection, format_, tablefmt)


@selection_options(default_limit=TABLE_PAGE)
def search(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help='Words that must all match; "quoted phrases".')],
    selection: Selection,
    format_: Format = "table",
    tablefmt: TableFormat = "simple",
) -> None:
    """Find entries by keywords in title, summary, tags, people and publisher.

    Every word must match, ignoring case and accents; "quoted phrases" match as written.

    Example:

    \b
        htcat search '"supply chains" forced' --since 2021
        htcat search forced labor --type webinar
    """
    filters = selection.filters
    keywords = filters.keywords + parse_keywords(" ".join(text))
    combined = Filters(
        keywords,
        filters.types,
        filters.tags,
        filters.since,
        filters.until,
        filters.statuses,
        filters.link_statuses,
    )
    _print_selection(ctx, Selection(combined, selection.order), format_, tablefmt)


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command()(search)
