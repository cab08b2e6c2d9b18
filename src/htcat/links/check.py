"""Checking links: is each one there, and is it what its kind promises (spec §4).

A check is cheap by design: HEAD for pages (GET only when HEAD is refused or
fails), and for documents a GET that asks for the first kilobyte and reads no
more, which is enough to tell a PDF from the HTML "not found" page a server
answers 200 with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from htcat.links.archive import Suggester, WebArchive
from htcat.links.client import (
    Followed,
    Limiter,
    NetworkSettings,
    RedirectRefused,
    Retry,
    address_of,
    build_client,
    describe_failure,
    host_key,
    open_following,
    read_head,
    retrying,
    run_all,
    status_retry,
)
from htcat.links.recordings import DEFAULT_PLATFORMS, Platform, unless_recording_gone
from htcat.links.results import CheckResult, LinkTarget, Outcome, answered, unanswered
from htcat.links.sniff import SNIFF_BYTES, describe_body, is_pdf, needs_document

OnResult = Callable[[CheckResult], None]
BUSY_STATUSES = frozenset({429, 503})
"""A HEAD answered with these is retried later, not straight away with a GET."""


@dataclass(frozen=True, kw_only=True)
class CheckSettings(NetworkSettings):
    """Limits for a check run; see NetworkSettings for the shared fields.

    ``recordings``: the video platforms whose oEmbed endpoint is asked whether
    a recording that answered with a page still exists (htcat.links.recordings).
    ``suggest_from``: the web archive asked for a copy of each failing link
    (htcat.links.archive); None, the default, asks none.
    """

    recordings: tuple[Platform, ...] = DEFAULT_PLATFORMS
    suggest_from: WebArchive | None = None


@dataclass(frozen=True)
class Seen:
    """One request's answer after redirects: the (closed) response and the body's start."""

    followed: Followed
    head: bytes
    complete: bool

    @property
    def response(self) -> httpx.Response:
        return self.followed.response


async def check_links(
    targets: Iterable[LinkTarget],
    settings: CheckSettings,
    on_result: OnResult | None = None,
) -> list[CheckResult]:
    """Check every target; results come back in the targets' order.

    ``on_result`` is called as each link finishes (for progress, or to keep
    what was found if the run is interrupted).
    """
    todo = list(targets)
    found: dict[int, CheckResult] = {}
    limiter = Limiter(settings.concurrency, settings.per_host)
    archive = settings.suggest_from
    suggester = Suggester(archive, settings.timeouts, settings.per_host) if archive else None
    async with build_client(settings) as client:

        async def check(index: int) -> None:
            result = await check_link(client, limiter, todo[index], settings)
            if suggester is not None:
                result = await suggester.with_suggestion(client, result)
            found[index] = result
            if on_result is not None:
                on_result(result)

        await run_all(
            range(len(todo)), lambda i: host_key(todo[i].url), check, settings.concurrency * 4
        )
    return [found[i] for i in range(len(todo))]


def run_checks(
    targets: Iterable[LinkTarget],
    settings: CheckSettings,
    on_result: OnResult | None = None,
) -> list[CheckResult]:
    """check_links for callers without an event loop."""
    return asyncio.run(check_links(targets, settings, on_result))


async def check_link(
    client: httpx.AsyncClient,
    limiter: Limiter,
    target: LinkTarget,
    settings: CheckSettings,
) -> CheckResult:
    """Check one link within its host's and the global limits and its time budget.

    Its URL is parsed here, when its turn comes, rather than every link's
    before the first request: 0.4 s at 10,000 links.
    """
    address = address_of(target.url)
    if address.problem or address.url is None:
        return unanswered(target, "invalid", address.problem or "not a valid URL")
    url = address.url
    async with limiter.slot(address.host):
        deadline = asyncio.get_running_loop().time() + settings.timeouts.total
        try:
            async with asyncio.timeout_at(deadline):
                result = await retrying(
                    lambda: _probe(client, target, url, settings), settings.retry, deadline
                )
        except TimeoutError:
            total = settings.timeouts.total
            return unanswered(target, "timeout", f"no result within {total:g} s")
        return await unless_recording_gone(client, result, settings.recordings, deadline)


async def _probe(
    client: httpx.AsyncClient, target: LinkTarget, url: httpx.URL, settings: CheckSettings
) -> tuple[CheckResult, Retry | None]:
    """One attempt at a link: the result, and whether it deserves another try."""
    try:
        if needs_document(target.kind):
            first_bytes = {"Range": f"bytes=0-{SNIFF_BYTES - 1}"}
            seen = await _look(client, "GET", url, settings, SNIFF_BYTES, first_bytes)
            if seen.response.status_code == 416:
                seen = await _look(client, "GET", url, settings, SNIFF_BYTES)
        else:
            seen = await _look(client, "HEAD", url, settings, 0)
            status = seen.response.status_code
            if not seen.response.is_success and status not in BUSY_STATUSES:
                seen = await _look(client, "GET", url, settings, 0)
    except RedirectRefused as refused:
        return unanswered(target, "broken", str(refused), redirects=refused.hops), None
    except Exception as exc:
        failure = describe_failure(exc, settings.timeouts)
        retry = Retry() if failure.retryable else None
        return unanswered(target, failure.outcome, failure.error), retry
    return _judge(target, seen, settings)


async def _look(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    settings: CheckSettings,
    read: int,
    headers: dict[str, str] | None = None,
) -> Seen:
    async with open_following(
        client, method, url, max_redirects=settings.max_redirects, headers=headers
    ) as followed:
        head, complete = await read_head(followed.response, read)
    return Seen(followed, head, complete)


def _judge(
    target: LinkTarget, seen: Seen, settings: CheckSettings
) -> tuple[CheckResult, Retry | None]:
    """The outcome of a request that got an HTTP answer."""
    response = seen.response
    size = _size(seen)
    if response.is_success:
        if needs_document(target.kind) and not is_pdf(seen.head):
            got = describe_body(seen.head, response.headers.get("content-type"))
            error = f"expected a PDF, got {got}"
            return answered(target, seen.followed, "broken", error=error, size=size), None
        outcome: Outcome = "moved" if seen.followed.moved_to else "ok"
        return answered(target, seen.followed, outcome, size=size), None
    retry, error = status_retry(response, settings.retry)
    return answered(target, seen.followed, "broken", error=error, size=size), retry


def _size(seen: Seen) -> int | None:
    """The full body's size: from Content-Range, the bytes read, or Content-Length."""
    headers = seen.response.headers
    if seen.response.status_code == 206:
        total = headers.get("content-range", "").rpartition("/")[2].strip()
        return int(total) if total.isdigit() else None
    if seen.complete:
        return len(seen.head)
    length = headers.get("content-length", "").strip()
    return int(length) if length.isdigit() else None
