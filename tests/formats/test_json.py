"""JSON and JSON Lines: whole entries, the shapes the reader accepts, and refusals."""

from __future__ import annotations

import orjson
import pytest

from htcat.errors import InputError
from htcat.formats import json as json_format
from htcat.formats import jsonl, read_rows
from htcat.model import KNOWN_FIELDS

ENTRY = {
    "id": "a",
    "title": "Café report",
    "type": "report",
    "notes": "internal",
    "links": [
        {"url": "https://x.example/", "kind": "page", "label": "", "check": {"outcome": "ok"}}
    ],
}


def test_json_export_is_an_array_of_whole_entries_with_checks():
    data = json_format.write([ENTRY])
    assert data.endswith(b"]\n") and "Café".encode() in data
    assert orjson.loads(data) == [{k: v for k, v in ENTRY.items() if k != "notes"}]


def test_json_export_keeps_notes_only_with_include_internal():
    assert orjson.loads(json_format.write([ENTRY], include_internal=True)) == [ENTRY]


def test_exported_keys_follow_the_field_order():
    (item,) = orjson.loads(json_format.write([{"zz": 1, **ENTRY}], include_internal=True))
    assert list(item) == [f for f in KNOWN_FIELDS if f in ENTRY] + ["zz"]
    assert list(item["links"][0]) == ["url", "label", "kind", "check"]


@pytest.mark.parametrize(
    "document",
    [
        [ENTRY],
        {"entries": [ENTRY]},
        ENTRY,
        {"_meta": {"1": {"schema": 1}}, "entries": {"1": ENTRY}},
        {"_default": {"1": ENTRY}},
    ],
    ids=["array", "wrapped", "one-entry", "catalog", "old-catalog"],
)
def test_json_reader_takes_every_shape_a_script_holds(document: object):
    (row,) = json_format.read(orjson.dumps(document), "in.json")
    assert row.data == ENTRY and row.where == "entry 1"


def test_a_catalog_file_is_read_in_document_order():
    table = {str(n): {"id": f"e{n}", "title": str(n)} for n in (10, 2, 1)}
    rows = json_format.read(orjson.dumps({"_meta": {}, "entries": table}), "c.json")
    assert [r.data["id"] for r in rows] == ["e1", "e2", "e10"]


def test_json_with_a_bom_is_read():
    assert json_format.read(b"\xef\xbb\xbf" + orjson.dumps([ENTRY]), "in.json")[0].data == ENTRY


def test_truncated_json_names_line_and_column():
    with pytest.raises(InputError, match=r"in.json line 3, column \d+: unexpected end of data"):
        json_format.read(b'[\n  {"title": "A"},\n  {"title": ', "in.json")


def test_json_that_is_not_entries_is_refused():
    with pytest.raises(InputError, match="expected a JSON array of entries"):
        json_format.read(b'"just a string"', "in.json")


def test_a_json_item_that_is_not_an_object_is_a_problem_of_that_entry():
    rows = json_format.read(b'[{"title": "A"}, 42]', "in.json")
    assert rows[1].where == "entry 2" and rows[1].problems[0].reason == "must be a JSON object"


def test_unknown_json_fields_are_problems_of_the_entry_where_they_first_appear():
    rows = read_rows(b'[{"title": "A"}, {"tittle": "B"}, {"tittle": "C"}]', "json")
    assert [[str(p) for p in row.problems] for row in rows] == [
        [],
        [
            "tittle 'B': unknown field; did you mean 'title'? Rename it, or keep it with "
            "--keep-unknown"
        ],
        [],
    ]


def test_unknown_json_fields_are_kept_with_keep_unknown():
    rows = read_rows(b'[{"title": "A", "legacy": [1]}]', "json", keep_unknown=True)
    assert rows[0].data == {"title": "A", "legacy": [1]}


def test_binary_json_is_refused():
    with pytest.raises(InputError, match="binary"):
        json_format.read(b"\x89PNG\r\n\x1a\n\x00\x00", "in.json")


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_export_is_one_compact_object_per_line():
    data = jsonl.write([ENTRY, {**ENTRY, "id": "b"}])
    lines = data.split(b"\n")
    assert len(lines) == 3 and lines[2] == b""
    assert [orjson.loads(line)["id"] for line in lines[:2]] == ["a", "b"]


def test_jsonl_reader_names_lines_and_skips_blank_ones():
    data = b'{"title": "A"}\r\n\r\n{"title": "B"}\n'
    assert [(r.where, r.data) for r in jsonl.read(data, "in.jsonl")] == [
        ("line 1", {"title": "A"}),
        ("line 3", {"title": "B"}),
    ]


def test_every_bad_jsonl_line_is_a_problem_with_its_column():
    data = b'{"title": "A"}\n{"title": \n[1]\n{"title": "D"}\n'
    rows = jsonl.read(data, "in.jsonl")
    bad = [(r.where, r.problems[0].reason) for r in rows if r.problems]
    assert bad[0][0] == "line 2" and bad[0][1].startswith("column ")
    assert bad[1] == ("line 3", "must be a JSON object")
    assert len(rows) == 4


def test_unknown_jsonl_fields_are_problems_of_their_line():
    rows = read_rows(b'{"title": "A"}\n{"title": "B", "colour": 1}\n', "jsonl")
    assert rows[1].where == "line 2" and rows[1].problems[0].field == "colour"
