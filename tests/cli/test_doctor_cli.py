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
    assert lines[0].split() == ["problem", "entries", "detail"]
    kinds = [line.split()[0] for line in lines[2:]]
    assert kinds == ["schema", "duplicate-url", "near-duplicate"]
    schema = lines[2]
    assert "fact-sheet-on-labor-trafficking" in schema
    assert "type 'podcast'" in schema and "date 'March 2021'" in schema
    assert "htla-class-6-recommendations-report, webinar-on-supply-chains" in lines[3]
    assert "3 problems found" in result.stderr
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
