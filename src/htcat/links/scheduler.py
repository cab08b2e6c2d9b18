"""The scheduler of a run: which link goes when, within the global and per-host limits.

``run_links`` is the scaffold check and fetch share: one client, one Limiter,
one set of HostPace, links started round-robin across hosts in a bounded
window, each within its host's slot and its own time limit, results handed
back as they finish and returned in the targets' order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx

from htcat.links.client import build_client, host_key
from htcat.links.config import NetworkSettings, Policy
from htcat.links.pacing import HostPace, Hosts, NoTurn, Retry, retrying
from htcat.links.results import CheckResult, LinkTarget, Outcome

T = TypeVar("T")
L = TypeVar("L", bound=LinkTarget)
R = TypeVar("R", bound=CheckResult)


@dataclass(frozen=True)
class Run:
    """What every link of a run shares: the client, the limits, the hosts' pace, the settings."""

    client: httpx.AsyncClient
    limiter: Limiter
    hosts: Hosts
    settings: NetworkSettings


Attempt = Callable[[HostPace, float], Awaitable[tuple[T, Retry | None]]]
"""One try at a link, given its host's pace and when its turn came on the loop's clock."""


async def run_links(
    targets: Sequence[L],
    settings: NetworkSettings,
    one: Callable[[Run, L], Awaitable[R]],
    on_result: Callable[[R], None] | None = None,
    hosts: Hosts | None = None,
    on_start: Callable[[L], None] | None = None,
) -> list[R]:
    """Run ``one`` on every target; results come back in the targets' order.

    ``on_start`` is called as each link is taken up and ``on_result`` as it
    finishes (for progress — the links in between are those the run waits
    on — or to keep what was found if the run is interrupted); ``hosts`` is
    the pace of each host, for a caller that wants to see how long each made
    the run wait.
    """
    found: dict[int, R] = {}
    limiter = Limiter(settings.concurrency, settings.per_host, settings.policy)
    if hosts is None:
        hosts = Hosts(settings.retry.max_retry_after, settings.retry.host_wait)
    async with build_client(settings) as client:
        run = Run(client, limiter, hosts, settings)

        async def work(index: int) -> None:
            if on_start is not None:
                on_start(targets[index])
            result = await one(run, targets[index])
            found[index] = result
            if on_result is not None:
                on_result(result)

        window = settings.concurrency * 4
        await run_all(range(len(targets)), lambda i: host_key(targets[i].url), work, window)
    return [found[i] for i in range(len(targets))]


async def within_limits(
    run: Run,
    host: str,
    attempt: Attempt[T],
    unsettled: Callable[[Outcome, str], T],
) -> T:
    """Try a link at ``host`` (``name:port``) until it is settled, inside its slot and time limit.

    Each try waits for the host's turn, then for a global slot. The link's
    time limit starts when it gets its host's slot: a link queued behind
    others of its host has spent none of it. ``unsettled`` makes the result
    of a link that timed out or got no turn.
    """
    pace = run.hosts.of(host)
    total = run.settings.timeouts.total

    async def paced() -> tuple[T, Retry | None]:
        try:
            started = await pace.turn(deadline)
        except NoTurn as refused:
            return unsettled(refused.outcome, str(refused)), None
        async with run.limiter.requests:
            return await attempt(pace, started)

    async with run.limiter.host(host):
        deadline = asyncio.get_running_loop().time() + total
        try:
            async with asyncio.timeout_at(deadline):
                return await retrying(paced, run.settings.retry, deadline)
        except TimeoutError:
            return unsettled("timeout", f"no result within {total:g} s")


class Limiter:
    """A global limit on requests in flight and a smaller one per host.

    A link takes its host's slot for as long as it is being tried, and a
    global one only while a request of it is out: links queued behind a busy
    host, or waiting for a slowed host's turn, never hold slots other hosts
    could use.
    """

    def __init__(self, concurrency: int, per_host: int, policy: Policy | None = None) -> None:
        self.requests = asyncio.Semaphore(concurrency)
        """``async with limiter.requests:`` around a request."""
        self._per_host = per_host
        self._policy = policy or Policy()
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def host(self, host: str) -> asyncio.Semaphore:
        """``async with limiter.host(host):`` around a link of ``host``.

        ``host`` is ``name:port``; the policy's per-host limits match the name.
        """
        semaphore = self._hosts.get(host)
        if semaphore is None:
            limit = self._policy.per_host_for(host.rpartition(":")[0], self._per_host)
            semaphore = self._hosts[host] = asyncio.Semaphore(limit)
        return semaphore


async def run_all(
    items: Sequence[T],
    host: Callable[[T], str],
    work: Callable[[T], Awaitable[None]],
    window: int,
) -> None:
    """Run ``work`` on every item, at most ``window`` at a time, hosts interleaved.

    Items are started round-robin across hosts so that a long run of links to
    one host does not fill the window while other hosts sit idle; the window
    keeps memory flat on catalogs of any size.
    """
    slots = asyncio.Semaphore(window)

    async def one(item: T) -> None:
        try:
            await work(item)
        finally:
            slots.release()

    async with asyncio.TaskGroup() as group:
        for item in interleave(items, host):
            await slots.acquire()
            group.create_task(one(item))


def interleave(items: Sequence[T], key: Callable[[T], str]) -> list[T]:
    """``items`` reordered round-robin by ``key``, each group keeping its order."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    order: list[T] = []
    columns = list(groups.values())
    row = 0
    while columns:
        order.extend(column[row] for column in columns)
        row += 1
        columns = [column for column in columns if len(column) > row]
    return order
