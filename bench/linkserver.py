"""A slow local web server for the link-check benchmarks: every answer takes 100 ms.

It listens on 127.0.0.1 only, on one or more ports (each port is a different
host to a link checker's per-host limit), and serves:

- ``/doc/NAME.pdf``: a small PDF (``%PDF-`` and all), to HEAD, GET and ranged GET;
- ``/report/N.html``: a report's landing page, as government sites write one
  (Highwire ``citation_*``, Open Graph, a PDF and a Q&A linked), for ``add --from``;
- ``/links-COUNT-SPREAD.html``: a page linking COUNT PDFs of this server spread
  round-robin over its first SPREAD ports, for checkers that start from a page
  (linkinator, LinkChecker); `link_urls` gives the same URLs to a catalog;
- anything else: 404 (``/robots.txt`` among them);
- ``/_stats`` (not delayed): JSON with the most requests in flight at once,
  overall and per port, the number served, and when each request to a paced
  port came and what it got; ``/_reset`` zeroes them.

A paced port (``--paced N`` opens N more) is a rate-limited host: it answers
one request per ``--pace`` seconds (decided when the request arrives) and 429
with ``Retry-After`` to the others, as a government site behind a limit does.

It is plain asyncio with the standard library only: each answer is a timer,
not a task, so that under the benchmarks' load it answers at 100 ms and not
at 100 ms plus its own queue (aiohttp's server, used before, added 4-5% to a
round of 50 requests on a 2-core machine).

Usage (prints ``ready PORT… [paced PORT…]`` once listening, then serves until killed):

    python bench/linkserver.py --ports 50 --delay 0.1
    python bench/linkserver.py --ports 50 --paced 1 --pace 1
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import sys
import time
from collections import deque
from http import HTTPStatus

PDF_BODY = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    + b"% padding so that a checker reads only the start\n" * 40
    + b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
MAX_HEAD = 64 * 1024

_PAGE = re.compile(r"^/links-(?P<count>\d+)-(?P<spread>\d+)\.html$")
_REPORT = re.compile(r"^/report/(?P<number>\d+)\.html$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Counters:
    """Requests in flight now and at most, overall and per port."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.started = time.monotonic()
        self.paced: list[tuple[float, int]] = []
        self.in_flight = 0
        self.most = 0
        self.served = 0
        self.port_in_flight: dict[int, int] = {}
        self.port_most: dict[int, int] = {}

    def enter(self, port: int) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        now = self.port_in_flight.get(port, 0) + 1
        self.port_in_flight[port] = now
        self.port_most[port] = max(self.port_most.get(port, 0), now)

    def leave(self, port: int) -> None:
        self.in_flight -= 1
        self.port_in_flight[port] -= 1
        self.served += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "most_in_flight": self.most,
            "served": self.served,
            "most_in_flight_per_port": self.port_most,
            "paced": self.paced,
        }


def link_urls(ports: list[int], count: int, spread: int) -> list[str]:
    """COUNT PDF links spread round-robin over the first SPREAD of ``ports``."""
    used = ports[: max(1, spread)]
    return [f"http://127.0.0.1:{used[n % len(used)]}/doc/{n}.pdf" for n in range(count)]


def report_page(number: int) -> bytes:
    """A landing page of report ``number``: about the size and markup of an ACF report page."""
    title = f"Human Trafficking Report {number}"
    words = " ".join(f"Paragraph {n} of the report's landing page." for n in range(200))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Administration for Children and Families</title>
