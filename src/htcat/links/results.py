"""The records checks and fetches produce, and how they land on a link.

Kept free of network imports so the CLI can read and merge results (and
``htcat list`` can show them) without loading httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

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
INCONCLUSIVE: frozenset[str] = frozenset({"throttled"})
"""Outcomes that say nothing about the link itself: its failure count and last success stay."""

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


FETCH_FIELDS = ("sha256", "pages", "fetched", "archive_path", "changed")
"""Check fields only a fetch sets; a plain check keeps them as they were.

``changed`` is when a fetch last found the document changed; it stays until a
fetch finds the same document again, and keeps the outcome ``changed`` over
the plain checks that run meanwhile."""


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


def merge_check(previous: Mapping[str, Any] | None, result: CheckResult) -> dict[str, Any]:
    """The ``check`` dict to store on a link, from its previous one and a new result.

    Every key is always written (None as null) so that a catalog diff shows
    only the values that changed. A failure keeps the last good document
    fields, so the archive path of the last verified copy is never lost; a
    ``throttled`` link was not really seen, so its failure count and last
    success stay as they were.
    """
    before = dict(previous or {})
    failed = result.failed
    if result.outcome in INCONCLUSIVE:
        failures = _count(before.get("failures"))
        failing_since, last_ok = before.get("failing_since"), before.get("last_ok")
    elif failed:
        failures = _count(before.get("failures")) + 1
        failing_since, last_ok = (
            before.get("failing_since") or result.checked,
            before.get("last_ok"),
        )
    else:
        failures, failing_since, last_ok = 0, None, result.checked
    outcome: str = result.outcome
    changed = before.get("changed")
    if isinstance(result, FetchResult):
        if outcome == "changed":
            changed = result.checked
        elif result.sha256 is not None:
            changed = None
    elif outcome == "ok" and changed:
        outcome = "changed"
    check: dict[str, Any] = {
        "checked": result.checked,
        "outcome": outcome,
        "status": result.status,
        "final_url": result.final_url,
        "redirects": [[status, url] for status, url in result.redirects],
        "moved_to": result.moved_to,
        "content_type": result.content_type,
        "size": result.size,
        "error": result.error,
        "warning": result.warning,
        "failures": failures,
        "failing_since": failing_since,
        "last_ok": last_ok,
    }
    check["archived"] = _archived(before.get("archived"), result)
    for field in FETCH_FIELDS:
        check[field] = before.get(field)
    check["changed"] = changed
    if isinstance(result, FetchResult) and result.sha256 is not None:
        check.update(
            sha256=result.sha256,
            pages=result.pages,
            fetched=result.checked,
            archive_path=result.archive_path,
        )
    return check


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
