"""httpx's transport for check and fetch: HTTP/1.1 over asyncio streams, framed by h11.

A link check is a few thousand small requests, many in flight at once. httpx's
own connection pool slows down as requests pile up in it (httpx issue 3215);
aiohttp under httpx keeps up but costs a quarter of a second to import and
about a millisecond of CPU per request. This transport does only what a
check needs: one pool of kept-alive connections per origin, opened by asyncio
and framed by h11 (the parser httpx's own transport uses), with no lock,
queue or limit on requests of its own: the caller's `Limiter` bounds what is
in flight. Only the idle connections kept are capped.
Figures in docs/performance.md.

It speaks HTTP/1.1 only and goes straight to the origin; `build_client` uses
httpx's own transport when a proxy is set.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

import h11
import httpx

Origin = tuple[bytes, bytes, int]
READ_SIZE = 64 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
"""Methods sent again on a new connection when a kept-alive one turns out closed."""


class _Connection:
    """One socket to one origin, and the h11 state of the exchange on it."""

    __slots__ = ("reader", "state", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.state = h11.Connection(h11.CLIENT)

    def alive(self) -> bool:
        """Still open at our end and not closed or reset by the server while idle."""
        reader = self.reader
        return not (reader.at_eof() or reader.exception() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()

    async def send(self, data: bytes, timeout: float | None) -> None:
        self.writer.write(data)
        try:
            async with asyncio.timeout(timeout):
                await self.writer.drain()
        except TimeoutError as exc:
            raise httpx.WriteTimeout("no progress sending the request") from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc

    async def next_event(self, timeout: float | None) -> Any:
        """The next h11 event from the server, reading from the socket as needed."""
        state = self.state
        while True:
            try:
                event = state.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(READ_SIZE)
            except TimeoutError as exc:
                raise httpx.ReadTimeout("no data from the server in time") from exc
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
            state.receive_data(data)


class _Body(httpx.AsyncByteStream):
    """A response body read off its connection, which goes back to the pool when it is done."""

    def __init__(
        self, connection: _Connection, timeout: float | None, release: Callable[[], None]
    ) -> None:
        self._connection = connection
        self._timeout = timeout
        self._release = release
        self._open = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        try:
            while self._open:
                event = await connection.next_event(self._timeout)
                if type(event) is h11.Data:
                    yield bytes(event.data)
                elif type(event) is h11.EndOfMessage:
                    self._open = False
                    self._release()
                else:
                    raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}")
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        """Keep the connection if the rest of the body is already here, else close it.

        The rest is here for a HEAD, a 204 or 304, and most small error pages.
        """
        if self._open:
            self._open = False
            if self._rest_received():
                self._release()
            else:
                self._connection.close()

    def _rest_received(self) -> bool:
        """Read what is left of the body from bytes already received; False if more must come."""
        state = self._connection.state
        try:
            while True:
                event = state.next_event()
                if type(event) is h11.EndOfMessage:
                    return True
                if type(event) is not h11.Data:
                    return False
        except h11.RemoteProtocolError:
            return False


class StreamsTransport(httpx.AsyncBaseTransport):
    """Kept-alive HTTP/1.1 connections per origin; see the module docstring."""

    def __init__(self, verify: ssl.SSLContext | None = None, max_idle: int = 32) -> None:
        self._verify = verify
        self._max_idle = max_idle
        """Idle connections kept at most, over all origins: a run over thousands of
        hosts must not keep a socket open to each (the oldest idle one is closed)."""
        self._idle: dict[Origin, list[_Connection]] = {}
        self._idle_order: OrderedDict[_Connection, Origin] = OrderedDict()
        self._closed = False

    def _tls(self) -> ssl.SSLContext:
        """The certificates, loaded when the first https link needs them (tens of ms)."""
        if self._verify is None:
            self._verify = httpx.create_ssl_context()
        return self._verify

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        origin: Origin = (url.raw_scheme, url.raw_host, url.port or _default_port(url.scheme))
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        head = h11.Request(method=request.method, target=url.raw_path, headers=request.headers.raw)
        reused = self._kept(origin)
        while True:
            connection = reused or await self._connect(url, origin, timeouts.get("connect"))
            try:
                event = await self._exchange(connection, head, body, timeouts)
                break
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                connection.close()
                if reused is None or request.method not in IDEMPOTENT:
                    raise
                # The server closed a kept-alive connection as we sent: once more, on a new one.
                reused = None
            except BaseException:
                connection.close()
                raise

        def release() -> None:
            state = connection.state
            if state.our_state is h11.DONE and state.their_state is h11.DONE and not self._closed:
                state.start_next_cycle()
                self._keep(origin, connection)
            else:
                connection.close()

        version = b"HTTP/" + event.http_version
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(connection, timeouts.get("read"), release),
            extensions={"http_version": version, "reason_phrase": event.reason},
        )

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        """Keep an idle connection for the next request to ``origin``, within ``max_idle``."""
        self._idle.setdefault(origin, []).append(connection)
        self._idle_order[connection] = origin
        while len(self._idle_order) > self._max_idle:
            oldest, its_origin = self._idle_order.popitem(last=False)
            self._forget(its_origin, oldest)
            oldest.close()

    def _kept(self, origin: Origin) -> _Connection | None:
        """An idle connection to ``origin`` that the server has not closed, if any."""
        idle = self._idle.get(origin)
        while idle:
            connection = idle[-1]
            self._forget(origin, connection)
            del self._idle_order[connection]
            if connection.alive():
                return connection
            connection.close()
        return None

    def _forget(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle[origin]
        idle.remove(connection)
        if not idle:
            del self._idle[origin]

    async def _connect(self, url: httpx.URL, origin: Origin, timeout: float | None) -> _Connection:
        tls = self._tls() if url.scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    url.host, origin[2], ssl=tls, server_hostname=url.host if tls else None
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"no connection to {url.host} in time") from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, head: h11.Request, body: bytes, timeouts: dict[str, Any]
    ) -> h11.Response:
        """Send the request; return the response's head (its body is read later)."""
        state = connection.state
        try:
            data = state.send(head) or b""
            if body:
                data += state.send(h11.Data(data=body)) or b""
            data += state.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        await connection.send(data, timeouts.get("write"))
        read = timeouts.get("read")
        while True:
            event = await connection.next_event(read)
            if type(event) is h11.Response:
                return event
            if type(event) is h11.ConnectionClosed:
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without answering"
                )
            if type(event) is not h11.InformationalResponse:
                raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}")

    async def aclose(self) -> None:
        self._closed = True
        for connection in self._idle_order:
            connection.close()
        self._idle.clear()
        self._idle_order.clear()


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
