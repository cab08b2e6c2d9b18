"""The app as a whole: help with examples, exit statuses, streams, and cheap start-up."""

from __future__ import annotations

import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from helpers import HTCAT, ROOT
from helpers.gitwork import commit_all, git, isolated_git
from helpers.seeddocs import fetch_seed_transcript
from htcat import __version__
from htcat.cli.app import app, command_named
from htcat.errors import ExitStatus
from htcat.store.file import change_catalog


def commands(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command and group of the app, the root first."""
    command = command or typer.main.get_command(app)
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> Any:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def example_lines(path: tuple[str, ...]) -> list[str]:
    """The lines of the ``Example:`` block of a command's docstring."""
    help_text = command_at(path).help or ""
    block = help_text.partition("Example:")[2]
    return [line.strip() for line in block.splitlines() if line.strip() not in ("", "\b")]


ALL_COMMANDS = list(commands())


def test_the_everyday_commands_are_all_there():
    names = {" ".join(path) for path in ALL_COMMANDS}
    expected = ["init", "add", "show", "edit", "remove", "tag", "tags", "list", "search", "doctor"]
    assert {*expected, "tags rename"} <= names


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "htcat")
def test_every_help_shows_its_example_as_written(cli, path):
    result = cli(*path, "--help", db_path=None)
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    lines = example_lines(path)
    assert lines and all(line.startswith(("htcat", "curl", "cat", "git")) for line in lines[:1])
    shown = [line.strip() for line in result.stdout.splitlines()]
    for line in lines:
        assert line in shown, f"example line rewrapped in --help: {line!r}"


SHELL_GLUE = ("|", "||", "&&", ">")
"""What ends an example's htcat command: a pipe, a list or a redirection."""


def examples() -> Iterator[tuple[str, list[str]]]:
    """Every example of every --help, continuation lines joined: the shell line and the
    words of its htcat command (without what a pipe, ``&&`` or ``>`` does around it)."""
    for path in ALL_COMMANDS:
        line = ""
        for part in example_lines(path):
            line += part.removesuffix("\\")
            if part.endswith("\\"):
                continue
            lexer = shlex.shlex(line, posix=True, punctuation_chars="|&>")
            lexer.whitespace_split = True
            words = list(itertools.dropwhile(lambda w: w != "htcat", lexer))
            if words:
                yield line, list(itertools.takewhile(lambda w: w not in SHELL_GLUE, words))
            line = ""


EXAMPLES = dict(examples())
ONE_ROW_JSONL = '{"title": "A feed entry", "type": "toolkit"}\n'
ONE_ROW_CSV = "title,type\nA spreadsheet entry,toolkit\n"
ONE_RIS_RECORD = "TY  - RPRT\nTI  - A Zotero report\nPY  - 2024\nER  - \n"
SHARING = ("diff", "git", "resolve", "conflicts")
"""Commands whose examples need the catalog in a git repository, with history."""
FOUND_BY = {
    "list": ["--format", "ids"],
    "search": ["--format", "ids"],
    "export": ["--format", "jsonl", "-o", "-"],
}
"""How to see what a selecting example finds: the same command, one line per entry."""


@pytest.mark.parametrize("line", EXAMPLES)
def test_every_help_example_works_on_the_shipped_catalog(
    seed_db: Path, cli, tmp_path, monkeypatch, line
):
    """Each example exits 0, and one that lists or selects finds something. check, fetch,
    nightly, enrich and add --from would reach the internet from the shipped catalog: their
    options are parsed only."""
    words = EXAMPLES[line]
    args = words[1:]
    name = command_named(args)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HTCAT_DB", str(seed_db))
    (tmp_path / "resources.csv").write_text(ONE_ROW_CSV)
    (tmp_path / "zotero-export.ris").write_text(ONE_RIS_RECORD)
    if name in SHARING:
        monkeypatch.setenv("HTCAT_DB", str(shared_repository(tmp_path, seed_db, monkeypatch)))
    if "--in-documents" in args:
        fetch_seed_transcript(seed_db)
    if name in ("check", "fetch", "nightly", "enrich") or "--from" in args:
        group = typer.main.get_command(app)
        at = args.index(name)
        with group.make_context("htcat", [*args[:at], name]) as parent:
            group.commands[name].make_context(name, args[at + 1 :], parent=parent)
        return
    result = cli(*args, db_path=None, input=ONE_ROW_JSONL if "-" in args else None)
    allowed = (0, ExitStatus.FOUND) if "||" in line else (0,)
    assert result.exit_code in allowed, result.stderr
    if "-o" in args:
        assert (tmp_path / args[args.index("-o") + 1]).stat().st_size > 0
    assert " on 0 entries" not in result.stderr, "the example changes nothing"
    if name in FOUND_BY:
        found = cli(*args, *FOUND_BY[name], db_path=None)
        assert found.exit_code == 0 and found.stdout.strip(), "the example finds nothing"


