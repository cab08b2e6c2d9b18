"""htcat's own httpx transport against scripted servers on 127.0.0.1.

Each test starts an asyncio server whose handler plays one server's part
byte for byte, so that keep-alive, framing, the server closing at the worst
moment and every failure can be made to happen on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ssl
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htcat.links.check import CheckSettings, check_links
from htcat.links.client import RetryPolicy, Timeouts
from htcat.links.results import LinkTarget
from htcat.links.transport import StreamsTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
QUICK = httpx.Timeout(1.0)


class Scripted:
    """A server on 127.0.0.1 that runs ``handler`` for each connection, and counts them."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.url = ""
        self.ended = asyncio.Event()
        """Set when a connection's handler has returned: the client closed it, say."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.ended.set()


@contextlib.asynccontextmanager
async def scripted(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[Scripted]:
    served = Scripted(handler)
    server = await asyncio.start_server(served._serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    served.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    async with server:
        yield served


async def requests_in(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """Each request head on a connection, until the client closes it."""
    while True:
        try:
            yield await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return


def answering(*answers: bytes, then_close: bool = False) -> Handler:
    """A handler that answers the n-th request on each connection with ``answers[n]``.

    (The last answer again after that; a HEAD gets the answer's head only.)
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        n = 0
        async for head in requests_in(reader):
            answer = answers[min(n, len(answers) - 1)]
            if head.startswith(b"HEAD "):
                answer = answer.partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
            writer.write(answer)
            await writer.drain()
            n += 1
            if then_close:
                return

    return handle


def client(transport: StreamsTransport | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport or StreamsTransport(), timeout=QUICK)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 20))


# --- keep-alive --------------------------------------------------------------------------------


def test_requests_to_one_origin_share_one_kept_alive_connection() -> None:
    async def scenario() -> None:
        async with scripted(answering(OK)) as server, client() as http:
            for _ in range(5):
                response = await http.get(server.url + "/doc.pdf")
                assert (response.status_code, response.content) == (200, b"hello")
            assert response.http_version == "HTTP/1.1"
            assert response.reason_phrase == "OK"
            assert server.connections == 1

    run(scenario)


def test_a_body_left_unread_closes_its_connection_unless_it_is_all_here() -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000

    async def scenario() -> None:
        async with scripted(answering(big)) as server, client() as http:
            for _ in range(2):
                async with http.stream("GET", server.url) as response:
                    async for _chunk in response.aiter_raw():
                        break
            assert server.connections == 2

        async with scripted(answering(OK)) as server, client() as http:
            for method in ("HEAD", "GET", "GET"):
                async with http.stream(method, server.url):
                    await asyncio.sleep(0.05)  # the small body arrives, unread
            assert server.connections == 1

    run(scenario)


def test_a_connection_the_server_closes_after_answering_is_not_used_again() -> None:
    async def scenario() -> None:
        close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
        async with scripted(answering(close)) as server, client() as http:
            for _ in range(3):
                assert (await http.get(server.url)).content == b"hello"
            assert server.connections == 3

    run(scenario)


def test_a_kept_alive_connection_the_server_dropped_is_replaced_for_a_get() -> None:
    """The server closes a connection at its second request, as an idle timeout does."""

    async def once_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        n = 0
        async for _ in requests_in(reader):
            if n:
                return
            writer.write(OK)
            await writer.drain()
            n += 1

    async def scenario() -> None:
        async with scripted(once_per_connection) as server, client() as http:
            assert (await http.get(server.url)).content == b"hello"
            assert (await http.get(server.url)).content == b"hello"
            assert server.connections == 2
            with pytest.raises(httpx.RemoteProtocolError):
                await http.post(server.url, content=b"not sent twice")

    run(scenario)


def test_past_max_idle_the_oldest_idle_connection_is_closed() -> None:
    """A run over thousands of hosts keeps a bounded number of sockets open."""

    async def scenario() -> None:
        async with (
            scripted(answering(OK)) as one,
            scripted(answering(OK)) as two,
            scripted(answering(OK)) as three,
            client(StreamsTransport(max_idle=2)) as http,
        ):
            for server in (one, two, three):
                await http.get(server.url)
            await asyncio.wait_for(one.ended.wait(), 5)
            for server in (two, three, one):
                await http.get(server.url)
            assert (one.connections, two.connections, three.connections) == (2, 1, 1)

    run(scenario)


def test_closing_the_transport_closes_its_idle_connections() -> None:
    async def scenario() -> None:
        async with scripted(answering(OK)) as server:
            transport = StreamsTransport()
            async with client(transport) as http:
                await http.get(server.url)
            await asyncio.wait_for(server.ended.wait(), 5)
            with pytest.raises(RuntimeError):
                await transport.handle_async_request(httpx.Request("GET", server.url))

    run(scenario)


# --- framing -----------------------------------------------------------------------------------


