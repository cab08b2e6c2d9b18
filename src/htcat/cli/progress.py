"""The one progress bar of every long task: how far it is, and what it waits on now.

Drawn on standard error for a person watching only: standard error a terminal
that can redraw a line (not ``TERM=dumb``), and not a CI log; piped or run
from cron, nothing at all is written. Colour follows `use_colour` (``NO_COLOR``).
The core reports through plain callbacks (`htcat.progress.Progress`, a link
run's start and result hooks) that a `Bar` fills; rich is imported only when
a bar is drawn, so that no other command pays for it at start-up.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from htcat.cli.output import use_colour

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

AT_SCALE = 2_000
"""Tasks over fewer rows or entries than this finish too fast for a bar to help."""
BAR_WIDTH = 30
NAMED = 3
"""How many of the things in flight the bar names, those waited on longest first."""


def drawn() -> bool:
    """Whether a bar may be drawn: a person at a terminal that redraws a line, not a CI log."""
    return sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class Bar:
    """One task's bar: the steps done of its total and the things it waits on now.

    It appears once the task's total reaches ``least`` steps (never where
    `drawn` says no) and leaves once all are over; `update` fits
    `htcat.progress.Progress`, `started` and `finished` follow things in
    flight (the links of a check) by a label each. Used as a context
    manager, it is taken off the screen at the end.
    """

    def __init__(self, doing: str, least: int = 0) -> None:
        self._drawn = drawn()
        self._doing = doing
        self._least = least
        self._total = 0
        self._done = 0
        self._waiting: dict[str, int] = {}
        """Labels in flight, in the order they started, each with how many hold it."""
        self._shown: tuple[RichProgress, TaskID] | None = None

    _on_screen: Bar | None = None
    """The one bar drawn now: a task's next stage takes the line of the one before."""

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps are over."""
        self._done, self._total = done, total
        self._redraw()

    def started(self, label: str) -> None:
        """The task now waits on ``label`` too."""
        self._waiting[label] = self._waiting.get(label, 0) + 1
        self._redraw()

    def finished(self, label: str) -> None:
        """The task no longer waits on (one holder of) ``label``: one more step is over."""
        held = self._waiting.get(label, 0)
        if held > 1:
            self._waiting[label] = held - 1  # in place: it keeps its turn
        else:
            self._waiting.pop(label, None)
        self._done += 1
        self._redraw()

    def waiting(self) -> str:
        """``waiting on 5: a, b, c, …``, or nothing when nothing is in flight."""
        count = sum(self._waiting.values())
        if not count:
            return ""
        named = list(self._waiting)[:NAMED]
        more = ", …" if count > len(named) else ""
        return f"waiting on {count:,}: {', '.join(named)}{more}"

    def _redraw(self) -> None:
        if self._shown is None:
            if not self._drawn or self._total < max(self._least, 1) or self._done >= self._total:
                return
            if Bar._on_screen is not None:
                Bar._on_screen.close()
            self._shown = self._draw()
            Bar._on_screen = self
        shown, task = self._shown
        shown.update(task, completed=self._done, total=self._total, waiting=self.waiting())
        if self._done >= self._total:
            self.close()  # shown full for a moment, then gone: what follows prints cleanly

    def _draw(self) -> tuple[RichProgress, TaskID]:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn
        from rich.table import Column

        console = Console(stderr=True, no_color=not use_colour(sys.stderr), highlight=False)
        count = f"{self._total:,}/{self._total:,}"
        # One line: the doing, the bar and the count keep their width, and what the task
        # waits on is cut to the rest (four columns, a space between each two).
        rest = console.width - len(self._doing) - BAR_WIDTH - len(count) - 3
        shown = Progress(
            TextColumn(self._doing, markup=False),
            BarColumn(bar_width=BAR_WIDTH),
            TextColumn(
                "{task.completed:,.0f}/{task.total:,.0f}",
                table_column=Column(no_wrap=True, min_width=len(count), justify="right"),
            ),
            TextColumn(
                "{task.fields[waiting]}",
                markup=False,
                table_column=Column(no_wrap=True, overflow="ellipsis", width=max(rest, 1)),
            ),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        task = shown.add_task(self._doing, total=self._total, waiting="")
        shown.start()
        return shown, task

    def close(self) -> None:
        """Take the bar off the screen, leaving the line for what is printed next."""
        if self._shown is not None:
            self._shown[0].stop()
            self._shown = None
        if Bar._on_screen is self:
            Bar._on_screen = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def progress_bar(doing: str, total: int = 0, *, least: int = 0) -> Bar:
    """A `Bar` saying ``doing``, for a task of ``total`` steps (or a total given later by
    `Bar.update`) that shows once the total is at least ``least``."""
    bar = Bar(doing, least)
    if total:
        bar.update(0, total)
    return bar


def index_build_bar() -> Bar:
    """The bar of a fresh build of the index, which the first command after a clone of a
    large catalog waits for; nothing shows when the index holds the file already."""
    return progress_bar("building the index", least=AT_SCALE)
