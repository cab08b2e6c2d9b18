"""The catalog checks that validation on write cannot do alone."""

from __future__ import annotations

import pytest

from htcat.doctor import diagnose, tag_variant_key
from htcat.model import validate_entry


def valid(ident: str, title: str, *urls: str) -> dict:
    return validate_entry({"id": ident, "title": title, "links": list(urls)})


def kinds(entries: list[dict]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.kind, f.ids) for f in diagnose(entries)]


def test_a_clean_catalog_has_no_findings():
    entries = [
        valid("report", "HTLA Class 6 Recommendations Report", "https://e.org/a.pdf"),
        valid("memo", "Information Memorandum: Federal Cases", "https://e.org/b.pdf"),
        valid("webinar", "Labor Trafficking Among Foreign Nationals"),
    ]
    assert diagnose(entries) == []


def test_schema_errors_name_the_entry_field_and_value():
    entries = [
        {"id": "bad", "title": "Bad", "type": "podcast", "date": "soon"},
        {"title": "No id"},
    ]
    findings = diagnose(entries)
    assert [(f.kind, f.ids) for f in findings] == [
        ("schema", ("bad",)),
        ("schema", ("bad",)),
        ("schema", ("#2",)),
    ]
    assert findings[0].detail.startswith("type 'podcast'")
    assert findings[1].detail.startswith("date 'soon'")
    assert findings[2].detail == "entry has no id"


def test_duplicate_ids_are_found():
    entries = [valid("same", "First title"), valid("same", "Second, different")]
    assert ("duplicate-id", ("same",)) in kinds(entries)


def test_the_same_url_on_two_entries_is_found_after_normalizing():
    entries = [
        valid("a", "Alpha", "https://Example.org/Report.pdf"),
        valid("b", "Beta", "https://example.org:443/Report.pdf#page=2"),
        valid("c", "Gamma", "https://example.org/report.pdf"),
    ]
    findings = [f for f in diagnose(entries) if f.kind == "duplicate-url"]
    assert [(f.ids, f.detail) for f in findings] == [(("a", "b"), "https://example.org/Report.pdf")]


def test_near_duplicate_titles_are_found():
    entries = [
        valid("a", "HTLA Class 6 Recommendations Report"),
        valid("b", "HTLA Class 6 Recommendation Report"),
        valid("c", "Information Memorandum on Research"),
        valid("d", "INFORMATION MEMORANDUM — on research!"),
        valid("e", "Something else entirely"),
    ]
    near = [ids for kind, ids in kinds(entries) if kind == "near-duplicate"]
    assert sorted(tuple(sorted(pair)) for pair in near) == [("a", "b"), ("c", "d")]


def test_broken_values_from_a_hand_edit_do_not_crash_doctor():
    entries = [
        {"id": "x", "title": None, "links": [{"url": 5}, "not a link", {"url": "http://["}]},
        {"id": "y", "title": "Y", "links": [{"url": "http://["}]},
    ]
    found = kinds(entries)
    assert ("schema", ("x",)) in found and ("schema", ("y",)) in found


def tagged(ident: str, *tags: str) -> dict:
    return {"id": ident, "title": ident.title(), "tags": list(tags)}


def test_tags_that_differ_only_by_a_plural_or_punctuation_are_flagged():
    entries = [
        tagged("a", "annual-report", "labor"),
        tagged("b", "annual-report"),
        tagged("c", "annual-reports"),
        tagged("d", "annual_report", "data"),
        tagged("e", "date"),
    ]
    (finding,) = diagnose(entries)
    assert (finding.kind, finding.ids) == ("tag-variants", ("c", "d"))
    assert finding.detail == (
        "tags 'annual-report' (2 entries), 'annual-reports' (1 entry), 'annual_report' "
        "(1 entry) differ only by a plural or punctuation: htcat tags rename annual-reports "
        "annual-report; htcat tags rename annual_report annual-report"
    )


def test_a_tag_holding_a_comma_is_flagged_with_the_command_that_splits_it():
    entries = [tagged("a", "labor-trafficking,-agriculture"), tagged("b", "agriculture")]
    (finding,) = diagnose(entries)
    assert (finding.kind, finding.ids) == ("tag-comma", ("a",))
    assert finding.detail.endswith(
        "split it: htcat tag a --add agriculture --add labor-trafficking"
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("annual-report", "annual-reports"),
        ("annual-report", "annual_report"),
        ("annual-report", "annualreport"),
        ("policy", "policies"),
        ("Labor-Trafficking", "labor-trafficking"),
    ],
)
def test_tag_variants_share_a_key(one: str, other: str):
    assert tag_variant_key(one) == tag_variant_key(other)


@pytest.mark.parametrize(("one", "other"), [("data", "date"), ("analysis", "analyst"), ("us", "u")])
def test_different_tags_have_different_keys(one: str, other: str):
    assert tag_variant_key(one) != tag_variant_key(other)


def test_progress_counts_each_entry_checked_then_each_pair_of_titles_compared():
    entries = [valid(f"entry-{n}", f"Resource number {n:04d} on trafficking") for n in range(600)]
    seen: list[tuple[int, int]] = []

    diagnose(entries, progress=lambda done, total: seen.append((done, total)))

    assert seen == [(500, 1199), (600, 1199), (1000, 1199), (1199, 1199)]
