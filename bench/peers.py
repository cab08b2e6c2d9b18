"""The tools htcat is measured beside, installed for the benchmarks only.

buku, sqlite-utils and LinkChecker go into their own virtual environment,
``bench/.venv-peers``; linkinator into ``bench/.node``. Neither is one of
htcat's dependencies. Each is installed on first use by its ordinary client
(pip, npm) and reused after; one that cannot be installed is reported and its
comparisons are left out, not failed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PEERS_VENV = BENCH / ".venv-peers"
NODE_DIR = BENCH / ".node"
REQUIREMENTS = BENCH / "requirements-peers.txt"
LINKINATOR = "linkinator@7.6.1"

Log = Callable[[str], None]


@dataclass
class Peers:
    """Where each peer's command is; None for one that could not be installed."""

    python: Path | None = None
    buku: Path | None = None
    sqlite_utils: Path | None = None
    linkchecker: Path | None = None
    linkinator: Path | None = None
    missing: dict[str, str] = field(default_factory=dict)
    """Peer name → why it is not there."""


def _run(argv: list[str], log: Log) -> str | None:
    """Run an installer; None when it worked, else the end of what it said."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return " / ".join(line for line in lines[-2:] if line)
    return None


def _requirements() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _python_peers(peers: Peers, log: Log) -> None:
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / "installed.txt"
    wanted = _requirements()
    installed = stamp.read_text().splitlines() if stamp.exists() else []
    if not python.exists():
        log(f"creating {PEERS_VENV.relative_to(BENCH.parent)} for the peers")
        problem = _run([sys.executable, "-m", "venv", str(PEERS_VENV)], log)
        if problem:
            for name in ("buku", "sqlite-utils", "LinkChecker"):
                peers.missing[name] = f"could not create the peers' venv: {problem}"
            return
    for requirement in wanted:
        if requirement in installed:
            continue
        log(f"installing {requirement} into the peers' venv")
        problem = _run([str(python), "-m", "pip", "install", "-q", requirement], log)
        name = requirement.split("==")[0]
        if problem:
            peers.missing[name] = f"pip install {requirement} failed: {problem}"
        else:
            installed.append(requirement)
    stamp.write_text("\n".join(installed) + "\n")
    peers.python = python
    for name, attr, script in (
        ("buku", "buku", "buku"),
        ("sqlite-utils", "sqlite_utils", "sqlite-utils"),
        ("LinkChecker", "linkchecker", "linkchecker"),
    ):
        path = PEERS_VENV / "bin" / script
        if path.exists():
            setattr(peers, attr, path)
        else:
            peers.missing.setdefault(name, f"{path} is missing after the install")


def _node_peers(peers: Peers, log: Log) -> None:
    script = NODE_DIR / "node_modules" / ".bin" / "linkinator"
    if not script.exists():
        log(f"installing {LINKINATOR} into {NODE_DIR.relative_to(BENCH.parent)}")
        argv = ["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", LINKINATOR]
        problem = _run(argv, log)
        if problem:
            peers.missing["linkinator"] = f"npm install {LINKINATOR} failed: {problem}"
            return
    if script.exists():
        peers.linkinator = script
    else:
        peers.missing["linkinator"] = f"{script} is missing after the install"


def ensure_peers(log: Log) -> Peers:
    """Install whatever peer is not there yet; say which could not be had."""
    peers = Peers()
    _python_peers(peers, log)
    _node_peers(peers, log)
    return peers
