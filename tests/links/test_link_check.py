"""htcat check against a real local server: each misbehaviour gets the outcome it calls for."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
import uuid

import pytest

from htcat import __version__
from htcat.links.check import check_links, run_checks
from htcat.links.config import CheckSettings, HostLimit, Policy, RetryPolicy, Timeouts
from htcat.links.pacing import Hosts
from htcat.links.results import HOST_BUSY, CheckResult, LinkTarget

from .server import BIG_BYTES, PACE_SECONDS, LinkServer


def check_one(url: str, kind: str, settings: CheckSettings) -> CheckResult:
    [result] = run_checks([LinkTarget("entry-1", url, kind)], settings)
    assert result.entry_id == "entry-1" and result.url == url and result.kind == kind
    assert result.checked.endswith("Z") and len(result.checked) == len("2026-11-27T10:15:00Z")
    return result


def token() -> str:
    return uuid.uuid4().hex


def test_pdf_link_serving_a_pdf_is_ok_and_only_its_first_kilobyte_is_asked_for(
    server: LinkServer, settings: CheckSettings, test_pdf: bytes
) -> None:
    path = f"/doc.pdf?{token()}"
    result = check_one(server.url(path), "pdf", settings)

    assert result.outcome == "ok"
    assert result.status == 200
    assert result.final_url == server.url(path)
    assert result.redirects == ()
    assert result.moved_to is None
    assert result.content_type == "application/pdf"
    assert result.size == len(test_pdf)
    assert result.error is None
    [request] = [r for r in server.requests if r.path == path]
    assert request.method == "GET"
    assert request.headers["range"] == "bytes=0-1023"
    assert request.headers["user-agent"].startswith(f"htcat/{__version__} ")


def test_pdf_link_on_a_server_ignoring_range_reads_only_the_first_bytes(
    server: LinkServer, settings: CheckSettings
) -> None:
    """The server sends 4 KiB of a 10 MiB body and stalls: a check that read on would time out."""
    result = check_one(server.url("/stall-after-head.pdf"), "pdf", settings)

    assert result.outcome == "ok"
    assert result.status == 200
    assert result.size == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("kind", "wanted"),
    [("pdf", "a PDF"), ("slides", "slides (PDF, PowerPoint or OpenDocument)")],
)
def test_html_served_with_200_where_a_document_should_be_is_broken(
    server: LinkServer, settings: CheckSettings, kind: str, wanted: str
) -> None:
    result = check_one(server.url("/soft404.pdf"), kind, settings)

    assert result.outcome == "broken"
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.error == f"expected {wanted}, got text/html"


def test_a_403_says_the_server_may_refuse_robots_and_where_to_name_the_team(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/forbidden"), "page", settings)

    assert result.outcome == "broken"
    assert result.error is not None and result.error.startswith("HTTP 403 Forbidden (the server")
    assert "[links] user_agent in htcat.toml" in result.error


def test_a_transcript_may_be_an_html_page(server: LinkServer, settings: CheckSettings) -> None:
    result = check_one(server.url("/soft404.pdf"), "transcript", settings)

    assert (result.outcome, result.error) == ("ok", None)


def test_an_empty_body_where_a_pdf_should_be_is_broken(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/empty.pdf"), "pdf", settings)

    assert result.outcome == "broken"
    assert result.error == "expected a PDF, got an empty body"


def test_a_truncated_pdf_passes_a_check_which_reads_only_its_start(
    server: LinkServer, settings: CheckSettings
) -> None:
    """Only fetch reads whole documents; it reports the truncation (see test_link_fetch)."""
    assert check_one(server.url("/truncated.pdf"), "pdf", settings).outcome == "ok"


@pytest.mark.parametrize("kind", ["webinar", "video", "page", "dataset", "other"])
def test_page_kinds_are_judged_by_a_ranged_get_never_a_head(
    server: LinkServer, settings: CheckSettings, kind: str
) -> None:
    path = f"/page?{token()}"
    result = check_one(server.url(path), kind, settings)

    assert result.outcome == "ok"
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.size is not None and result.size > 0
    [request] = server.seen(path)
    assert (request.method, request.headers["range"]) == ("GET", "bytes=0-1023")


def test_a_permanent_redirect_is_moved_with_the_new_url(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/old.pdf"), "pdf", settings)

    assert result.outcome == "moved"
    assert result.moved_to == server.url("/doc.pdf")
    assert result.final_url == server.url("/doc.pdf")
    assert result.redirects == ((301, server.url("/doc.pdf")),)
    assert result.status == 200


def test_a_temporary_redirect_is_ok_with_the_chain_recorded(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/temp.pdf"), "pdf", settings)

    assert result.outcome == "ok"
    assert result.moved_to is None
    assert result.redirects == ((302, server.url("/doc.pdf")),)
    assert result.final_url == server.url("/doc.pdf")


def test_a_301_then_302_chain_moves_the_link_to_the_permanent_target(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/chain-301-302.pdf"), "pdf", settings)

    assert result.outcome == "moved"
    assert result.redirects == (
        (301, server.url("/temp.pdf")),
        (302, server.url("/doc.pdf")),
    )
    assert result.moved_to == server.url("/temp.pdf")
    assert result.final_url == server.url("/doc.pdf")


def test_a_302_in_front_of_a_301_is_ok_with_the_chain_recorded(
    server: LinkServer, settings: CheckSettings
) -> None:
    """The link itself moved only for now: its URL is still the one to keep."""
    result = check_one(server.url("/chain-302-301.pdf"), "pdf", settings)

    assert result.outcome == "ok"
    assert result.redirects == (
        (302, server.url("/old.pdf")),
        (301, server.url("/doc.pdf")),
    )
    assert result.moved_to is None


def test_two_301s_then_a_302_move_the_link_to_the_end_of_the_permanent_run(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/chain-301-301-302.pdf"), "pdf", settings)

    assert result.outcome == "moved"
    assert [status for status, _ in result.redirects] == [301, 301, 302]
    assert result.moved_to == server.url("/temp.pdf")
    assert result.final_url == server.url("/doc.pdf")


def test_a_308_on_a_page_is_moved(server: LinkServer, settings: CheckSettings) -> None:
    result = check_one(server.url("/old-page"), "webinar", settings)

    assert result.outcome == "moved"
    assert result.moved_to == server.url("/page")


def test_a_redirect_loop_is_broken(server: LinkServer, settings: CheckSettings) -> None:
    result = check_one(server.url("/loop-a"), "page", settings)

    assert result.outcome == "broken"
    assert result.error == "redirect loop"
    assert result.redirects == ((302, server.url("/loop-b")), (302, server.url("/loop-a")))
    assert result.status == 302


def test_redirects_are_followed_up_to_the_limit_and_no_further(
    server: LinkServer, settings: CheckSettings
) -> None:
    three = dataclasses.replace(settings, max_redirects=3)

    within = check_one(server.url("/hops/3"), "page", three)
    beyond = check_one(server.url("/hops/4"), "page", three)

    assert within.outcome == "ok"
    assert len(within.redirects) == 3
    assert beyond.outcome == "broken"
    assert beyond.error == "more than 3 redirects"
    assert len(beyond.redirects) == 4


def test_a_redirect_to_a_file_url_is_an_invalid_target_refused_and_not_followed(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/to-file"), "pdf", settings)

    assert result.outcome == "invalid"
    assert result.error == "redirect to file: refused: only http and https are followed"
    assert result.redirects == ((302, "file:///etc/passwd"),)
    assert result.final_url is None


def test_a_404_is_broken_without_retries(server: LinkServer, settings: CheckSettings) -> None:
    path = f"/missing?{token()}"
    result = check_one(server.url(path), "page", settings)

    assert result.outcome == "broken"
    assert result.status == 404
    assert result.error == "HTTP 404 Not Found"
    assert [r.method for r in server.seen(path)] == ["GET"]


def test_a_500_then_200_is_retried_and_ok(server: LinkServer, settings: CheckSettings) -> None:
    path = f"/flaky/{token()}"
    result = check_one(server.url(path), "pdf", settings)

    assert result.outcome == "ok"
    assert result.status == 200
    assert len(server.seen(path)) == 2


def test_a_lasting_500_is_broken_after_the_retries(
    server: LinkServer, settings: CheckSettings
) -> None:
    path = f"/down?{token()}"
    result = check_one(server.url(path), "pdf", settings)

    assert result.outcome == "broken"
    assert result.status == 500
    assert result.error == "HTTP 500 Internal Server Error"
    assert len(server.seen(path)) == 1 + settings.retry.retries


@pytest.mark.parametrize("path", ["/no-head", "/no-head-403"])
def test_a_server_refusing_head_is_never_asked_with_head(
    server: LinkServer, settings: CheckSettings, path: str
) -> None:
    path = f"{path}?{token()}"
    result = check_one(server.url(path), "webinar", settings)

    assert result.outcome == "ok"
    assert result.status == 200
    assert [r.method for r in server.seen(path)] == ["GET"]


def test_a_page_whose_head_says_200_and_get_says_404_is_broken(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url(f"/head-lies?{token()}"), "page", settings)

    assert result.outcome == "broken"
    assert (result.status, result.error) == (404, "HTTP 404 Not Found")


def test_429_with_retry_after_waits_as_told_then_succeeds(
    server: LinkServer, settings: CheckSettings
) -> None:
    path = f"/busy/{token()}"
    started = time.monotonic()
    result = check_one(server.url(path), "page", settings)

    assert result.outcome == "ok"
    assert time.monotonic() - started >= 0.95
    assert [r.method for r in server.seen(path)] == ["GET", "GET"]


def test_503_with_an_http_date_retry_after_is_waited_for(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url(f"/busy-date/{token()}"), "page", settings)

    assert result.outcome == "ok"


def test_a_retry_after_beyond_the_bound_gives_up_at_once_as_throttled(
    server: LinkServer, settings: CheckSettings
) -> None:
    path = f"/busy-long?{token()}"
    result = check_one(server.url(path), "page", settings)

    assert result.outcome == "throttled"
    assert result.status == 429
    assert result.error == (
        "HTTP 429 Too Many Requests (asked to wait 3600 s, more than the 3 s allowed)"
    )
    assert len(server.seen(path)) == 1


def test_a_server_that_never_answers_is_a_timeout_bounded_by_the_read_timeout(
    server: LinkServer,
) -> None:
    settings = CheckSettings(
        timeouts=Timeouts(connect=1.0, read=0.3, total=10.0),
        retry=RetryPolicy(retries=1, backoff=0.05),
    )
    started = time.monotonic()
    result = check_one(server.url("/hang"), "page", settings)

    assert result.outcome == "timeout"
    assert result.error == f"{server.base.removeprefix('http://')}: no answer within 0.3 s"
    assert time.monotonic() - started < 5.0


def test_the_whole_link_timeout_bounds_every_attempt_and_wait(server: LinkServer) -> None:
    settings = CheckSettings(
        timeouts=Timeouts(connect=1.0, read=30.0, total=0.5), retry=RetryPolicy(retries=5)
    )
    started = time.monotonic()
    result = check_one(server.url("/hang"), "pdf", settings)

    assert result.outcome == "timeout"
    assert result.error == "no result within 0.5 s"
    assert time.monotonic() - started < 5.0


def test_a_refused_connection_is_broken_after_retries(
    refused_url: str, settings: CheckSettings
) -> None:
    result = check_one(refused_url, "pdf", settings)

    assert result.outcome == "broken"
    assert result.error == f"{refused_url.split('/')[2]}: connection refused"
    assert result.status is None


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://127.0.0.1/doc.pdf", "only http and https links are checked, not ftp:"),
        ("javascript:alert(1)", "only http and https links are checked, not javascript:"),
        ("file:///etc/passwd", "only http and https links are checked, not file:"),
        ("/relative/doc.pdf", "only http and https links are checked, not no scheme"),
        ("http:///doc.pdf", "the URL has no host"),
    ],
)
def test_a_url_that_is_not_http_is_invalid_and_never_requested(
    settings: CheckSettings, url: str, error: str
) -> None:
    result = check_one(url, "pdf", settings)

    assert result.outcome == "invalid"
    assert result.error == error
    assert result.status is None


def test_results_come_back_in_order_and_each_is_reported_as_it_finishes(
    server: LinkServer, settings: CheckSettings
) -> None:
    targets = [
        LinkTarget("a", server.url("/delayed.pdf"), "pdf"),
        LinkTarget("b", server.url("/missing"), "page"),
        LinkTarget("c", "ftp://127.0.0.1/x", "pdf"),
        LinkTarget("d", server.url("/page"), "page"),
    ]
    reported: list[CheckResult] = []

    results = run_checks(targets, settings, reported.append)

    assert [r.entry_id for r in results] == ["a", "b", "c", "d"]
    assert [r.outcome for r in results] == ["ok", "broken", "invalid", "ok"]
    assert sorted(r.entry_id for r in reported) == ["a", "b", "c", "d"]


@pytest.mark.parametrize(("concurrency", "per_host", "peak"), [(16, 3, 3), (2, 8, 2)])
def test_requests_in_flight_never_exceed_the_global_and_per_host_limits(
    server: LinkServer, settings: CheckSettings, concurrency: int, per_host: int, peak: int
) -> None:
    limited = dataclasses.replace(settings, concurrency=concurrency, per_host=per_host)
    route = f"/delayed-page/{token()}"
    targets = [LinkTarget(f"e{i}", server.url(f"{route}?{i}"), "page") for i in range(12)]

    results = run_checks(targets, limited)

    assert {r.outcome for r in results} == {"ok"}
    assert server.peak(route) == peak


def test_a_policy_host_limit_holds_its_host_to_fewer_requests_in_flight(
    server: LinkServer, settings: CheckSettings
) -> None:
    policy = Policy(hosts=(HostLimit("127.0.0.1", 1),))
    limited = dataclasses.replace(settings, per_host=8, policy=policy)
    route = f"/delayed-page/{token()}"
    targets = [LinkTarget(f"e{i}", server.url(f"{route}?{i}"), "page") for i in range(4)]

    results = run_checks(targets, limited)

    assert {r.outcome for r in results} == {"ok"}
    assert server.peak(route) == 1


@pytest.mark.slow
def test_a_link_waiting_for_a_slowed_hosts_turn_holds_no_global_slot(
    server: LinkServer, settings: CheckSettings
) -> None:
    """One slot in all: the other host's links go while the slowed host's wait their turn."""
    busy = f"/paced/{token()}"
    other = f"/page?{token()}"
    port = server.server_address[1]
    targets = [LinkTarget(f"b{i}", server.url(f"{busy}?{i}"), "page") for i in range(3)]
    targets += [
        LinkTarget(f"o{i}", f"http://localhost:{port}{other}&{i}", "page") for i in range(3)
    ]
    one_slot = dataclasses.replace(
        settings, concurrency=1, timeouts=Timeouts(connect=1.0, read=1.0, total=10.0)
    )

    results = run_checks(targets, one_slot)

    assert [r.outcome for r in results] == ["ok"] * 6
    refused = next(when for when, status in server.arrivals[busy] if status == 429)
    others = [r.when for r in server.requests if r.path.startswith(other)]
    assert len(others) == 3
    assert max(others) < refused + PACE_SECONDS / 2


def test_a_big_pdf_is_checked_from_its_first_bytes_and_sized_from_its_headers(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/big.pdf"), "pdf", settings)

    assert result.outcome == "ok"
    assert result.size == BIG_BYTES + len(b"%PDF-1.4\n")


def test_the_proxy_variables_are_honoured(
    server: LinkServer,
    settings: CheckSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cron job behind a proxy must reach the web through it."""
    monkeypatch.setenv("HTTP_PROXY", server.base)
    url = f"http://catalog-link.invalid/proxied?{token()}"

    result = check_one(url, "page", settings)

    assert result.outcome == "ok"
    assert [r.method for r in server.requests if r.path == url] == ["GET"]


