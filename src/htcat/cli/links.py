"""Link commands: ``htcat check`` and ``htcat fetch`` (spec §4; cron set-up in docs/cron.md).

Both read the catalog without its lock, do the network work, then merge what
they found under the lock, so edits made meanwhile are kept. Ctrl-C or
SIGTERM stops the run; the results gathered so far are saved and reported,
and the exit status is 130. httpx and pypdfium2 load only here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import orjson
import typer

from htcat.cli.collector import collecting
from htcat.cli.completion import complete_ids, complete_kinds
from htcat.cli.options import Selection, selection_options
from htcat.cli.output import info, warn
from htcat.cli.plurals import counted
from htcat.cli.state import State, state_of
from htcat.cli.tables import table
from htcat.errors import ExitStatus, InputError
from htcat.links.results import OUTCOMES, CheckResult, merge_check
from htcat.links.sniff import DOCUMENT_KINDS
from htcat.model import LINK_KINDS, Entry
from htcat.query import matches
from htcat.store import write_file_atomically

if TYPE_CHECKING:
    from htcat.links.catalog import ChosenLink
    from htcat.links.client import Timeouts

R = TypeVar("R", bound=CheckResult)

REPORT_FORMATS = ("table", "json", "jsonl", "csv", "markdown")
DEFAULT_FAIL_ON = "broken,timeout,invalid"
MERGE_LOCK_WAIT = 60.0
"""The least a finished run waits for the catalog lock: its results took long to gather."""
PROGRESS_EVERY = 0.1
REPORT_COLUMNS = (
    "entry_id",
    "url",
    "kind",
    "outcome",
    "status",
    "final_url",
    "moved_to",
    "redirects",
    "content_type",
    "size",
    "error",
    "checked",
    "failures",
    "failing_since",
    "last_ok",
    "sha256",
    "pages",
    "archive_path",
    "archived_url",
    "archived_timestamp",
)
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(?:i?b)?$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_BYTES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}

EntryIds = Annotated[
    list[str] | None,
    typer.Argument(metavar="[ID]...", help="Ids or id prefixes.", autocompletion=complete_ids),
]
Concurrency = Annotated[
    int | None,
    typer.Option(help="Requests in flight at once, in all [default: 32; fetch 8].", min=1),
]
PerHost = Annotated[
    int | None,
    typer.Option(help="Requests in flight to one host [default: 4; fetch 2].", min=1),
]
Timeout = Annotated[
    float | None,
    typer.Option(
        help="Seconds for one link, retries and waits included [default: 60; fetch 600].",
        min=0.1,
    ),
]
UpdateMoved = Annotated[
    bool, typer.Option("--update-moved", help="Rewrite links that moved permanently.")
]
AllLinks = Annotated[bool, typer.Option("--all", help="Report every link, not only the problems.")]
ReportFormat = Annotated[
    str, typer.Option("--format", help=f"Report as {', '.join(REPORT_FORMATS)}.")
]
Output = Annotated[
    str,
    typer.Option("--output", "-o", metavar="FILE", help="Write the report here (- for stdout)."),
]
FailOn = Annotated[
    str,
    typer.Option(
        help="Outcomes that make the exit status 1, comma-separated, or none: "
        f"{', '.join(OUTCOMES)}."
    ),
]


@selection_options(paging=False)
def check(
    ctx: typer.Context,
    selection: Selection,
    entry_ids: EntryIds = None,
    older_than: Annotated[
        str | None,
        typer.Option(help="Only links not checked for this long: 30m, 12h, 7d, 2w."),
    ] = None,
    concurrency: Concurrency = None,
    per_host: PerHost = None,
    timeout: Timeout = None,
    update_moved: UpdateMoved = False,
    all_: AllLinks = False,
    format_: ReportFormat = "table",
    output: Output = "-",
    fail_on: FailOn = DEFAULT_FAIL_ON,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest", help="Ask a web archive for the newest copy of each failing link."
        ),
    ] = False,
    archive: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The archive --suggest asks (implies --suggest): a Wayback availability API "
            "URL, or a Memento TimeMap URL [default: https://archive.org/wayback/available].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check links and record the result on each: ok, moved, broken, timeout or invalid.

    Every link of the selected entries (all entries unless ids or filters say
    otherwise) is requested: pages must answer 2xx; pdf, transcript and slides
    links must start with %PDF- (a page served instead is broken); a YouTube or
    Vimeo video the platform's oEmbed says was removed is broken. Problems
    are reported on stdout, a summary on stderr. Exit status 1 when a link
    has an outcome named by --fail-on (default: broken, timeout, invalid).

    Example:

    \b
        htcat check
        htcat check --older-than 7d --format json -o report.json
        htcat check --tag webinar --fail-on broken,moved --update-moved
        htcat check --suggest --format csv -o broken-with-copies.csv
    """
    from htcat.links.archive import WebArchive, archive_url

    state = state_of(ctx)
    failing = _outcomes(fail_on)
    _check_format(format_)
    suggest_from = archive_url(archive) if archive else WebArchive() if suggest else None
    checked_before = _stamp_before(older_than) if older_than else None
    chosen = _choose(state, entry_ids, selection, kinds=None, checked_before=checked_before)
    if not chosen:
        info("no links to check")
        return

    from htcat.links.catalog import unique_targets
    from htcat.links.check import CheckSettings, check_links

    limits: dict[str, Any] = {}
    if concurrency:
        limits["concurrency"] = concurrency
    if per_host:
        limits["per_host"] = per_host
    if timeout:
        limits["timeouts"] = _timeouts(timeout, read=20.0)
    settings = CheckSettings(**limits, suggest_from=suggest_from)
    targets = unique_targets(chosen)
    results, interrupted = _run(
        lambda report: check_links(targets, settings, report), len(targets), "checking"
    )
    _finish(state, chosen, results, interrupted, update_moved, all_, format_, output, failing)


