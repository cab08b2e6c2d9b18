"""The three-way merge of catalogs, rule by rule, and against a model of its own."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import OLD
from htcat.conflicts import conflicts_in
from htcat.errors import CatalogError, InputError
from htcat.merge import merge_images, person_key, refuse_unusable, shared_with
from htcat.store.image import Image, dump_json, empty_image

NEWER = "2026-06-01T00:00:00Z"
NEWEST = "2026-07-01T00:00:00Z"


def entry(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "title": ident.title(), "created": OLD, "updated": OLD, **fields}


def image_of(*entries: dict[str, Any], numbers: list[int] | None = None) -> Image:
    image = empty_image()
    nums = numbers or list(range(1, len(entries) + 1))
    image["entries"] = {str(n): copy.deepcopy(e) for n, e in zip(nums, entries, strict=True)}
    return image


def by_id(image: Image) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in image["entries"].values()}


def numbers(image: Image) -> dict[str, str]:
    return {e["id"]: n for n, e in image["entries"].items()}


def link(url: str, checked: str | None = None, outcome: str = "ok", **more: Any) -> dict[str, Any]:
    check = None if checked is None else {"checked": checked, "outcome": outcome, **more}
    return {"url": url, "label": "", "kind": "page", "check": check}


def test_entries_added_on_both_sides_with_the_same_number_both_survive_either_way() -> None:
    base = image_of(entry("a"))
    ours = image_of(entry("a"), entry("alice-report"))
    theirs = image_of(entry("a"), entry("bob-webinar"))
    one, other = merge_images(base, ours, theirs), merge_images(base, theirs, ours)
    assert set(by_id(one.image)) == {"a", "alice-report", "bob-webinar"}
    assert not one.conflicts
    assert (
        numbers(one.image)
        == numbers(other.image)
        == {
            "a": "1",
            "alice-report": "2",
            "bob-webinar": "3",
        }
    )
    assert dump_json(one.image) == dump_json(other.image)


def test_different_fields_of_one_entry_both_change_and_updated_is_the_later() -> None:
    base = image_of(entry("a", summary="old", date="2020"))
    ours = image_of(entry("a", summary="new summary", date="2020", updated=NEWEST))
    theirs = image_of(entry("a", summary="old", date="2021", updated=NEWER))
    merged = merge_images(base, ours, theirs)
    expected = entry("a", summary="new summary", date="2021", updated=NEWEST)
    assert by_id(merged.image)["a"] == expected
    assert not merged.conflicts


def test_tags_and_audiences_merge_as_sets() -> None:
    base = image_of(entry("a", tags=["keep", "gone-ours", "gone-theirs"], audiences=["x"]))
    ours = image_of(entry("a", tags=["added-ours", "gone-theirs", "keep"], audiences=["x", "o"]))
    theirs = image_of(entry("a", tags=["added-theirs", "gone-ours", "keep"], audiences=["t"]))
    merged = by_id(merge_images(base, ours, theirs).image)["a"]
    assert merged["tags"] == ["added-ours", "added-theirs", "keep"]
    assert sorted(merged["audiences"]) == ["o", "t"]


def test_links_merge_by_normalized_url_and_people_by_name() -> None:
    base = image_of(entry("a", links=[link("https://x.org/a")], people=[{"name": "Ann Lee"}]))
    ours = image_of(
        entry(
            "a",
            links=[link("https://X.org/a/"), link("https://x.org/b")],
            people=[{"name": "Ann Lee"}, {"family": "Ng", "given": "Bo", "role": "speaker"}],
        )
    )
    theirs = image_of(
        entry("a", links=[link("https://x.org/a"), link("https://x.org/c")], people=[])
    )
    merged = by_id(merge_images(base, ours, theirs).image)["a"]
    urls = [x["url"] for x in merged["links"]]
    assert len(urls) == 3 and {"https://x.org/b", "https://x.org/c"} <= set(urls)
    assert merged["people"] == [{"family": "Ng", "given": "Bo", "role": "speaker"}]


def test_person_key_reads_either_shape_of_names() -> None:
    assert person_key({"name": "Ann LEE "}) == person_key({"name": "ann lee"})
    assert person_key({"family": "Lee", "given": "Ann"}) != person_key({"literal": "Lee Ann"})
    assert person_key({"literal": "UNICEF", "role": "author"}) != person_key({"literal": "UNICEF"})


def test_the_newer_check_wins_with_its_counts_against_an_edit_of_the_same_entry() -> None:
    old = link("https://x.org/a", OLD, "ok", failures=0)
    base = image_of(entry("a", links=[old]))
    nightly = image_of(entry("a", links=[link("https://x.org/a", NEWER, "broken", failures=1)]))
    analyst = image_of(entry("a", title="Better title", updated=NEWEST, links=[old]))
    for ours, theirs in ((nightly, analyst), (analyst, nightly)):
        merged = merge_images(base, ours, theirs)
        result = by_id(merged.image)["a"]
        assert not merged.conflicts
        assert result["title"] == "Better title" and result["updated"] == NEWEST
        assert result["links"][0]["check"] == {"checked": NEWER, "outcome": "broken", "failures": 1}
    older = image_of(entry("a", links=[link("https://x.org/a", NEWER, "ok", failures=0)]))
    newer = image_of(entry("a", links=[link("https://x.org/a", NEWEST, "broken", failures=2)]))
    for ours, theirs in ((older, newer), (newer, older)):
        result = by_id(merge_images(base, ours, theirs).image)["a"]
        assert result["links"][0]["check"]["checked"] == NEWEST


def test_one_field_changed_two_ways_keeps_ours_and_records_the_conflict() -> None:
    base = image_of(entry("a", title="Base"))
    ours = image_of(entry("a", title="Ours", summary="s"))
    theirs = image_of(entry("a", title="Theirs"))
    merged = merge_images(base, ours, theirs)
    assert by_id(merged.image)["a"]["title"] == "Ours"
    assert by_id(merged.image)["a"]["summary"] == "s"
    expected = {"id": "a", "field": "title", "base": "Base", "ours": "Ours", "theirs": "Theirs"}
    assert merged.conflicts == [expected]
    assert conflicts_in(merged.image) == [expected]


def test_removed_on_one_side_and_changed_on_the_other_is_a_conflict() -> None:
    base = image_of(entry("a"), entry("b"))
    removed = image_of(entry("b"))
    changed = image_of(entry("a", title="Changed"), entry("b"))
    merged = merge_images(base, removed, changed)
    assert "a" not in by_id(merged.image)
    assert merged.conflicts == [
        {"id": "a", "field": None, "base": entry("a"), "ours": None, "theirs": changed_a(changed)}
    ]
    swapped = merge_images(base, changed, removed)
    assert by_id(swapped.image)["a"]["title"] == "Changed"
    assert swapped.conflicts[0]["theirs"] is None
    untouched = merge_images(base, removed, base)
    assert "a" not in by_id(untouched.image) and not untouched.conflicts


def changed_a(image: Image) -> dict[str, Any]:
    return by_id(image)["a"]


def test_one_id_added_on_both_sides_with_different_contents_is_a_conflict() -> None:
    base = image_of()
    ours = image_of(entry("n", title="Ours"))
    theirs = image_of(entry("n", title="Theirs"))
    merged = merge_images(base, ours, theirs)
    assert by_id(merged.image)["n"]["title"] == "Ours"
    assert [(c["id"], c["field"]) for c in merged.conflicts] == [("n", None)]
    same = merge_images(base, ours, copy.deepcopy(ours))
    assert not same.conflicts and len(same.image["entries"]) == 1


def test_unresolved_conflicts_of_an_earlier_merge_are_kept_unless_settled() -> None:
    earlier = {"id": "a", "field": "title", "base": "B", "ours": "O", "theirs": "T"}
    base = image_of(entry("a"))
    pending = image_of(entry("a"))
    pending["conflicts"] = {"1": earlier}
    assert conflicts_in(merge_images(base, pending, base).image) == [earlier]
    settled = merge_images(pending, base, pending)
    assert "conflicts" not in settled.image


# A model of the merge, written from the rules as a person states them, and
# random histories on two branches to compare it with.

IDS = ["e0", "e1"]
NEW_IDS = ["n0", "n1"]
TAGS = ["a", "b", "c"]
URLS = ["https://x.org/1", "https://x.org/2", "https://x.org/3"]

ops = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(NEW_IDS), st.sampled_from(["X", "Y"])),
    st.tuples(
        st.just("edit"),
        st.sampled_from(IDS),
        st.sampled_from(["title", "summary"]),
        st.sampled_from(["p", "q"]),
    ),
    st.tuples(st.just("tag"), st.sampled_from(IDS + NEW_IDS), st.sampled_from(TAGS)),
    st.tuples(st.just("untag"), st.sampled_from(IDS), st.sampled_from(TAGS)),
    st.tuples(st.just("link"), st.sampled_from(IDS + NEW_IDS), st.sampled_from(URLS)),
    st.tuples(st.just("remove"), st.sampled_from(IDS + NEW_IDS)),
    st.tuples(st.just("check"), st.sampled_from(IDS), st.sampled_from(URLS)),
)


def apply(entries: dict[str, dict[str, Any]], history: list[tuple[Any, ...]], side: int) -> None:
    """Play one branch's history; stamps differ per side so that one check is always newer."""
    for step, (kind, ident, *args) in enumerate(history, 1):
        stamp = f"2026-01-01T00:{step:02d}:{side:02d}Z"
        if kind == "add":
            entries.setdefault(ident, entry(ident, title=args[0], tags=[], links=[]))
            continue
        target = entries.get(ident)
        if target is None:
            continue
        if kind == "remove":
            del entries[ident]
            continue
        if kind == "edit":
            target[args[0]] = args[1]
        elif kind == "tag":
            target["tags"] = sorted({*target["tags"], args[0]})
        elif kind == "untag":
            target["tags"] = [t for t in target["tags"] if t != args[0]]
        elif kind == "link" and all(x["url"] != args[0] for x in target["links"]):
            target["links"].append(link(args[0]))
        elif kind == "check":
            for x in target["links"]:
                if x["url"] == args[0]:
                    x["check"] = {"checked": stamp, "outcome": "broken"}
            continue
        else:
            continue
        target["updated"] = stamp


