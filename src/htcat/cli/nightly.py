"""``htcat nightly``: the unattended job of a catalog shared through git (docs/cron.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from htcat.cli.output import warn
from htcat.cli.state import state_of
from htcat.errors import ExitStatus
from htcat.plurals import counted


def nightly(
    ctx: typer.Context,
    check_args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[-- CHECK_OPTION...]",
            help="Options for htcat check [default: --older-than 20h --format markdown].",
            show_default=False,
        ),
    ] = None,
    tries: Annotated[
        int, typer.Option(help="Pushes before giving up when others keep pushing.", min=1)
    ] = 3,
) -> None:
    """Pull, check the links, commit the results and push them, for cron or a systemd timer.

    Results land on whatever the analysts pushed meanwhile: those of removed
    entries are dropped, those of re-pointed links dropped with a note; a
    refused push starts again from the new remote head, up to --tries times.
    Whatever fails, the clone is left as it was found, so the next night
    works. Silent when all is well; prints the check's report and exits 1
    when links fail, exits 4 when git failed (3 when the check could not run).

    Example:

    \b
        htcat --db /srv/catalog/data/catalog.json nightly
        htcat nightly -- --older-than 20h --fail-after 3 --format markdown
    """
    from htcat.nightly import DEFAULT_CHECK_ARGS, run_nightly

    args = check_args or [*DEFAULT_CHECK_ARGS, "--format", "markdown"]
    outcome = run_nightly(state_of(ctx).path, args, tries=tries)
    if outcome.dropped:
        warn(
            f"{counted(len(outcome.dropped), 'result')} not applied: " + "; ".join(outcome.dropped)
        )
    if outcome.check_status != ExitStatus.OK:
        sys.stdout.write(outcome.report)
        if outcome.summary:
            sys.stderr.write(outcome.summary + "\n")
        raise typer.Exit(outcome.check_status)


def register(app: typer.Typer) -> None:
    app.command()(nightly)
