"""Fixtures for the reliability suite: a folder per scenario and the shared link server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from links.server import PAGE, LinkServer, gzip_bomb, pdf_bytes


@pytest.fixture(scope="session")
def link_server() -> Iterator[LinkServer]:
    """The link tests' own server (tests/links/server.py), shared by this suite's session.

    Its gzip bombs are made before any client asks: compressing 256 MiB takes
    seconds on a busy machine, which the first request would wait for and
    time out on.
    """
    gzip_bomb(b"%PDF-1.4\n")
    gzip_bomb(PAGE)
    running = LinkServer(pdf_bytes(3)).start()
    yield running
    running.stop()
