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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

import orjson

from htcat.errors import InputError
from htcat.plurals import counted

if TYPE_CHECKING:
    import httpx

    from htcat.links.results import CheckResult
    from htcat.links.settings import Timeouts

ArchiveApi = Literal["wayback", "memento"]
DEFAULT_ARCHIVE = "https://archive.org/wayback/available"
WAYBACK_PATH = "/wayback/available"
MAX_TIMEMAP_BYTES = 8 * 1024 * 1024
"""A TimeMap larger than this (a site's home page archived every hour) is not read."""
MAX_REDIRECTS = 5
LOOKUP_SECONDS = 30.0
"""The longest one lookup may take, on top of the link's own check."""

_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[A-Za-z]+\s*=\s*(?:"[^"]*"|[^;,\s<]+))*)')
_PARAM = re.compile(r';\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^;,\s<]+))')


@dataclass(frozen=True)
class WebArchive:
    """An archive to ask: a URL whose path ends in ``/wayback/available`` is the
    Wayback availability API; any other is a Memento TimeMap, the link's URL put
    in place of ``{url}`` or appended."""

    url: str = DEFAULT_ARCHIVE

    @property
    def api(self) -> ArchiveApi:
        path = urlsplit(self.url).path.rstrip("/")
        return "wayback" if path.endswith(WAYBACK_PATH) else "memento"

    def lookup_url(self, link: str) -> str:
        if self.api == "wayback":
            joiner = "&" if "?" in self.url else "?"
            return f"{self.url}{joiner}url={quote(link, safe='')}"
        if "{url}" in self.url:
            return self.url.replace("{url}", link)
        return self.url + link


@dataclass(frozen=True)
class ArchivedCopy:
    """Where an archived copy is, and when it was taken (UTC, ``2024-01-31T12:00:00Z``)."""

    url: str
    timestamp: str


@dataclass(frozen=True)
class Suggestion:
    """What an archive said of one link: its newest copy (None: it has none),
    or, in ``problem``, why the archive could not be asked."""

    copy: ArchivedCopy | None = None
    problem: str | None = None


class ArchiveDown(Exception):
    """The archive gave no usable answer; the text says why, for people."""


def archive_url(text: str, where: str = "--archive") -> WebArchive:
    """A WebArchive from a user's URL; InputError unless it is an absolute http(s) URL."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{where} {text!r}: expected an http or https URL of a web archive")
    return WebArchive(text.strip())


async def newest_copy(
    client: httpx.AsyncClient, archive: WebArchive, link: str, timeouts: Timeouts
) -> ArchivedCopy | None:
    """The newest copy ``archive`` holds of ``link``, or None when it holds none.

    Raises ArchiveDown when the archive cannot be asked (refused, timed out,
    an error status, an answer that is not what its API promises).
    """
    from htcat.links.client import describe_failure, open_following, read_head

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


def suggestion_note(results: Sequence[CheckResult]) -> str | None:
    """One line for the end of a run when the archive could not be asked for some links."""
    problems = [r.suggestion.problem for r in results if r.suggestion and r.suggestion.problem]
    if not problems:
        return None
    return f"no archived copy suggested for {counted(len(problems), 'link')}: {problems[0]}"


@dataclass(frozen=True)
class SuggestPolicy:
    """The ``[suggest]`` section of a check policy: whether check suggests without
    being told, and which archive it asks."""

    enabled: bool = False
    archive: WebArchive = WebArchive()


def suggest_policy(policy: Mapping[str, Any]) -> SuggestPolicy:
    """``[suggest]`` of a parsed check policy: ``enabled`` (default false) and ``archive``."""
    from htcat.links.policy_section import policy_flag, policy_section

    section = policy_section(policy, "suggest", ("enabled", "archive"))
    enabled = policy_flag(section, "suggest", "enabled", False)
    url = section.get("archive", DEFAULT_ARCHIVE)
    if not isinstance(url, str):
        raise InputError(f"[suggest] archive {url!r}: expected a URL")
    return SuggestPolicy(enabled, archive_url(url, "[suggest] archive"))
