"""A link's stored check: failure counting, dates, and fields kept across checks and fetches."""

from __future__ import annotations

import socket

import httpx
import pytest

from htcat.links.client import describe_failure
from htcat.links.config import RetryPolicy, Timeouts
from htcat.links.pacing import retry_after
from htcat.links.results import (
    CheckResult,
    FetchResult,
    LinkTarget,
    merge_check,
    moved_end,
    unanswered,
)
from htcat.links.scheduler import interleave

STORED_KEYS = {
    "outcome",
    "since",
    "status",
    "final_url",
    "redirects",
    "moved_to",
    "content_type",
    "size",
    "error",
    "warning",
    "failures",
    "last_ok",
    "sha256",
    "pages",
    "fetched",
    "archive_path",
    "archived",
    "changed",
    "found",
}


def result(
    outcome: str, checked: str, of: type[CheckResult] = CheckResult, **found: object
) -> CheckResult:
    return of(
        entry_id="e",
        url="https://example.org/a.pdf",
        kind="pdf",
        outcome=outcome,  # type: ignore[arg-type]
        checked=checked,
        **found,  # type: ignore[arg-type]
    )


def test_a_first_check_writes_every_key_even_when_empty() -> None:
    stored = merge_check(None, result("invalid", "2026-01-01T00:00:00Z", error="bad"))

    assert set(stored) == STORED_KEYS
    assert stored["redirects"] == []
    assert stored["sha256"] is None


def test_consecutive_failures_count_up_and_remember_when_failing_began() -> None:
    ok = merge_check(None, result("ok", "2026-01-01T00:00:00Z", status=200))
    broken = merge_check(ok, result("broken", "2026-01-02T00:00:00Z", status=404))
    timeout = merge_check(broken, result("timeout", "2026-01-03T00:00:00Z"))

    assert (ok["failures"], ok["since"], ok["last_ok"]) == (
        0,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    )
    assert (broken["failures"], broken["since"]) == (1, "2026-01-02T00:00:00Z")
    assert (timeout["failures"], timeout["since"]) == (2, "2026-01-03T00:00:00Z")
    assert broken["last_ok"] == timeout["last_ok"] == "2026-01-01T00:00:00Z"


def test_a_link_that_starts_failing_was_last_good_at_its_previous_check() -> None:
    ok = merge_check(None, result("ok", "2026-01-01T00:00:00Z"))
    broken = merge_check(ok, result("broken", "2026-01-09T00:00:00Z"), "2026-01-08T00:00:00Z")

    assert broken["last_ok"] == "2026-01-08T00:00:00Z"


def test_a_link_found_as_it_was_keeps_every_stored_value() -> None:
    ok = merge_check(None, result("ok", "2026-01-01T00:00:00Z", status=200))
    again = merge_check(ok, result("ok", "2026-01-02T00:00:00Z", status=200))
    moved_hop = ((301, "https://example.org/b.pdf"),)
    moved = merge_check(
        None,
        result("moved", "2026-01-01T00:00:00Z", redirects=moved_hop, moved_to=moved_hop[0][1]),
    )
    moved_again = merge_check(
        moved,
        result("moved", "2026-01-05T00:00:00Z", redirects=moved_hop, moved_to=moved_hop[0][1]),
    )

    assert again == ok
    assert moved_again == moved


def test_a_check_stored_by_an_older_htcat_is_migrated() -> None:
    old_ok = {
        "checked": "2026-01-05T00:00:00Z",
        "outcome": "ok",
        "failures": 0,
        "failing_since": None,
        "last_ok": "2026-01-05T00:00:00Z",
    }
    old_broken = {
        "checked": "2026-01-05T00:00:00Z",
        "outcome": "broken",
        "failures": 2,
        "failing_since": "2026-01-04T00:00:00Z",
        "last_ok": "2026-01-03T00:00:00Z",
    }

    ok = merge_check(old_ok, result("ok", "2026-01-06T00:00:00Z"))
    broken = merge_check(old_broken, result("broken", "2026-01-06T00:00:00Z"))

    assert "checked" not in ok and "failing_since" not in ok
    assert ok["since"] == "2026-01-05T00:00:00Z"
    assert (broken["since"], broken["failures"], broken["last_ok"]) == (
        "2026-01-04T00:00:00Z",
        3,
        "2026-01-03T00:00:00Z",
    )


