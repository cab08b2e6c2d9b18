"""htcat fetch against the local server: documents archived by SHA-256 and verified."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from htcat.links.config import FetchSettings, RetryPolicy, Stall, Timeouts
from htcat.links.fetch import FetchTarget, fetch_links, run_fetches
from htcat.links.pacing import Hosts
from htcat.links.results import FetchResult, merge_check
from htcat.plurals import size_in_words

from .conftest import TEST_PAGES
from .server import BIG_BYTES, LinkServer


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def fetch_settings(archive: Path) -> FetchSettings:
    return FetchSettings(
        archive=archive,
        max_bytes=64 * 1024,
        timeouts=Timeouts(connect=1.0, read=1.0, total=5.0),
        retry=RetryPolicy(retries=2, backoff=0.05, backoff_max=0.2),
    )


def fetch_one(
    url: str, settings: FetchSettings, kind: str = "pdf", previous: str | None = None
) -> FetchResult:
    [result] = run_fetches([FetchTarget("entry-1", url, kind, previous)], settings)
    return result


def archived_files(archive: Path) -> list[Path]:
    return sorted(p for p in archive.rglob("*") if p.is_file())


def test_a_pdf_is_archived_under_its_sha256_with_its_page_count(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path, test_pdf: bytes
) -> None:
    result = fetch_one(server.url("/doc.pdf"), fetch_settings)

    sha = hashlib.sha256(test_pdf).hexdigest()
    assert result.outcome == "ok"
    assert result.status == 200
    assert result.sha256 == sha
    assert result.size == len(test_pdf)
    assert result.content_type == "application/pdf"
    assert result.pages == TEST_PAGES
    assert result.archive_path == f"{sha[:2]}/{sha}.pdf"
    assert archived_files(archive) == [archive / sha[:2] / f"{sha}.pdf"]
    assert (archive / result.archive_path).read_bytes() == test_pdf


def test_the_page_count_fetch_records_is_what_pdfinfo_reports(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.fail("pdfinfo is not installed: apt-get install -y poppler-utils")
    result = fetch_one(server.url(f"/changing/{uuid.uuid4().hex}"), fetch_settings)
    assert result.archive_path is not None

    report = subprocess.run(
        [pdfinfo, str(archive / result.archive_path)], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)$", report, re.MULTILINE)

    assert match is not None, report
    assert result.pages == int(match.group(1)) == 2


def test_a_document_that_changed_is_reported_and_the_old_copy_kept(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    url = server.url(f"/changing/{uuid.uuid4().hex}")
    first = fetch_one(url, fetch_settings)
    second = fetch_one(url, fetch_settings, previous=first.sha256)

    assert first.outcome == "ok"
    assert second.outcome == "changed"
    assert second.sha256 != first.sha256
    assert (first.pages, second.pages) == (2, 3)
    assert first.archive_path is not None and second.archive_path is not None
    assert (archive / first.archive_path).exists()
    assert (archive / second.archive_path).exists()


def test_fetching_the_same_document_again_is_ok_and_stores_one_copy(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    first = fetch_one(server.url("/doc.pdf"), fetch_settings)
    second = fetch_one(server.url("/plain.pdf"), fetch_settings, previous=first.sha256)

    assert second.outcome == "ok"
    assert second.sha256 == first.sha256
    assert len(archived_files(archive)) == 1


@pytest.mark.parametrize("path", ["/big.pdf", "/big-unsized.pdf"])
def test_a_body_over_the_size_limit_is_too_large_not_a_failure_and_leaves_nothing_behind(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path, path: str
) -> None:
    result = fetch_one(server.url(path), fetch_settings)

    assert result.outcome == "too-large"
    assert not result.failed
    assert result.error is not None
    assert result.error.startswith("larger than 64 KB")
    assert result.sha256 is None
    assert archived_files(archive) == []


def test_a_truncated_pdf_is_broken_and_not_archived(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    result = fetch_one(server.url("/truncated.pdf"), fetch_settings)

    assert result.outcome == "broken"
    assert result.error is not None
    assert result.error.startswith("not a readable PDF: ")
    assert result.status == 200
    assert archived_files(archive) == []


def test_html_where_a_pdf_should_be_is_broken_and_not_archived(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    result = fetch_one(server.url("/soft404.pdf"), fetch_settings)

    assert result.outcome == "broken"
    assert result.error == "expected a PDF, got text/html"
    assert archived_files(archive) == []


def test_a_page_fetched_on_request_is_archived_as_html_without_pages(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    result = fetch_one(server.url("/page"), fetch_settings, kind="webinar")

    assert result.outcome == "ok"
    assert result.pages is None
    assert result.archive_path is not None and result.archive_path.endswith(".html")


def test_a_server_supplied_file_name_is_never_used(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path, tmp_path: Path
) -> None:
    result = fetch_one(server.url("/named.pdf"), fetch_settings)

    assert result.outcome == "ok"
    assert [p.name for p in tmp_path.rglob("*evil*")] == []
    assert [p.parent.parent for p in archived_files(archive)] == [archive]


def test_a_moved_document_is_fetched_from_its_new_place_and_reported_moved(
    server: LinkServer, fetch_settings: FetchSettings
) -> None:
    result = fetch_one(server.url("/old.pdf"), fetch_settings)

    assert result.outcome == "moved"
    assert result.moved_to == server.url("/doc.pdf")
    assert result.pages == TEST_PAGES


def test_a_fetch_retries_a_500(server: LinkServer, fetch_settings: FetchSettings) -> None:
    result = fetch_one(server.url(f"/flaky/{uuid.uuid4().hex}"), fetch_settings)

    assert result.outcome == "ok"
    assert result.pages == TEST_PAGES


def test_a_fetch_of_a_refused_or_non_http_link_fails_without_archiving(
    refused_url: str, fetch_settings: FetchSettings, archive: Path
) -> None:
    refused = fetch_one(refused_url, fetch_settings)
    not_http = fetch_one("ftp://127.0.0.1/doc.pdf", fetch_settings)

    host = refused_url.split("/")[2]
    assert (refused.outcome, refused.error) == ("broken", f"{host}: connection refused")
    assert not_http.outcome == "invalid"
    assert archived_files(archive) == []


def test_a_fetch_that_times_out_leaves_no_temporary_file(server: LinkServer, archive: Path) -> None:
    settings = FetchSettings(archive=archive, timeouts=Timeouts(connect=1.0, read=5.0, total=0.5))
    result = fetch_one(server.url("/stall-after-head.pdf"), settings)

    assert result.outcome == "timeout"
    assert archived_files(archive) == []


def test_a_fetch_records_the_document_on_the_link_and_a_failed_one_keeps_it(
    server: LinkServer, fetch_settings: FetchSettings
) -> None:
    good = fetch_one(server.url("/doc.pdf"), fetch_settings)
    stored = merge_check(None, good)
    bad = fetch_one(server.url("/truncated.pdf"), fetch_settings)
    after = merge_check(stored, bad)

    assert stored["sha256"] == good.sha256
    assert stored["pages"] == TEST_PAGES
    assert stored["fetched"] == good.checked
    assert stored["archive_path"] == good.archive_path
    assert after["outcome"] == "broken"
    assert after["failures"] == 1
    assert (after["sha256"], after["archive_path"]) == (good.sha256, good.archive_path)


def test_a_download_that_drips_is_given_up_by_the_stall_rule_long_before_the_timeout(
    server: LinkServer, fetch_settings: FetchSettings, archive: Path
) -> None:
    """One byte a second kept it alive for the whole link's time limit before."""
    stall = Stall(min_rate=1000, window=0.5)
    patient = dataclasses.replace(
        fetch_settings,
        max_bytes=1024 * 1024,
        stall=stall,
        timeouts=Timeouts(connect=1.0, read=5.0, total=30.0),
    )
    started = time.monotonic()

    result = fetch_one(server.url("/drip.pdf"), patient)

    assert result.outcome == "timeout"
    assert result.error == "stalled: less than 1,000 bytes a second over 0.5 s"
    assert time.monotonic() - started < 3.0
    assert archived_files(archive) == []


