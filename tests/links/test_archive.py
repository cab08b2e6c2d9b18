"""Suggestions for broken links: the newest copy a (fake, local) web archive holds."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import tomllib
from collections.abc import Iterator
from dataclasses import replace

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.formats.linkreport import suggestion_note
from htcat.links.archive import ArchiveDown, newest_memento, wayback_copy
from htcat.links.check import run_checks
from htcat.links.config import DEFAULT_ARCHIVE, CheckSettings, WebArchive
from htcat.links.policy import archive_url, suggest_policy
from htcat.links.results import ArchivedCopy, CheckResult, LinkTarget, Suggestion, merge_check

from .fake_archive import COPIES, fake_archive
from .fake_service import Service, serving


@pytest.fixture(scope="module")
def archive_site() -> Iterator[Service]:
    with serving(fake_archive) as service:
        yield service


def check_suggesting(
    site: Service, settings: CheckSettings, archive: WebArchive, *paths: str
) -> list[CheckResult]:
    targets = [LinkTarget(f"e{i}", site.url(p), "page") for i, p in enumerate(paths)]
    return run_checks(targets, replace(settings, suggest_from=archive))


@pytest.mark.parametrize("api", ["wayback", "memento"])
def test_a_broken_link_gets_the_newest_archived_copy(
    archive_site: Service, settings: CheckSettings, api: str
) -> None:
    path = "/wayback/available" if api == "wayback" else "/timemap/link/"
    archive = WebArchive(archive_site.url(path))
    [broken, ok] = check_suggesting(archive_site, settings, archive, "/gone/report.pdf", "/ok")

    link = archive_site.url("/gone/report.pdf")
    assert archive.api == api
    assert broken.outcome == "broken"
    assert broken.suggestion == Suggestion(
        ArchivedCopy(f"{COPIES}/web/20240203100000/{link}", "2024-02-03T10:00:00Z")
    )
    assert ok.suggestion is None


@pytest.mark.parametrize(
    "archive_path", ["/wayback/available", "/timemap/link/", "/timemap/link/{url}"]
)
def test_a_link_never_archived_gets_no_copy_and_no_problem(
    archive_site: Service, settings: CheckSettings, archive_path: str
) -> None:
    archive = WebArchive(archive_site.url(archive_path))
    [result] = check_suggesting(archive_site, settings, archive, "/gone/never-archived")

    assert result.suggestion == Suggestion()


def test_an_archived_error_page_is_no_copy(archive_site: Service, settings: CheckSettings) -> None:
    archive = WebArchive(archive_site.url("/wayback/available"))
    [result] = check_suggesting(archive_site, settings, archive, "/gone/archived-404")

    assert result.suggestion == Suggestion()


def test_an_archive_that_is_down_is_asked_once_and_the_check_completes(
    archive_site: Service, settings: CheckSettings, refused_url: str
) -> None:
    archive = WebArchive(refused_url.replace("/doc.pdf", "/wayback/available"))
    results = check_suggesting(archive_site, settings, archive, "/gone/a", "/gone/b", "/ok")

    assert [r.outcome for r in results] == ["broken", "broken", "ok"]
    problems = {r.suggestion.problem for r in results[:2] if r.suggestion}
    assert problems == {f"{archive.url}: connection refused"}
    assert suggestion_note(results) == (
        f"no archived copy suggested for 2 links: {archive.url}: connection refused"
    )


def test_an_archive_that_answers_an_error_is_given_up_for_the_run(
    archive_site: Service, settings: CheckSettings
) -> None:
    archive_site.requests.clear()
    archive = WebArchive(archive_site.url("/busy/wayback/available"))
    paths = [f"/gone/{i}" for i in range(6)]
    results = check_suggesting(archive_site, replace(settings, per_host=1), archive, *paths)

    assert {r.suggestion.problem for r in results if r.suggestion} == {f"{archive.url}: HTTP 503"}
    assert sum(r.path.startswith("/busy") for r in archive_site.requests) == 1


def test_without_an_archive_nothing_is_asked(
    archive_site: Service, settings: CheckSettings
) -> None:
    archive_site.requests.clear()
    [result] = run_checks([LinkTarget("e", archive_site.url("/gone/x"), "page")], settings)

    assert result.suggestion is None
    assert {r.path for r in archive_site.requests} == {"/gone/x"}


def result(outcome: str, suggestion: Suggestion | None) -> CheckResult:
    return CheckResult(
        entry_id="e",
        url="https://example.org/a",
        kind="page",
        outcome=outcome,  # type: ignore[arg-type]
        checked="2026-01-01T00:00:00Z",
        suggestion=suggestion,
    )


COPY = ArchivedCopy(
    "https://archive.example/web/2024/https://example.org/a", "2024-01-01T00:00:00Z"
)
STORED = {"url": COPY.url, "timestamp": COPY.timestamp}


def test_the_copy_is_stored_on_the_link_kept_while_it_fails_and_dropped_when_it_works() -> None:
    found = merge_check(None, result("broken", Suggestion(COPY)))
    not_asked = merge_check(found, result("broken", None))
    archive_down = merge_check(found, result("timeout", Suggestion(problem="down")))
    asked_again = merge_check(found, result("broken", Suggestion()))
    works = merge_check(found, result("ok", None))

    assert found["archived"] == not_asked["archived"] == archive_down["archived"] == STORED
    assert asked_again["archived"] is None
    assert works["archived"] is None


@pytest.mark.parametrize(
    ("url", "api"),
    [
        (DEFAULT_ARCHIVE, "wayback"),
        ("https://archive.org/wayback/available/", "wayback"),
        ("https://web.archive.org/web/timemap/link/", "memento"),
        ("https://timetravel.example/timemap/link/{url}", "memento"),
    ],
)
def test_the_api_is_told_by_the_archive_url(url: str, api: str) -> None:
    assert archive_url(url).api == api


def test_lookup_urls_encode_the_link_for_wayback_and_append_it_for_a_timemap() -> None:
    link = "https://example.org/a b?x=1"

    assert WebArchive().lookup_url(link) == (
        "https://archive.org/wayback/available?url=https%3A%2F%2Fexample.org%2Fa%20b%3Fx%3D1"
    )
    assert WebArchive("https://t.example/timemap/link/").lookup_url(link) == (
        "https://t.example/timemap/link/" + link
    )


@pytest.mark.parametrize("url", ["ftp://archive.example/", "archive.org", ""])
def test_an_archive_url_that_is_not_http_is_refused(url: str) -> None:
    with pytest.raises(InputError, match="expected an http or https URL"):
        archive_url(url)


def test_the_policy_names_the_archive_and_may_turn_suggestions_on() -> None:
    policy = tomllib.loads('[suggest]\nenabled = true\narchive = "https://t.example/timemap/"\n')

    assert suggest_policy({}) == suggest_policy({"suggest": {}})
    assert suggest_policy({}).enabled is False
    assert suggest_policy({}).archive == WebArchive(DEFAULT_ARCHIVE)
    assert suggest_policy(policy).enabled is True
    assert suggest_policy(policy).archive.api == "memento"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("[suggest]\narchive = 1", "[suggest] archive 1: expected a URL"),
        ("[suggest]\narchive = 'file:///x'", "[suggest] archive 'file:///x': expected an http"),
    ],
)
def test_a_bad_suggest_policy_is_refused_naming_the_key(policy: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        suggest_policy(tomllib.loads(policy))

    assert str(refused.value).startswith(message)


STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


@given(st.text(max_size=400))
def test_any_timemap_text_gives_a_copy_or_none_and_never_raises(text: str) -> None:
    found = newest_memento(text)

    assert found is None or STAMP.match(found.timestamp)


@given(
    st.lists(
        st.datetimes(dt.datetime(1990, 1, 1), timezones=st.just(dt.UTC)), min_size=1, max_size=8
    )
)
def test_the_newest_memento_is_the_one_with_the_latest_datetime(
    when: list[dt.datetime],
) -> None:
    lines = [
        f'<https://a.example/{i}>; rel="memento"; datetime="{email.utils.format_datetime(w)}"'
        for i, w in enumerate(when)
    ]
    newest = max(w.replace(microsecond=0) for w in when)

    found = newest_memento(",\n".join(lines))

    assert found is not None
    assert found.timestamp == newest.strftime("%Y-%m-%dT%H:%M:%SZ")


@given(json_values)
def test_any_json_from_a_wayback_archive_gives_a_copy_none_or_archive_down(value: object) -> None:
    for body in (orjson.dumps(value), orjson.dumps({"archived_snapshots": {"closest": value}})):
        try:
            found = wayback_copy(body)
        except ArchiveDown:
            continue
        assert found is None or STAMP.match(found.timestamp)