def test_a_cookie_set_along_a_redirect_chain_is_sent_back_on_it(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/cookie-gate"), "page", settings)

    assert (result.outcome, result.redirects) == (
        "ok",
        ((302, server.url("/cookie-gate?checked")),),
    )


def test_no_cookie_is_carried_from_one_link_to_the_next(
    server: LinkServer, settings: CheckSettings
) -> None:
    """One server's cookie is not sent with another link's request, even to the same host."""
    after = f"/page?after-the-gate-{token()}"
    targets = [LinkTarget("e1", server.url("/cookie-gate"), "page")]
    targets.append(LinkTarget("e2", server.url(after), "page"))
    one_at_a_time = dataclasses.replace(settings, concurrency=1)

    results = run_checks(targets, one_at_a_time)

    assert [r.outcome for r in results] == ["ok", "ok"]
    assert [r.headers.get("cookie") for r in server.requests if r.path == after] == [None]


def authority(url: str) -> str:
    return url.split("/")[2]


def test_a_redirect_to_a_closed_port_keeps_the_chain_and_names_the_target_host(
    server: LinkServer, settings: CheckSettings, refused_url: str
) -> None:
    result = check_one(server.url(f"/go/302?to={refused_url}"), "pdf", settings)

    assert result.outcome == "broken"
    assert result.error == f"{authority(refused_url)}: connection refused"
    assert result.redirects == ((302, refused_url),)
    assert (result.status, result.final_url) == (302, refused_url)


def test_a_redirect_to_a_host_with_a_self_signed_certificate_says_so_and_where(
    server: LinkServer, tls_server: LinkServer, settings: CheckSettings
) -> None:
    target = tls_server.url("/page")
    result = check_one(server.url(f"/go/301?to={target}"), "page", settings)

    assert result.outcome == "broken"
    assert result.error == (
        f"{authority(target)}: TLS certificate not accepted: self-signed certificate"
    )
    assert result.redirects == ((301, target),)
    assert result.moved_to == target


@pytest.mark.usefixtures("trust_test_certificate")
def test_a_certificate_for_another_name_is_a_hostname_mismatch_not_a_trust_failure(
    tls_server: LinkServer, settings: CheckSettings
) -> None:
    port = tls_server.server_address[1]
    trusted = check_one(tls_server.url("/page"), "page", settings)
    other_name = check_one(f"https://localhost:{port}/page", "page", settings)

    assert trusted.outcome == "ok"
    assert other_name.outcome == "broken"
    assert other_name.error == (
        f"localhost:{port}: TLS certificate not accepted: "
        "Hostname mismatch, certificate is not valid for 'localhost'."
    )


@pytest.mark.usefixtures("trust_test_certificate")
@pytest.mark.parametrize(
    ("status", "outcome", "how"), [(301, "moved", "permanently"), (302, "ok", "for now")]
)
def test_a_move_from_https_to_http_is_named_in_a_warning(
    server: LinkServer,
    tls_server: LinkServer,
    settings: CheckSettings,
    status: int,
    outcome: str,
    how: str,
) -> None:
    plain = server.url("/page")
    result = check_one(tls_server.url(f"/go/{status}?to={plain}"), "page", settings)

    assert (result.outcome, result.moved_to) == (outcome, plain if status == 301 else None)
    assert result.warning == f"redirected from https to http ({status}, {how}): {plain}"


def test_a_server_closing_without_an_answer_is_described_as_such(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/close-unanswered"), "page", settings)

    assert result.outcome == "broken"
    assert result.error == (
        f"{authority(server.base + '/')}: the server closed the connection without an answer"
    )


def test_a_connection_reset_is_described_as_such(
    server: LinkServer, settings: CheckSettings
) -> None:
    result = check_one(server.url("/reset"), "page", settings)

    assert result.outcome == "broken"
    assert result.error == f"{authority(server.base + '/')}: connection reset by the server"


@pytest.mark.slow
def test_a_rate_limited_host_is_slowed_as_a_whole_and_no_link_fails(
    server: LinkServer, settings: CheckSettings
) -> None:
    """Four links on a host that answers one request a second and 429 to the rest.

    The first requests go out together, before the host has said anything;
    every request sent after its first 429 keeps to its pace.
    """
    route = f"/paced/{token()}"
    targets = [LinkTarget(f"e{i}", server.url(f"{route}?{i}"), "page") for i in range(4)]
    patient = dataclasses.replace(settings, timeouts=Timeouts(connect=1.0, read=1.0, total=20.0))

    results = run_checks(targets, patient)

    assert [r.outcome for r in results] == ["ok"] * 4
    arrivals = server.arrivals[route]
    heard = next(when for when, status in arrivals if status == 429) + 0.05
    later = [(when, status) for when, status in arrivals if when > heard]
    starts = [arrivals[0][0]] + [when for when, _ in later]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps and min(gaps) >= PACE_SECONDS - 0.05, gaps
    assert [status for _, status in later] == [200] * len(later)


def test_a_host_that_keeps_refusing_is_throttled_which_is_no_failure(
    server: LinkServer, settings: CheckSettings
) -> None:
    brief = dataclasses.replace(settings, timeouts=Timeouts(connect=1.0, read=1.0, total=1.5))
    result = check_one(server.url("/always-busy"), "page", brief)

    assert result.outcome == "throttled"
    assert (result.status, result.error) == (429, "HTTP 429 Too Many Requests")
    assert not result.failed


def test_a_lasting_503_without_retry_after_is_an_outage_broken_after_the_usual_retries(
    server: LinkServer, settings: CheckSettings
) -> None:
    """Paced tries would go on for the link's 20 s: at 0, 1, 3, 7 and 15 s."""
    path = f"/unavailable?{token()}"
    once = dataclasses.replace(
        settings,
        retry=RetryPolicy(retries=1, backoff=0.05),
        timeouts=Timeouts(connect=1.0, read=1.0, total=20.0),
    )

    result = check_one(server.url(path), "page", once)

    assert (result.outcome, result.status) == ("broken", 503)
    assert len(server.seen(path)) in (2, 3)


def test_a_host_refusing_connections_is_given_up_for_the_rest_of_the_run(
    refused_url: str, settings: CheckSettings
) -> None:
    targets = [LinkTarget(f"e{i}", f"{refused_url}?{i}", "pdf") for i in range(12)]
    started = time.monotonic()

    results = run_checks(targets, dataclasses.replace(settings, per_host=1))

    assert {r.outcome for r in results} == {"broken"}
    given_up = [r for r in results if r.error and r.error.endswith("after 3 failures")]
    assert len(given_up) >= 10
    assert given_up[0].error == (
        f"{authority(refused_url)}: connection refused; host given up for this run after 3 failures"
    )
    assert time.monotonic() - started < 3.0


def one_busy_url_among_sound_pdfs(server: LinkServer) -> list[LinkTarget]:
    """40 sound PDFs, three broken links and one URL that always answers 429, on one host."""
    run = token()
    pdfs = [LinkTarget(f"pdf-{i}", server.url(f"/doc.pdf?{run}-{i}"), "pdf") for i in range(40)]
    broken = [
        LinkTarget("login-page", server.url(f"/soft404.pdf?{run}"), "pdf"),
        LinkTarget("gone", server.url(f"/missing?{run}"), "page"),
        LinkTarget("error", server.url(f"/down?{run}"), "page"),
    ]
    return [LinkTarget("busy", server.url(f"/always-busy?{run}"), "pdf"), *pdfs, *broken]


def test_one_url_refusing_alone_neither_stalls_its_host_nor_hides_its_broken_links(
    server: LinkServer,
) -> None:
    host_wait = 5.0
    hosts = Hosts(max_wait=30.0, host_wait=host_wait)
    settings = CheckSettings(
        timeouts=Timeouts(connect=5.0, read=5.0, total=60.0),
        retry=RetryPolicy(retries=2, backoff=0.05, backoff_max=0.2, host_wait=host_wait),
    )

    results = asyncio.run(check_links(one_busy_url_among_sound_pdfs(server), settings, None, hosts))

    outcomes = {r.entry_id: r.outcome for r in results}
    assert outcomes.pop("busy") == "throttled"
    assert {outcomes.pop(e) for e in ("login-page", "gone", "error")} == {"broken"}
    assert set(outcomes.values()) == {"ok"}
    [pace] = list(hosts)
    assert pace.busy_until == float("inf"), "the host was given back once the URL refused alone"
    assert pace.last_turn - pace.slowed_at <= 2 * host_wait


def test_a_host_refusing_every_url_gets_its_host_wait_and_its_other_links_say_so(
    server: LinkServer,
) -> None:
    host_wait = 2.0
    hosts = Hosts(max_wait=30.0, host_wait=host_wait)
    settings = CheckSettings(
        timeouts=Timeouts(connect=5.0, read=5.0, total=60.0),
        retry=RetryPolicy(retries=2, backoff=0.05, backoff_max=0.2, host_wait=host_wait),
    )
    run = token()
    targets = [
        LinkTarget(f"e{i}", server.url(f"/always-busy?{run}-{i}"), "page") for i in range(12)
    ]

    results = asyncio.run(check_links(targets, settings, None, hosts))

    [pace] = list(hosts)
    assert pace.last_turn <= pace.busy_until == pace.slowed_at + host_wait
    assert {r.outcome for r in results} == {"throttled"}
    not_asked = [r for r in results if (r.error or "").startswith(HOST_BUSY)]
    assert not_asked and all(r.status is None for r in not_asked)
