"""A host's pace: how a 429 or 503 slows it, how it recovers, and when it is given up."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from htcat.links.config import RetryPolicy
from htcat.links.pacing import (
    FIRST_PACE,
    GIVE_UP_AFTER,
    MARGIN,
    HostPace,
    NoTurn,
    Retry,
    retry_for,
    retrying,
)
from htcat.links.results import HOST_BUSY

T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())


def test_retry_after_holds_the_next_turn_and_sets_the_pace_and_its_floor() -> None:
    async def scenario() -> tuple[float, float, float]:
        pace = HostPace("a.example:443", max_wait=30.0)
        now = asyncio.get_running_loop().time()
        wait = pace.slow_down(started=now, after=2.0)
        return wait, pace.interval, pace.floor

    wait, interval, floor = run(scenario)
    assert wait == pytest.approx(2.0, abs=0.05)
    assert interval == floor == pytest.approx(2.0 * MARGIN)


def test_refusals_of_one_burst_slow_the_host_once_and_later_ones_double_it() -> None:
    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:443", max_wait=30.0)
        burst = loop.time()
        seen = []
        for _ in range(3):
            pace.slow_down(started=burst, after=None)
            seen.append(pace.interval)
        pace.slow_down(started=loop.time(), after=None)
        seen.append(pace.interval)
        return seen

    assert run(scenario) == [FIRST_PACE, FIRST_PACE, FIRST_PACE, 2 * FIRST_PACE]


def test_answers_let_the_pace_recover_but_never_below_what_retry_after_asked() -> None:
    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:443", max_wait=30.0)
        pace.slow_down(started=loop.time(), after=1.0)
        pace.slow_down(started=loop.time(), after=1.0)
        seen = []
        for _ in range(20):
            pace.answered(success=True)
            seen.append(pace.interval)
        return seen

    seen = run(scenario)
    assert seen[0] < 2.0 * MARGIN
    assert seen == sorted(seen, reverse=True)
    assert seen[-1] == pytest.approx(1.0 * MARGIN)


def test_turns_are_handed_out_one_pace_apart_and_none_past_the_deadline() -> None:
    async def scenario() -> tuple[list[float], NoTurn]:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:443", max_wait=30.0)
        pace.slow_down(started=loop.time(), after=0.1)
        starts = await asyncio.gather(*(pace.turn(loop.time() + 5.0) for _ in range(3)))
        with pytest.raises(NoTurn) as refused:
            await pace.turn(loop.time())
        return sorted(starts), refused.value

    starts, refused = run(scenario)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps == [pytest.approx(0.1 * MARGIN)] * 2
    assert refused.outcome == "throttled"


def test_a_host_is_given_up_after_a_few_unreachable_tries_and_an_answer_resets_that() -> None:
    async def scenario() -> NoTurn:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:80", max_wait=30.0)
        for _ in range(GIVE_UP_AFTER - 1):
            pace.unreachable("connection refused")
        pace.answered(success=False)
        await pace.turn(loop.time() + 1)
        for _ in range(GIVE_UP_AFTER):
            pace.unreachable("connection refused")
        with pytest.raises(NoTurn) as refused:
            await pace.turn(loop.time() + 1)
        return refused.value

    refused = run(scenario)
    assert refused.outcome == "broken"
    assert str(refused) == (
        "a.example:80: connection refused; host given up for this run after 3 failures"
    )


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retry_after_is_honoured_on_every_status_worth_retrying(status: int) -> None:
    assert retry_for(status, 2.0) == Retry(2.0)
    assert retry_for(status, None) == Retry(None)


@pytest.mark.parametrize("status", [400, 403, 404, 410, 501])
def test_a_status_not_worth_retrying_is_not_retried_whatever_it_asks(status: int) -> None:
    assert retry_for(status, 2.0) is None


def test_a_retry_waits_what_the_server_asked_not_the_back_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded(delay: float) -> None:
        waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("htcat.links.pacing.asyncio.sleep", recorded)
    answers = iter(
        [("first", retry_for(502, 2.0)), ("second", retry_for(504, None)), ("third", None)]
    )

    async def attempt() -> tuple[str, Retry | None]:
        return next(answers)

    async def scenario() -> str:
        deadline = asyncio.get_running_loop().time() + 60.0
        return await retrying(
            attempt, RetryPolicy(retries=2, backoff=0.5, backoff_max=1.0), deadline
        )

    assert run(scenario) == "third"
    assert waits[0] == 2.0
    assert 0.5 <= waits[1] <= 1.0


def test_a_slowed_host_gives_no_turn_past_its_host_wait() -> None:
    async def scenario() -> tuple[float, str]:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:443", max_wait=30.0, host_wait=5.0)
        first = loop.time()
        pace.slow_down(started=first, after=None)
        pace.next_start = first + 5.5
        with pytest.raises(NoTurn) as refused:
            await pace.turn(deadline=first + 100.0)
        return pace.busy_until - first, str(refused.value)

    bound, error = run(scenario)
    assert bound == pytest.approx(5.0, abs=0.05)
    assert error.startswith(f"{HOST_BUSY}: a.example:443 kept asking to slow down for 5 s")


def test_a_url_refusing_alone_is_paced_on_its_own_and_gives_its_host_back() -> None:
    async def scenario() -> tuple[list[bool], float, float, float]:
        loop = asyncio.get_running_loop()
        pace = HostPace("a.example:443", max_wait=30.0, host_wait=5.0)
        pace.answered(success=True)
        seen = [pace.refused_alone("https://a.example/busy")]
        pace.slow_down(started=loop.time(), after=2.0)
        seen.append(pace.refused_alone("https://a.example/busy"))
        return seen, pace.interval, pace.floor, pace.busy_until

    seen, interval, floor, busy_until = run(scenario)
    assert seen == [False, True]
    assert (interval, floor, busy_until) == (0.0, 0.0, float("inf"))


def test_a_url_is_not_alone_while_other_urls_of_its_host_are_refused_too() -> None:
    async def scenario() -> list[bool]:
        pace = HostPace("a.example:443", max_wait=30.0)
        pace.answered(success=True)
        urls = ["https://a.example/1", "https://a.example/2", "https://a.example/1"]
        return [pace.refused_alone(url) for url in urls]

    assert run(scenario) == [False, False, False]


def test_a_url_is_not_alone_at_a_host_that_answered_nothing_else() -> None:
    async def scenario() -> list[bool]:
        pace = HostPace("a.example:443", max_wait=30.0)
        return [pace.refused_alone("https://a.example/1") for _ in range(3)]

    assert run(scenario) == [False, False, False]
