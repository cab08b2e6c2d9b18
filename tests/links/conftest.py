"""Fixtures for link tests: the local link server and settings with short timeouts."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from htcat.links.config import CheckSettings, RetryPolicy, Timeouts

from . import nginx as nginx_server
from .proxy import Proxy, running_proxy
from .server import PAGE, TLS, LinkServer, pdf_bytes, tls_context

TEST_PAGES = 3


@pytest.fixture(scope="session")
def test_pdf() -> bytes:
    return pdf_bytes(TEST_PAGES)


@pytest.fixture(scope="session")
def server(test_pdf: bytes) -> Iterator[LinkServer]:
    """The link server, shared by the session; threads are daemons so a hang never blocks exit."""
    running = LinkServer(test_pdf).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tls_server(test_pdf: bytes) -> Iterator[LinkServer]:
    """The link server over https, with the self-signed certificate for 127.0.0.1 in tls/."""
    running = LinkServer(test_pdf, tls_context()).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def nginx(
    test_pdf: bytes, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[nginx_server.Nginx]:
    """Debian's nginx in the foreground, configured in a temporary folder; stopped at the end."""
    process, running = nginx_server.start(tmp_path_factory.mktemp("nginx"), test_pdf, PAGE)
    yield running
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """Debian's tinyproxy on 127.0.0.1, shared by the session."""
    with running_proxy(tmp_path_factory.mktemp("tinyproxy")) as running:
        yield running


@pytest.fixture
def trust_test_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client trusts tls/cert.pem (a CA of its own), and only it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to the local server go straight to it, whatever proxy the machine has."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


QUICK_TIMEOUTS = Timeouts(connect=1.0, read=1.0, total=5.0)
QUICK_RETRIES = RetryPolicy(retries=2, backoff=0.05, backoff_max=0.2, max_retry_after=3.0)


@pytest.fixture
def settings() -> CheckSettings:
    return CheckSettings(timeouts=QUICK_TIMEOUTS, retry=QUICK_RETRIES)


@pytest.fixture
def refused_url() -> str:
    """A URL on a 127.0.0.1 port that was bound and closed: nothing listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/doc.pdf"
