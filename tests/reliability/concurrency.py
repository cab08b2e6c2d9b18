"""Several htcat writers at once, each keeping a ledger of the changes htcat acknowledged.

Every writer owns its own entries, so the catalog that must result is exactly
the union of the writers' ledgers: an acknowledged change (exit 0) that is
missing is a lost write, and anything else that differs is a change nobody made.
A reader's view after an acknowledged change must already show it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htcat.tags import normalize_tags

from .harness import Ran, entries_of, make_catalog, run, temp_files, without_checks

OWNED_PER_WRITER = 4
TAGS = ("supply-chains", "labor", "health", "a/b", "youth")
LOCK_TIMEOUT = "60"


@dataclass
class Ledger:
    """What one writer's acknowledged changes say its entries are now."""

    entries: dict[str, dict[str, Any]]
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


@dataclass
class ConcurrencyReport:
    writers: int
    seconds: float
    acknowledged: int
    refused_locked: int
    reads: int
    checks: list[int]
    lost: list[str]
    unexpected: list[str]
    problems: list[str]
    temp_files_left: int
    counts: Counter[str]
    unchecked_links: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (
            self.lost
            or self.unexpected
            or self.problems
            or self.temp_files_left
            or self.unchecked_links
        )


def _owned_entries(writer: int, link_url: Callable[[str], str]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"seed-w{writer}-{n}",
            "title": f"Seeded resource {n} of writer {writer}",
            "type": "report",
            "summary": "as seeded",
            "tags": ["seeded"],
            "links": [{"url": link_url(f"/delayed.pdf?w={writer}&n={n}"), "kind": "pdf"}],
        }
        for n in range(OWNED_PER_WRITER)
    ]


def _accept(ran: Ran, ledger: Ledger, what: str) -> bool:
    """True when htcat acknowledged the change; a lock timeout is a clean refusal."""
    if ran.code == 0:
        ledger.counts[what] += 1
        return True
    if ran.code == 3 and "locked" in ran.err:
        ledger.counts["refused: locked"] += 1
        return False
    ledger.problems.append(f"{what}: unexpected exit {ran}")
    return False


