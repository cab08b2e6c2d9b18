"""The records checks and fetches produce, and how they land on a link.

Kept free of network imports so the CLI can read and merge results (and
``htcat list`` can show them) without loading httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from htcat.links.signed import without_signatures
from htcat.model import now_stamp
from htcat.query import FAILING_OUTCOMES

Outcome = Literal[
    "ok", "moved", "changed", "throttled", "too-large", "broken", "timeout", "invalid"
]
OUTCOMES: tuple[Outcome, ...] = (
    "ok",
    "moved",
    "changed",
    "throttled",
    "too-large",
    "broken",
    "timeout",
    "invalid",
)
FAILURES: frozenset[str] = FAILING_OUTCOMES
"""Outcomes that count as a failure of the link (``failures``, ``failing_since``)."""
HOST_BUSY = "not checked: host busy"
"""The start of the error of a link not asked because its host's share of the run ran out."""
INCONCLUSIVE: frozenset[str] = frozenset({"throttled"})
"""Outcomes that say nothing about the link itself: a link with a known state keeps it."""

Hop = tuple[int, str]
"""One redirect: the status that answered and the URL it pointed to."""

PERMANENT_REDIRECTS = frozenset({301, 308})


def moved_end(redirects: tuple[Hop, ...]) -> str | None:
    """The end of the unbroken run of permanent redirects a chain starts with.

    A temporary hop ends the run: what follows it is where the publisher
    points for now, not the link's new home.
    """
    moved = None
    for status, url in redirects:
        if status not in PERMANENT_REDIRECTS:
            break
        moved = url
    return moved


FETCH_FIELDS = ("sha256", "pages", "fetched", "archive_path", "changed", "found")
"""State only a fetch sets; a plain check keeps it as it was.

``changed`` is when a fetch last found the document changed; ``found`` is
what a fetch last found wrong with the document itself (unreadable, stalled,
cut short) after the server answered. Both stay until a fetch says
otherwise, and keep the link's outcome over the plain checks meanwhile."""

STATE_KEYS = (
    "outcome",
    "status",
    "since",
    "final_url",
    "redirects",
    "moved_to",
    "content_type",
    "size",
    "error",
    "warning",
    "failures",
    "last_ok",
    "archived",
    *FETCH_FIELDS,
)
"""A link's stored state, every key always written. The moment of each check is
not among them: it lives in the check-times file beside the catalog, so a night
that finds every link as it was changes no byte of the catalog."""


@dataclass(frozen=True)
class ArchivedCopy:
    """Where an archived copy is, and when it was taken (UTC, ``2024-01-31T12:00:00Z``)."""

    url: str
    timestamp: str


@dataclass(frozen=True)
class Suggestion:
    """What a web archive said of one link: its newest copy (None: it has none),
    or, in ``problem``, why the archive could not be asked (`htcat.links.archive`)."""

    copy: ArchivedCopy | None = None
    problem: str | None = None


@dataclass(frozen=True)
class LinkTarget:
    """One link to check: the entry it belongs to, its URL and its kind."""

    entry_id: str
    url: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """What checking one link found.

    ``redirects`` is the chain followed, each hop the status that answered and
    the URL it pointed to (for a failure, the chain up to the hop that
    failed); ``moved_to`` is the end of the run of permanent (301/308) hops the
    chain starts with, set even when the link is otherwise broken; ``size``
    comes from the headers, or from the bytes read when the whole body was
    seen; ``warning`` is worth a reader's eye without being a failure (a
    redirect from https to http, a status the policy accepts).
    """

    entry_id: str
    url: str
    kind: str
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[Hop, ...] = ()
    moved_to: str | None = None
    content_type: str | None = None
    size: int | None = None
    error: str | None = None
    warning: str | None = None
    checked: str
    suggestion: Suggestion | None = None
    """What a web archive said of a failing link (``check --suggest``); None: not asked."""

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES


@dataclass(frozen=True, kw_only=True)
class FetchResult(CheckResult):
    """What fetching one link found: a check, plus the archived document.

    ``archive_path`` is relative to the archive folder, so the folder can move
    with the catalog. The document fields are None when the fetch failed.
    """

    sha256: str | None = None
    pages: int | None = None
    archive_path: str | None = None


def unanswered(
    target: LinkTarget,
    outcome: Outcome,
    error: str,
    *,
    redirects: tuple[Hop, ...] = (),
    final_url: str | None = None,
) -> CheckResult:
    """The result for a link with no usable answer: bad URL, network failure, bad redirect.

    ``redirects`` and ``final_url`` say how far the chain got: the hops that
    answered, and the URL whose request failed.
    """
    return CheckResult(
        entry_id=target.entry_id,
        url=target.url,
        kind=target.kind,
        outcome=outcome,
        status=redirects[-1][0] if redirects else None,
        final_url=final_url,
        redirects=redirects,
        moved_to=moved_end(redirects),
        error=error,
        checked=now_stamp(),
    )


