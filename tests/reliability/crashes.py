"""SIGKILL at random instants: the catalog is always the old state or the new one.

A scenario is a writer run again and again on one catalog. Each run reads the
catalog, starts htcat, kills it with SIGKILL after a random delay (or lets it
finish), and then judges what is on disk:

- the catalog loads (otherwise it is *corrupt*);
- it holds the state before the run or the state the command makes, nothing
  else (a check may also have merged some of its results: each link's check
  is then its old one or a new one);
- a run that exited 0 before the kill left the new state (no lost write);
- at most one temporary file is left (a kill mid-write), and the next writer
  removes it;
- on a catalog with an index, selecting through the index gives exactly the
  entries in the file.

Delays are drawn over the run's length (the median of the last runs left to
finish), half of them from its last 30 %, where the catalog is written; every
fourth run is left to finish, so acknowledged writes are checked too. With
Ctrl-C, each lane's first run is interrupted while it waits for the lock a
process of the test holds: however busy the machine, some Ctrl-Cs land while
htcat works, and none of the delays can all fall after the command ended.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import hold_lock, wait_for_the_lock_wait
from htcat.catalog import select_entries
from htcat.index.database import index_path
from htcat.query import Filters, Order
from htcat.store.file import change_catalog

from .harness import (
    entries_of,
    make_catalog,
    run,
    start,
    synthetic_entries,
    temp_files,
    try_entries,
    without_checks,
)

Entries = dict[str, dict[str, Any]]
Judge = Callable[[Entries, Entries], str]
"""Compares the catalog before and after a run: ``old``, ``new``, ``partial`` or a problem."""

INDEX_ENV = {"HTCAT_INDEX_MIN_BYTES": "0"}
WAIT_FOR_THE_LOCK = ("--lock-timeout", "600")
"""A run interrupted while it waits for the lock waits far longer than the test ever takes."""


@dataclass
class Step:
    """One run of a scenario: the command, its input, and how to judge the result."""

    args: tuple[str, ...]
    judge: Judge
    stdin: bytes | None = None


@dataclass
class KillReport:
    scenario: str
    runs: int = 0
    killed: int = 0
    finished: int = 0
    old: int = 0
    new: int = 0
    partial: int = 0
    corrupt: int = 0
    lost: int = 0
    mid_write: int = 0
    max_temp_files: int = 0
    max_leftovers: int = 1
    temp_files_after_next_writer: int = 0
    index_mismatches: int = 0
    killed_after_write: int = 0
    interrupted_at_start: int = 0
    interrupted: int = 0
    interrupted_after_write: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: KillReport) -> None:
        for name in (
            "runs", "killed", "finished", "old", "new", "partial", "corrupt", "lost",
            "mid_write", "temp_files_after_next_writer", "index_mismatches",
            "killed_after_write", "interrupted_at_start", "interrupted", "interrupted_after_write",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.max_temp_files = max(self.max_temp_files, other.max_temp_files)
        self.max_leftovers = other.max_leftovers
        self.problems += other.problems

    @property
    def clean(self) -> bool:
        return not (
            self.corrupt
            or self.lost
            or self.problems
            or self.index_mismatches
            or self.max_temp_files > self.max_leftovers
            or self.temp_files_after_next_writer
        )

    def summary(self) -> str:
        return (
            f"{self.scenario}: {self.runs} runs, {self.killed} killed ({self.mid_write} mid-write, "
            f"{self.killed_after_write} after the write), {self.finished} finished; "
            f"states: {self.old} old, "
            f"{self.new} new, {self.partial} partial; {self.corrupt} corrupt, {self.lost} lost "
            f"acknowledged writes, {self.index_mismatches} index mismatches, "
            f"{len(self.problems)} other problems"
        )


class Scenario:
    """A writer to kill: how to set its catalog up and what each run does."""

    name = ""
    size = 600
    max_leftovers = 1
    """Temporary files one killed run may leave (the catalog's own: one)."""

    def __init__(self, folder: Path, rng: random.Random, link_base: str = "") -> None:
        self.folder = folder
        self.db = folder / "catalog.json"
        self.rng = rng
        self.link_base = link_base
        self.counter = 0

    def prepare(self) -> None:
        make_catalog(self.db, synthetic_entries(self.size, self.rng))

    def reset(self) -> None:
        """Bring the catalog to where a run starts from (before it is read)."""

    def step(self, before: Entries) -> Step:
        raise NotImplementedError

    def leftovers(self) -> list[Path]:
        """Temporary files a killed run may leave: at most one at a time, gone after a writer."""
        return temp_files(self.db)

    def audit(self) -> list[str]:
        """Problems with anything else the run writes."""
        return []

    def cleanup_step(self) -> tuple[str, ...]:
        """A writer that changes nothing, run at the end: it must clear stale temporary files."""
        return ("tag", "--all", "--remove", "no-such-tag")


def _same_except(before: Entries, after: Entries, changed: dict[str, Any]) -> bool:
    """``after`` is ``before`` with only the ``changed`` entries different (None: removed)."""
    expected_ids = (before.keys() | {k for k, v in changed.items() if v is not None}) - {
        k for k, v in changed.items() if v is None
    }
    if after.keys() != expected_ids:
        return False
    for ident, entry in after.items():
        if ident in changed:
            if not changed[ident](entry):
                return False
        elif without_checks(entry) != without_checks(before[ident]):
            return False
    return True


class AddScenario(Scenario):
    name = "add"

    def step(self, before: Entries) -> Step:
        self.counter += 1
        title = f"Added by run {self.counter} {self.rng.random():.9f}"

        def judge(old: Entries, new: Entries) -> str:
            if new.keys() == old.keys():
                return "old" if _same_except(old, new, {}) else "changed nothing it should"
            added = [new[i] for i in new.keys() - old.keys()]
            if len(added) == 1 and added[0]["title"] == title and old.keys() <= new.keys():
                return (
                    "new"
                    if _same_except(old, new, {added[0]["id"]: lambda e: True})
                    else ("other entries changed")
                )
            return f"unexpected entries: {sorted(new.keys() ^ old.keys())[:5]}"

        return Step(("add", "--title", title, "--tag", "crash-test"), judge)


class EditScenario(Scenario):
    name = "edit"

    def step(self, before: Entries) -> Step:
        ident = self.rng.choice(sorted(before))
        summary = f"Edited by run {self.counter} {self.rng.random():.9f}"
        self.counter += 1

        def judge(old: Entries, new: Entries) -> str:
            if _same_except(old, new, {}):
                return "old"
            if _same_except(old, new, {ident: lambda e: e["summary"] == summary}):
                return "new"
            return "a state that is neither old nor new"

        return Step(("edit", ident, "--set", f"summary={summary}"), judge)


class RemoveScenario(Scenario):
    name = "remove"

    def step(self, before: Entries) -> Step:
        ident = self.rng.choice(sorted(before))

        def judge(old: Entries, new: Entries) -> str:
            if _same_except(old, new, {}):
                return "old"
            if _same_except(old, new, {ident: None}):
                return "new"
            return "a state that is neither old nor new"

        return Step(("remove", ident, "--yes"), judge)


class TagAllScenario(Scenario):
    """One write that changes every entry: the most there is to lose."""

    name = "tag --all"

    def step(self, before: Entries) -> Step:
        self.counter += 1
        tag = f"round-{self.counter}"

        def judge(old: Entries, new: Entries) -> str:
            if _same_except(old, new, {}):
                return "old"
            if new.keys() == old.keys() and all(
                without_checks(e)
                == {**without_checks(old[i]), "tags": sorted({*old[i]["tags"], tag})}
                for i, e in new.items()
            ):
                return "new"
            return "some entries tagged and not others"

        return Step(("tag", "--all", "--add", tag), judge)


class ImportScenario(Scenario):
    """Import 5,000 rows; every run updates all of them with a new summary."""

    name = "import 5,000 rows"
    size = 0
    rows = 5_000

    def prepare(self) -> None:
        make_catalog(self.db, [])

    def step(self, before: Entries) -> Step:
        self.counter += 1
        version = f"version {self.counter}"
        lines = (
            json.dumps({"id": f"imported-{n}", "title": f"Imported resource {n}",
                        "type": "report", "summary": version, "tags": ["imported"]})
            for n in range(self.rows)
        )  # fmt: skip
        data = ("\n".join(lines) + "\n").encode()

        def judge(old: Entries, new: Entries) -> str:
            if _same_except(old, new, {}):
                return "old"
            ids = {f"imported-{n}" for n in range(self.rows)}
            if new.keys() == old.keys() | ids and all(new[i]["summary"] == version for i in ids):
                untouched = {i: e for i, e in new.items() if i not in ids}
                return (
                    "new"
                    if _same_except({i: old[i] for i in untouched}, untouched, {})
                    else ("entries outside the import changed")
                )
            return "some rows imported and not others"

        return Step(
            ("import", "-", "--format", "jsonl", "--on-conflict", "update"), judge, stdin=data
        )


class CheckScenario(Scenario):
    """Check 60 links on the local server; results are merged into the catalog."""

    name = "check (merging results)"
    size = 0
    links = 60

    def prepare(self) -> None:
        routes = ("/delayed.pdf", "/delayed-page", "/missing", "/doc.pdf", "/old.pdf", "/page")
        entries = []
        for n in range(self.links):
            route = routes[n % len(routes)]
            kind = "pdf" if route.endswith(".pdf") else "page"
            entries.append({
                "id": f"linked-{n}", "title": f"Linked resource {n}", "type": "report",
                "links": [{"url": f"{self.link_base}{route}?n={n}", "kind": kind}],
            })  # fmt: skip
        make_catalog(self.db, entries)

    def reset(self) -> None:
        _forget_checks(self.db)

    def step(self, before: Entries) -> Step:
        return Step(("check", "--timeout", "10"), _judge_checks)

    def cleanup_step(self) -> tuple[str, ...]:
        return ("check", "--timeout", "10")


class FetchScenario(CheckScenario):
    """Fetch 30 PDFs (a quarter of a megabyte each, some) into an archive."""

    name = "fetch"
    links = 30
    max_leftovers = 33
    """A part file for each download a fetch has in flight (at most 32), and the catalog's
    temporary file; that they come from one fetch only is checked by `audit`."""

    def prepare(self) -> None:
        routes = ("/big.pdf", "/doc.pdf", "/delayed.pdf")
        entries = [
            {
                "id": f"fetched-{n}", "title": f"Fetched resource {n}", "type": "report",
                "links": [{"url": f"{self.link_base}{routes[n % 3]}?n={n}", "kind": "pdf"}],
            }
            for n in range(self.links)
        ]  # fmt: skip
        make_catalog(self.db, entries)

    @property
    def archive(self) -> Path:
        return self.folder / "archive"

    def step(self, before: Entries) -> Step:
        return Step(self.cleanup_step(), _judge_checks)

    def cleanup_step(self) -> tuple[str, ...]:
        return ("fetch", "--timeout", "10", "--archive", str(self.archive))

    def leftovers(self) -> list[Path]:
        return [*temp_files(self.db), *self.archive.glob("**/.fetch-*")]

    def audit(self) -> list[str]:
        """Every archived document is whole (its name is the SHA-256 of its bytes), and the
        part files present are those of one fetch: a later fetch removed the earlier ones."""
        writers = {p.name.split("-")[1] for p in self.archive.glob(".fetch-*.part")}
        problems = [f"part files of {len(writers)} fetches pile up"] if len(writers) > 1 else []
        for path in self.archive.glob("*/*"):
            if path.name.startswith("."):
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() != path.name.split(".")[0]:
                problems.append(f"archived file does not match its name: {path}")
        return problems


def _forget_checks(db: Path) -> None:
    """Clear every link's check, so that any result a run merges shows as a change."""
    with change_catalog(db) as catalog:
        entries = catalog.entries()
        catalog.replace_many(
            [{**e, "links": [{**link, "check": None} for link in e["links"]]} for e in entries],
            touch=False,
        )


def _judge_checks(old: Entries, new: Entries) -> str:
    """No field but link checks changed; each check is its old self or a newer result."""
    if old.keys() != new.keys():
        return "entries appeared or vanished"
    changed = unchanged = 0
    for ident, entry in new.items():
        if without_checks(entry) != without_checks(old[ident]):
            return f"{ident}: a field other than a link check changed"
        for link, previous in zip(entry["links"], old[ident]["links"], strict=True):
            check, before = link.get("check"), previous.get("check")
            if check == before:
                unchanged += 1
            elif (
                isinstance(check, dict)
                and check.get("outcome")
                and (not before or str(check.get("checked")) >= str(before.get("checked")))
            ):
                changed += 1
            else:
                return f"{ident}: a link check that is neither old nor a new result: {check!r}"
    if not changed:
        return "old"
    return "new" if not unchanged else "partial"


SCENARIOS: dict[str, type[Scenario]] = {
    s.name: s
    for s in (AddScenario, EditScenario, RemoveScenario, TagAllScenario, ImportScenario,
              CheckScenario, FetchScenario)
}  # fmt: skip


@contextmanager
def _index_everywhere() -> Iterator[None]:
    """Give every catalog an index, in this process as in the htcat ones it starts."""
    saved = os.environ.get("HTCAT_INDEX_MIN_BYTES")
    os.environ["HTCAT_INDEX_MIN_BYTES"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HTCAT_INDEX_MIN_BYTES", None)
        else:
            os.environ["HTCAT_INDEX_MIN_BYTES"] = saved


def _index_agrees(db: Path, entries: Entries) -> bool:
    page = select_entries(db, Filters(), Order(sort="title"))
    return index_path(db).exists() and {e["id"] for e in page.entries} == entries.keys()


def _measure(scenario: Scenario) -> float:
    """How long one undisturbed run takes (it also runs once for real)."""
    scenario.reset()
    before = entries_of(scenario.db)
    step = scenario.step(before)
    ran = run(scenario.db, *step.args, input=step.stdin, env=INDEX_ENV)
    verdict = step.judge(before, entries_of(scenario.db))
    if ran.code not in (0, 1) or verdict != "new":
        raise RuntimeError(f"{scenario.name}: the undisturbed run failed ({verdict}): {ran}")
    return ran.seconds


def _state_claimed(said: str) -> str:
    """The state an exit 130 claims: htcat names a file written in full, or says nothing was
    written; with no message (Ctrl-C while the arguments were parsed) nothing can be."""
    return "new" if "was written in full" in said else "old"


def _kill_lane(scenario: Scenario, runs: int, sig: signal.Signals) -> KillReport:
    report = KillReport(scenario.name, max_leftovers=scenario.max_leftovers)
    scenario.prepare()
    durations = [_measure(scenario)]
    # A Ctrl-C is meant for htcat at work: one that lands while the interpreter still
    # starts only shows Python's own default, so SIGINT waits out a bare start-up.
    start_up = run(scenario.db, "--version", env=INDEX_ENV).seconds if sig == signal.SIGINT else 0.0
    rng = scenario.rng
    for n in range(runs):
        length = statistics.median(durations[-5:])
        scenario.reset()
        before_bytes = scenario.db.read_bytes()
        before = entries_of(scenario.db)
        step = scenario.step(before)
        if n % 4 == 3:
            delay = 3 * length  # let it finish: an acknowledged write, and a fresh length
        elif rng.random() < 0.5:
            delay = length * rng.uniform(0.7, 1.0)  # where the catalog is written
        else:
            delay = length * rng.uniform(0.05, 1.0)
        delay = max(delay, min(start_up, 0.9 * length))
        stdin = scenario.folder / "stdin"
        stdin.write_bytes(step.stdin or b"")
        holder = hold_lock(scenario.db) if sig == signal.SIGINT and n == 0 else None
        waits = WAIT_FOR_THE_LOCK if holder is not None else ()
        with open(stdin, "rb") as source:
            proc = start(scenario.db, *waits, *step.args, env=INDEX_ENV, stdin=source)
        started = time.monotonic()
        if holder is not None:
            wait_for_the_lock_wait(proc, scenario.db)
        while holder is None and proc.poll() is None and time.monotonic() < started + delay:
            time.sleep(0.002)
        if proc.poll() is None:
            proc.send_signal(sig)
            report.killed += 1
            if sig != signal.SIGKILL:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    report.problems.append(f"{sig.name} did not stop {step.args[:3]}")
        else:
            report.finished += 1
            durations.append(time.monotonic() - started)
        _, err = proc.communicate()
        if holder is not None:
            holder.communicate()  # closing its input lets the lock go
        report.runs += 1
        code = proc.returncode
        temps = scenario.leftovers()
        report.mid_write += bool(temps) and code == -signal.SIGKILL
        report.max_temp_files = max(report.max_temp_files, len(temps))
        after = try_entries(scenario.db)
        if after is None:
            report.corrupt += 1
            report.problems.append(f"corrupt after {step.args[:3]}")
            scenario.db.write_bytes(before_bytes)
            continue
        verdict = step.judge(before, after)
        if verdict in ("old", "new", "partial"):
            setattr(report, verdict, getattr(report, verdict) + 1)
        else:
            report.problems.append(f"{' '.join(step.args[:3])}: {verdict}")
        if code == 0 and verdict != "new":
            report.lost += 1
        said = err.decode(errors="replace")
        # A Ctrl-C that lands while the interpreter is still loading orjson's C module
        # can kill it with SIGSEGV before htcat runs (seen under heavy load, with an
        # empty stderr and the catalog untouched): Python's start-up, not htcat's.
        dies_in_start_up = sig == signal.SIGINT and code == -signal.SIGSEGV and not said
        if code not in (0, 1, 130, -sig) and not (dies_in_start_up and verdict == "old"):
            report.problems.append(f"exit {code}: {said[-300:]}")
        if code == 130 and verdict != _state_claimed(said):
            report.problems.append(f"exit 130 said {said.strip()!r}, yet the state is {verdict}")
        if code == 130 and "Traceback" in said:
            report.problems.append(f"a traceback on Ctrl-C: {said[-300:]}")
        report.killed_after_write += code == -sig and verdict == "new"
        if code == -signal.SIGINT:
            report.interrupted_at_start += 1
        if code == 130:
            report.interrupted += 1
            report.interrupted_after_write += verdict == "new"
        if not _index_agrees(scenario.db, after):
            report.index_mismatches += 1
        report.problems += scenario.audit()
    ran = run(scenario.db, *scenario.cleanup_step(), env=INDEX_ENV)
    if ran.code not in (0, 1):
        report.problems.append(f"the next writer failed: {ran}")
    report.temp_files_after_next_writer = len(scenario.leftovers())
    return report


def kill_runs(
    name: str,
    folder: Path,
    runs: int,
    *,
    seed: int = 1,
    lanes: int = 2,
    link_base: str = "",
    sig: signal.Signals = signal.SIGKILL,
) -> KillReport:
    """Kill scenario ``name`` ``runs`` times with ``sig``, on ``lanes`` catalogs side by side.

    With SIGINT (Ctrl-C) a run may also exit 130, which must mean nothing was
    written; one interrupted while Python is still starting dies of the signal.
    """
    kind = SCENARIOS[name]
    shares = [runs // lanes + (1 if n < runs % lanes else 0) for n in range(lanes)]
    scenarios = []
    for n in range(lanes):
        lane = folder / f"lane-{n}"
        lane.mkdir(parents=True)
        scenarios.append(kind(lane, random.Random(seed * 1000 + n), link_base))
    total = KillReport(name)
    with _index_everywhere(), _interruptible(), ThreadPoolExecutor(lanes) as pool:
        for report in pool.map(_kill_lane, scenarios, shares, [sig] * lanes):
            total.merge(report)
    return total


@contextmanager
def _interruptible() -> Iterator[None]:
    """Let the htcat processes started here feel SIGINT.

    A process started in the background by a shell ignores SIGINT, and its
    children inherit that; a handler of our own is reset to the default at exec.
    """
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