def _writer(db: Path, writer: int, ledger: Ledger, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    made = 0
    lock = ("--lock-timeout", LOCK_TIMEOUT)
    first = ("add", "edit", "tag", "remove")
    # Past the deadline until each kind of change was acknowledged once, so that a busy
    # machine makes the run longer, never the test weaker.
    while time.monotonic() < deadline or not all(ledger.counts[op] for op in first):
        ids = sorted(ledger.entries)
        step = sum(ledger.counts.values()) + len(ledger.problems)
        op = first[step] if step < len(first) else rng.choices((*first, "read"), (3, 3, 3, 1, 1))[0]
        if op in ("edit", "tag", "remove", "read") and not ids:
            op = "add"
        if op == "add":
            made += 1
            title = f"Writer {writer} note {made} {rng.choice(TAGS)}"
            tags = rng.sample(TAGS, rng.randint(0, 2))
            ran = run(db, *lock, "add", "--title", title, *(f"--tag={t}" for t in tags))
            if _accept(ran, ledger, "add"):
                ident = ran.out.strip()
                ledger.entries[ident] = {
                    "id": ident,
                    "title": title,
                    "tags": normalize_tags(tags),
                    "summary": "",
                }
        elif op == "edit":
            ident = rng.choice(ids)
            summary = f"edited by {writer} at {time.monotonic():.6f}"
            ran = run(db, *lock, "edit", ident, "--set", f"summary={summary}")
            if _accept(ran, ledger, "edit"):
                ledger.entries[ident]["summary"] = summary
        elif op == "tag":
            chosen = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
            add, remove = rng.choice(TAGS), rng.choice((*TAGS, "seeded"))
            ran = run(db, *lock, "tag", *chosen, "--add", add, "--remove", remove)
            if _accept(ran, ledger, "tag"):
                for ident in chosen:
                    tags = [t for t in ledger.entries[ident]["tags"] if t != remove]
                    ledger.entries[ident]["tags"] = normalize_tags([*tags, add])
        elif op == "remove":
            ident = rng.choice(ids)
            if _accept(run(db, *lock, "remove", ident, "--yes"), ledger, "remove"):
                del ledger.entries[ident]
        else:
            ident = rng.choice(ids)
            ran = run(db, "show", ident, "--format", "json")
            ledger.counts["read"] += 1
            if ran.code != 0 or f'"{ident}"' not in ran.out:
                ledger.problems.append(f"read after acknowledged write failed: {ran}")


def _checker(db: Path, deadline: float, codes: list[int], problems: list[str]) -> None:
    """Check links again and again while the writers work (and until one check answered 0);
    0 and 1 are answers, 3 a refusal."""
    while time.monotonic() < deadline or (0 not in codes and len(codes) < 20):
        ran = run(db, "--lock-timeout", LOCK_TIMEOUT, "check", "--timeout", "5")
        codes.append(ran.code)
        if ran.code not in (0, 1) and not (ran.code == 3 and "locked" in ran.err):
            problems.append(f"check: unexpected exit {ran}")


def run_concurrency(
    folder: Path,
    *,
    writers: int = 4,
    seconds: float = 12.0,
    seed: int = 7,
    link_url: Callable[[str], str] | None = None,
    with_check: bool = False,
) -> ConcurrencyReport:
    """Run ``writers`` writers (and a link checker) on one catalog for ``seconds``."""
    db = folder / "catalog.json"
    url = link_url or (lambda path: f"http://127.0.0.1:9{path}")
    ledgers = []
    for w in range(writers):
        owned = _owned_entries(w, url)
        ledgers.append(Ledger({e["id"]: {**e} for e in owned}))
        make_catalog(db, owned)
    before = entries_of(db)
    deadline = time.monotonic() + seconds
    check_codes: list[int] = []
    problems: list[str] = []
    threads = [
        threading.Thread(target=_writer, args=(db, w, ledgers[w], deadline, seed * 100 + w))
        for w in range(writers)
    ]
    if with_check:
        threads.append(
            threading.Thread(target=_checker, args=(db, deadline, check_codes, problems))
        )
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    after = entries_of(db)
    expected = {i: e for ledger in ledgers for i, e in ledger.entries.items()}
    lost, unexpected = [], []
    for ident, want in expected.items():
        got = after.get(ident)
        if got is None:
            lost.append(f"{ident}: acknowledged but missing")
            continue
        for key in ("title", "summary", "tags"):
            if got.get(key) != want[key]:
                lost.append(f"{ident}: {key} is {got.get(key)!r}, acknowledged {want[key]!r}")
        if ident in before and without_checks(got) != {
            **without_checks(before[ident]),
            "summary": want["summary"],
            "tags": want["tags"],
        }:
            unexpected.append(f"{ident}: fields nobody changed differ")
    for ident in after.keys() - expected.keys():
        unexpected.append(f"{ident}: in the catalog, but no writer acknowledged it")
    unchecked = []
    if 0 in check_codes:
        for ident, entry in after.items():
            for link in entry.get("links", ()):
                if (link.get("check") or {}).get("outcome") != "ok":
                    unchecked.append(f"{ident}: {link.get('check')!r}")
    counts: Counter[str] = Counter()
    for ledger in ledgers:
        counts.update(ledger.counts)
        problems.extend(ledger.problems)
    return ConcurrencyReport(
        writers=writers,
        seconds=elapsed,
        acknowledged=sum(v for k, v in counts.items() if k in ("add", "edit", "tag", "remove")),
        refused_locked=counts["refused: locked"],
        reads=counts["read"],
        checks=check_codes,
        lost=lost,
        unexpected=unexpected,
        problems=problems,
        temp_files_left=len(temp_files(db)),
        counts=counts,
        unchecked_links=unchecked,
    )
