"""The command line's use of Python's cycle collector: off while htcat works on data.

htcat's data are trees of dicts and lists, which reference counting frees; the
collector only walks them. Parsing a catalog makes a container for every entry,
link and list, and at 100,000 entries the collector's walks over them cost
twice the parse itself (orjson alone: 3.8-4.3 s with the collector, 1.35-1.44 s
without; docs/performance.md). So `htcat.cli.app.main` turns it off for the
whole command. Event loops do make cyclic garbage (asyncio's tasks and futures,
exceptions and their tracebacks: about 2,500 objects in a check of 1,000
links), so the collector runs while one does: check and fetch on the network,
the questionary forms. A command without one leaves a few dozen cyclic objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collecting() -> Iterator[None]:
    """The collector on for the block, and as it was after.

    What exists when the block starts (modules, the chosen links) lives as
    long as the command, so it is frozen out of the collector's walks first.
    """
    was_on = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if not was_on:
            gc.disable()
