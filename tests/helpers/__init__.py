"""Helpers the tests import: real catalog files written by htcat, the installed
console script, a CLI runner's type, and a process that holds a catalog's lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from typer.testing import Result

from htcat.store.file import change_catalog, init_catalog, read_catalog

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "catalog.json"
HTCAT = Path(sys.executable).with_name("htcat")
"""The console script installed beside this Python, run by the subprocess tests."""

OLD = "2020-01-01T00:00:00Z"
"""A stamp older than any test run, so a change always moves ``updated``."""

RunCli = Callable[..., Result]


def write_catalog(path: Path, entries: Iterable[Mapping[str, Any]]) -> Path:
    """A real catalog file at ``path`` holding ``entries``, written by htcat itself.

    Entries without stamps get `OLD` ones, so tests can see ``updated`` move.
    """
    if not path.exists():
        init_catalog(path)
    stamped = [{"created": OLD, "updated": OLD, **e} for e in entries]
    with change_catalog(path) as catalog:
        catalog.add_many(stamped, keep_stamps=True)
    return path


def entries_in(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of the catalog at ``path``, by id."""
    return {e["id"]: e for e in read_catalog(path).entries()}


HOLD_LOCK = textwrap.dedent(
    """
    import fcntl, sys, time
    lock = open(sys.argv[1] + ".lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(float(sys.argv[2])) if len(sys.argv) > 2 else sys.stdin.read()
    """
)
"""A program that holds a catalog's lock for some seconds, or until its standard input closes."""


def hold_lock(catalog: Path, seconds: float | None = None) -> subprocess.Popen[str]:
    """Start a process that holds the catalog's lock for ``seconds``, or until its
    standard input closes: another htcat in the middle of a write, or a stuck one."""
    timed = [] if seconds is None else [str(seconds)]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(catalog), *timed],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def wait_for_the_lock_wait(proc: subprocess.Popen[Any], catalog: Path) -> None:
    """Return once ``proc`` has opened the lock file of ``catalog``, whose lock the caller holds.

    htcat opens that file only in its own code, then tries for the lock until it
    gets it or gives up: a signal sent from now on lands while it waits, however
    slow the machine. Seen in ``/proc``, not guessed from timing.
    """
    lock = os.path.realpath(f"{catalog}.lock")
    fds = Path(f"/proc/{proc.pid}/fd")
    while proc.poll() is None:
        try:
            held = {os.readlink(fd) for fd in fds.iterdir()}
        except OSError:  # a descriptor closed while listed: look again
            continue
        if lock in held:
            return
        time.sleep(0.002)
    raise AssertionError(f"htcat ended with {proc.returncode} before it waited for the lock")
