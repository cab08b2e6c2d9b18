"""Real processes: the installed ``htcat``, writers at the same time, writers killed mid-write."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer.core
import typer.main

from helpers import HTCAT, entries_in, wait_for_the_lock_wait, write_catalog
from htcat.catalog import get_entry, select_entries
from htcat.cli.app import app
from htcat.index.build import open_index
from htcat.query import Filters, Order
from htcat.store.file import read_catalog

HTLA = "htla-class-6-recommendations-report"
TIMEOUT = 60


def htcat_run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a script would: no terminal, captured streams."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [HTCAT, *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT, **kwargs
    )


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.fixture
def big_db(db: Path) -> Path:
    """A catalog of about 700 kB: a write takes long enough to be killed in the middle."""
    summary = "A paragraph about labor trafficking in supply chains. " * 25
    return write_catalog(
        db,
        [
            {"title": f"Resource {n}", "summary": summary, "tags": [f"t{n % 7}"], "date": "2020"}
            for n in range(400)
        ],
    )


# --- a script runs htcat ----------------------------------------------------------------------


def test_add_from_a_script_prints_the_id(empty_db: Path):
    result = htcat_run("--db", empty_db, "add", "--title", "T", "--type", "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "t\n" and result.stderr == ""
    assert entries_in(empty_db)["t"]["type"] == "report"


def test_add_without_title_exits_2_at_once_even_with_stdin_open(empty_db: Path):
    """A script that leaves standard input open must never be left waiting at a prompt."""
    started = time.monotonic()
    with subprocess.Popen(
        [HTCAT, "--db", empty_db, "add", "--type", "report"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            status = proc.wait(timeout=TIMEOUT)
        finally:
            proc.kill()
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()
    assert status == 2
    assert out == "" and "--title is required" in err
    assert time.monotonic() - started < TIMEOUT / 2
    assert entries_in(empty_db) == {}


def test_results_go_to_stdout_and_errors_to_stderr(seed_db: Path):
    listed = htcat_run("--db", seed_db, "list", "--format", "ids", "--type", "report")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, f"{HTLA}\n", "")
    failed = htcat_run("--db", seed_db, "show", "nope")
    assert (failed.returncode, failed.stdout) == (2, "")
    assert failed.stderr == "htcat: error: no entry with id 'nope'\n"


def test_python_dash_m_htcat_runs_the_same_app(seed_db: Path):
    result = subprocess.run(
        [sys.executable, "-m", "htcat", "--db", seed_db, "list"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "Displaying 1 - 5 of 5"


def test_no_colour_and_no_prompt_without_a_terminal(seed_db: Path):
    result = htcat_run("--db", seed_db, "remove", "htla", env={**os.environ, "NO_COLOR": ""})
    assert result.returncode == 2
    assert "\x1b[" not in result.stderr and "--yes" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_a_reader_that_goes_away_gets_no_traceback(big_db: Path, fmt: str):
    with subprocess.Popen(
        [HTCAT, "--db", big_db, "list", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()
        status = proc.wait(timeout=TIMEOUT)
        err = proc.stderr.read().decode()
    assert err == ""
    assert status == 141, "as if killed by SIGPIPE, not 1 (something wrong found)"


# --- every documented exit status, from real processes ----------------------------------------


def interrupted_while_waiting(seed_db: Path) -> subprocess.CompletedProcess[str]:
    """Ctrl-C (SIGINT) to a real htcat blocked on the lock another process holds."""
    with subprocess.Popen(
        [HTCAT, "--db", seed_db, "--lock-timeout", "50", "tag", "htla", "--add", "x"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        wait_for_the_lock_wait(proc, seed_db)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_every_documented_exit_status_is_produced(seed_db: Path, lock_held):
    """0, 1, 2, 3 and 130 (Ctrl-C while blocked on a lock another process holds)."""
    documented = htcat_run("--help").stdout
    statuses = {
        int(s) for s in re.findall(r"(\d+) (?:done|bad|the catalog|interrupted)", documented)
    }
    assert statuses == {0, 1, 2, 3, 130}

    before = seed_db.read_bytes()
    interrupted = interrupted_while_waiting(seed_db)
    assert interrupted.stderr == "htcat: error: interrupted; nothing was written\n"
    assert seed_db.read_bytes() == before
    produced = {
        htcat_run("--db", seed_db, "list").returncode,
        htcat_run("--db", seed_db, "show", "no-such-id").returncode,
        htcat_run("--db", seed_db, "--lock-timeout", "0.1", "tag", "htla", "--add", "x").returncode,
        interrupted.returncode,
    }
    hand_edited = seed_db.with_name("hand-edited.json")
    data = json.loads(seed_db.read_text())
    data["entries"]["1"]["date"] = "sometime"
    hand_edited.write_text(json.dumps(data))
    produced.add(htcat_run("--db", hand_edited, "doctor").returncode)
    assert produced == statuses


# --- writers at the same time -----------------------------------------------------------------

TAGGER = textwrap.dedent(
    """
    import sys
    import typer.main
    from htcat.cli.app import app
    db, ident, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    htcat = typer.main.get_command(app)  # what the console script builds at each start
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        args = ["--db", db, "--lock-timeout", "60", "tag", ident, "--add", prefix + str(n)]
        try:
            htcat.main(args, prog_name="htcat")
        except SystemExit as exit:
            if exit.code not in (0, None):
                print(f"tag {n} exited {exit.code}", flush=True)
                sys.exit(1)
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_two_processes_tagging_at_once_lose_no_tag(seed_db: Path):
    """Each process runs ``htcat tag ID --add tN`` 50 times.

    The command is built once per process and run 50 times, rather than 100
    interpreters starting: the same code from option parsing to the write.
    """
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TAGGER, str(seed_db), "htla", prefix, "50"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.close()
    assert [w.wait(timeout=TIMEOUT) for w in workers] == [0, 0]
    assert [w.stdout.read() for w in workers if w.stdout] == ["done\n", "done\n"]
    tags = set(entries_in(seed_db)[HTLA]["tags"])
    expected = {f"{p}{n}" for p in "ab" for n in range(50)}
    assert expected <= tags, f"lost {sorted(expected - tags)}"
    assert len(tags) == 100 + 9
    assert temp_files(seed_db.parent) == []