def test_chunked_bodies_informational_answers_and_bodies_ended_by_close() -> None:
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    )
    until_close = b"HTTP/1.0 200 OK\r\n\r\nuntil the end"

    async def scenario() -> None:
        async with scripted(answering(chunked)) as server, client() as http:
            assert (await http.get(server.url)).content == b"abcdefg"
            assert (await http.get(server.url)).content == b"abcdefg"
            assert server.connections == 1
        async with scripted(answering(until_close, then_close=True)) as server, client() as http:
            response = await http.get(server.url)
            assert (response.http_version, response.content) == ("HTTP/1.0", b"until the end")
            assert (await http.get(server.url)).content == b"until the end"
            assert server.connections == 2

    run(scenario)


def test_the_request_goes_out_as_httpx_built_it() -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async for head in requests_in(reader):
            seen.append(head)
            if b"content-length" in head.lower():
                seen.append(await reader.readexactly(4))
            writer.write(OK)

    async def scenario() -> None:
        async with scripted(record) as server, client() as http:
            await http.get(server.url + "/a%20b.pdf?x=1&y=%C3%A9", headers={"Range": "bytes=0-9"})
            await http.post(server.url + "/form", content=b"body")

    run(scenario)
    first = seen[0].decode().split("\r\n")
    assert first[0] == "GET /a%20b.pdf?x=1&y=%C3%A9 HTTP/1.1"
    assert "Range: bytes=0-9" in first
    assert any(line.lower().startswith("host: 127.0.0.1:") for line in first)
    assert seen[1].startswith(b"POST /form HTTP/1.1") and seen[2] == b"body"


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b"", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * 100_000 + b"\r\n\r\n", httpx.RemoteProtocolError),
        (b"SPDY/3 nonsense\r\n\r\n", httpx.RemoteProtocolError),
    ],
    ids=["closed unanswered", "body cut short", "huge header", "not HTTP"],
)
def test_a_server_that_breaks_http_raises_httpx_own_errors(
    answer: bytes, expected: type[Exception]
) -> None:
    async def scenario() -> None:
        async with scripted(answering(answer, then_close=True)) as server, client() as http:
            with pytest.raises(expected):
                await http.get(server.url)

    run(scenario)


def test_silence_is_a_read_timeout_and_a_closed_port_a_connect_error(refused_url: str) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async def scenario() -> None:
        async with scripted(silent) as server:
            async with httpx.AsyncClient(transport=StreamsTransport(), timeout=0.2) as http:
                with pytest.raises(httpx.ReadTimeout):
                    await http.get(server.url)
            async with client() as http:
                with pytest.raises(httpx.ConnectError) as refused:
                    await http.get(refused_url)
        assert isinstance(refused.value.__cause__, ConnectionRefusedError)

    run(scenario)


def test_a_request_cancelled_midway_closes_its_connection() -> None:
    """Closed by the transport, not left for the garbage collector to find."""

    async def scenario() -> None:
        dropped = asyncio.Event()

        async def unanswered(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            if await reader.read() == b"":
                dropped.set()

        async with scripted(unanswered) as server, client() as http:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    await http.get(server.url)
            await asyncio.wait_for(dropped.wait(), 2)

    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        run(scenario)
        gc.collect()
    assert not [w for w in warned if issubclass(w.category, ResourceWarning)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=st.binary(max_size=300) | st.builds(lambda b: b"HTTP/1.1 " + b, st.binary()))
def test_any_bytes_from_a_server_give_a_response_or_an_httpx_transport_error(
    answer: bytes,
) -> None:
    async def scenario() -> None:
        async with scripted(answering(answer, then_close=True)) as server, client() as http:
            try:
                async with http.stream("GET", server.url) as response:
                    await response.aread()
            except httpx.TransportError:
                pass

    run(scenario)


# --- TLS ---------------------------------------------------------------------------------------


TLS = Path(__file__).parent / "tls"
"""A self-signed certificate for 127.0.0.1 and its key, made once with openssl
(``openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=127.0.0.1
-addext subjectAltName=IP:127.0.0.1``); for these tests only."""


def test_https_is_verified_against_the_trusted_certificates() -> None:
    cert, key = TLS / "cert.pem", TLS / "key.pem"
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def scenario() -> None:
        async with scripted(answering(OK), tls=serving) as server:
            async with client(StreamsTransport(verify=trusting)) as http:
                for _ in range(2):
                    assert (await http.get(server.url)).content == b"hello"
            assert server.connections == 1
            settings = CheckSettings(timeouts=Timeouts(1.0, 1.0, 5.0), retry=RetryPolicy(0))
            [result] = await check_links([LinkTarget("e", server.url, "page")], settings)
            assert result.outcome == "broken"
            assert result.error is not None and result.error.startswith("TLS error:")
            assert "CERTIFICATE_VERIFY_FAILED" in result.error

    run(scenario)
