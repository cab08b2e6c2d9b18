"""The HTTP client check and fetch share: one httpx client, and how its answers are read.

httpx's API over aiohttp's connection pool (``httpx-aiohttp``): httpx's own
pool slowed a 1,000-link check to about four times the floor bench/run.py
measures, aiohttp's kept it near it (docs/performance.md). Redirects are
followed by hand so the chain is recorded and a redirect out of http(s) or
back on itself is caught; a request that gets no answer is described in
words for people, naming the host where it failed.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import socket
import ssl
import urllib.request
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from htcat.links.config import NetworkSettings, Timeouts
from htcat.links.results import PERMANENT_REDIRECTS, Hop, moved_end

CLOSED_UNANSWERED = "the server closed the connection without an answer"
"""A connection closed before any status line: what nginx's ``return 444`` does."""


def build_client(settings: NetworkSettings) -> httpx.AsyncClient:
    """The one client a run uses, sized so that the pool never makes a request wait.

    Every request, straight or through a proxy (``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``ALL_PROXY``, ``NO_PROXY``, read as httpx reads them), goes out on one
    aiohttp session that keeps no cookies, speaks TLS with htcat's context
    (the system's certificates or ``SSL_CERT_FILE``, as curl here) and holds
    at most ``concurrency`` connections. httpx is given its transports by its
    public ``transport=`` and ``mounts=``, so no request can fall back on a
    session of the library's own.
    """
    t = settings.timeouts
    timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect)
    session = LinkSession(settings.concurrency)
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: None if proxy is None else LinkTransport(session, proxy)
        for pattern, proxy in proxy_mounts().items()
    }
    return httpx.AsyncClient(
        transport=LinkTransport(session),
        mounts=mounts,
        cookies=_NoCookies(),
        timeout=timeout,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )


