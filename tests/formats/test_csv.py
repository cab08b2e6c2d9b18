"""CSV: the spreadsheet format, its escapes, formula safety and refusals."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.formats import csv as csv_format
from htcat.formats import read_rows
from htcat.formats.csv import (
    csv_line,
    join_items,
    neutralize_formula,
    read,
    restore_formula,
    split_items,
    write,
)
from htcat.model import KNOWN_FIELDS, validate_entry

ENTRY = validate_entry(
    {
        "id": "a-report",
        "title": 'A report, with "quotes"',
        "type": "report",
        "summary": "First paragraph.\n\nSecond; with | bars.",
        "date": "2021-05",
        "publisher": "HHS",
        "people": [
            {"family": "Lovelace", "given": "Ada; Augusta", "role": "author", "affiliation": "A|B"},
            {"literal": "Office of Trafficking, Inc. and Partners", "role": "contributor"},
        ],
        "audiences": ["health professionals"],
        "tags": ["supply-chains", "semi;colon"],
        "links": [{"url": "https://example.org/a.pdf", "label": "PDF | full", "kind": "pdf"}],
        "notes": "internal only",
    }
)


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def only_row(data: bytes, **options: bool) -> dict[str, object]:
    rows = read(data, "in.csv", **options)
    assert len(rows) == 1 and not rows[0].problems, rows
    return rows[0].data


# --- writing ----------------------------------------------------------------------------------


def test_columns_are_the_entry_fields_in_order_without_notes():
    header = cells(write([ENTRY]))[0]
    assert header == [f for f in KNOWN_FIELDS if f != "notes"]


def test_notes_only_with_include_internal():
    assert "internal only" not in write([ENTRY]).decode()
    header, row = cells(write([ENTRY], include_internal=True))
    assert row[header.index("notes")] == "internal only"


def test_list_cells_escape_separators_inside_items():
    header, row = cells(write([ENTRY]))
    assert row[header.index("tags")] == "semi\\;colon;supply-chains"
    assert row[header.index("links")] == "PDF \\| full|https://example.org/a.pdf|pdf"
    assert row[header.index("people")] == (
        "Lovelace, Ada\\; Augusta|author|A\\|B;"
        "{Office of Trafficking, Inc. and Partners}|contributor|"
    )


def test_link_check_results_are_not_in_csv():
    entry = {**ENTRY, "links": [{**ENTRY["links"][0], "check": {"outcome": "broken"}}]}
    assert "broken" not in write([entry]).decode()


def test_hyperlink_formula_in_a_title_comes_out_inert():
    entry = {**ENTRY, "title": '=HYPERLINK("http://evil.example","click")'}
    header, row = cells(write([entry]))
    assert row[header.index("title")] == '\'=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralized(start: str):
    assert neutralize_formula(start + "1") == "'" + start + "1"


@pytest.mark.parametrize("text", ["plain", "", "'quoted", "it's =fine", "1-2", "''"])
def test_harmless_cells_are_left_alone(text: str):
    assert neutralize_formula(text) == text
    assert restore_formula(text) == text


def test_a_value_that_truly_starts_with_a_quote_and_equals_round_trips():
    assert neutralize_formula("'=x") == "''=x"
    assert restore_formula("''=x") == "'=x"


@given(st.text())
def test_formula_neutralizing_is_reversed_exactly(text: str):
    assert restore_formula(neutralize_formula(text)) == text
    assert neutralize_formula(text)[:1] not in csv_format.FORMULA_STARTS


@given(st.lists(st.text(), min_size=2, max_size=5))
def test_records_read_back_as_the_csv_module_reads_them(row: list[str]):
    line = csv_line(row)
    assert cells(line.encode("utf-8")) == [row]
    if "\r" not in "".join(row):  # the csv module leaves a bare \r unquoted; we quote it
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(row)
        assert line == out.getvalue()


def test_a_carriage_return_inside_a_cell_survives_the_round_trip():
    # Validation turns line ends into \n; the writer must still not split a row at one.
    row = only_row(write([{"id": "x", "title": "one\rtwo", "summary": "a\r\nb"}]))
    assert row["title"] == "one\rtwo" and row["summary"] == "a\r\nb"


item_part = st.text().map(str.strip)


@given(st.lists(st.lists(item_part, min_size=3, max_size=3), max_size=5))
def test_list_cells_round_trip_any_text(items: list[list[str]]):
    kept = [item for item in items if any(item)]
    assert split_items(join_items(items)) == kept


@given(st.lists(item_part.filter(bool), max_size=5))
def test_plain_list_cells_round_trip_any_text(items: list[str]):
    assert split_items(join_items([i] for i in items), parts=False) == [[i] for i in items]


def test_a_lone_backslash_is_read_as_written():
    assert split_items("C:\\Reports;x\\") == [["C:\\Reports"], ["x\\"]]


# --- reading ----------------------------------------------------------------------------------


def test_a_csv_saved_by_a_spreadsheet_imports():
    data = (
        "\ufeffTitle,TYPE,Summary,Links,Tags\r\n"
        '"Webinar, part 1",webinar,"First line\r\n\r\nSecond ""quoted"" line",'
        "https://example.org/w,Labor Trafficking; Health\r\n"
    ).encode()
    row = only_row(data)
    assert row["title"] == "Webinar, part 1"
    assert row["type"] == "webinar"
    assert row["summary"] == 'First line\r\n\r\nSecond "quoted" line'
    assert row["links"] == [{"url": "https://example.org/w"}]
    entry = validate_entry(row)
    assert entry["summary"] == 'First line\n\nSecond "quoted" line'
    assert entry["tags"] == ["health", "labor-trafficking"]


def test_links_may_be_a_bare_url_or_label_url_kind():
    data = b"title,links\nT,https://a.example/x.pdf;Page|https://b.example/|page\n"
    assert only_row(data)["links"] == [
        {"url": "https://a.example/x.pdf"},
        {"label": "Page", "url": "https://b.example/", "kind": "page"},
    ]


def test_people_read_as_name_role_affiliation():
    data = b"title,people\nT,Jenna Novak|moderator;Julissa Ponce|speaker|USCRI\n"
    assert only_row(data)["people"] == [
        {"name": "Jenna Novak", "role": "moderator"},
        {"name": "Julissa Ponce", "role": "speaker", "affiliation": "USCRI"},
    ]


def test_a_link_with_too_many_parts_is_a_problem_of_its_row():
    rows = read(b"title,links\nT,a|https://x.example|pdf|extra\n", "in.csv")
    assert rows[0].problems[0].field == "links"
    assert "LABEL|URL|KIND" in rows[0].problems[0].reason


def test_neutralized_cells_are_restored_on_import():
    data = write([{**ENTRY, "title": "=1+1", "summary": "-minus", "publisher": "@at"}])
    row = only_row(data)
    assert (row["title"], row["summary"], row["publisher"]) == ("=1+1", "-minus", "@at")


def test_blank_rows_are_skipped_and_rows_named_as_a_spreadsheet_counts():
    data = b'title,type\nA,report\n\n,\n"B\nstill B",report\nC,nonsense\n'
    rows = read(data, "in.csv")
    assert [r.where for r in rows] == ["row 2 (line 2)", "row 5 (line 5)", "row 6 (line 7)"]


def test_ragged_rows_are_each_reported_with_their_row():
    data = b"title,type\nA,report\nB\nC,report,extra\n"
    rows = read(data, "in.csv")
    assert [r.where for r in rows if r.problems] == ["row 3 (line 3)", "row 4 (line 4)"]
    assert "the header has 2 columns" in rows[1].problems[0].reason


def test_unknown_columns_are_problems_of_the_first_row_that_fills_them():
    rows = read_rows(b"title,Colour,Tittle\nA,,x\nB,red,y\n", "csv", source="in.csv")
    first, second = ([str(p) for p in row.problems] for row in rows)
    assert first == [
        "Tittle 'x': unknown column; did you mean 'title'? Rename it, or keep it with "
        "--keep-unknown"
    ]
    assert len(second) == 1 and second[0].startswith("Colour 'red': unknown column; the columns")


def test_unknown_columns_are_kept_as_fields_with_keep_unknown():
    rows = read_rows(b"title,Colour\nA,red\nB,\n", "csv", source="in.csv", keep_unknown=True)
    assert [r.data for r in rows] == [{"title": "A", "Colour": "red"}, {"title": "B"}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed_from_the_header_row(delimiter: str):
    data = f'title{delimiter}tags\n"A, b; c"{delimiter}"x, y; z"\n'.encode()
    (row,) = read(data, "in.csv")
    assert row.data == {"title": "A, b; c", "tags": ["x", "y", "z"]}


def test_a_given_delimiter_beats_the_sniffed_one():
    (row,) = read(b'title;"tags,x"\nA;B\n', "in.csv", delimiter=";")
    assert row.data == {"title": "A", "tags,x": "B"}
    with pytest.raises(InputError, match="no title column"):
        read(b"title;tags\nA;B\n", "in.csv", delimiter=",")


def test_a_column_named_twice_is_refused():
    with pytest.raises(InputError, match="'title' appears twice"):
        read(b"title,Title\nA,B\n", "in.csv")


def test_a_column_without_a_name_is_refused():
    with pytest.raises(InputError, match="column 2 has no name"):
        read(b"title,\nA,B\n", "in.csv")


def test_an_empty_file_is_refused():
    with pytest.raises(InputError, match="empty"):
        read(b"", "in.csv")


def test_a_header_without_title_id_or_links_is_refused():
    with pytest.raises(InputError, match="no title column"):
        read(b"type,date\nreport,2020\n", "in.csv")


def test_an_unclosed_quote_names_the_line_it_starts_on():
    data = b'title,summary\nA,ok\nB,"never closed\nmore\n'
    with pytest.raises(InputError, match=r"in.csv line 3: unexpected end of data"):
        read(data, "in.csv")


def test_a_binary_file_is_refused_with_its_position():
    with pytest.raises(InputError, match=r"in.csv line 2, column 3: a NUL byte.*binary"):
        read(b"title\nab\x00cd\n", "in.csv")


def test_text_that_is_not_utf8_is_refused_with_its_position():
    with pytest.raises(InputError, match=r"line 2, column 4: byte 0xe9 is not UTF-8"):
        read("title\ncaf\u00e9\n".encode("latin-1"), "in.csv")


def test_a_very_long_summary_is_read():
    summary = "x" * 300_000
    assert only_row(f"title,summary\nA,{summary}\n".encode())["summary"] == summary


def test_written_csv_reads_back_as_the_same_entry():
    (row,) = read(write([ENTRY], include_internal=True), "out.csv")
    assert validate_entry(row.data) == {
        **ENTRY,
        "links": [{**ENTRY["links"][0], "check": None}],
    }


# --- spreadsheet dates and comma lists --------------------------------------------------------


def dates_read(*cells: str, order: str | None = None) -> list[tuple[str, list[str], list[str]]]:
    data = ("title,date\n" + "".join(f"T{n},{c}\n" for n, c in enumerate(cells))).encode()
    rows = read(data, "in.csv", date_order=order)
    return [(r.data["date"], [p.reason for p in r.problems], list(r.warnings)) for r in rows]


def test_an_ambiguous_date_takes_the_order_the_files_other_dates_show():
    (_, (date, problems, warnings)) = dates_read("3/15/2024", "3/4/2024")
    assert (date, problems) == ("2024-03-04", [])
    assert warnings == [
        "date '3/4/2024' read as 2024-03-04: month first, as the file's other dates"
    ]
    assert dates_read("15/3/2024", "3/4/2024")[1][0] == "2024-04-03"


def test_an_ambiguous_date_is_refused_when_the_file_shows_no_one_order():
    for cells in (("3/4/2024",), ("3/15/2024", "15/3/2024", "3/4/2024"), ("15.3.2024", "3/4/2024")):
        date, problems, _ = dates_read(*cells)[-1]
        assert date == ""
        assert problems[0].startswith("could be 2024-03-04 (--date-order mdy) or 2024-04-03")


def test_a_given_date_order_reads_every_date_that_way():
    assert [d for d, _, _ in dates_read("3/4/2024", "4.3.2024", order="mdy")] == [
        "2024-03-04",
        "2024-04-03",
    ]
    _, problems, _ = dates_read("15/3/2024", order="mdy")[0]
    assert problems == ["is not a calendar date; write it as YYYY-MM-DD"]


def test_tags_and_audiences_split_on_commas_and_audiences_keep_theirs_through_export():
    entry = {"id": "a", "title": "A", "audiences": ["Survivors, families", "staff"], "tags": []}
    (row,) = read(write([entry]), "out.csv")
    assert row.data["audiences"] == ["Survivors, families", "staff"]
    (typed,) = read(b'title,audiences,tags\nA,"Survivors, families; staff","a, b;c"\n')
    assert typed.data["audiences"] == ["Survivors", "families", "staff"]
    assert typed.data["tags"] == ["a", "b", "c"]


@given(st.lists(item_part.filter(bool), max_size=5))
def test_comma_list_cells_round_trip_any_text(items: list[str]):
    cell = join_items(([i] for i in items), commas=True)
    assert split_items(cell, parts=False, commas=True) == [[i] for i in items]


cell_text_strategy = st.text(st.characters(exclude_categories=("Cs",)), max_size=20).filter(
    lambda t: t.strip() and not t.startswith("'") and "\x00" not in t
)


@given(st.sampled_from([",", ";", "\t"]), st.lists(cell_text_strategy, min_size=1, max_size=4))
def test_any_titles_read_back_whatever_the_delimiter(delimiter: str, titles: list[str]):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Title", "Publisher"])
    writer.writerows([title, "P"] for title in titles)
    rows = read(out.getvalue().encode(), "in.csv")
    assert [row.data["title"] for row in rows] == titles
