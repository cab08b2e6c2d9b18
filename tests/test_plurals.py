"""Counts in messages agree with their nouns."""

import pytest

from htcat.plurals import counted, size_in_words


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "entry") == "1 entry"
    assert [counted(n, "entry") for n in (0, 2)] == ["0 entries", "2 entries"]
    assert counted(1, "problem") == "1 problem"
    assert counted(1_000, "link") == "1,000 links"
    assert counted(3, "moved link") == "3 moved links"
    assert counted(2, "draft or archived entry") == "2 draft or archived entries"


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (1, "1 byte"),
        (1000, "1,000 bytes"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (100 * 1024**2, "100 MB"),
        (5 * 1024**3 + 1024**3 // 2, "5.5 GB"),
    ],
)
def test_sizes_read_in_kb_mb_and_gb(size: int, words: str) -> None:
    assert size_in_words(size) == words
