"""The hostile corpus: a clear exit 2 (or 3), or the right result; never a traceback.

Every case runs in-process through the Typer app; the cases marked ``real``
(every kind of input once: about 110 of 260) also run through the installed
``htcat`` script, which is what the no-traceback test checks.
"""

from __future__ import annotations

import pytest

from .corpus import Case, Outcome, all_cases, run_corpus, run_corpus_in_process

CASES = all_cases()
REAL = [c for c in CASES if c.real]


@pytest.fixture(scope="module")
def real_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """The real-CLI part of the corpus, run once, several processes at a time."""
    ran = run_corpus(tmp_path_factory.mktemp("corpus"), REAL)
    return {o.case.name: o for o in ran}


def test_the_case_names_are_unique() -> None:
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_clearly_or_handled(
    tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    (outcome,) = run_corpus_in_process(tmp_path_factory.mktemp("case"), [case])
    assert outcome.problem is None, f"{outcome.problem}: {outcome.ran}"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_real_cli_handles_the_corpus(real_outcomes: dict[str, Outcome]) -> None:
    failed = [f"{o.case.name}: {o.problem}" for o in real_outcomes.values() if o.problem]
    assert not failed


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_no_traceback_reaches_a_user_across_the_corpus(
    real_outcomes: dict[str, Outcome],
) -> None:
    crashed = [name for name, o in real_outcomes.items() if "Traceback" in o.ran.err]
    assert not crashed
    assert len(real_outcomes) == len(REAL) > 100