def test_a_moved_link_is_a_success_that_ends_a_failing_run() -> None:
    broken = merge_check(None, result("broken", "2026-01-02T00:00:00Z"))
    moved = merge_check(
        broken,
        result(
            "moved",
            "2026-01-03T00:00:00Z",
            redirects=((301, "https://example.org/b.pdf"),),
            moved_to="https://example.org/b.pdf",
        ),
    )

    assert (moved["failures"], moved["since"]) == (0, "2026-01-03T00:00:00Z")
    assert moved["last_ok"] == "2026-01-03T00:00:00Z"
    assert moved["redirects"] == [[301, "https://example.org/b.pdf"]]
    assert moved["moved_to"] == "https://example.org/b.pdf"


def test_a_check_keeps_the_document_a_fetch_recorded() -> None:
    fetched = FetchResult(
        entry_id="e",
        url="https://example.org/a.pdf",
        kind="pdf",
        outcome="ok",
        checked="2026-01-01T00:00:00Z",
        sha256="ab" * 32,
        pages=3,
        archive_path=f"ab/{'ab' * 32}.pdf",
    )
    after_fetch = merge_check(None, fetched)
    after_check = merge_check(after_fetch, result("ok", "2026-02-01T00:00:00Z"))

    assert after_check["sha256"] == "ab" * 32
    assert after_check["pages"] == 3
    assert after_check["fetched"] == "2026-01-01T00:00:00Z"
    assert after_check == after_fetch


