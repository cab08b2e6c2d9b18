"""Every number option refuses nan, the infinities and negatives before anything is done."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--timeout", "nan"),
        ("check", "--timeout", "inf"),
        ("check", "--timeout", "-1"),
        ("check", "--host-wait", "nan"),
        ("check", "--host-wait", "-inf"),
        ("fetch", "--timeout", "nan"),
        ("fetch", "--speed-time", "inf"),
        ("fetch", "--speed-time", "nan"),
        ("fetch", "--speed-limit", "-5"),
        ("--lock-timeout", "nan", "list"),
        ("list", "--limit", "-1"),
        ("list", "--offset", "-1"),
    ],
)
def test_a_number_that_is_not_one_is_refused_and_nothing_is_done(
    empty_db: Path, cli, args: tuple[str, ...]
):
    """An empty catalog: were a value let through, no link would be asked for all that."""
    before = empty_db.read_bytes()
    result = cli(*args)
    assert result.exit_code == 2, result.output
    option = next(a for a in args if a.startswith("--"))
    assert option in result.stderr
    assert empty_db.read_bytes() == before
