"""A site on 127.0.0.1 serving saved pages, PDFs, hostile pages and a fake DOI resolver.

``/pages/NAME`` serves ``tests/intake/pages/NAME`` as text/html; ``/files/NAME``
serves bytes a test put in ``files``; ``/doi/10.x/y`` answers the CSL-JSON item
a test put in ``csl`` (404 for an unknown DOI), asked or not for CSL-JSON as
``accepts`` records; the other routes misbehave on purpose.
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


class IntakeSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, tuple[bytes, str]] = {}
        self.csl: dict[str, Any] = {}
        self.accepts: list[str] = []
        self.agents: list[str] = []
        self.hits: Counter[str] = Counter()
        self.times: list[tuple[float, str]] = []
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
        path = self.path
        with site.lock:
            site.hits[path] += 1
            site.times.append((time.monotonic(), path))
            site.agents.append(self.headers.get("User-Agent", ""))
            site.accepts.append(self.headers.get("Accept", ""))
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
        elif path.startswith("/moved/"):
            self.send_response(301)
            self.send_header("Location", "/pages/" + path.removeprefix("/moved/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(404, b"not found")