def as_fetched(
    result: CheckResult,
    *,
    sha256: str | None = None,
    pages: int | None = None,
    archive_path: str | None = None,
) -> FetchResult:
    """``result`` as a fetch result, with the archived document's fields."""
    found = {f.name: getattr(result, f.name) for f in fields(CheckResult)}
    return FetchResult(**found, sha256=sha256, pages=pages, archive_path=archive_path)


def merge_check(
    previous: Mapping[str, Any] | None, result: CheckResult, last_checked: str | None = None
) -> dict[str, Any]:
    """The state to store on a link, from its previous state and a new result.

    URLs the state records (where the link led, its redirects) lose their
    signatures and tokens (see signed): the catalog is committed and shared.

    ``last_checked`` is the moment of the link's check before this one (from
    the check-times file): the last good moment of a link that starts failing
    now. ``since`` moves only when the outcome does, so a link found as it
    was keeps its bytes. A failure keeps the last good document fields, so
    the archive path of the last verified copy is never lost; a ``throttled``
    link was not really seen, so a link with a known state keeps it whole.
    A fetch's finding about the document (``changed``, ``found``) holds the
    outcome over plain checks until a fetch says otherwise; ``fetched`` is
    when the archived copy was first fetched, so fetching it again changes
    nothing.
    """
    before = _migrated(previous)
    outcome: str = result.outcome
    error, warning = result.error, result.warning
    changed, found = before.get("changed"), before.get("found")
    if isinstance(result, FetchResult):
        if outcome == "changed":
            changed = result.checked
        elif result.sha256 is not None:
            changed = None
        if result.sha256 is not None:
            found = None
        elif (finding := _document_finding(result)) is not None:
            found = finding
    elif outcome in ("ok", "moved") and isinstance(found, dict):
        outcome, error = str(found.get("outcome")), found.get("error")
    elif outcome == "ok" and changed:
        outcome = "changed"
    if result.outcome in INCONCLUSIVE and before.get("outcome"):
        return {key: before.get(key) for key in STATE_KEYS}
    same = before.get("outcome") == outcome
    since = before.get("since") if same and before.get("since") else result.checked
    if outcome in FAILURES:
        failures = _count(before.get("failures")) + 1
        was_failing = before.get("outcome") in FAILURES
        last_ok = before.get("last_ok") if was_failing else last_checked or before.get("since")
    else:
        failures, last_ok = 0, since
    check: dict[str, Any] = {
        "outcome": outcome,
        "status": result.status,
        "since": since,
        "final_url": result.final_url and without_signatures(result.final_url),
        "redirects": [[status, without_signatures(url)] for status, url in result.redirects],
        "moved_to": result.moved_to and without_signatures(result.moved_to),
        "content_type": result.content_type,
        "size": result.size,
        "error": error,
        "warning": warning,
        "failures": failures,
        "last_ok": last_ok,
        "archived": _archived(before.get("archived"), result),
    }
    for field in FETCH_FIELDS:
        check[field] = before.get(field)
    check["changed"], check["found"] = changed, found
    if isinstance(result, FetchResult) and result.sha256 is not None:
        same = result.sha256 == before.get("sha256") and before.get("fetched")
        check.update(
            sha256=result.sha256,
            pages=result.pages,
            fetched=before["fetched"] if same else result.checked,
            archive_path=result.archive_path,
        )
    return check


def _document_finding(result: FetchResult) -> dict[str, Any] | None:
    """What a failed fetch found wrong with the document itself, or None.

    Only a failure after a success status is the document's: a 404 or a
    refused connection says nothing about a document the next check may find.
    """
    if not result.failed or result.status is None or not 200 <= result.status < 300:
        return None
    return {"outcome": result.outcome, "error": result.error}


def _migrated(previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored state in today's form: older catalogs stamped every check on the link.

    Their ``checked`` moves to the check-times file (see checktimes), and
    ``failing_since`` becomes ``since``; an ok link's ``since`` is its last
    success, the earliest moment known for it.
    """
    before = dict(previous or {})
    if "checked" not in before and "failing_since" not in before:
        return before
    before.pop("checked", None)
    failing_since = before.pop("failing_since", None)
    if "since" not in before:
        failing = before.get("outcome") in FAILURES
        before["since"] = failing_since if failing else before.get("last_ok")
    return before


def _archived(before: object, result: CheckResult) -> dict[str, str] | None:
    """The archived copy to keep on a link: none once it works again; the last one
    found while it fails and the archive was not asked, or could not answer."""
    if not result.failed:
        return None
    found = result.suggestion
    if found is None or found.problem is not None:
        return before if isinstance(before, dict) else None
    return (
        None if found.copy is None else {"url": found.copy.url, "timestamp": found.copy.timestamp}
    )


def _count(value: object) -> int:
    """A previous failure count, or 0 when it is missing or not a count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
