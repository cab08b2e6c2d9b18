"""Edits described as plain values, applied to an entry before validation."""

from __future__ import annotations

import copy
import re

import pytest

from htcat.edits import (
    EntryEdit,
    apply_edit,
    edited_entry,
    editor_text,
    entry_json,
    field_value,
    parse_assignment,
    split_list,
)
from htcat.errors import InputError, InvalidEntry
from htcat.model import validate_entry

ENTRY = validate_entry(
    {
        "id": "webinar",
        "title": "Labor Trafficking Webinar",
        "type": "webinar",
        "tags": ["labor-trafficking", "webinar"],
        "audiences": ["service providers"],
        "people": [{"family": "Novak", "given": "Jenna", "role": "moderator"}],
        "links": [
            {
                "url": "https://example.org/webinar",
                "kind": "webinar",
                "check": {"outcome": "ok"},
            },
            {"url": "https://example.org/transcript.pdf", "kind": "transcript"},
        ],
        "legacy": {"kept": True},
    }
)


def edited(**changes: tuple[str, ...]) -> dict:
    return validate_entry(apply_edit(ENTRY, EntryEdit(**changes)))


def test_assignment_splits_at_the_first_equals_sign():
    assert parse_assignment("title=A = B") == ("title", "A = B")
    assert parse_assignment(" summary =") == ("summary", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title", "expected FIELD=VALUE"),
        ("id=new-id", "set by htcat"),
        ("created=2020-01-01T00:00:00Z", "set by htcat"),
        ("updated=x", "set by htcat"),
        ("colour=red", "unknown field"),
    ],
)
def test_bad_assignments_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_assignment(text)


def test_list_fields_are_split_on_semicolons():
    assert split_list(" a ; ;b;") == ["a", "b"]
    assert field_value("tags", "Forced Labor; HTLA") == ["Forced Labor", "HTLA"]
    assert field_value("links", "Report|https://e.org/r.pdf|pdf") == [
        {"label": "Report", "url": "https://e.org/r.pdf", "kind": "pdf"}
    ]
    assert field_value("people", "Ana|speaker|OTIP; Ben") == [
        {"family": "Ana", "given": "", "role": "speaker", "affiliation": "OTIP"},
        {"family": "Ben", "given": ""},
    ]
    assert field_value("summary", "a; b") == "a; b"


def test_set_replaces_a_field():
    assert edited(sets=(("title", "New title"), ("date", "2019")))["title"] == "New title"
    assert edited(sets=(("tags", "a;b"),))["tags"] == ["a", "b"]


def test_tags_are_added_and_removed_normalized():
    entry = edited(add_tags=("Supply Chains",), remove_tags=("WEBINAR",))
    assert entry["tags"] == ["labor-trafficking", "supply-chains"]


def test_links_are_removed_by_normalized_url_and_added_from_text():
    entry = edited(
        remove_links=("HTTPS://EXAMPLE.ORG/webinar/",),
        add_links=("Slides|https://example.org/slides.pdf|slides",),
    )
    assert [(link["url"], link["kind"]) for link in entry["links"]] == [
        ("https://example.org/transcript.pdf", "transcript"),
        ("https://example.org/slides.pdf", "slides"),
    ]


def test_kept_links_keep_their_check_results():
    entry = edited(add_links=("https://example.org/more",))
    assert entry["links"][0]["check"] == {"outcome": "ok"}


def test_people_are_removed_by_name_and_added_from_text():
    entry = edited(remove_people=("Jenna Novak",), add_people=("Julissa Ponce|speaker|USCRI",))
    assert entry["people"] == [
        {"family": "Ponce", "given": "Julissa", "role": "speaker", "affiliation": "USCRI"}
    ]


def test_a_person_is_removed_by_any_form_of_the_name():
    for text in ("Jenna Novak", "Novak, Jenna", " Novak,  Jenna "):
        assert edited(remove_people=(text,))["people"] == []
    with pytest.raises(InvalidEntry, match="no such person"):
        edited(remove_people=("Jenna Smith",))


