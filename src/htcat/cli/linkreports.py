"""Where a check's or fetch's report goes, and which links fail the run.

A report is always true: its folder is made before any link is asked (or
the run refused), and a run with nothing due still writes its empty report,
so last night's never passes for today's.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from htcat.cli.options import RunOptions
from htcat.cli.output import info
from htcat.cli.tables import table
from htcat.errors import InputError
from htcat.links.results import FAILURES
from htcat.store.fs import write_file_atomically


def fails_run(state: Mapping[str, Any], fail_on: frozenset[str], fail_after: int) -> bool:
    """Whether a link's state fails the run: an outcome --fail-on names, failed long enough."""
    outcome = state["outcome"]
    return outcome in fail_on and (outcome not in FAILURES or state["failures"] >= fail_after)


def prepare_output(run: RunOptions) -> None:
    """Make the report's folder before any link is asked, or refuse before anything is done."""
    if run.output == "-":
        return
    folder = Path(run.output).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"-o {run.output}: cannot make the folder {folder}: {exc.strerror}; nothing checked"
        ) from None


def nothing_due(run: RunOptions, said: str) -> None:
    """Nothing to do: still write the report, empty, so last night's never passes for today's."""
    from htcat.formats.linkreport import NOTHING_CHECKED, render

    deliver(run, render([], run.format, table=fitted_table, empty=NOTHING_CHECKED))
    info(said)


def deliver(run: RunOptions, text: str) -> None:
    """The report to standard output or, whole or not at all, to the -o file."""
    if run.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_file_atomically(Path(run.output), text.encode(), what="report")


def fitted_table(cells: Sequence[Sequence[str]], headings: Sequence[str]) -> str:
    """The report's table fitted to the terminal, its detail cut where it must be."""
    return table(cells, headings, cuttable=("detail",))
