"""A person at a terminal: the questionary forms driven through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from helpers import HTCAT, entries_in
from htcat.cli.editor import editor_command
from htcat.errors import InputError
from htcat.store.file import change_catalog

pytestmark = pytest.mark.slow  # a real terminal for each of many forms

HTLA = "htla-class-6-recommendations-report"
WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"
DOWN = "\x1b[B"
UP = "\x1b[A"
ENTER = "\r"
FINISH_MULTILINE = "\x1b\r"  # Esc then Enter
CLEAR_LINE = "\x15"  # Ctrl-U
CTRL_C = "\x03"
CTRL_D = "\x04"

Spawn = Callable[..., pexpect.spawn]


@pytest.fixture
def terminal(db: Path) -> Iterator[Spawn]:
    """Start ``htcat --db DB ARGS…`` on a pseudo-terminal of a fixed size, as a person would."""
    children: list[pexpect.spawn] = []
    env = {k: v for k, v in os.environ.items() if k not in ("HTCAT_DB", "NO_COLOR")}
    env.update(TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS="120", LINES="40")

    def spawn(*args: str, no_color: bool = True, **more_env: str) -> pexpect.spawn:
        child = pexpect.spawn(
            str(HTCAT),
            ["--db", str(db), *args],
            env={**env, **({"NO_COLOR": "1"} if no_color else {}), **more_env},
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
    # From `other`, the type the command line gives an entry without --type, up to webinar.
    answer(child, "Type:", UP * 6 + ENTER)
    answer(child, "Date", "2021-13" + ENTER)
    expect(child, "not a calendar date")  # the form refuses it and asks again
    child.send("\x7f\x7f" + "05" + ENTER)
    answer(child, "Publisher:", "NHTTAC" + ENTER)
    answer(child, "Summary", "First paragraph." + ENTER + ENTER + "Second." + FINISH_MULTILINE)
    answer(child, "Tags", "Labor Trafficking, Outreach; Webinar" + ENTER)
    answer(child, "Links", "Recording|https://example.org/webinar|webinar" + ENTER)
    answer(child, "People", "Ana Núñez|speaker|NHTTAC" + ENTER)
    answer(child, "Audiences", "law enforcement; health professionals" + ENTER)
    answer(child, "Status:", DOWN + ENTER)  # published → archived
    answer(child, "Internal notes", "From the May call." + FINISH_MULTILINE)
    expect(child, "trata-de-ninas-guia")
    assert finished(child) == 0

    entry = entries_in(empty_db)["trata-de-ninas-guia"]
    assert entry["title"] == "Trata de niñas: guía"
    assert (entry["type"], entry["date"], entry["status"]) == ("webinar", "2021-05", "archived")
    assert entry["publisher"] == "NHTTAC"
    assert entry["summary"] == "First paragraph.\n\nSecond."
    assert entry["tags"] == ["labor-trafficking", "outreach", "webinar"]  # no tag holds a comma
    assert [(link["label"], link["url"], link["kind"]) for link in entry["links"]] == [
        ("Recording", "https://example.org/webinar", "webinar")
    ]
    assert entry["people"] == [
        {"family": "Núñez", "given": "Ana", "role": "speaker", "affiliation": "NHTTAC"}
    ]
    assert entry["audiences"] == ["law enforcement", "health professionals"]
    assert entry["notes"] == "From the May call."


def test_the_type_is_picked_by_typing_and_the_hint_is_said_once(empty_db: Path, terminal):
    child = terminal("add")
    answer(child, "Title:", "Typed ahead" + ENTER)
    answer(child, "Type:", "tool" + ENTER)  # type-ahead, no arrows
    answer(child, "Date", ENTER)
    answer(child, "Publisher:", ENTER)
    expect(child, "Summary:")
    expect(child, "(Esc then Enter to finish)")
    summary_line = child.before + child.after
    child.send("Short." + FINISH_MULTILINE)
    expect(child, "Tags")
    said = child.before
    child.send(ENTER)
    for prompt, keys in (("Links", ENTER), ("People", ENTER), ("Audiences", ENTER)):
        answer(child, prompt, keys)
    answer(child, "Status:", ENTER)
    answer(child, "Internal notes", "n" + FINISH_MULTILINE)
    expect(child, "typed-ahead")
    assert finished(child) == 0
    assert entries_in(empty_db)["typed-ahead"]["type"] == "toolkit"
    assert "Alt+Enter" not in summary_line + said, "questionary's own hint is not said as well"
    assert len("? Summary: (Esc then Enter to finish)") <= 80


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
        # ...and what the form does not show stays: a name's suffix, the citation.
        entry["people"] = [{**entry["people"][0], "suffix": "Jr."}, *entry["people"][1:]]
        entry["citation"] = {"number": "Webinar 12"}
        catalog.replace_many([entry], touch=False)
    before = entries_in(seed_db)[WEBINAR]
    assert before["links"][0]["check"] == {"outcome": "ok", "status": 200}
    assert before["people"][0]["suffix"] == "Jr." and before["citation"]
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
    answer(child, "Audiences", ENTER)
    answer(child, "Status:", ENTER)
    answer(child, "Internal notes", FINISH_MULTILINE)
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
        ("Audiences", ENTER),
        ("Status:", ENTER),
        ("Internal notes", FINISH_MULTILINE),
    ]:
        answer(child, prompt, keys)
    expect(child, f"no change to {HTLA}")
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


@pytest.mark.parametrize("key", [CTRL_C, CTRL_D], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_in_the_edit_form_exits_130_and_writes_nothing(
    seed_db: Path, terminal, key
):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla")
    answer(child, "Title:", CLEAR_LINE + "Changed" + ENTER)
    answer(child, "Type:", ENTER)
    answer(child, "Date", CLEAR_LINE + key)
    expect(child, "interrupted; nothing was written")
    assert finished(child) == 130
    assert seed_db.read_bytes() == before


def test_remove_asks_for_confirmation_on_a_terminal(seed_db: Path, terminal):
    child = terminal("remove", "htla")
    expect(child, "1 entry selected:")
    expect(child, f"  HTLA Class 6 Recommendations Report  ({HTLA})")
    answer(child, "Remove it? [y/N]", "n" + ENTER)
    expect(child, "nothing removed")
    assert finished(child) == 0
    assert HTLA in entries_in(seed_db)

    child = terminal("remove", "htla")
    answer(child, "[y/N]", "y" + ENTER)
    assert finished(child) == 0
    assert HTLA not in entries_in(seed_db)


def test_remove_by_filters_asks_naming_what_they_select(seed_db: Path, terminal):
    child = terminal("remove", "--type", "webinar")
    answer(child, f"({WEBINAR})\r\nRemove it? [y/N]", "y" + ENTER)
    expect(child, "removed 1 entry")
    assert finished(child) == 0
    assert WEBINAR not in entries_in(seed_db) and len(entries_in(seed_db)) == 4


def test_remove_lists_the_titles_one_a_line(seed_db: Path, terminal):
    child = terminal("remove", "--status", "published")
    expect(child, "5 entries selected:\r\n  ")
    expect(child, "Remove them? [y/N]")
    asked = child.before.splitlines()
    assert len(asked) == 5 and all(line.endswith(")") and "  (" in line for line in asked)
    child.send("n" + ENTER)
    expect(child, "nothing removed")
    assert finished(child) == 0


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


@pytest.mark.parametrize("key", [CTRL_C, CTRL_D], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_at_the_remove_question_exits_130(seed_db: Path, terminal, key):
    before = seed_db.read_bytes()
    child = terminal("remove", "htla")
    answer(child, "[y/N]", key)
    expect(child, "interrupted; nothing was written")
    assert finished(child) == 130
    assert "Aborted" not in child.before
    assert seed_db.read_bytes() == before


def test_ctrl_d_in_the_add_form_exits_130(empty_db: Path, terminal):
    child = terminal("add")
    answer(child, "Title:", CTRL_D)
    expect(child, "interrupted; nothing was written")
    assert finished(child) == 130
    assert entries_in(empty_db) == {}


# --- edit in $EDITOR ----------------------------------------------------------------------------

FAKE_EDITOR = """
import json, pathlib, sys
here = pathlib.Path(sys.argv[0]).parent
path = pathlib.Path(sys.argv[-1])
with open(here / "seen.jsonl", "a") as seen:
    seen.write(json.dumps({"path": str(path), "text": path.read_text()}) + "\\n")
