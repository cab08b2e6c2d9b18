"""Fetching documents into an archive named by content (spec §4).

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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from htcat.links.client import (
    Followed,
    Limiter,
    NetworkSettings,
    RedirectRefused,
    Retry,
    Timeouts,
    build_client,
    describe_failure,
    host_key,
    host_of,
    open_following,
    retrying,
    run_all,
    status_retry,
    url_problem,
)
from htcat.links.pdfread import read_pdf
from htcat.links.results import (
    FetchResult,
    LinkTarget,
    Outcome,
    answered,
    as_fetched,
    unanswered,
)
from htcat.links.sniff import (
    SNIFF_BYTES,
    archive_extension,
    describe_body,
    is_pdf,
    media_type,
    needs_document,
)

OnFetched = Callable[[FetchResult], None]
MiB = 1024 * 1024
PART_PREFIX = ".fetch-"
"""Partial downloads are ``.fetch-<pid>-<random>.part`` in the archive folder."""


@dataclass(frozen=True, kw_only=True)
class FetchSettings(NetworkSettings):
    """Where documents go, how large one may be, and gentler limits than a check."""

    archive: Path
    max_bytes: int = 100 * MiB
    concurrency: int = 8
    per_host: int = 2
    timeouts: Timeouts = field(default_factory=lambda: Timeouts(read=30.0, total=600.0))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, not {self.max_bytes}")


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


class _TooLarge(Exception):
    pass


async def fetch_links(
    targets: Iterable[FetchTarget],
    settings: FetchSettings,
    on_result: OnFetched | None = None,
) -> list[FetchResult]:
    """Fetch every target into the archive; results come back in the targets' order."""
    todo = list(targets)
    settings.archive.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(settings.archive)
    found: dict[int, FetchResult] = {}
    limiter = Limiter(settings.concurrency, settings.per_host)
    async with build_client(settings) as client:

        async def fetch(index: int) -> None:
            result = await fetch_link(client, limiter, todo[index], settings)
            found[index] = result
            if on_result is not None:
                on_result(result)

        await run_all(
            range(len(todo)), lambda i: host_key(todo[i].url), fetch, settings.concurrency * 4
        )
    return [found[i] for i in range(len(todo))]


def run_fetches(
    targets: Iterable[FetchTarget],
    settings: FetchSettings,
    on_result: OnFetched | None = None,
) -> list[FetchResult]:
    """fetch_links for callers without an event loop."""
    return asyncio.run(fetch_links(targets, settings, on_result))


async def fetch_link(
    client: httpx.AsyncClient, limiter: Limiter, target: FetchTarget, settings: FetchSettings
) -> FetchResult:
    """Fetch one link within the limits and its time budget, then verify and archive it."""
    if problem := url_problem(target.url):
        return as_fetched(unanswered(target, "invalid", problem))
    async with limiter.slot(host_of(target.url)):
        deadline = asyncio.get_running_loop().time() + settings.timeouts.total
        try:
            async with asyncio.timeout_at(deadline):
                got = await retrying(
                    lambda: _download(client, target, settings), settings.retry, deadline
                )
        except TimeoutError:
            total = settings.timeouts.total
            return as_fetched(unanswered(target, "timeout", f"no result within {total:g} s"))
    if isinstance(got, FetchResult):
        return got
    try:
        return await _archive(target, got, settings)
    finally:
        got.temp.unlink(missing_ok=True)


async def _download(
    client: httpx.AsyncClient, target: FetchTarget, settings: FetchSettings
) -> tuple[FetchResult | Download, Retry | None]:
    """One attempt: the whole body in a temporary file, or why not."""
    try:
        async with open_following(
            client, "GET", target.url, max_redirects=settings.max_redirects
        ) as followed:
            response = followed.response
            if not response.is_success:
                retry, error = status_retry(response, settings.retry)
                return as_fetched(answered(target, followed, "broken", error=error)), retry
            declared = response.headers.get("content-length", "").strip()
            if declared.isdigit() and int(declared) > settings.max_bytes:
                error = f"larger than {settings.max_bytes} bytes (Content-Length {declared})"
                return as_fetched(answered(target, followed, "broken", error=error)), None
            try:
                return await _receive(followed, settings), None
            except _TooLarge:
                error = f"larger than {settings.max_bytes} bytes"
                return as_fetched(answered(target, followed, "broken", error=error)), None
    except RedirectRefused as refused:
        failed = unanswered(target, "broken", str(refused), redirects=refused.hops)
        return as_fetched(failed), None
    except Exception as exc:
        failure = describe_failure(exc, settings.timeouts)
        retry = Retry() if failure.retryable else None
        return as_fetched(unanswered(target, failure.outcome, failure.error)), retry


async def _receive(followed: Followed, settings: FetchSettings) -> Download:
    """Stream the body into a temporary file in the archive, hashing as it comes.

    The file is removed if anything goes wrong, including cancellation.
    """
    prefix = f"{PART_PREFIX}{os.getpid()}-"
    handle, name = tempfile.mkstemp(dir=settings.archive, prefix=prefix, suffix=".part")
    temp = Path(name)
    digest = hashlib.sha256()
    head = bytearray()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in followed.response.aiter_bytes():
                size += len(chunk)
                if size > settings.max_bytes:
                    raise _TooLarge
                digest.update(chunk)
                out.write(chunk)
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Download(followed, temp, digest.hexdigest(), size, bytes(head))


async def _archive(target: FetchTarget, got: Download, settings: FetchSettings) -> FetchResult:
    """Verify a downloaded body and move it to its place in the archive."""
    content_type = got.followed.response.headers.get("content-type")
    claims_pdf = needs_document(target.kind) or media_type(content_type) == "application/pdf"
    if claims_pdf and not is_pdf(got.head):
        error = f"expected a PDF, got {describe_body(got.head, content_type)}"
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
    return as_fetched(
        answered(target, got.followed, outcome, size=got.size),
        sha256=got.sha256,
        pages=pages,
        archive_path=relative.as_posix(),
    )


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
