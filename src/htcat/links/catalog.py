"""Which links of a catalog a run works on, and how its results land back in the catalog.

A run reads the catalog without the lock, works on the network for as long as
it takes, and only then takes the lock to merge: into the current version of
each entry, and only into links that still have the URL and kind that were
checked. An analyst's edits made meanwhile are kept; links removed or changed
meanwhile are skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from htcat.catalog import change as change_catalog
from htcat.health import Transition, append_transitions
from htcat.links.checktimes import read_check_times, record_check_times
from htcat.links.results import INCONCLUSIVE, CheckResult, LinkTarget, merge_check
from htcat.links.signed import without_signatures
from htcat.model import Entry

R = TypeVar("R", bound=CheckResult)


@dataclass(frozen=True)
class ChosenLink:
    """One link of one entry, with its ``check`` as it was when the catalog was read."""

    entry_id: str
    url: str
    kind: str
    previous: Mapping[str, Any] | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.url, self.kind)


@dataclass(frozen=True)
class Saved:
    """What merging results did.

    ``rewritten`` links now carry the URL they moved to; ``merged`` were
    dropped because their entry already had a link to that URL; ``kept_https``
    moved to an http URL and kept their https one.
    """

    saved: int
    skipped: int
    rewritten: int
    merged: int = 0
    kept_https: int = 0


def link_kind(link: Mapping[str, Any]) -> str:
    return str(link.get("kind") or "other")


def choose_links(
    entries: Iterable[Entry],
    *,
    kinds: Collection[str] | None = None,
    checked_before: str | None = None,
    check_times: Mapping[tuple[str, str], str] | None = None,
) -> list[ChosenLink]:
    """The links of ``entries``, of ``kinds`` if given, not checked since ``checked_before``.

    ``checked_before`` is a timestamp like ``2026-11-20T00:00:00Z``, compared
    with ``check_times`` (the check-times file; see checktimes) or the moment
    an older catalog kept on the link; a link never checked is always due.
    """
    chosen = []
    times = check_times or {}
    for entry in entries:
        for link in entry.get("links", ()):
            url = link.get("url")
            if not isinstance(url, str) or (kinds is not None and link_kind(link) not in kinds):
                continue
            check = link.get("check") if isinstance(link.get("check"), dict) else None
            last = times.get((url, link_kind(link))) or _legacy_moment(check)
            if checked_before and last is not None and last >= checked_before:
                continue
            chosen.append(ChosenLink(entry["id"], url, link_kind(link), check))
    return chosen


def _legacy_moment(check: Mapping[str, Any] | None) -> str | None:
    """The check moment an older catalog stored on the link itself."""
    stamp = check.get("checked") if check else None
    return stamp if isinstance(stamp, str) else None


def unique_targets(chosen: Iterable[ChosenLink]) -> list[LinkTarget]:
    """One target per URL and kind: a page linked from ten entries is requested once."""
    targets: dict[tuple[str, str], LinkTarget] = {}
    for link in chosen:
        targets.setdefault(link.key, LinkTarget(link.entry_id, link.url, link.kind))
    return list(targets.values())


def spread(results: Iterable[R], chosen: Sequence[ChosenLink]) -> list[R]:
    """Each result copied to every chosen link with its URL and kind, in ``chosen`` order."""
    by_key = {(r.url, r.kind): r for r in results}
    return [_for_entry(by_key[link.key], link.entry_id) for link in chosen if link.key in by_key]


def _for_entry(result: R, entry_id: str) -> R:
    """``result`` as the result of ``entry_id``'s link (the same object when it already is)."""
    return result if result.entry_id == entry_id else dataclasses.replace(result, entry_id=entry_id)


def save_results(
    path: Path,
    results: Sequence[CheckResult],
    *,
    update_moved: bool = False,
    allow_downgrade: bool = False,
    lock_timeout: float,
) -> Saved:
    """Merge results into the links of the catalog at ``path``, under its lock, in one write.

    Stored check results do not count as an edit (``updated`` stays); a URL
    rewritten to where it moved (``update_moved``) does. A rewritten link is
    no longer ``moved``: its check says ``ok``. An https link is never
    rewritten to http unless ``allow_downgrade``, nor to a signed URL; a link
    whose new URL the entry already links to is dropped rather than doubled.
    The check moments and the history follow once the catalog is written:
    neither ever records a result the catalog does not hold.
    """
    wanted: dict[str, dict[tuple[str, str], CheckResult]] = {}
    for result in results:
        wanted.setdefault(result.entry_id, {})[(result.url, result.kind)] = result
    merged: set[tuple[str, str, str]] = set()
    transitions: list[Transition] = []
    legacy: dict[tuple[str, str], str] = {}
    saved = rewritten = merged_links = kept_https = 0
    with change_catalog(path, lock_timeout) as catalog:
        times = read_check_times(path)
        present = catalog.ids()
        checked: list[Entry] = []
        edited: list[Entry] = []
        for entry_id, found in wanted.items():
            if entry_id not in present:
                continue
            entry = catalog.stored(entry_id)
            links = []
            moved = False
            urls = {link.get("url") for link in entry.get("links", ())}
            for link in entry.get("links", ()):
                key = (link.get("url"), link_kind(link))
                latest = found.get(key)
                if latest is None:
                    links.append(link)
                    continue
                before = link.get("check") if isinstance(link.get("check"), dict) else None
                if moment := _legacy_moment(before):
                    legacy[(latest.url, latest.kind)] = moment
                last = times.get((latest.url, latest.kind)) or moment
                new = {**link, "check": merge_check(before, latest, last)}
                if (was := (before or {}).get("outcome")) != new["check"]["outcome"]:
                    transitions.append(_transition(latest, was, new["check"]))
                merged.add((entry_id, *key))
                saved += 1
                target = latest.moved_to if update_moved and latest.outcome == "moved" else None
                if target and without_signatures(target) != target:
                    target = None  # a signed URL expires, and its key must not be committed
                if target and _downgrade(latest.url, target) and not allow_downgrade:
                    kept_https += 1
                elif target and target in urls:
                    moved = True
                    merged_links += 1
                    continue
                elif target:
                    new["url"] = target
                    new["check"] = {**new["check"], "outcome": "ok", "moved_to": None}
                    urls.add(target)
                    moved = True
                    rewritten += 1
                links.append(new)
            if links != entry.get("links"):
                (edited if moved else checked).append({**entry, "links": links})
        catalog.replace_many(checked, touch=False, validated=True)
        catalog.replace_many(edited, validated=True)
    record_check_times(path, _moments(results, merged), legacy)
    append_transitions(path, transitions)
    skipped = sum((r.entry_id, r.url, r.kind) not in merged for r in results)
    return Saved(saved, skipped, rewritten, merged_links, kept_https)


def _moments(
    results: Iterable[CheckResult], merged: Collection[tuple[str, str, str]]
) -> list[tuple[tuple[str, str], str]]:
    """The check moment of each link a result landed on; a host-busy link was not asked."""
    return [
        ((r.url, r.kind), r.checked)
        for r in results
        if (r.entry_id, r.url, r.kind) in merged and r.outcome not in INCONCLUSIVE
    ]


def _transition(result: CheckResult, before: Any, state: Mapping[str, Any]) -> Transition:
    return Transition(
        at=result.checked,
        entry_id=result.entry_id,
        url=result.url,
        kind=result.kind,
        before=before if isinstance(before, str) else None,
        after=str(state["outcome"]),
        status=state["status"],
        error=state["error"],
    )


def _downgrade(url: str, target: str) -> bool:
    return url[:6].lower() == "https:" and target[:5].lower() == "http:"
