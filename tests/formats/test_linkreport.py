"""The report of a check: rows as the catalog will hold them, in each format."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from htcat.cli import options
from htcat.formats.linkreport import REPORT_COLUMNS, REPORT_FORMATS, render, report_rows, summary
from htcat.links.results import CheckResult

CHECKED = "2026-12-01T02:15:00Z"


def result(outcome: str, url: str = "https://example.org/a.pdf", **found: object) -> CheckResult:
    return CheckResult(
        entry_id="e",
        url=url,
        kind="pdf",
        outcome=outcome,  # type: ignore[arg-type]
        checked=CHECKED,
        **found,  # type: ignore[arg-type]
    )


def test_only_problems_and_warnings_are_reported_unless_every_link_is_asked_for() -> None:
    results = [
        result("ok", "https://example.org/fine.pdf"),
        result("ok", "https://example.org/warned.pdf", warning="HTTP 403, accepted"),
        result("broken", "https://example.org/gone.pdf", status=404, error="HTTP 404 Not Found"),
    ]

    problems = report_rows(results, {}, every_link=False)
    every = report_rows(results, {}, every_link=True)

    assert [r["url"].rsplit("/", 1)[1] for r in problems] == ["warned.pdf", "gone.pdf"]
    assert len(every) == 3


def test_a_row_is_the_check_the_catalog_will_hold_changed_included() -> None:
    before = {("e", "https://example.org/a.pdf", "pdf"): {"outcome": "changed", "changed": "x"}}

    [row] = report_rows([result("ok")], before, every_link=True)

    assert row["outcome"] == "changed"
    flattened = {"archived_url", "archived_timestamp"}  # CSV's columns for row["archived"]
    assert set(REPORT_COLUMNS) - flattened <= set(row) and "archived" in row


def test_each_format_shows_the_error_the_warning_and_the_chain() -> None:
    hop = "http://files.example.org/a.pdf"
    rows = report_rows(
        [
            result(
                "moved",
                redirects=((301, hop),),
                moved_to=hop,
                warning=f"redirected from https to http (301, permanently): {hop}",
            ),
            result("broken", "https://example.org/b.pdf", error="x.org:443: connection refused"),
        ],
        {},
        every_link=False,
    )

    table = render(rows, "table")
    markdown = render(rows, "markdown")
    [first, second] = list(csv.DictReader(io.StringIO(render(rows, "csv"))))
    parsed = orjson.loads(render(rows, "json"))
    lines = render(rows, "jsonl").splitlines()

    assert f"moved to {hop}; warning: redirected from https to http" in table
    assert "x.org:443: connection refused" in markdown
    assert (first["redirects"], first["warning"]) == (f"301 {hop}", rows[0]["warning"])
    assert second["error"] == "x.org:443: connection refused"
    assert (
        [p["outcome"] for p in parsed]
        == ["moved", "broken"]
        == [orjson.loads(line)["outcome"] for line in lines]
    )
    assert render([], "table") == ""


def test_the_summary_counts_outcomes_in_their_order() -> None:
    results = [result("broken"), result("ok"), result("throttled"), result("ok")]
    rows = report_rows(results, {}, every_link=True)

    assert summary(rows, 4, interrupted=False) == "4 links: 2 ok, 1 throttled, 1 broken"
    assert summary(rows[:1], 4, interrupted=True) == (
        "interrupted: 1 of 4 links done (1 broken); their results are saved"
    )


def test_the_commands_offer_exactly_the_formats_the_report_renders() -> None:
    # cli/options.py spells them out so as not to import a format module at start-up.
    assert options.REPORT_FORMATS == REPORT_FORMATS
    for format_ in REPORT_FORMATS:
        render([], format_)
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render([], "xml")