@selection_options(paging=False)
def fetch(
    ctx: typer.Context,
    selection: Selection,
    entry_ids: EntryIds = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the documents [default: archive/ beside the catalog].",
            show_default=False,
        ),
    ] = None,
    max_bytes: Annotated[
        str, typer.Option(help="Largest document to keep: bytes, or 500K, 100M, 1G.")
    ] = "100M",
    kind: Annotated[
        list[str],
        typer.Option(
            "--kind",
            autocompletion=complete_kinds,
            help="Link kind to fetch (repeatable) [default: pdf, transcript, slides].",
            show_default=False,
        ),
    ] = [],  # noqa: B006
    concurrency: Concurrency = None,
    per_host: PerHost = None,
    timeout: Timeout = None,
    update_moved: UpdateMoved = False,
    all_: AllLinks = False,
    format_: ReportFormat = "table",
    output: Output = "-",
    fail_on: FailOn = DEFAULT_FAIL_ON,
) -> None:
    """Download linked documents into an archive named by SHA-256, and verify them.

    Records size, SHA-256, content type and, for PDFs, the page count on each
    link. A document whose SHA-256 differs from the last fetch is reported
    changed; the older file stays in the archive. A file that claims to be a
    PDF and that no reader opens is broken. Server-supplied file names are never used.

    Example:

    \b
        htcat fetch
        htcat fetch --type webinar --kind transcript --kind slides
        htcat fetch --fail-on broken,changed --format markdown -o fetch-report.md
    """
    state = state_of(ctx)
    failing = _outcomes(fail_on)
    _check_format(format_)
    for k in kind:
        if k not in LINK_KINDS:
            raise InputError(f"--kind {k!r}: expected one of {', '.join(LINK_KINDS)}")
    limit = _size(max_bytes)
    chosen = _choose(state, entry_ids, selection, kinds=set(kind or DOCUMENT_KINDS))
    if not chosen:
        info("no links to fetch")
        return

    from htcat.links.catalog import unique_targets
    from htcat.links.fetch import FetchSettings, FetchTarget, fetch_links

    options: dict[str, Any] = {"archive": archive or state.path.parent / "archive"}
    options["max_bytes"] = limit
    if concurrency:
        options["concurrency"] = concurrency
    if per_host:
        options["per_host"] = per_host
    if timeout:
        options["timeouts"] = _timeouts(timeout, read=30.0)
    settings = FetchSettings(**options)
    previous = {link.key: _sha256(link.previous) for link in chosen}
    targets = [
        FetchTarget(t.entry_id, t.url, t.kind, previous[(t.url, t.kind)])
        for t in unique_targets(chosen)
    ]
    results, interrupted = _run(
        lambda report: fetch_links(targets, settings, report), len(targets), "fetching"
    )
    _finish(state, chosen, results, interrupted, update_moved, all_, format_, output, failing)


