"""Counts in messages agree with their nouns."""

from htcat.plurals import counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "entry") == "1 entry"
    assert [counted(n, "entry") for n in (0, 2)] == ["0 entries", "2 entries"]
    assert counted(1, "problem") == "1 problem"
    assert counted(1_000, "link") == "1,000 links"
    assert counted(3, "moved link") == "3 moved links"
    assert counted(2, "draft or archived entry") == "2 draft or archived entries"