def shared_repository(folder: Path, seed: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``folder`` as a clone sharing the shipped catalog: two commits on main, a branch
    feature, the three sides of a merge beside it, and a title left in conflict."""
    isolated_git(folder, monkeypatch)
    catalog = folder / "data" / "catalog.json"
    catalog.parent.mkdir()
    shutil.copyfile(seed, catalog)
    git(folder, "init", "-q")
    commit_all(folder, "the shipped catalog")
    git(folder, "branch", "feature")
    with change_catalog(catalog) as changing:
        changing.replace({**changing.get("htla-class-6"), "date": "2021-03"})
    commit_all(folder, "a date fixed")
    for side, change in (("base", {}), ("ours", {"title": "HTLA 6"}), ("theirs", {"date": "2021"})):
        shutil.copyfile(seed, folder / f"{side}.json")
        with change_catalog(folder / f"{side}.json") as changing:
            changing.replace({**changing.get("htla-class-6"), **change})
    conflicted, other = folder / "conflicted.json", folder / "other.json"
    shutil.copyfile(folder / "ours.json", conflicted)
    shutil.copyfile(folder / "base.json", other)
    with change_catalog(other) as changing:
        changing.replace({**changing.get("htla-class-6"), "title": "HTLA Class Six"})
    merged = CliRunner().invoke(
        app, ["git", "merge", "base.json", str(conflicted), str(other)], catch_exceptions=False
    )
    assert merged.exit_code == ExitStatus.FOUND, merged.stderr
    shutil.copyfile(conflicted, catalog)
    return catalog


README_WIDTH = 80
"""The terminal width the README's tour shows htcat's tables at."""


def readme_tour() -> list[tuple[str, list[str]]]:
    """The commands of the README's tour, each with the lines it shows htcat printing."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## A short tour", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    tour: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            tour.append((line[2:], []))
        elif tour and tour[-1][0].endswith("\\"):
            tour[-1] = (tour[-1][0][:-1] + line.strip(), [])
        elif tour:
            tour[-1][1].append(line)
    return tour


def test_the_readme_tour_shows_what_htcat_prints(seed_db: Path, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(README_WIDTH))
    fetch_seed_transcript(seed_db)
    status = None
    for command, shown in readme_tour():
        if command == "echo $?":
            assert shown == [str(status)]
            continue
        lexer = shlex.shlex(command, posix=True, punctuation_chars="<")
        lexer.whitespace_split = True
        words = list(itertools.takewhile(lambda w: w != "<", lexer))
        result = cli(*words[1:])
        status = result.exit_code
        printed = (result.stdout + result.stderr).splitlines()
        while shown and not shown[-1]:
            shown.pop()
        if shown and shown[-1] == "…":  # the README shows the beginning only
            shown.pop()
            printed = printed[: len(shown)]
        assert printed == shown, command


def test_short_help_option(cli):
    assert "Example:" in cli("list", "-h", db_path=None).stdout


def test_version_names_the_schema_and_the_commit_it_runs_from(cli):
    from htcat.store.image import SCHEMA_VERSION

    result = cli("--version", db_path=None)
    assert result.exit_code == 0
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    built = f", git {head[:12]}" if head else ""
    assert result.stdout.startswith(f"htcat {__version__} (catalog schema {SCHEMA_VERSION}{built}")
    assert result.stdout.endswith(")\n")


def test_a_newer_schema_names_a_version_other_than_this_one(tmp_path: Path, cli):
    from htcat.store.image import SCHEMA_VERSION

    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"_meta": {"1": {"schema": SCHEMA_VERSION + 1}}, "entries": {}}))
    result = cli("list", db_path=newer)
    assert result.exit_code == 3 and "upgrade htcat" in result.stderr
    assert __version__.split(".")[1] == str(SCHEMA_VERSION), "the minor number is the schema"


