"""The catalog lock: a stuck holder means exit 3 after --lock-timeout, a dead one means nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from links.server import LinkServer

from helpers import hold_lock

from .harness import entries_of, make_catalog, run, synthetic_entries, temp_files

WRITERS = {
    "add": ("add", "--title", "Blocked while locked"),
    "edit": ("edit", "entry-1", "--set", "summary=blocked"),
    "tag": ("tag", "--all", "--add", "blocked"),
    "remove": ("remove", "entry-2", "--yes"),
    "tags rename": ("tags", "rename", "labor", "work"),
    "import": ("import", "{folder}/rows.jsonl"),
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    import random

    entries = synthetic_entries(20, random.Random(3))
    entries[0]["tags"] = ["labor"]
    (tmp_path / "rows.jsonl").write_text('{"title": "Imported while locked"}\n')
    return make_catalog(tmp_path / "catalog.json", entries)


def args_for(name: str, db: Path) -> list[str]:
    return [a.replace("{folder}", str(db.parent)) for a in WRITERS[name]]


@pytest.fixture
def stuck_writer(db: Path) -> Iterator[subprocess.Popen[str]]:
    holder = hold_lock(db, 60)
    yield holder
    holder.kill()
    holder.wait()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_lock_held_too_long_gives_exit_3_after_the_timeout(
    db: Path, stuck_writer: subprocess.Popen[str], name: str
) -> None:
    before = db.read_bytes()

    ran = run(db, "--lock-timeout", "1", *args_for(name, db), timeout=30)

    assert ran.code == 3, ran
    assert f"catalog {db} is locked by another htcat; gave up after 1 s" in ran.err
    assert "Traceback" not in ran.err
    assert 1.0 <= ran.seconds < 10, ran.seconds
    assert db.read_bytes() == before
    assert stuck_writer.poll() is None


@pytest.mark.slow
def test_a_check_waits_out_a_short_lock_and_keeps_its_results(
    db: Path, link_server: LinkServer
) -> None:
    """Results took network time to gather: a check waits for the lock (at least 60 s)."""
    make_catalog(
        db, [{"id": "linked", "title": "Linked", "links": [{"url": link_server.url("/doc.pdf")}]}]
    )
    holder = hold_lock(db, 2.0)
    ran = run(db, "--lock-timeout", "1", "check", "--timeout", "5", timeout=60)
    holder.wait()

    assert ran.code == 0, ran
    assert entries_of(db)["linked"]["links"][0]["check"]["outcome"] == "ok"


def test_readers_do_not_wait_for_a_stuck_writer(
    db: Path, stuck_writer: subprocess.Popen[str]
) -> None:
    for args in (("list", "--format", "ids"), ("show", "entry-3"), ("search", "trafficking")):
        ran = run(db, "--lock-timeout", "30", *args, timeout=20)
        assert ran.code == 0, ran
        assert ran.seconds < 10


def test_lock_timeout_zero_gives_up_at_once(db: Path, stuck_writer: subprocess.Popen[str]) -> None:
    ran = run(db, "--lock-timeout", "0", "add", "--title", "Now or never")
    assert ran.code == 3, ran
    assert "gave up after 0 s" in ran.err
    assert ran.seconds < 5


def test_the_writer_goes_ahead_once_a_stuck_writer_lets_go(db: Path) -> None:
    holder = hold_lock(db, 1.5)
    ran = run(db, "--lock-timeout", "20", "add", "--title", "Waited my turn")
    holder.wait()

    assert ran.code == 0, ran
    assert ran.seconds >= 1.0
    assert ran.out.strip() in entries_of(db)


def test_a_lock_left_by_a_killed_holder_does_not_block_the_next_run(db: Path) -> None:
    holder = hold_lock(db, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert Path(f"{db}.lock").exists()

    started = time.monotonic()
    ran = run(db, "--lock-timeout", "20", "add", "--title", "After the crash")

    assert ran.code == 0, ran
    assert time.monotonic() - started < 5
    assert ran.out.strip() in entries_of(db)


@pytest.mark.slow
def test_a_lock_left_by_a_killed_htcat_does_not_block_the_next_run(db: Path) -> None:
    """Kill real writers again and again; the next writer never waits for a dead one."""
    for n in range(5):
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("htcat")),
                "--db",
                str(db),
                "tag",
                "--all",
                "--add",
                f"round-{n}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.15 + 0.05 * n)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ran = run(db, "--lock-timeout", "2", "add", "--title", f"After kill {n}")
        assert ran.code == 0, ran
    assert not temp_files(db)


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf", "soon"])
def test_a_lock_timeout_that_is_not_a_finite_wait_is_refused(db: Path, value: str) -> None:
    before = db.read_bytes()
    ran = run(db, "--lock-timeout", value, "add", "--title", "Never written")
    assert ran.code == 2, ran
    assert "--lock-timeout" in ran.err
    assert "Traceback" not in ran.err
    assert db.read_bytes() == before
