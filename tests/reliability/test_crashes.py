"""SIGKILL at random instants never leaves a broken catalog, a lost write or a pile of temp files.

The counts here are CI's share (about 150 kills in all); ``bench/soak.py``
runs the same scenarios many more times.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from links.server import LinkServer

from .crashes import kill_runs

CI_RUNS = {
    "add": 30,
    "edit": 20,
    "remove": 14,
    "tag --all": 16,
    "import 5,000 rows": 20,
    "check (merging results)": 20,
    "fetch": 30,
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("scenario", "runs"), list(CI_RUNS.items()))
def test_sigkill_leaves_the_old_or_the_new_catalog(
    tmp_path: Path, link_server: LinkServer, scenario: str, runs: int
) -> None:
    report = kill_runs(scenario, tmp_path, runs, seed=len(scenario), link_base=link_server.base)
    print(report.summary())

    assert report.runs == runs
    assert report.corrupt == 0, report.problems
    assert report.lost == 0, report.problems
    assert not report.problems, report.problems[:5]
    assert report.index_mismatches == 0
    assert report.old + report.new + report.partial == runs
    assert report.max_temp_files <= report.max_leftovers
    assert report.temp_files_after_next_writer == 0
    assert report.killed >= runs // 4, report.summary()
