"""Concurrent writers (and a link check) lose no acknowledged change and make none of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from links.server import LinkServer

from .concurrency import run_concurrency

pytestmark = pytest.mark.slow  # writers and a check racing for ten seconds


@pytest.mark.timeout(600)
def test_four_writers_and_a_checker_lose_no_acknowledged_change(
    tmp_path: Path, link_server: LinkServer
) -> None:
    report = run_concurrency(
        tmp_path, writers=4, seconds=10, link_url=link_server.url, with_check=True
    )

    print(
        f"{report.acknowledged} acknowledged ({dict(report.counts)}), {len(report.checks)} checks "
        f"{report.checks}, {len(report.lost)} lost, {len(report.unexpected)} unexpected"
    )
    assert not report.problems, report.problems[:5]
    assert not report.lost, report.lost[:5]
    assert not report.unexpected, report.unexpected[:5]
    assert not report.unchecked_links, report.unchecked_links[:5]
    assert report.temp_files_left == 0
    assert report.acknowledged >= 8, report.counts
    assert all(report.counts[op] > 0 for op in ("add", "edit", "tag", "remove")), report.counts
    assert report.checks and set(report.checks) <= {0, 1, 3}, report.checks
    assert 0 in report.checks, report.checks
