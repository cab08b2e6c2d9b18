"""htcat doctor on real catalog files: exit 0 when clean, 1 with what a hand edit broke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import write_catalog


def hand_edit(path: Path, change) -> None:
    """Change the file the way a person with a text editor would: no validation."""
    data = json.loads(path.read_text())
    change(data["entries"])
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))


def test_shipped_catalog_is_clean(seed_db: Path, cli):
    result = cli("doctor")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no problems found" in result.stderr


def test_clean_catalog_json_report_is_empty(seed_db: Path, cli):
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


@pytest.fixture
def troubled_db(db: Path) -> Path:
    write_catalog(
        db,
        [
            {"title": "HTLA Class 6 Recommendations Report", "links": ["https://e.org/htla.pdf"]},
            {"title": "Webinar on supply chains", "links": ["https://E.org/htla.pdf#p2"]},
            {"title": "Fact sheet on labor trafficking", "type": "fact-sheet"},
        ],
    )

    def break_it(entries: dict) -> None:
        entries["4"] = {**entries["1"], "id": "htla-copy", "links": []}
        entries["4"]["title"] = "HTLA Class 6 Recommendation Report"
        entries["3"]["type"] = "podcast"
        entries["3"]["date"] = "March 2021"

    hand_edit(db, break_it)
    return db


def test_hand_edited_problems_exit_1_and_are_listed(troubled_db: Path, cli):
    before = troubled_db.read_bytes()
    result = cli("doctor")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["line", "problem", "entries", "detail"]
    kinds = [line.split()[1] for line in lines[2:]]
    assert kinds == ["schema", "schema", "duplicate-url", "near-duplicate"]
    file_lines = troubled_db.read_text().splitlines()
    for row, wanted in zip(lines[2:4], ['"type": "podcast"', '"date": "March 2021"'], strict=True):
        assert "fact-sheet-on-labor-trafficking" in row
        assert wanted in file_lines[int(row.split()[0]) - 1]
    assert "type 'podcast'" in lines[2] and "date 'March 2021'" in lines[3]
    assert "htla-class-6-recommendations-report, webinar-on-supply-chains" in lines[4]
    assert "4 problems found" in result.stderr
    assert troubled_db.read_bytes() == before, "doctor only reads"


def test_doctor_json_report(troubled_db: Path, cli):
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert {f["kind"] for f in findings} == {"schema", "duplicate-url", "near-duplicate"}
    near = next(f for f in findings if f["kind"] == "near-duplicate")
    assert sorted(near["ids"]) == ["htla-class-6-recommendations-report", "htla-copy"]


def test_duplicate_ids_from_a_merge_are_found(seed_db: Path, cli):
    hand_edit(seed_db, lambda entries: entries.__setitem__("9", {**entries["1"], "title": "X"}))
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 1
    kinds = {f["kind"] for f in json.loads(result.stdout)}
    assert "duplicate-id" in kinds and "duplicate-url" in kinds


def test_doctor_unknown_format_exits_2(seed_db: Path, cli):
    assert cli("doctor", "--format", "html").exit_code == 2


def test_doctor_on_a_corrupt_file_exits_3(db: Path, cli):
    db.write_text('{"entries": {')
    result = cli("doctor")
    assert result.exit_code == 3 and str(db) in result.stderr


def test_one_problem_is_counted_in_the_singular(db: Path, cli):
    write_catalog(
        db, [{"title": "Labor Trafficking Toolkit"}, {"title": "Labor trafficking toolkit"}]
    )
    result = cli("doctor")
    assert result.exit_code == 1
    assert result.stderr == "1 problem found\n"


def test_entries_of_the_wrong_shape_are_each_listed_with_their_line(db: Path, cli):
    """Every other command refuses such a file whole (exit 3); doctor says what to fix."""
    write_catalog(db, [{"title": "First"}, {"title": "Second"}, {"title": "Third"}])

    def break_it(entries: dict) -> None:
        entries["1"]["tags"] = "not-a-list"
        entries["2"]["links"] = {"url": "https://e.org"}
        entries["3"]["date"] = "soon"

    hand_edit(db, break_it)
    assert cli("list").exit_code == 3
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 1
    file_lines = db.read_text().splitlines()
    found = [
        (f["ids"], f["detail"], file_lines[f["line"] - 1].strip())
        for f in json.loads(result.stdout)
    ]
    assert found == [
        (["first"], "tags 'not-a-list': must be a list", '"tags": "not-a-list",'),
        (["second"], "links {'url': 'https://e.org'}: must be a list", '"links": {'),
        (["third"], "date 'soon': must be YYYY, YYYY-MM or YYYY-MM-DD", '"date": "soon",'),
    ]


def test_a_catalog_on_one_line_is_diagnosed_without_lines(db: Path, cli):
    write_catalog(db, [{"title": "First"}])
    data = json.loads(db.read_text())
    data["entries"]["1"]["tags"] = "not-a-list"
    db.write_text(json.dumps(data))
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 1
    assert [(f["detail"], f["line"]) for f in json.loads(result.stdout)] == [
        ("tags 'not-a-list': must be a list", None)
    ]


def test_doctors_advice_for_tags_works(empty_db: Path, cli):
    def comma_and_plural(entries: dict) -> None:
        entries["1"] = {"id": "a", "title": "A", "tags": ["labor-trafficking,-agriculture"]}
        entries["2"] = {"id": "b", "title": "B", "tags": ["annual-reports"]}
        entries["3"] = {"id": "c", "title": "C", "tags": ["annual-report", "agriculture"]}
        entries["4"] = {"id": "d", "title": "D", "tags": ["annual-report"]}

    hand_edit(empty_db, comma_and_plural)
    found = cli("doctor", "--format", "json")
    assert found.exit_code == 1
    details = [f["detail"] for f in json.loads(found.stdout)]
    assert [f["kind"] for f in json.loads(found.stdout)] == ["tag-comma", "tag-variants"]
    for detail in details:
        command = detail.rpartition(": ")[2].removeprefix("htcat ").split()
        assert cli(*command).exit_code == 0
    healed = cli("doctor")
    assert healed.exit_code == 0, healed.stdout
