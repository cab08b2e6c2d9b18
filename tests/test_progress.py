"""Reporting a long task's progress from the core: every so many steps, and at the last."""

from __future__ import annotations

from htcat.progress import EVERY, reporting


def reports(
    items: list[int], total: int, before: int = 0
) -> tuple[list[int], list[tuple[int, int]]]:
    seen: list[tuple[int, int]] = []
    passed = list(
        reporting(items, lambda done, all_: seen.append((done, all_)), total, before=before)
    )
    return passed, seen


def test_every_item_passes_and_the_last_is_always_reported():
    items = list(range(2 * EVERY + 3))
    passed, seen = reports(items, len(items))
    assert passed == items
    assert seen == [(EVERY, len(items)), (2 * EVERY, len(items)), (len(items), len(items))]


def test_a_last_step_on_a_round_number_is_reported_once():
    _, seen = reports(list(range(EVERY)), EVERY)
    assert seen == [(EVERY, EVERY)]


def test_steps_done_before_count_towards_the_total():
    _, seen = reports(list(range(EVERY - 1)), 2 * EVERY, before=EVERY + 1)
    assert seen == [(2 * EVERY, 2 * EVERY)]


def test_an_unknown_total_reports_as_many_steps_as_are_done():
    _, seen = reports(list(range(EVERY + 2)), 0)
    assert seen == [(EVERY, EVERY), (EVERY + 2, EVERY + 2)]


def test_nothing_to_do_is_reported_as_done():
    _, seen = reports([], 0)
    assert seen == [(0, 0)]


def test_without_a_callback_the_items_pass_as_they_are():
    assert list(reporting(iter("abc"), None, 3)) == ["a", "b", "c"]