def test_a_hand_edited_failure_count_that_is_not_a_number_restarts_at_one() -> None:
    stored = merge_check({"failures": "many"}, result("broken", "2026-01-02T00:00:00Z"))

    assert stored["failures"] == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    def answer(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    assert retry_after(answer("7")) == 7.0
    assert retry_after(answer("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0
    assert retry_after(answer("soon")) is None
    assert retry_after(httpx.Response(429)) is None


def test_a_dns_failure_is_broken_named_and_not_retried() -> None:
    def raised_from(cause: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except OSError as exc:
                raise httpx.ConnectError("failed") from exc
        except httpx.ConnectError as error:
            return error

    failure = describe_failure(
        raised_from(socket.gaierror(-2, "Name or service not known")), Timeouts()
    )

    assert failure.outcome == "broken"
    assert failure.error == "DNS lookup failed: Name or service not known"
    assert not failure.retryable
    assert failure.host_down


def test_a_refused_connection_a_transport_calls_a_timeout_is_broken() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except OSError as exc:
            raise httpx.ConnectTimeout("Cannot connect to host") from exc
    except httpx.ConnectTimeout as error:
        failure = describe_failure(error, Timeouts())

    assert (failure.outcome, failure.error) == ("broken", "connection refused")


def test_links_are_started_round_robin_across_hosts() -> None:
    links = ["a1", "a2", "a3", "a4", "b1", "c1", "c2"]

    assert interleave(links, lambda link: link[0]) == ["a1", "b1", "c1", "a2", "c2", "a3", "a4"]


def test_back_off_doubles_with_jitter_up_to_its_ceiling() -> None:
    policy = RetryPolicy(backoff=1.0, backoff_max=3.0)

    assert 0.5 <= policy.delay(0) <= 1.0
    assert 1.0 <= policy.delay(1) <= 2.0
    assert 1.5 <= policy.delay(5) <= 3.0


def test_settings_refuse_limits_below_one() -> None:
    from htcat.links.config import CheckSettings

    with pytest.raises(ValueError, match="per_host must be at least 1"):
        CheckSettings(per_host=0)


def fetched(outcome: str, checked: str, **found: object) -> CheckResult:
    return result(outcome, checked, FetchResult, **found)


def test_changed_survives_every_check_until_a_fetch_finds_the_same_document() -> None:
    first = merge_check(None, fetched("ok", "2026-01-01T00:00:00Z", sha256="a"))
    changed = merge_check(first, fetched("changed", "2026-01-02T00:00:00Z", sha256="b"))
    checked = merge_check(changed, result("ok", "2026-01-03T00:00:00Z"))
    broken = merge_check(checked, result("broken", "2026-01-04T00:00:00Z"))
    back = merge_check(broken, result("ok", "2026-01-05T00:00:00Z"))
    same = merge_check(back, fetched("ok", "2026-01-06T00:00:00Z", sha256="b"))

    assert [c["outcome"] for c in (changed, checked, broken, back, same)] == [
        "changed",
        "changed",
        "broken",
        "changed",
        "ok",
    ]
    assert back["changed"] == "2026-01-02T00:00:00Z"
    assert same["changed"] is None


def test_a_too_large_fetch_keeps_the_last_archived_copy_and_counts_no_failure() -> None:
    good = merge_check(None, fetched("ok", "2026-01-01T00:00:00Z", sha256="a", archive_path="p"))
    big = merge_check(good, fetched("too-large", "2026-01-02T00:00:00Z", error="larger"))

    assert (big["sha256"], big["archive_path"], big["failures"]) == ("a", "p", 0)


def test_a_throttled_link_keeps_its_known_state_whole() -> None:
    ok = merge_check(None, result("ok", "2026-01-01T00:00:00Z"))
    broken = merge_check(ok, result("broken", "2026-01-02T00:00:00Z", status=404))
    throttled = merge_check(broken, result("throttled", "2026-01-03T00:00:00Z", status=429))
    first = merge_check(None, result("throttled", "2026-01-03T00:00:00Z", status=429))

    assert throttled == broken
    assert (first["outcome"], first["failures"]) == ("throttled", 0)


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        ("broken", "not a readable PDF: damaged beyond repair"),
        ("timeout", "stalled: less than 1,024 bytes a second over 30 s"),
        ("broken", "cut short: HTTP 200 sent 512 of 2,048 bytes"),
    ],
)
def test_what_a_fetch_found_wrong_stays_over_checks_until_a_fetch_says_otherwise(
    outcome: str, error: str
) -> None:
    good = merge_check(None, fetched("ok", "2026-01-01T00:00:00Z", sha256="a", pages=3))
    bad = merge_check(good, fetched(outcome, "2026-01-02T00:00:00Z", status=200, error=error))
    checked = merge_check(bad, result("ok", "2026-01-03T00:00:00Z", status=200))
    gone = merge_check(checked, fetched("broken", "2026-01-04T00:00:00Z", status=404))
    refetched = merge_check(gone, fetched("ok", "2026-01-05T00:00:00Z", sha256="a", pages=3))

    assert (checked["outcome"], checked["error"]) == (outcome, error)
    assert checked["failures"] == 2
    assert gone["found"] == checked["found"]
    assert (refetched["outcome"], refetched["found"], refetched["failures"]) == ("ok", None, 0)


def test_a_fetch_that_the_server_refused_leaves_no_finding_about_the_document() -> None:
    good = merge_check(None, fetched("ok", "2026-01-01T00:00:00Z", sha256="a"))
    refused = merge_check(good, fetched("broken", "2026-01-02T00:00:00Z", status=404))
    back = merge_check(refused, result("ok", "2026-01-03T00:00:00Z", status=200))

    assert refused["found"] is None
    assert back["outcome"] == "ok"


@pytest.mark.parametrize(
    ("chain", "moved_to"),
    [
        (((301, "https://a.example/"),), "https://a.example/"),
        (((308, "https://a.example/"),), "https://a.example/"),
        (((302, "https://a.example/"),), None),
        (((303, "https://a.example/"),), None),
        (((307, "https://a.example/"),), None),
        (((302, "https://a.example/"), (301, "https://b.example/")), None),
        (((301, "https://a.example/"), (302, "https://b.example/")), "https://a.example/"),
        (
            ((301, "https://a.example/"), (308, "https://b.example/"), (307, "https://c.example/")),
            "https://b.example/",
        ),
        ((), None),
    ],
)
def test_only_a_301_or_308_from_the_link_itself_moves_it(
    chain: tuple[tuple[int, str], ...], moved_to: str | None
) -> None:
    """A temporary redirect says where the publisher points for now: the link has not moved."""
    target = LinkTarget("e", "https://example.org/a.pdf", "pdf")

    assert moved_end(chain) == moved_to
    failed = unanswered(target, "broken", "connection refused", redirects=chain)
    assert failed.moved_to == moved_to
    assert merge_check(None, failed)["moved_to"] == moved_to
