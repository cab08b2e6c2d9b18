"""Shell completion from the catalog: ids, tags, types, statuses and kinds, through click's
completion machinery as the shell's completion script drives it."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import HTCAT, entries_in
from htcat.cli.app import app
from htcat.model import LINK_KINDS, STATUSES, TYPES
from htcat.query import LINK_STATUSES

HTLA = "htla-class-6-recommendations-report"


@pytest.fixture(params=["file", "index"])
def read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Complete from the JSON file read whole, or from the SQLite index (forced for any size)."""
    if request.param == "index":
        monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    return str(request.param)


def completions(line: str, db: Path | None = None) -> list[str]:
    """What bash's completion script gets for ``line`` (the last word is being typed)."""
    words = ["htcat", *(["--db", str(db)] if db else []), *shlex.split(line)]
    if line.endswith(" ") or not line:
        words.append("")
    env = {
        "_HTCAT_COMPLETE": "complete_bash",
        "COMP_WORDS": shlex.join(words),
        "COMP_CWORD": str(len(words) - 1),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="htcat", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_ids_complete_from_the_catalog(seed_db: Path, read_path: str):
    everything = sorted(entries_in(seed_db))
    assert completions("show ", seed_db) == everything
    assert completions("show ht", seed_db) == [HTLA]
    assert completions("edit information-memorandum-h", seed_db) == [everything[2]]
    assert completions(f"remove {HTLA} lab", seed_db) == [everything[3]]
    assert completions("tag --add x ", seed_db) == everything
    assert completions("check ", seed_db) == everything


def test_tags_complete_from_the_catalog(seed_db: Path, read_path: str):
    tags = sorted({t for e in entries_in(seed_db).values() for t in e["tags"]})
    assert completions("list --tag ", seed_db) == tags
    assert completions("tag --remove supply", seed_db) == ["supply-chains"]
    assert completions("tags rename da", seed_db) == [t for t in tags if t.startswith("da")]
    assert completions("add --tag web", seed_db) == ["webinar"]


def test_fixed_names_complete_instead_of_file_names():
    assert completions("list --type ") == list(TYPES)
    assert completions("search --type fa") == ["fact-sheet"]
    assert completions("add --type r") == ["report", "research"]
    assert completions("export --status ") == list(STATUSES)
    assert completions("check --link-status b") == ["broken"]
    assert completions("list --link-status ") == list(LINK_STATUSES)
    assert completions("fetch --kind ") == list(LINK_KINDS)
    assert completions("add --link 'Slides|https://example.org/s.pdf|sl'") == [
        "Slides|https://example.org/s.pdf|slides"
    ]


def test_a_missing_catalog_completes_to_nothing(tmp_path: Path):
    assert completions("show ", tmp_path / "missing.json") == []
    assert completions("list --tag ", tmp_path / "missing.json") == []


def test_the_installed_htcat_completes_ids_in_its_own_process(seed_db: Path):
    words = ["htcat", "--db", str(seed_db), "show", "htla"]
    env = {
        **os.environ,
        "_HTCAT_COMPLETE": "complete_bash",
        "COMP_WORDS": shlex.join(words),
        "COMP_CWORD": "4",
    }
    done = subprocess.run([HTCAT], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, HTLA + "\n", "")


def test_file_formats_complete_to_their_names(seed_db: Path):
    assert completions("export --format ", seed_db) == [
        "json",
        "jsonl",
        "csv",
        "markdown",
        "html",
        "csl-json",
        "ris",
        "bibtex",
    ]
    assert completions("export --format cs", seed_db) == ["csv", "csl-json"]
    assert completions("import x.txt --format b", seed_db) == ["bibtex"]
