"""The reference scripts htcat is measured against: the least any JSON-file tool must do.

``load`` reads and parses the catalog (or each of several, all held at once) with
orjson and nothing more. ``load-write`` also writes it back as htcat would
(pretty-printed, sorted keys, final newline) and fsyncs: the floor for any
command that changes or exports a JSON catalog.

``links`` is the floor for a link check by a Python command-line tool on
htcat's stack: it starts Python, imports typer, tinydb, tabulate and httpx
(without using them), then asks each URL of a file for its first kilobyte over
kept-alive connections, at most CONCURRENCY at once, with bare asyncio
streams: no HTTP library, no catalog, no results. A target set as a
ratio to the network's ideal is moved by the host; this shows how much of that any such tool
spends before and around the requests on the machine of the day.

Usage:

    python bench/reference.py load data/catalog.json
    python bench/reference.py load base.json ours.json theirs.json
    python bench/reference.py load-write copy-of-catalog.json
    python bench/reference.py links urls.txt 50
"""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import SplitResult, urlsplit

import orjson

PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def load_all(paths: list[str]) -> list[object]:
    """Every file parsed and held at once, as a three-way merge must hold its sides."""
    return [load(path) for path in paths]


def load(path: str) -> object:
    with open(path, "rb") as file:
        return orjson.loads(file.read())


def load_write(path: str) -> None:
    data = orjson.dumps(load(path), option=PRETTY)
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def links(path: str, concurrency: int) -> None:
    import httpx  # noqa: F401  (imported as any tool on the stack must)
    import tabulate  # noqa: F401
    import tinydb  # noqa: F401
    import typer  # noqa: F401

    with open(path) as file:
        urls = [urlsplit(line.strip()) for line in file if line.strip()]
    asyncio.run(_first_kilobytes(urls, concurrency))


async def _first_kilobytes(urls: list[SplitResult], concurrency: int) -> None:
    slots = asyncio.Semaphore(concurrency)
    idle: dict[str, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def one(url: SplitResult) -> None:
        async with slots:
            kept = idle.setdefault(url.netloc, [])
            reader, writer = (
                kept.pop() if kept else await asyncio.open_connection(url.hostname, url.port or 80)
            )
            request = (
                f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nRange: bytes=0-1023\r\n\r\n"
            )
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = head.lower().split(b"content-length:")[1].split(b"\r\n")[0]
            await reader.readexactly(int(length))
            kept.append((reader, writer))

    await asyncio.gather(*(one(url) for url in urls))
    for kept in idle.values():
        for _, writer in kept:
            writer.close()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "links":
        links(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "load":
        load_all(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "load-write":
        load_write(sys.argv[2])
    else:
        sys.exit(
            "usage: reference.py load FILE..., load-write FILE, "
            "or reference.py links URLS CONCURRENCY"
        )


if __name__ == "__main__":
    main()
