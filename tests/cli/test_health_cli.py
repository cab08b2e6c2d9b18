"""htcat health: the report of the link history beside the catalog, in each format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from helpers import RunCli, write_catalog
from htcat.health import Transition, append_transitions


def days_ago(days: int) -> str:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def history_db(db: Path) -> Path:
    """Three links: one broke two days ago, one fixed yesterday, one broken for 20 days."""
    links = {
        "fresh": "https://a.example/fresh",
        "fixed": "https://b.example/x",
        "old": "https://a.example/old",
    }
    write_catalog(
        db,
        [
            {"title": name.title(), "links": [{"url": url, "kind": "page"}]}
            for name, url in links.items()
        ],
    )
    append_transitions(
        db,
        [
            Transition(days_ago(30), "fresh", links["fresh"], "page", None, "ok"),
            Transition(
                days_ago(2),
                "fresh",
                links["fresh"],
                "page",
                "ok",
                "broken",
                404,
                "HTTP 404 Not Found",
            ),
            Transition(days_ago(30), "fixed", links["fixed"], "page", None, "broken", 500),
            Transition(days_ago(1), "fixed", links["fixed"], "page", "broken", "ok", 200),
            Transition(days_ago(20), "old", links["old"], "page", None, "broken", 404),
            Transition(days_ago(20), "removed", "https://c.example/", "page", None, "broken"),
        ],
    )
    return db


def test_health_as_json_names_each_group_and_counts_by_host(cli: RunCli, history_db: Path) -> None:
    result = cli("health", "--format", "json")

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [link["entry_id"] for link in report["newly_broken"]] == ["fresh"]
    assert report["newly_broken"][0]["error"] == "HTTP 404 Not Found"
    assert [link["entry_id"] for link in report["fixed"]] == ["fixed"]
    assert [link["entry_id"] for link in report["chronic"]] == ["old"]
    assert report["hosts"][0] == {"host": "a.example", "newly_broken": 1, "chronic": 1}
    assert (
        result.stderr == "1 link newly broken, 1 fixed, 1 broken for 7 days and more, 0 flapping\n"
    )


def test_health_as_markdown_is_a_page_to_mail(cli: RunCli, history_db: Path) -> None:
    page = cli("health", "--format", "markdown", "--broken-days", "30").stdout

    assert page.startswith("# Link health from ")
    assert "## Newly broken (1)\n\n- `fresh` page: https://a.example/fresh (broken since " in page
    assert "## Broken for 30 days and more (0)\n\nNone.\n" in page
    assert "| a.example | 1 | 0 | 0 | 0 |" in page


def test_since_takes_a_date_or_a_duration(cli: RunCli, history_db: Path) -> None:
    long_ago = cli("health", "--since", days_ago(40)[:10], "--format", "json").stdout
    lately = cli("health", "--since", "12h", "--format", "json").stdout

    assert [link["entry_id"] for link in json.loads(long_ago)["newly_broken"]] == ["fresh", "old"]
    assert json.loads(lately)["newly_broken"] == []


def test_a_table_lists_each_group(cli: RunCli, history_db: Path) -> None:
    lines = cli("health").stdout.splitlines()

    assert lines[0].split() == ["group", "entry", "kind", "outcome", "since", "changes", "url"]
    assert [line.split()[:2] for line in lines[2:]] == [
        ["newly_broken", "fresh"],
        ["fixed", "fixed"],
        ["chronic", "old"],
    ]


@pytest.mark.parametrize("options", [["--since", "soon"], ["--format", "xml"]])
def test_bad_options_are_refused_with_status_2(
    cli: RunCli, history_db: Path, options: list[str]
) -> None:
    result = cli("health", *options)

    assert result.exit_code == 2
    assert result.stdout == ""


def test_no_history_yet_is_an_empty_report(cli: RunCli, db: Path) -> None:
    write_catalog(db, [{"title": "Plain"}])

    result = cli("health", "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["newly_broken"] == []
