"""Tables on a real terminal show the title at any width from 60 columns; a pipe gets them all.

Ids give way first, each to the shortest prefix that names its entry alone and
``…`` (a prefix every command takes), then titles and tags are cut.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pexpect
import pytest

from helpers import HTCAT, entries_in, write_catalog

WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"

STEM = "information-memorandum"
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
]
TAIL = "-federal-cases-involving-forced-labor-of-health-care-workers"
IDS = [f"{word}-{n}-{STEM}{TAIL}" for n in range(2) for word in WORDS][:25]
"""25 ids of 90 characters or so, as htcat makes them from long titles, each named
alone by a prefix of at most 10 characters."""
TITLES = {ident: f"{ident[:7].capitalize()} toolkit title" for ident in IDS}


@pytest.fixture
def long_ids(db: Path) -> Path:
    return write_catalog(
        db,
        [
            {"id": ident, "title": TITLES[ident], "type": "toolkit", "date": f"20{n:02d}"}
            for n, ident in enumerate(IDS)
        ],
    )


def on_terminal(db: Path, columns: int, *args: str) -> list[str]:
    """The lines ``htcat list ARGS`` prints on a pseudo-terminal ``columns`` wide."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HTCAT_DB")}
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(db), "list", *args],
        env={**env, "TERM": "xterm", "NO_COLOR": "1", "LANG": "C.UTF-8"},
        dimensions=(50, columns),
        encoding="utf-8",
        timeout=30,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before.replace("\r\n", "\n").splitlines()


@pytest.mark.parametrize("columns", [60, 80, 140])
def test_every_row_shows_its_title_and_an_id_that_names_it(long_ids: Path, columns: int):
    lines = on_terminal(long_ids, columns)
    rows = lines[2:-1]
    assert len(rows) == 20, "a page on a terminal"
    assert max(map(len, lines)) <= columns
    for row in rows:
        shown_id = row.split()[0]
        assert shown_id.endswith("…")
        prefix = shown_id.rstrip("…")
        (ident,) = [i for i in IDS if i.startswith(prefix)]  # names one entry alone
        assert TITLES[ident][:10] in row
        named = subprocess.run(
            [HTCAT, "--db", long_ids, "show", prefix],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert named.returncode == 0 and f"id:        {ident}" in named.stdout, named.stderr


def test_a_grid_of_id_and_title_fits_60_columns(long_ids: Path):
    lines = on_terminal(long_ids, 60, "--tablefmt", "grid", "--columns", "id,title")
    assert max(map(len, lines)) <= 60
    assert sum(" toolkit " in line for line in lines) == 20


def test_a_piped_list_is_whole_unless_limit_is_given(long_ids: Path):
    def piped(*args: str) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        done = subprocess.run(
            [HTCAT, "--db", long_ids, "list", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env=env,
        )
        return done.stdout.splitlines()

    whole = piped()
    assert sum(STEM in line for line in whole) == 25
    assert all(ident in "\n".join(whole) for ident in IDS), "ids whole in a pipe"
    assert sum(STEM in line for line in piped("--limit", "3")) == 3


@pytest.mark.parametrize("columns", [60, 80, 140])
def test_show_wraps_at_word_boundaries_to_the_terminal(seed_db: Path, columns: int):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HTCAT_DB")}
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(seed_db), "show", "labor-trafficking-among"],
        env={**env, "TERM": "xterm", "NO_COLOR": "1", "LANG": "C.UTF-8"},
        dimensions=(50, columns),
        encoding="utf-8",
        timeout=30,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    lines = child.before.replace("\r\n", "\n").splitlines()
    stored = entries_in(seed_db)[WEBINAR]
    for line in lines:
        assert len(line) <= columns or " " not in line.strip().split(" ", 1)[-1].strip(), line
    words = " ".join(lines).split()
    for text in (stored["title"], stored["summary"], stored["publisher"]):
        assert " ".join(text.split()) in " ".join(words), "no word broken or lost"
    assert f"id:        {WEBINAR}" in lines
    publisher = lines.index(next(line for line in lines if line.startswith("publisher:")))
    if len(stored["publisher"]) + 11 > columns:
        run_on = lines[publisher + 1]
        assert run_on.startswith(" " * 11) and run_on[11] != " ", "indented under its value"
