"""When to ask again: retries with back-off, ``Retry-After``, and each host's pace.

A busy host is slowed as a whole, not one URL at a time: a 429 or 503 makes
every queued link of that host wait as it asked, then start no faster than
the host's pace, which halves after each refusal and recovers with each
answer, never below what its ``Retry-After`` last asked for. Without that,
each link obeys on its own and the host still sees bursts. But a URL that
alone keeps refusing while the host answers others is paced on its own
after a few refusals, and the host's pace is given back. A slowed host gets
a bounded share of the run (``host_wait``, from its first refusal): links
whose turn would come later are not asked, and say so. A host whose
connections are refused (or whose name does not resolve) a few times in a
run is given up for the rest of it: its other links would only wait for the
same answer.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

import httpx

from htcat.links.config import RetryPolicy
from htcat.links.results import HOST_BUSY

T = TypeVar("T")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another try: the server said it is busy or failed for now."""
SLOW_DOWN_STATUSES = frozenset({429, 503})
"""Statuses that slow the whole host."""
GIVE_UP_AFTER = 3
"""Refused connections (or failed lookups) after which a host is given up for the run."""
FIRST_PACE = 1.0
"""Seconds between requests to a host that refused without saying how long to wait."""
RECOVERY = 0.9
"""Each answer shortens a slowed host's pace by this factor, down to its floor."""
MARGIN = 1.1
"""A pace taken from ``Retry-After`` is kept a tenth longer: a request right on a
host's limit is refused as often as not, by the network's jitter alone."""
MAX_PACED_TRIES = 20
"""Tries of one link at a slowed host's pace, so that even a host that never relents ends."""
ALONE_AFTER = 2
"""Refusals of one URL after which, if no other URL of its host was refused, it is paced alone."""


class NoTurn(Exception):
    """The host will not be asked for this link: given up, or its turn is past the time limit."""

    def __init__(self, outcome: Literal["broken", "throttled"], error: str) -> None:
        super().__init__(error)
        self.outcome: Literal["broken", "throttled"] = outcome


class HostPace:
    """What a run knows of one host: when it may next be asked, and whether it is down.

    Turns are handed out in order: each ``turn`` reserves the next start
    ``interval`` after the one before, so links queued at a slowed host start
    one by one at its pace, never together when its wait ends.
    """

    __slots__ = (
        "busy_until",
        "down",
        "down_reason",
        "floor",
        "heard",
        "host_wait",
        "interval",
        "last_turn",
        "max_wait",
        "name",
        "next_start",
        "refusals",
        "refused",
        "slowed_at",
        "successes",
        "waited",
    )

    def __init__(self, name: str, max_wait: float, host_wait: float = float("inf")) -> None:
        self.name = name
        self.max_wait = max_wait
        self.host_wait = host_wait
        self.interval = 0.0
        self.floor = 0.0
        self.next_start = 0.0
        self.heard = float("-inf")
        """When the host last asked to slow down."""
        self.slowed_at = float("inf")
        """When the host first asked to slow down in this run."""
        self.busy_until = float("inf")
        """The last moment a turn may start: ``host_wait`` after the host's first refusal."""
        self.waited = 0.0
        """Seconds turns were held back by the host's pace, added over every link."""
        self.last_turn = float("-inf")
        """When the latest turn given started: with ``busy_until``, the run's time on the host."""
        self.refusals: dict[str, tuple[int, int]] = {}
        """Per URL: its refusals, and the host's refusals before its first."""
        self.refused = 0
        """429s and 503s from the host, every URL's."""
        self.successes = 0
        self.down = 0
        self.down_reason = ""

    async def turn(self, deadline: float) -> float:
        """Wait for this host's next turn and return its time on the loop's clock.

        Raises NoTurn when the host is given up, or when the turn would come
        after ``deadline``.
        """
        if self.down >= GIVE_UP_AFTER:
            raise NoTurn(
                "broken",
                f"{self.name}: {self.down_reason}; host given up for this run "
                f"after {self.down} failures",
            )
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self.next_start)
        if start > self.busy_until:
            raise NoTurn(
                "throttled",
                f"{HOST_BUSY}: {self.name} kept asking to slow down for "
                f"{self.host_wait:g} s (--host-wait)",
            )
        if start > deadline:
            raise NoTurn(
                "throttled",
                f"{self.name} asked to slow down: its next turn is {start - now:.0f} s away, "
                "past the link's time limit",
            )
        if self.interval:
            self.next_start = start + self.interval
        self.last_turn = max(self.last_turn, start)
        if start > now:
            self.waited += start - now
            await asyncio.sleep(start - now)
        return start

    def slow_down(self, started: float, after: float | None) -> float:
        """A 429 or 503 to a request started at ``started``; returns the seconds to the next turn.

        Only a request sent at the current pace makes it slower: the others
        of a burst were sent before the host was heard.
        """
        now = asyncio.get_running_loop().time()
        self.slowed_at = min(self.slowed_at, now)
        self.busy_until = min(self.busy_until, now + self.host_wait)
        first = after * MARGIN if after is not None else FIRST_PACE
        if started >= self.heard:
            self.interval = min(max(2.0 * self.interval, first), self.max_wait)
            self.heard = now
        if after is not None:
            self.floor = min(after * MARGIN, self.max_wait)
        wait = after if after is not None else self.interval
        self.next_start = max(self.next_start, now + wait)
        return self.next_start - now

    def answered(self, success: bool) -> None:
        """The host answered HTTP: it is up, and a success lets a slowed pace recover."""
        self.down = 0
        if success:
            self.successes += 1
        if success and self.interval > self.floor:
            self.interval = max(self.floor, self.interval * RECOVERY)

    def refused_alone(self, url: str) -> bool:
        """A 429 or 503 to ``url``: True once the URL is refusing alone, to be paced on its own.

        Alone means refused ``ALONE_AFTER`` times, with no other URL of the
        host refused since its first refusal, by a host that has answered
        others in this run. The first time, the pace and the time limit its
        refusals put on the host are lifted.
        """
        count, before = self.refusals.get(url, (0, self.refused))
        count += 1
        self.refused += 1
        self.refusals[url] = (count, before)
        alone = count >= ALONE_AFTER and self.successes > 0 and self.refused - before == count
        if alone and count == ALONE_AFTER:
            self.interval = self.floor = 0.0
            self.next_start = asyncio.get_running_loop().time()
            self.busy_until = float("inf")
        return alone

    def unreachable(self, reason: str) -> None:
        """A connection refused or a name that did not resolve."""
        self.down += 1
        self.down_reason = reason


