"""Link commands: ``htcat check`` and ``htcat fetch`` (cron set-up in docs/cron.md).

Both read the catalog without its lock, do the network work, then merge what
they found under the lock, so edits made meanwhile are kept. Ctrl-C or
SIGTERM stops the run; the results gathered so far are saved and reported,
and the exit status is 130. The check policy is read from ``htcat.toml``
beside the catalog; the options add to it. httpx and pypdfium2 load only here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from htcat.catalog import Choice, entries_chosen
from htcat.cli.collector import collecting
from htcat.cli.completion import complete_kinds
from htcat.cli.doctext import TextReader
from htcat.cli.durations import stamp_before
from htcat.cli.linkreports import deliver, fails_run, fitted_table, nothing_due, prepare_output
from htcat.cli.options import (
    EntryIds,
    RunOptions,
    Selection,
    finite_seconds,
    run_options,
    selection_options,
)
from htcat.cli.output import info, warn
from htcat.cli.progress import progress_bar
from htcat.cli.state import State, state_of
from htcat.errors import ExitStatus, InputError
from htcat.links.results import CheckResult, LinkTarget
from htcat.links.sniff import DOCUMENT_KINDS
from htcat.model import LINK_KINDS
from htcat.plurals import counted

if TYPE_CHECKING:
    from htcat.links.catalog import ChosenLink
    from htcat.links.config import LinkConfig, NetworkSettings, Timeouts

R = TypeVar("R", bound=CheckResult)
S = TypeVar("S", bound="NetworkSettings")

MERGE_LOCK_WAIT = 60.0
"""The least a finished run waits for the catalog lock: its results took long to gather."""
_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(?:i?b)?$", re.IGNORECASE)
_BYTES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@selection_options(paging=False)
@run_options
def check(
    ctx: typer.Context,
    selection: Selection,
    run: RunOptions,
    entry_ids: EntryIds = None,
    older_than: Annotated[
        str | None,
        typer.Option(help="Only links not checked for this long: 30m, 12h, 7d, 2w."),
    ] = None,
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
    fail_after: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            min=1,
            help="Fail only for links that failed N checks in a row [default: 1, or "
            "fail_after in htcat.toml].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check links and record the result on each: ok, moved, broken, throttled, timeout, invalid.

    Every link of the selected entries (all entries unless ids or filters say
    otherwise) is asked for with a GET of its first kilobyte: pages must
    answer 2xx; pdf links must be a PDF, slides a PDF, PowerPoint or
    OpenDocument file, transcripts and Q&A a PDF, page or text (anything else is
    broken; so is a YouTube or Vimeo video the platform's oEmbed says was
    removed). A host that keeps answering 429 gets --host-wait seconds; its
    links not asked keep their state ("not checked: host busy"). Only a
    link's changes of state are written: a quiet night changes no byte of
    the catalog. Problems are reported on stdout, a
    summary on stderr. Exit status 1 when a link has an outcome named by
    --fail-on (default: broken, timeout, invalid) and, for a failure, has
    failed --fail-after checks in a row. The policy in htcat.toml beside the
    catalog applies (docs/cron.md).

    Example:

    \b
        htcat check
        htcat check --older-than 7d --format json -o report.json
        htcat check --tag webinar --fail-on broken,moved --update-moved
        htcat check --older-than 20h --fail-after 3
        htcat check --suggest --format csv -o broken-with-copies.csv
    """
    from htcat.links.config import CheckSettings
    from htcat.links.policy import archive_url

    state = state_of(ctx)
    prepare_output(run)
    checked_before = stamp_before(older_than, "--older-than") if older_than else None
    chosen = _choose(state, entry_ids, selection, kinds=None, checked_before=checked_before)
    config = _policy_config(state)
    asked = suggest or archive is not None or config.suggest.enabled
    suggest_from = archive_url(archive) if archive else config.suggest.archive if asked else None
    settings = _settings(
        config,
        run,
        CheckSettings,
        read=20.0,
        recordings=config.recordings,
        suggest_from=suggest_from,
    )
    chosen = _unskipped(chosen, settings)
    if not chosen:
        nothing_due(run, "no links to check")
        return

    from htcat.links.catalog import unique_targets
    from htcat.links.check import check_links

    targets = unique_targets(chosen)
    results, interrupted = _run(
        lambda report, begin: check_links(targets, settings, report, on_start=begin),
        len(targets),
        "checking",
    )
    _finish(state, chosen, results, interrupted, run, fail_after=fail_after or config.fail_after)