answers = json.loads((here / "answers.json").read_text())
answer = answers.pop(0)
(here / "answers.json").write_text(json.dumps(answers))
if isinstance(answer, int):
    sys.exit(answer)
if isinstance(answer, dict):  # Ctrl-C typed while editing: the editor's to handle
    import os, signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.killpg(0, signal.SIGINT)
    answer = answer["then"]
if answer == "DELETE":
    path.unlink()
elif answer is not None:
    path.write_bytes(answer.encode("utf-8", "surrogateescape"))
"""
"""An editor that saves the next of its answers: text, None (quit unchanged) or an exit status."""


@pytest.fixture
def fake_editor(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """The environment for htcat with ``EDITOR`` set to `FAKE_EDITOR` and the given answers."""
    folder = tmp_path / "editor"
    folder.mkdir()
    (folder / "editor.py").write_text(FAKE_EDITOR)

    def with_answers(*answers: str | int | None) -> dict[str, str]:
        (folder / "answers.json").write_text(json.dumps(list(answers)))
        return {"EDITOR": f"{sys.executable} {folder / 'editor.py'}", "TMPDIR": str(tmp_path)}

    return with_answers


def seen_by_editor(tmp_path: Path) -> list[dict[str, str]]:
    lines = (tmp_path / "editor" / "seen.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def stored_json(db: Path, ident: str) -> dict[str, object]:
    return dict(entries_in(db)[ident])


def test_editor_reopens_a_bad_save_with_the_error_and_the_text_kept(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    fixed = {**stored_json(seed_db, HTLA), "title": "Fixed in the editor"}
    broken = json.dumps(fixed, indent=2)[:-3]
    unknown = json.dumps({**fixed, "tittle": "typo"})
    child = terminal("edit", "htla", "--editor", **fake_editor(broken, unknown, json.dumps(fixed)))
    expect(child, f"updated {HTLA}")
    assert finished(child) == 0
    first, second, third = seen_by_editor(tmp_path)
    assert first["text"].startswith("# Edit the entry below")
    assert second["text"].startswith("# not saved: line ")
    assert "unexpected end of data" in second["text"].splitlines()[0]
    assert broken in second["text"]  # the person's text, kept under the error
    assert third["text"].startswith("# not saved: tittle 'typo': unknown field; did you mean")
    assert stored_json(seed_db, HTLA)["title"] == "Fixed in the editor"
    assert not Path(first["path"]).exists()


def test_giving_up_after_a_bad_save_keeps_the_file_and_prints_its_path(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla", "--editor", **fake_editor('{"id": "renamed"', None))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    path = Path(seen_by_editor(tmp_path)[0]["path"])
    assert f"not saved; your text is kept in {path}" in " ".join(child.before.split())
    assert '{"id": "renamed"' in path.read_text()
    assert seed_db.read_bytes() == before


def test_an_editor_that_fails_leaves_the_file_and_says_where(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla", "--editor", **fake_editor(3))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    path = Path(seen_by_editor(tmp_path)[0]["path"])
    said = " ".join(child.before.split())
    assert f"exited with status 3; nothing changed; the file is kept in {path}" in said
    assert path.exists() and seed_db.read_bytes() == before


def test_ctrl_c_while_editing_is_the_editors_and_htcat_waits_for_it(
    seed_db: Path, terminal, fake_editor
):
    fixed = {**stored_json(seed_db, HTLA), "title": "Saved after a Ctrl-C"}
    child = terminal("edit", "htla", "--editor", **fake_editor({"then": json.dumps(fixed)}))
    expect(child, f"updated {HTLA}")
    assert finished(child) == 0
    assert stored_json(seed_db, HTLA)["title"] == "Saved after a Ctrl-C"


@pytest.mark.parametrize(
    ("saved", "message"),
    [("DELETE", "removed {path}; nothing changed"), ("{\udcff}", "{path} byte 2 is not UTF-8")],
)
def test_a_file_the_editor_removed_or_left_unreadable_is_one_line_and_exit_2(
    seed_db: Path, terminal, fake_editor, tmp_path, saved, message
):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla", "--editor", **fake_editor(saved))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    path = seen_by_editor(tmp_path)[0]["path"]
    assert message.format(path=path) in " ".join(child.before.split())
    assert seed_db.read_bytes() == before


def test_an_editor_closed_unchanged_says_so_and_writes_nothing(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    before = seed_db.read_bytes()
    child = terminal("edit", "htla", "--editor", **fake_editor(None))
    expect(child, f"no change to {HTLA}")
    assert finished(child) == 0
    assert seed_db.read_bytes() == before
    assert not Path(seen_by_editor(tmp_path)[0]["path"]).exists()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/nonexistent", "$EDITOR '/nonexistent': cannot run it: No such file or directory"),
        ('"unclosed', "$EDITOR '\"unclosed': No closing quotation"),
    ],
)
def test_an_editor_that_cannot_start_is_one_line_and_exit_2(
    seed_db: Path, terminal, tmp_path, command, message
):
    child = terminal("edit", "htla", "--editor", EDITOR=command, TMPDIR=str(tmp_path))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert child.before.strip().splitlines() == [f"htcat: error: {message}"]
    assert not list(tmp_path.glob("htcat-*"))


def test_no_input_refuses_the_editor_even_on_a_terminal(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    child = terminal("--no-input", "edit", "htla", "--editor", **fake_editor("{}"))
    expect(child, "--editor needs a terminal")
    assert finished(child) == 2
    assert not (tmp_path / "editor" / "seen.jsonl").exists()


def test_visual_is_preferred_to_editor():
    named, words = editor_command({"VISUAL": "code --wait", "EDITOR": "vi"})
    assert (named, words) == ("$VISUAL 'code --wait'", ["code", "--wait"])
    assert editor_command({})[1] == ["vi"]
    with pytest.raises(InputError, match="names no program"):
        editor_command({"EDITOR": "  "})


def test_add_from_opens_the_form_prefilled_with_the_proposal(empty_db: Path, terminal):
    from helpers.intake_site import IntakeSite

    site = IntakeSite().start()
    try:
        child = terminal("add", "--from", site.url("/pages/salon.com.emissions.html"))
        expect(child, "Title:")
        expect(child, "Despite everything, U.S. emissions dipped in 2019")  # the default
        child.send(CLEAR_LINE + "U.S. emissions dipped in 2019" + ENTER)
        answer(child, "Type:", ENTER)
        expect(child, "2020-01-10")
        child.send(ENTER)
        expect(child, "Salon.com")
        child.send(ENTER)
        answer(child, "Summary", FINISH_MULTILINE)
        answer(child, "Tags", ENTER)
        answer(child, "Links", ENTER)
        expect(child, "People")
        expect(child, "Johnson, Nathanael|author")
        child.send(ENTER)
        answer(child, "Audiences", ENTER)
        answer(child, "Status:", ENTER)
        answer(child, "Internal notes", FINISH_MULTILINE)
        expect(child, "u-s-emissions-dipped-in-2019")
        assert finished(child) == 0
    finally:
        site.stop()
    (entry,) = entries_in(empty_db).values()
    assert entry["title"] == "U.S. emissions dipped in 2019"
    assert entry["date"] == "2020-01-10"
    assert entry["links"][0]["url"] == site.url("/pages/salon.com.emissions.html")


# --- every refusal of an editor save keeps the text ----------------------------------------------

WEBINAR_PDF = (
    "https://www.acf.hhs.gov/sites/default/files/documents/otip/"
    "labor_trafficking_foreign_nationals_webinar_qa_responses.pdf"
)


def test_a_link_another_entry_has_reopens_the_editor_with_the_text_kept(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    entry = stored_json(seed_db, HTLA)
    repeated = {**entry, "links": [*entry["links"], {"url": WEBINAR_PDF, "kind": "pdf"}]}
    fixed = {**entry, "title": "Without the other entry's link"}
    saves = (json.dumps(repeated, indent=2), json.dumps(fixed))
    child = terminal("edit", "htla", "--editor", **fake_editor(*saves))
    expect(child, f"updated {HTLA}")
    assert finished(child) == 0
    _opened, second = seen_by_editor(tmp_path)
    header = second["text"].splitlines()[0]
    assert header.startswith("# not saved: links") and WEBINAR in header
    assert WEBINAR_PDF in second["text"].split("\n{", 1)[1], "the person's text is kept"
    assert stored_json(seed_db, HTLA)["title"] == "Without the other entry's link"


def test_every_problem_of_a_save_is_shown_at_once(seed_db: Path, terminal, fake_editor, tmp_path):
    entry = stored_json(seed_db, HTLA)
    bad = json.dumps({**entry, "tittle": "typo", "date": "2021-13-45", "updated": "x"})
    child = terminal("edit", "htla", "--editor", **fake_editor(bad, None))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    problems = [
        line for line in seen_by_editor(tmp_path)[1]["text"].splitlines() if "not saved:" in line
    ]
    assert [p.split()[3] for p in problems] == ["updated", "tittle", "date"]


def test_a_kept_edit_file_can_be_fed_back_with_its_hash_lines(
    seed_db: Path, terminal, fake_editor, tmp_path
):
    entry = stored_json(seed_db, HTLA)
    bad = json.dumps({**entry, "title": "Kept for later", "date": "not a date"}, indent=2)
    child = terminal("edit", "htla", "--editor", **fake_editor(bad, None))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    path = Path(seen_by_editor(tmp_path)[0]["path"])
    said = " ".join(child.before.split())
    assert f"try again with: htcat edit {HTLA} --from {path}" in said
    kept = path.read_text()
    assert kept.startswith("# not saved: date")
    path.write_text(kept.replace('"not a date"', '"2021-03"'))

    fed = subprocess.run(
        [HTCAT, "--db", seed_db, "edit", "htla", "--from", path],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )

    assert fed.returncode == 0, fed.stderr
    assert fed.stderr == f"updated {HTLA}\n"
    assert (stored_json(seed_db, HTLA)["title"], stored_json(seed_db, HTLA)["date"]) == (
        "Kept for later",
        "2021-03",
    )


def test_a_catalog_that_cannot_be_written_keeps_the_saved_text(
    seed_db: Path, terminal, fake_editor, tmp_path, lock_held
):
    before = seed_db.read_bytes()
    saved = json.dumps({**stored_json(seed_db, HTLA), "title": "Waiting for the lock"})
    child = terminal("--lock-timeout", "0", "edit", "htla", "--editor", **fake_editor(saved))
    expect(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    path = Path(seen_by_editor(tmp_path)[0]["path"])
    said = " ".join(child.before.split())
    assert "locked by another htcat" in said and f"your text is kept in {path}" in said
    assert path.read_text() == saved
    assert seed_db.read_bytes() == before


def test_edit_from_refuses_other_changes_and_a_missing_file(seed_db: Path, tmp_path: Path):
    def edit(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [HTCAT, "--db", seed_db, "edit", "htla", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    missing = tmp_path / "missing.json"
    assert edit("--from", missing).stderr == (
        f"htcat: error: --from {missing}: No such file or directory\n"
    )
    (tmp_path / "entry.json").write_text("{}")
    both = edit("--from", tmp_path / "entry.json", "--add-tag", "x")
    assert both.returncode == 2 and "--from takes the whole entry" in both.stderr
