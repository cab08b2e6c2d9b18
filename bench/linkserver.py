"""A slow local web server for the link-check benchmarks: every answer takes 100 ms.

It listens on 127.0.0.1 only, on one or more ports (each port is a different
host to a link checker's per-host limit), and serves:

- ``/doc/NAME.pdf``: a small PDF (``%PDF-`` and all), to HEAD, GET and ranged GET;
- ``/links-COUNT-SPREAD.html``: a page linking COUNT PDFs of this server spread
  round-robin over its first SPREAD ports, for checkers that start from a page
  (linkinator, LinkChecker); `link_urls` gives the same URLs to a catalog;
- anything else: 404 (``/robots.txt`` among them);
- ``/_stats`` (not delayed): JSON with the most requests in flight at once,
  overall and per port, and the number served; ``/_reset`` zeroes them.

Usage (prints ``ready PORT…`` once listening, then serves until killed):

    python bench/linkserver.py --ports 50 --delay 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys

from aiohttp import web

PDF_BODY = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    + b"% padding so that a checker reads only the start\n" * 40
    + b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


_PAGE = re.compile(r"^/links-(?P<count>\d+)-(?P<spread>\d+)\.html$")


class Counters:
    """Requests in flight now and at most, overall and per port."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
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
        }


def link_urls(ports: list[int], count: int, spread: int) -> list[str]:
    """COUNT PDF links spread round-robin over the first SPREAD of ``ports``."""
    used = ports[: max(1, spread)]
    return [f"http://127.0.0.1:{used[n % len(used)]}/doc/{n}.pdf" for n in range(count)]


def link_page(urls: list[str]) -> bytes:
    items = "\n".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in urls)
    return f"<!doctype html>\n<title>links</title>\n<ul>\n{items}\n</ul>\n".encode()


def make_app(delay: float, ports: list[int], counters: Counters) -> web.Application:
    async def slow(request: web.Request) -> web.StreamResponse:
        port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
        counters.enter(port)
        try:
            await asyncio.sleep(delay)
            return answer(request)
        finally:
            counters.leave(port)

    def answer(request: web.Request) -> web.StreamResponse:
        path = request.path
        page = _PAGE.match(path)
        if page:
            urls = link_urls(ports, int(page["count"]), int(page["spread"]))
            return web.Response(body=link_page(urls), content_type="text/html")
        if path.startswith("/doc/") and path.endswith(".pdf"):
            body = PDF_BODY
            status = 200
            headers = {"Accept-Ranges": "bytes"}
            wanted = request.http_range
            if wanted.start is not None or wanted.stop is not None:
                start = wanted.start or 0
                stop = min(wanted.stop or len(body), len(body))
                headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(body)}"
                body, status = body[start:stop], 206
            return web.Response(
                body=body, status=status, content_type="application/pdf", headers=headers
            )
        return web.Response(status=404, text="not found", content_type="text/plain")

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(counters.as_dict())

    async def reset(request: web.Request) -> web.Response:
        counters.reset()
        return web.json_response({"reset": True})

    app = web.Application()
    app.router.add_get("/_stats", stats)
    app.router.add_get("/_reset", reset)
    app.router.add_route("*", "/{tail:.*}", slow)
    return app


async def serve(ports: int, delay: float) -> None:
    bound: list[int] = []
    runner = web.AppRunner(make_app(delay, bound, Counters()), access_log=None)
    await runner.setup()
    for _ in range(ports):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        bound.append(server.sockets[0].getsockname()[1])
    print("ready", *bound, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", type=int, default=1, help="how many ports (hosts) to open")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds before each answer")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.ports, args.delay))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
