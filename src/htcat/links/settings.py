"""What a check or fetch run is allowed to do, as explicit objects: limits, timeouts, retries.

Every number a run obeys lives here with its default, so the CLI, the config
file and a script build the same settings, and no limit hides in a call.
Importing this module is cheap: no network library.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from htcat.links.archive import WebArchive
from htcat.links.policy import Policy
from htcat.links.recordings import DEFAULT_PLATFORMS, Platform

MiB = 1024 * 1024


def default_user_agent() -> str:
    from htcat import __version__

    return f"htcat/{__version__} (resource catalog link checker)"


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait: for a connection, for each read, and for a whole link.

    ``total`` bounds everything done for one link: every attempt, redirect,
    back-off and ``Retry-After`` wait, and the wait for a slowed host's turn.
    """

    connect: float = 10.0
    read: float = 20.0
    total: float = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing link is tried again.

    Back-off doubles from ``backoff`` up to ``backoff_max`` seconds, with
    jitter so that many links failing at once do not retry in step. A server's
    ``Retry-After`` is obeyed when it asks for at most ``max_retry_after``.
    A host that asks to slow down gets at most ``host_wait`` seconds of a
    run, counted from its first refusal: its links not asked by then are
    "not checked: host busy" and keep their state.
    """

    retries: int = 2
    backoff: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 30.0
    host_wait: float = 60.0

    def delay(self, attempt: int) -> float:
        """The back-off before try ``attempt + 1`` (``attempt`` counts from 0)."""
        full = min(self.backoff * 2.0**attempt, self.backoff_max)
        return full * random.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Stall:
    """When a download that still trickles is given up, as curl's --speed-limit/--speed-time.

    A download must bring at least ``min_rate`` bytes a second on average
    over every window of ``window`` seconds; one that does not (or brings
    nothing at all for that long) is a ``timeout`` at once, long before the
    link's whole time limit.
    """

    min_rate: int = 1024
    window: float = 30.0

    def __post_init__(self) -> None:
        if self.min_rate < 0 or self.window <= 0:
            raise ValueError(f"a stall rule needs a rate >= 0 and a window > 0, not {self}")


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """What check and fetch share: limits, timeouts, retries, redirects, identity, policy."""

    concurrency: int = 32
    per_host: int = 4
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_redirects: int = 10
    user_agent: str = field(default_factory=default_user_agent)
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects must be 0 or more, not {self.max_redirects}")


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


@dataclass(frozen=True, kw_only=True)
class FetchSettings(NetworkSettings):
    """Where documents go, how large one may be, and gentler limits than a check."""

    archive: Path
    max_bytes: int = 100 * MiB
    stall: Stall = field(default_factory=Stall)
    concurrency: int = 8
    per_host: int = 2
    timeouts: Timeouts = field(default_factory=lambda: Timeouts(read=30.0, total=600.0))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, not {self.max_bytes}")
