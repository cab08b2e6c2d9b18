"""A way back for a broken link: the newest copy a web archive holds of it.

``check --suggest`` asks an archive, for each link that failed, where its
newest archived copy is, so the report can offer a replacement. Two kinds of
archive answer: the Wayback Machine's availability API (one JSON answer with
the closest copy to now) and any Memento TimeMap (RFC 7089: the list of every
copy, in link format). An archive that is down or refuses is given up for the
rest of the run after its first failure: the check still completes, and the
results say why they carry no suggestion.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import re
from dataclasses import replace

import httpx
import orjson

from htcat.links.client import describe_failure, open_following, read_head
from htcat.links.config import Timeouts, WebArchive
from htcat.links.results import ArchivedCopy, CheckResult, Suggestion

MAX_TIMEMAP_BYTES = 8 * 1024 * 1024
"""A TimeMap larger than this (a site's home page archived every hour) is not read."""
MAX_REDIRECTS = 5
LOOKUP_SECONDS = 30.0
"""The longest one lookup may take, on top of the link's own check."""

_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[A-Za-z]+\s*=\s*(?:"[^"]*"|[^;,\s<]+))*)')
_PARAM = re.compile(r';\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^;,\s<]+))')


class ArchiveDown(Exception):
    """The archive gave no usable answer; the text says why, for people."""


async def newest_copy(
    client: httpx.AsyncClient, archive: WebArchive, link: str, timeouts: Timeouts
) -> ArchivedCopy | None:
    """The newest copy ``archive`` holds of ``link``, or None when it holds none.

    Raises ArchiveDown when the archive cannot be asked (refused, timed out,
    an error status, an answer that is not what its API promises).
    """
    lookup = archive.lookup_url(link)
    try:
        async with (
            asyncio.timeout(LOOKUP_SECONDS),
            open_following(client, "GET", lookup, max_redirects=MAX_REDIRECTS) as followed,
        ):
            response = followed.response
            body, complete = await read_head(response, MAX_TIMEMAP_BYTES)
    except TimeoutError:
        raise ArchiveDown(f"no answer within {LOOKUP_SECONDS:g} s") from None
    except Exception as exc:
        raise ArchiveDown(describe_failure(exc, timeouts).error) from exc
    if response.status_code == 404 and archive.api == "memento":
        return None
    if not response.is_success:
        raise ArchiveDown(f"HTTP {response.status_code}")
    if not complete:
        raise ArchiveDown(f"an answer larger than {MAX_TIMEMAP_BYTES} bytes")
    if archive.api == "wayback":
        return wayback_copy(body)
    return newest_memento(body.decode("utf-8", "replace"))


def wayback_copy(body: bytes) -> ArchivedCopy | None:
    """The closest snapshot in an availability API answer, if it is a usable page."""
    try:
        answer = orjson.loads(body)
        closest = answer.get("archived_snapshots", {}).get("closest")
    except (orjson.JSONDecodeError, AttributeError):
        raise ArchiveDown("an answer that is not the availability API's JSON") from None
    if not isinstance(closest, dict) or closest.get("available") is False:
        return None
    url, stamp = closest.get("url"), closest.get("timestamp")
    if not isinstance(url, str) or not isinstance(stamp, str):
        return None
    if str(closest.get("status", "200"))[:1] not in ("2", "3"):
        return None
    try:
        taken = dt.datetime.strptime(stamp[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return ArchivedCopy(url, _stamp(taken))


def newest_memento(timemap: str) -> ArchivedCopy | None:
    """The memento with the latest ``datetime`` in a link-format TimeMap."""
    newest: tuple[dt.datetime, str] | None = None
    for match in _LINK.finditer(timemap):
        params = {
            name.lower(): quoted if quoted is not None else bare
            for name, quoted, bare in (m.groups() for m in _PARAM.finditer(match.group(2)))
        }
        if "memento" not in params.get("rel", "").split() or "datetime" not in params:
            continue
        try:
            taken = email.utils.parsedate_to_datetime(params["datetime"])
            if taken.tzinfo is None:
                taken = taken.replace(tzinfo=dt.UTC)
            taken = taken.astimezone(dt.UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if newest is None or taken > newest[0]:
            newest = (taken, match.group(1))
    if newest is None:
        return None
    taken, url = newest
    return ArchivedCopy(url, _stamp(taken))


def _stamp(when: dt.datetime) -> str:
    """``2024-02-03T10:00:00Z``: UTC, to the second, the year always four digits."""
    return when.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


class Suggester:
    """Asks one archive about a run's failing links, a few at a time, and stops
    asking once it has failed: an archive that is down answers no better for
    the next link."""

    def __init__(self, archive: WebArchive, timeouts: Timeouts, concurrency: int = 4) -> None:
        self.archive = archive
        self.timeouts = timeouts
        self.slots = asyncio.Semaphore(concurrency)
        self.down: str | None = None

    async def suggest(self, client: httpx.AsyncClient, link: str) -> Suggestion:
        async with self.slots:
            if self.down is not None:
                return Suggestion(problem=self.down)
            try:
                return Suggestion(await newest_copy(client, self.archive, link, self.timeouts))
            except ArchiveDown as down:
                self.down = f"{self.archive.url}: {down}"
                return Suggestion(problem=self.down)

    async def with_suggestion(self, client: httpx.AsyncClient, result: CheckResult) -> CheckResult:
        """``result`` with a suggestion when it failed (and its URL can be archived)."""
        if not result.failed or result.outcome == "invalid":
            return result
        return replace(result, suggestion=await self.suggest(client, result.url))
