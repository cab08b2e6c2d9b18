"""Time htcat as whole processes, each scenario beside a reference measured in the same run.

Every scenario runs several times as a fresh process; the table
shows the median wall time and peak memory of htcat and of its reference
(a bare Python start-up, a script that only loads or loads-and-writes the
catalog with orjson, buku, sqlite-utils, linkinator, LinkChecker), their
ratio, the target and whether it is met. The exit status is 1 when a target
is missed or a command fails, else 0.

Catalogs of each size are generated once (bench/generate.py), imported with
``htcat import`` and cached in bench/.cache; the peers are installed on first
use into bench/.venv-peers and bench/.node, never into htcat's environment.
Link checks run against bench/linkserver.py on 127.0.0.1: nothing here talks
to any other address.

Usage:

    python bench/run.py                      # 1,000, 10,000 and 100,000 entries
    python bench/run.py --sizes 10000
    python bench/run.py --quick              # 1,000 entries, 3 runs, no peers: under a minute

``--quick`` is a smoke run for CI: it shows the same table but fails only
when a command fails, never on a time.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import documents
import orjson
from catalogs import (
    SEARCH_WORDS,
    Htcat,
    Picks,
    catalog_for,
    copy_catalog,
    import_argv,
    input_files,
    link_catalog,
    merge_sides,
)
from linkserver import link_urls
from measure import Command, CommandFailed, Figures, Job, measure_together
from peers import Peers, ensure_peers
from tabulate import tabulate

from htcat.index.doctext import doctext_path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REFERENCE = BENCH / "reference.py"
Stats = dict[str, Any]
"""What the link server counted during one run (see bench/linkserver.py)."""
LOAD_WRITE = "orjson load + pretty write + fsync"

STARTUP_RATIO = 1.3
EVERYDAY_READ_S = 0.3
EVERYDAY_CHANGE_S = 0.8
EVERYDAY_MAX_SIZE = 10_000
LARGE_SIZE = 100_000
LARGE_RATIO = 2.0
LARGE_PEAK_MB = 150.0
REBUILD_RATIO = 1.0
REBUILD_PEAK_MB = 300.0
FRESH_BUILD_RATIO = 2.0
"""A fresh clone's first command builds the whole index: within twice the load, same peak."""
CHANGE_BUKU_RATIO = 2.5
CHANGE_RATIO = 1.5
CHANGE_PEAK_RATIO = 1.2
EXPORT_RATIO = 2.0
IMPORT_CSV_SIZE = 10_000
IMPORT_CSV_RATIO = 1.0
IMPORT_PEAK_RATIO = 1.2
LINK_DELAY = 0.1
LINK_PORTS = 50
LINK_CONCURRENCY = 50
LINKS = 1000
LINKINATOR_RATIO = 1.0
"""At most linkinator's time, whenever linkinator keeps to its own --concurrency."""
FLOOR_RATIO = 1.25
"""htcat's 1,000-link check against the floor measured in the same run: the reference
the host's speed does not move (docs/performance.md)."""
PER_HOST = 4
PER_HOST_LINKS = 100
PER_HOST_BAND = 0.2
PACED_LINKS = 10
PACE = 1.0
"""The rate-limited host answers one request a second, 429 and Retry-After: 1 to the rest."""
PACE_SLACK = 0.02
INTAKE_SOURCES = 100
INTAKE_PER_HOST = 2
"""What ``add --from`` keeps to on one host unless htcat.toml says otherwise."""
INTAKE_PEAK_MB = 150.0
MANY_LINKS = 10_000
MANY_LINKS_PEAK_MB = 200.0
MERGE_SIZE = 10_000
MERGE_RATIO = 2.0
MERGE_SHARE = 100
"""The merge scenario's sides each change one entry in this many, and add as many again."""
HEAVY_RUNS = 3
SEARCH_DOCUMENTS_S = 0.5
FETCH_TEXT_RATIO = 1.5
"""Runs of the scenarios that take seconds each at 100,000 entries."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Check:
    """One target: what it says, and whether the figures meet it."""

    text: str
    ok: bool


@dataclass
class Row:
    scenario: str
    size: str
    htcat: Figures | None = None
    reference_name: str = ""
    reference: Figures | None = None
    checks: list[Check] = field(default_factory=list)
    note: str = ""
    """Replaces the result: "not available yet", "error: …", "no peer: …"."""

    @property
    def ratio(self) -> float | None:
        if self.htcat and self.reference and self.reference.seconds > 0:
            return self.htcat.seconds / self.reference.seconds
        return None

    @property
    def failed(self) -> bool:
        return any(not c.ok for c in self.checks)

    @property
    def result(self) -> str:
        if self.note:
            return self.note
        if not self.checks:
            return "info"
        return "FAIL" if self.failed else "pass"


def seconds(figures: Figures | None) -> str:
    return f"{figures.seconds:.3f} s" if figures else "—"


def megabytes(figures: Figures | None) -> str:
    return f"{figures.peak_mb:.0f} MB" if figures and figures.peak_mb else "—"


def fastest_after_refusal(arrivals: list[list[float]]) -> float:
    """The shortest gap between requests sent after the host's first 429 was heard.

    The server answers every request, a 429 too, ``LINK_DELAY`` after it came,
    so requests arriving before then (and 50 ms of slack) left before the
    client could have heard it (the first burst); the gap before the first later
    one is counted from the last request the host let through.
    """
    refused = [when for when, status in arrivals if status == 429]
    if not refused:
        return float("inf")
    heard = refused[0] + LINK_DELAY + 0.05
    passed = [when for when, status in arrivals if status == 200 and when <= heard]
    later = [when for when, _ in arrivals if when > heard]
    starts = passed[-1:] + later
    return min((b - a for a, b in itertools.pairwise(starts)), default=float("inf"))


def stored_outcomes(catalog: Path) -> set[str]:
    """The outcomes a check stored on the links of ``catalog``."""
    data = orjson.loads(catalog.read_bytes())
    return {
        str(link.get("check", {}).get("outcome"))
        for entry in data.get("entries", {}).values()
        for link in entry.get("links", ())
    }


def ideal(value: float) -> Figures:
    """A computed reference (the network's pace), not a measured one."""
    return Figures(value, 0.0, 0)


class Bench:
    def __init__(self, args: argparse.Namespace, htcat: Htcat, peers: Peers | None) -> None:
        self.args = args
        self.runs: int = args.runs
        self.htcat = htcat
        self.peers = peers
        self.work = Path(tempfile.mkdtemp(prefix="htcat-bench-"))
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.env = {k: v for k, v in os.environ.items() if k != "HTCAT_DB"} | {"NO_COLOR": "1"}

    # -- helpers ------------------------------------------------------------

    def row(self, scenario: str, size: str, reference_name: str = "") -> Row:
        row = Row(scenario, size, reference_name=reference_name)
        self.rows.append(row)
        log(f"{scenario} ({size})")
        return row

    def together(
        self, row: Row, jobs: list[Job], runs: int, *, warmup: bool = True
    ) -> list[Figures | None]:
        """Figures for each job, runs taken in turn; None for all when a command fails.

        --quick runs without warm-up rounds, to stay within a minute.
        """
        warmup = warmup and not self.args.quick
        try:
            found = measure_together(jobs, runs, warmup=warmup, timeout=self.args.timeout)
        except CommandFailed as exc:
            row.note = f"error: {exc}"
            log(f"  failed: {exc}")
            return [None] * len(jobs)
        return list(found)

    def pair(self, row: Row, htcat: Job, reference: Job | None, runs: int, **options: bool) -> None:
        """Measure htcat's command and, when given, its reference, in the same run."""
        jobs = [htcat] if reference is None else [htcat, reference]
        found = self.together(row, jobs, runs, **options)
        row.htcat = found[0]
        if reference is not None:
            row.reference = found[1]

    def command(self, argv: list[str], **options: object) -> Command:
        return Command(argv, env=self.env, **options)  # type: ignore[arg-type]

    def on(self, catalog: Path, *args: str, **options: object) -> Command:
        return self.command(self.htcat.on(catalog, *args), **options)

    def script(self, *args: str) -> Command:
        return self.command([sys.executable, str(REFERENCE), *args])

    def heavy_runs(self, size: int) -> int:
        return min(self.runs, HEAVY_RUNS) if size >= LARGE_SIZE else self.runs

    def missing(self, row: Row, command: str) -> bool:
        if self.htcat.has(command):
            return False
        row.note = "not available yet"
        return True

    def peer(self, name: str) -> Path | None:
        if self.peers is None:
            return None
        return getattr(self.peers, name.lower().replace("-", "_"), None)

    def no_peer(self, row: Row, name: str) -> None:
        """Say why a peer is missing (nothing in --quick or --no-peers, where none is wanted)."""
        if self.peers is not None and not row.note:
            row.note = f"no peer: {self.peers.missing.get(name, name + ' not loaded')}"

    # -- 2. start-up --------------------------------------------------------

    def startup(self) -> None:
        baseline = "python -c 'import typer, tinydb, tabulate'"
        python_only = [sys.executable, "-c", "import typer, tinydb, tabulate"]
        cases = (
            ("htcat --help", ["--help"]),
            ("htcat --version", ["--version"]),
            ("htcat list (shipped data/catalog.json)", ["list"]),
        )
        rows = [self.row(f"start-up: {name}", "shipped", baseline) for name, _ in cases]
        jobs = [Job(self.command(python_only, cwd=ROOT))]
        jobs += [Job(self.command([*self.htcat.argv, *args], cwd=ROOT)) for _, args in cases]
        runs = self.runs if self.args.quick else self.runs * 3
        found = self.together(rows[0], jobs, runs)
        for row, figures in zip(rows, found[1:], strict=True):
            row.htcat, row.reference, row.note = figures, found[0], rows[0].note
            if row.ratio is not None:
                row.checks.append(Check(f"≤ {STARTUP_RATIO}x", row.ratio <= STARTUP_RATIO))

    # -- 3, 4, 5. a catalog of one size ---------------------------------------

    def size(self, size: int) -> None:
        source, picks = catalog_for(size, self.htcat, log)
        self.notes.append(
            f"{size:,} entries: catalog {source.stat().st_size / 1e6:.0f} MB (built with "
            f"{picks.built_with}); tag T = {picks.tag!r} ({picks.tag_count:,} entries); "
            f"ID = {picks.id!r}"
        )
        folder = self.work / str(size)
        catalog = copy_catalog(source, folder / "catalog.json")
        reference_copy = copy_catalog(source, folder / "reference" / "catalog.json")
        label = f"{size:,}"
        only = self.args.only
        if "reads" in only:
            self.reads(size, label, catalog, picks)
        if "rebuild" in only:
            self.rebuild(size, label, catalog, picks)
        self.prime(catalog)
        if "change" in only:
            self.change(size, label, catalog, reference_copy, picks)
        self.prime(catalog)
        if "export" in only:
            self.export(size, label, catalog, reference_copy)
        if "import" in only:
            self.imports(size, label, reference_copy)
        if "merge" in only:
            self.merge(size, label, source, reference_copy)

    def prime(self, catalog: Path) -> None:
        """Bring the derived index up to date, untimed, so no scenario pays for another's."""
        subprocess.run(self.htcat.on(catalog, "list", "--limit", "1"), capture_output=True)

    def reads(self, size: int, label: str, catalog: Path, picks: Picks) -> None:
        buku = self.buku_db(size) if size >= LARGE_SIZE else None
        scenarios = (
            (
                "list --tag T --limit 20",
                ["list", "--tag", picks.tag, "--limit", "20"],
                ["--stag", picks.tag, "-n", "20", "--np", "--nc"],
            ),
            (
                f'search "{SEARCH_WORDS}" --limit 20',
                ["search", SEARCH_WORDS, "--limit", "20"],
                ["-s", SEARCH_WORDS, "-n", "20", "--np", "--nc"],
            ),
            ("show ID", ["show", picks.id], ["-p", str(picks.position + 1), "--nc"]),
        )
        for name, args, buku_args in scenarios:
            row = self.row(name, label)
            reference = None
            if size >= LARGE_SIZE:
                row.reference_name = "buku " + " ".join(
                    f'"{a}"' if " " in a else a for a in buku_args
                )
                if buku is None:
                    self.no_peer(row, "buku")
                else:
                    reference = Job(self.buku_command(buku, buku_args))
            self.pair(row, Job(self.on(catalog, *args)), reference, self.runs)
            if size >= LARGE_SIZE:
                if row.ratio is not None:
                    row.checks.append(Check(f"≤ {LARGE_RATIO:g}x", row.ratio <= LARGE_RATIO))
                if row.htcat:
                    ok = row.htcat.peak_mb <= LARGE_PEAK_MB
                    row.checks.append(Check(f"≤ {LARGE_PEAK_MB:.0f} MB", ok))
            elif size <= EVERYDAY_MAX_SIZE and row.htcat:
                ok = row.htcat.seconds < EVERYDAY_READ_S
                row.checks.append(Check(f"< {EVERYDAY_READ_S} s", ok))

    def buku_db(self, size: int) -> Path | None:
        buku, python = self.peer("buku"), self.peer("python")
        if buku is None or python is None:
            return None
        jsonl, _ = input_files(size, log)
        cached = jsonl.with_name(f"buku-{size}.db")
        if not cached.exists():
            log(f"loading {size:,} entries into buku")
            subprocess.run([str(python), str(BENCH / "load_buku.py"), str(jsonl), str(cached)])
        if not cached.exists():
            return None
        private = self.work / str(size) / "buku" / "bookmarks.db"
        private.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, private)
        return private

    def buku_command(self, db: Path, args: list[str]) -> Command:
        buku = self.peer("buku")
        assert buku is not None
        home = self.work / "buku-home"
        env = self.env | {"XDG_DATA_HOME": str(home), "HOME": str(home)}
        return Command([str(buku), "--nostdin", "--db", str(db), *args], env=env)

    def rebuild(self, size: int, label: str, catalog: Path, picks: Picks) -> None:
        """The first command after the file changed behind the index's back, three ways.

        A touch (same bytes, as after a checkout) and a hand edit of one entry's
        title (as after a ``git pull``) are carried into the index entry by entry;
        with no index at all (a fresh clone) it is built afresh, held to a looser ratio.
        """
        edits = 0

        def touch() -> None:
            os.utime(catalog)

        def edit_one_title() -> None:
            nonlocal edits
            edits += 1
            text = catalog.read_bytes()
            at = text.index(b'"title": "', text.index(f'"id": "{picks.id}"'.encode()))
            at += len(b'"title": "')
            catalog.write_bytes(text[:at] + f"Edited by hand {edits}: ".encode() + text[at:])

        def no_index() -> None:
            catalog.with_name(f".{catalog.name}.index.sqlite").unlink(missing_ok=True)

        stages: tuple[tuple[str, Callable[[], None], float], ...] = (
            ("touch", touch, REBUILD_RATIO),
            ("hand edit of one entry", edit_one_title, REBUILD_RATIO),
            ("index deleted, built afresh", no_index, FRESH_BUILD_RATIO),
        )
        for how, before, target in stages:
            name = f"first command after an outside change ({how}): list --tag T"
            row = self.row(name, label, "orjson load only")
            args = ("list", "--tag", picks.tag, "--limit", "20")
            htcat = Job(self.on(catalog, *args), before=before)
            reference = Job(self.script("load", str(catalog)))
            self.pair(row, htcat, reference, self.heavy_runs(size), warmup=size < LARGE_SIZE)
            if size >= LARGE_SIZE and row.ratio is not None and row.htcat:
                row.checks.append(Check(f"≤ {target:g}x", row.ratio <= target))
                ok = row.htcat.peak_mb <= REBUILD_PEAK_MB
                row.checks.append(Check(f"≤ {REBUILD_PEAK_MB:.0f} MB", ok))
        index = catalog.with_name(f".{catalog.name}.index.sqlite")
        if index.exists():  # as the last fresh build left it
            share = index.stat().st_size / catalog.stat().st_size
            row = self.row(
                f"index on disk: {index.stat().st_size / 1e6:.0f} MB beside the catalog's "
                f"{catalog.stat().st_size / 1e6:.0f} MB ({share:.2f}x)",
                label,
            )
            if size >= LARGE_SIZE:
                row.checks.append(Check("≤ 1x the catalog", share <= 1))

    def change(
        self, size: int, label: str, catalog: Path, reference_copy: Path, picks: Picks
    ) -> None:
        load_write = Job(self.script("load-write", str(reference_copy)))
        scenarios: tuple[tuple[str, Callable[[int], list[str]]], ...] = (
            ("tag ID --add x", lambda n: ["tag", picks.id, "--add", f"bench-{n + 2}"]),
            (
                "edit ID --set title=…",
                lambda n: ["edit", picks.id, "--set", f"title=Benchmark title, run {n + 2}"],
            ),
        )
        for name, args in scenarios:
            row = self.row(name, label, LOAD_WRITE)
            htcat = Job(lambda n, args=args: self.on(catalog, *args(n)))
            self.pair(row, htcat, load_write, self.heavy_runs(size), warmup=size < LARGE_SIZE)
            if not (row.htcat and row.reference and row.ratio is not None):
                continue
            if size >= LARGE_SIZE:
                row.checks.append(Check(f"≤ {CHANGE_RATIO:g}x", row.ratio <= CHANGE_RATIO))
                peak_ok = row.htcat.peak_mb <= CHANGE_PEAK_RATIO * row.reference.peak_mb
                row.checks.append(Check(f"≤ {CHANGE_PEAK_RATIO:g}x peak", peak_ok))
            elif size <= EVERYDAY_MAX_SIZE:
                ok = row.htcat.seconds < EVERYDAY_CHANGE_S
                row.checks.append(Check(f"< {EVERYDAY_CHANGE_S} s", ok))
        if size >= LARGE_SIZE:
            self.buku_update(size, label, catalog, picks)

    def buku_update(self, size: int, label: str, catalog: Path, picks: Picks) -> None:
        """A one-entry change beside buku's own, in turn: tagging, and a new title."""
        db = self.buku_db(size)
        if db is None:
            return
        bookmark = str(picks.position + 1)
        scenarios: tuple[tuple[str, Callable[[int], list[str]], list[str]], ...] = (
            (
                "tag ID --add x",
                lambda n: ["tag", picks.id, "--add", f"bench-buku-{n + 2}"],
                ["-u", bookmark, "--tag", "+", "bench-buku", "--nc"],
            ),
            (
                "edit ID --set title=…",
                lambda n: ["edit", picks.id, "--set", f"title=Beside buku, run {n + 2}"],
                ["-u", bookmark, "--title", "Beside htcat", "--nc"],
            ),
        )
        for name, args, buku_args in scenarios:
            row = self.row(f"{name}, beside buku", label, "buku " + " ".join(buku_args))
            htcat = Job(lambda n, args=args: self.on(catalog, *args(n)))
            buku = Job(self.buku_command(db, buku_args))
            self.pair(row, htcat, buku, self.heavy_runs(size), warmup=False)
            if row.ratio is not None and row.htcat:
                ok = row.ratio <= CHANGE_BUKU_RATIO
                row.checks.append(Check(f"≤ {CHANGE_BUKU_RATIO:g}x", ok))
                ok = row.htcat.peak_mb <= LARGE_PEAK_MB
                row.checks.append(Check(f"≤ {LARGE_PEAK_MB:.0f} MB", ok))

    def export(self, size: int, label: str, catalog: Path, reference_copy: Path) -> None:
        load_write = Job(self.script("load-write", str(reference_copy)))
        for fmt in ("csv", "jsonl"):
            row = self.row(f"export --format {fmt} -o FILE (all entries)", label, LOAD_WRITE)
            if self.missing(row, "export"):
                continue
            out = self.work / str(size) / f"export.{fmt}"
            htcat = Job(self.on(catalog, "export", "--format", fmt, "-o", str(out)))
            self.pair(row, htcat, load_write, self.heavy_runs(size), warmup=size < LARGE_SIZE)
            if size >= LARGE_SIZE and row.ratio is not None:
                row.checks.append(Check(f"≤ {EXPORT_RATIO:g}x", row.ratio <= EXPORT_RATIO))

    def imports(self, size: int, label: str, reference_copy: Path) -> None:
        jsonl, csv_file = input_files(size, log)
        target = self.work / str(size) / "import" / "catalog.json"

        def empty_catalog() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            for stale in target.parent.glob("*catalog.json*"):
                stale.unlink()
            subprocess.run(self.htcat.on(target, "init"), check=True, capture_output=True)

        runs, warmup = self.heavy_runs(size), size < LARGE_SIZE
        if size <= IMPORT_CSV_SIZE:
            row = self.row("import CSV into an empty catalog", label, "sqlite-utils insert --csv")
            if not self.missing(row, "import"):
                htcat = Job(self.command(import_argv(self.htcat, target, csv_file)), empty_catalog)
                self.pair(row, htcat, self.sqlite_utils(row, size, csv_file), runs)
            if size == IMPORT_CSV_SIZE and row.ratio is not None:
                ok = row.ratio <= IMPORT_CSV_RATIO
                row.checks.append(Check(f"≤ {IMPORT_CSV_RATIO:g}x", ok))
        row = self.row("import JSON Lines into an empty catalog", label, LOAD_WRITE)
        if self.missing(row, "import"):
            return
        htcat = Job(self.command(import_argv(self.htcat, target, jsonl)), empty_catalog)
        load_write = Job(self.script("load-write", str(reference_copy)))
        self.pair(row, htcat, load_write, runs, warmup=warmup)
        if size >= LARGE_SIZE and row.htcat and row.reference:
            ok = row.htcat.peak_mb <= IMPORT_PEAK_RATIO * row.reference.peak_mb
            row.checks.append(Check(f"≤ {IMPORT_PEAK_RATIO:g}x peak", ok))

    def sqlite_utils(self, row: Row, size: int, csv_file: Path) -> Job | None:
        sqlite_utils = self.peer("sqlite-utils")
        if sqlite_utils is None:
            self.no_peer(row, "sqlite-utils")
            return None
        db = self.work / str(size) / "sqlite-utils" / "entries.db"
        db.parent.mkdir(parents=True, exist_ok=True)

        def fresh() -> None:
            db.unlink(missing_ok=True)

        argv = [str(sqlite_utils), "insert", str(db), "entries", str(csv_file), "--csv"]
        return Job(self.command(argv), before=fresh)

    def merge(self, size: int, label: str, source: Path, reference_copy: Path) -> None:
        """git's merge driver on two sides that each changed and added 1% of the entries.

        Its time is set against loading the three files; its peak memory, at
        100,000 entries, is held to a one-entry change's bound, beside the
        load-and-write script's peak measured in the same runs.
        """
        row = self.row(
            "git merge BASE OURS THEIRS (each side changed and added 1%)",
            label,
            "orjson load of the three files",
        )
        if self.missing(row, "git"):
            return
        base, ours, theirs = merge_sides(source, self.work / str(size) / "merge", MERGE_SHARE)
        result = ours.with_name("result.json")

        def fresh_ours() -> None:
            shutil.copyfile(ours, result)

        argv = [*self.htcat.argv, "git", "merge", str(base), str(result), str(theirs)]
        jobs = [
            Job(self.command(argv), before=fresh_ours),
            Job(self.script("load", str(base), str(ours), str(theirs))),
        ]
        large = size >= LARGE_SIZE
        if large:
            jobs.append(Job(self.script("load-write", str(reference_copy))))
        found = self.together(row, jobs, self.heavy_runs(size), warmup=not large)
        row.htcat, row.reference = found[0], found[1]
        if size == MERGE_SIZE and row.ratio is not None:
            row.checks.append(Check(f"≤ {MERGE_RATIO:g}x", row.ratio <= MERGE_RATIO))
        if not large:
            return
        memory = self.row("git merge BASE OURS THEIRS: peak memory", label, LOAD_WRITE)
        memory.htcat, memory.reference, memory.note = found[0], found[2], row.note
        if memory.htcat:
            ok = memory.htcat.peak_mb <= LARGE_PEAK_MB
            memory.checks.append(Check(f"≤ {LARGE_PEAK_MB:.0f} MB", ok))

    # -- 6. link checking --------------------------------------------------

    def links(self) -> None:
        names = [
            f"check {LINKS:,} PDF links, concurrency {LINK_CONCURRENCY}",
            f"check {PER_HOST_LINKS} links on one host, per-host limit {PER_HOST}",
        ]
        if not self.args.quick:
            names.append(f"check {MANY_LINKS:,} links: memory")
        if not self.htcat.has("check"):
            for name in names:
                self.row(name, "links").note = "not available yet"
            return
        server = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "linkserver.py"),
                *("--ports", str(LINK_PORTS), "--paced", "1", "--pace", f"{PACE:g}"),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            ready = server.stdout.readline().split()
            if not ready or ready[0] != "ready":
                raise RuntimeError("the link server did not start")
            plain, _, paced = " ".join(ready[1:]).partition(" paced ")
            ports = [int(p) for p in plain.split()]
            self.check_links(ports)
            self.per_host(ports)
            self.rate_limited(ports[0], int(paced))
            self.intake(ports[0])
            if not self.args.quick:
                self.many_links(ports)
        finally:
            server.terminate()
            server.wait(timeout=10)

    def server_watch(self, port: int) -> tuple[Callable[[], None], Callable[[], None], list[Stats]]:
        """Hooks that zero the server's counters before a run and keep them after it."""
        seen: list[Stats] = []

        def reset() -> None:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_reset", timeout=10).read()

        def record() -> None:
            answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats", timeout=10)
            seen.append(orjson.loads(answer.read()))

        return reset, record, seen

    def check_links(self, ports: list[int]) -> None:
        catalog = self.work / "links" / "check.json"
        urls = link_urls(ports, LINKS, LINK_PORTS)
        link_catalog(self.htcat, urls, 4, catalog, log)
        url_file = self.work / "links" / "check-urls.txt"
        url_file.write_text("\n".join(urls) + "\n")
        pace = ideal(LINKS * LINK_DELAY / LINK_CONCURRENCY)
        name = f"check {LINKS:,} PDF links, concurrency {LINK_CONCURRENCY}"
        row = self.row(name, "links", f"ideal: {LINKS:,} x {LINK_DELAY} s / {LINK_CONCURRENCY}")
        check = ["check", "--concurrency", str(LINK_CONCURRENCY)]
        page = f"http://127.0.0.1:{ports[0]}/links-{LINKS}-{LINK_PORTS}.html"
        home = self.work / "peer-home"
        home.mkdir(exist_ok=True)
        private = {"HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
        peer_args = {
            "linkinator": [page, "--concurrency", str(LINK_CONCURRENCY)],
            "LinkChecker": [
                "-t",
                str(LINK_CONCURRENCY),
                "-r",
                "1",
                "--check-extern",
                "-o",
                "none",
                page,
            ],
        }
        names = ["htcat", "floor", *(n for n in peer_args if self.peer(n))]
        watches = {n: self.server_watch(ports[0]) for n in names}
        jobs = [
            Job(self.on(catalog, *check), *watches["htcat"][:2]),
            Job(self.script("links", str(url_file), str(LINK_CONCURRENCY)), *watches["floor"][:2]),
        ]
        for peer in names[2:]:
            argv = [str(self.peer(peer)), *peer_args[peer]]
            reset, record, _ = watches[peer]
            jobs.append(Job(Command(argv, env=self.env | private), reset, record))
        found = self.together(row, jobs, self.runs)
        row.htcat, row.reference = found[0], pace  # for information: the floor is the reference
        floor = self.row(f"{name}, beside the floor", "links", "reference.py links")
        floor.htcat, floor.reference, floor.note = row.htcat, found[1], row.note
        if floor.ratio is not None:
            floor.checks.append(Check(f"≤ {FLOOR_RATIO:g}x", floor.ratio <= FLOOR_RATIO))
        if found[1] is not None:
            ratio = found[1].seconds / pace.seconds
            self.notes.append(
                f"the floor (Python, htcat's stack imported, a bare asyncio client) took "
                f"{ratio:.2f}x the ideal for the {LINKS:,} links"
            )
        for peer_name, watch in watches.items():
            if watch[2]:
                most = max(int(s["most_in_flight"]) for s in watch[2])
                self.notes.append(f"{peer_name} check: at most {most} requests in flight at once")
        if self.peers is None:
            return
        kept_to_limit = {
            peer: bool(watch[2])
            and max(int(s["most_in_flight"]) for s in watch[2]) <= LINK_CONCURRENCY
            for peer, watch in watches.items()
        }
        for peer, limit in (("linkinator", LINKINATOR_RATIO), ("LinkChecker", None)):
            shown = peer_args[peer][1:] if peer == "linkinator" else peer_args[peer][:-1]
            peer_row = self.row(f"{name}, beside {peer}", "links", f"{peer} " + " ".join(shown))
            peer_row.htcat, peer_row.note = row.htcat, row.note
            if peer not in names:
                self.no_peer(peer_row, peer)
                continue
            peer_row.reference = found[names.index(peer)]
            if peer_row.ratio is None:
                continue
            if limit is None:
                peer_row.checks.append(Check("faster", peer_row.ratio < 1.0))
            elif kept_to_limit[peer]:
                peer_row.checks.append(Check(f"≤ {limit:g}x", peer_row.ratio <= limit))
            else:
                peer_row.note = f"{peer} went past its own --concurrency: no target"

    def per_host(self, ports: list[int]) -> None:
        catalog = self.work / "links" / "per-host.json"
        link_catalog(self.htcat, link_urls(ports, PER_HOST_LINKS, 1), 4, catalog, log)
        name = f"check {PER_HOST_LINKS} links on one host, per-host limit {PER_HOST}"
        row = self.row(name, "links", f"ideal: {PER_HOST_LINKS} x {LINK_DELAY} s / {PER_HOST}")
        row.reference = ideal(PER_HOST_LINKS * LINK_DELAY / PER_HOST)
        if "--per-host" not in self.htcat.options("check"):
            row.note = "not available yet (no --per-host)"
            return
        reset, record, seen = self.server_watch(ports[0])
        limits = ["--concurrency", str(LINK_CONCURRENCY), "--per-host", str(PER_HOST)]
        htcat = Job(self.on(catalog, "check", *limits), reset, record)
        self.pair(row, htcat, None, self.runs, warmup=False)
        if row.htcat and row.ratio is not None:
            band = f"{1 - PER_HOST_BAND:g}-{1 + PER_HOST_BAND:g}x"
            row.checks.append(Check(band, abs(row.ratio - 1) <= PER_HOST_BAND))
            port = str(ports[0])
            most = max(int(s["most_in_flight_per_port"].get(port, 0)) for s in seen)
            row.checks.append(Check(f"≤ {PER_HOST} at once (saw {most})", most <= PER_HOST))

    def rate_limited(self, stats_port: int, port: int) -> None:
        """A host that allows one request a second: htcat keeps to that once told, and no
        link fails for it."""
        catalog = self.work / "links" / "paced.json"
        link_catalog(self.htcat, link_urls([port], PACED_LINKS, 1), 4, catalog, log)
        name = f"check {PACED_LINKS} links on a host allowing 1 request/s (429 + Retry-After)"
        row = self.row(name, "links", f"ideal: {PACED_LINKS} x {PACE:g} s")
        row.reference = ideal(PACED_LINKS * PACE)
        reset, record, seen = self.server_watch(stats_port)
        outcomes: list[set[str]] = []

        def after() -> None:
            record()
            outcomes.append(stored_outcomes(catalog))

        htcat = Job(self.on(catalog, "check", "--concurrency", str(LINK_CONCURRENCY)), reset, after)
        self.pair(row, htcat, None, min(self.runs, 2), warmup=False)
        if not seen:
            return
        fastest = min(fastest_after_refusal(s["paced"]) for s in seen)
        row.checks.append(
            Check(
                f"≤ 1 per {PACE:g} s after the first 429 (closest {fastest:.2f} s)",
                fastest >= PACE - PACE_SLACK,
            )
        )
        failing = set().union(*outcomes) & {"broken", "timeout", "invalid"}
        row.checks.append(
            Check("no link failed" + (f" ({failing})" if failing else ""), not failing)
        )
        self.notes.append(
            f"rate-limited host: {max(len(s['paced']) for s in seen)} requests at most for "
            f"{PACED_LINKS} links; outcomes {sorted(set().union(*outcomes))}"
        )

    def intake(self, port: int) -> None:
        """``add --from -`` of 100 landing pages on one host: the host's pace kept, and
        time and memory per source."""
        name = f"add --from - {INTAKE_SOURCES} landing pages on one host"
        per_host = f"{INTAKE_SOURCES} x {LINK_DELAY} s / {INTAKE_PER_HOST}"
        row = self.row(name, "links", f"ideal: {per_host}")
        row.reference = ideal(INTAKE_SOURCES * LINK_DELAY / INTAKE_PER_HOST)
        if not self.htcat.has("enrich"):
            row.note = "not available yet"
            return
        folder = self.work / "intake"
        folder.mkdir(parents=True, exist_ok=True)
        sources = folder / "sources.txt"
        urls = (f"http://127.0.0.1:{port}/report/{n}.html" for n in range(INTAKE_SOURCES))
        sources.write_text("".join(url + "\n" for url in urls))
        catalog = folder / "catalog.json"
        reset, record, seen = self.server_watch(port)

        def fresh() -> None:
            catalog.unlink(missing_ok=True)
            subprocess.run(self.htcat.on(catalog, "init"), capture_output=True, check=True)
            reset()

        argv = self.htcat.on(catalog, "add", "--from", "-", "--format", "jsonl")
        htcat = Job(self.command(argv, stdin=sources), fresh, record)
        self.pair(row, htcat, None, min(self.runs, HEAVY_RUNS), warmup=False)
        if not row.htcat or not seen:
            return
        most = max(int(s["most_in_flight_per_port"].get(str(port), 0)) for s in seen)
        row.checks.append(
            Check(f"≤ {INTAKE_PER_HOST} at once (saw {most})", most <= INTAKE_PER_HOST)
        )
        row.checks.append(Check(f"≤ {INTAKE_PEAK_MB:.0f} MB", row.htcat.peak_mb <= INTAKE_PEAK_MB))
        each = row.htcat.seconds / INTAKE_SOURCES * 1000
        self.notes.append(
            f"add --from: {each:.0f} ms a source ({INTAKE_SOURCES} sources, "
            f"{row.htcat.peak_mb:.0f} MB peak for the run)"
        )

    def many_links(self, ports: list[int]) -> None:
        catalog = self.work / "links" / "many.json"
        link_catalog(self.htcat, link_urls(ports, MANY_LINKS, LINK_PORTS), 4, catalog, log)
        row = self.row(
            f"check {MANY_LINKS:,} links: memory",
            "links",
            f"ideal: {MANY_LINKS:,} x {LINK_DELAY} s / {LINK_CONCURRENCY}",
        )
        row.reference = ideal(MANY_LINKS * LINK_DELAY / LINK_CONCURRENCY)
        htcat = Job(self.on(catalog, "check", "--concurrency", str(LINK_CONCURRENCY)))
        self.pair(row, htcat, None, min(self.runs, HEAVY_RUNS), warmup=False)
        if row.htcat:
            ok = row.htcat.peak_mb < MANY_LINKS_PEAK_MB
            row.checks.append(Check(f"< {MANY_LINKS_PEAK_MB:.0f} MB", ok))

    # -- search inside documents, and reading their text at fetch time -------

    def documents(self) -> None:
        catalog = documents.document_catalog(log)
        text_mb, store_mb = documents.store_sizes(catalog)
        label = f"{documents.DOCUMENTS:,} docs"
        self.notes.append(
            f"documents: {documents.DOCUMENTS:,} x {documents.PAGES} pages of generated text, "
            f"{text_mb:.0f} MB of text in a store of {store_mb:.0f} MB "
            f"({store_mb / text_mb:.1f}x the text)"
        )
        self.prime(catalog)
        for name, query in (
            (f'"{documents.RARE_PHRASE}" (on {documents.RARE_PAGES} pages)', documents.RARE_PHRASE),
            ("a common word (on most pages), first 20", documents.common_word()),
        ):
            row = self.row(f"search {name} --in-documents", label)
            search = ["search", query, "--in-documents", "--limit", "20"]
            self.pair(row, Job(self.on(catalog, *search)), None, self.runs)
            if row.htcat:
                ok = row.htcat.seconds <= SEARCH_DOCUMENTS_S
                row.checks.append(Check(f"≤ {SEARCH_DOCUMENTS_S} s", ok))
        self.fetch_text(0.0)
        self.fetch_text(LINK_DELAY)

    def fetch_text(self, delay: float) -> None:
        """fetch with the text read against the same fetch with the text already stored."""
        work = self.work / f"fetch-text-{delay:g}"
        served = documents.pdf_folder(work)
        name = f"fetch {documents.FETCHED_PDFS} PDFs of {documents.FETCHED_PAGES} pages"
        label = f"served after {delay:g} s" if delay else "served at once"
        row = self.row(f"{name}, reading their text", label, "the same, text stored")
        with documents.serving(served, delay) as port:
            pristine = documents.fetch_catalog(work / "pristine", port)
            filled = work / "filled" / "catalog.json"
            copy_catalog(pristine, filled)
            subprocess.run(self.htcat.on(filled, "fetch"), capture_output=True, check=True)

            def fresh(folder: Path, store: bool) -> Callable[[], None]:
                def before() -> None:
                    shutil.rmtree(folder, ignore_errors=True)
                    copy_catalog(pristine, folder / "catalog.json")
                    if store:
                        shutil.copy(doctext_path(filled), doctext_path(folder / "catalog.json"))

                return before

            reading, stored = work / "reading", work / "stored"
            self.pair(
                row,
                Job(self.on(reading / "catalog.json", "fetch"), before=fresh(reading, False)),
                Job(self.on(stored / "catalog.json", "fetch"), before=fresh(stored, True)),
                self.runs,
            )
        if row.ratio is not None and delay:
            row.checks.append(Check(f"≤ {FETCH_TEXT_RATIO}x", row.ratio <= FETCH_TEXT_RATIO))

    # -- the report -----------------------------------------------------------

    def table(self) -> str:
        rows = [
            [
                r.scenario,
                r.size,
                seconds(r.htcat),
                megabytes(r.htcat),
                str(r.htcat.runs) if r.htcat else "—",
                r.reference_name or "—",
                seconds(r.reference),
                megabytes(r.reference),
                f"{r.ratio:.2f}x" if r.ratio is not None else "—",
                ", ".join(c.text for c in r.checks) or "—",
                r.result,
            ]
            for r in self.rows
        ]
        headers = [
            "scenario",
            "entries",
            "htcat",
            "htcat peak",
            "runs",
            "reference",
            "reference time",
            "ref. peak",
            "ratio",
            "target",
            "result",
        ]
        return tabulate(rows, headers, tablefmt="github", disable_numparse=True)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


SCENARIO_GROUPS = (
    "startup", "reads", "rebuild", "change", "export", "import", "merge", "documents",
)  # fmt: skip


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        sizes.append(int(part[:-1]) * 1000 if part.endswith("k") else int(part))
    return sizes


def compile_htcat() -> None:
    """Write htcat's bytecode, as ``pip install`` does for a regular install.

    An editable install (the README's test set-up) leaves that to the first
    run, and where PYTHONDONTWRITEBYTECODE is set, as on this machine, every
    run would compile htcat's modules anew: not what an installed htcat does.
    """
    import compileall

    import htcat

    compileall.compile_dir(Path(htcat.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="See docs/performance.md."
    )
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 10_000, LARGE_SIZE])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario (median)")
    parser.add_argument("--quick", action="store_true", help="1,000 entries, 3 runs, no peers")
    parser.add_argument("--no-peers", action="store_true", help="leave the peers out")
    parser.add_argument("--no-links", action="store_true", help="leave the link checks out")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run at most")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(SCENARIO_GROUPS),
        help=f"scenario groups to run, comma-separated (of {','.join(SCENARIO_GROUPS)})",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs, args.no_peers = [1000], 3, True

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    htcat = Htcat.find()
    compile_htcat()
    peers = None if args.no_peers else ensure_peers(log)
    bench = Bench(args, htcat, peers)
    log(f"working in {bench.work}")
    try:
        if "startup" in args.only:
            bench.startup()
        for size in args.sizes:
            bench.size(size)
        if not args.no_links:
            bench.links()
        if "documents" in args.only and not args.quick:
            bench.documents()
    finally:
        if not args.keep:
            shutil.rmtree(bench.work, ignore_errors=True)

    print(f"Machine: {machine()}")
    load_after = os.getloadavg()[0]
    print(f"Load average (1 min): {load_before:.2f} at the start, {load_after:.2f} at the end")
    print(f"Runs: {args.runs} per scenario (median), {HEAVY_RUNS} for the slow ones at 100,000")
    print()
    print(bench.table())
    print()
    for note in bench.notes:
        print(f"- {note}")
    if peers is not None:
        for name, why in peers.missing.items():
            print(f"- {name} could not be installed: {why}")
    errors = [r for r in bench.rows if r.note.startswith("error")]
    missed = [r for r in bench.rows if r.failed and not r.note]
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{len(missed)} target(s) missed, {len(errors)} error(s), in {minutes:.1f} min")
    if errors or (missed and not args.quick):
        sys.exit(1)


if __name__ == "__main__":
    main()
