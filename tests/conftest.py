"""Fixtures shared by the whole suite: real catalog files in tmp_path and a CLI runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from htcat import store
from htcat.cli.app import app
from htcat.store import change_catalog, init_catalog, read_catalog

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "catalog.json"
HTCAT = Path(sys.executable).with_name("htcat")
"""The console script installed beside this Python, run by the subprocess tests."""

OLD = "2020-01-01T00:00:00Z"
"""A stamp older than any test run, so a change always moves ``updated``."""

RunCli = Callable[..., Result]

settings.register_profile("htcat", deadline=None, database=None)
settings.load_profile("htcat")
"""Property tests judge behaviour, not speed (a busy CI machine is slow), and leave no files."""


@pytest.fixture(autouse=True)
def _no_catalog_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own HTCAT_DB must never leak into a test."""
    monkeypatch.delenv("HTCAT_DB", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


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


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a test's catalog lives (not created)."""
    return tmp_path / "catalog.json"


@pytest.fixture
def empty_db(db: Path) -> Path:
    init_catalog(db)
    return db


@pytest.fixture
def seed_db(db: Path) -> Path:
    """A copy of the shipped catalog: the five resources of the seed page."""
    shutil.copyfile(SEED, db)
    return db


@pytest.fixture
def cli(db: Path) -> RunCli:
    """Run htcat in-process on the catalog ``db`` (unless ``db=`` says otherwise).

    Standard input is not a terminal, as for a script; stdout and stderr are apart.
    An unexpected exception propagates, so a crash never passes for exit status 1.
    """
    runner = CliRunner()

    def run(*args: str, db_path: Path | None = db, **kwargs: Any) -> Result:
        prefix = ["--db", str(db_path)] if db_path is not None else []
        kwargs.setdefault("catch_exceptions", False)
        return runner.invoke(app, [*prefix, *args], prog_name="htcat", **kwargs)

    return run


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


@pytest.fixture
def lock_held(seed_db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the catalog's lock until the test ends."""
    holder = hold_lock(seed_db)
    yield holder
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=30)


@pytest.fixture
def count_writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every catalog write, counted at the one function that writes files."""
    written: list[Path] = []
    real = store.write_file_atomically

    def counting(path: Path, data: bytes, **kwargs: Any) -> None:
        written.append(path)
        real(path, data, **kwargs)

    monkeypatch.setattr(store, "write_file_atomically", counting)
    return written