@pytest.mark.slow
def test_console_scripts_adding_the_same_title_at_once_get_distinct_ids(empty_db: Path):
    procs = [
        subprocess.Popen(
            [HTCAT, "--db", empty_db, "add", "--title", "Same Title"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    printed = sorted(proc.communicate(timeout=TIMEOUT)[0] for proc in procs)
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    ids = ["same-title", "same-title-2", "same-title-3", "same-title-4"]
    assert printed == [f"{i}\n" for i in ids]
    assert sorted(entries_in(empty_db)) == ids


# --- writers killed at any instant ------------------------------------------------------------


def writer_child(db: Path, htcat: typer.core.TyperGroup) -> None:
    """In a forked child: tag one entry k00001, k00002… through the CLI, forever."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    n = len(kill_tags(db)) + 1
    while True:
        with contextlib.suppress(SystemExit):
            htcat.main(["--db", str(db), "tag", "resource-0", "--add", f"k{n:05d}"])
        n += 1


def kill_tags(db: Path) -> list[str]:
    entry = read_catalog(db).get("resource-0")
    return [t for t in entry["tags"] if t.startswith("k")]


@pytest.mark.slow
@pytest.mark.parametrize("indexed", [False, True], ids=["written whole", "spliced"])
def test_writers_killed_at_random_instants_leave_the_old_or_the_new_catalog(
    big_db: Path, indexed: bool, monkeypatch: pytest.MonkeyPatch
):
    """Spliced: with an index, each write copies the file around the one changed entry."""
    if indexed:
        monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
        assert open_index(big_db) is not None
    htcat = typer.main.get_command(app)
    started = time.monotonic()
    try:
        htcat.main(["--db", str(big_db), "tag", "resource-1", "--add", "timed"])
    except SystemExit as exit:
        assert exit.code in (0, None)
    one_write = time.monotonic() - started
    rng = random.Random(20260131)
    longest, stuck = 3 * one_write, 0
    done, deadline = 0, time.monotonic() + 90
    for _ in range(40):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                writer_child(big_db, htcat)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, longest))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        tags = kill_tags(big_db)  # must load: never a broken file
        assert tags == [f"k{n:05d}" for n in range(1, len(tags) + 1)], "a change half made"
        assert len(tags) >= done, "a change that was made went missing"
        stuck = stuck + 1 if len(tags) == done else 0
        if stuck >= 8:  # the machine got slower: let some writers finish
            longest, stuck = min(2 * longest, 1.0), 0
        done = len(tags)
        assert len(temp_files(big_db.parent)) <= 1, "temporary files pile up"
        assert time.monotonic() < deadline, "kill loop took too long"
    assert done > 0, "the writers never got a change through"
    assert len(entries_in(big_db)) == 400
    result = htcat_run("--db", big_db, "tag", "resource-2", "--add", "after")
    assert result.returncode == 0
    assert temp_files(big_db.parent) == [], "the next change removes what a killed writer left"
    if indexed:
        page = select_entries(big_db, Filters(tags=("after",)), Order())
        assert [e["id"] for e in page.entries] == ["resource-2"], "the index kept up"
        indexed_tags = get_entry(big_db, "resource-0")["tags"]
        assert [t for t in indexed_tags if t.startswith("k")] == kill_tags(big_db)


@pytest.mark.slow
def test_readers_and_a_writer_racing_after_an_outside_change_agree_with_the_file(big_db: Path):
    """Right after a hand edit, four readers and a writer start at once on a stale index.

    Each reader brings the index up to date or waits for the one that does;
    all see the hand edit, the writer's tag lands, and the index ends in
    agreement with the file.
    """
    indexed = {**os.environ, "HTCAT_INDEX_MIN_BYTES": "0"}
    assert htcat_run("--db", big_db, "list", "--limit", "1", env=indexed).returncode == 0
    big_db.write_text(big_db.read_text().replace("Resource 7", "Resource seven, edited by hand"))
    commands = [["search", "seven edited"]] * 4 + [["tag", "resource-8", "--add", "raced"]]
    running = [
        subprocess.Popen(
            [HTCAT, "--db", str(big_db), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=indexed,
        )
        for args in commands
    ]
    outputs = [process.communicate(timeout=TIMEOUT) for process in running]
    assert [process.returncode for process in running] == [0] * 5, outputs
    assert all("resource-7" in out and "1 of 1" in out for out, _ in outputs[:4]), outputs
    found = htcat_run("--db", big_db, "list", "--tag", "raced", "--format", "json", env=indexed)
    assert [e["id"] for e in json.loads(found.stdout)] == ["resource-8"]
    from_file = htcat_run("--db", big_db, "search", "seven", "--format", "json")
    through_index = htcat_run("--db", big_db, "search", "seven", "--format", "json", env=indexed)
    assert json.loads(through_index.stdout) == json.loads(from_file.stdout) != []
