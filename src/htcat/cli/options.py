"""The filter, sort and paging options, written once and shared by every selecting command.

A command that takes ``selection: Selection`` and is decorated with
`selection_options` gets the options ``--query``, ``--type``, ``--tag``,
``--since``, ``--until``, ``--status``, ``--link-status``, ``--sort``,
``--reverse``, ``--limit`` and ``--offset``, already validated.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from htcat.cli.completion import (
    complete_link_statuses,
    complete_statuses,
    complete_tags,
    complete_types,
)
from htcat.errors import InputError
from htcat.model import STATUSES, TYPES, Entry
from htcat.query import LINK_STATUSES, SORT_KEYS, Filters, Order, matches
from htcat.store import Catalog

F = TypeVar("F", bound=Callable[..., Any])
_FILTERS = "Filters"
_ORDER_NAMES = ("sort", "reverse", "offset")


@dataclass(frozen=True)
class Selection:
    filters: Filters
    order: Order


def _choices(option: str, values: list[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if value not in allowed:
            raise InputError(f"{option} {value!r}: expected one of {', '.join(allowed)}")
    return tuple(values)


_SELECTION_PARAMS: dict[str, Any] = {
    "query": Annotated[
        str,
        typer.Option(
            "--query",
            "-q",
            help='Words that must all match; "quoted phrases"; OR; -word excludes.',
            rich_help_panel=_FILTERS,
        ),
    ],
    "type": Annotated[
        list[str],
        typer.Option(
            "--type",
            help=f"Entry type (repeatable): {', '.join(TYPES)}.",
            autocompletion=complete_types,
            show_default=False,
            rich_help_panel=_FILTERS,
        ),
    ],
    "tag": Annotated[
        list[str],
        typer.Option(
            "--tag",
            help="Tag that must be present (repeatable, all must match).",
            autocompletion=complete_tags,
            show_default=False,
            rich_help_panel=_FILTERS,
        ),
    ],
    "since": Annotated[
        str, typer.Option(help="Dated on or after YYYY[-MM[-DD]].", rich_help_panel=_FILTERS)
    ],
    "until": Annotated[
        str, typer.Option(help="Dated on or before YYYY[-MM[-DD]].", rich_help_panel=_FILTERS)
    ],
    "status": Annotated[
        list[str],
        typer.Option(
            "--status",
            help=f"Status (repeatable): {', '.join(STATUSES)}.",
            autocompletion=complete_statuses,
            show_default=False,
            rich_help_panel=_FILTERS,
        ),
    ],
    "link_status": Annotated[
        list[str],
        typer.Option(
            "--link-status",
            help=f"Has a link that is: {', '.join(LINK_STATUSES)}.",
            autocompletion=complete_link_statuses,
            show_default=False,
            rich_help_panel=_FILTERS,
        ),
    ],
    "sort": Annotated[
        str, typer.Option(help=f"Sort by {', '.join(SORT_KEYS)} (dates newest first).")
    ],
    "reverse": Annotated[bool, typer.Option("--reverse", help="Reverse the sort.")],
    "offset": Annotated[int, typer.Option(help="Skip this many entries.", min=0)],
}
_DEFAULTS: dict[str, Any] = {
    "query": "",
    "type": [],
    "tag": [],
    "since": "",
    "until": "",
    "status": [],
    "link_status": [],
    "sort": "date",
    "reverse": False,
    "offset": 0,
}


def selection_options(*, default_limit: int | None = None, paging: bool = True) -> Callable[[F], F]:
    """Give a command the shared filters (and sort and paging) as one ``selection`` argument."""

    def decorate(command: F) -> F:
        names = [n for n in _SELECTION_PARAMS if paging or n not in _ORDER_NAMES]
        extra = [
            inspect.Parameter(
                n,
                inspect.Parameter.KEYWORD_ONLY,
                default=_DEFAULTS[n],
                annotation=_SELECTION_PARAMS[n],
            )
            for n in names
        ]
        if paging:
            limit_help = "Show at most this many entries" + (
                f" [default: {default_limit} for a table, else all]." if default_limit else "."
            )
            extra.append(
                inspect.Parameter(
                    "limit",
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[
                        int | None, typer.Option(help=limit_help, min=0, show_default=False)
                    ],
                )
            )
        own = inspect.signature(command, eval_str=True)
        kept = [p for p in own.parameters.values() if p.name != "selection"]
        signature = own.replace(parameters=[*kept, *extra])

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {n: kwargs.pop(n, _DEFAULTS.get(n)) for n in [*_DEFAULTS, "limit"]}
            filters = Filters.build(
                query=values["query"],
                types=_choices("--type", values["type"], TYPES),
                tags=values["tag"],
                since=values["since"],
                until=values["until"],
                statuses=_choices("--status", values["status"], STATUSES),
                link_statuses=_choices("--link-status", values["link_status"], LINK_STATUSES),
            )
            order = Order(
                sort=values["sort"],
                reverse=values["reverse"],
                limit=values["limit"],
                offset=values["offset"],
            )
            return command(*args, selection=Selection(filters, order), **kwargs)

        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return wrapper  # type: ignore[return-value]

    return decorate


def entries_named(
    catalog: Catalog, entry_ids: list[str] | None, filters: Filters, *, every: bool | None = None
) -> list[Entry]:
    """The entries a command acts on: those named by id (or prefix) that pass the filters,
    or with no id every entry that does; shallow copies, whose fields may be replaced.

    Naming neither ids nor filters is refused unless ``every`` (the command's ``--all``;
    None for a command without one), so a forgotten argument never changes everything.
    """
    if not entry_ids and filters.empty and not every:
        alternative = ", or give --all" if every is not None else ""
        raise InputError(f"name entries by id or filters{alternative}")
    if entry_ids:
        chosen = [catalog.get(i) for i in dict.fromkeys(entry_ids)]
        unique = {e["id"]: e for e in chosen}
        return [e for e in unique.values() if matches(e, filters)]
    return [dict(e) for e in catalog.entries() if matches(e, filters)]