def _choose(
    state: State,
    entry_ids: list[str] | None,
    selection: Selection,
    *,
    kinds: set[str] | None,
    checked_before: str | None = None,
) -> list[ChosenLink]:
    """The selected entries' links, read without the lock."""
    from htcat.links.catalog import choose_links

    catalog = state.read()
    named = dict.fromkeys(entry_ids or ())
    entries: list[Entry] = [catalog.get(i) for i in named] if named else catalog.entries()
    if not selection.filters.empty:
        entries = [e for e in entries if matches(e, selection.filters)]
    return choose_links(entries, kinds=kinds, checked_before=checked_before)


def _run(
    start: Callable[[Callable[[R], None]], Awaitable[list[R]]], total: int, doing: str
) -> tuple[list[R], bool]:
    """Run the network work; stop cleanly on Ctrl-C or SIGTERM, keeping what was found.

    Returns the results in the order they came and whether the run was interrupted.
    """
    import asyncio
    import signal

    found: list[R] = []
    progress = _Progress(total, doing) if sys.stderr.isatty() else None

    def report(result: R) -> None:
        found.append(result)
        if progress is not None:
            progress.update(len(found))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await start(report)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    interrupted = False
    try:
        with collecting():
            asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
    finally:
        if progress is not None:
            progress.close()
    return found, interrupted


def _finish(
    state: State,
    chosen: Sequence[ChosenLink],
    results: Sequence[R],
    interrupted: bool,
    update_moved: bool,
    all_: bool,
    format_: str,
    output: str,
    failing: set[str],
) -> None:
    """Save the results, report them, sum them up, and exit with the status they call for."""
    from htcat.links.archive import suggestion_note
    from htcat.links.catalog import save_results, spread

    per_link = spread(results, chosen)
    saved = save_results(
        state.path,
        per_link,
        update_moved=update_moved,
        lock_timeout=max(state.lock_timeout, MERGE_LOCK_WAIT),
    )
    previous = {(c.entry_id, c.url, c.kind): c.previous for c in chosen}
    shown = [
        {
            "entry_id": r.entry_id,
            "url": r.url,
            "kind": r.kind,
            **merge_check(previous.get((r.entry_id, r.url, r.kind)), r),
        }
        for r in per_link
        if all_ or r.outcome != "ok"
    ]
    _write_report(shown, format_, output)
    info(_summary(per_link, len(chosen), interrupted))
    if note := suggestion_note(per_link):
        warn(note)
    if saved.skipped:
        warn(
            f"{counted(saved.skipped, 'result')} not saved: "
            "their links were removed or changed meanwhile"
        )
    if saved.rewritten:
        info(f"rewrote {counted(saved.rewritten, 'moved link')}")
    if interrupted:
        raise typer.Exit(ExitStatus.INTERRUPTED)
    if any(r.outcome in failing for r in per_link):
        raise typer.Exit(ExitStatus.FOUND)


def _summary(results: Sequence[CheckResult], total: int, interrupted: bool) -> str:
    """``1,000 links: 962 ok, 21 moved, 17 broken``."""
    counts = Counter(r.outcome for r in results)
    parts = ", ".join(f"{counts[o]:,} {o}" for o in OUTCOMES if counts[o])
    if interrupted:
        return f"interrupted: {len(results):,} of {counted(total, 'link')} done" + (
            f" ({parts}); their results are saved" if parts else ""
        )
    return f"{counted(total, 'link')}: {parts}"


