"""Timing whole processes: wall time and peak memory of each run, the median of several.

Each run goes through bench/launch.py, a small fresh process that forks the
command and waits for it with `os.wait4`: the time is from fork to exit, and
the peak memory is the command's own maximum resident set size, not floored
by the runner's size (which a direct child would inherit) nor hidden by a
larger earlier child (as the running maximum of ``RUSAGE_CHILDREN`` would).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parent / "launch.py"
DEFAULT_TIMEOUT = 1800.0
SLOW_ROUND = 120.0
"""Seconds: a round of runs slower than this is the last one taken."""
"""Seconds before a run is killed; the slowest expected run (a 100,000-entry import) is far less."""


@dataclass(frozen=True)
class Sample:
    """One run: seconds from start to exit, and peak resident memory in MB."""

    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Figures:
    """The medians of several runs of one command."""

    seconds: float
    peak_mb: float
    runs: int


class CommandFailed(Exception):
    """A measured command exited with a status it should not have, or hung."""

    def __init__(self, argv: Sequence[str], status: int | str, stderr: str) -> None:
        self.argv = list(argv)
        self.status = status
        self.stderr = stderr
        tail = stderr.strip().splitlines()[-3:]
        super().__init__(f"{' '.join(argv[:4])}…: exit {status}: {' / '.join(tail)}")


@dataclass(frozen=True)
class Command:
    """A command line with where it runs and what it reads and writes."""

    argv: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    stdout: Path | None = None
    """File for standard output (replaced on each run); standard output is discarded without."""
    stdin: Path | None = None
    """File read as standard input; none without (``/dev/null``)."""
    ok_statuses: tuple[int, ...] = (0,)


def run_once(command: Command, timeout: float = DEFAULT_TIMEOUT) -> Sample:
    """Run ``command`` once; raise `CommandFailed` on a bad exit status or a timeout."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as stderr:
        report = Path(folder) / "report.json"
        argv = [sys.executable, "-S", str(LAUNCHER), str(report), *command.argv]
        out = open(command.stdout, "wb") if command.stdout else subprocess.DEVNULL  # noqa: SIM115
        given = open(command.stdin, "rb") if command.stdin else subprocess.DEVNULL  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                argv,
                cwd=command.cwd,
                env=dict(command.env) if command.env is not None else None,
                stdin=given,
                stdout=out,
                stderr=stderr,
                start_new_session=True,
            )
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise CommandFailed(command.argv, f"killed after {timeout:g} s", "") from None
        finally:
            if command.stdout:
                out.close()  # type: ignore[union-attr]
            if command.stdin:
                given.close()  # type: ignore[union-attr]
        if proc.returncode not in command.ok_statuses or not report.exists():
            stderr.seek(0)
            raise CommandFailed(
                command.argv, proc.returncode, stderr.read().decode("utf-8", "replace")
            )
        found = json.loads(report.read_text())
    # ru_maxrss is in kilobytes on Linux.
    return Sample(found["seconds"], found["peak_kb"] / 1024)


@dataclass(frozen=True)
class Job:
    """A command to measure, with what sets the stage before each run and what looks after.

    ``command`` may be a function of the run's number, for changes that must
    differ from run to run. ``before`` runs untimed before each run: a fresh
    empty catalog, a touched file; ``after`` runs untimed after each.
    """

    command: Command | Callable[[int], Command]
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None

    def run(self, number: int, timeout: float) -> Sample:
        if self.before:
            self.before()
        command = self.command(number) if callable(self.command) else self.command
        sample = run_once(command, timeout)
        if self.after:
            self.after()
        return sample


def measure_together(
    jobs: Sequence[Job],
    runs: int,
    *,
    warmup: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    round_budget: float = SLOW_ROUND,
) -> list[Figures]:
    """The median time and peak memory of ``runs`` runs of each job, runs taken in turn.

    Taking htcat's run and its reference's run one after the other, rather
    than all of one then all of the other, lets both see the same machine:
    whatever else slows it down slows both. The warm-up round, not counted,
    fills the page cache and builds whatever a first run would build. A round
    of counted runs that takes longer than ``round_budget`` seconds is the
    last: minutes-long runs vary little, and repeating them would make a full
    run take hours. The figures say how many runs they are the median of.
    """
    samples: list[list[Sample]] = [[] for _ in jobs]
    for number in range(-1 if warmup else 0, runs):
        started = time.perf_counter()
        for job, taken in zip(jobs, samples, strict=True):
            sample = job.run(number, timeout)
            if number >= 0:
                taken.append(sample)
        if time.perf_counter() - started > round_budget and number >= 0:
            break
    return [
        Figures(
            statistics.median(s.seconds for s in taken),
            statistics.median(s.peak_mb for s in taken),
            len(taken),
        )
        for taken in samples
    ]