def test_root_help_documents_every_exit_status(cli):
    text = " ".join(cli("--help", db_path=None).stdout.split())
    for status in (
        "0 done",
        "1 done and something wrong was found",
        "2 bad usage",
        "3 the catalog",
        "70 an internal error",
    ):
        assert status in text
    assert "130 interrupted" in text


# --- exit statuses ----------------------------------------------------------------------------


def test_exit_0_when_done(seed_db: Path, cli):
    assert cli("list").exit_code == 0


def test_exit_1_when_something_wrong_is_found(seed_db: Path, cli):
    assert cli("tag", "htla", "--add", "x").exit_code == 0
    data = json.loads(seed_db.read_text())
    data["entries"]["2"]["type"] = "podcast"
    seed_db.write_text(json.dumps(data))
    assert cli("doctor").exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--no-such-option"],
        ["no-such-command"],
        ["show"],
        ["show", "no-such-id"],
        ["add", "--title", "T", "--type", "podcast"],
        ["list", "--limit", "ten"],
    ],
)
def test_exit_2_on_bad_usage_or_input(seed_db: Path, cli, args):
    before = seed_db.read_bytes()
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr
    assert seed_db.read_bytes() == before


def test_exit_3_when_the_catalog_cannot_be_read(db: Path, cli):
    db.write_text("{not json")
    result = cli("list")
    assert result.exit_code == 3
    assert result.stderr.startswith("htcat: error: catalog ")


BUGGY_HTCAT = """
import sys
import htcat.cli.entries
def broken(*args, **kwargs):
    raise KeyError("a bug in htcat")
htcat.cli.entries.get_entry = broken
sys.argv = ["htcat", *sys.argv[1:]]
from htcat.cli.app import main
main()
"""
"""htcat with a bug planted in `show`: what a person sees when htcat itself fails."""


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_internal_error_is_one_line_and_exit_70(seed_db: Path, debug):
    result = subprocess.run(
        [sys.executable, "-c", BUGGY_HTCAT, "--db", str(seed_db), "show", "htla"],
        capture_output=True,
        text=True,
        env={**os.environ, "HTCAT_DEBUG": debug},
        check=False,
    )
    assert result.returncode == ExitStatus.INTERNAL == 70
    *traceback, last = result.stderr.splitlines()
    assert last == (
        "htcat: internal error: KeyError: 'a bug in htcat'; please report it with the "
        "command you ran (HTCAT_DEBUG=1 shows the traceback)"
    )
    assert bool(traceback) == bool(debug)
    assert not debug or traceback[0] == "Traceback (most recent call last):"


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (
            ["list", "--db", "x.json"],
            "--db is a global option: put it before the command: htcat --db x.json list",
        ),
        (
            ["tags", "rename", "a", "--lock-timeout=3", "b"],
            "--lock-timeout is a global option: "
            "put it before the command: htcat --lock-timeout=3 tags rename a b",
        ),
        (["search", "labor", "--no-input"], "htcat --no-input search labor"),
        (
            ["--db", "a.json", "list", "--db", "b.json", "--tag", "x"],
            "--db is given twice; give it once: put it before the command: "
            "htcat --db b.json list --tag x",
        ),
    ],
)
def test_a_global_option_after_the_command_says_where_it_goes(cli, args, suggestion):
    result = cli(*args, db_path=None)
    assert result.exit_code == 2
    assert suggestion in " ".join(result.stderr.split())


def test_errors_are_one_line_on_stderr(seed_db: Path, cli):
    result = cli("show", "nope")
    assert result.stderr == "htcat: error: no entry with id 'nope'\n"
    assert result.stdout == ""


def test_results_on_stdout_messages_on_stderr(empty_db: Path, cli):
    added = cli("add", "--title", "Streams")
    assert (added.stdout, added.stderr) == ("streams\n", "")
    edited = cli("edit", "streams", "--set", "date=2020")
    assert edited.stdout == "" and edited.stderr == "updated streams\n"


# --- start-up ---------------------------------------------------------------------------------

