"""Entries, links and people: every field rule, slugs, tags, untrusted input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htcat.errors import InvalidEntry
from htcat.model import (
    LINK_KINDS,
    MAX_SLUG,
    MAX_TITLE,
    ROLES,
    STATUSES,
    TYPES,
    shape_problem,
    slugify,
    unique_id,
    validate_entry,
)
from htcat.people import display_name, name_text, parse_person_text, split_name
from htcat.store.file import change_catalog, init_catalog
from htcat.tags import normalize_tag, normalize_tags
from htcat.urls import normalize_url, parse_link_text

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def problems_of(raw: dict[str, Any]) -> list[tuple[str, object]]:
    """The (field, value) pairs validation refused ``raw`` for."""
    with pytest.raises(InvalidEntry) as caught:
        validate_entry(raw)
    return [(p.field, p.value) for p in caught.value.problems]


def refused(field: str, value: object) -> InvalidEntry:
    """Validate an entry whose ``field`` is ``value``; expect that field, and only it, refused."""
    return refused_in({"title": "A title", field: value}, field)


def refused_in(raw: dict[str, Any], field: str) -> InvalidEntry:
    """Validate ``raw``; expect ``field``, and only it, refused."""
    with pytest.raises(InvalidEntry) as caught:
        validate_entry(raw)
    assert {p.field for p in caught.value.problems} == {field}, str(caught.value)
    return caught.value


# --- title ------------------------------------------------------------------------------------


def test_title_is_required():
    error = refused("title", "   \n ")
    assert "title" in str(error) and "required" in str(error)


def test_missing_title_is_refused_naming_the_field():
    assert problems_of({"type": "report"}) == [("title", None)]


def test_title_is_trimmed_and_inner_white_space_collapsed():
    assert validate_entry({"title": "  HTLA   Class 6\n Report "})["title"] == "HTLA Class 6 Report"


def test_title_of_500_characters_is_accepted_and_501_refused():
    assert len(validate_entry({"title": "t" * MAX_TITLE})["title"]) == MAX_TITLE
    error = refused("title", "t" * (MAX_TITLE + 1))
    assert "500" in str(error)


def test_title_must_be_text():
    error = refused("title", 42)
    assert "title 42" in str(error)


def test_title_with_control_characters_is_refused():
    refused("title", "bell\x07title")


# --- type, status -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_every_spec_type_is_accepted(kind):
    assert validate_entry({"title": "t", "type": kind})["type"] == kind


def test_type_is_case_insensitive_and_defaults_to_other():
    assert validate_entry({"title": "t", "type": " Webinar "})["type"] == "webinar"
    assert validate_entry({"title": "t"})["type"] == "other"


def test_unknown_type_names_field_and_value():
    error = refused("type", "podcast")
    assert str(error).startswith("type 'podcast':")
    assert "webinar" in str(error)


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_is_accepted(status):
    assert validate_entry({"title": "t", "status": status})["status"] == status


def test_status_defaults_to_published_and_refuses_others():
    assert validate_entry({"title": "t"})["status"] == "published"
    assert "status 'deleted'" in str(refused("status", "deleted"))


# --- summary, notes, publisher ----------------------------------------------------------------


def test_summary_keeps_paragraphs_and_normalizes_line_ends():
    entry = validate_entry({"title": "t", "summary": "First.\r\n\r\nSecond.\n"})
    assert entry["summary"] == "First.\n\nSecond."


def test_publisher_is_one_line():
    refused("publisher", "HHS\nOTIP")
    assert validate_entry({"title": "t", "publisher": " HHS "})["publisher"] == "HHS"


def test_notes_must_be_text():
    refused("notes", ["not", "text"])


# --- date -------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2021", "2021-02", "2021-02-26", "2024-02-29", ""])
def test_dates_at_each_precision_are_accepted(date):
    assert validate_entry({"title": "t", "date": date})["date"] == date


@pytest.mark.parametrize(
    "date", ["21", "2021/02", "2021-2", "2021-02-26T10:00", "Feb 2021", "2021-13", "2021-02-30"]
)
def test_bad_dates_are_refused_naming_the_value(date):
    error = refused("date", date)
    assert f"date {date!r}" in str(error)


def test_impossible_calendar_date_says_so():
    assert "not a calendar date" in str(refused("date", "2023-02-29"))


# --- people -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_accepted(role):
    entry = validate_entry({"title": "t", "people": [{"family": "Ana", "role": role}]})
    assert entry["people"] == [{"family": "Ana", "given": "", "role": role, "affiliation": ""}]


def test_person_given_as_text_is_parsed():
    entry = validate_entry({"title": "t", "people": ["Jenna Novak|moderator|NHTTAC"]})
    jenna = {"family": "Novak", "given": "Jenna", "role": "moderator", "affiliation": "NHTTAC"}
    assert entry["people"] == [jenna]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Martinez de Vedia, Gonzalo", {"family": "Martinez de Vedia", "given": "Gonzalo"}),
        ("Gonzalo Martinez de Vedia", {"family": "de Vedia", "given": "Gonzalo Martinez"}),
        ("Ludwig van Beethoven", {"family": "van Beethoven", "given": "Ludwig"}),
        ("Makini Chisolm-Straker", {"family": "Chisolm-Straker", "given": "Makini"}),
        ("Nguyễn, Văn An", {"family": "Nguyễn", "given": "Văn An"}),
        ("王 小明", {"family": "王", "given": "小明"}),
        ("Madonna", {"family": "Madonna", "given": ""}),
        ("Martinez de Vedia,", {"family": "Martinez de Vedia", "given": ""}),
        ("{King, Jr.}, Martin Luther", {"family": "King, Jr.", "given": "Martin Luther"}),
        (
            "{Office of Trafficking, Inc. and Partners}",
            {"literal": "Office of Trafficking, Inc. and Partners"},
        ),
    ],
)
def test_names_split_into_family_and_given_or_stay_whole(text, name):
    assert split_name(text) == name
    person = {**name, "role": "author"}
    assert split_name(name_text(person)) == name


def test_display_name_puts_the_given_name_first():
    assert display_name({"family": "Martinez de Vedia", "given": "Gonzalo"}) == (
        "Gonzalo Martinez de Vedia"
    )
    assert display_name({"literal": "OTIP"}) == "OTIP"


def test_an_older_plain_name_is_split_on_validation():
    entry = validate_entry({"title": "t", "people": [{"name": "Jenna Novak", "role": "moderator"}]})
    assert entry["people"] == [
        {"family": "Novak", "given": "Jenna", "role": "moderator", "affiliation": ""}
    ]


def test_an_organization_is_one_literal_name():
    entry = validate_entry({"title": "t", "people": ["{Office on Trafficking in Persons}|author"]})
    assert entry["people"] == [
        {"literal": "Office on Trafficking in Persons", "role": "author", "affiliation": ""}
    ]
    refused_in({"title": "t", "people": [{"literal": "OTIP", "family": "Novak"}]}, "people.literal")


def test_person_role_defaults_to_author():
    assert validate_entry({"title": "t", "people": ["Ana"]})["people"][0]["role"] == "author"


def test_person_with_unknown_role_is_refused():
    error = refused_in({"title": "t", "people": [{"family": "Ana", "role": "host"}]}, "people.role")
    assert "people.role 'host'" in str(error)


def test_person_without_name_is_refused():
    refused_in({"title": "t", "people": [{"role": "speaker"}]}, "people.family")
    refused_in({"title": "t", "people": [{"given": "Ana"}]}, "people.family")


def test_people_must_be_a_list_of_objects():
    assert problems_of({"title": "t", "people": "Ana"}) == [("people", "Ana")]
    assert problems_of({"title": "t", "people": [7]}) == [("people", 7)]


def test_person_text_with_too_many_parts_is_refused():
    with pytest.raises(InvalidEntry, match="people"):
        parse_person_text("a|b|c|d")


# --- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_every_link_kind_is_accepted(kind):
    link = {"url": "https://example.org/a", "kind": kind}
    assert validate_entry({"title": "t", "links": [link]})["links"][0]["kind"] == kind


def test_link_kind_is_guessed_from_the_url():
    entry = validate_entry(
        {"title": "t", "links": ["https://example.org/r.PDF", "https://example.org/page"]}
    )
    assert [link["kind"] for link in entry["links"]] == ["pdf", "page"]


def test_link_text_with_label_and_kind_is_parsed():
    entry = validate_entry({"title": "t", "links": ["Transcript|https://e.org/t.pdf|transcript"]})
    assert entry["links"] == [
        {"url": "https://e.org/t.pdf", "label": "Transcript", "kind": "transcript", "check": None}
    ]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a.pdf",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "/relative/path.pdf",
        "example.org/a.pdf",
        "https://",
        "https://user:secret@example.org/",
        "https://example.org/a b.pdf",
        "https://example.org:port/",
        "http://[::1",
        "https://[/report.pdf",
        "",
    ],
)
def test_links_must_be_absolute_http_or_https(url):
    error = refused_in({"title": "t", "links": [{"url": url}]}, "links.url")
    assert f"links.url {url!r}" in str(error)


def test_unknown_link_kind_is_refused():
    link = {"url": "https://e.org/", "kind": "podcast"}
    refused_in({"title": "t", "links": [link]}, "links.kind")


def test_link_keeps_its_check_result():
    check = {"outcome": "ok", "status": 200}
    entry = validate_entry({"title": "t", "links": [{"url": "https://e.org/", "check": check}]})
    assert entry["links"][0]["check"] == check


def test_link_text_with_four_parts_is_refused():
    with pytest.raises(InvalidEntry, match="links"):
        parse_link_text("a|https://e.org|pdf|extra")


def test_normalized_urls_ignore_case_default_port_fragment_and_trailing_slash():
    assert normalize_url("HTTPS://Example.ORG:443/Report/#top") == "https://example.org/Report"
    assert normalize_url("http://example.org:8080/a?x=1") == "http://example.org:8080/a?x=1"


# --- lists of strings, tags -------------------------------------------------------------------


def test_audiences_keep_order_and_drop_repeats():
    entry = validate_entry(
        {"title": "t", "audiences": ["health professionals", "policymakers", "policymakers"]}
    )
    assert entry["audiences"] == ["health professionals", "policymakers"]


def test_tags_are_trimmed_lowered_hyphenated_unique_and_sorted():
    entry = validate_entry(
        {"title": "t", "tags": ["  Supply Chains ", "supply-chains", "Forced  Labor", "HTLA", ""]}
    )
    assert entry["tags"] == ["forced-labor", "htla", "supply-chains"]


def test_tags_must_be_a_list_of_text():
    assert problems_of({"title": "t", "tags": "a,b"}) == [("tags", "a,b")]
    refused("tags", ["ok", 3])


def test_normalize_tag_matches_the_spec_examples():
    assert normalize_tag(" Health Professionals ") == "health-professionals"
    assert normalize_tags(["b", "A", "a", " b "]) == ["a", "b"]


# --- id, stamps, unknown fields ---------------------------------------------------------------


@pytest.mark.parametrize("ident", ["Bad_ID", "two--hyphens", "-leading", "trailing-", "é"])
def test_ids_must_be_slugs(ident):
    assert f"id {ident!r}" in str(refused("id", ident))


def test_stamps_must_be_utc_timestamps():
    assert "created 'yesterday'" in str(refused("created", "yesterday"))
    refused("updated", "2026-01-31 12:00:00")
    entry = validate_entry({"title": "t", "created": "2026-01-31T12:00:00Z"})
    assert entry["created"] == "2026-01-31T12:00:00Z"


def test_unknown_fields_are_kept_as_they_are():
    extra = {"legacy_code": "X-17", "review": {"by": "ana", "score": [1, 2]}}
    entry = validate_entry({"title": "t", **extra})
    assert entry["legacy_code"] == "X-17"
    assert entry["review"] == extra["review"]


def test_every_problem_is_named_at_once():
    raw = {"title": "", "type": "podcast", "date": "soon", "links": [{"url": "ftp://x"}]}
    fields = [field for field, _ in problems_of(raw)]
    assert fields == ["title", "type", "date", "links.url"]


def test_where_prefixes_the_message():
    with pytest.raises(InvalidEntry, match=r"^row 7: type 'x'"):
        validate_entry({"title": "t", "type": "x"}, where="row 7")


def test_valid_entry_has_every_known_field():
    entry = validate_entry({"title": "t"})
    assert set(entry) == {
        "title",
        "type",
        "summary",
        "date",
        "publisher",
        "status",
        "notes",
        "people",
        "audiences",
        "tags",
        "links",
    }


# --- slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("HTLA Class 6 Recommendations Report", "htla-class-6-recommendations-report"),
        (
            "Research & Policy: OTIP and HHS Data Collection",
            "research-policy-otip-and-hhs-data-collection",
        ),
        ("Trata de personas: guía para niñas", "trata-de-personas-guia-para-ninas"),
        ("Straße", "strasse"),
        ("  --!!--  ", "entry"),
        ("人口贩卖", "entry"),
    ],
)
def test_slugs_are_made_from_titles(title, slug):
    assert slugify(title) == slug


def test_long_titles_make_slugs_cut_at_a_word():
    slug = slugify("Labor Trafficking Among Foreign Nationals and Migrant Workers " * 3)
    assert len(slug) <= MAX_SLUG
    assert ID_RE.match(slug)
    assert "labor-trafficking-among-foreign-nationals-and-migrant-workers-labor".startswith(
        slug[:60]
    )


def test_clashes_get_numbered_suffixes():
    assert unique_id("report", set()) == "report"
    assert unique_id("report", {"report"}) == "report-2"
    assert unique_id("report", {"report", "report-2"}) == "report-3"
    assert unique_id("report", {"report", "report-3"}) == "report-2"
    assert unique_id("report", {"report", "report-2", "report-3"}) == "report-4"
    assert unique_id("report", {"report", *(f"report-{n}" for n in range(2, 12))}) == "report-12"


def test_adding_the_same_title_three_times_gives_suffixed_ids(tmp_path: Path):
    path = tmp_path / "catalog.json"
    init_catalog(path)
    with change_catalog(path) as catalog:
        ids = [catalog.add({"title": "Fact Sheet: Labor Trafficking"})["id"] for _ in range(3)]
    assert ids == [
        "fact-sheet-labor-trafficking",
        "fact-sheet-labor-trafficking-2",
        "fact-sheet-labor-trafficking-3",
    ]


# --- untrusted input (property tests) ---------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
urls = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}://{}/{}".format,
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.text(max_size=15),
        st.text(max_size=15),
    ),
)
links = st.one_of(
    urls,
    st.fixed_dictionaries(
        {"url": urls},
        optional={"label": json_values, "kind": st.sampled_from([*LINK_KINDS, "x"]) | json_values},
    ),
    json_values,
)
people = st.one_of(
    st.text(max_size=30),
    st.fixed_dictionaries(
        {}, optional={"family": json_values, "role": st.sampled_from(ROLES) | json_values}
    ),
    json_values,
)
raw_entries = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=20) | json_values,
        "title": st.text(max_size=40) | st.text(min_size=495, max_size=505) | json_values,
        "type": st.sampled_from(TYPES) | json_values,
        "summary": st.text(max_size=80) | json_values,
        "date": st.from_regex(r"\d{4}(-\d\d(-\d\d)?)?", fullmatch=True) | json_values,
        "publisher": json_values,
        "status": st.sampled_from(STATUSES) | json_values,
        "notes": json_values,
        "people": st.lists(people, max_size=3) | json_values,
        "audiences": st.lists(st.text(max_size=20), max_size=3) | json_values,
        "tags": st.lists(st.text(max_size=20), max_size=5) | json_values,
        "links": st.lists(links, max_size=3) | json_values,
        "created": st.text(max_size=25) | json_values,
        "unknown": json_values,
    },
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(raw_entries)
def test_validate_entry_raises_nothing_but_invalid_entry(raw):
    try:
        entry = validate_entry(raw)
    except InvalidEntry as exc:
        assert exc.problems
        assert all(p.field and p.reason for p in exc.problems)
        return
    assert validate_entry(entry) == entry, "a valid entry must validate to itself"
    assert entry["title"] and len(entry["title"]) <= MAX_TITLE
    assert entry["tags"] == normalize_tags(entry["tags"])
    assert all(link["url"].lower().startswith(("http://", "https://")) for link in entry["links"])


@given(st.lists(st.text()))
def test_normalize_tags_is_idempotent(tags):
    once = normalize_tags(tags)
    assert normalize_tags(once) == once
    assert once == sorted(set(once))
    assert all(t and t == t.strip() and not re.search(r"\s", t) for t in once)


@given(st.text())
def test_slugify_always_gives_a_valid_id(title):
    slug = slugify(title)
    assert ID_RE.match(slug), slug
    assert len(slug) <= MAX_SLUG


@given(st.text(), st.sets(st.text(alphabet="abc-2", max_size=6), max_size=8))
def test_unique_id_is_never_taken(title, taken):
    base = slugify(title)
    assert unique_id(base, taken) not in taken


# --- spreadsheet dates, type labels, tags typed with commas -----------------------------------


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("Information Memorandum", "information-memorandum"),
        ("fact sheet", "fact-sheet"),
        ("FACT  SHEET", "fact-sheet"),
        ("Fact-Sheet", "fact-sheet"),
        ("Report", "report"),
    ],
)
def test_a_type_is_given_by_its_name_or_its_label(given: str, kind: str):
    assert validate_entry({"title": "T", "type": given})["type"] == kind


def test_a_type_that_is_no_label_is_still_refused():
    with pytest.raises(InvalidEntry, match="type 'Memo': must be one of"):
        validate_entry({"title": "T", "type": "Memo"})


# --- the citation part -------------------------------------------------------------------


def test_citation_is_validated_ordered_and_left_out_when_empty():
    entry = validate_entry(
        {"title": "T", "citation": {"page": " 1-2 ", "volume": 19, "container-title": "J"}}
    )
    assert list(entry["citation"].items()) == [
        ("container-title", "J"),
        ("volume", "19"),
        ("page", "1-2"),
    ]
    assert "citation" not in validate_entry({"title": "T", "citation": {"volume": ""}})
    assert "citation" not in validate_entry({"title": "T"})


def test_citation_as_json_text_is_read_as_a_csv_cell_holds_it():
    entry = validate_entry({"title": "T", "citation": '{"ISBN": "978-92-1-130410-4"}'})
    assert entry["citation"] == {"ISBN": "978-92-1-130410-4"}


@pytest.mark.parametrize(
    ("citation", "field", "reason"),
    [
        ({"journal": "J"}, "citation.journal", "unknown; expected container-title"),
        ({"volume": ["1"]}, "citation.volume", "must be text"),
        ({"page": "1\n2"}, "citation.page", "contains control characters"),
        ("not json", "citation", "must be an object"),
        (["J"], "citation", "must be an object"),
    ],
)
def test_a_bad_citation_is_refused_by_name(citation: object, field: str, reason: str):
    with pytest.raises(InvalidEntry) as caught:
        validate_entry({"title": "T", "citation": citation})
    [problem] = caught.value.problems
    assert problem.field == field and reason in problem.reason


def test_shape_check_refuses_a_citation_that_is_not_an_object_of_text():
    assert shape_problem({"id": "a", "title": "T", "citation": {"volume": 1}}) == (
        "citation must be an object of text"
    )
    assert shape_problem({"id": "a", "title": "T", "citation": {"volume": "1"}}) is None


def test_name_affixes_are_kept_and_shown():
    entry = validate_entry(
        {
            "title": "T",
            "people": [
                {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
                {
                    "family": "King",
                    "given": "Martin Luther",
                    "suffix": "Jr.",
                    "dropping-particle": "",
                },
            ],
        }
    )
    gogh, king = entry["people"]
    assert gogh["non-dropping-particle"] == "van" and "dropping-particle" not in king
    assert display_name(gogh) == "Vincent van Gogh"
    assert display_name(king) == "Martin Luther King, Jr."
