"""The link client: every request, sent straight or through a proxy, under htcat's session rules.

A proxy between a cron job and the web must not change what a check is:
no cookie carried from one link to the next, htcat's own TLS context, the
run's connection limit. The proxy here is Debian's tinyproxy, started on
127.0.0.1; the links name the local server ``localhost``, because a cookie
set by a bare IP address is one no client keeps, so it could not show a leak.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from htcat.links.check import run_checks
from htcat.links.client import proxy_mounts
from htcat.links.config import CheckSettings
from htcat.links.results import LinkTarget

from .proxy import Proxy
from .server import LinkServer


def by_name(server: LinkServer, path: str) -> str:
    return server.url(path).replace("://127.0.0.1:", "://localhost:")


def test_a_proxied_check_carries_no_cookie_from_one_link_to_the_next(
    server: LinkServer, proxy: Proxy, settings: CheckSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    after = f"/page?after-the-gate-{uuid.uuid4().hex}"
    targets = [
        LinkTarget("e1", by_name(server, "/cookie-gate"), "page"),
        LinkTarget("e2", by_name(server, after), "page"),
    ]

    results = run_checks(targets, dataclasses.replace(settings, concurrency=1))

    assert [r.outcome for r in results] == ["ok", "ok"]
    [request] = [r for r in server.requests if r.path == after]
    assert "tinyproxy" in request.headers.get("via", "")
    assert request.headers.get("cookie") is None


@pytest.mark.usefixtures("trust_test_certificate")
def test_a_proxied_https_check_speaks_tls_as_htcat_does(
    tls_server: LinkServer, proxy: Proxy, settings: CheckSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """htcat's TLS context offers HTTP/1.1 by ALPN; a library's default context offers nothing."""
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    path = f"/page?tunnelled-{uuid.uuid4().hex}"

    [result] = run_checks([LinkTarget("e", tls_server.url(path), "page")], settings)

    assert result.outcome == "ok", result.error
    assert tls_server.base.removeprefix("https://") in proxy.tunnels()
    assert [r.alpn for r in tls_server.requests if r.path == path] == ["http/1.1"]


@pytest.mark.usefixtures("trust_test_certificate")
def test_a_straight_https_check_speaks_tls_as_htcat_does(
    tls_server: LinkServer, settings: CheckSettings
) -> None:
    path = f"/page?straight-{uuid.uuid4().hex}"

    [result] = run_checks([LinkTarget("e", tls_server.url(path), "page")], settings)

    assert result.outcome == "ok", result.error
    assert [r.alpn for r in tls_server.requests if r.path == path] == ["http/1.1"]


def test_a_host_in_no_proxy_is_asked_straight(
    server: LinkServer, proxy: Proxy, settings: CheckSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.org, localhost")
    path = f"/page?straight-{uuid.uuid4().hex}"

    [result] = run_checks([LinkTarget("e", by_name(server, path), "page")], settings)

    assert result.outcome == "ok"
    [request] = [r for r in server.requests if r.path == path]
    assert "via" not in request.headers


def test_the_proxy_variables_become_routes_as_httpx_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3129")
    monkeypatch.setenv("ALL_PROXY", "socks-less.example:1080")
    monkeypatch.setenv("NO_PROXY", "localhost, .internal.example, example.org, 10.0.0.1, ::1")

    routes = {pattern: None if p is None else str(p.url) for pattern, p in proxy_mounts().items()}

    assert routes == {
        "http://": "http://proxy.example:3128",
        "https://": "http://proxy.example:3129",
        "all://": "http://socks-less.example:1080",
        "all://localhost": None,
        "all://*.internal.example": None,
        "all://*example.org": None,
        "all://10.0.0.1": None,
        "all://[::1]": None,
    }


def test_no_proxy_star_or_no_variable_means_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert proxy_mounts() == {}
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "*")
    assert proxy_mounts() == {}
