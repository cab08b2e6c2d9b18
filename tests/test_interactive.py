"""A person at a terminal: the questionary forms driven through a real pseudo-terminal."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from helpers import HTCAT, entries_in
from htcat.store import change_catalog

HTLA = "htla-class-6-recommendations-report"
WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"
DOWN = "\x1b[B"
ENTER = "\r"
FINISH_MULTILINE = "\x1b\r"  # Esc then Enter
CLEAR_LINE = "\x15"  # Ctrl-U
CTRL_C = "\x03"

Spawn = Callable[..., pexpect.spawn]


@pytest.fixture
def terminal(db: Path) -> Iterator[Spawn]:
    """Start ``htcat --db DB ARGS…`` on a pseudo-terminal of a fixed size, as a person would."""
    children: list[pexpect.spawn] = []
    env = {k: v for k, v in os.environ.items() if k not in ("HTCAT_DB", "NO_COLOR")}
    env.update(TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS="120", LINES="40")

    def spawn(*args: str, no_color: bool = True) -> pexpect.spawn:
        child = pexpect.spawn(
            str(HTCAT),
            ["--db", str(db), *args],
            env={**env, **({"NO_COLOR": "1"} if no_color else {})},
            dimensions=(40, 120),
            encoding="utf-8",
            timeout=20,
        )
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


CURSOR_POSITION_REQUEST = "\x1b[6n"


def expect(child: pexpect.spawn, wanted: str | type[pexpect.EOF]) -> None:
    """Wait for ``wanted``, answering the form's cursor-position requests as a terminal does.

    (Left unanswered, each question would wait a second for a reply before going on.)
    """
    patterns = [wanted, CURSOR_POSITION_REQUEST]
    while child.expect_exact(patterns) == 1:
        child.send("\x1b[1;1R")


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    expect(child, prompt)
    child.send(keys)


def finished(child: pexpect.spawn) -> int:
    """Wait for the program to end; its exit status."""
    expect(child, pexpect.EOF)
    child.close()
    assert child.signalstatus is None, f"killed by signal {child.signalstatus}"
    return int(child.exitstatus)


def test_add_form_saves_the_answers(empty_db: Path, terminal):
    child = terminal("add")
    answer(child, "Title:", "Trata de niñas: guía" + ENTER)
    answer(child, "Type:", DOWN + DOWN + ENTER)  # report → research → webinar
    answer(child, "Date", "2021-13" + ENTER)
    expect(child, "not a calendar date")  # the form refuses it and asks again
    child.send("\x7f\x7f" + "05" + ENTER)
    answer(child, "Publisher:", "NHTTAC" + ENTER)
    answer(child, "Summary", "First paragraph." + ENTER + ENTER + "Second." + FINISH_MULTILINE)
    answer(child, "Tags", "Labor Trafficking; Webinar" + ENTER)
    answer(child, "Links", "Recording|https://example.org/webinar|webinar" + ENTER)
    answer(child, "People", "Ana Núñez|speaker|NHTTAC" + ENTER)
    answer(child, "Status:", DOWN + ENTER)  # published → archived
    expect(child, "trata-de-ninas-guia")
    assert finished(child) == 0

    entry = entries_in(empty_db)["trata-de-ninas-guia"]
    assert entry["title"] == "Trata de niñas: guía"
    assert (entry["type"], entry["date"], entry["status"]) == ("webinar", "2021-05", "archived")
    assert entry["publisher"] == "NHTTAC"
    assert entry["summary"] == "First paragraph.\n\nSecond."
    assert entry["tags"] == ["labor-trafficking", "webinar"]
    assert [(link["label"], link["url"], link["kind"]) for link in entry["links"]] == [
        ("Recording", "https://example.org/webinar", "webinar")
    ]
    assert entry["people"] == [
        {"family": "Núñez", "given": "Ana", "role": "speaker", "affiliation": "NHTTAC"}
    ]


def test_add_form_refuses_an_empty_title(empty_db: Path, terminal):
    child = terminal("add")
    answer(child, "Title:", "   " + ENTER)
    expect(child, "required")
    child.send(CTRL_C)
    assert finished(child) == 130
    assert entries_in(empty_db) == {}


def test_edit_form_is_filled_with_the_current_values(seed_db: Path, terminal):
    with change_catalog(seed_db) as catalog:  # a link checked last night keeps its result
        entry = catalog.get(WEBINAR)
        first, *others = entry["links"]
        entry["links"] = [{**first, "check": {"outcome": "ok", "status": 200}}, *others]
        catalog.replace_many([entry], touch=False)
    before = entries_in(seed_db)[WEBINAR]
    assert before["links"][0]["check"] == {"outcome": "ok", "status": 200}
    child = terminal("edit", "labor-trafficking-among")
    expect(child, "Title:")
    expect(child, before["title"])  # offered as the default
    child.send(CLEAR_LINE + "Labor Trafficking Webinar (2019)" + ENTER)
    answer(child, "Type:", ENTER)
    answer(child, "Date", ENTER)
    answer(child, "Publisher:", ENTER)
    answer(child, "Summary", FINISH_MULTILINE)
    expect(child, "Tags")
    expect(child, "agriculture; foreign-nationals")
    child.send(ENTER)
    answer(child, "Links", ENTER)
    expect(child, "People")
    expect(child, "Novak, Jenna|moderator")
    child.send(ENTER)
    answer(child, "Status:", ENTER)
    expect(child, f"updated {WEBINAR}")
    assert finished(child) == 0

    after = entries_in(seed_db)[WEBINAR]
    assert after["title"] == "Labor Trafficking Webinar (2019)"
    unchanged = {k: v for k, v in before.items() if k not in ("title", "updated")}
    assert {k: v for k, v in after.items() if k not in ("title", "updated")} == unchanged
    assert after["updated"] > before["updated"]
    assert after["links"][0]["check"] == {"outcome": "ok", "status": 200}


def test_edit_form_accepted_unchanged_writes_nothing(seed_db: Path, terminal):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla")
    for prompt, keys in [
        ("Title:", ENTER),
        ("Type:", ENTER),
        ("Date", ENTER),
        ("Publisher:", ENTER),
        ("Summary", FINISH_MULTILINE),
        ("Tags", ENTER),
        ("Links", ENTER),
        ("People", ENTER),
        ("Status:", ENTER),
    ]:
        answer(child, prompt, keys)
    assert finished(child) == 0
    assert seed_db.read_bytes() == before


def test_ctrl_c_in_the_add_form_exits_130_and_writes_nothing(seed_db: Path, terminal):
    before = seed_db.read_bytes()
    child = terminal("add")
    answer(child, "Title:", "Half-typed title" + ENTER)
    answer(child, "Type:", ENTER)
    answer(child, "Date", "2020" + ENTER)
    expect(child, "Publisher:")
    child.send(CTRL_C)
    expect(child, "interrupted; nothing was written")
    assert finished(child) == 130
    assert seed_db.read_bytes() == before
    assert not any(seed_db.parent.glob(".*.tmp"))


def test_ctrl_c_at_the_first_question_exits_130(empty_db: Path, terminal):
    before = empty_db.read_bytes()
    child = terminal("add")
    answer(child, "Title:", CTRL_C)
    assert finished(child) == 130
    assert empty_db.read_bytes() == before


def test_ctrl_c_in_the_edit_form_exits_130_and_writes_nothing(seed_db: Path, terminal):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla")
    answer(child, "Title:", CLEAR_LINE + "Changed" + ENTER)
    answer(child, "Type:", CTRL_C)
    assert finished(child) == 130
    assert seed_db.read_bytes() == before


def test_remove_asks_for_confirmation_on_a_terminal(seed_db: Path, terminal):
    child = terminal("remove", "htla")
    answer(child, f"Remove 1 entries: {HTLA}? [y/N]", "n" + ENTER)
    expect(child, "nothing removed")
    assert finished(child) == 0
    assert HTLA in entries_in(seed_db)

    child = terminal("remove", "htla")
    answer(child, "[y/N]", "y" + ENTER)
    assert finished(child) == 0
    assert HTLA not in entries_in(seed_db)


def test_no_input_never_asks_even_on_a_terminal(seed_db: Path, terminal):
    child = terminal("--no-input", "add")
    expect(child, "--title is required")
    assert finished(child) == 2


def test_errors_are_coloured_on_a_terminal_unless_no_color(seed_db: Path, terminal):
    child = terminal("show", "nope", no_color=False)
    expect(child, pexpect.EOF)
    assert "\x1b[1;31mhtcat: error:\x1b[0m no entry with id 'nope'" in child.before
    child = terminal("show", "nope")
    expect(child, pexpect.EOF)
    assert "\x1b[" not in child.before and "htcat: error: no entry" in child.before