def test_audiences_are_added_and_removed():
    entry = edited(add_audiences=("policymakers",), remove_audiences=("service providers",))
    assert entry["audiences"] == ["policymakers"]


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"remove_tags": ("absent",)}, "tags", "absent"),
        ({"remove_links": ("https://example.org/absent",)}, "links", "https://example.org/absent"),
        ({"remove_people": ("Nobody",)}, "people", "Nobody"),
        ({"remove_audiences": ("children",)}, "audiences", "children"),
    ],
)
def test_removing_what_is_not_there_names_field_and_value(changes, field, value):
    with pytest.raises(InvalidEntry) as caught:
        apply_edit(ENTRY, EntryEdit(**changes))
    assert [(p.field, p.value) for p in caught.value.problems] == [(field, value)]


def test_an_invalid_result_is_caught_by_validation():
    with pytest.raises(InvalidEntry, match=re.escape("links.url 'ftp://example.org/x'")):
        edited(add_links=("ftp://example.org/x",))
    with pytest.raises(InvalidEntry, match="type 'podcast'"):
        edited(sets=(("type", "podcast"),))


def test_applying_an_edit_leaves_the_original_untouched():
    original = copy.deepcopy(ENTRY)
    apply_edit(ENTRY, EntryEdit(add_tags=("x",), remove_links=("https://example.org/webinar",)))
    assert original == ENTRY


def test_unknown_fields_survive_an_edit():
    assert edited(sets=(("title", "T"),))["legacy"] == {"kept": True}


def test_an_empty_edit_is_empty():
    assert EntryEdit().empty and not EntryEdit(add_tags=("x",)).empty
    assert validate_entry(apply_edit(ENTRY, EntryEdit())) == ENTRY


# --- text saved in an editor ------------------------------------------------------------------

STORED = {**ENTRY, "created": "2020-01-01T00:00:00Z", "updated": "2020-01-01T00:00:00Z"}


def saved(change: dict[str, object] | None = None, drop: str = "") -> str:
    """The editor's file after a person made ``change`` (or dropped ``drop``) and saved."""
    entry = {**STORED, **(change or {})}
    entry.pop(drop, None)
    return editor_text(entry_json(entry), ["an earlier problem"])


def test_the_editor_header_is_stripped_and_the_entry_read():
    text = saved({"title": "Renamed"})
    assert text.startswith("# not saved: an earlier problem\n")
    assert edited_entry(text, STORED)["title"] == "Renamed"


def test_a_field_deleted_in_the_editor_is_gone_from_the_result():
    assert "legacy" not in edited_entry(saved(drop="legacy"), STORED)


def test_a_json_error_names_the_line_of_the_file_header_included():
    text = editor_text('{\n  "id": "webinar",\n')
    header_lines = text.count("\n") - 2
    with pytest.raises(InputError, match=f"line {header_lines + 3}, column 1: unexpected end"):
        edited_entry(text, STORED)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tittle": "x"}, "tittle 'x': unknown field; did you mean 'title'?"),
        ({"summry": "x"}, "did you mean 'summary'?"),
        ({"created": "2021-01-01T00:00:00Z"}, "created '2021-01-01T00:00:00Z': set by htcat"),
        ({"updated": "2030-01-01T00:00:00Z"}, "updated '2030-01-01T00:00:00Z': set by htcat"),
        ({"type": "podcast"}, "type 'podcast': must be one of"),
        ({"id": "renamed"}, "id 'renamed' cannot change"),
    ],
)
def test_what_the_editor_refuses_is_named(change, message):
    with pytest.raises(InputError) as refused:
        edited_entry(saved(change), STORED)
    assert message in str(refused.value)


def test_a_field_the_entry_already_had_is_not_unknown():
    assert edited_entry(saved({"legacy": {"kept": False}}), STORED)["legacy"] == {"kept": False}


def test_text_that_is_not_an_object_is_refused():
    with pytest.raises(InputError, match="JSON object"):
        edited_entry(editor_text("[1, 2]"), STORED)
