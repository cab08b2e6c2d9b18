"""A site on 127.0.0.1 serving saved pages, PDFs, hostile pages and a fake DOI resolver.

``/pages/NAME`` serves ``tests/intake/pages/NAME`` as text/html; ``/files/NAME``
serves bytes a test put in ``files``; ``/doi/10.x/y`` answers the CSL-JSON item
a test put in ``csl`` (404 for an unknown DOI), asked or not for CSL-JSON as
``accepts`` records; ``/busy/TOKEN/NAME`` answers 429 with ``Retry-After: 1``
once, then the page; ``/slow/NAME`` waits a little first, so that requests a
run lets start together overlap (``peak`` counts them); the other routes
misbehave on purpose.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

PAGES = Path(__file__).resolve().parents[1] / "intake" / "pages"
HANG_SECONDS = 30.0
SLOW_SECONDS = 0.3
BIG_BYTES = 6 * 1024 * 1024
REFRESH = b'<html><head><meta http-equiv="refresh" content="0; url=%s"></head></html>'
LYING = "<html><head><title>R\u00e9sum\u00e9 of the year</title></head></html>".encode("cp1252")
"""Served as UTF-8, written in Windows-1252: a charset that lies."""


class IntakeSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.csl: dict[str, Any] = {}
        self.accepts: list[str] = []
        self.agents: list[str] = []
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> IntakeSite:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: IntakeSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.server
        with site.lock:
            site.hits[self.path] += 1
            site.agents.append(self.headers.get("User-Agent", ""))
            site.accepts.append(self.headers.get("Accept", ""))
            site.in_flight += 1
            site.peak = max(site.peak, site.in_flight)
        try:
            self._answer(self.path)
        finally:
            with site.lock:
                site.in_flight -= 1

    def _answer(self, path: str) -> None:
        site = self.server
        if path.startswith("/slow/"):
            # Long enough for every request a run lets start at once to overlap.
            time.sleep(SLOW_SECONDS)
            path = "/pages/" + path.removeprefix("/slow/")
        if path.startswith("/pages/"):
            page = PAGES / path.removeprefix("/pages/")
            if page.is_file() and page.parent == PAGES:
                self._send(200, page.read_bytes(), "text/html")
                return
        elif path.startswith("/files/"):
            name = path.removeprefix("/files/")
            if name in site.files:
                body, content_type = site.files[name]
                self._send(200, body, content_type)
                return
        elif path.startswith("/doi/"):
            doi = path.removeprefix("/doi/").lower()
            if doi in site.csl:
                body = orjson.dumps(site.csl[doi])
                self._send(200, body, "application/vnd.citationstyles.csl+json")
                return
        elif path.startswith("/doi-html/"):
            self._send(200, b"<!doctype html><html><head><title>DOI landing</title></head></html>")
            return
        elif path.startswith("/doi-hang/"):
            time.sleep(HANG_SECONDS)
        elif path.startswith("/busy/"):
            if site.hits[path] == 1:
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(200, (PAGES / path.removeprefix("/busy/").split("/", 1)[1]).read_bytes())
            return
        elif path.startswith("/refresh-to/"):
            target = "/pages/" + path.removeprefix("/refresh-to/")
            self._send(200, REFRESH % target.encode())
            return
        elif path.startswith("/refresh/"):
            step = int(path.removeprefix("/refresh/"))
            target = f"/refresh/{(step + 1) % 2}"
            self._send(200, REFRESH % target.encode())
            return
        elif path == "/big":
            self._send(200, b"<html><head><title>Big</title></head><body>" + b"x" * BIG_BYTES)
            return
        elif path == "/lying-charset":
            self._send(200, LYING, "text/html; charset=utf-8")
            return
        elif path.startswith("/moved/"):
            self.send_response(301)
            self.send_header("Location", "/pages/" + path.removeprefix("/moved/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(404, b"not found")


def pdf_with_text(text: str, info: dict[str, str] | None = None) -> bytes:
    """A one-page PDF printing ``text`` in Helvetica, with ``info`` as its document
    information (written as PDF strings, bytes kept as given)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if info:
        fields = b" ".join(
            b"/" + key.encode() + b" (" + value.encode("latin-1", "replace") + b")"
            for key, value in info.items()
        )
        objects.append(b"<< " + fields + b" >>")
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % len(objects)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
