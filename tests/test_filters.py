"""Every filter, sort key and paging option, answered alike from memory and from the index.

Each test runs twice: on the entries in memory, and in SQL on the index htcat
builds of a real catalog file holding the same entries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import write_catalog
from htcat.catalog import change, select_entries
from htcat.errors import InputError
from htcat.filters import matches, select, select_indexed
from htcat.index.build import open_index
from htcat.index.database import index_path
from htcat.model import Entry, validate_entry
from htcat.query import Filters, Order, Page, displaying, parse_keywords
from htcat.store.file import read_catalog


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


Indexed = tuple[sqlite3.Connection, BinaryIO]


@pytest.fixture(scope="module")
def index_of(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[list[Entry]], Indexed]]:
    """The index htcat builds of a real catalog file holding the entries given, built once,
    with the file open (the index reads entries where the file holds them)."""
    built: dict[tuple[str, ...], Indexed] = {}

    def index(entries: list[Entry]) -> Indexed:
        key = tuple(e["id"] for e in entries)
        if key not in built:
            db = write_catalog(tmp_path_factory.mktemp("filters") / "catalog.json", entries)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
                conn = open_index(db)
            assert conn is not None
            built[key] = (conn, db.open("rb"))
        return built[key]

    yield index
    for conn, file in built.values():
        conn.close()
        file.close()


Pager = Callable[[list[Entry], Filters, Order], Page]


@pytest.fixture(params=["memory", "index"])
def selecting(request: pytest.FixtureRequest, index_of: Callable[[list[Entry]], Indexed]) -> Pager:
    """`select` over ``entries`` in memory, or the same question asked of their index."""

    def answer(entries: list[Entry], filters: Filters, order: Order) -> Page:
        if request.param == "memory":
            return select(entries, filters, order)
        conn, file = index_of(entries)
        return select_indexed(conn, filters, order, file)

    return answer


@pytest.fixture
def ids(selecting: Pager) -> Callable[..., list[str]]:
    def answer(filters: Filters, order: Order | None = None) -> list[str]:
        return [e["id"] for e in selecting(CATALOG, filters, order or Order()).entries]

    return answer


def memory_ids(filters: Filters) -> list[str]:
    return [e["id"] for e in select(CATALOG, filters, Order()).entries]


# --- keywords ---------------------------------------------------------------------------------


def test_or_lets_either_term_match(ids):
    query = "migratory OR agricultural"
    assert ids(Filters.build(query=query)) == ["htla-report", "migrant-webinar"]
    assert ids(Filters.build(query=f"forced {query}")) == ["htla-report"]


def test_excluded_terms_leave_out_the_entries_they_match(ids):
    assert ids(Filters.build(query="forced -migratory")) == ["supply-chains-memo"]
    assert ids(Filters.build(query='-"forced labor" -data')) == ["migrant-webinar", "undated-draft"]
    assert ids(Filters.build(query="-MÉXICO -forced -data -agricult")) == []


def test_every_word_must_match(ids):
    assert ids(Filters.build(query="forced labor")) == ["supply-chains-memo", "htla-report"]
    assert ids(Filters.build(query="forced agricultural")) == []


def test_keywords_ignore_case_and_accents_both_ways(ids):
    assert ids(Filters.build(query="MEXICO ninas")) == ["undated-draft"]
    assert ids(Filters.build(query="martinez")) == ["htla-report"]
    assert ids(Filters.build(query="Martínez")) == ["htla-report"]


def test_quoted_phrase_must_match_as_written(ids):
    assert ids(Filters.build(query='"forced labor in health"')) == ["supply-chains-memo"]
    assert ids(Filters.build(query='"labor forced"')) == []


def test_keywords_look_in_everything_the_library_page_shows(ids):
    assert ids(Filters.build(query="htla report")) == ["htla-report"]  # title
    assert ids(Filters.build(query="migratory")) == ["htla-report"]  # summary
    assert ids(Filters.build(query="supply-chains")) == ["supply-chains-memo"]  # tag
    assert ids(Filters.build(query="vedia")) == ["htla-report"]  # person
    assert ids(Filters.build(query="nhttac")) == ["migrant-webinar"]  # publisher
    assert ids(Filters.build(query="law enforcement")) == ["data-page"]  # audience
    assert ids(Filters.build(query="memorandum")) == ["supply-chains-memo"]  # type
    assert ids(Filters.build(query='"q a responses"')) == ["migrant-webinar"]  # link label


def test_a_keyword_matches_the_start_of_a_word(ids):
    assert ids(Filters.build(query="agricult")) == ["migrant-webinar"]
    assert ids(Filters.build(query="griculture")) == []


# --- filters ----------------------------------------------------------------------------------


def test_type_filter_takes_any_of_several(ids):
    assert ids(Filters.build(types=["report"])) == ["htla-report", "undated-draft"]
    assert ids(Filters.build(types=["webinar", "research"])) == ["migrant-webinar", "data-page"]


def test_every_tag_must_match_and_tags_are_normalized(ids):
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
def test_since_and_until_compare_at_the_shorter_precision(ids, since, until, expected):
    assert ids(Filters.build(since=since, until=until)) == expected


def test_undated_entries_never_match_a_period(ids):
    assert "undated-draft" not in ids(Filters.build(since="1900"))
    assert "undated-draft" not in ids(Filters.build(until="2999"))


def test_status_filter(ids):
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
def test_link_status_filter(ids, status, expected):
    assert ids(Filters.build(link_statuses=[status])) == expected


def test_filters_combine(ids):
    filters = Filters.build(query="forced", tags=["forced-labor"], types=["report"], since="2020")
    assert ids(filters) == ["htla-report"]
    assert matches(CATALOG[1], filters) and not matches(CATALOG[0], filters)


def test_no_filters_select_everything(ids):
    assert Filters.build().empty
    assert len(ids(Filters())) == len(CATALOG)


# --- sorting and paging -----------------------------------------------------------------------


def test_default_sort_is_date_newest_first_undated_last(ids):
    assert ids(Filters()) == [
        "supply-chains-memo",
        "htla-report",
        "migrant-webinar",
        "data-page",
        "undated-draft",
    ]


def test_reverse_flips_the_date_order(ids):
    assert ids(Filters(), Order(reverse=True))[0] == "undated-draft"
    assert ids(Filters(), Order(reverse=True))[-1] == "supply-chains-memo"


def test_sort_by_title_is_a_to_z_ignoring_case_and_accents(selecting):
    titles = [
        entry("b", title="banana"),
        entry("a", title="Éclair"),
        entry("c", title="apple"),
        entry("d", title="Zebra"),
    ]
    page = selecting(titles, Filters(), Order(sort="title"))
    assert [e["title"] for e in page.entries] == ["apple", "banana", "Éclair", "Zebra"]
    page = selecting(titles, Filters(), Order(sort="title", reverse=True))
    assert [e["title"] for e in page.entries] == ["Zebra", "Éclair", "banana", "apple"]


def test_sort_by_type_then_title(ids):
    assert ids(Filters(), Order(sort="type")) == [
        "supply-chains-memo",
        "htla-report",
        "undated-draft",
        "data-page",
        "migrant-webinar",
    ]


def test_sort_by_updated_newest_first(ids):
    assert ids(Filters(), Order(sort="updated")) == [
        "supply-chains-memo",
        "migrant-webinar",
        "htla-report",
        "undated-draft",
        "data-page",
    ]


def test_unknown_sort_key_is_refused(selecting):
    with pytest.raises(InputError, match="--sort 'size'"):
        selecting(CATALOG, Filters(), Order(sort="size"))


def test_paging_and_the_footer(selecting):
    first = selecting(CATALOG, Filters(), Order(limit=2))
    assert [e["id"] for e in first.entries] == ["supply-chains-memo", "htla-report"]
    assert displaying(first) == "Displaying 1 - 2 of 5"
    second = selecting(CATALOG, Filters(), Order(limit=2, offset=2))
    assert [e["id"] for e in second.entries] == ["migrant-webinar", "data-page"]
    assert displaying(second) == "Displaying 3 - 4 of 5"
    last = selecting(CATALOG, Filters(), Order(limit=2, offset=4))
    assert displaying(last) == "Displaying 5 - 5 of 5"
    assert displaying(selecting(CATALOG, Filters(), Order(offset=9))) == "Displaying 0 of 5"


def test_footer_counts_matches_not_the_catalog(selecting):
    page = selecting(CATALOG, Filters.build(types=["report"]), Order(limit=1))
    assert displaying(page) == "Displaying 1 - 1 of 2"


@pytest.mark.parametrize("order", [Order(limit=-1), Order(offset=-1)])
def test_negative_paging_is_refused(selecting, order):
    with pytest.raises(InputError):
        selecting(CATALOG, Filters(), order)


@given(st.text(alphabet="aefilmnorstxé -", min_size=1, max_size=12))
def test_a_term_and_its_exclusion_split_the_catalog_in_two(text):
    phrase = '"' + text.replace('"', "") + '"'
    found, left = (set(memory_ids(Filters.build(query=q))) for q in (phrase, "-" + phrase))
    if parse_keywords(phrase):
        assert found.isdisjoint(left) and found | left == {e["id"] for e in CATALOG}
    else:
        assert found == left == {e["id"] for e in CATALOG}


@given(st.lists(st.sampled_from(["forced", "migr", "data", "ninas", "zzz"]), min_size=1))
def test_or_finds_the_union_of_its_terms(terms):
    either = set(memory_ids(Filters.build(query=" OR ".join(terms))))
    assert either == set().union(*(memory_ids(Filters.build(query=t)) for t in terms))


# --- any catalog, any question: the index answers exactly as memory does ----------------------

VOCABULARY = [
    "labor", "Labour", "forced", "Forcé", "trafic", "Trafficking", "Straße", "strasse",
    "ÉTÉ", "ete", "café", "Q&A", "e-learning", "niñas", "ninas", "x2", "ﬁsh", "fish",
    "Ωmega", "ωμέγα", "2021", "law", "enforcement",
]  # fmt: skip
"""Words that fold into one another (case, accents, ß, ligatures), share prefixes, or split."""
TAGS = ["htla", "forced-labor", "data", "webinar"]
TYPES = ["report", "webinar", "fact-sheet", "research"]
STATUSES = ["draft", "published", "archived"]
DATES = ["", "2019", "2020-12", "2021", "2021-02", "2021-02-26", "2021-02-28", "2021-03-01"]
"""Dates at every precision, and days at the edges of a month, where bounds meet."""
STAMPS = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2024-02-01T00:00:00Z"]
OUTCOMES = [None, "ok", "broken", "timeout", "invalid", "moved", "changed", "throttled"]
LINK_STATUSES = ["ok", "broken", "moved", "changed", "throttled", "too-large", "unchecked"]

words = st.sampled_from(VOCABULARY)
prefixes = st.builds(lambda w, n: w[: max(1, len(w) - n)], words, st.integers(0, 3))
texts = st.lists(words, max_size=6).map(" ".join)
phrases = st.lists(prefixes, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
pieces = st.one_of(prefixes, phrases, st.just("OR"), st.builds("-{}".format, prefixes | phrases))
queries = st.lists(pieces, max_size=6).map(" ".join)
links = st.fixed_dictionaries(
    {"label": texts, "check": st.sampled_from(OUTCOMES).map(lambda o: o and {"outcome": o})}
)
catalog_entries = st.lists(
    st.fixed_dictionaries(
        {
            "title": texts.map(lambda t: t or "untitled"),
            "summary": texts,
            "tags": st.lists(st.sampled_from(TAGS) | words, max_size=3),
            "audiences": st.lists(texts.filter(bool), max_size=2),
            "publisher": texts,
            "people": st.lists(st.fixed_dictionaries({"name": texts.filter(bool)}), max_size=1),
            "links": st.lists(links, max_size=2),
            "type": st.sampled_from(TYPES),
            "status": st.sampled_from(STATUSES),
            "date": st.sampled_from(DATES),
            "updated": st.sampled_from(STAMPS),
        }
    ),
    max_size=8,
)
questions = st.fixed_dictionaries(
    {
        "query": queries,
        "types": st.lists(st.sampled_from(TYPES), max_size=2),
        "tags": st.lists(st.sampled_from(TAGS), max_size=3),
        "since": st.sampled_from(DATES),
        "until": st.sampled_from(DATES),
        "statuses": st.lists(st.sampled_from(STATUSES), max_size=2),
        "link_statuses": st.lists(st.sampled_from(LINK_STATUSES), max_size=2),
    }
)
orders = st.builds(
    Order,
    sort=st.sampled_from(["date", "title", "type", "updated"]),
    reverse=st.booleans(),
    limit=st.none() | st.integers(0, 6),
    offset=st.integers(0, 6),
)


def _stored(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The generated entries as a catalog holds them: each link with a URL of its own, and
    the date left out where it is empty."""
    found = []
    for n, e in enumerate(entries):
        urls = [
            {**link, "url": f"https://example.org/{n}/{k}"} for k, link in enumerate(e["links"])
        ]
        stored = {**e, "links": urls, "created": STAMPS[0]}
        found.append({k: v for k, v in stored.items() if v != "" or k != "date"})
    return found


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One catalog file, rewritten by each example: htcat's own writes keep its index in place."""
    db = write_catalog(tmp_path_factory.mktemp("property") / "catalog.json", [{"title": "seed"}])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
        select_entries(db, Filters(), Order())  # builds the index once
    return db


@settings(max_examples=60, deadline=None)
@given(
    entries=catalog_entries, asked=st.lists(st.tuples(questions, orders), min_size=1, max_size=4)
)
def test_the_index_answers_every_filter_sort_and_page_as_memory_does(
    rewritten: Path, entries: list[dict[str, Any]], asked: list[tuple[dict[str, Any], Order]]
):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
        with change(rewritten) as catalog:
            catalog.remove_many([e["id"] for e in catalog.entries()])
            catalog.add_many(_stored(entries), keep_stamps=True)
        stored = read_catalog(rewritten).entries()
        for question, order in asked:
            filters = Filters.build(**question)
            indexed = select_entries(rewritten, filters, order)
            assert index_path(rewritten).exists()
            in_memory = select(stored, filters, order)
            answers = [([e["id"] for e in p.entries], p.total) for p in (indexed, in_memory)]
            assert answers[0] == answers[1], (question, order)
