"""Fixtures for the reliability suite: a folder per scenario and the shared link server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from links.server import LinkServer, pdf_bytes


@pytest.fixture(scope="session")
def link_server() -> Iterator[LinkServer]:
    """The link tests' own server (tests/links/server.py), shared by this suite's session."""
    running = LinkServer(pdf_bytes(3)).start()
    yield running
    running.stop()
