"""The progress bar of long tasks: on a terminal it says what it waits on; piped, nothing.

The terminal tests run the installed htcat on a real pseudo-terminal; a link
held open by the local server keeps a check waiting for as long as the test
looks, so what the bar says never depends on the machine's speed.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest
from links.server import LinkServer, pdf_bytes

from helpers import HTCAT, write_catalog
from htcat.cli import progress
from htcat.cli.progress import Bar
from htcat.index.database import index_path

TIMEOUT = 60
DROPPED = {"CI", "HTCAT_DB", "NO_COLOR", "COLUMNS", "LINES", "TERM"}
DROPPED |= {f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL", "NO")}
DROPPED |= {name.lower() for name in DROPPED if name.endswith("_PROXY")}
ROWS = 3_000
"""More rows than `progress.AT_SCALE`: the import shows a bar."""

Spawn = Callable[..., pexpect.spawn]


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    running = LinkServer(pdf_bytes(1)).start()
    yield running
    running.stop()


def environment(**extra: str) -> dict[str, str]:
    """A person's terminal: no CI, no proxy, colour off so the text is plain."""
    kept = {k: v for k, v in os.environ.items() if k not in DROPPED}
    return {**kept, "TERM": "xterm", "NO_COLOR": "1", **extra}


@pytest.fixture
def terminal(db: Path) -> Iterator[Spawn]:
    """Start ``htcat --db DB ARGS…`` on a pseudo-terminal 120 columns wide."""
    children: list[pexpect.spawn] = []

    def spawn(*args: str, **extra: str) -> pexpect.spawn:
        child = pexpect.spawn(
            str(HTCAT),
            ["--db", str(db), *args],
            env=environment(**extra),
            dimensions=(40, 120),
            encoding="utf-8",
            timeout=TIMEOUT,
        )
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


def held_catalog(db: Path, server: LinkServer, *, kind: str = "page") -> tuple[str, str]:
    """Two links, one answered at once, one held until the test lets it go: its route and
    how the bar names it."""
    route = f"/held/{uuid.uuid4().hex[:8]}"
    write_catalog(
        db,
        [
            {
                "title": "Quick",
                "type": "report",
                "links": [{"url": server.url("/page"), "kind": kind}],
            },
            {
                "title": "Held",
                "type": "report",
                "links": [{"url": server.url(route), "kind": kind}],
            },
        ],
    )
    return route, server.url(route).partition("://")[2]


def finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return child.before or ""


@pytest.mark.parametrize("command", ["check", "fetch"])
def test_on_a_terminal_the_bar_names_the_links_the_run_waits_on(
    terminal: Spawn, db: Path, server: LinkServer, tmp_path: Path, command: str
) -> None:
    route, shown = held_catalog(db, server)
    extra = ("--kind", "page", "--archive", str(tmp_path / "archive")) if command == "fetch" else ()
    child = terminal(command, *extra)

    child.expect(re.escape(f"1/2 waiting on 1: {shown}"))
    server.held(route).set()
    rest = finish(child)

    assert child.exitstatus == 0
    assert "2 links: 2 ok" in rest


def test_piped_a_check_writes_nothing_but_its_summary_to_standard_error(
    db: Path, server: LinkServer
) -> None:
    route, _ = held_catalog(db, server)
    server.held(route).set()
    run = subprocess.run(
        [HTCAT, "--db", db, "check"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(),
    )

    assert run.returncode == 0
    assert run.stderr == "2 links: 2 ok\n"


@pytest.mark.parametrize("setting", [{"CI": "true"}, {"TERM": "dumb"}])
def test_no_bar_in_a_ci_log_or_on_a_dumb_terminal(
    terminal: Spawn, db: Path, server: LinkServer, setting: dict[str, str]
) -> None:
    """The bar, when there is one, is drawn as the run starts: the held link is asked for
    after that, so once the server has seen it any bar would be on the screen."""
    route, _ = held_catalog(db, server)
    child = terminal("check", **setting)
    deadline_seen = server.held(route)
    while not server.seen(route):
        child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.05)
    deadline_seen.set()
    said = finish(child)

    assert child.exitstatus == 0
    assert said.strip() == "2 links: 2 ok"