<meta name="citation_title" content="{title}">
<meta name="citation_publication_date" content="2021/02/{1 + number % 28:02d}">
<meta name="citation_author" content="Martinez de Vedia, Gonzalo">
<meta name="citation_technical_report_institution" content="Office on Trafficking in Persons">
<meta property="og:site_name" content="The Administration for Children and Families">
<meta name="description" content="Findings and recommendations of report {number}.">
<meta name="keywords" content="labor trafficking, research">
</head><body><header><a href="/">Home</a></header>
<main><h1>{title}</h1><p>{words}</p>
<a href="/doc/report-{number}.pdf">Report (PDF)</a>
<a href="/doc/report-{number}-qa-responses.pdf">Q&amp;A Responses (PDF)</a>
</main></body></html>
""".encode()


def link_page(urls: list[str]) -> bytes:
    items = "\n".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in urls)
    return f"<!doctype html>\n<title>links</title>\n<ul>\n{items}\n</ul>\n".encode()


class Request:
    """One parsed request head."""

    def __init__(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.target, self.version = [*lines[0].split(" "), "", ""][:3]
        self.path = self.target.partition("?")[0]
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.paced: int | None = None
        connection = self.headers.get("connection", "").lower()
        self.keep_alive = (
            connection != "close" if self.version == "HTTP/1.1" else connection == "keep-alive"
        )


class Server:
    """What every connection shares: the delay, the ports, the counters."""

    def __init__(self, delay: float, pace: float) -> None:
        self.delay = delay
        self.pace = pace
        self.ports: list[int] = []
        self.paced_ports: list[int] = []
        self.last_paced = float("-inf")
        self.counters = Counters()

    def arrived(self, port: int) -> int | None:
        """For a paced port: the status a request arriving now gets (200 once per pace)."""
        if port not in self.paced_ports:
            return None
        now = time.monotonic()
        status = 200 if now - self.last_paced >= self.pace else 429
        if status == 200:
            self.last_paced = now
        self.counters.paced.append((round(now - self.counters.started, 4), status))
        return status

    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request (HEAD gets the same, without the body)."""
        path = request.path
        if request.paced == 429:
            retry = {"Content-Type": "text/plain", "Retry-After": f"{self.pace:.0f}"}
            return 429, retry, b"too many requests"
        if path == "/_stats":
            return (
                200,
                {"Content-Type": "application/json"},
                json.dumps(self.counters.as_dict()).encode(),
            )
        if path == "/_reset":
            self.counters.reset()
            return 200, {"Content-Type": "application/json"}, b'{"reset": true}'
        page = _PAGE.match(path)
        if page:
            urls = link_urls(self.ports, int(page["count"]), int(page["spread"]))
            return 200, {"Content-Type": "text/html; charset=utf-8"}, link_page(urls)
        report = _REPORT.match(path)
        if report:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, report_page(int(report[1]))
        if path.startswith("/doc/") and path.endswith(".pdf"):
            return self._pdf(request.headers.get("range", ""))
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found"

    def _pdf(self, wanted: str) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/pdf", "Accept-Ranges": "bytes"}
        size = len(PDF_BODY)
        match = _RANGE.match(wanted.strip())
        if not match or not (match[1] or match[2]):
            return 200, headers, PDF_BODY
        if match[1]:
            start, stop = int(match[1]), min(int(match[2] or size - 1) + 1, size)
        else:
            start, stop = max(0, size - int(match[2])), size
        if start >= size or start >= stop:
            return 416, headers | {"Content-Range": f"bytes */{size}"}, b""
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        return 206, headers, PDF_BODY[start:stop]


class Connection(asyncio.Protocol):
    """One client connection: requests answered in order, each after the delay."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.buffer = b""
        self.waiting: deque[Request] = deque()
        self.busy = False
        self.transport: asyncio.Transport | None = None
        self.port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            request = Request(head)
            length = request.headers.get("content-length", "0")
            skip = int(length) if length.isdigit() else 0
            self.buffer = self.buffer[skip:]
            self.waiting.append(request)
        if len(self.buffer) > MAX_HEAD and self.transport is not None:
            self.transport.close()
        self._next()

    def _next(self) -> None:
        if self.busy or not self.waiting:
            return
        self.busy = True
        request = self.waiting.popleft()
        if request.path in ("/_stats", "/_reset"):
            self._send(request)
            return
        self.server.counters.enter(self.port)
        request.paced = self.server.arrived(self.port)
        loop = asyncio.get_running_loop()
        loop.call_later(self.server.delay, self._delayed, request)

    def _delayed(self, request: Request) -> None:
        self.server.counters.leave(self.port)
        self._send(request)

    def _send(self, request: Request) -> None:
        status, headers, body = self.server.answer(request)
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        if not request.keep_alive:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        transport.write(head if request.method == "HEAD" else head + body)
        if not request.keep_alive:
            transport.close()
            return
        self.busy = False
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(ports: int, delay: float, paced: int, pace: float) -> None:
    server = Server(delay, pace)
    loop = asyncio.get_running_loop()
    for number in range(ports + paced):
        listening = await loop.create_server(
            lambda: Connection(server), "127.0.0.1", 0, backlog=1024
        )
        port = listening.sockets[0].getsockname()[1]
        (server.ports if number < ports else server.paced_ports).append(port)
    shown = ["paced", *server.paced_ports] if paced else []
    print("ready", *server.ports, *shown, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", type=int, default=1, help="how many ports (hosts) to open")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("--paced", type=int, default=0, help="how many rate-limited ports")
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between their answers")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.ports, args.delay, args.paced, args.pace))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
