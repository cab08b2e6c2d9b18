"""Bulk import: all or nothing, conflicts, duplicates, one write."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from helpers import OLD, entries_in, write_catalog
from htcat.errors import FieldProblem, InputError
from htcat.formats import SourceRow
from htcat.import_plan import ImportRefused
from htcat.store.file import init_catalog
from htcat.transfer import (
    export_data,
    import_data,
    import_rows,
    plan_import,
)

PDF = "https://example.org/docs/report.pdf"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def problems_of(excinfo: pytest.ExceptionInfo[ImportRefused]) -> list[tuple[str, str, str]]:
    return [(p.where, p.field, p.reason) for p in excinfo.value.problems]


@pytest.fixture
def one_entry_db(empty_db: Path) -> Path:
    return write_catalog(
        empty_db,
        [
            {
                "id": "report",
                "title": "Report",
                "type": "report",
                "tags": ["old"],
                "notes": "keep me",
                "links": [
                    {"url": PDF, "kind": "pdf", "check": {"outcome": "ok", "status": 200}},
                ],
            }
        ],
    )


# --- adding -----------------------------------------------------------------------------------


def test_rows_are_added_with_ids_made_from_titles(empty_db: Path):
    plan = import_data(
        empty_db, csv_bytes("title,type", "First One,report", "Second,webinar"), "csv"
    )
    assert plan.summary() == "added 2, updated 0, skipped 0"
    entries = entries_in(empty_db)
    assert set(entries) == {"first-one", "second"}
    assert entries["second"]["type"] == "webinar"
    assert entries["second"]["created"] == entries["second"]["updated"]


def test_ids_given_in_the_input_are_kept_and_made_ids_avoid_them(empty_db: Path):
    data = csv_bytes("id,title", ",Alpha", "alpha,Another")
    plan = import_data(empty_db, data, "csv")
    assert [(r.id, r.title) for r in plan.rows] == [("alpha-2", "Alpha"), ("alpha", "Another")]
    assert entries_in(empty_db)["alpha"]["title"] == "Another"


def test_stamps_in_the_input_are_kept(empty_db: Path):
    data = orjson.dumps([{"title": "A", "created": OLD, "updated": "2021-01-01T00:00:00Z"}])
    import_data(empty_db, data, "json")
    (entry,) = entries_in(empty_db).values()
    assert (entry["created"], entry["updated"]) == (OLD, "2021-01-01T00:00:00Z")


def test_summary_line_groups_thousands():
    rows = [SourceRow(f"line {n}", {"title": f"T{n}"}) for n in range(1234)]
    assert plan_import([], rows).summary() == "added 1,234, updated 0, skipped 0"


# --- all or nothing ---------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_field_and_reason(one_entry_db: Path):
    before = one_entry_db.read_bytes()
    data = csv_bytes(
        "title,type,date,links",
        "Good,report,2020,",
        ",report,2020,",
        "Bad type,brochure,2020-13,",
        "Bad link,report,,ftp://example.org/x",
        "Ragged",
    )
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, data, "csv", source="in.csv")
    assert problems_of(excinfo) == [
        ("row 3 (line 3)", "title", "is required"),
        ("row 4 (line 4)", "type", "must be one of " + ", ".join(store_types())),
        ("row 4 (line 4)", "date", "is not a calendar date"),
        ("row 5 (line 5)", "links.url", "must be an absolute http or https URL"),
        ("row 6 (line 6)", "row", "the header has 4 columns"),
    ]
    message = str(excinfo.value)
    assert message.startswith("in.csv: 4 bad rows, nothing imported\n")
    assert "row 4 (line 4): type 'brochure': must be one of" in message
    assert one_entry_db.read_bytes() == before


def store_types() -> tuple[str, ...]:
    from htcat.model import TYPES

    return TYPES


def test_one_bad_row_among_1000_writes_nothing_and_names_the_row(
    one_entry_db: Path, count_writes: list[Path]
):
    before = one_entry_db.read_bytes()
    lines = ["title,date"] + [f"Entry {n},2020" for n in range(1000)]
    lines[700] = "Entry 699,2020-02-30"
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, csv_bytes(*lines), "csv")
    assert problems_of(excinfo) == [("row 701 (line 701)", "date", "is not a calendar date")]
    assert count_writes == []
    assert one_entry_db.read_bytes() == before


@pytest.mark.slow
def test_importing_10000_rows_is_one_write(empty_db: Path, count_writes: list[Path]):
    lines = ["title,links"] + [f"Entry {n},https://example.org/{n}.pdf" for n in range(10_000)]
    plan = import_data(empty_db, csv_bytes(*lines), "csv")
    assert plan.summary() == "added 10,000, updated 0, skipped 0"
    assert count_writes == [empty_db]
    assert len(entries_in(empty_db)) == 10_000


def test_a_dry_run_plans_and_writes_nothing(one_entry_db: Path, count_writes: list[Path]):
    data = csv_bytes("id,title", "report,Report", ",New")
    plan = import_data(one_entry_db, data, "csv", on_conflict="skip", dry_run=True)
    assert [(r.action, r.id) for r in plan.rows] == [("skip", "report"), ("add", "new")]
    assert plan.summary(dry_run=True) == "would add 1, update 0, skip 1"
    assert count_writes == []


def test_a_dry_run_still_reports_every_problem(one_entry_db: Path):
    with pytest.raises(ImportRefused):
        import_data(one_entry_db, csv_bytes("title,date", "A,2020-13"), "csv", dry_run=True)


def test_progress_is_reported_while_planning():
    seen: list[tuple[int, int]] = []
    rows = [SourceRow(f"line {n}", {"title": f"T{n}"}) for n in range(1200)]
    plan_import([], rows, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]


def test_import_rows_lets_each_row_go_once_planned(empty_db: Path):
    rows = [SourceRow(f"line {n}", {"title": f"T{n}"}) for n in range(1, 1201)]
    seen: list[tuple[int, int]] = []
    progress = lambda done, total: seen.append((done, total))  # noqa: E731
    plan = import_rows(empty_db, rows, progress=progress)
    assert rows == []
    assert [r.where for r in plan.rows][:2] == ["line 1", "line 2"]
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]
    assert len(entries_in(empty_db)) == 1200


def test_progress_counts_rows_given_as_an_iterator_with_their_total():
    seen: list[tuple[int, int]] = []
    rows = (SourceRow(f"line {n}", {"title": f"T{n}"}) for n in range(600))
    plan_import([], rows, progress=lambda done, total: seen.append((done, total)), total=600)
    assert seen == [(500, 600), (600, 600)]


# --- conflicts --------------------------------------------------------------------------------


def test_a_conflict_by_id_is_refused_by_default(one_entry_db: Path):
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, csv_bytes("id,title", "report,Again"), "csv")
    assert problems_of(excinfo) == [
        ("row 2 (line 2)", "id", "is already in the catalog; use --on-conflict skip or update")
    ]


def test_a_conflict_by_normalized_link_url_is_found(one_entry_db: Path):
    data = csv_bytes("title,links", "Copy,HTTPS://EXAMPLE.org:443/docs/report.pdf/#page=2")
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, data, "csv")
    assert [(p.field, p.value, p.reason) for p in excinfo.value.problems] == [
        ("links", PDF, "is already a link of entry 'report'; use --on-conflict skip or update")
    ]


def test_on_conflict_skip_leaves_the_entry_alone(one_entry_db: Path):
    before = one_entry_db.read_bytes()
    plan = import_data(
        one_entry_db, csv_bytes("id,title", "report,Changed"), "csv", on_conflict="skip"
    )
    assert [(r.action, r.id, r.reason) for r in plan.rows] == [("skip", "report", "same id")]
    assert one_entry_db.read_bytes() == before


def test_on_conflict_update_changes_only_the_columns_given(one_entry_db: Path):
    plan = import_data(
        one_entry_db, csv_bytes("id,tags", "report,new;Other Tag"), "csv", on_conflict="update"
    )
    assert plan.summary() == "added 0, updated 1, skipped 0"
    entry = entries_in(one_entry_db)["report"]
    assert entry["tags"] == ["new", "other-tag"]
    assert (entry["title"], entry["notes"], entry["created"]) == ("Report", "keep me", OLD)
    assert entry["updated"] != OLD


def test_update_from_csv_keeps_the_last_link_check(one_entry_db: Path):
    data = csv_bytes("title,links", f"Report v2,Full text|{PDF}|pdf")
    import_data(one_entry_db, data, "csv", on_conflict="update")
    entry = entries_in(one_entry_db)["report"]
    assert entry["title"] == "Report v2"
    assert entry["links"] == [
        {"url": PDF, "label": "Full text", "kind": "pdf", "check": {"outcome": "ok", "status": 200}}
    ]


def test_an_update_that_changes_nothing_is_skipped_as_unchanged(one_entry_db: Path):
    before = one_entry_db.read_bytes()
    exported, _ = export_data(one_entry_db, "csv")
    plan = import_data(one_entry_db, exported, "csv", on_conflict="update")
    assert [(r.action, r.reason) for r in plan.rows] == [("skip", "unchanged")]
    assert one_entry_db.read_bytes() == before


def test_an_update_never_changes_an_id(one_entry_db: Path):
    data = csv_bytes("id,title,links", f"other,Report,{PDF}")
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, data, "csv", on_conflict="update")
    assert problems_of(excinfo)[0][1:] == (
        "id",
        "the links are those of entry 'report'; ids never change",
    )


def test_a_row_matching_two_entries_cannot_update(one_entry_db: Path):
    write_catalog(one_entry_db, [{"id": "web", "title": "W", "links": ["https://w.example/"]}])
    data = csv_bytes("title,links", f"Both,{PDF};https://w.example")
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, data, "csv", on_conflict="update")
    assert problems_of(excinfo)[0][2] == (
        f"matches more than one entry: entry 'report' (same link {PDF}); "
        "entry 'web' (same link https://w.example); cannot update"
    )


def test_an_update_is_validated_as_the_entry_it_makes(one_entry_db: Path):
    with pytest.raises(ImportRefused) as excinfo:
        import_data(
            one_entry_db, csv_bytes("id,date", "report,2020-99"), "csv", on_conflict="update"
        )
    assert problems_of(excinfo) == [("row 2 (line 2)", "date", "is not a calendar date")]


# --- duplicates inside the input --------------------------------------------------------------


def test_duplicates_inside_the_input_are_reported_as_such(empty_db: Path):
    data = csv_bytes(
        "id,title,links",
        "a,A,https://example.org/x",
        "a,Same id,",
        ",Same link,HTTPS://Example.org/x/",
    )
    with pytest.raises(ImportRefused) as excinfo:
        import_data(empty_db, data, "csv")
    assert problems_of(excinfo) == [
        ("row 3 (line 3)", "id", "duplicate in the input: same id as row 2 (line 2)"),
        ("row 4 (line 4)", "links", "duplicate in the input: same link as row 2 (line 2)"),
    ]


def test_duplicates_inside_the_input_are_skipped_with_on_conflict_skip(empty_db: Path):
    data = csv_bytes("id,title", "a,First", "a,Second")
    plan = import_data(empty_db, data, "csv", on_conflict="skip")
    assert [(r.action, r.title) for r in plan.rows] == [("add", "First"), ("skip", "Second")]
    assert entries_in(empty_db)["a"]["title"] == "First"


def test_two_rows_updating_one_entry_are_duplicates(one_entry_db: Path):
    data = csv_bytes("id,title,links", "report,One,", f",Two,{PDF}")
    with pytest.raises(ImportRefused) as excinfo:
        import_data(one_entry_db, data, "csv", on_conflict="update")
    assert problems_of(excinfo)[0][2].startswith("duplicate in the input: matches entry 'report'")


# --- the whole path ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_the_shipped_catalog_round_trips_through_each_format(seed_db: Path, tmp_path: Path, fmt):
    original = entries_in(seed_db)
    data, count = export_data(seed_db, fmt, include_internal=True)
    target = tmp_path / "copy.json"
    init_catalog(target)
    import_data(target, data, fmt)
    copied = entries_in(target)
    if fmt == "csv":
        for entry in original.values():
            entry["links"] = [{**link, "check": None} for link in entry["links"]]
    assert count == len(original) and copied == original


def test_an_unknown_on_conflict_is_refused(empty_db: Path):
    with pytest.raises(InputError, match="--on-conflict 'merge'"):
        import_data(empty_db, csv_bytes("title", "A"), "csv", on_conflict="merge")  # type: ignore[arg-type]


def test_refused_problems_are_plain_data_for_json_reports():
    rows = [SourceRow("line 1", {"title": ""})]
    with pytest.raises(ImportRefused) as excinfo:
        plan_import([], rows)
    assert [p.as_dict() for p in excinfo.value.problems] == [
        {"where": "line 1", "field": "title", "value": "", "reason": "is required"}
    ]


# --- skipping invalid rows --------------------------------------------------------------------


def test_skip_invalid_plans_the_good_rows_and_keeps_the_bad_ones_with_their_text():
    rows = [
        SourceRow("row 2 (line 2)", {"title": "Good"}, raw="Good\n"),
        SourceRow("row 3 (line 3)", {"title": "", "date": "x"}, raw=",x\n"),
    ]
    plan = plan_import([], rows, skip_invalid=True)
    assert [r.title for r in plan.rows] == ["Good"]
    (rejected,) = plan.rejected
    assert (rejected.where, rejected.raw) == ("row 3 (line 3)", ",x\n")
    assert [p.field for p in rejected.problems] == ["title", "date"]
    assert plan.summary() == "added 1, updated 0, skipped 0; 1 invalid row set aside"


def test_a_reader_problem_does_not_hide_the_rows_other_problems():
    problem = FieldProblem("Colour", "red", "unknown column")
    row = SourceRow("row 2 (line 2)", {"title": "A", "date": "2020-13"}, (problem,))
    with pytest.raises(ImportRefused) as excinfo:
        plan_import([], [row])
    assert [p.field for p in excinfo.value.problems] == ["Colour", "date"]
    assert str(excinfo.value).splitlines()[-1].startswith("to import the valid rows")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_reports_the_entries_it_writes(seed_db: Path, fmt: str):
    seen: list[tuple[int, int]] = []
    _, count = export_data(seed_db, fmt, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(count, count)] and count == 5
