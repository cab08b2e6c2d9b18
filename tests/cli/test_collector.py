"""The command line's cycle collector: off for data work, on around event loops, restored after."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from htcat.cli.collector import collecting


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Leave the test process's collector as it was found, frozen objects included."""
    was_on = gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_on:
            gc.enable()
        else:
            gc.disable()


def test_an_event_loop_runs_with_the_collector_which_is_off_again_after(
    collector_state: None,
) -> None:
    gc.disable()
    before = gc.get_freeze_count()
    with collecting():
        assert gc.isenabled()
        assert gc.get_freeze_count() > before  # what existed is left out of its walks
    assert not gc.isenabled()


def test_the_collector_stays_on_for_a_caller_that_had_it_on(collector_state: None) -> None:
    gc.enable()
    with collecting():
        assert gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_off_again_when_the_block_raises(collector_state: None) -> None:
    gc.disable()
    with pytest.raises(KeyboardInterrupt), collecting():
        raise KeyboardInterrupt
    assert not gc.isenabled()
