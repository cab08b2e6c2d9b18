"""Measures the two transports the link client offers, against the local test server.

Not a test: run it to choose ``NetworkSettings.transport`` by measurement
(httpx issue 3215 reports httpx's own pool slowing under concurrency).

    PYTHONPATH=src:tests python -m links.measure_transport
"""

from __future__ import annotations

import multiprocessing
import statistics
import time

from htcat.links.check import CheckSettings, run_checks
from htcat.links.client import Timeouts, Transport
from htcat.links.results import LinkTarget

from .server import LinkServer, pdf_bytes

LINKS = 200
ROUNDS = 5
TRANSPORTS: tuple[Transport, ...] = ("httpx", "streams")
LIMITS = ((32, 4), (32, 32), (100, 100))
"""(concurrency, per_host): the defaults, then limits that leave the client the bottleneck."""


def measure(base: str, kind: str, path: str) -> None:
    for concurrency, per_host in LIMITS:
        for transport in TRANSPORTS:
            settings = CheckSettings(
                concurrency=concurrency,
                per_host=per_host,
                timeouts=Timeouts(total=60.0),
                transport=transport,
            )
            targets = [LinkTarget(f"e{i}", f"{base}{path}?{i}", kind) for i in range(LINKS)]
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                results = run_checks(targets, settings)
                times.append(time.perf_counter() - started)
                assert all(r.outcome == "ok" for r in results), {r.error for r in results}
            print(
                f"{kind:5} concurrency={concurrency:3} per_host={per_host:3} {transport:8}"
                f" median {statistics.median(times):.2f} s  min {min(times):.2f} s"
            )


def serve(ready: multiprocessing.Queue[str]) -> None:
    """Runs the server in its own process, so it does not share the client's GIL."""
    server = LinkServer(pdf_bytes(3))
    ready.put(server.base)
    server.serve_forever()


def main() -> None:
    ready: multiprocessing.Queue[str] = multiprocessing.Queue()
    process = multiprocessing.Process(target=serve, args=(ready,), daemon=True)
    process.start()
    base = ready.get(timeout=30)
    try:
        measure(base, "pdf", "/delayed.pdf")
        measure(base, "page", "/delayed-page")
    finally:
        process.terminate()


if __name__ == "__main__":
    main()