@selection_options(paging=False)
@run_options
def fetch(
    ctx: typer.Context,
    selection: Selection,
    run: RunOptions,
    entry_ids: EntryIds = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the documents [default: archive/ beside the catalog].",
            show_default=False,
        ),
    ] = None,
    max_bytes: Annotated[
        str,
        typer.Option(help="Largest document to keep (larger: too-large): bytes, 500K, 100M, 1G."),
    ] = "100M",
    speed_limit: Annotated[
        int,
        typer.Option(
            help="Bytes a second a download must keep up over --speed-time, or it is given up.",
            min=0,
        ),
    ] = 1024,
    speed_time: Annotated[
        float,
        typer.Option(
            help="Seconds the --speed-limit is averaged over.", min=0.1, callback=finite_seconds
        ),
    ] = 30.0,
    kind: Annotated[
        list[str],
        typer.Option(
            "--kind",
            autocompletion=complete_kinds,
            help="Link kind to fetch (repeatable) [default: pdf, transcript, qa, slides].",
            show_default=False,
        ),
    ] = [],  # noqa: B006
) -> None:
    """Download linked documents into an archive named by SHA-256, and verify them.

    Records size, SHA-256, content type and, for PDFs, the page count on each
    link. A document whose SHA-256 differs from the last fetch is reported
    changed, and stays changed (whatever checks run meanwhile) until a fetch
    finds it unchanged; the older file stays in the archive. A file that
    claims to be a PDF and does not parse is broken; one over --max-bytes is
    too-large (no failure); a download slower than --speed-limit bytes a
    second over --speed-time seconds is given up (timeout). Server-supplied
    file names are never used.

    Example:

    \b
        htcat fetch
        htcat fetch --type webinar --kind transcript --kind slides
        htcat fetch --fail-on broken,changed --format markdown -o fetch-report.md
    """
    state = state_of(ctx)
    prepare_output(run)
    for k in kind:
        if k not in LINK_KINDS:
            raise InputError(f"--kind {k!r}: expected one of {', '.join(LINK_KINDS)}")
    limit = _size(max_bytes)
    chosen = _choose(state, entry_ids, selection, kinds=set(kind or DOCUMENT_KINDS))
    from htcat.links.config import FetchSettings, Stall

    config = _policy_config(state)
    settings = _settings(
        config,
        run,
        FetchSettings,
        read=30.0,
        archive=archive or state.path.parent / "archive",
        max_bytes=limit,
        stall=Stall(min_rate=speed_limit, window=speed_time),
    )
    chosen = _unskipped(chosen, settings)
    if not chosen:
        nothing_due(run, "no links to fetch")
        return

    from htcat.links.catalog import unique_targets
    from htcat.links.fetch import FetchTarget, fetch_links

    previous = {link.key: _sha256(link.previous) for link in chosen}
    targets = [
        FetchTarget(t.entry_id, t.url, t.kind, previous[(t.url, t.kind)])
        for t in unique_targets(chosen)
    ]
    reader = TextReader(state.path, settings.archive, config.documents, previous)
    results, interrupted = _run(
        lambda report, begin: fetch_links(targets, settings, reader.also(report), on_start=begin),
        len(targets),
        "fetching",
    )
    reader.finish(interrupted)
    _finish(state, chosen, results, interrupted, run)


def _policy_config(state: State) -> LinkConfig:
    """The check policy in the file beside the catalog (the defaults when there is none)."""
    from htcat.links.policy import POLICY_FILE, read_config

    return read_config(state.path.parent / POLICY_FILE)


def _settings(
    config: LinkConfig, run: RunOptions, kind: type[S], *, read: float, **extra: Any
) -> S:
    """The run's settings: the defaults, then the policy, then the options."""
    from htcat.links.policy import parse_accept

    accepted = tuple(parse_accept(a) for a in run.accept)
    policy = config.policy.with_options(
        require_https=run.require_https, skip=run.skip, accept=accepted
    )
    from htcat.links.config import RetryPolicy

    options: dict[str, Any] = {
        "policy": policy,
        "retry": RetryPolicy(host_wait=run.host_wait),
        **extra,
    }
    user_agent = run.user_agent or config.user_agent
    if user_agent:
        options["user_agent"] = user_agent
    if run.concurrency:
        options["concurrency"] = run.concurrency
    if run.per_host:
        options["per_host"] = run.per_host
    if run.timeout:
        options["timeouts"] = _timeouts(run.timeout, read=read)
    return kind(**options)


