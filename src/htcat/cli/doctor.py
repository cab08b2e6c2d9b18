"""The doctor command: report what is wrong with the catalog; exit 1 when anything is."""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated

import orjson
import typer

from htcat.cli.output import info
from htcat.cli.progress import AT_SCALE, progress_bar
from htcat.cli.state import state_of
from htcat.cli.tables import table
from htcat.errors import ExitStatus, InputError
from htcat.plurals import counted


def doctor(
    ctx: typer.Context,
    format_: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Check the catalog: schema errors, duplicate ids and URLs, near-duplicate titles,
    merge conflicts left to settle.

    Exits 1 when it finds any of those, so it can guard a commit or a cron job.
    Fetched documents whose text search cannot see (a scan, a locked PDF, one
    cut by the [documents] limits) are listed as no-text, and fail nothing.

    Example:

    \b
        htcat doctor && git commit -m "catalog: add webinars" data/catalog.json
    """
    if format_ not in ("table", "json"):
        raise InputError(f"--format {format_!r}: expected table or json")
    from htcat.doctor import NOTICES, diagnose_file
    from htcat.store.file import catalog_bytes

    path = state_of(ctx).path
    with progress_bar("checking entries", least=AT_SCALE) as progress:
        findings = diagnose_file(path, catalog_bytes(path), progress.update)
    if format_ == "json":
        rows = [dataclasses.asdict(f) for f in findings]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif findings:
        typer.echo(
            table(
                ((f.line or "", f.kind, ", ".join(f.ids), f.detail) for f in findings),
                ("line", "problem", "entries", "detail"),
                cuttable=("detail",),
            )
        )
    problems = [f for f in findings if f.kind not in NOTICES]
    info(f"{counted(len(problems), 'problem')} found" if problems else "no problems found")
    if noticed := len(findings) - len(problems):
        info(f"{counted(noticed, 'document')} with text search cannot see")
    if problems:
        raise typer.Exit(ExitStatus.FOUND)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
