"""The documents' text store: filled after a fetch, rebuilt from the archive on request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from htcat.cli.output import warn
from htcat.cli.state import State

if TYPE_CHECKING:
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
    report = store_texts(state.path, archive, fetched, limits, replaced=replaced)
    for sha256, cut in report.limited:
        warn(f"document {sha256[:12]}: {cut} (the [documents] limits in htcat.toml)")
    for sha256, problem in report.unreadable:
        warn(f"document {sha256[:12]}: no text read: {problem}")
