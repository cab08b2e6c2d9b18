"""htcat check --suggest: archived copies of broken links in the report and on the link."""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from links.fake_archive import COPIES, fake_archive
from links.fake_service import Service, serving

from helpers import RunCli, entries_in, write_catalog


@pytest.fixture(scope="module")
def site() -> Iterator[Service]:
    with serving(fake_archive) as service:
        yield service


@pytest.fixture
def catalog(db: Path, site: Service) -> Path:
    links = [
        {"url": site.url("/gone/report.pdf"), "kind": "page"},
        {"url": site.url("/ok"), "kind": "page"},
    ]
    return write_catalog(db, [{"title": "Report", "type": "report", "links": links}])


def stored(db: Path) -> list[dict[str, object] | None]:
    [entry] = entries_in(db).values()
    return [link.get("check") for link in entry["links"]]


def test_suggest_puts_the_newest_copy_in_the_report_and_on_the_link(
    cli: RunCli, catalog: Path, site: Service
) -> None:
    run = cli("check", "--suggest", "--archive", site.url("/wayback/available"), "--format", "json")

    copy = {
        "url": f"{COPIES}/web/20240203100000/{site.url('/gone/report.pdf')}",
        "timestamp": "2024-02-03T10:00:00Z",
    }
    [row] = json.loads(run.stdout)
    assert run.exit_code == 1
    assert row["outcome"] == "broken" and row["archived"] == copy
    assert [check and check["archived"] for check in stored(catalog)] == [copy, None]


@pytest.mark.parametrize("archive_path", ["/wayback/available", "/timemap/link/"])
def test_the_table_and_csv_show_the_archived_copy(
    cli: RunCli, catalog: Path, site: Service, archive_path: str
) -> None:
    table = cli("check", "--archive", site.url(archive_path))
    spreadsheet = cli("check", "--archive", site.url(archive_path), "--format", "csv")

    copy_url = f"{COPIES}/web/20240203100000/{site.url('/gone/report.pdf')}"
    assert f"HTTP 404 Not Found; archived 2024-02-03: {copy_url}" in table.stdout
    [row] = csv.DictReader(io.StringIO(spreadsheet.stdout))
    assert (row["archived_url"], row["archived_timestamp"]) == (copy_url, "2024-02-03T10:00:00Z")


def test_an_archive_that_is_down_leaves_a_note_and_the_check_complete(
    cli: RunCli, catalog: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}/wayback/available"

    run = cli("check", "--archive", down, "--format", "json")

    assert run.exit_code == 1
    assert [row["outcome"] for row in json.loads(run.stdout)] == ["broken"]
    assert f"no archived copy suggested for 1 link: {down}: connection refused" in run.stderr
    assert [check and check["outcome"] for check in stored(catalog)] == ["broken", "ok"]


def test_a_check_without_suggest_never_asks_an_archive(
    cli: RunCli, catalog: Path, site: Service
) -> None:
    site.requests.clear()
    run = cli("check", "--format", "json")

    assert run.exit_code == 1
    assert json.loads(run.stdout)[0]["archived"] is None
    assert not [r for r in site.requests if "wayback" in r.path or "timemap" in r.path]


def test_an_archive_url_that_is_not_http_exits_2(cli: RunCli, catalog: Path) -> None:
    run = cli("check", "--archive", "ftp://archive.example/")

    assert run.exit_code == 2
    assert "--archive 'ftp://archive.example/': expected an http or https URL" in run.stderr
    assert stored(catalog) == [None, None]
