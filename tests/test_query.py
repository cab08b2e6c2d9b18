"""Keyword parsing, filters, sorting and paging, as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.model import Entry, validate_entry
from htcat.query import (
    Filters,
    Keywords,
    Order,
    Page,
    displaying,
    link_statuses,
    matches,
    parse_keywords,
    select,
)


def entry(ident: str, **fields: object) -> Entry:
    raw = {"id": ident, "title": ident.replace("-", " ").title(), **fields}
    return {**validate_entry(raw), "updated": fields.get("updated", "2024-01-01T00:00:00Z")}


def checked(outcome: str | None) -> dict[str, object]:
    return {"url": "https://example.org/x", "check": {"outcome": outcome} if outcome else None}


CATALOG = [
    entry(
        "supply-chains-memo",
        type="information-memorandum",
        date="2023-02",
        tags=["supply-chains", "forced-labor"],
        summary="How federal courts handled forced labor in health care.",
        status="published",
        links=[checked("ok")],
        updated="2024-03-01T00:00:00Z",
    ),
    entry(
        "htla-report",
        type="report",
        date="2021-02-26",
        tags=["htla", "forced-labor"],
        summary="Risk factors among migratory families.",
        people=[{"family": "Martínez de Vedia", "given": "Gonzalo", "role": "speaker"}],
        links=[checked("broken"), checked("ok")],
        updated="2024-01-05T00:00:00Z",
    ),
    entry(
        "migrant-webinar",
        type="webinar",
        date="2019",
        tags=["migrant-workers", "agriculture"],
        summary="Outreach to foreign nationals in the agricultural industry.",
        publisher="NHTTAC",
        links=[{**checked("moved"), "label": "Q&A Responses (PDF)"}],
        updated="2024-02-01T00:00:00Z",
    ),
    entry(
        "data-page",
        type="research",
        date="2017-06",
        tags=["data"],
        summary="Data collection, evaluation and research.",
        status="archived",
        audiences=["law enforcement", "researchers"],
        links=[checked(None)],
        updated="2023-12-01T00:00:00Z",
    ),
    entry("undated-draft", type="report", status="draft", summary="Trata de niñas en México"),
]


def ids(filters: Filters, order: Order | None = None) -> list[str]:
    return [e["id"] for e in select(CATALOG, filters, order or Order()).entries]


# --- keywords ---------------------------------------------------------------------------------


def all_of(*terms: str) -> Keywords:
    return Keywords(tuple((t,) for t in terms))


def test_keywords_are_words_and_quoted_phrases():
    parsed = parse_keywords('Supply  "forced   labor" chains')
    assert parsed == all_of("supply", "forced labor", "chains")


def test_unbalanced_quote_runs_to_the_end_as_a_phrase():
    assert parse_keywords('health "forced labor') == all_of("health", "forced labor")
    assert parse_keywords('"') == Keywords()


def test_keywords_are_folded():
    assert parse_keywords("MÉXICO Niñas") == all_of("mexico", "ninas")


def test_or_joins_the_terms_beside_it_and_binds_closer_than_and():
    assert parse_keywords("trafficking OR exploitation") == Keywords(
        (("trafficking", "exploitation"),)
    )
    parsed = parse_keywords('labor trafficking OR "forced work" OR exploitation')
    assert parsed == Keywords((("labor",), ("trafficking", "forced work", "exploitation")))
    assert parse_keywords("this or that") == all_of("this", "or", "that"), "only OR in capitals"
    assert parse_keywords('"OR"') == all_of("or")


def test_a_minus_before_a_word_or_phrase_excludes_it():
    parsed = parse_keywords('"forced labor" -webinar -"Q&A responses"')
    assert parsed == Keywords((("forced labor",),), ("webinar", "q a responses"))
    assert parse_keywords("anti-trafficking e-learning") == all_of("anti trafficking", "e learning")


def test_a_dangling_or_a_lone_minus_and_empty_terms_are_ignored():
    assert parse_keywords("OR a OR") == all_of("a")
    assert parse_keywords("a OR -b c") == Keywords((("a",), ("c",)), ("b",))
    assert parse_keywords("a - !!! -!! OR") == all_of("a")
    assert not parse_keywords("OR - --")


def test_or_lets_either_term_match():
    query = "migratory OR agricultural"
    assert ids(Filters.build(query=query)) == ["htla-report", "migrant-webinar"]
    assert ids(Filters.build(query=f"forced {query}")) == ["htla-report"]


def test_excluded_terms_leave_out_the_entries_they_match():
    assert ids(Filters.build(query="forced -migratory")) == ["supply-chains-memo"]
    assert ids(Filters.build(query='-"forced labor" -data')) == ["migrant-webinar", "undated-draft"]
    assert ids(Filters.build(query="-MÉXICO -forced -data -agricult")) == []


def test_every_word_must_match():
    assert ids(Filters.build(query="forced labor")) == ["supply-chains-memo", "htla-report"]
    assert ids(Filters.build(query="forced agricultural")) == []


def test_keywords_ignore_case_and_accents_both_ways():
    assert ids(Filters.build(query="MEXICO ninas")) == ["undated-draft"]
    assert ids(Filters.build(query="martinez")) == ["htla-report"]
    assert ids(Filters.build(query="Martínez")) == ["htla-report"]


def test_quoted_phrase_must_match_as_written():
    assert ids(Filters.build(query='"forced labor in health"')) == ["supply-chains-memo"]
    assert ids(Filters.build(query='"labor forced"')) == []


def test_keywords_look_in_everything_the_library_page_shows():
    assert ids(Filters.build(query="htla report")) == ["htla-report"]  # title
    assert ids(Filters.build(query="migratory")) == ["htla-report"]  # summary
    assert ids(Filters.build(query="supply-chains")) == ["supply-chains-memo"]  # tag
    assert ids(Filters.build(query="vedia")) == ["htla-report"]  # person
    assert ids(Filters.build(query="nhttac")) == ["migrant-webinar"]  # publisher
    assert ids(Filters.build(query="law enforcement")) == ["data-page"]  # audience
    assert ids(Filters.build(query="memorandum")) == ["supply-chains-memo"]  # type
    assert ids(Filters.build(query='"q a responses"')) == ["migrant-webinar"]  # link label


def test_a_keyword_matches_the_start_of_a_word():
    assert ids(Filters.build(query="agricult")) == ["migrant-webinar"]
    assert ids(Filters.build(query="griculture")) == []


@given(st.text())
def test_parse_keywords_never_raises(text):
    parsed = parse_keywords(text)
    terms = [*(t for group in parsed.groups for t in group), *parsed.excluded]
    assert all(group for group in parsed.groups)
    assert all(term and term == term.strip() for term in terms)


@given(st.text(alphabet="aefilmnorstxé -", min_size=1, max_size=12))
def test_a_term_and_its_exclusion_split_the_catalog_in_two(text):
    phrase = '"' + text.replace('"', "") + '"'
    found, left = (set(ids(Filters.build(query=q))) for q in (phrase, "-" + phrase))
    if parse_keywords(phrase):
        assert found.isdisjoint(left) and found | left == {e["id"] for e in CATALOG}
    else:
        assert found == left == {e["id"] for e in CATALOG}


@given(st.lists(st.sampled_from(["forced", "migr", "data", "ninas", "zzz"]), min_size=1))
def test_or_finds_the_union_of_its_terms(terms):
    either = set(ids(Filters.build(query=" OR ".join(terms))))
    assert either == set().union(*(ids(Filters.build(query=t)) for t in terms))


# --- filters ----------------------------------------------------------------------------------


def test_type_filter_takes_any_of_several():
    assert ids(Filters.build(types=["report"])) == ["htla-report", "undated-draft"]
    assert ids(Filters.build(types=["webinar", "research"])) == ["migrant-webinar", "data-page"]


def test_every_tag_must_match_and_tags_are_normalized():
    assert ids(Filters.build(tags=["forced-labor"])) == ["supply-chains-memo", "htla-report"]
    assert ids(Filters.build(tags=["Forced Labor", "HTLA"])) == ["htla-report"]
    assert ids(Filters.build(tags=["htla", "data"])) == []


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2021", "", ["supply-chains-memo", "htla-report"]),
        ("2021-03", "", ["supply-chains-memo"]),
        ("2021-02-26", "", ["supply-chains-memo", "htla-report"]),
        ("2021-02-27", "", ["supply-chains-memo"]),
        ("2023-02-15", "", ["supply-chains-memo"]),
        ("2023-03", "", []),
        ("", "2019", ["migrant-webinar", "data-page"]),
        ("", "2017-06-01", ["data-page"]),
        ("", "2017-05", []),
        ("2019-07", "2021-02", ["htla-report", "migrant-webinar"]),
        ("2018", "2020", ["migrant-webinar"]),
    ],
)
def test_since_and_until_compare_at_the_shorter_precision(since, until, expected):
    assert ids(Filters.build(since=since, until=until)) == expected


def test_undated_entries_never_match_a_period():
    assert "undated-draft" not in ids(Filters.build(since="1900"))
    assert "undated-draft" not in ids(Filters.build(until="2999"))


@pytest.mark.parametrize("bad", ["21", "2021/03", "last year", "2021-3"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(InputError, match=f"--since '{bad}'"):
        Filters.build(since=bad)
    with pytest.raises(InputError, match="--until"):
        Filters.build(until=bad)


def test_status_filter():
    assert ids(Filters.build(statuses=["draft", "archived"])) == ["data-page", "undated-draft"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("ok", ["supply-chains-memo", "htla-report"]),
        ("broken", ["htla-report"]),
        ("moved", ["migrant-webinar"]),
        ("unchecked", ["data-page"]),
        ("changed", []),
    ],
)
def test_link_status_filter(status, expected):
    assert ids(Filters.build(link_statuses=[status])) == expected


def test_timeouts_and_invalid_links_count_as_broken():
    assert link_statuses({"links": [checked("timeout"), checked("invalid")]}) == {"broken"}
    assert link_statuses({"links": []}) == set()


def test_filters_combine():
    filters = Filters.build(query="forced", tags=["forced-labor"], types=["report"], since="2020")
    assert ids(filters) == ["htla-report"]
    assert matches(CATALOG[1], filters) and not matches(CATALOG[0], filters)


def test_no_filters_select_everything():
    assert Filters.build().empty
    assert len(ids(Filters())) == len(CATALOG)


# --- sorting and paging -----------------------------------------------------------------------


def test_default_sort_is_date_newest_first_undated_last():
    assert ids(Filters()) == [
        "supply-chains-memo",
        "htla-report",
        "migrant-webinar",
        "data-page",
        "undated-draft",
    ]


def test_reverse_flips_the_date_order():
    assert ids(Filters(), Order(reverse=True))[0] == "undated-draft"
    assert ids(Filters(), Order(reverse=True))[-1] == "supply-chains-memo"


def test_sort_by_title_is_a_to_z_ignoring_case_and_accents():
    titles = [
        entry("b", title="banana"),
        entry("a", title="Éclair"),
        entry("c", title="apple"),
        entry("d", title="Zebra"),
    ]
    page = select(titles, Filters(), Order(sort="title"))
    assert [e["title"] for e in page.entries] == ["apple", "banana", "Éclair", "Zebra"]
    page = select(titles, Filters(), Order(sort="title", reverse=True))
    assert [e["title"] for e in page.entries] == ["Zebra", "Éclair", "banana", "apple"]


def test_sort_by_type_then_title():
    assert ids(Filters(), Order(sort="type")) == [
        "supply-chains-memo",
        "htla-report",
        "undated-draft",
        "data-page",
        "migrant-webinar",
    ]


def test_sort_by_updated_newest_first():
    assert ids(Filters(), Order(sort="updated")) == [
        "supply-chains-memo",
        "migrant-webinar",
        "htla-report",
        "undated-draft",
        "data-page",
    ]


def test_unknown_sort_key_is_refused():
    with pytest.raises(InputError, match="--sort 'size'"):
        select(CATALOG, Filters(), Order(sort="size"))


def test_paging_and_the_footer():
    first = select(CATALOG, Filters(), Order(limit=2))
    assert [e["id"] for e in first.entries] == ["supply-chains-memo", "htla-report"]
    assert displaying(first) == "Displaying 1 - 2 of 5"
    second = select(CATALOG, Filters(), Order(limit=2, offset=2))
    assert [e["id"] for e in second.entries] == ["migrant-webinar", "data-page"]
    assert displaying(second) == "Displaying 3 - 4 of 5"
    last = select(CATALOG, Filters(), Order(limit=2, offset=4))
    assert displaying(last) == "Displaying 5 - 5 of 5"
    assert displaying(select(CATALOG, Filters(), Order(offset=9))) == "Displaying 0 of 5"


def test_footer_counts_matches_not_the_catalog():
    page = select(CATALOG, Filters.build(types=["report"]), Order(limit=1))
    assert displaying(page) == "Displaying 1 - 1 of 2"


def test_footer_of_an_empty_selection():
    assert displaying(Page([], 0, 0)) == "Displaying 0 of 0"


@pytest.mark.parametrize("order", [Order(limit=-1), Order(offset=-1)])
def test_negative_paging_is_refused(order):
    with pytest.raises(InputError):
        select(CATALOG, Filters(), order)
