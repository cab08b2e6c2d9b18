"""htcat import: files and stdin, all or nothing, reports, conflicts, one write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import entries_in, write_catalog
from htcat.store.image import dump_json, parse_image

SPREADSHEET_CSV = (
    "\ufeffTitle,Type,Summary,Links,Tags,People\r\n"
    '"Webinar: Outreach, Part 1",webinar,"First paragraph, with a comma.\r\n\r\n'
    'Second ""quoted"" paragraph.",'
    "Recording|https://example.org/webinar|webinar;https://example.org/qa.pdf,"
    "Labor Trafficking;Outreach,Jenna Novak|moderator|NHTTAC\r\n"
    "Fact sheet,fact-sheet,,https://example.org/fs.pdf,,\r\n"
).encode()


def put(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_a_spreadsheet_csv_imports(empty_db: Path, tmp_path: Path, cli):
    result = cli("import", str(put(tmp_path, "sheet.csv", SPREADSHEET_CSV)))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "added 2, updated 0, skipped 0\n"
    webinar = entries_in(empty_db)["webinar-outreach-part-1"]
    assert webinar["summary"] == 'First paragraph, with a comma.\n\nSecond "quoted" paragraph.'
    assert [(link["url"], link["kind"]) for link in webinar["links"]] == [
        ("https://example.org/webinar", "webinar"),
        ("https://example.org/qa.pdf", "pdf"),
    ]
    assert webinar["tags"] == ["labor-trafficking", "outreach"]
    assert webinar["people"] == [
        {"family": "Novak", "given": "Jenna", "role": "moderator", "affiliation": "NHTTAC"}
    ]


def test_standard_input_is_read_with_dash_and_format(empty_db: Path, cli):
    lines = '{"title": "One"}\n{"title": "Two", "type": "report"}\n'
    result = cli("import", "-", "--format", "jsonl", input=lines)
    assert result.exit_code == 0, result.stderr
    assert set(entries_in(empty_db)) == {"one", "two"}


def test_standard_input_without_format_is_refused(empty_db: Path, cli):
    result = cli("import", "-", input="title\nA\n")
    assert result.exit_code == 2
    assert "give --format csv|json|jsonl" in result.stderr


@pytest.mark.parametrize("name", ["in.jsonl", "in.ndjson", "IN.JSONL"])
def test_the_format_comes_from_the_file_name(empty_db: Path, tmp_path: Path, cli, name: str):
    result = cli("import", str(put(tmp_path, name, '{"title": "A"}\n')))
    assert result.exit_code == 0, result.stderr


def test_an_unknown_file_name_needs_format(empty_db: Path, tmp_path: Path, cli):
    path = put(tmp_path, "resources.txt", "title\nA\n")
    assert cli("import", str(path)).exit_code == 2
    assert cli("import", str(path), "--format", "csv").exit_code == 0


def test_a_missing_file_is_bad_input(empty_db: Path, tmp_path: Path, cli):
    result = cli("import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv: no such file" in result.stderr


def test_a_missing_catalog_is_exit_3(db: Path, tmp_path: Path, cli):
    result = cli("import", str(put(tmp_path, "in.csv", "title\nA\n")))
    assert result.exit_code == 3
    assert "htcat init" in result.stderr


def test_one_bad_row_among_1000_writes_nothing_and_names_it(
    seed_db: Path, tmp_path: Path, cli, count_writes: list[Path]
):
    before = seed_db.read_bytes()
    lines = ["title,type,links"]
    lines += [f"Entry {n},report,https://example.org/{n}.pdf" for n in range(1000)]
    lines[613] = "Entry 612,reprot,https://example.org/612.pdf"
    path = put(tmp_path, "big.csv", "\n".join(lines) + "\n")
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"htcat: error: {path}: 1 bad row, nothing imported",
        "  row 614 (line 614): type 'reprot': must be one of information-memorandum, report, "
        "research, webinar, fact-sheet, toolkit, training, guidance, data, other",
        "to import the valid rows and set these aside, add --skip-invalid [--rejects FILE]",
    ]
    assert count_writes == []
    assert seed_db.read_bytes() == before


@pytest.mark.slow
def test_importing_10000_rows_is_one_write(
    empty_db: Path, tmp_path: Path, cli, count_writes: list[Path]
):
    lines = ["title,tags,links"] + [
        f'"Entry {n}, with a comma",a;b,https://example.org/{n}.pdf' for n in range(10_000)
    ]
    result = cli("import", str(put(tmp_path, "big.csv", "\n".join(lines))))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "added 10,000, updated 0, skipped 0\n"
    assert count_writes == [empty_db]
    assert len(entries_in(empty_db)) == 10_000


def test_every_bad_row_is_listed_in_one_report(empty_db: Path, tmp_path: Path, cli):
    data = "title,date,links\nOK,2020,\n,2020,\nBad,2020-13,\nWorse,,mailto:x@example.org\nRagged\n"
    result = cli("import", str(put(tmp_path, "in.csv", data)))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].endswith("in.csv: 4 bad rows, nothing imported")
    assert [line.split(":")[0].strip() for line in lines[1:-1]] == [
        "row 3 (line 3)",
        "row 4 (line 4)",
        "row 5 (line 5)",
        "row 6 (line 6)",
    ]
    assert lines[-1].startswith("to import the valid rows and set these aside, add --skip-invalid")


def test_problems_as_json_for_scripts(empty_db: Path, tmp_path: Path, cli):
    result = cli(
        "import", str(put(tmp_path, "in.csv", "title,date\nA,2020-13\n")), "--report", "json"
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "problems": [
            {
                "where": "row 2 (line 2)",
                "field": "date",
                "value": "2020-13",
                "reason": "is not a calendar date",
            }
        ]
    }


def test_a_dry_run_shows_a_table_and_writes_nothing(
    seed_db: Path, tmp_path: Path, cli, count_writes: list[Path]
):
    data = "id,title\nhtla-class-6-recommendations-report,HTLA\n,Brand New\n"
    result = cli("import", str(put(tmp_path, "in.csv", data)), "--dry-run", "--on-conflict", "skip")
    assert result.exit_code == 0, result.stderr
    header, _rule, *rows = result.stdout.splitlines()
    assert header.split() == ["where", "action", "id", "title", "reason"]
    assert rows[0].split()[4:7] == ["skip", "htla-class-6-recommendations-report", "HTLA"]
    assert rows[1].split()[4:6] == ["add", "brand-new"]
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'in.csv'}: comma-separated; columns: id → id, title → title",
        "would add 1, update 0, skip 1",
    ]
    assert count_writes == []


def test_a_dry_run_as_json(seed_db: Path, tmp_path: Path, cli):
    data = "id,title\nhtla-class-6-recommendations-report,HTLA Class 6, revised\n"
    path = put(tmp_path, "in.csv", data.replace("HTLA Class 6, revised", '"HTLA Class 6, revised"'))
    result = cli("import", str(path), "--dry-run", "--on-conflict", "update", "--report", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "summary": {"add": 0, "update": 1, "skip": 0, "rejected": 0},
        "rows": [
            {
                "where": "row 2 (line 2)",
                "action": "update",
                "id": "htla-class-6-recommendations-report",
                "title": "HTLA Class 6, revised",
                "reason": "same id",
            }
        ],
        "rejected": [],
    }


def test_conflicts_fail_by_default_and_skip_or_update_on_request(
    seed_db: Path, tmp_path: Path, cli
):
    path = put(tmp_path, "in.csv", "id,status\nhtla-class-6-recommendations-report,archived\n")
    refused = cli("import", str(path))
    assert refused.exit_code == 2
    assert "is already in the catalog; use --on-conflict skip or update" in refused.stderr
    skipped = cli("import", str(path), "--on-conflict", "skip")
    assert skipped.stderr == "added 0, updated 0, skipped 1\n"
    updated = cli("import", str(path), "--on-conflict", "update")
    assert updated.stderr == "added 0, updated 1, skipped 0\n"
    entry = entries_in(seed_db)["htla-class-6-recommendations-report"]
    assert entry["status"] == "archived"
    assert entry["title"] == "HTLA Class 6 Recommendations Report"


def test_a_bad_on_conflict_is_refused(empty_db: Path, tmp_path: Path, cli):
    result = cli("import", str(put(tmp_path, "in.csv", "title\nA\n")), "--on-conflict", "merge")
    assert result.exit_code == 2 and "--on-conflict 'merge'" in result.stderr


def test_unknown_columns_are_refused_unless_kept(empty_db: Path, tmp_path: Path, cli):
    path = put(tmp_path, "in.csv", "title,Region\nA,West\n")
    refused = cli("import", str(path))
    assert refused.exit_code == 2 and "Region 'West': unknown column" in refused.stderr
    kept = cli("import", str(path), "--keep-unknown")
    assert kept.exit_code == 0
    assert entries_in(empty_db)["a"]["Region"] == "West"


def test_unknown_fields_are_reported_with_every_other_problem_in_the_json_report(
    empty_db: Path, tmp_path: Path, cli
):
    rows = '{"title": "A", "tittle": "typo"}\n{"title": "B", "type": "podcast"}\n'
    result = cli("import", str(put(tmp_path, "in.jsonl", rows)), "--report", "json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert [(p["where"], p["field"], p["value"]) for p in problems] == [
        ("line 1", "tittle", "typo"),
        ("line 2", "type", "podcast"),
    ]
    assert "did you mean 'title'?" in problems[0]["reason"]
    assert "2 bad rows, nothing imported" in result.stderr
    assert entries_in(empty_db) == {}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("in.csv", b"title\n\x00\x01\x02", "in.csv line 2, column 1: a NUL byte"),
        ("in.json", b'[{"title": "A"},\n {"title": "B"', "in.json line 2, column 15:"),
        ("in.csv", b'title,summary\nA,"open\n', "in.csv line 2: unexpected end of data"),
        ("in.jsonl", b'{"title": "A"}\n{"title": \n', "line 2: json"),
    ],
    ids=["binary", "truncated-json", "open-quote", "bad-jsonl-line"],
)
def test_input_that_is_not_its_format_is_exit_2_with_the_position(
    empty_db: Path, tmp_path: Path, cli, name: str, data: bytes, message: str
):
    before = empty_db.read_bytes()
    result = cli("import", str(put(tmp_path, name, data)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert empty_db.read_bytes() == before


def test_no_progress_when_standard_error_is_not_a_terminal(empty_db: Path, tmp_path: Path, cli):
    lines = ["title"] + [f"Entry {n}" for n in range(3000)]
    result = cli("import", str(put(tmp_path, "in.csv", "\n".join(lines))))
    assert result.stderr == "added 3,000, updated 0, skipped 0\n"


def test_the_imported_catalog_is_canonical(empty_db: Path, tmp_path: Path, cli):
    cli("import", str(put(tmp_path, "sheet.csv", SPREADSHEET_CSV)))
    raw = empty_db.read_bytes()
    assert dump_json(parse_image(raw, empty_db)) == raw


def test_import_into_a_catalog_with_entries_keeps_them(seed_db: Path, tmp_path: Path, cli):
    write_catalog(seed_db, [{"title": "Existing"}])
    before = entries_in(seed_db)
    cli("import", str(put(tmp_path, "in.csv", "title\nNew one\n")))
    after = entries_in(seed_db)
    assert set(after) - set(before) == {"new-one"}
    assert all(after[i] == before[i] for i in before)


def test_help_ends_with_an_example(cli):
    result = cli("import", "--help", db_path=None)
    assert "Example:" in result.stdout and "htcat import resources.csv" in result.stdout


ZOTERO = Path(__file__).resolve().parents[1] / "formats" / "zotero"


@pytest.mark.parametrize(
    ("name", "count"), [("zotero.ris", 3), ("zotero.bib", 3), ("zotero.json", 3)]
)
def test_citation_manager_files_import_with_a_warning_for_unmatched_types(
    empty_db: Path, cli, name: str, count: int
):
    result = cli("import", str(ZOTERO / name))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith(f"added {count}, updated 0, skipped 0\n")
    assert ("imported as other" in result.stderr) == (name == "zotero.json")
    titles = {e["title"] for e in entries_in(empty_db).values()}
    assert "Labor Trafficking Among Foreign Nationals" in titles


def test_a_broken_citation_record_writes_nothing_and_names_its_record_and_line(
    empty_db: Path, tmp_path: Path, cli
):
    ris = (ZOTERO / "zotero.ris").read_bytes() + b"TY  - RPRT\r\nAU  - Novak, Jenna\r\nER  - \r\n"
    before = empty_db.read_bytes()
    result = cli("import", str(put(tmp_path, "broken.ris", ris)))
    assert result.exit_code == 2
    assert "record 4 (line 33): title '': is required" in result.stderr
    assert empty_db.read_bytes() == before


def test_a_citation_export_imports_back_with_dry_run_and_conflicts(
    seed_db: Path, tmp_path: Path, cli
):
    for fmt, suffix in (("ris", "ris"), ("bibtex", "bib"), ("csl-json", "json")):
        out = tmp_path / f"seed.{suffix}"
        assert cli("export", "--format", fmt, "--output", str(out)).exit_code == 0
        result = cli("import", str(out), "--dry-run")
        assert result.exit_code == 2 and "is already in the catalog" in result.stderr
        result = cli("import", str(out), "--on-conflict", "skip", "--dry-run")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.endswith("would add 0, update 0, skip 5\n")