HEAVY = (
    "httpx",
    "h11",
    "questionary",
    "pypdf",
    "pypdfium2",
    "jinja2",
    "prompt_toolkit",
    "tinydb",
    "lxml",
    "htmldate",
)

RUN_MAIN = textwrap.dedent(
    """
    import json, sys
    from htcat.cli.app import main
    runs, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    report = []
    for args in runs:
        sys.argv = ["htcat", *args]
        status = None
        try:
            main()
        except SystemExit as exit:
            status = exit.code
        sys.stdout.flush()
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
        report.append({"args": args, "status": status, "loaded": loaded})
    print(json.dumps(report), file=sys.stderr)
    """
)
READING = [
    ["--help"],
    ["list"],
    ["list", "--format", "json"],
    ["show", "htla"],
    ["tags"],
    ["doctor"],
]


def run_main(db: Path, runs: list[list[str]], prelude: str = "") -> list[dict[str, Any]]:
    """Run the app's main once per argument list in one fresh Python; what each left loaded."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            prelude + RUN_MAIN,
            json.dumps([["--db", str(db), *args] for args in runs]),
            json.dumps(HEAVY),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert "Displaying 1 - 5 of 5" in result.stdout or runs != READING, result.stderr
    return list(json.loads(result.stderr.splitlines()[-1]))


def test_reading_commands_do_not_import_heavy_libraries(seed_db: Path):
    """Start-up is a feature: the network, form and PDF libraries load only where used.

    The commands run one after the other in one process; modules only pile up,
    so the first run that shows one is the one that imported it.
    """
    for run in run_main(seed_db, READING):
        assert run["status"] in (0, None), run
        assert run["loaded"] == [], f"{run['args']} imported {run['loaded']}"


def test_the_start_up_check_would_see_a_heavy_import(seed_db: Path):
    """The check above is live: a process that did import questionary is caught."""
    report = run_main(seed_db, [["list"]], prelude="import questionary\n")
    assert "questionary" in report[0]["loaded"]


def test_every_command_is_mapped_to_its_module_and_built_alone():
    from typer.main import get_command

    from htcat.cli.app import COMMAND_MODULES, build_app, command_named

    whole = get_command(build_app())
    assert sorted(whole.commands) == sorted(COMMAND_MODULES)  # type: ignore[attr-defined]
    for name in COMMAND_MODULES:
        alone = get_command(build_app(name))
        assert name in alone.commands  # type: ignore[attr-defined]
    assert command_named(["--db", "x.json", "--no-input", "list", "--tag", "t"]) == "list"
    assert command_named(["--lock-timeout", "3", "tags", "rename", "a", "b"]) == "tags"
    assert command_named(["--help", "list"]) is None
    assert command_named([]) is None


def test_completion_builds_only_the_command_whose_line_is_completed():
    """A Tab runs htcat: only the words typed in full pick the command to build."""
    from htcat.cli.app import command_named, completed_words

    bash = {"COMP_WORDS": "htcat --db 'my cat.json' show htla", "COMP_CWORD": "4"}
    assert completed_words(bash) == ["--db", "my cat.json", "show"]
    assert command_named(completed_words(bash)) == "show"
    typing_the_command = {"COMP_WORDS": "htcat sh", "COMP_CWORD": "1"}
    assert command_named(completed_words(typing_the_command)) is None, "every command is offered"
    assert completed_words({"_TYPER_COMPLETE_ARGS": "htcat list --tag su"}) == ["list", "--tag"]
    assert completed_words({"_TYPER_COMPLETE_ARGS": "htcat list "}) == ["list"]
    assert completed_words({"COMP_WORDS": 'htcat search "unclosed', "COMP_CWORD": "2"}) == [
        "search"
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--bogus"], "htcat: error: No such option: --bogus (see 'htcat -h')"),
        (
            ["list", "--limit", "x"],
            "htcat: error: Invalid value for '--limit': 'x' is not a valid int range. "
            "(see 'htcat list -h')",
        ),
        (["nosuch"], "htcat: error: No such command 'nosuch'. (see 'htcat -h')"),
    ],
)
def test_usage_errors_are_one_line_in_htcats_own_style(seed_db: Path, args, line):
    done = subprocess.run(
        [str(HTCAT), "--db", str(seed_db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert (done.returncode, done.stderr) == (2, line + "\n")
