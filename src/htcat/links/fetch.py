"""Fetching documents into an archive named by content.

Each document is streamed into a temporary file inside the archive folder
while it is hashed, verified (a PDF must open in a reader, see pdfread), then renamed to
``<archive>/<sha256[:2]>/<sha256>.<ext>``. The name comes from the content
alone, never from the URL or the server, so no answer can write outside the
archive; an older version stays when a document changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from htcat.links.client import Followed, address_of, open_following
from htcat.links.config import FetchSettings
from htcat.links.outcomes import (
    Settled,
    answered,
    failed,
    https_required,
    refused,
)
from htcat.links.pacing import HostPace, Hosts, Retry
from htcat.links.pdfread import read_pdf
from htcat.links.results import (
    FetchResult,
    LinkTarget,
    Outcome,
    as_fetched,
    unanswered,
)
from htcat.links.scheduler import Run, run_links, within_limits
from htcat.links.sniff import (
    SNIFF_BYTES,
    accepts,
    archive_extension,
    describe_body,
    expected,
    is_pdf,
    media_type,
    mislabelled_pdf,
    needs_document,
)
from htcat.plurals import size_in_words

OnFetched = Callable[[FetchResult], None]
PART_PREFIX = ".fetch-"
"""Partial downloads are ``.fetch-<pid>-<random>.part`` in the archive folder."""


@dataclass(frozen=True)
class FetchTarget(LinkTarget):
    """A link to fetch, with the SHA-256 of the copy fetched last time, if any."""

    previous_sha256: str | None = None


@dataclass(frozen=True)
class Download:
    """A body received in full into ``temp``, not yet verified or archived."""

    followed: Followed
    temp: Path
    sha256: str
    size: int
    head: bytes


Got = FetchResult | Download
"""An attempt's end: a result already, or a body to verify and archive."""


class _TooLarge(Exception):
    pass


class _Stalled(Exception):
    pass


class _CutShort(Exception):
    """The connection ended before the whole body came; ``received`` bytes had."""

    def __init__(self, received: int, cause: httpx.TransportError) -> None:
        super().__init__(str(cause))
        self.received = received


async def fetch_links(
    targets: Iterable[FetchTarget],
    settings: FetchSettings,
    on_result: OnFetched | None = None,
    hosts: Hosts | None = None,
    on_start: Callable[[FetchTarget], None] | None = None,
) -> list[FetchResult]:
    """Fetch every target into the archive; results come back in the targets' order."""
    settings.archive.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(settings.archive)

    async def one(run: Run, target: FetchTarget) -> FetchResult:
        return await fetch_link(run, target, settings)

    return await run_links(list(targets), settings, one, on_result, hosts, on_start)


def run_fetches(
    targets: Iterable[FetchTarget],
    settings: FetchSettings,
    on_result: OnFetched | None = None,
) -> list[FetchResult]:
    """fetch_links for callers without an event loop."""
    return asyncio.run(fetch_links(targets, settings, on_result))


async def fetch_link(run: Run, target: FetchTarget, settings: FetchSettings) -> FetchResult:
    """Fetch one link within the limits and its time budget, then verify and archive it."""
    address = address_of(target.url)
    if address.problem or address.url is None:
        return as_fetched(unanswered(target, "invalid", address.problem or "not a valid URL"))
    if problem := https_required(target.url, settings):
        return as_fetched(unanswered(target, "invalid", problem))

    async def attempt(pace: HostPace, started: float) -> tuple[Got, Retry | None]:
        return await _download(run, pace, target, settings, started)

    def unsettled(outcome: Outcome, error: str) -> Got:
        return as_fetched(unanswered(target, outcome, error))

    got = await within_limits(run, address.host, attempt, unsettled)
    if isinstance(got, FetchResult):
        return got
    try:
        return await _archive(target, got, settings)
    finally:
        got.temp.unlink(missing_ok=True)


async def _download(
    run: Run, pace: HostPace, target: FetchTarget, settings: FetchSettings, started: float
) -> tuple[Got, Retry | None]:
    """One attempt: the whole body in a temporary file, or why not."""
    try:
        async with open_following(
            run.client, "GET", target.url, max_redirects=settings.max_redirects
        ) as followed:
            response = followed.response
            if not response.is_success:
                return _fetched(refused(target, followed, settings, pace, started))
            pace.answered(success=True)
            declared = response.headers.get("content-length", "").strip()
            if declared.isdigit() and int(declared) > settings.max_bytes:
                error = (
                    f"larger than {size_in_words(settings.max_bytes)} "
                    f"(Content-Length {size_in_words(int(declared))})"
                )
                return as_fetched(answered(target, followed, "too-large", error=error)), None
            try:
                return await _receive(followed, settings), None
            except _TooLarge:
                error = f"larger than {size_in_words(settings.max_bytes)}"
                return as_fetched(answered(target, followed, "too-large", error=error)), None
            except _Stalled:
                stall = settings.stall
                error = (
                    f"stalled: less than {size_in_words(stall.min_rate)} a second "
                    f"over {stall.window:g} s"
                )
                return as_fetched(answered(target, followed, "timeout", error=error)), None
            except _CutShort as cut:
                error = f"cut short: {cut_short(response, cut.received)}"
                return as_fetched(answered(target, followed, "broken", error=error)), Retry()
    except Exception as exc:
        return _fetched(failed(exc, target, settings, run.hosts))


