"""htcat check against Debian's nginx, configured with its own directives (see nginx.py).

The same behaviours as test_link_check.py, as a real server plays them.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from htcat.links.check import run_checks
from htcat.links.config import CheckSettings, Timeouts
from htcat.links.results import CheckResult, LinkTarget

from .nginx import RATE_PER_SECOND, Nginx
from .server import TLS

pytestmark = pytest.mark.slow  # a real nginx, paced


def check_one(url: str, kind: str, settings: CheckSettings) -> CheckResult:
    [result] = run_checks([LinkTarget("entry-1", url, kind)], settings)
    return result


def test_a_302_in_front_of_a_301_is_ok_and_two_301s_move_to_the_end(
    nginx: Nginx, settings: CheckSettings
) -> None:
    for_now = check_one(nginx.url("/for-now.pdf"), "pdf", settings)
    older = check_one(nginx.url("/older.pdf"), "pdf", settings)

    assert (for_now.outcome, for_now.moved_to) == ("ok", None)
    assert for_now.redirects == ((302, nginx.url("/old.pdf")), (301, nginx.url("/doc.pdf")))
    assert (older.outcome, older.moved_to, older.status) == ("moved", nginx.url("/doc.pdf"), 200)


def test_limit_req_429s_slow_the_host_and_no_link_fails(
    nginx: Nginx, settings: CheckSettings
) -> None:
    """nginx sends no Retry-After: the host's own pace keeps every later request in its rate.

    The first requests go out together, before nginx has said anything.
    """
    targets = [LinkTarget(f"e{n}", nginx.url(f"/limited/{n}.html"), "page") for n in range(4)]
    patient = dataclasses.replace(settings, timeouts=Timeouts(connect=1.0, read=1.0, total=30.0))

    results = run_checks(targets, patient)

    assert [r.outcome for r in results] == ["ok"] * 4
    seen = nginx.access("/limited/")
    heard = next(when for when, status in seen if status == 429) + 0.05
    later = [when for when, _ in seen if when > heard]
    gaps = [b - a for a, b in itertools.pairwise(later)]
    assert all(gap >= 1 / RATE_PER_SECOND - 0.01 for gap in gaps), gaps
    assert 429 not in [status for when, status in seen if when > heard]


def test_a_head_refused_is_never_asked_and_a_head_that_lies_is_not_believed(
    nginx: Nginx, settings: CheckSettings
) -> None:
    refused = check_one(nginx.url("/no-head.html"), "webinar", settings)
    lying = check_one(nginx.url("/head-only.html"), "page", settings)

    assert (refused.outcome, refused.status) == ("ok", 200)
    assert (lying.outcome, lying.status, lying.error) == ("broken", 404, "HTTP 404 Not Found")


def test_a_soft_404_by_error_page_is_broken_for_a_pdf(
    nginx: Nginx, settings: CheckSettings
) -> None:
    result = check_one(nginx.url("/soft/report.pdf"), "pdf", settings)

    assert (result.outcome, result.status) == ("broken", 200)
    assert result.error == "expected a PDF, got text/html"


def test_return_444_is_a_connection_closed_without_an_answer(
    nginx: Nginx, settings: CheckSettings
) -> None:
    result = check_one(nginx.url("/gone"), "page", settings)

    host = nginx.base.removeprefix("http://")
    assert result.outcome == "broken"
    assert result.error == f"{host}: the server closed the connection without an answer"


def test_tls_with_the_test_ca_is_ok_when_trusted_and_named_when_not(
    nginx: Nginx, settings: CheckSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = nginx.tls_url("/doc.pdf")
    host = nginx.tls_base.removeprefix("https://")
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))
    untrusted = check_one(url, "pdf", settings)
    monkeypatch.setenv("SSL_CERT_FILE", str(nginx.ca))
    trusted = check_one(url, "pdf", settings)

    assert untrusted.outcome == "broken"
    assert untrusted.error == (
        f"{host}: TLS certificate not accepted: unable to get local issuer certificate"
    )
    assert (trusted.outcome, trusted.status) == ("ok", 200)


def test_an_expired_certificate_is_named_as_such(
    nginx: Nginx, settings: CheckSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(nginx.ca))
    result = check_one(nginx.expired_base + "/doc.pdf", "pdf", settings)

    host = nginx.expired_base.removeprefix("https://")
    assert result.outcome == "broken"
    assert result.error == f"{host}: TLS certificate not accepted: certificate has expired"
