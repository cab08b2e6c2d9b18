"""Recordings that are gone: a video page that answers 200 is broken when oEmbed says so."""

from __future__ import annotations

import re
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from htcat.errors import InputError
from htcat.links.check import run_checks
from htcat.links.config import DEFAULT_PLATFORMS, CheckSettings, Platform, Timeouts
from htcat.links.policy import platforms_from_policy
from htcat.links.recordings import platform_for
from htcat.links.results import CheckResult, LinkTarget

from .fake_service import Answer, Request, Service, serving

OEMBED_ANSWERS = {"alive": 200, "removed": 404, "private": 401, "members": 403, "busy": 503}
STALLED = threading.Event()
"""Holds the oEmbed answer for the video "stalled" until a test sets it."""


def fake_platform(request: Request) -> Answer:
    """A video site: every watch page answers 200; oEmbed tells which videos are there."""
    if request.path == "/watch" and request.query.get("v") != "no-page":
        return Answer(200, b"<html><title>Video</title></html>", "text/html")
    if request.path == "/oembed":
        video = parse_qs(urlsplit(request.query["url"]).query)["v"][0]
        if video == "stalled":
            STALLED.wait(30)
            video = "removed"
        status = OEMBED_ANSWERS[video]
        body = orjson.dumps({"type": "video", "title": video}) if status == 200 else b"Not Found"
        return Answer(status, body)
    return Answer(404, b"no such page", "text/html")


@pytest.fixture(scope="module")
def platform_site() -> Iterator[Service]:
    with serving(fake_platform) as service:
        yield service


@pytest.fixture
def platform(platform_site: Service) -> Platform:
    return Platform(
        "Fake",
        re.compile(rf"^{re.escape(platform_site.base)}/watch\?"),
        platform_site.url("/oembed?url={url}&format=json"),
    )


def check_video(
    service: Service, settings: CheckSettings, video: str, kind: str = "webinar"
) -> CheckResult:
    [result] = run_checks([LinkTarget("e1", service.url(f"/watch?v={video}"), kind)], settings)
    return result


def oembed_asked(service: Service) -> list[str]:
    return [r.query["url"] for r in service.requests if r.path == "/oembed"]


@pytest.mark.parametrize(
    ("video", "status"), [("removed", 404), ("private", 401), ("members", 403)]
)
def test_a_recording_the_platform_no_longer_shows_is_broken(
    platform_site: Service, platform: Platform, settings: CheckSettings, video: str, status: int
) -> None:
    result = check_video(platform_site, replace(settings, recordings=(platform,)), video)

    assert result.outcome == "broken"
    assert result.error == f"recording removed or private (oEmbed {status})"
    assert result.status == 200


def test_a_recording_that_is_there_is_ok_and_oembed_gets_the_link_url(
    platform_site: Service, platform: Platform, settings: CheckSettings
) -> None:
    platform_site.requests.clear()
    result = check_video(platform_site, replace(settings, recordings=(platform,)), "alive")

    assert (result.outcome, result.error) == ("ok", None)
    assert oembed_asked(platform_site) == [platform_site.url("/watch?v=alive")]


def test_an_oembed_endpoint_that_is_busy_or_down_leaves_the_page_verdict(
    platform_site: Service, platform: Platform, settings: CheckSettings, refused_url: str
) -> None:
    down = replace(platform, endpoint=refused_url + "?url={url}")
    busy = check_video(platform_site, replace(settings, recordings=(platform,)), "busy")
    unreachable = check_video(platform_site, replace(settings, recordings=(down,)), "removed")

    assert (busy.outcome, busy.error) == ("ok", None)
    assert (unreachable.outcome, unreachable.error) == ("ok", None)


def test_an_oembed_lookup_gets_only_what_is_left_of_the_links_time_and_no_verdict(
    platform_site: Service, platform: Platform, settings: CheckSettings
) -> None:
    """The page answers at once; oEmbed never does within the link's half second."""
    short = replace(settings, recordings=(platform,), timeouts=Timeouts(1.0, 30.0, 0.5))
    started = time.monotonic()
    try:
        result = check_video(platform_site, short, "stalled")
    finally:
        STALLED.set()

    assert (result.outcome, result.error) == ("ok", None)
    assert time.monotonic() - started < 10.0


