"""The filter, sort and paging options, written once and shared by every selecting command.

A command that takes ``selection: Selection`` and is decorated with
`selection_options` gets the options ``--query``, ``--type``, ``--tag``,
``--since``, ``--until``, ``--status``, ``--link-status``, ``--sort``,
``--reverse``, ``--limit`` and ``--offset``, already validated.
"""

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from htcat.cli.completion import (
    complete_ids,
    complete_link_statuses,
    complete_statuses,
    complete_tags,
    complete_types,
)
from htcat.errors import InputError
from htcat.filters import SORT_KEYS
from htcat.links.results import OUTCOMES
from htcat.model import STATUSES, TYPES
from htcat.query import LINK_STATUSES, Filters, Order

F = TypeVar("F", bound=Callable[..., Any])

REPORT_FORMATS = ("table", "json", "jsonl", "csv", "markdown")
EntryIds = Annotated[
    list[str] | None,
    typer.Argument(metavar="[ID]...", help="Ids or id prefixes.", autocompletion=complete_ids),
]
"""The ids (or unique prefixes) a command that also takes filters is given."""
"""A link report's formats, spelled out so that building the commands imports no
format module (`htcat.formats.linkreport` renders them)."""
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
                f" [default: {default_limit} for a table on a terminal, else all]."
                if default_limit
                else "."
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


_NETWORK = "Network and policy"
_REPORT = "Report"


@dataclass(frozen=True)
class RunOptions:
    """What ``check`` and ``fetch`` share: the network, the policy's additions, the report.

    None (or empty) means "as the policy file or the built-in default says".
    """

    concurrency: int | None
    per_host: int | None
    timeout: float | None
    host_wait: float
    user_agent: str | None
    skip: tuple[str, ...]
    accept: tuple[str, ...]
    require_https: bool
    update_moved: bool
    allow_downgrade: bool
    every_link: bool
    format: str
    output: str
    fail_on: frozenset[str]


def finite_seconds(value: float | None) -> float | None:
    """Refuse nan and the infinities, which pass Click's range checks (every comparison
    with nan is false) and would record a false timeout or wait for ever."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value:g}: expected a number of seconds")
    return value


_RUN_PARAMS: dict[str, tuple[Any, Any]] = {
    "concurrency": (
        Annotated[
            int | None,
            typer.Option(
                help="Requests in flight at once, in all [default: 32; fetch 8].",
                min=1,
                rich_help_panel=_NETWORK,
            ),
        ],
        None,
    ),
    "per_host": (
        Annotated[
            int | None,
            typer.Option(
                help="Requests in flight to one host [default: 4; fetch 2].",
                min=1,
                rich_help_panel=_NETWORK,
            ),
        ],
        None,
    ),
    "timeout": (
        Annotated[
            float | None,
            typer.Option(
                help="Seconds for one link, retries and waits included [default: 60; fetch 600].",
                min=0.1,
                callback=finite_seconds,
                rich_help_panel=_NETWORK,
            ),
        ],
        None,
    ),
    "host_wait": (
        Annotated[
            float,
            typer.Option(
                help="Seconds a run gives a host that asks to slow down (429, 503), from its "
                "first refusal; its links not asked by then are 'not checked: host busy'.",
                min=0.1,
                callback=finite_seconds,
                rich_help_panel=_NETWORK,
            ),
        ],
        60.0,
    ),
    "user_agent": (
        Annotated[
            str | None,
            typer.Option(
                help="User-Agent to send [default: htcat/VERSION (resource catalog link checker)].",
                show_default=False,
                rich_help_panel=_NETWORK,
            ),
        ],
        None,
    ),
    "skip": (
        Annotated[
            list[str],
            typer.Option(
                "--skip",
                metavar="PATTERN",
                help="Never request links matching this host or URL glob (repeatable).",
                show_default=False,
                rich_help_panel=_NETWORK,
            ),
        ],
        [],
    ),
    "accept": (
        Annotated[
            list[str],
            typer.Option(
                "--accept",
                metavar="PATTERN=STATUS[,STATUS]",
                help="Statuses a host or URL glob may answer: ok with a warning (repeatable).",
                show_default=False,
                rich_help_panel=_NETWORK,
            ),
        ],
        [],
    ),
    "require_https": (
        Annotated[
            bool,
            typer.Option(
                "--require-https",
                help="An http link, or a redirect to http, is a failure.",
                rich_help_panel=_NETWORK,
            ),
        ],
        False,
    ),
    "update_moved": (
        Annotated[
            bool,
            typer.Option(
                "--update-moved",
                help="Rewrite links that moved permanently (never https to http).",
                rich_help_panel=_REPORT,
            ),
        ],
        False,
    ),
    "allow_downgrade": (
        Annotated[
            bool,
            typer.Option(
                "--allow-downgrade",
                help="Let --update-moved rewrite an https link to http.",
                rich_help_panel=_REPORT,
            ),
        ],
        False,
    ),
    "all_": (
        Annotated[
            bool,
            typer.Option(
                "--all", help="Report every link, not only the problems.", rich_help_panel=_REPORT
            ),
        ],
        False,
    ),
    "format_": (
        Annotated[
            str,
            typer.Option(
                "--format",
                help=f"Report as {', '.join(REPORT_FORMATS)}.",
                rich_help_panel=_REPORT,
            ),
        ],
        "table",
    ),
    "output": (
        Annotated[
            str,
            typer.Option(
                "--output",
                "-o",
                metavar="FILE",
                help="Write the report here (- for stdout).",
                rich_help_panel=_REPORT,
            ),
        ],
        "-",
    ),
    "fail_on": (
        Annotated[
            str,
            typer.Option(
                help="Outcomes that make the exit status 1, comma-separated, or none: "
                f"{', '.join(OUTCOMES)}.",
                rich_help_panel=_REPORT,
            ),
        ],
        "broken,timeout,invalid",
    ),
}


def run_options(command: F) -> F:
    """Give a command the options ``check`` and ``fetch`` share, as one ``run`` argument."""
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, (kind, default) in _RUN_PARAMS.items()
    ]
    own = inspect.signature(command, eval_str=True)
    kept = [p for p in own.parameters.values() if p.name != "run"]
    signature = own.replace(parameters=[*kept, *extra])

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {n: kwargs.pop(n, default) for n, (_, default) in _RUN_PARAMS.items()}
        if values["format_"] not in REPORT_FORMATS:
            expected = ", ".join(REPORT_FORMATS)
            raise InputError(f"--format {values['format_']!r}: expected one of {expected}")
        run = RunOptions(
            concurrency=values["concurrency"],
            per_host=values["per_host"],
            timeout=values["timeout"],
            host_wait=values["host_wait"],
            user_agent=values["user_agent"],
            skip=tuple(values["skip"]),
            accept=tuple(values["accept"]),
            require_https=values["require_https"],
            update_moved=values["update_moved"],
            allow_downgrade=values["allow_downgrade"],
            every_link=values["all_"],
            format=values["format_"],
            output=values["output"],
            fail_on=_outcomes(values["fail_on"], OUTCOMES),
        )
        return command(*args, run=run, **kwargs)

    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    return wrapper  # type: ignore[return-value]


def _outcomes(text: str, known: tuple[str, ...]) -> frozenset[str]:
    """The outcomes ``--fail-on`` names; ``none`` for none."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(known))
    if unknown or not names:
        shown = ", ".join(unknown) or repr(text)
        raise InputError(f"--fail-on {shown}: expected outcomes among {', '.join(known)}, or none")
    return frozenset(names)