def model(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """What the merge should give, by id, and the (id, field) pairs in conflict."""
    result: dict[str, Any] = {}
    conflicts: set[tuple[str, str]] = set()
    for ident in {*base, *ours, *theirs}:
        b, o, t = base.get(ident), ours.get(ident), theirs.get(ident)
        if o == t:
            kept = o
        elif b is None and (o is None or t is None):
            kept = o if t is None else t
        elif b is not None and o == b:
            kept = t
        elif b is not None and t == b:
            kept = o
        elif b is None or o is None or t is None:
            conflicts.add((ident, ""))
            kept = o
        else:
            kept = {"id": ident, "created": OLD, "updated": max(o["updated"], t["updated"])}
            for field in ("title", "summary"):
                if field in {*o, *t}:
                    bv, ov, tv = b.get(field), o.get(field), t.get(field)
                    if ov != tv and ov != bv and tv != bv:
                        conflicts.add((ident, field))
                    kept[field] = tv if ov == bv else ov
            bt, ot, tt = set(b["tags"]), set(o["tags"]), set(t["tags"])
            kept["tags"] = sorted((ot & tt) | (ot - bt) | (tt - bt))
            bl, ol, tl = ({x["url"]: x for x in s["links"]} for s in (b, o, t))
            links = {}
            for url in {*ol, *tl}:
                if url in bl and (url not in ol or url not in tl):
                    continue
                checks = [s[url]["check"] for s in (ol, tl) if url in s and s[url]["check"]]
                newest = max(checks, key=lambda c: c["checked"], default=None)
                links[url] = link(url) | {"check": newest}
            kept["links"] = links
        if kept is not None:
            result[ident] = kept
    return result, conflicts


def keyed(found: dict[str, Any]) -> dict[str, Any]:
    """An entry with its links by URL: the model does not decide their order."""
    links = found.get("links", [])
    return found | {"links": links if isinstance(links, dict) else {x["url"]: x for x in links}}


@settings(max_examples=400)
@given(
    st.lists(st.sampled_from(TAGS), max_size=2),
    st.lists(ops, max_size=8),
    st.lists(ops, max_size=8),
)
def test_random_histories_merge_as_the_model_says_whichever_side_is_ours(
    base_tags: list[str], ours_history: list[tuple[Any, ...]], theirs_history: list[tuple[Any, ...]]
) -> None:
    start = {
        i: entry(i, title="t", summary="s", tags=sorted(set(base_tags)), links=[link(URLS[0])])
        for i in IDS
    }
    ours, theirs = copy.deepcopy(start), copy.deepcopy(start)
    apply(ours, ours_history, 1)
    apply(theirs, theirs_history, 2)
    images = [image_of(*side.values()) for side in (start, ours, theirs)]
    one = merge_images(images[0], images[1], images[2])
    other = merge_images(images[0], images[2], images[1])
    expected, conflicted = model(start, ours, theirs)
    found = by_id(one.image)
    assert set(found) == set(expected)
    for ident, want in expected.items():
        assert keyed(found[ident]) == keyed(want)
    assert {(c["id"], c["field"] or "") for c in one.conflicts} == conflicted
    assert {(c["id"], c["field"] or "") for c in other.conflicts} == conflicted
    swapped = {(c["id"], c["field"] or ""): (c["theirs"], c["ours"]) for c in other.conflicts}
    assert {(c["id"], c["field"] or ""): (c["ours"], c["theirs"]) for c in one.conflicts} == swapped
    mirrored = by_id(other.image)
    for ident in {i for i in found if (i, "") not in conflicted and i in mirrored}:
        fields = {f for i, f in conflicted if i == ident}
        assert {k: v for k, v in found[ident].items() if k not in fields} == {
            k: v for k, v in mirrored[ident].items() if k not in fields
        }
    if not conflicted:
        assert numbers(one.image) == numbers(other.image)
        assert dump_json(one.image) == dump_json(other.image)


def test_a_side_with_one_id_used_twice_is_refused_rather_than_merged() -> None:
    twice = image_of(entry("a"), entry("a", title="Other"))
    with pytest.raises(InputError, match="theirs: entry id 'a' is used twice"):
        merge_images(image_of(entry("a")), image_of(entry("a")), twice)


def test_sharing_unchanged_entries_with_base_changes_no_merge() -> None:
    base = image_of(entry("a"), entry("b"))
    side = image_of(entry("a"), entry("b", title="Changed"))
    shared = shared_with(base, copy.deepcopy(side))
    assert shared == side
    assert shared["entries"]["1"] is base["entries"]["1"]
    assert shared["entries"]["2"] is not base["entries"]["2"]


def test_a_merge_holding_an_unreadable_entry_is_refused() -> None:
    bad = image_of(entry("a", tags="not a list"))
    with pytest.raises(CatalogError, match=r"data/catalog\.json: entry 'a' tags must be a list"):
        refuse_unusable(merge_images(image_of(), image_of(), bad).image, "data/catalog.json")
    no_id = image_of({"title": "no id"})
    with pytest.raises(CatalogError, match="theirs: entry '1' is not an entry with an id"):
        merge_images(image_of(), image_of(), no_id)


def test_a_table_htcat_does_not_know_merges_by_document_or_is_refused() -> None:
    base, ours, theirs = image_of(), image_of(), image_of()
    base["notes"] = {"1": {"text": "b"}, "2": {"text": "keep"}}
    ours["notes"] = {"1": {"text": "o"}, "2": {"text": "keep"}}
    theirs["notes"] = {"1": {"text": "b"}, "3": {"text": "new"}}
    merged = merge_images(base, ours, theirs).image
    assert merged["notes"] == {"1": {"text": "o"}, "3": {"text": "new"}}
    theirs["notes"]["1"] = {"text": "t"}
    with pytest.raises(InputError, match="table 'notes', document 1: changed on both sides"):
        merge_images(base, ours, theirs)


def test_an_item_listed_twice_is_not_collapsed_by_a_merge() -> None:
    twice = [link("https://x.org/a"), link("https://x.org/a/")]
    base = image_of(entry("a", links=twice, tags=[]))
    ours = image_of(entry("a", links=[*twice, link("https://x.org/o")], tags=[]))
    theirs = image_of(entry("a", links=[*twice, link("https://x.org/t")], tags=[]))
    merged = by_id(merge_images(base, ours, theirs).image)["a"]
    assert [x["url"] for x in merged["links"]][:2] == ["https://x.org/a", "https://x.org/a/"]
    assert len(merged["links"]) == 4
