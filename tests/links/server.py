"""A real HTTP server on 127.0.0.1 that misbehaves in every way link checks must survive.

Routes are fixed paths; a route that changes between requests (fails once,
then works; serves a new version each time) takes a token in its path, so
each test counts its own hits.
"""

from __future__ import annotations

import dataclasses
import email.utils
import functools
import io
import socket
import ssl
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pypdf import PdfWriter

HANG_SECONDS = 60.0
DELAY_SECONDS = 0.1
ENTRY_SECONDS = 0.01
BIG_BYTES = 256 * 1024
DRIP_SECONDS = 1.0
HUGE_HEADER_BYTES = 1024 * 1024
GZIP_BOMB_BYTES = 256 * 1024 * 1024
"""What the gzip bomb routes decode to, from about 1 MB on the wire."""
PACE_SECONDS = 1
"""The /paced/ routes answer one request per this many seconds, 429 to the rest."""
TLS = Path(__file__).parent / "tls"
"""A self-signed certificate for 127.0.0.1 (a CA of its own) and its key."""


def tls_context() -> ssl.SSLContext:
    """The server side of TLS with the certificate in `TLS`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
    context.set_alpn_protocols(["http/1.1"])  # so a request shows whether its client offered it
    return context


def pdf_bytes(pages: int, title: str = "htcat test document") -> bytes:
    """A real PDF with ``pages`` blank pages, made by pypdf."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    alpn: str | None = None
    """The protocol TLS agreed on by ALPN (None: plain HTTP, or the client offered none)."""
    when: float = dataclasses.field(default_factory=time.monotonic)
    """When it came (time.monotonic)."""


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    """socketserver's default backlog of 5 drops connections under a concurrent check."""

    def __init__(self, pdf: bytes, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.pdf = pdf
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._active: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()
        self._paced: dict[str, float] = {}
        self._held: dict[str, threading.Event] = {}
        self.requests: list[Seen] = []
        self.arrivals: dict[str, list[tuple[float, int]]] = {}
        """Per /paced/ route: when each request came (monotonic) and the status it got."""

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def hit(self, key: str) -> int:
        """Counts a hit on ``key`` and returns how many there have been."""
        with self._lock:
            self._hits[key] += 1
            return self._hits[key]

    def paced(self, route: str) -> int:
        """The status for a request to a /paced/ route now: 200 once per PACE_SECONDS, else 429."""
        now = time.monotonic()
        with self._lock:
            last = self._paced.get(route)
            status = 200 if last is None or now - last >= PACE_SECONDS else 429
            if status == 200:
                self._paced[route] = now
            self.arrivals.setdefault(route, []).append((now, status))
        return status

    def held(self, route: str) -> threading.Event:
        """The gate of a /held/ route: its requests wait until the test sets it."""
        with self._lock:
            return self._held.setdefault(route, threading.Event())

    def seen(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def peak(self, route: str) -> int:
        """The most requests to ``route`` (a path without its query) served at once."""
        with self._lock:
            return self._peak[route]

    def record(self, seen: Seen) -> None:
        route = seen.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(seen)
            self._active[route] += 1
            self._peak[route] = max(self._peak[route], self._active[route])

    def done(self, seen: Seen) -> None:
        with self._lock:
            self._active[seen.path.split("?", 1)[0]] -= 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up mid-body on purpose (a check reads 1 KiB); that is no error."""

    def start(self) -> LinkServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LinkServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``server.requests`` instead."""

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        tls = self.connection if isinstance(self.connection, ssl.SSLSocket) else None
        seen = Seen(self.command, self.path, headers, tls.selected_alpn_protocol() if tls else None)
        self.server.record(seen)
        try:
            route = self._route()
            if route is None:
                self._send(404, b"<html><body>Not Found</body></html>", "text/html")
            else:
                route()
        finally:
            self.server.done(seen)

    def _route(self) -> Callable[[], None] | None:
        path = self.path.split("?", 1)[0]
        if path.startswith("http://"):
            path = "/" + path.removeprefix("http://").partition("/")[2]
            return self._page if path == "/proxied" else None
        fixed: dict[str, Callable[[], None]] = {
            "/doc.pdf": lambda: self._send(200, self.server.pdf, "application/pdf", ranged=True),
            "/plain.pdf": lambda: self._send(200, self.server.pdf, "application/pdf"),
            "/named.pdf": lambda: self._send(
                200,
                self.server.pdf,
                "application/pdf",
                {"Content-Disposition": 'attachment; filename="../../evil.pdf"'},
            ),
            "/soft404.pdf": lambda: self._send(200, PAGE, "text/html; charset=utf-8"),
            "/empty.pdf": lambda: self._send(200, b"", "application/pdf"),
            "/page": lambda: self._send(200, PAGE, "text/html; charset=utf-8"),
            "/old.pdf": lambda: self._redirect(301, "/doc.pdf"),
            "/temp.pdf": lambda: self._redirect(302, "/doc.pdf"),
            "/chain-301-302.pdf": lambda: self._redirect(301, "/temp.pdf"),
            "/chain-302-301.pdf": lambda: self._redirect(302, "/old.pdf"),
            "/chain-301-301-302.pdf": lambda: self._redirect(301, "/chain-301-302.pdf"),
            "/head-lies": lambda: (
                self._send(200, PAGE, "text/html")
                if self.command == "HEAD"
                else self._send(404, b"<html>Not Found</html>", "text/html")
            ),
            "/old-page": lambda: self._redirect(308, "/page"),
            "/loop-a": lambda: self._redirect(302, "/loop-b"),
            "/loop-b": lambda: self._redirect(302, "/loop-a"),
            "/to-file": lambda: self._redirect(302, "file:///etc/passwd"),
            "/to-ftp": lambda: self._redirect(302, "ftp://127.0.0.1/doc.pdf"),
            "/to-javascript": lambda: self._redirect(302, "javascript:alert(1)"),
            "/endless.pdf": self._endless,
            "/drip.pdf": self._drip,
            "/trickle.bin": self._trickle,
            "/gzip-bomb.pdf": lambda: self._gzip_bomb(b"%PDF-1.4\n", "application/pdf"),
            "/gzip-bomb-page": lambda: self._gzip_bomb(PAGE, "text/html"),
            "/huge-header": self._huge_header,
            "/short-length.pdf": lambda: self._wrong_length(+BIG_BYTES),
            "/long-length.pdf": lambda: self._wrong_length(-100),
            "/missing": lambda: self._send(404, b"<html>Not Found</html>", "text/html"),
            "/down": lambda: self._send(500, b"<html>Internal error</html>", "text/html"),
            "/forbidden": lambda: self._send(403, b"<html>Forbidden</html>", "text/html"),
            "/unavailable": lambda: self._send(503, b"<html>Down</html>", "text/html"),
            "/no-head": lambda: self._refuse_head(405),
            "/no-head-403": lambda: self._refuse_head(403),
            "/busy-long": lambda: self._send(
                429, b"slow down", "text/plain", {"Retry-After": "3600"}
            ),
            "/hang": self._hang,
            "/stall-after-head.pdf": self._stall_after_head,
            "/big.pdf": lambda: self._send(200, BIG, "application/pdf"),
            "/big-unsized.pdf": self._big_unsized,
            "/truncated.pdf": lambda: self._send(
                200, self.server.pdf[: len(self.server.pdf) // 2], "application/pdf"
            ),
            "/delayed.pdf": lambda: self._delayed(self.server.pdf, "application/pdf"),
            "/cookie-gate": self._cookie_gate,
        }
        if path in fixed:
            return fixed[path]
        if path.startswith("/go/"):
            status = int(path.removeprefix("/go/"))
            to = parse_qs(urlsplit(self.path).query)["to"][0]
            return lambda: self._redirect(status, to)
        if path.startswith("/paced/"):
            return lambda: self._paced(path)
        if path.startswith("/held/"):
            return lambda: self._held(path)
        if path == "/always-busy":
            return lambda: self._send(429, b"busy", "text/plain", {"Retry-After": "1"})
        if path == "/close-unanswered":
            return self._close_unanswered
        if path == "/reset":
            return self._reset
        if path.startswith("/hops/"):
            left = int(path.removeprefix("/hops/"))
            return lambda: self._redirect(302, f"/hops/{left - 1}") if left else self._page()
        if path.startswith("/delayed-page"):
            return lambda: self._delayed(PAGE, "text/html")
        if path.startswith("/flaky/"):
            return self._flaky
        if path.startswith("/busy/"):
            return lambda: self._busy(429, "1")
        if path.startswith("/busy-date/"):
            when = email.utils.formatdate(time.time() + 1, usegmt=True)
            return lambda: self._busy(503, when)
        if path.startswith("/changing/"):
            return self._changing
        if path.startswith("/entry/"):
            return self._entry
        return None

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        ranged: bool = False,
    ) -> None:
        extra = dict(headers or {})
        wanted = self.headers.get("Range", "")
        if ranged and status == 200 and wanted.startswith("bytes=0-"):
            last = min(int(wanted.removeprefix("bytes=0-")), len(body) - 1)
            extra["Content-Range"] = f"bytes 0-{last}/{len(body)}"
            status, body = 206, body[: last + 1]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self) -> None:
        self._send(200, PAGE, "text/html; charset=utf-8")

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", "text/html", {"Location": location})

    def _refuse_head(self, status: int) -> None:
        if self.command == "HEAD":
            self._send(status, b"", "text/html")
        else:
            self._page()

    def _cookie_gate(self) -> None:
        """Sets a cookie and redirects to the page behind the gate, which wants it back."""
        if "gate=open" in self.headers.get("Cookie", ""):
            self._page()
        elif "checked" in self.path:
            self._redirect(302, "/cookie-gate")
        else:
            headers = {"Location": "/cookie-gate?checked", "Set-Cookie": "gate=open; Path=/"}
            self._send(302, b"", "text/html", headers)

    def _paced(self, route: str) -> None:
        """A host's rate limit: one answer per PACE_SECONDS, 429 and Retry-After to the rest."""
        if self.server.paced(route) == 200:
            self._page()
        else:
            retry = {"Retry-After": str(PACE_SECONDS)}
            self._send(429, b"too many requests", "text/plain", retry)

    def _close_unanswered(self) -> None:
        """What nginx's ``return 444`` does: close the connection without a word."""
        self.close_connection = True

    def _reset(self) -> None:
        """Close with a TCP reset instead of an answer (SO_LINGER 0)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()
        self.connection.close()

    def _flaky(self) -> None:
        if self.server.hit(self.path) == 1:
            self._send(500, b"<html>try again</html>", "text/html")
        else:
            self._send(200, self.server.pdf, "application/pdf")

    def _busy(self, status: int, retry_after: str) -> None:
        if self.server.hit(self.path) == 1:
            self._send(status, b"busy", "text/plain", {"Retry-After": retry_after})
        else:
            self._page()

    def _changing(self) -> None:
        version = self.server.hit(self.path) if self.command == "GET" else 0
        self._send(200, pdf_bytes(1 + version % 3, f"version {version}"), "application/pdf")

    def _held(self, route: str) -> None:
        """A page sent once the test opens the route's gate (`LinkServer.held`)."""
        self.server.held(route).wait(HANG_SECONDS)
        self._page()

    def _hang(self) -> None:
        self.server.stopping.wait(HANG_SECONDS)
        self.close_connection = True

    def _stall_after_head(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(10 * 1024 * 1024))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(self.server.pdf[:5] + b"\n" + b"%" * 4096)
            self.wfile.flush()
            self.server.stopping.wait(HANG_SECONDS)
        self.close_connection = True

    def _big_unsized(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(BIG)
        self.close_connection = True

    def _entry(self) -> None:
        """One of many catalog links: a PDF after a short wait, so a big check takes a while."""
        time.sleep(ENTRY_SECONDS)
        self._send(200, self.server.pdf, "application/pdf", ranged=True)

    def _delayed(self, body: bytes, content_type: str) -> None:
        time.sleep(DELAY_SECONDS)
        self._send(200, body, content_type, ranged=True)

    def _endless(self) -> None:
        """A PDF that never ends: no Content-Length, bytes until the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command == "GET":
            self.wfile.write(b"%PDF-1.4\n")
            chunk = b"%" * 65536
            while not self.server.stopping.is_set():
                self.wfile.write(chunk)

    def _drip(self) -> None:
        """A PDF sent one byte a second, under a Content-Length it would take days to reach."""
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(BIG)))
        self.end_headers()
        self.close_connection = True
        if self.command == "GET":
            for byte in BIG:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                if self.server.stopping.wait(DRIP_SECONDS):
                    return

    def _trickle(self) -> None:
        """A data file in 4 KiB pieces every 50 ms: slow (80 KiB/s, 0.6 s in all) but steady."""
        body = bytes(12 * 4096)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            for at in range(0, len(body), 4096):
                self.wfile.write(body[at : at + 4096])
                self.wfile.flush()
                if self.server.stopping.wait(0.05):
                    return

    def _gzip_bomb(self, start: bytes, content_type: str) -> None:
        """About 1 MB of gzip that decodes to 256 MiB, whatever range was asked for."""
        self._send(200, gzip_bomb(start), content_type, {"Content-Encoding": "gzip"})

    def _huge_header(self) -> None:
        """A page behind a header of 1 MiB."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("X-Padding", "x" * HUGE_HEADER_BYTES)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(PAGE)

    def _wrong_length(self, extra: int) -> None:
        """The test PDF under a Content-Length ``extra`` bytes off; the connection then closes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(self.server.pdf) + extra))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command == "GET":
            self.wfile.write(self.server.pdf)


@functools.cache
def gzip_bomb(start: bytes) -> bytes:
    """``start`` and then zeros up to `GZIP_BOMB_BYTES`, gzipped (made once, quickly)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(start)]
    parts += [compressor.compress(zeros) for _ in range(GZIP_BOMB_BYTES // len(zeros))]
    parts.append(compressor.flush())
    return b"".join(parts)


PAGE = b"<!DOCTYPE html><html><head><title>Resource</title></head><body>A page</body></html>"
BIG = b"%PDF-1.4\n" + b"%" * BIG_BYTES