def test_only_links_on_a_platform_that_answered_are_asked(
    platform_site: Service, platform: Platform, settings: CheckSettings
) -> None:
    platform_site.requests.clear()
    on = replace(settings, recordings=(platform,))
    [elsewhere, page_missing] = run_checks(
        [
            LinkTarget("e1", platform_site.url("/about?v=removed"), "page"),
            LinkTarget("e2", platform_site.url("/watch?v=no-page"), "video"),
        ],
        on,
    )
    off = check_video(platform_site, replace(settings, recordings=()), "removed")

    assert elsewhere.outcome == page_missing.outcome == "broken"
    assert elsewhere.error == page_missing.error == "HTTP 404 Not Found"
    assert off.outcome == "ok"
    assert oembed_asked(platform_site) == []


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube"),
        ("https://youtu.be/dQw4w9WgXcQ", "YouTube"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ&t=30", "YouTube"),
        ("https://www.youtube.com/live/abcdefghijk", "YouTube"),
        ("https://vimeo.com/76979871", "Vimeo"),
        ("https://player.vimeo.com/video/76979871", "Vimeo"),
        ("https://vimeo.com/channels/staffpicks/76979871", "Vimeo"),
        ("https://vimeo.com/showcase/1234/video/76979871", "Vimeo"),
        ("https://vimeo.com/76979871/0123abcd", "Vimeo"),
        ("https://www.youtube.com/@SomeChannel", None),
        ("https://vimeo.com/channels/staffpicks", None),
        ("https://example.org/watch?v=abc", None),
    ],
)
def test_the_default_table_knows_youtube_and_vimeo_recordings(url: str, name: str | None) -> None:
    platform = platform_for(url, DEFAULT_PLATFORMS)

    assert (platform.name if platform else None) == name


def test_the_default_endpoints_are_the_platforms_oembed_urls() -> None:
    youtube, vimeo = DEFAULT_PLATFORMS
    link = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    assert youtube.oembed_url(link) == (
        "https://www.youtube.com/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D"
        "dQw4w9WgXcQ&format=json"
    )
    assert vimeo.oembed_url("https://vimeo.com/1") == (
        "https://vimeo.com/api/oembed.json?url=https%3A%2F%2Fvimeo.com%2F1"
    )


POLICY = """
[oembed]
[[oembed.platforms]]
name = "youtube"
match = '^https://www\\.youtube\\.com/watch\\?'
endpoint = "https://oembed.example.org/youtube?url={url}"
gone = [404]

[[oembed.platforms]]
name = "Wistia"
match = '^https://[a-z]+\\.wistia\\.com/medias/'
endpoint = "https://fast.wistia.com/oembed?url={url}"
"""


def test_a_policy_replaces_a_platform_by_name_and_adds_others() -> None:
    youtube, vimeo, wistia = platforms_from_policy(tomllib.loads(POLICY))

    assert youtube.endpoint == "https://oembed.example.org/youtube?url={url}"
    assert youtube.gone == {404}
    assert platform_for("https://youtu.be/abc", (youtube,)) is None
    assert vimeo == DEFAULT_PLATFORMS[1]
    assert (wistia.name, wistia.gone) == ("Wistia", {401, 403, 404})
    assert platform_for("https://acme.wistia.com/medias/x1", (wistia,)) is wistia


def test_no_policy_means_the_defaults_and_enabled_false_means_none() -> None:
    assert platforms_from_policy({}) == DEFAULT_PLATFORMS
    assert platforms_from_policy(tomllib.loads("[oembed]\nenabled = false\n")) == ()


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("[oembed]\nplatforms = 'x'", "[oembed] platforms: expected an array"),
        (
            "[[oembed.platforms]]\nname = 'A'\nmatch = '('\nendpoint = 'https://a/?u={url}'",
            "[[oembed.platforms]] #1 match '(': not a regular expression",
        ),
        (
            "[[oembed.platforms]]\nname = 'A'\nmatch = 'a'\nendpoint = 'https://a/'",
            "[[oembed.platforms]] #1 endpoint 'https://a/': expected an http(s) URL with {url}",
        ),
        (
            "[[oembed.platforms]]\nname = ''\nmatch = 'a'\nendpoint = 'https://a/?u={url}'",
            "[[oembed.platforms]] #1 name '': expected a non-empty string",
        ),
        (
            "[[oembed.platforms]]\nname = 'A'\nmatch = 'a'\nendpoint = 'https://a/?u={url}'\n"
            "gone = [200]",
            "[[oembed.platforms]] #1 gone [200]: expected a list of 4xx/5xx statuses",
        ),
        (
            "[[oembed.platforms]]\nname = 'A'\nmatch = 'a'\nendpoint = 'https://a/?u={url}'\n"
            "status = 1",
            "[[oembed.platforms]] #1 status: unknown key",
        ),
    ],
)
def test_a_bad_oembed_policy_is_refused_naming_the_key(policy: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        platforms_from_policy(tomllib.loads(policy))

    assert str(refused.value).startswith(message)