class _NoCookies(http.cookiejar.CookieJar):
    """A jar that keeps nothing: each link's redirect chain keeps its own (`open_following`).

    A cookie one link's server sets is no business of the next link's request;
    a run of 10,000 links would also keep every cookie it was given.
    """

    def extract_cookies(self, response: object, request: object) -> None:
        """Nothing kept."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        """Nothing kept."""


class LinkSession:
    """The aiohttp session every transport of a client shares: one pool, no cookies, htcat's TLS.

    It is made at the first request, inside the run's event loop, as aiohttp
    wants. The trusted certificates load when the first https request goes
    out: an http-only run never pays the tenth of a second that costs.
    """

    def __init__(self, connections: int) -> None:
        self.connections = connections
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.tls.set_alpn_protocols(["http/1.1"])
        self._certificates_loaded = False
        self._session: aiohttp.ClientSession | None = None

    def __call__(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.connections, ssl=self.tls)
            jar = aiohttp.DummyCookieJar()
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=jar)
        return self._session

    def trust_certificates(self) -> None:
        if not self._certificates_loaded:
            self.tls.load_default_certs()
            self._certificates_loaded = True


class LinkTransport(httpx.AsyncBaseTransport):
    """httpx's requests sent on the shared `LinkSession`, straight or through ``proxy``."""

    def __init__(self, session: LinkSession, proxy: httpx.Proxy | None = None) -> None:
        self.session = session
        limits = httpx.Limits(max_connections=session.connections)
        self._aiohttp = AiohttpTransport(
            verify=session.tls, limits=limits, proxy=proxy, client=session
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            self.session.trust_certificates()
        return await self._aiohttp.handle_async_request(request)

    async def aclose(self) -> None:
        await self._aiohttp.aclose()


def proxy_mounts() -> dict[str, httpx.Proxy | None]:
    """The proxy for each kind of URL the environment names, as httpx reads its variables.

    ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``ALL_PROXY`` route ``http://``,
    ``https://`` and every URL (a proxy without a scheme is ``http://``);
    each host in ``NO_PROXY`` is asked straight (``.example.org`` its
    subdomains, ``example.org`` it too), and ``NO_PROXY=*`` turns every proxy
    off. Keys are httpx's mount patterns; None means no proxy.
    """
    found = urllib.request.getproxies()
    mounts: dict[str, httpx.Proxy | None] = {}
    for scheme in ("http", "https", "all"):
        if address := found.get(scheme):
            mounts[f"{scheme}://"] = httpx.Proxy(
                address if "://" in address else f"http://{address}"
            )
    for host in (h.strip() for h in found.get("no", "").split(",")):
        if host == "*":
            return {}
        if host:
            mounts[_no_proxy_pattern(host)] = None
    return mounts


def _no_proxy_pattern(host: str) -> str:
    """The mount pattern that sends requests to ``host`` (a ``NO_PROXY`` item) straight."""
    if "://" in host:
        return host
    try:
        address = ipaddress.ip_address(host.partition("/")[0])  # 10.0.0.0/8 too
    except ValueError:
        return f"all://{host}" if host.lower() == "localhost" else f"all://*{host}"
    return f"all://[{host}]" if address.version == 6 else f"all://{host}"


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
    host = authority(parsed)
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


class RedirectRefused(Exception):
    """A redirect chain that must not be followed further: it is the link's answer.

    ``outcome`` is ``invalid`` when the target is no URL htcat may request
    (``file:``, a malformed Location), ``broken`` for a loop or a chain too long.
    """

    def __init__(
        self, reason: str, hops: Sequence[Hop], outcome: Literal["broken", "invalid"] = "broken"
    ) -> None:
        super().__init__(reason)
        self.hops = tuple(hops)
        self.outcome: Literal["broken", "invalid"] = outcome


class RequestFailed(Exception):
    """A request of a redirect chain that got no HTTP answer: which URL, after which hops."""

    def __init__(self, cause: Exception, url: httpx.URL, hops: Sequence[Hop]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.url = url
        self.hops = tuple(hops)

    @property
    def host(self) -> str:
        """``example.org:443``: the host that failed, for the error text."""
        return authority(self.url)


def authority(url: httpx.URL) -> str:
    """``host:port`` of ``url``, the port spelled out even when it is the scheme's default."""
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


@dataclass(frozen=True)
class Followed:
    """The final response of a redirect chain, still open for reading the body."""

    response: httpx.Response
    redirects: tuple[Hop, ...]
    start: str

    @property
    def moved_to(self) -> str | None:
        """Where the link moved permanently: see `moved_end`."""
        return moved_end(self.redirects)

    @property
    def downgrade(self) -> str | None:
        """A warning when the chain went from https to http, naming the hop."""
        current = self.start
        for status, url in self.redirects:
            if current.startswith("https:") and url.startswith("http:"):
                how = "permanently" if status in PERMANENT_REDIRECTS else "for now"
                return f"redirected from https to http ({status}, {how}): {_clip(url)}"
            current = url
        return None


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
    or a redirect to anything but http(s) (``file:``, ``ftp:``...), and
    RequestFailed, with the hops so far, when a request gets no answer.
    """
    hops: list[Hop] = []
    seen = {str(url)}
    current: str | httpx.URL = url
    cookies: httpx.Cookies | None = None
    while True:
        request = client.build_request(method, current, headers=headers)
        if cookies:
            cookies.set_cookie_header(request)
        try:
            response = await client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise RequestFailed(exc, request.url, hops) from exc
        except httpx.InvalidURL as exc:
            # httpx parses every redirect's Location, followed or not, and refuses
            # one it cannot make a URL of (``javascript:alert(1)``) before we see it
            reason = f"redirected to an invalid URL: {exc}"
            raise RedirectRefused(reason, hops, "invalid") from exc
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
            raise RedirectRefused(f"redirected to an invalid URL: {exc}", hops, "invalid") from exc
        if joined.scheme not in ("http", "https"):
            hops.append((response.status_code, _clip(location)))
            scheme = f"{joined.scheme}:" if joined.scheme else "a URL without a scheme"
            raise RedirectRefused(
                f"redirect to {scheme} refused: only http and https are followed", hops, "invalid"
            )
        target = str(joined)
        hops.append((response.status_code, target))
        if not joined.host:
            raise RedirectRefused(f"redirected to a URL with no host: {_clip(target)}", hops)
        if target in seen:
            raise RedirectRefused("redirect loop", hops)
        if len(hops) > max_redirects:
            raise RedirectRefused(f"more than {max_redirects} redirects", hops)
        seen.add(target)
        current = target
    try:
        yield Followed(response, tuple(hops), str(url))
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
    """A request that got no HTTP answer: what to report, and what to do next.

    ``retryable`` is False for failures that will not change within a run (a
    certificate, a name that does not resolve); ``host_down`` marks the ones
    that count towards giving up on the host for the rest of the run.
    """

    outcome: Literal["broken", "timeout"]
    error: str
    retryable: bool
    host_down: bool = False


def describe_failure(exc: BaseException, timeouts: Timeouts) -> NetworkFailure:
    """Sort an exception raised while requesting into timeout or broken, in words for people.

    The exception's causes are searched first: a transport may report a refused
    connection or a failed DNS lookup as a connect *timeout*, or a TLS failure
    as a plain connect error, and only the underlying OSError tells the truth.
    """
    retryable = isinstance(exc, httpx.TransportError)
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, aiohttp.ServerDisconnectedError):
            return NetworkFailure("broken", CLOSED_UNANSWERED, True)
        if isinstance(cause, aiohttp.ClientError):
            continue  # aiohttp's wrapper of the OSError or SSLError that follows it
        if isinstance(cause, socket.gaierror):
            detail = cause.strerror or str(cause)
            return NetworkFailure("broken", f"DNS lookup failed: {detail}", False, True)
        if isinstance(cause, ConnectionRefusedError):
            return NetworkFailure("broken", "connection refused", True, True)
        if isinstance(cause, ConnectionResetError):
            return NetworkFailure("broken", "connection reset by the server", True)
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = _clip(cause.verify_message or cause.reason or str(cause))
            return NetworkFailure("broken", f"TLS certificate not accepted: {reason}", False)
        if isinstance(cause, ssl.SSLError):
            reason = _clip(cause.reason or str(cause))
            return NetworkFailure("broken", f"TLS error: {reason}", False)
    timed_out = any(isinstance(c, aiohttp.ServerTimeoutError) for c in causes)
    if isinstance(exc, httpx.ConnectTimeout) and not timed_out and len(causes) > 1:
        # httpx-aiohttp calls every aiohttp connection error a ConnectTimeout
        return NetworkFailure("broken", f"connection failed: {_clip(str(exc))}", True)
    if isinstance(exc, httpx.ConnectTimeout):
        return NetworkFailure("timeout", f"no connection within {timeouts.connect:g} s", True)
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return NetworkFailure("timeout", f"no answer within {timeouts.read:g} s", True)
    if isinstance(exc, httpx.TimeoutException):
        return NetworkFailure("timeout", f"timed out: {_clip(str(exc))}", True)
    if isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        if "without sending a response" in text:
            return NetworkFailure("broken", CLOSED_UNANSWERED, True)
        return NetworkFailure("broken", f"the server broke HTTP: {_clip(text)}", True)
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


def _clip(text: str, width: int = 200) -> str:
    """One line of at most ``width`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"
