"""SIGKILL at random instants never leaves a broken catalog, a lost write or a pile of temp files;
Ctrl-C (SIGINT) gives exit 130 with a message that says truly whether the change was saved.

The counts here are CI's share (120 SIGKILL runs, 16 SIGINT runs); ``bench/soak.py``
runs the same scenarios many more times.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from links.server import LinkServer

from .crashes import KillReport, kill_runs

pytestmark = pytest.mark.slow  # crash loops: hundreds of real processes killed

SIGKILL_RUNS = {
    "add": 16,
    "edit": 16,
    "remove": 12,
    "tag --all": 14,
    "import 5,000 rows": 14,
    "check (merging results)": 10,
    "fetch": 12,
}
SIGINT_RUNS = {"import 5,000 rows": 8, "tag --all": 8}


def assert_clean(report: KillReport, runs: int) -> None:
    assert report.runs == runs
    assert report.corrupt == 0, report.problems
    assert report.lost == 0, report.problems
    assert not report.problems, report.problems[:5]
    assert report.index_mismatches == 0
    assert report.old + report.new + report.partial == runs
    assert report.max_temp_files <= report.max_leftovers
    assert report.temp_files_after_next_writer == 0


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("scenario", "runs"), list(SIGKILL_RUNS.items()))
def test_sigkill_leaves_the_old_or_the_new_catalog(
    tmp_path: Path, link_server: LinkServer, scenario: str, runs: int
) -> None:
    report = kill_runs(scenario, tmp_path, runs, seed=len(scenario), link_base=link_server.base)
    print(report.summary())

    assert_clean(report, runs)
    assert report.killed >= runs // 4, report.summary()


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("scenario", "runs"), list(SIGINT_RUNS.items()))
def test_ctrl_c_says_truly_whether_the_change_was_saved(
    tmp_path: Path, link_server: LinkServer, scenario: str, runs: int
) -> None:
    report = kill_runs(
        scenario, tmp_path, runs, seed=7, link_base=link_server.base, sig=signal.SIGINT
    )
    print(report.summary(), f"{report.interrupted} exits 130")

    assert_clean(report, runs)
    assert report.interrupted >= 1, report.summary()
