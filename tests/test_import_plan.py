"""The plan of an import: its summary line and the refusal's report."""

from __future__ import annotations

from htcat.import_plan import ImportPlan, ImportRefused, PlannedRow, RejectedRow, RowProblem


def planned(action: str) -> PlannedRow:
    return PlannedRow("row 2", action, "a", "A", "new", {"id": "a"})  # type: ignore[arg-type]


def test_the_summary_counts_each_action_and_the_rows_set_aside():
    bad = RejectedRow("row 4", "x\n", (RowProblem("row 4", "date", "x", "bad"),))
    plan = ImportPlan((planned("add"), planned("add"), planned("skip")), (bad,))
    assert plan.summary() == "added 2, updated 0, skipped 1; 1 invalid row set aside"
    assert plan.summary(dry_run=True) == (
        "would add 2, update 0, skip 1; 1 invalid row would be set aside"
    )
    assert ImportPlan((planned("update"),)).summary() == "added 0, updated 1, skipped 0"


def test_a_refusal_counts_bad_rows_lists_every_problem_and_names_skip_invalid():
    problems = [
        RowProblem("row 2", "date", "2020-13", "is not a calendar date"),
        RowProblem("row 2", "type", "memo", "must be one of …"),
        RowProblem("row 5", "title", "", "is required"),
    ]
    assert str(ImportRefused("in.csv", problems)).splitlines() == [
        "in.csv: 2 bad rows, nothing imported",
        "  row 2: date '2020-13': is not a calendar date",
        "  row 2: type 'memo': must be one of …",
        "  row 5: title '': is required",
        "to import the valid rows and set these aside, add --skip-invalid [--rejects FILE]",
    ]
