"""Real git for the tests, never reading this machine's configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def isolated_git(home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point git at a configuration of its own under ``home``: a test user, branch main."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_DIR", raising=False)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.org\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    return dict(os.environ)


def git(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-qm", message)
