"""The documents' text store: filled after a fetch, rebuilt from the archive on request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from htcat.cli.output import info, warn
from htcat.cli.progress import progress_bar
from htcat.cli.state import State, state_of
from htcat.plurals import counted

if TYPE_CHECKING:
    from htcat.docsearch import TextReport
    from htcat.links.config import DocumentLimits
    from htcat.links.results import FetchResult


def store_fetched_text(
    state: State,
    archive: Path,
    limits: DocumentLimits,
    results: Sequence[FetchResult],
    previous: dict[tuple[str, str], str | None],
) -> None:
    """Put the text of the documents just fetched into the full-text store.

    Quiet when all went well (a nightly run's log stays short); a limit hit or
    a document that gave no text is said, as a warning.
    """
    from htcat.docsearch import store_texts

    fetched = [(r.sha256, r.archive_path) for r in results if r.sha256 and r.archive_path]
    replaced = [
        old
        for r in results
        if r.outcome == "changed" and (old := previous.get((r.url, r.kind))) is not None
    ]
    if not fetched and not replaced:
        return
    _warn_shortfalls(store_texts(state.path, archive, fetched, limits, replaced=replaced))


def _warn_shortfalls(report: TextReport) -> None:
    for sha256, cut in report.limited:
        warn(f"document {sha256[:12]}: {cut} (the [documents] limits in htcat.toml)")
    for sha256, problem in report.unreadable:
        warn(f"document {sha256[:12]}: no text read: {problem}")


def rebuild_text(
    ctx: typer.Context,
    archive: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the documents [default: archive/ beside the catalog].",
            show_default=False,
        ),
    ] = None,
    again: Annotated[
        bool,
        typer.Option("--again", help="Read every document anew (after changing the limits)."),
    ] = False,
) -> None:
    """Rebuild the text store search --in-documents reads, from the archive alone.

    Reads the text of every document the catalog's links hold that the store
    lacks (after a clone, or a deleted store) and forgets documents no link
    holds any more. Nothing is downloaded. The [documents] limits in
    htcat.toml apply; a progress bar shows on a terminal.

    Example:

    \b
        htcat rebuild-text
        htcat rebuild-text --again
    """
    from htcat.docsearch import rebuild_store
    from htcat.links.policy import POLICY_FILE, read_config

    state = state_of(ctx)
    limits = read_config(state.path.parent / POLICY_FILE).documents
    folder = archive or state.path.parent / "archive"
    with progress_bar("reading documents") as bar:
        report = rebuild_store(state.path, folder, limits, again=again, on_read=bar.update)
    _warn_shortfalls(report)
    info(
        f"read {counted(report.read, 'document')}; {report.already:,} already stored; "
        f"forgot {counted(report.forgotten, 'document')} no link holds"
    )
    if report.missing:
        warn(f"{counted(report.missing, 'document')} not in {folder}: fetch them again")


def register(app: typer.Typer) -> None:
    app.command("rebuild-text")(rebuild_text)
