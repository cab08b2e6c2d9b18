"""What a check or fetch run is allowed to do, as plain data: limits, timeouts, retries,
the check policy, the video platforms asked about recordings, the web archive asked
for copies.

Every number a run obeys lives here with its default, so the CLI, the policy
file and a script build the same settings, and no limit hides in a call. This
module imports nothing else from ``htcat.links`` and no network library: the
modules that do the work import it, never the reverse.
"""

from __future__ import annotations

import fnmatch
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from htcat import __version__

MiB = 1024 * 1024


def default_user_agent() -> str:
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


@dataclass(frozen=True)
class Accept:
    """Statuses a link matching ``pattern`` may answer: ``ok``, with a warning that says so."""

    pattern: str
    statuses: frozenset[int]


@dataclass(frozen=True)
class HostLimit:
    """Requests in flight at once to hosts matching ``pattern``."""

    pattern: str
    per_host: int


@dataclass(frozen=True)
class Policy:
    """What to skip, what to accept, what to require, and per-host limits.

    A pattern with ``://`` is matched against the whole URL, any other against
    the URL's host name; both are shell-style globs (``*``, ``?``), case-blind.
    """

    require_https: bool = False
    skip: tuple[str, ...] = ()
    accept: tuple[Accept, ...] = ()
    hosts: tuple[HostLimit, ...] = ()

    def skips(self, url: str) -> bool:
        """Whether ``url`` is never to be requested."""
        return any(matches(pattern, url) for pattern in self.skip)

    def accepts(self, url: str, status: int) -> bool:
        """Whether ``status`` from ``url`` is acceptable (a warning, not a failure)."""
        return any(status in a.statuses and matches(a.pattern, url) for a in self.accept)

    def per_host_for(self, host: str, default: int) -> int:
        """The in-flight limit for ``host`` (a host name, no port)."""
        for limit in self.hosts:
            if host_matches(limit.pattern, host):
                return limit.per_host
        return default

    def with_options(
        self, *, require_https: bool, skip: tuple[str, ...], accept: tuple[Accept, ...]
    ) -> Policy:
        """This policy with the command line's additions."""
        return Policy(
            require_https=self.require_https or require_https,
            skip=(*self.skip, *skip),
            accept=(*self.accept, *accept),
            hosts=self.hosts,
        )


def matches(pattern: str, url: str) -> bool:
    """Whether ``url`` matches a policy pattern: the whole URL when the pattern has
    ``://``, else the URL's host name."""
    if "://" in pattern:
        return fnmatch.fnmatchcase(url.lower(), pattern.lower())
    return host_matches(pattern, urlsplit(url).hostname or "")


def host_matches(pattern: str, host: str) -> bool:
    """Whether a host name matches a host pattern, case-blind as DNS names are."""
    return fnmatch.fnmatchcase(host.lower(), pattern.lower())


GONE_STATUSES = frozenset({401, 403, 404})
"""What oEmbed answers for a removed, private or members-only recording."""


@dataclass(frozen=True)
class Platform:
    """A video platform: the URLs that are its recordings, and its oEmbed endpoint.

    ``endpoint`` holds ``{url}``, replaced by the link's URL, percent-encoded.
    """

    name: str
    match: re.Pattern[str]
    endpoint: str
    gone: frozenset[int] = GONE_STATUSES

    def oembed_url(self, url: str) -> str:
        return self.endpoint.replace("{url}", quote(url, safe=""))


DEFAULT_PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "YouTube",
        re.compile(
            r"^https?://(?:(?:www|m)\.)?(?:youtube\.com/(?:watch\?|shorts/|live/|embed/)"
            r"|youtu\.be/)",
            re.IGNORECASE,
        ),
        "https://www.youtube.com/oembed?url={url}&format=json",
    ),
    Platform(
        "Vimeo",
        re.compile(
            r"^https?://(?:www\.|player\.)?vimeo\.com/(?:video/|channels/[^/]+/"
            r"|groups/[^/]+/videos/|album/\d+/video/|showcase/\d+/video/)?\d+",
            re.IGNORECASE,
        ),
        "https://vimeo.com/api/oembed.json?url={url}",
    ),
)

ArchiveApi = Literal["wayback", "memento"]
DEFAULT_ARCHIVE = "https://archive.org/wayback/available"
WAYBACK_PATH = "/wayback/available"


@dataclass(frozen=True)
class WebArchive:
    """An archive to ask: a URL whose path ends in ``/wayback/available`` is the
    Wayback availability API; any other is a Memento TimeMap, the link's URL put
    in place of ``{url}`` or appended."""

    url: str = DEFAULT_ARCHIVE

    @property
    def api(self) -> ArchiveApi:
        path = urlsplit(self.url).path.rstrip("/")
        return "wayback" if path.endswith(WAYBACK_PATH) else "memento"

    def lookup_url(self, link: str) -> str:
        if self.api == "wayback":
            joiner = "&" if "?" in self.url else "?"
            return f"{self.url}{joiner}url={quote(link, safe='')}"
        if "{url}" in self.url:
            return self.url.replace("{url}", link)
        return self.url + link


@dataclass(frozen=True)
class SuggestPolicy:
    """The ``[suggest]`` section of a check policy: whether check suggests without
    being told, and which archive it asks."""

    enabled: bool = False
    archive: WebArchive = WebArchive()


@dataclass(frozen=True)
class DocumentLimits:
    """How much of one fetched document's text the full-text store takes (``[documents]``).

    A 5,000-page scan or a log file of gigabytes would otherwise fill the
    store; what is cut is said in ``show`` and ``doctor``.
    """

    max_pages: int = 2000
    max_chars: int = 5_000_000


@dataclass(frozen=True)
class LinkConfig:
    """A policy file: the ``[links]`` policy and the settings it overrides, the video
    platforms of ``[oembed]`` and the web archive of ``[suggest]``.

    ``fail_after``: the failed checks in a row after which a link fails a check run.
    """

    policy: Policy = field(default_factory=Policy)
    user_agent: str | None = None
    fail_after: int = 1
    recordings: tuple[Platform, ...] = DEFAULT_PLATFORMS
    suggest: SuggestPolicy = field(default_factory=SuggestPolicy)
    documents: DocumentLimits = field(default_factory=DocumentLimits)


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
    a recording that answered with a page still exists (``htcat.links.recordings``).
    ``suggest_from``: the web archive asked for a copy of each failing link
    (``htcat.links.archive``); None, the default, asks none.
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