def test_a_large_import_on_a_terminal_says_it_is_checking_rows(
    terminal: Spawn, tmp_path: Path, db: Path
) -> None:
    write_catalog(db, [])
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "".join(json.dumps({"title": f"Row {n}", "type": "report"}) + "\n" for n in range(ROWS))
    )

    said = finish(terminal("import", str(rows)))

    assert "checking rows" in said
    assert f"{ROWS:,}/{ROWS:,}" in said
    assert said.rstrip().endswith(f"added {ROWS:,}, updated 0, skipped 0")


def test_a_small_import_on_a_terminal_draws_no_bar(
    terminal: Spawn, tmp_path: Path, db: Path
) -> None:
    write_catalog(db, [])
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"title": "One row", "type": "report"}) + "\n")

    said = finish(terminal("import", str(rows)))

    assert said.strip() == "added 1, updated 0, skipped 0"


def test_the_bar_names_what_is_in_flight_longest_waiting_first() -> None:
    bar = Bar("checking")
    for label in ("a.org/1", "b.org/2", "a.org/1", "c.org/3", "d.org/4"):
        bar.started(label)

    assert bar.waiting() == "waiting on 5: a.org/1, b.org/2, c.org/3, …"
    bar.finished("a.org/1")
    assert bar.waiting() == "waiting on 4: a.org/1, b.org/2, c.org/3, …"
    bar.finished("a.org/1")
    bar.finished("d.org/4")
    assert bar.waiting() == "waiting on 2: b.org/2, c.org/3"
    bar.finished("b.org/2")
    bar.finished("c.org/3")
    assert bar.waiting() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal_stream", "setting", "drawn"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"CI": "true"}, False),
        (True, {"CI": ""}, True),
        (True, {"TERM": "dumb"}, False),
        (True, {"NO_COLOR": "1"}, True),
    ],
)
def test_a_bar_is_drawn_for_a_person_at_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, terminal_stream: bool, setting: dict[str, str], drawn: bool
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stderr", _Terminal() if terminal_stream else io.StringIO())

    assert progress.drawn() is drawn


def test_a_bar_below_its_least_total_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)

    with progress.progress_bar("checking rows", least=progress.AT_SCALE) as bar:
        bar.update(10, progress.AT_SCALE - 1)
    assert screen.getvalue() == ""

    with progress.progress_bar("checking rows", least=progress.AT_SCALE) as bar:
        bar.update(10, progress.AT_SCALE)
    assert "checking rows" in screen.getvalue()


@pytest.fixture
def large_db(db: Path) -> Path:
    """More entries than `progress.AT_SCALE`: doctor and export show a bar."""
    return write_catalog(
        db, [{"title": f"Resource {n}", "type": "report"} for n in range(progress.AT_SCALE + 1)]
    )


def test_doctor_at_scale_on_a_terminal_says_it_is_checking_entries(
    terminal: Spawn, large_db: Path
) -> None:
    steps = 2 * (progress.AT_SCALE + 1) - 1

    said = finish(terminal("doctor"))

    assert "checking entries" in said
    assert f"{steps:,}/{steps:,}" in said


def test_export_at_scale_on_a_terminal_says_what_it_writes(
    terminal: Spawn, large_db: Path, tmp_path: Path
) -> None:
    count = progress.AT_SCALE + 1

    said = finish(terminal("export", "-o", str(tmp_path / "all.csv")))

    assert "writing csv" in said
    assert f"{count:,}/{count:,}" in said
    assert said.rstrip().endswith(f"exported {count:,} entries to {tmp_path / 'all.csv'}")


def test_the_first_command_on_a_large_catalog_without_its_index_shows_the_build(
    terminal: Spawn, large_db: Path
) -> None:
    count = progress.AT_SCALE + 1
    index_path(large_db).unlink(missing_ok=True)

    building = finish(terminal("list", "--limit", "1", HTCAT_INDEX_MIN_BYTES="0"))
    again = finish(terminal("list", "--limit", "1", HTCAT_INDEX_MIN_BYTES="0"))

    assert "building the index" in building
    assert f"{count:,}/{count:,}" in building
    assert index_path(large_db).exists()
    assert "building the index" not in again
