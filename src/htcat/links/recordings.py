"""Recordings that are gone: asking a video platform whether a video still exists.

YouTube and Vimeo answer 200 with a page for a video that was removed or
made private, so a check of the page alone would call it ``ok`` forever.
Their oEmbed endpoints tell: they answer 404 (or 401/403) for such a video.
Which URLs belong to which platform, and where its endpoint is, is data: a
default table here, which the check policy's ``[oembed]`` section can change.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from htcat.errors import InputError

if TYPE_CHECKING:
    import httpx

    from htcat.links.results import CheckResult

MAX_REDIRECTS = 5
GONE_STATUSES = frozenset({401, 403, 404})
"""What oEmbed answers for a removed, private or members-only recording."""


@dataclass(frozen=True)
class Platform:
    """A video platform: the URLs that are its recordings, and its oEmbed endpoint.

    ``endpoint`` holds ``{url}``, replaced by the link's URL, percent-encoded.
    """

    name: str
    match: re.Pattern[str]
    endpoint: str
    gone: frozenset[int] = GONE_STATUSES

    def oembed_url(self, url: str) -> str:
        return self.endpoint.replace("{url}", quote(url, safe=""))


DEFAULT_PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "YouTube",
        re.compile(
            r"^https?://(?:(?:www|m)\.)?(?:youtube\.com/(?:watch\?|shorts/|live/|embed/)"
            r"|youtu\.be/)",
            re.IGNORECASE,
        ),
        "https://www.youtube.com/oembed?url={url}&format=json",
    ),
    Platform(
        "Vimeo",
        re.compile(
            r"^https?://(?:www\.|player\.)?vimeo\.com/(?:video/|channels/[^/]+/"
            r"|groups/[^/]+/videos/|album/\d+/video/|showcase/\d+/video/)?\d+",
            re.IGNORECASE,
        ),
        "https://vimeo.com/api/oembed.json?url={url}",
    ),
)


def platform_for(url: str, platforms: Sequence[Platform]) -> Platform | None:
    """The first platform whose pattern matches ``url``."""
    return next((p for p in platforms if p.match.search(url)), None)


async def unless_recording_gone(
    client: httpx.AsyncClient, result: CheckResult, platforms: Sequence[Platform], deadline: float
) -> CheckResult:
    """``result``, or broken when it is a page on a platform whose recording is gone.

    The lookup gets what is left of the link's time (``deadline``, on the
    event loop's clock); a lookup cut short gives no verdict.
    """
    if result.failed:
        return result
    platform = platform_for(result.url, platforms)
    if platform is None:
        return result
    gone = await recording_gone(client, result.url, platform, deadline)
    return result if gone is None else replace(result, outcome="broken", error=gone)


async def recording_gone(
    client: httpx.AsyncClient, url: str, platform: Platform, deadline: float
) -> str | None:
    """Why the recording at ``url`` is gone, or None when it is there or oEmbed cannot tell.

    Only a status in ``platform.gone`` is a verdict: a busy, broken, slow or
    unreachable endpoint says nothing about the recording, so it leaves the
    page's own outcome standing.
    """
    from htcat.links.client import open_following

    try:
        async with (
            asyncio.timeout_at(deadline),
            open_following(
                client, "GET", platform.oembed_url(url), max_redirects=MAX_REDIRECTS
            ) as followed,
        ):
            response = followed.response
    except Exception:
        return None
    if response.status_code in platform.gone:
        return f"recording removed or private (oEmbed {response.status_code})"
    return None


def platforms_from_policy(policy: Mapping[str, Any]) -> tuple[Platform, ...]:
    """The platform table a parsed check policy asks for.

    ``[oembed]`` may say ``enabled = false`` (no platform is asked) and list
    ``[[oembed.platforms]]`` tables with ``name``, ``match`` (a regular
    expression), ``endpoint`` (with ``{url}``) and optionally ``gone`` (the
    statuses that mean removed). A platform named like a default one replaces
    it; others are added after the defaults. Raises InputError naming the key.
    """
    from htcat.links.policy_section import policy_flag, policy_section

    section = policy_section(policy, "oembed", ("enabled", "platforms"))
    if not policy_flag(section, "oembed", "enabled", True):
        return ()
    listed = section.get("platforms", [])
    if not isinstance(listed, list):
        raise InputError("[oembed] platforms: expected an array of tables [[oembed.platforms]]")
    table = {p.name.casefold(): p for p in DEFAULT_PLATFORMS}
    for index, item in enumerate(listed, start=1):
        platform = _platform(item, f"[[oembed.platforms]] #{index}")
        table[platform.name.casefold()] = platform
    return tuple(table.values())


def _platform(item: object, where: str) -> Platform:
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: expected a table with name, match and endpoint")
    unknown = sorted(set(item) - {"name", "match", "endpoint", "gone"})
    if unknown:
        raise InputError(f"{where} {unknown[0]}: unknown key; expected name, match, endpoint, gone")
    text = {}
    for key in ("name", "match", "endpoint"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where} {key} {value!r}: expected a non-empty string")
        text[key] = value
    try:
        match = re.compile(text["match"], re.IGNORECASE)
    except re.error as exc:
        raise InputError(
            f"{where} match {text['match']!r}: not a regular expression: {exc}"
        ) from None
    endpoint = text["endpoint"]
    if "{url}" not in endpoint or not endpoint.startswith(("http://", "https://")):
        raise InputError(f"{where} endpoint {endpoint!r}: expected an http(s) URL with {{url}}")
    gone = item.get("gone", sorted(GONE_STATUSES))
    if not (
        isinstance(gone, list)
        and gone
        and all(isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in gone)
    ):
        raise InputError(f"{where} gone {gone!r}: expected a list of 4xx/5xx statuses")
    return Platform(text["name"], match, endpoint, frozenset(gone))
