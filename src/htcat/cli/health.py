"""``htcat health``: what the history of link checks says (see docs/cron.md)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Annotated

import typer

from htcat.cli.durations import stamp_before
from htcat.cli.output import info
from htcat.cli.state import state_of
from htcat.cli.tables import table
from htcat.errors import InputError
from htcat.plurals import counted

HEALTH_FORMATS = ("table", "json", "markdown")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def health(
    ctx: typer.Context,
    since: Annotated[
        str,
        typer.Option(help="Changes from this date (2026-11-30) or this long ago (7d, 2w, 12h)."),
    ] = "7d",
    broken_days: Annotated[
        int, typer.Option(help="Report links broken for this many days and more.", min=1)
    ] = 7,
    flap_changes: Annotated[
        int, typer.Option(help="A link flaps when it changes state this many times...", min=2)
    ] = 3,
    flap_days: Annotated[int, typer.Option(help="...within this many days.", min=1)] = 14,
    format_: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
) -> None:
    """Report link health from the history checks keep beside the catalog.

    Links newly broken and fixed since --since, broken for --broken-days
    days and more, flapping (--flap-changes changes within --flap-days
    days), and the same counted by host. Only links the catalog still has
    are reported. The history is catalog.history.jsonl beside the catalog:
    one line for each change of a link's state, shared through git.

    Example:

    \b
        htcat health
        htcat health --since 2026-11-01 --broken-days 30
        htcat health --format markdown | mail -s "link health" team@example.org
    """
    if format_ not in HEALTH_FORMATS:
        raise InputError(f"--format {format_!r}: expected one of {', '.join(HEALTH_FORMATS)}")
    from htcat.formats.health import TABLE_HEADINGS, health_json, health_markdown, health_rows
    from htcat.health import health_report, read_history

    start = f"{since}T00:00:00Z" if _DATE.match(since.strip()) else stamp_before(since, "--since")
    state = state_of(ctx)
    present = {
        (entry["id"], str(link.get("url")), str(link.get("kind") or "other"))
        for entry in state.read().entries()
        for link in entry.get("links", ())
    }
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = health_report(
        read_history(state.path),
        present=present,
        since=start,
        until=now,
        broken_days=broken_days,
        flap_changes=flap_changes,
        flap_days=flap_days,
    )
    if format_ == "json":
        sys.stdout.write(health_json(report))
    elif format_ == "markdown":
        sys.stdout.write(health_markdown(report))
    elif rows := health_rows(report):
        typer.echo(table(rows, TABLE_HEADINGS))
    info(
        f"{counted(len(report.newly_broken), 'link')} newly broken, {len(report.fixed):,} fixed, "
        f"{len(report.chronic):,} broken for {broken_days} days and more, "
        f"{len(report.flapping):,} flapping"
    )


def register(app: typer.Typer) -> None:
    app.command()(health)
