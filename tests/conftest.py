"""Fixtures shared by the whole suite: real catalog files in tmp_path and a CLI runner."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from helpers import SEED, RunCli, hold_lock
from helpers.system_packages import PACKAGE_LIST, install_advice, missing_packages, system_packages
from htcat.cli.app import app
from htcat.store import fs
from htcat.store.file import init_catalog


def pytest_collection_finish(session: pytest.Session) -> None:
    """Stop at once, saying what to install, when a program the chosen tests run is missing."""
    needed = system_packages(PACKAGE_LIST.read_text())
    missing = missing_packages(needed, {item.path for item in session.items})
    if missing:
        pytest.exit(install_advice(missing), returncode=pytest.ExitCode.USAGE_ERROR)


settings.register_profile("htcat", deadline=None, database=None)
settings.load_profile("htcat")
"""Property tests judge behaviour, not speed (a busy CI machine is slow), and leave no files."""


@pytest.fixture(autouse=True)
def _no_catalog_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own HTCAT_DB must never leak into a test."""
    monkeypatch.delenv("HTCAT_DB", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)  # tables are fitted to it
    monkeypatch.setenv("NO_COLOR", "1")
    # A DOI found on a page is never resolved at doi.org: port 9 on 127.0.0.1 refuses.
    monkeypatch.setenv("HTCAT_DOI_RESOLVER", "http://127.0.0.1:9/")


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
    real = fs.write_file_atomically

    def counting(path: Path, data: bytes, **kwargs: Any) -> None:
        written.append(path)
        real(path, data, **kwargs)

    monkeypatch.setattr(fs, "write_file_atomically", counting)
    return written


@pytest.fixture(autouse=True, scope="session")
def _interruptible_children() -> Iterator[None]:
    """Let the htcat processes the tests start feel Ctrl-C (SIGINT).

    A suite started in the background by a shell ignores SIGINT, its children
    inherit that, and every test of Ctrl-C would fail for how it was started.
    """
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
