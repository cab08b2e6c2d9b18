"""The HTTP side shared by check and fetch: one client, and the rules every request follows.

Limits and timeouts are explicit settings; redirects are followed by hand so
the chain is recorded and a redirect out of http(s) or back on itself is
caught; failures are sorted into retryable or final, and described in one line.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, TypeVar

import httpx

from htcat.links.results import Hop

Transport = Literal["httpx", "streams"]
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth another try: the server said it is busy or failed for now."""

T = TypeVar("T")


def default_user_agent() -> str:
    from htcat import __version__

    return f"htcat/{__version__} (resource catalog link checker)"


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait: for a connection, for each read, and for a whole link.

    ``total`` bounds everything done for one link: every attempt, redirect,
    back-off and ``Retry-After`` wait.
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
    """

    retries: int = 2
    backoff: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int) -> float:
        """The back-off before try ``attempt + 1`` (``attempt`` counts from 0)."""
        full = min(self.backoff * 2.0**attempt, self.backoff_max)
        return full * random.uniform(0.5, 1.0)


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """What check and fetch share: limits, timeouts, retries, redirects, identity."""

    concurrency: int = 32
    per_host: int = 4
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_redirects: int = 10
    user_agent: str = field(default_factory=default_user_agent)
    transport: Transport = "streams"
    """htcat's own transport (htcat.links.transport) measured faster than httpx's pool
    once more than a few requests are in flight (httpx issue 3215); see
    tests/links/measure_transport.py and docs/performance.md."""

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects must be 0 or more, not {self.max_redirects}")


def build_client(settings: NetworkSettings) -> httpx.AsyncClient:
    """The one client a run uses, sized so that the pool never makes a request wait.

    Behind a proxy (``HTTPS_PROXY``, ``NO_PROXY``...), httpx's own transport,
    which speaks to proxies; otherwise the one ``settings.transport`` names.
    """
    import urllib.request

    t = settings.timeouts
    timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect)
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    transport = None
    if settings.transport == "streams" and not urllib.request.getproxies():
        from htcat.links.transport import StreamsTransport

        transport = StreamsTransport(max_idle=settings.concurrency)
    return _LinkClient(
        transport=transport,
        limits=limits,
        timeout=timeout,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: each link's redirect chain keeps its own (`open_following`)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Nothing kept, and nothing spent: httpx's jar parses every response for cookies."""

    def set_cookie_header(self, request: httpx.Request) -> None:
        """Nothing to send."""


class _LinkClient(httpx.AsyncClient):
    """httpx's client, with no cookies carried from one link to another.

    A cookie one link's server sets is no business of the next link's request;
    a run of 10,000 links would also keep every cookie it was given.
    """

    _jar = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("a link client keeps no cookies")


class Limiter:
    """A global limit on requests in flight and a smaller one per host.

    A link waits for its host's slot before taking a global one, so links
    queued behind a busy host never hold slots other hosts could use.
    """

    def __init__(self, concurrency: int, per_host: int) -> None:
        self._global = asyncio.Semaphore(concurrency)
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def slot(self, host: str) -> _Slot:
        """``async with limiter.slot(host):`` holds a slot of ``host`` and a global one."""
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self._per_host)
        return _Slot(semaphore, self._global)


class _Slot:
    """A host's slot and a global one, taken in that order and given back.

    A plain class rather than an ``asynccontextmanager``: one is taken per
    request, and the generator machinery cost more than the semaphores.
    """

    __slots__ = ("_global", "_host")

    def __init__(self, host: asyncio.Semaphore, global_: asyncio.Semaphore) -> None:
        self._host = host
        self._global = global_

    async def __aenter__(self) -> None:
        await self._host.acquire()
        try:
            await self._global.acquire()
        except BaseException:
            self._host.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._global.release()
        self._host.release()


