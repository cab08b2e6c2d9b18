"""The history of link health: lines appended per change, read back as a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from htcat.errors import InputError
from htcat.health import (
    Transition,
    append_transitions,
    health_report,
    history_path,
    read_history,
)

UNTIL = "2026-11-30T12:00:00Z"
SINCE = "2026-11-23T12:00:00Z"


def night(day: int) -> str:
    return f"2026-11-{day:02d}T02:00:00Z"


def change(day: int, link: str, before: str | None, after: str) -> Transition:
    host = "b.example" if link in ("c", "d") else "a.example"
    return Transition(night(day), link, f"https://{host}/{link}", "page", before, after)


# (night, link, from, to): the only changes in 30 nights of checks.
CHANGES = [
    (1, "a", None, "ok"),
    (28, "a", "ok", "broken"),  # newly broken
    (1, "b", None, "broken"),  # broken all month
    (1, "c", None, "ok"),
    (5, "c", "ok", "timeout"),
    (27, "c", "timeout", "ok"),  # fixed
    (1, "d", None, "ok"),
    (20, "d", "ok", "broken"),
    (22, "d", "broken", "ok"),
    (24, "d", "ok", "broken"),
    (26, "d", "broken", "ok"),  # flapping, and fixed
    (1, "e", None, "ok"),  # quiet
    (10, "f", None, "broken"),  # its entry was removed
    (20, "g", None, "ok"),
    (21, "g", "ok", "broken"),  # broken 9 days
    (29, "g", "broken", "timeout"),  # still failing: no new start
]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A catalog whose history was written one night at a time, as 30 checks would."""
    path = tmp_path / "catalog.json"
    for day in range(1, 31):
        append_transitions(path, [change(*c) for c in CHANGES if c[0] == day])
    return path


def report(catalog: Path, **options: int) -> dict[str, list[str]]:
    present = {(t.entry_id, t.url, t.kind) for t in read_history(catalog) if t.entry_id != "f"}
    settings = {"broken_days": 7, "flap_changes": 3, "flap_days": 14, **options}
    found = health_report(
        read_history(catalog), present=present, since=SINCE, until=UNTIL, **settings
    )
    return {
        group: [link.entry_id for link in getattr(found, group)]
        for group in ("newly_broken", "fixed", "chronic", "flapping")
    }


def test_thirty_nights_of_history_answer_what_broke_was_fixed_stays_broken_and_flaps(
    catalog: Path,
) -> None:
    assert history_path(catalog).read_text().count("\n") == len(CHANGES)
    assert report(catalog) == {
        "newly_broken": ["a"],
        "fixed": ["c", "d"],
        "chronic": ["b", "g"],
        "flapping": ["d"],
    }


def test_the_thresholds_move_the_groups(catalog: Path) -> None:
    assert report(catalog, broken_days=10)["chronic"] == ["b"]
    assert report(catalog, flap_changes=5)["flapping"] == []
    assert report(catalog, flap_days=5)["flapping"] == []


def test_a_link_broken_since_the_window_began_is_still_newly_broken(catalog: Path) -> None:
    present = {(t.entry_id, t.url, t.kind) for t in read_history(catalog)}
    found = health_report(
        read_history(catalog),
        present=present,
        since="2026-11-21T00:00:00Z",
        until=UNTIL,
        broken_days=7,
        flap_changes=3,
        flap_days=14,
    )

    assert [link.entry_id for link in found.newly_broken] == ["a", "g"]
    assert found.newly_broken[1].since == night(21)
    assert dict(found.by_host())["a.example"]["newly_broken"] == 2


def test_lines_a_union_merge_doubled_count_once_and_order_does_not_matter(
    catalog: Path,
) -> None:
    path = history_path(catalog)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(reversed(lines)) + lines[3])

    assert report(catalog)["flapping"] == ["d"]
    assert len(read_history(catalog)) == len(CHANGES)


def test_an_append_after_a_line_without_its_newline_starts_a_new_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    append_transitions(path, [change(1, "a", None, "ok")])
    history_path(path).write_bytes(history_path(path).read_bytes().rstrip(b"\n"))

    append_transitions(path, [change(2, "a", "ok", "broken")])

    assert [t.after for t in read_history(path)] == ["ok", "broken"]


def test_a_line_that_is_no_record_is_named_by_its_number(catalog: Path) -> None:
    with history_path(catalog).open("a") as history:
        history.write('{"at": "2026-11-30T02:00:00Z"}\n')

    with pytest.raises(InputError, match=r"catalog.history.jsonl line 17: not a history record"):
        read_history(catalog)
