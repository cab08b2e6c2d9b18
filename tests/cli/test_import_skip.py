"""htcat import --skip-invalid: the good rows in, the bad ones reported and set aside."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers import HTCAT, entries_in

GOOD_AND_BAD_CSV = (
    "title,type,date\r\n"
    "Good one,report,2020\r\n"
    "Bad date,report,2020-13\r\n"
    '"Two, problems",reprot,2021-02-30\r\n'
    "Good two,webinar,\r\n"
)


def put(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_valid_rows_are_imported_and_invalid_ones_reported_with_exit_1(
    empty_db: Path, tmp_path: Path, cli
):
    result = cli("import", str(put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)), "--skip-invalid")
    assert result.exit_code == 1
    assert set(entries_in(empty_db)) == {"good-one", "good-two"}
    lines = result.stderr.splitlines()
    assert lines[0].endswith("in.csv: 2 invalid rows set aside:")
    assert lines[1:4] == [
        "  row 3 (line 3): date '2020-13': is not a calendar date",
        "  row 4 (line 4): type 'reprot': must be one of information-memorandum, report, "
        "research, webinar, fact-sheet, toolkit, training, guidance, data, other",
        "  row 4 (line 4): date '2021-02-30': is not a calendar date",
    ]
    assert lines[-1] == "added 2, updated 0, skipped 0; 2 invalid rows set aside"


def test_rejects_file_holds_the_header_and_the_rows_as_they_were(
    empty_db: Path, tmp_path: Path, cli
):
    rejects = tmp_path / "fix-me.csv"
    source = put(tmp_path, "in.csv", "\ufeff" + GOOD_AND_BAD_CSV)
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert f"written to {rejects}" in result.stderr
    assert rejects.read_bytes() == (
        b"\xef\xbb\xbftitle,type,date\r\n"
        b'Bad date,report,2020-13\r\n"Two, problems",reprot,2021-02-30\r\n'
    )
    fixed = (
        rejects.read_text().replace("2020-13", "2020-12").replace("reprot,2021-02-30", "report,")
    )
    rejects.write_text(fixed, newline="")
    again = cli("import", str(rejects))
    assert again.exit_code == 0, again.stderr
    assert entries_in(empty_db)["two-problems"]["type"] == "report"
    assert len(entries_in(empty_db)) == 4


def test_a_quoted_cell_with_line_breaks_is_set_aside_whole(empty_db: Path, tmp_path: Path, cli):
    data = 'title,summary,date\nGood,,2020\nBad,"one\nsecond line, still",20x\n'
    rejects = tmp_path / "r.csv"
    result = cli(
        "import", str(put(tmp_path, "in.csv", data)), "--skip-invalid", "--rejects", str(rejects)
    )
    assert result.exit_code == 1
    assert "row 3 (line 3): date '20x'" in result.stderr
    assert rejects.read_text() == 'title,summary,date\nBad,"one\nsecond line, still",20x\n'


def test_json_rejects_are_an_array_of_the_rejected_objects(empty_db: Path, tmp_path: Path, cli):
    items = [{"title": "A"}, {"title": "", "tags": ["x"]}, 7, {"title": "B", "date": "soon"}]
    rejects = tmp_path / "r.json"
    source = put(tmp_path, "in.json", json.dumps(items))
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert set(entries_in(empty_db)) == {"a"}
    assert json.loads(rejects.read_text()) == items[1:]


def test_jsonl_rejects_are_the_lines_as_they_were(empty_db: Path, tmp_path: Path, cli):
    lines = ['{"title": "A"}', '{"title": "B",  "date": "x"}', "{not json", '{"title": "C"}']
    rejects = tmp_path / "r.jsonl"
    source = put(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "line 3: json '{not json'" in result.stderr
    assert rejects.read_text() == lines[1] + "\n" + lines[2] + "\n"
    assert set(entries_in(empty_db)) == {"a", "c"}


def test_every_problem_of_a_row_is_reported_at_once(empty_db: Path, tmp_path: Path, cli):
    data = "title,date,Colour\nA,2020-13,red\n"
    result = cli("import", str(put(tmp_path, "in.csv", data)))
    assert result.exit_code == 2
    assert "row 2 (line 2): Colour 'red': unknown column" in result.stderr
    assert "row 2 (line 2): date '2020-13': is not a calendar date" in result.stderr


def test_every_row_holding_an_unknown_column_is_set_aside(empty_db: Path, tmp_path: Path, cli):
    data = "title,Colour\nA,red\nB,\nC,blue\n"
    result = cli("import", str(put(tmp_path, "in.csv", data)), "--skip-invalid")
    assert result.exit_code == 1
    assert entries_in(empty_db).keys() == {"b"}
    assert "Colour" not in entries_in(empty_db)["b"]
    assert result.stderr.count("unknown column") == 2


def test_dry_run_reports_what_would_be_set_aside_and_writes_no_catalog(
    empty_db: Path, tmp_path: Path, cli
):
    before = empty_db.read_bytes()
    rejects = tmp_path / "r.csv"
    source = put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)
    result = cli("import", str(source), "--skip-invalid", "--dry-run", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert empty_db.read_bytes() == before
    assert "would add 2, update 0, skip 0; 2 invalid rows would be set aside" in result.stderr
    assert rejects.read_text().count("\n") == 3


def test_with_on_conflict_skip_a_conflict_is_no_problem_but_a_bad_row_is(
    seed_db: Path, tmp_path: Path, cli
):
    data = "id,title,date\nhtla-class-6-recommendations-report,Same,2020\n,New,2020\n,Bad,x\n"
    result = cli(
        "import", str(put(tmp_path, "in.csv", data)), "--skip-invalid", "--on-conflict", "skip"
    )
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1] == "added 1, updated 0, skipped 1; 1 invalid row set aside"
    )


def test_with_on_conflict_fail_a_conflicting_row_is_set_aside(seed_db: Path, tmp_path: Path, cli):
    data = "id,title\nhtla-class-6-recommendations-report,Same\n,New\n"
    rejects = tmp_path / "r.csv"
    result = cli(
        "import", str(put(tmp_path, "in.csv", data)), "--skip-invalid", "--rejects", str(rejects)
    )
    assert result.exit_code == 1
    assert "is already in the catalog" in result.stderr
    assert rejects.read_text() == "id,title\nhtla-class-6-recommendations-report,Same\n"
    assert "new" in entries_in(seed_db)


def test_json_report_lists_the_rejected_rows(empty_db: Path, tmp_path: Path, cli):
    source = put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)
    result = cli("import", str(source), "--skip-invalid", "--report", "json")
    report = json.loads(result.stdout)
    assert report["summary"] == {"add": 2, "update": 0, "skip": 0, "rejected": 2}
    assert [r["where"] for r in report["rejected"]] == ["row 3 (line 3)", "row 4 (line 4)"]
    assert [p["field"] for p in report["rejected"][1]["problems"]] == ["type", "date"]


def test_nothing_invalid_exits_0_and_writes_no_rejects(empty_db: Path, tmp_path: Path, cli):
    rejects = tmp_path / "r.csv"
    source = put(tmp_path, "in.csv", "title\nA\n")
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert not rejects.exists()


@pytest.mark.parametrize("target", ["in.csv", "catalog.json", "-"])
def test_rejects_never_overwrites_the_input_or_the_catalog(
    empty_db: Path, tmp_path: Path, cli, target: str
):
    source = put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)
    rejects = target if target == "-" else str(tmp_path / target)
    before = (source.read_bytes(), empty_db.read_bytes())
    result = cli("import", str(source), "--skip-invalid", "--rejects", rejects)
    assert result.exit_code == 2
    assert (source.read_bytes(), empty_db.read_bytes()) == before


def test_rejects_without_skip_invalid_is_bad_usage(empty_db: Path, tmp_path: Path, cli):
    source = put(tmp_path, "in.csv", "title\nA\n")
    result = cli("import", str(source), "--rejects", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert "--skip-invalid" in result.stderr


def test_installed_htcat_skips_invalid_rows(empty_db: Path, tmp_path: Path):
    source = put(tmp_path, "in.jsonl", '{"title": "A"}\n{"title": "B", "type": "memo"}\n')
    rejects = tmp_path / "fix.jsonl"
    command = [str(HTCAT), "--db", str(empty_db), "import", str(source)]
    refused = subprocess.run(command, capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1].startswith("to import the valid rows")
    done = subprocess.run(
        [*command, "--skip-invalid", "--rejects", str(rejects)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "line 2: type 'memo'" in done.stderr
    assert rejects.read_text() == '{"title": "B", "type": "memo"}\n'
    assert set(entries_in(empty_db)) == {"a"}


def test_rejects_in_a_missing_folder_is_refused_before_anything_is_written(
    empty_db: Path, tmp_path: Path, cli
):
    source = put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)
    before = empty_db.read_bytes()
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(tmp_path / "no/r.csv"))
    assert result.exit_code == 2
    assert "cannot write a file in" in result.stderr
    assert empty_db.read_bytes() == before


def test_a_rejects_file_that_cannot_be_written_is_reported_after_the_import(
    empty_db: Path, tmp_path: Path, cli
):
    source = put(tmp_path, "in.csv", GOOD_AND_BAD_CSV)
    rejects = put(tmp_path, "r.csv", "old")
    rejects.chmod(0o444)
    result = cli("import", str(source), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert "it is read-only" in result.stderr and "the import itself is done" in result.stderr
    assert set(entries_in(empty_db)) == {"good-one", "good-two"}
    assert rejects.read_text() == "old"


RIS = (
    "TY  - RPRT\nTI  - Good report\nPY  - 2024\nER  - \n\n"
    "TY  - RPRT\nPY  - 2023\nAB  - a record without a title\nER  - \n"
)
BIBTEX = (
    "@techreport{good, title = {Good report}, year = {2024}}\n\n"
    "@misc{untitled, year = {2023}, note = {no title}}\n"
)
CSL = (
    '[{"id": "good", "type": "report", "title": "Good report"},\n'
    ' {"id": "untitled", "type": "report", "issued": {"date-parts": [[2023]]}}]\n'
)


@pytest.mark.parametrize(
    ("name", "data", "kept", "ident"),
    [
        ("in.ris", RIS, "AB  - a record without a title", "good-report"),
        ("in.bib", BIBTEX, "@misc{untitled", "good"),
        ("in.json", CSL, '"id": "untitled"', "good"),
    ],
)
def test_citation_records_set_aside_are_written_as_they_were(
    empty_db: Path, tmp_path: Path, cli, name: str, data: str, kept: str, ident: str
):
    rejects = tmp_path / f"rejects{Path(name).suffix}"
    result = cli(
        "import", str(put(tmp_path, name, data)), "--skip-invalid", "--rejects", str(rejects)
    )
    assert result.exit_code == 1, result.stderr
    assert "title" in result.stderr
    assert set(entries_in(empty_db)) == {ident}
    text = rejects.read_text()
    assert kept in text and "Good report" not in text
    refused = cli("import", str(rejects))
    assert refused.exit_code == 2 and "title" in refused.stderr