@dataclass(frozen=True, slots=True)
class Address:
    """A link's URL parsed once: where requests go, the host it counts against, or its problem.

    ``url`` is None exactly when ``problem`` says why the link cannot be requested.
    Parsing a URL is among the costliest steps of a check, so a run parses each
    link once and hands the parsed URL on to the request.
    """

    url: httpx.URL | None
    host: str
    problem: str | None


def address_of(url: str) -> Address:
    """``url`` parsed: see Address."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        return Address(None, "", f"not a valid URL: {exc}")
    host = f"{parsed.host}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"
    if parsed.scheme not in ("http", "https"):
        scheme = f"{parsed.scheme}:" if parsed.scheme else "no scheme"
        return Address(None, host, f"only http and https links are checked, not {scheme}")
    if not parsed.host:
        return Address(None, host, "the URL has no host")
    return Address(parsed, host, None)


def host_key(url: str) -> str:
    """A cheap key to interleave links by host: the URL's lower-cased authority.

    Only the order of the work uses it; the per-host limit counts by the host
    `address_of` finds, when each link's turn comes.
    """
    return url.partition("://")[2].partition("/")[0].lower()


def host_of(url: str) -> str:
    """``example.org:443``: the key per-host limits are counted by ("" for a bad URL)."""
    return address_of(url).host


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be requested at all, or None when it can."""
    return address_of(url).problem


class RedirectRefused(Exception):
    """A redirect chain that must not be followed further: it is the link's answer."""

    def __init__(self, reason: str, hops: Sequence[Hop]) -> None:
        super().__init__(reason)
        self.hops = tuple(hops)


@dataclass(frozen=True)
class Followed:
    """The final response of a redirect chain, still open for reading the body."""

    response: httpx.Response
    redirects: tuple[Hop, ...]

    @property
    def moved_to(self) -> str | None:
        """The target of the last permanent redirect in the chain."""
        permanent = [url for status, url in self.redirects if status in PERMANENT_REDIRECTS]
        return permanent[-1] if permanent else None


