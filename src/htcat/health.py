"""The history of link health: each change of a link's state, and what it says over time.

Checks and fetches append one line to ``catalog.history.jsonl`` beside the
catalog for every link whose outcome changed. The file only grows, line by
line, so a team shares it through git with the ``union`` merge (``htcat git
setup`` names it in ``.gitattributes``): two clones' new lines are both
kept, and order does not matter because every line carries its moment.
``health_report`` reads the file back as the answers a team asks each week:
what broke, what was fixed, what stays broken, what keeps flapping.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TypeVar
from urllib.parse import urlsplit

import orjson

from htcat.errors import CatalogError, InputError
from htcat.query import FAILING_OUTCOMES

LinkId = tuple[str, str, str]
"""A link of an entry: (entry id, URL, kind)."""


@dataclass(frozen=True, order=True)
class Transition:
    """One change of a link's outcome: ``before`` is None for a link's first check."""

    at: str
    entry_id: str
    url: str
    kind: str
    before: str | None
    after: str
    status: int | None = None
    error: str | None = None

    @property
    def link(self) -> LinkId:
        return (self.entry_id, self.url, self.kind)

    def line(self) -> bytes:
        """The history line: compact JSON with sorted keys, so equal changes are equal lines."""
        record = {
            "at": self.at,
            "entry": self.entry_id,
            "url": self.url,
            "kind": self.kind,
            "from": self.before,
            "to": self.after,
            "status": self.status,
            "error": self.error,
        }
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"


P = TypeVar("P", bound=PurePath)


def history_path(catalog: P) -> P:
    """``data/catalog.history.jsonl`` for ``data/catalog.json``."""
    return catalog.with_name(f"{catalog.stem}.history.jsonl")


def append_transitions(catalog: Path, transitions: Sequence[Transition]) -> None:
    """Append ``transitions`` to the history in one write, so a crash never leaves half a run.

    One ``O_APPEND`` write: two runs' lines never interleave.
    """
    if not transitions:
        return
    path = history_path(catalog)
    data = b"".join(t.line() for t in transitions)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size and not _ends_with_newline(fd):
                data = b"\n" + data
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise CatalogError(f"cannot write link history {path}: {exc.strerror}") from exc


def _ends_with_newline(fd: int) -> bool:
    return os.pread(fd, 1, os.fstat(fd).st_size - 1) == b"\n"


def read_history(catalog: Path) -> list[Transition]:
    """Every transition in the history, oldest first; none when there is no file yet."""
    path = history_path(catalog)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CatalogError(f"cannot read link history {path}: {exc.strerror}") from exc
    found = []
    for number, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            found.append(_parsed(line, path, number))
    return sorted(set(found))


def _parsed(line: bytes, path: Path, number: int) -> Transition:
    try:
        record = orjson.loads(line)
        status = record.get("status")
        transition = Transition(
            at=_text(record["at"]),
            entry_id=_text(record["entry"]),
            url=_text(record["url"]),
            kind=_text(record["kind"]),
            before=None if record.get("from") is None else _text(record["from"]),
            after=_text(record["to"]),
            status=status if isinstance(status, int) else None,
            error=record.get("error") if isinstance(record.get("error"), str) else None,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"link history {path} line {number}: not a history record ({exc}) — "
            "fix or remove the line"
        ) from None
    return transition


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


@dataclass(frozen=True)
class LinkHealth:
    """One link in a health report: its outcome now, since when it fails, its changes."""

    entry_id: str
    url: str
    kind: str
    outcome: str
    since: str
    """When the link last started failing (failing links), or was last fixed."""
    changes: int
    """Changes of state within the flapping window."""
    error: str | None

    @property
    def host(self) -> str:
        return host_of(self.url)


@dataclass(frozen=True)
class HealthReport:
    """The answers of ``htcat health`` over the transitions since ``since``."""

    since: str
    until: str
    broken_days: int
    flap_changes: int
    flap_days: int
    newly_broken: list[LinkHealth] = field(default_factory=list)
    fixed: list[LinkHealth] = field(default_factory=list)
    chronic: list[LinkHealth] = field(default_factory=list)
    """Failing for ``broken_days`` days and more."""
    flapping: list[LinkHealth] = field(default_factory=list)
    """``flap_changes`` changes or more within ``flap_days`` days."""

    def by_host(self) -> list[tuple[str, Counter[str]]]:
        """Per host, how many links fall in each group: hosts with the most first."""
        hosts: dict[str, Counter[str]] = {}
        for group in ("newly_broken", "fixed", "chronic", "flapping"):
            for link in getattr(self, group):
                hosts.setdefault(link.host, Counter())[group] += 1
        return sorted(hosts.items(), key=lambda item: (-item[1].total(), item[0]))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def health_report(
    transitions: Iterable[Transition],
    *,
    present: Collection[LinkId] | None,
    since: str,
    until: str,
    broken_days: int,
    flap_changes: int,
    flap_days: int,
) -> HealthReport:
    """What the history says between ``since`` and ``until`` (timestamps like ``…T00:00:00Z``).

    ``present`` limits the report to links the catalog still has (None: every
    link in the history), so removed entries do not stay broken forever.
    """
    chronic_before = _days_before(until, broken_days)
    flap_from = _days_before(until, flap_days)
    report = HealthReport(since, until, broken_days, flap_changes, flap_days)
    for link, changes in _by_link(transitions, until).items():
        if present is not None and link not in present:
            continue
        last = changes[-1]
        failing = last.after in FAILING_OUTCOMES
        started = _run_start(changes, failing)
        flaps = sum(1 for t in changes if t.before is not None and t.at >= flap_from)
        seen = LinkHealth(*link, last.after, started.at, flaps, last.error)
        if failing and started.at >= since:
            report.newly_broken.append(seen)
        elif not failing and started.before in FAILING_OUTCOMES and started.at >= since:
            report.fixed.append(seen)
        if failing and started.at <= chronic_before:
            report.chronic.append(seen)
        if flaps >= flap_changes:
            report.flapping.append(seen)
    return report


def _by_link(transitions: Iterable[Transition], until: str) -> dict[LinkId, list[Transition]]:
    links: dict[LinkId, list[Transition]] = {}
    for t in sorted(transitions):
        if t.at <= until:
            links.setdefault(t.link, []).append(t)
    return links


def _run_start(changes: list[Transition], failing: bool) -> Transition:
    """The change that began the link's current run of failing (or of working) outcomes."""
    start = changes[-1]
    for t in reversed(changes):
        if (t.after in FAILING_OUTCOMES) != failing:
            break
        start = t
    return start


def _days_before(stamp: str, days: int) -> str:
    when = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return (when - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
