"""Servers that misbehave on purpose: every check and fetch ends in time, in bounded memory,
with the right outcome, and writes nothing outside the archive folder.

Each case runs the installed ``htcat`` on one link of the local test server
(tests/links/server.py) and measures the process's peak RSS with wait4.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from links.server import LinkServer

from htcat.links.config import RetryPolicy, Timeouts

from .harness import command, htcat_env, make_catalog

pytestmark = pytest.mark.slow  # every hostile route through check and fetch

TIMEOUT = 3.0
"""--timeout for each run: the bound on one link, retries and waits included."""
SLACK = 8.0
"""The merge and a loaded CI machine, on top of TIMEOUT."""
MAX_RSS_MB = 128
"""Peak RSS allowed; a run that buffered a bomb or an endless body would pass 256 MB."""
MAX_BYTES = "2M"

BROKEN, OK, TIMEOUT_ = {"broken"}, {"ok"}, {"timeout"}
INVALID, TOO_LARGE = {"invalid"}, {"too-large"}
# route, kind, outcomes a check may give, outcomes a fetch may give
ROUTES: list[tuple[str, str, set[str], set[str]]] = [
    ("/endless.pdf", "pdf", OK, TOO_LARGE),
    ("/drip.pdf", "pdf", TIMEOUT_, TIMEOUT_),
    ("/gzip-bomb.pdf", "pdf", OK, TOO_LARGE),
    ("/gzip-bomb-page", "page", OK, TOO_LARGE),
    ("/huge-header", "page", BROKEN, BROKEN),
    ("/short-length.pdf", "pdf", OK | BROKEN, BROKEN),
    ("/long-length.pdf", "pdf", OK | BROKEN, BROKEN),
    ("/hops/100000", "page", BROKEN, BROKEN),
    ("/loop-a", "page", BROKEN, BROKEN),
    ("/to-file", "pdf", INVALID, INVALID),
    ("/to-ftp", "page", INVALID, INVALID),
    ("/to-javascript", "page", INVALID, INVALID),
    ("/named.pdf", "pdf", OK, OK),
    ("/hang", "page", TIMEOUT_, TIMEOUT_),
]
CASES = [(cmd, *route) for cmd in ("check", "fetch") for route in ROUTES]


@dataclass(frozen=True)
class Measured:
    code: int
    ended: float
    """When the process ended (time.monotonic, the clock the test server stamps requests with)."""
    rss_mb: float
    rows: list[dict[str, object]]
    err: str


WAIT4 = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""
"""Runs a command and records its exit status and peak RSS. A small process starts it,
because a child's peak RSS counts what it shared with its parent before exec, and the
test process grows large."""


def run_measured(folder: Path, db: Path, args: list[str]) -> Measured:
    """Run htcat to the end; its peak RSS comes from wait4, its report from stdout."""
    out, err, usage = folder / "stdout", folder / "stderr", folder / "usage"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        subprocess.run(
            [sys.executable, "-c", WAIT4, str(usage), *command(db, args)],
            stdout=stdout,
            stderr=stderr,
            env=htcat_env(),
            cwd=folder,
            check=True,
        )
    code, rss_kb = (int(n) for n in usage.read_text().split())
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return Measured(code, time.monotonic(), rss_kb / 1024, rows, err.read_text())


@pytest.fixture(scope="module")
def measured(
    link_server: LinkServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], tuple[Path, Measured]]:
    """Every route through check and fetch, four processes at a time."""
    root = tmp_path_factory.mktemp("hostile-servers")

    def one(case: tuple[str, str, str, set[str], set[str]]) -> tuple[Path, Measured]:
        cmd, route, kind, _, _ = case
        folder = root / f"{cmd}{route.replace('/', '_')}"
        folder.mkdir()
        db = make_catalog(
            folder / "catalog.json",
            [
                {
                    "id": "hostile",
                    "title": route,
                    "links": [{"url": link_server.url(f"{route}?run={cmd}"), "kind": kind}],
                }
            ],
        )
        args = [cmd, "--timeout", str(TIMEOUT), "--all", "--format", "jsonl"]
        if cmd == "fetch":
            args += ["--kind", kind, "--max-bytes", MAX_BYTES, "--archive", str(folder / "archive")]
        return folder, run_measured(folder, db, args)

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(one, CASES))
    return {(c[0], c[1]): result for c, result in zip(CASES, done, strict=True)}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("cmd", "route", "kind", "check_gives", "fetch_gives"), CASES)
def test_a_hostile_server_gets_a_bounded_answer(
    measured: dict[tuple[str, str], tuple[Path, Measured]],
    link_server: LinkServer,
    cmd: str,
    route: str,
    kind: str,
    check_gives: set[str],
    fetch_gives: set[str],
) -> None:
    _, ran = measured[(cmd, route)]
    assert ran.code in (0, 1), ran.err
    assert "Traceback" not in ran.err
    assert len(ran.rows) == 1, ran.rows
    outcome = ran.rows[0]["outcome"]
    assert outcome in (check_gives if cmd == "check" else fetch_gives), ran.rows[0]
    assert ran.code == (1 if outcome in ("broken", "timeout", "invalid") else 0)
    # Timed from the first request the server saw, so that a busy machine's slow
    # interpreter start-up is not counted: the bound is on the network's waits.
    asked = min(seen.when for seen in link_server.seen(f"{route}?run={cmd}"))
    assert ran.ended - asked < TIMEOUT + SLACK, ran.ended - asked
    assert ran.rss_mb < MAX_RSS_MB, ran.rss_mb


@pytest.mark.timeout(300)
def test_fetch_writes_nothing_outside_the_archive(
    measured: dict[tuple[str, str], tuple[Path, Measured]],
) -> None:
    """Only the catalog, its lock, the files htcat derives beside it, the report and
    content-named files in the archive."""
    expected_top = {
        "catalog.json",
        "catalog.json.lock",
        ".catalog.json.checked",
        ".catalog.json.doctext.sqlite",
        "catalog.history.jsonl",
        "stdout",
        "stderr",
        "usage",
        "archive",
    }
    for (cmd, route), (folder, _) in measured.items():
        if cmd != "fetch":
            continue
        found = {p.relative_to(folder) for p in folder.rglob("*")}
        assert {str(p.parts[0]) for p in found} <= expected_top, (route, found)
        archived = [p for p in found if p.parts[0] == "archive" and len(p.parts) > 1]
        for path in archived:
            assert len(path.parts) <= 3, path
            if len(path.parts) == 3:
                name = path.parts[2]
                assert name.split(".")[0].startswith(path.parts[1]), path
                assert len(name.split(".")[0]) == 64, path
        assert not any(".part" in p.name for p in archived), (route, archived)
    assert not Path("/tmp/evil.pdf").exists()


QUICK = Timeouts(connect=2.0, read=2.0, total=TIMEOUT)
NO_RETRY = RetryPolicy(retries=1, backoff=0.05, backoff_max=0.1, max_retry_after=1.0)
