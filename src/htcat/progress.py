"""How a long task tells whoever watches it how far it is, so that the core never prints.

A task takes an optional callback and calls it as it goes; the command line
draws it on a terminal (`htcat.cli.progress`), a script passes its own or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

Progress = Callable[[int, int], None]
"""``progress(done, total)``: ``done`` of the task's ``total`` steps are over."""
EVERY = 500
"""Steps between two reports: often enough to move a bar, rarely enough to cost nothing."""


def reporting(
    items: Iterable[T], progress: Progress | None, total: int, *, before: int = 0
) -> Iterator[T]:
    """``items`` one by one, telling ``progress`` every `EVERY` items and at the last.

    ``before`` steps of the task were over before the first item; a ``total``
    of 0 (unknown) reports as many steps as are done.
    """
    if progress is None:
        yield from items
        return
    done = before
    for done, item in enumerate(items, before + 1):
        yield item
        if done % EVERY == 0:
            progress(done, max(done, total))
    if done % EVERY or done == before:
        progress(done, max(done, total))
