"""How a long task tells whoever watches it how far it is, so that the core never prints.

A task takes an optional callback and calls it as it goes; the command line
draws it on a terminal (`htcat.cli.progress`), a script passes its own or none.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]
"""``progress(done, total)``: ``done`` of the task's ``total`` steps are over."""
