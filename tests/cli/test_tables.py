"""The one table layout: fitted to a width by cutting free text, whole values for markup."""

from __future__ import annotations

import io

import pytest

from htcat.cli.tables import (
    cut,
    display_width,
    fitted_widths,
    is_markup,
    table,
    terminal_width,
    unique_prefix_widths,
)

LONG = "A Title Long Enough That It Has To Be Cut Somewhere Near Its End"


def widest_line(text: str) -> int:
    return max(map(display_width, text.splitlines()))


def test_the_widest_cuttable_column_gives_way_first():
    assert fitted_widths([10, 40, 30], [False, True, True], [12, 12, 12], 70) == [10, 30, 30]
    assert fitted_widths([10, 40, 30], [False, True, True], [12, 12, 12], 60) == [10, 25, 25]


def test_columns_that_may_not_be_cut_keep_their_width_and_the_line_runs_long():
    assert fitted_widths([50, 40], [False, True], [12, 12], 30) == [50, 12]


def test_cut_ends_in_an_ellipsis_only_where_it_must():
    assert cut("short", 5) == "short"
    assert cut("shorter", 5) == "shor…"
    assert display_width(cut("漢字漢字漢字", 5)) <= 5


@pytest.mark.parametrize("width", [60, 80, 100])
def test_a_table_fits_the_width_cutting_only_the_cuttable_column(
    monkeypatch: pytest.MonkeyPatch, width: int
):
    monkeypatch.setenv("COLUMNS", str(width))
    rows = [("an-id-people-copy", LONG), ("other-id", "Short")]
    text = table(rows, ("id", "title"), cuttable=("title",), stream=io.StringIO())
    assert widest_line(text) <= width
    assert "an-id-people-copy" in text and "Short" in text
    assert (LONG in text) == (widest_line(table(rows, ("id", "title"))) <= width)


def test_droppable_columns_go_in_order_when_cutting_is_not_enough(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("COLUMNS", "40")
    rows = [("an-id-of-twenty-chars", "2021-01-01", LONG)]
    headers = ("id", "date", "title")
    text = table(rows, headers, cuttable=("title",), droppable=("date", "title"))
    assert text.splitlines()[0].split() == ["id", "title"]
    assert widest_line(text) <= 40


def test_markup_formats_carry_whole_values(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "20")
    for fmt in ("tsv", "html", "github", "latex", "mediawiki"):
        assert is_markup(fmt)
        assert LONG in table([("x", LONG)], ("id", "title"), fmt, cuttable=("title",))
    assert not is_markup("simple") and not is_markup("plain")


def test_tsv_is_values_and_tabs_only():
    text = table([("a", "b  c"), ("d\tx", "")], ("id", "title"), "tsv")
    assert text == "id\ttitle\na\tb  c\nd x\t"


def test_width_is_unlimited_off_a_terminal_without_columns(monkeypatch: pytest.MonkeyPatch):
    assert terminal_width(io.StringIO()) is None
    monkeypatch.setenv("COLUMNS", "77")
    assert terminal_width(io.StringIO()) == 77


def test_ids_give_way_first_down_to_their_unique_prefix():
    assert fitted_widths([30, 40], [True, True], [9, 12], 50, [True, False]) == [10, 40]
    assert fitted_widths([30, 40], [True, True], [9, 12], 40, [True, False]) == [9, 31]


def test_the_unique_prefix_width_counts_the_neighbours_and_the_ellipsis():
    every = sorted(["report-a-long", "report-b-long", "webinar", "webinar-two"])
    assert unique_prefix_widths(["report-a-long"], every) == len("report-a") + 1
    assert unique_prefix_widths(["webinar"], every) == len("webinar"), "no shorter prefix"
    assert unique_prefix_widths(["report-b-long", "webinar-two"], every) == len("webinar-") + 1


def test_ids_are_cut_below_their_prefix_before_the_title_would_go(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("COLUMNS", "40")
    row = ["a" * 50, "2020-01-01", "Title words here, long enough to cut"]
    shown = table(
        [row],
        ["id", "date", "title"],
        cuttable={"title"},
        droppable=("date", "title"),
        least={"id": 45},
    )
    assert widest_line(shown) <= 40
    assert shown.splitlines()[0].split() == ["id", "title"]
    assert "Title words" in shown and "a…" in shown


def test_the_title_gives_way_only_when_no_other_cuttable_column_can():
    # id, title, tags: the tags go down to their least width before the title loses a column.
    assert fitted_widths(
        [10, 40, 30], [False, True, True], [12, 12, 12], 60, (), [False, True, False]
    ) == [10, 38, 12]
    assert fitted_widths(
        [10, 40, 30], [False, True, True], [12, 12, 12], 76, (), [False, True, False]
    ) == [10, 40, 26]
