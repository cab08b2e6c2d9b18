"""Checking links: is each one there, and is it what its kind promises.

A link is judged by a GET, never a HEAD: servers answer HEAD 200 for pages a
GET finds missing, and refuse HEAD for pages that are there. The GET asks
for the first kilobyte (a Range request) and reads no more, which is enough
to tell a PDF from the HTML "not found" page a server answers 200 with; the
status stored is the one a plain GET gets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from htcat.links.archive import Suggester
from htcat.links.client import Followed, address_of, open_following, read_head
from htcat.links.config import CheckSettings
from htcat.links.outcomes import (
    Settled,
    answered,
    failed,
    https_required,
    read_failed,
    refused,
)
from htcat.links.pacing import HostPace, Hosts
from htcat.links.recordings import unless_recording_gone
from htcat.links.results import CheckResult, LinkTarget, Outcome, unanswered
from htcat.links.scheduler import Run, run_links, within_limits
from htcat.links.sniff import (
    SNIFF_BYTES,
    accepts,
    describe_body,
    expected,
    mislabelled_pdf,
    needs_document,
)

OnResult = Callable[[CheckResult], None]
OnStart = Callable[[LinkTarget], None]
FIRST_BYTES = {"Range": f"bytes=0-{SNIFF_BYTES - 1}"}


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
    hosts: Hosts | None = None,
    on_start: OnStart | None = None,
) -> list[CheckResult]:
    """Check every target; results come back in the targets' order (see run_links).

    A link that answered is then asked after at its video platform's oEmbed
    endpoint (is the recording still there?) within what is left of its time,
    and a failing one at the web archive of ``suggest_from``, when there is one.
    """
    archive = settings.suggest_from
    suggester = Suggester(archive, settings.timeouts, settings.per_host) if archive else None

    async def one(run: Run, target: LinkTarget) -> CheckResult:
        deadline = asyncio.get_running_loop().time() + settings.timeouts.total
        result = await check_link(run, target)
        result = await unless_recording_gone(run.client, result, settings.recordings, deadline)
        if suggester is not None:
            result = await suggester.with_suggestion(run.client, result)
        return result

    return await run_links(list(targets), settings, one, on_result, hosts, on_start)


def run_checks(
    targets: Iterable[LinkTarget], settings: CheckSettings, on_result: OnResult | None = None
) -> list[CheckResult]:
    """check_links for callers without an event loop."""
    return asyncio.run(check_links(targets, settings, on_result))


async def check_link(run: Run, target: LinkTarget) -> CheckResult:
    """Check one link within its host's and the global limits and its time budget.

    Its URL is parsed here, when its turn comes, rather than every link's
    before the first request: 0.4 s at 10,000 links.
    """
    address = address_of(target.url)
    if address.problem or address.url is None:
        return unanswered(target, "invalid", address.problem or "not a valid URL")
    if problem := https_required(target.url, run.settings):
        return unanswered(target, "invalid", problem)
    url = address.url

    async def attempt(pace: HostPace, started: float) -> Settled:
        return await _probe(run, pace, target, url, started)

    def unsettled(outcome: Outcome, error: str) -> CheckResult:
        return unanswered(target, outcome, error)

    return await within_limits(run, address.host, attempt, unsettled)


async def _probe(
    run: Run, pace: HostPace, target: LinkTarget, url: httpx.URL, started: float
) -> Settled:
    """One attempt at a link: the result, and whether it deserves another try."""
    try:
        seen = await _look(run, url, FIRST_BYTES)
        if seen.response.status_code == 416:
            seen = await _look(run, url, None)
    except Exception as exc:
        return failed(exc, target, run.settings, run.hosts)
    return _judge(run, pace, started, target, seen)


async def _look(run: Run, url: httpx.URL, headers: dict[str, str] | None) -> Seen:
    async with open_following(
        run.client, "GET", url, max_redirects=run.settings.max_redirects, headers=headers
    ) as followed:
        try:
            head, complete = await read_head(followed.response, SNIFF_BYTES)
        except httpx.TransportError as exc:
            raise read_failed(exc, followed) from exc
    return Seen(followed, head, complete)


def _judge(run: Run, pace: HostPace, started: float, target: LinkTarget, seen: Seen) -> Settled:
    """The outcome of a request that got an HTTP answer."""
    response = seen.response
    size = _size(seen)
    if not response.is_success:
        return refused(target, seen.followed, run.settings, pace, started, size)
    pace.answered(success=True)
    content_type = response.headers.get("content-type")
    if needs_document(target.kind) and not accepts(target.kind, seen.head, content_type):
        got = describe_body(seen.head, content_type)
        error = f"expected {expected(target.kind)}, got {got}"
        return answered(target, seen.followed, "broken", error=error, size=size), None
    if problem := https_required(str(response.url), run.settings):
        return answered(target, seen.followed, "broken", error=problem, size=size), None
    outcome: Outcome = "moved" if seen.followed.moved_to else "ok"
    warning = mislabelled_pdf(seen.head, content_type)
    return answered(target, seen.followed, outcome, size=size, warning=warning), None


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
