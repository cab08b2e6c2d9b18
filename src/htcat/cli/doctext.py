"""The documents' text store: filled as a fetch goes, rebuilt from the archive on request."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from htcat.cli.output import info, warn
from htcat.cli.progress import progress_bar
from htcat.cli.state import state_of
from htcat.plurals import counted

if TYPE_CHECKING:
    from htcat.docsearch import TextReport
    from htcat.links.config import DocumentLimits
    from htcat.links.results import FetchResult


class TextReader:
    """Reads the text of each document a fetch archives, on a thread of its own, while
    the fetch goes on downloading the next ones.

    PDFium and SQLite do their work outside the GIL, so the reading mostly
    hides behind the network's waits. Quiet when all goes well (a nightly
    run's log stays short); a limit hit or a document that gave no text is
    said, as a warning, once the fetch is over.
    """

    def __init__(
        self,
        catalog: Path,
        archive: Path,
        limits: DocumentLimits,
        previous: dict[tuple[str, str], str | None],
    ) -> None:
        self.catalog, self.archive, self.limits, self.previous = catalog, archive, limits, previous
        self.waiting: queue.SimpleQueue[FetchResult | None] = queue.SimpleQueue()
        self.reports: list[TextReport] = []
        self.failure: BaseException | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._read, name="text reader", daemon=True)
        self.thread.start()

    def also(self, report: Callable[[FetchResult], None]) -> Callable[[FetchResult], None]:
        """``report``, and then the result handed to this reader."""

        def both(result: FetchResult) -> None:
            report(result)
            self.waiting.put(result)

        return both

    def _read(self) -> None:
        from htcat.docsearch import store_texts

        while (result := self.waiting.get()) is not None:
            old = self.previous.get((result.url, result.kind))
            replaced = [old] if result.outcome == "changed" and old else []
            sha256, where = result.sha256, result.archive_path
            fetched = [(sha256, where)] if sha256 and where else []
            if self.stopping or self.failure is not None or not (fetched or replaced):
                continue
            try:
                self.reports.append(
                    store_texts(self.catalog, self.archive, fetched, self.limits, replaced=replaced)
                )
            except BaseException as exc:  # raised again in the main thread by `finish`
                self.failure = exc

    def finish(self, interrupted: bool) -> None:
        """Wait for the documents still to read (none after an interruption); warn."""
        self.stopping = interrupted
        self.waiting.put(None)
        self.thread.join()
        if self.failure is not None:
            raise self.failure
        for report in self.reports:
            _warn_shortfalls(report)


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