def _unskipped(chosen: list[ChosenLink], settings: NetworkSettings) -> list[ChosenLink]:
    """The chosen links the policy does not skip; says how many it skipped."""
    kept = [link for link in chosen if not settings.policy.skips(link.url)]
    skipped = len(chosen) - len(kept)
    if skipped:
        info(f"{counted(skipped, 'link')} skipped by the policy")
    return kept


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
    from htcat.links.checktimes import read_check_times

    # Every entry when none is named: what a nightly check is for.
    choice = Choice(tuple(entry_ids or ()), selection.filters, every=True)
    entries = entries_chosen(state.read(), choice)
    times = read_check_times(state.path) if checked_before else None
    return choose_links(entries, kinds=kinds, checked_before=checked_before, check_times=times)


def _run(
    start: Callable[[Callable[[R], None], Callable[[LinkTarget], None]], Awaitable[list[R]]],
    total: int,
    doing: str,
) -> tuple[list[R], bool]:
    """Run the network work; stop cleanly on Ctrl-C or SIGTERM, keeping what was found.

    ``start(report, begin)`` starts it, calling ``begin`` as each link is
    taken up and ``report`` as it finishes. Returns the results in the order
    they came and whether the run was interrupted.
    """
    import asyncio
    import signal

    found: list[R] = []
    progress = progress_bar(doing, total)

    def begin(target: LinkTarget) -> None:
        progress.started(_shown_url(target.url))

    def report(result: R) -> None:
        found.append(result)
        progress.finished(_shown_url(result.url))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await start(report, begin)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    interrupted = False
    try:
        with collecting():
            asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
    finally:
        progress.close()
    return found, interrupted


def _shown_url(url: str) -> str:
    """A link as a progress bar names it: without its scheme."""
    return url.partition("://")[2] or url


def _finish(
    state: State,
    chosen: Sequence[ChosenLink],
    results: Sequence[R],
    interrupted: bool,
    run: RunOptions,
    *,
    fail_after: int = 1,
) -> None:
    """Save the results, report them, sum them up, and exit with the status they call for.

    A failure fails the run only once its link has failed ``fail_after`` checks in a row.
    """
    from htcat.formats.linkreport import render, report_rows, suggestion_note, summary
    from htcat.links.catalog import save_results, spread

    per_link = spread(results, chosen)
    saved = save_results(
        state.path,
        per_link,
        update_moved=run.update_moved,
        allow_downgrade=run.allow_downgrade,
        lock_timeout=max(state.lock_timeout, MERGE_LOCK_WAIT),
    )
    previous = {(c.entry_id, c.url, c.kind): c.previous for c in chosen}
    states = report_rows(per_link, previous, every_link=True)
    rows = report_rows(per_link, previous, every_link=run.every_link)
    deliver(run, render(rows, run.format, table=fitted_table))
    info(summary(states, len(chosen), interrupted))
    if note := suggestion_note(per_link):
        warn(note)
    if saved.skipped:
        warn(
            f"{counted(saved.skipped, 'result')} not saved: "
            "their links were removed or changed meanwhile"
        )
    if saved.rewritten:
        info(f"rewrote {counted(saved.rewritten, 'moved link')}")
    if saved.merged:
        info(
            f"dropped {counted(saved.merged, 'moved link')} "
            "whose entry already links to the new URL"
        )
    if saved.kept_https:
        warn(
            f"kept {counted(saved.kept_https, 'https link')} that moved to http "
            "(--allow-downgrade rewrites them)"
        )
    if interrupted:
        raise typer.Exit(ExitStatus.INTERRUPTED)
    if any(fails_run(row, run.fail_on, fail_after) for row in states):
        raise typer.Exit(ExitStatus.FOUND)


def _size(text: str) -> int:
    """Bytes from ``100M``, ``500K``, ``1G`` or a plain number (binary units)."""
    match = _SIZE.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise InputError(f"--max-bytes {text!r}: expected a size such as 100M, 500K or 1048576")
    return int(match.group(1)) * _BYTES[match.group(2).lower()]


def _timeouts(total: float, *, read: float) -> Timeouts:
    from htcat.links.config import Timeouts

    return Timeouts(connect=min(10.0, total), read=min(read, total), total=total)


def _sha256(check: Any) -> str | None:
    value = check.get("sha256") if isinstance(check, dict) else None
    return value if isinstance(value, str) else None


def register(app: typer.Typer) -> None:
    app.command()(check)
    app.command()(fetch)
