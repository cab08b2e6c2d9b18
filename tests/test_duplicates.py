"""One rule for duplicates: a link or person twice on an entry, or another entry's link."""

from __future__ import annotations

import pytest

from htcat.duplicates import duplicate_problems, new_duplicates, same_person
from htcat.model import validate_entry

OTHER = validate_entry(
    {"id": "other", "title": "Other", "links": [{"url": "https://example.org/report.pdf"}]}
)


def entry(*urls: str, people: list[dict[str, str]] | None = None) -> dict:
    return validate_entry(
        {"id": "mine", "title": "Mine", "links": [{"url": u} for u in urls], "people": people}
    )


def test_the_same_url_written_another_way_is_the_same_link():
    found = duplicate_problems(
        entry("https://example.org/a", "HTTPS://EXAMPLE.org:443/a/#part"), []
    )
    assert [str(p) for p in found] == [
        "links.url 'HTTPS://EXAMPLE.org:443/a/#part': is on this entry twice"
    ]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("HTTPS://EXAMPLE.ORG:443/docs/Report.pdf#p2", "https://example.org/docs/Report.pdf"),
        ("https://example.org/docs/Report.pdf/", "https://Example.org/docs/Report.pdf#top"),
        ("https://example.org/docs/?q=1", "https://example.org/docs?q=1"),
        ("https://example.org", "https://EXAMPLE.org/"),
    ],
)
def test_another_entrys_link_is_found_however_either_is_written(written, stored):
    other = validate_entry({"id": "other", "title": "Other", "links": [stored]})
    found = duplicate_problems(entry(written), [other])
    assert [p.reason for p in found] == ["is already a link of entry 'other'"]


def test_another_entrys_link_is_refused_naming_that_entry():
    found = duplicate_problems(entry("https://Example.org/report.pdf#p2"), [OTHER])
    assert [p.reason for p in found] == ["is already a link of entry 'other'"]


def test_an_entry_is_not_its_own_other():
    mine = entry("https://example.org/a")
    assert duplicate_problems(mine, [mine]) == []


def test_a_person_is_the_same_whatever_the_case_and_spacing():
    assert same_person(
        {"name": " Ana  Núñez ", "role": "Speaker"},
        {"name": "ana núñez", "role": "speaker", "affiliation": "OTIP"},
    )
    assert not same_person({"name": "Ana Núñez"}, {"name": "Ana Nunez Diaz"})
    assert not same_person({"name": "Ana"}, {"literal": "Ana"})
    people = [{"name": "Ana Núñez", "role": "speaker"}, {"name": "ANA NÚÑEZ", "role": "speaker"}]
    assert [p.field for p in duplicate_problems(entry(people=people), [])] == ["people"]


def test_one_person_in_two_roles_is_no_duplicate():
    people = [{"name": "Ana Núñez", "role": "speaker"}, {"name": "Ana Núñez", "role": "moderator"}]
    assert duplicate_problems(entry(people=people), []) == []


def test_only_duplicates_a_change_adds_are_refused():
    before = entry("https://example.org/report.pdf")  # a hand edit already gave it OTHER's link
    unrelated = {**before, "title": "Retitled"}
    assert new_duplicates(unrelated, lambda: [OTHER], before) == []
    added = entry(
        "https://example.org/report.pdf", "https://example.org/b", "https://example.org/b/"
    )
    assert [p.value for p in new_duplicates(added, lambda: [OTHER], before)] == [
        "https://example.org/b/"
    ]


def test_the_catalog_is_walked_only_for_a_link_the_entry_gains():
    def no_walk() -> list:
        raise AssertionError("walked the catalog for an entry that gained no link")

    before = entry("https://example.org/a")
    assert new_duplicates({**before, "title": "Retitled"}, no_walk, before) == []