class Hosts:
    """The HostPace of every host a run meets, by ``host:port``."""

    def __init__(self, max_wait: float, host_wait: float = float("inf")) -> None:
        self._max_wait = max_wait
        self._host_wait = host_wait
        self._hosts: dict[str, HostPace] = {}

    def of(self, host: str) -> HostPace:
        pace = self._hosts.get(host)
        if pace is None:
            pace = self._hosts[host] = HostPace(host, self._max_wait, self._host_wait)
        return pace

    def __iter__(self) -> Iterator[HostPace]:
        return iter(self._hosts.values())


@dataclass(frozen=True)
class Retry:
    """An attempt's request to be tried again.

    ``after`` is the seconds a server asked for, if it did; ``paced`` means the
    host's pace does the waiting (its turn), so the try does not count
    against the retries, only against the link's time limit.
    """

    after: float | None = None
    paced: bool = False


def retry_for(status: int, after: float | None) -> Retry | None:
    """Whether an answer with ``status`` deserves another try, and when.

    ``after`` is what its ``Retry-After`` asked for: honoured for every status
    worth retrying (a 500, 502 or 504 asking for 2 s is not asked again sooner).
    """
    return Retry(after) if status in RETRY_STATUSES else None


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (delay or HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def retrying(
    attempt: Callable[[], Awaitable[tuple[T, Retry | None]]],
    policy: RetryPolicy,
    deadline: float,
) -> T:
    """Run ``attempt`` until it needs no retry, retries run out, or waiting would pass ``deadline``.

    ``deadline`` is on the event loop's clock. Returns the last attempt's result.
    """
    loop = asyncio.get_running_loop()
    tries = paced = 0
    while True:
        result, retry = await attempt()
        if retry is None:
            return result
        if retry.paced:
            paced += 1
            if paced >= MAX_PACED_TRIES or loop.time() + (retry.after or 0.0) >= deadline:
                return result
            continue
        if tries >= policy.retries:
            return result
        wait = retry.after if retry.after is not None else policy.delay(tries)
        if loop.time() + wait >= deadline:
            return result
        tries += 1
        await asyncio.sleep(wait)