def _fetched(settled: Settled) -> tuple[FetchResult, Retry | None]:
    result, retry = settled
    return as_fetched(result), retry


async def _receive(followed: Followed, settings: FetchSettings) -> Download:
    """Stream the body into a temporary file in the archive, hashing as it comes.

    The stall rule is a deadline that each window's worth of bytes
    (``min_rate * window``) pushes one window further: a body that trickles
    below the rate, or stops, runs into it. The file is removed if anything
    goes wrong, including cancellation.
    """
    prefix = f"{PART_PREFIX}{os.getpid()}-"
    handle, name = tempfile.mkstemp(dir=settings.archive, prefix=prefix, suffix=".part")
    temp = Path(name)
    digest = hashlib.sha256()
    head = bytearray()
    size = 0
    loop = asyncio.get_running_loop()
    window = settings.stall.window
    quota = settings.stall.min_rate * window
    counted = 0
    try:
        with os.fdopen(handle, "wb") as out:
            stall = asyncio.timeout_at(loop.time() + window)
            try:
                async with stall:
                    async for chunk in followed.response.aiter_bytes():
                        size += len(chunk)
                        if size > settings.max_bytes:
                            raise _TooLarge
                        digest.update(chunk)
                        out.write(chunk)
                        if len(head) < SNIFF_BYTES:
                            head += chunk[: SNIFF_BYTES - len(head)]
                        counted += len(chunk)
                        if counted >= quota:
                            counted = 0
                            stall.reschedule(loop.time() + window)
            except TimeoutError:
                if stall.expired():
                    raise _Stalled from None
                raise
            except httpx.TransportError as exc:
                raise _CutShort(size, exc) from exc
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Download(followed, temp, digest.hexdigest(), size, bytes(head))


async def _archive(target: FetchTarget, got: Download, settings: FetchSettings) -> FetchResult:
    """Verify a downloaded body and move it to its place in the archive."""
    content_type = got.followed.response.headers.get("content-type")
    if needs_document(target.kind):
        wrong = not accepts(target.kind, got.head, content_type)
        wanted = expected(target.kind)
    else:
        wrong = media_type(content_type) == "application/pdf" and not is_pdf(got.head)
        wanted = "a PDF"
    if wrong:
        error = f"expected {wanted}, got {describe_body(got.head, content_type)}"
        return as_fetched(answered(target, got.followed, "broken", error=error, size=got.size))
    pages = None
    if is_pdf(got.head):
        reading = await asyncio.to_thread(read_pdf, got.temp)
        if reading.state == "unreadable":
            error = f"not a readable PDF: {reading.error}"
            return as_fetched(answered(target, got.followed, "broken", error=error, size=got.size))
        pages = reading.pages
    relative = Path(got.sha256[:2]) / f"{got.sha256}{archive_extension(got.head, content_type)}"
    destination = settings.archive / relative
    destination.parent.mkdir(exist_ok=True)
    if destination.exists():
        got.temp.unlink()
    else:
        got.temp.replace(destination)
    outcome: Outcome = "moved" if got.followed.moved_to else "ok"
    if target.previous_sha256 and target.previous_sha256 != got.sha256:
        outcome = "changed"
    warning = mislabelled_pdf(got.head, content_type)
    return as_fetched(
        answered(target, got.followed, outcome, size=got.size, warning=warning),
        sha256=got.sha256,
        pages=pages,
        archive_path=relative.as_posix(),
    )


def cut_short(response: httpx.Response, received: int) -> str:
    """``HTTP 200 sent 512 KB of 2 MB`` (or ``… of an unknown length``)."""
    declared = response.headers.get("content-length", "").strip()
    whole = size_in_words(int(declared)) if declared.isdigit() else "an unknown length"
    return f"HTTP {response.status_code} sent {size_in_words(received)} of {whole}"


def remove_stale_parts(archive: Path) -> None:
    """Delete the partial downloads of fetches that died (killed, or the machine went down).

    A part file names the process writing it; one whose process is gone is
    stale. Parts of fetches still running, here or beside us, are left alone.
    """
    for part in archive.glob(f"{PART_PREFIX}*.part"):
        pid = part.name.removeprefix(PART_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                part.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
