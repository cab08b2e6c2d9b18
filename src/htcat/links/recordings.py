"""Recordings that are gone: asking a video platform whether a video still exists.

YouTube and Vimeo answer 200 with a page for a video that was removed or
made private, so a check of the page alone would call it ``ok`` forever.
Their oEmbed endpoints tell: they answer 404 (or 401/403) for such a video.
Which URLs belong to which platform, and where its endpoint is, is data: a
default table in `htcat.links.config`, which the check policy's ``[oembed]``
section can change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import httpx

from htcat.links.client import open_following
from htcat.links.config import Platform
from htcat.links.results import CheckResult

MAX_REDIRECTS = 5


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