def _write_report(rows: list[dict[str, Any]], format_: str, output: str) -> None:
    if format_ == "table":
        text = _table(rows) if rows else ""
    elif format_ == "json":
        text = orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif format_ == "jsonl":
        text = "".join(orjson.dumps(row).decode() + "\n" for row in rows)
    elif format_ == "csv":
        text = _csv(rows)
    else:
        text = _markdown(rows)
    if output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_file_atomically(Path(output), text.encode(), what="report")


def _detail(row: dict[str, Any]) -> str:
    if row["error"] and row.get("archived"):
        copy = row["archived"]
        return f"{row['error']}; archived {copy['timestamp'][:10]}: {copy['url']}"
    if row["error"]:
        return str(row["error"])
    if row["moved_to"]:
        return f"moved to {row['moved_to']}"
    if row["outcome"] == "changed" and row["sha256"]:
        return f"new SHA-256 {row['sha256'][:12]}…"
    return ""


def _table(rows: list[dict[str, Any]]) -> str:
    cells = (
        (r["entry_id"], r["kind"], r["outcome"], r["status"] or "", r["url"], _detail(r))
        for r in rows
    )
    headers = ("entry", "kind", "outcome", "status", "url", "detail")
    return table(cells, headers, cuttable=("detail",)) + "\n"


def _csv(rows: list[dict[str, Any]]) -> str:
    from htcat.formats.csv import neutralize_formula

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        copy = row.get("archived") or {}
        flat = {**row, "archived_url": copy.get("url"), "archived_timestamp": copy.get("timestamp")}
        writer.writerow(neutralize_formula(_cell(flat.get(c))) for c in REPORT_COLUMNS)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(f"{status} {url}" for status, url in value)
    return str(value)


def _markdown(rows: list[dict[str, Any]]) -> str:
    from htcat.formats.markdown import escape_inline

    lines = ["| entry | kind | outcome | status | url | detail |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = (r["entry_id"], r["kind"], r["outcome"], _cell(r["status"]), r["url"], _detail(r))
        lines.append("| " + " | ".join(escape_inline(str(c)) for c in cells) + " |")
    return "\n".join(lines) + "\n"


class _Progress:
    """A one-line progress bar on standard error, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, total: int, doing: str) -> None:
        self.total = total
        self.doing = doing
        self.shown = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done < self.total and now - self.shown < PROGRESS_EVERY:
            return
        self.shown = now
        filled = self.WIDTH * done // max(self.total, 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r{self.doing} [{bar}] {done:,}/{self.total:,}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _outcomes(text: str) -> set[str]:
    """The outcomes ``--fail-on`` names; ``none`` for none."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    if names == {"none"}:
        return set()
    unknown = sorted(names - set(OUTCOMES))
    if unknown or not names:
        shown = ", ".join(unknown) or repr(text)
        raise InputError(
            f"--fail-on {shown}: expected outcomes among {', '.join(OUTCOMES)}, or none"
        )
    return names


def _check_format(format_: str) -> None:
    if format_ not in REPORT_FORMATS:
        raise InputError(f"--format {format_!r}: expected one of {', '.join(REPORT_FORMATS)}")


def _stamp_before(duration: str) -> str:
    """The timestamp ``duration`` (``7d``) ago, in the form checks are stamped with."""
    match = _DURATION.match(duration.strip().lower())
    if not match:
        raise InputError(f"--older-than {duration!r}: expected a number and s, m, h, d or w: 7d")
    seconds = int(match.group(1)) * _SECONDS[match.group(2)]
    try:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    except OverflowError:
        raise InputError(f"--older-than {duration!r}: too long ago") from None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _size(text: str) -> int:
    """Bytes from ``100M``, ``500K``, ``1G`` or a plain number (binary units)."""
    match = _SIZE.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise InputError(f"--max-bytes {text!r}: expected a size such as 100M, 500K or 1048576")
    return int(match.group(1)) * _BYTES[match.group(2).lower()]


def _timeouts(total: float, *, read: float) -> Timeouts:
    from htcat.links.client import Timeouts

    return Timeouts(connect=min(10.0, total), read=min(read, total), total=total)


def _sha256(check: Any) -> str | None:
    value = check.get("sha256") if isinstance(check, dict) else None
    return value if isinstance(value, str) else None


def register(app: typer.Typer) -> None:
    app.command()(check)
    app.command()(fetch)