@asynccontextmanager
async def open_following(
    client: httpx.AsyncClient,
    method: str,
    url: str | httpx.URL,
    *,
    max_redirects: int,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[Followed]:
    """Send ``method`` to ``url`` and follow redirects by hand, recording each hop.

    Cookies set along the way are sent on the later hops of this chain only.

    Raises RedirectRefused for a loop, a chain longer than ``max_redirects``,
    or a redirect to anything but http(s) (``file:``, ``ftp:``...).
    """
    hops: list[Hop] = []
    seen = {str(url)}
    current: str | httpx.URL = url
    cookies: httpx.Cookies | None = None
    while True:
        request = client.build_request(method, current, headers=headers)
        if cookies:
            cookies.set_cookie_header(request)
        response = await client.send(request, stream=True)
        if not response.has_redirect_location:
            break
        await response.aclose()
        if "set-cookie" in response.headers:
            # A server that sets a cookie and redirects may expect it back.
            cookies = cookies or httpx.Cookies()
            cookies.extract_cookies(response)
        location = response.headers["location"]
        try:
            joined = response.url.join(location)
        except httpx.InvalidURL as exc:
            hops.append((response.status_code, location))
            raise RedirectRefused(f"redirected to an invalid URL: {exc}", hops) from exc
        target = str(joined)
        hops.append((response.status_code, target))
        if joined.scheme not in ("http", "https"):
            raise RedirectRefused(f"redirected to a non-http URL: {_clip(target)}", hops)
        if not joined.host:
            raise RedirectRefused(f"redirected to a URL with no host: {_clip(target)}", hops)
        if target in seen:
            raise RedirectRefused("redirect loop", hops)
        if len(hops) > max_redirects:
            raise RedirectRefused(f"more than {max_redirects} redirects", hops)
        seen.add(target)
        current = target
    try:
        yield Followed(response, tuple(hops))
    finally:
        await response.aclose()


async def read_head(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of the (decoded) body, and whether that was all of it.

    A body declared no longer than ``limit`` is read to its end, so that the
    connection can be kept for the next request instead of being dropped.
    """
    if limit <= 0:
        return b"", False
    declared = response.headers.get("content-length", "").strip()
    to_the_end = declared.isdigit() and int(declared) <= limit
    head = bytearray()
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if len(head) < limit:
            head += chunk[: limit - len(head)]
        if received >= limit and not to_the_end:
            return bytes(head), False
    return bytes(head), received <= limit


@dataclass(frozen=True)
class NetworkFailure:
    """A request that got no HTTP answer: what to report, and whether to try again."""

    outcome: Literal["broken", "timeout"]
    error: str
    retryable: bool


def describe_failure(exc: Exception, timeouts: Timeouts) -> NetworkFailure:
    """Sort an exception raised while requesting into timeout or broken, in one line.

    Timeouts and transport errors (refused, reset, DNS, TLS) are worth
    retrying; anything else a malformed answer raised is reported, not retried.
    The exception's causes are searched first: a transport may report a refused
    connection or a failed DNS lookup as a connect *timeout*, or a TLS failure
    as a plain connect error, and only the underlying OSError tells the truth.
    """
    retryable = isinstance(exc, httpx.TransportError)
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return NetworkFailure("broken", f"DNS lookup failed: {cause.strerror or cause}", True)
        if isinstance(cause, ConnectionRefusedError):
            return NetworkFailure("broken", "connection refused", True)
        if isinstance(cause, ConnectionResetError):
            return NetworkFailure("broken", "connection reset by the server", True)
        if isinstance(cause, ssl.SSLError):
            reason = _clip(cause.reason or str(cause))
            return NetworkFailure("broken", f"TLS error: {reason}", retryable)
    if isinstance(exc, httpx.ConnectTimeout):
        return NetworkFailure("timeout", f"no connection within {timeouts.connect:g} s", True)
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return NetworkFailure("timeout", f"no answer within {timeouts.read:g} s", True)
    if isinstance(exc, httpx.TimeoutException):
        return NetworkFailure("timeout", f"timed out: {_clip(str(exc))}", True)
    if isinstance(exc, httpx.RemoteProtocolError):
        return NetworkFailure("broken", f"the server broke HTTP: {_clip(str(exc))}", True)
    detail = _clip(str(exc)) or "no detail"
    return NetworkFailure("broken", f"{type(exc).__name__}: {detail}", retryable)


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def status_error(response: httpx.Response) -> str:
    """``HTTP 404 Not Found``."""
    reason = response.reason_phrase
    return f"HTTP {response.status_code} {reason}".rstrip()


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


@dataclass(frozen=True)
class Retry:
    """An attempt's request to be tried again, after ``after`` seconds if the server said."""

    after: float | None = None


async def retrying(
    attempt: Callable[[], Awaitable[tuple[T, Retry | None]]],
    policy: RetryPolicy,
    deadline: float,
) -> T:
    """Run ``attempt`` until it needs no retry, retries run out, or waiting would pass ``deadline``.

    ``deadline`` is on the event loop's clock. Returns the last attempt's result.
    """
    loop = asyncio.get_running_loop()
    tries = 0
    while True:
        result, retry = await attempt()
        if retry is None or tries >= policy.retries:
            return result
        wait = retry.after if retry.after is not None else policy.delay(tries)
        if loop.time() + wait >= deadline:
            return result
        tries += 1
        await asyncio.sleep(wait)


def status_retry(response: httpx.Response, policy: RetryPolicy) -> tuple[Retry | None, str]:
    """Whether a non-success status is worth another try, and the error to report.

    A ``Retry-After`` longer than the policy allows ends the tries at once.
    """
    error = status_error(response)
    if response.status_code not in RETRY_STATUSES:
        return None, error
    after = retry_after(response)
    if after is not None and after > policy.max_retry_after:
        limit = f"{policy.max_retry_after:g}"
        return None, f"{error} (asked to wait {after:.0f} s, more than the {limit} s allowed)"
    return Retry(after), error


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


def _clip(text: str, width: int = 200) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"
