"""Diffs of catalogs entry by entry, and the text git diffs them as."""

from __future__ import annotations

from typing import Any

from htcat.catalogdiff import FieldChange, catalog_text, diff_images
from htcat.store.image import Image, empty_image


def image_of(*entries: dict[str, Any]) -> Image:
    image = empty_image()
    image["entries"] = {str(n): e for n, e in enumerate(entries, 1)}
    return image


def page(url: str, outcome: str | None = None) -> dict[str, Any]:
    return {"url": url, "kind": "page", "check": {"outcome": outcome} if outcome else None}


def test_a_change_inside_a_link_is_named_by_its_url_and_key() -> None:
    old = image_of({"id": "a", "title": "A", "links": [page("https://x.org/p", "ok")]})
    new = image_of({"id": "a", "title": "A", "links": [page("https://X.org/p/", "broken")]})
    [change] = diff_images(old, new)
    assert change.change == "changed"
    assert change.fields == [
        FieldChange("links[https://x.org/p].check.outcome", "ok", "broken"),
        FieldChange("links[https://x.org/p].url", "https://x.org/p", "https://X.org/p/"),
    ]


def test_the_text_for_git_heads_each_entry_with_its_id_and_title_and_lists_conflicts() -> None:
    image = image_of(
        {"id": "b", "title": "Bee", "summary": "one\n\ntwo", "tags": ["x", "y"]},
        {"id": "a", "title": "Ay", "links": [page("https://x.org/p", "ok")]},
    )
    image["conflicts"] = {
        "1": {"id": "b", "field": "summary", "base": "", "ours": "one\ntwo", "theirs": "three"}
    }
    assert catalog_text(image).splitlines() == [
        "entry a — Ay",
        "  link https://x.org/p",
        "    check.outcome: ok",
        "    kind: page",
        "",
        "entry b — Bee",
        "  summary: one",
        "",
        "           two",
        "  tags: x",
        "  tags: y",
        "",
        'conflict b summary: "one\\ntwo" / "three"',
    ]


def test_without_checks_only_what_people_changed_is_shown() -> None:
    old = image_of(
        {"id": "a", "title": "A", "links": [page("https://x.org/p", "ok")]},
        {"id": "b", "title": "B", "links": [page("https://x.org/q", "ok")]},
    )
    new = image_of(
        {"id": "a", "title": "A", "links": [page("https://x.org/p", "broken")]},
        {"id": "b", "title": "B2", "links": [page("https://x.org/q", "broken")]},
    )

    [people] = diff_images(old, new, checks=False)
    everything = diff_images(old, new)

    assert (people.id, people.fields) == ("b", [FieldChange("title", "B", "B2")])
    assert [c.id for c in everything] == ["a", "b"]


def test_each_entry_is_added_removed_or_changed_once_and_an_unchanged_one_not_at_all() -> None:
    kept = {"id": "kept", "title": "Kept"}
    old = image_of(
        kept, {"id": "gone", "title": "Gone", "tags": ["x"]}, {"id": "edited", "title": "Old"}
    )
    new = image_of({"id": "edited", "title": "New"}, kept, {"id": "fresh", "title": "Fresh"})
    changes = diff_images(old, new)
    assert [(c.id, c.title, c.change) for c in changes] == [
        ("edited", "New", "changed"),
        ("fresh", "Fresh", "added"),
        ("gone", "Gone", "removed"),
    ]
    assert changes[0].fields == [FieldChange("title", "Old", "New")]
    assert changes[1].fields == changes[2].fields == []
    assert diff_images(new, old)[-1].change == "removed"
    assert [c.change for c in diff_images(old, empty_image())] == ["removed"] * 3


def test_tags_added_and_removed_are_named_one_by_one() -> None:
    many = [f"tag-{n:02d}" for n in range(12)]
    old = image_of({"id": "a", "title": "A", "tags": many, "audiences": ["x"]})
    new = image_of({"id": "a", "title": "A", "tags": [*many[1:], "tag-99"], "audiences": ["x"]})
    (change,) = diff_images(old, new)
    assert change.fields == [
        FieldChange("tags[tag-00]", "tag-00", None),
        FieldChange("tags[tag-99]", None, "tag-99"),
    ]
    reordered = image_of({"id": "a", "title": "A", "tags": many[::-1], "audiences": ["x"]})
    assert diff_images(old, reordered)[0].fields == [FieldChange("tags", many, many[::-1])]


def test_an_entry_conflict_is_said_in_words_in_the_text_git_diffs() -> None:
    from htcat.conflicts import with_conflicts

    base = {"id": "b", "title": "Bee", "tags": ["x"]}
    changed = {**base, "title": "Bee 2"}
    image = with_conflicts(
        image_of(changed),
        [{"id": "b", "field": None, "base": base, "ours": None, "theirs": changed}],
    )
    assert catalog_text(image).endswith("conflict b (entry): removed here / changed there\n")