def test_a_slow_but_steady_download_is_not_a_stall(
    server: LinkServer, fetch_settings: FetchSettings
) -> None:
    """80 KiB/s for 0.6 s: above a 10,000 bytes/s floor in every 0.2 s window."""
    steady = dataclasses.replace(
        fetch_settings, max_bytes=1024 * 1024, stall=Stall(min_rate=10_000, window=0.2)
    )

    result = fetch_one(server.url("/trickle.bin"), steady, kind="dataset")

    assert (result.outcome, result.size) == ("ok", 12 * 4096)


def test_one_url_refusing_alone_does_not_stall_the_fetch_of_its_hosts_documents(
    server: LinkServer, fetch_settings: FetchSettings
) -> None:
    host_wait = 5.0
    hosts = Hosts(max_wait=30.0, host_wait=host_wait)
    run = uuid.uuid4().hex
    targets = [FetchTarget("busy", server.url(f"/always-busy?{run}"), "pdf")]
    targets += [
        FetchTarget(f"pdf-{i}", server.url(f"/doc.pdf?{run}-{i}"), "pdf") for i in range(40)
    ]
    settings = dataclasses.replace(
        fetch_settings,
        timeouts=Timeouts(connect=5.0, read=5.0, total=60.0),
        retry=RetryPolicy(retries=2, backoff=0.05, backoff_max=0.2, host_wait=host_wait),
    )

    results = asyncio.run(fetch_links(targets, settings, None, hosts))

    assert results[0].outcome == "throttled"
    assert {r.outcome for r in results[1:]} == {"ok"}
    assert all(r.pages == 3 for r in results[1:])
    [pace] = list(hosts)
    assert pace.last_turn - pace.slowed_at <= 2 * host_wait


def test_a_download_cut_short_names_the_status_and_the_bytes_that_came(
    server: LinkServer, fetch_settings: FetchSettings, test_pdf: bytes
) -> None:
    settings = dataclasses.replace(fetch_settings, max_bytes=BIG_BYTES * 4)

    result = fetch_one(server.url("/short-length.pdf"), settings)

    whole = size_in_words(len(test_pdf) + BIG_BYTES)
    assert (result.outcome, result.status) == ("broken", 200)
    assert result.error == f"cut short: HTTP 200 sent {size_in_words(len(test_pdf))} of {whole}"
    assert merge_check(None, result)["found"] == {"outcome": "broken", "error": result.error}
