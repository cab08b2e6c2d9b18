"""Tags: one normal form, never a comma."""

from __future__ import annotations

from htcat.model import validate_entry
from htcat.tags import normalize_tag, normalize_tags


def test_no_tag_ever_holds_a_comma():
    entry = validate_entry({"title": "T", "tags": ["labor trafficking, agriculture", "x"]})
    assert entry["tags"] == ["agriculture", "labor-trafficking", "x"]
    stored = ["labor-trafficking,-agriculture"]
    assert normalize_tags(stored) == ["agriculture", "labor-trafficking"]
    assert "," not in normalize_tag("a, b")


def test_a_tag_is_trimmed_lower_cased_and_hyphenated():
    assert normalize_tag("  Labor   Trafficking ") == "labor-trafficking"
    assert normalize_tags(["B", "a", "b", " "]) == ["a", "b"]
