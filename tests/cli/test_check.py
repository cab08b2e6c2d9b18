"""htcat check and htcat fetch: selection, results on links, reports, exit statuses, cron runs."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from links.server import TLS, LinkServer, pdf_bytes, tls_context

from helpers import HTCAT, RunCli, entries_in, write_catalog
from htcat.store.file import change_catalog

TIMEOUT = 60
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    running = LinkServer(pdf_bytes(3)).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tls_link_server() -> Iterator[LinkServer]:
    running = LinkServer(pdf_bytes(3), tls_context()).start()
    yield running
    running.stop()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))


@pytest.fixture(autouse=True)
def _direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local server is reached directly, whatever proxy the machine has."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def script_env(**extra: str) -> dict[str, str]:
    """The environment of a cron job: no proxy, CI set, no terminal settings."""
    drop = {*PROXY_VARIABLES, *(n.lower() for n in PROXY_VARIABLES), "HTCAT_DB"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "CI": "true", **extra}


def entry(title: str, *links: tuple[str, str], tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "title": title,
        "type": "report",
        "tags": list(tags),
        "links": [{"url": url, "kind": kind} for url, kind in links],
    }


def link_check(db: Path, entry_id: str, index: int = 0) -> dict[str, Any] | None:
    check: dict[str, Any] | None = entries_in(db)[entry_id]["links"][index].get("check")
    return check


@pytest.fixture
def mixed_db(db: Path, server: LinkServer) -> Path:
    """Five entries: a good PDF, a soft 404, a moved PDF, a missing page, a good webinar."""
    return write_catalog(
        db,
        [
            entry("Good report", (server.url("/doc.pdf"), "pdf"), tags=("reports",)),
            entry("Soft", (server.url("/soft404.pdf"), "pdf"), tags=("reports",)),
            entry("Moved", (server.url("/old.pdf"), "pdf")),
            entry("Gone", (server.url("/missing"), "page")),
            entry("Webinar", (server.url("/page"), "webinar")),
        ],
    )


def test_check_stores_results_on_links_and_reports_only_the_problems(
    cli: RunCli, mixed_db: Path, server: LinkServer
) -> None:
    result = cli("check")

    assert result.exit_code == 1
    assert result.stderr == "5 links: 2 ok, 1 moved, 2 broken\n"
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["entry", "kind", "outcome", "status", "url", "detail"]
    assert {line.split()[0] for line in lines[2:]} == {"soft", "moved", "gone"}
    assert "expected a PDF, got text/html" in result.stdout
    good, soft, moved = (link_check(mixed_db, i) for i in ("good-report", "soft", "moved"))
    assert good is not None and soft is not None and moved is not None
    assert (good["outcome"], good["status"], good["failures"]) == ("ok", 200, 0)
    assert good["last_ok"] == good["since"]
    assert "checked" not in good
    assert (soft["outcome"], soft["failures"], soft["last_ok"]) == ("broken", 1, None)
    assert moved["moved_to"] == server.url("/doc.pdf")
    assert moved["redirects"] == [[301, server.url("/doc.pdf")]]


def test_a_check_does_not_count_as_an_edit_of_the_entry(cli: RunCli, mixed_db: Path) -> None:
    before = entries_in(mixed_db)["good-report"]["updated"]

    cli("check")

    assert entries_in(mixed_db)["good-report"]["updated"] == before


def test_consecutive_failures_accumulate_across_runs(cli: RunCli, mixed_db: Path) -> None:
    cli("check", "soft")
    first = link_check(mixed_db, "soft")
    cli("check", "soft")
    second = link_check(mixed_db, "soft")

    assert first is not None and second is not None
    assert second["failures"] == 2
    assert second["since"] == first["since"]


def test_json_report_with_all_lists_every_link_with_its_stored_check(
    cli: RunCli, mixed_db: Path
) -> None:
    result = cli("check", "--all", "--format", "json")

    rows = json.loads(result.stdout)
    assert sorted(r["entry_id"] for r in rows) == [
        "gone",
        "good-report",
        "moved",
        "soft",
        "webinar",
    ]
    gone = next(r for r in rows if r["entry_id"] == "gone")
    assert gone["outcome"] == "broken" and gone["status"] == 404
    assert gone["error"] == "HTTP 404 Not Found"
    assert gone["failures"] == 1


@pytest.mark.parametrize(
    ("ids", "fail_on", "status"),
    [
        (["good-report", "moved"], None, 0),
        (["good-report", "moved"], "moved", 1),
        (["soft"], "none", 0),
        (["soft"], "timeout,invalid", 0),
        (["soft"], None, 1),
    ],
)
def test_fail_on_names_the_outcomes_that_exit_1(
    cli: RunCli, mixed_db: Path, ids: list[str], fail_on: str | None, status: int
) -> None:
    options = ["--fail-on", fail_on] if fail_on else []

    assert cli("check", *ids, *options).exit_code == status


def test_update_moved_rewrites_the_link_marks_the_entry_updated_and_clears_moved(
    cli: RunCli, mixed_db: Path, server: LinkServer
) -> None:
    before = entries_in(mixed_db)["moved"]

    result = cli("check", "moved", "--update-moved")

    after = entries_in(mixed_db)["moved"]
    assert result.exit_code == 0
    assert "rewrote 1 moved link\n" in result.stderr
    assert after["links"][0]["url"] == server.url("/doc.pdf")
    assert after["links"][0]["check"]["outcome"] == "ok"
    assert after["updated"] != before["updated"]
    assert cli("list", "--link-status", "moved", "--format", "ids").stdout == ""


def test_update_moved_never_doubles_a_url_the_entry_already_has(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(
        db, [entry("Both", (server.url("/old.pdf"), "pdf"), (server.url("/doc.pdf"), "pdf"))]
    )

    result = cli("check", "--update-moved")

    links = entries_in(db)["both"]["links"]
    assert result.exit_code == 0
    assert [link["url"] for link in links] == [server.url("/doc.pdf")]
    assert links[0]["check"]["outcome"] == "ok"
    assert "dropped 1 moved link whose entry already links to the new URL" in result.stderr


@pytest.mark.usefixtures("trusting")
def test_update_moved_keeps_https_over_http_unless_allowed(
    cli: RunCli, db: Path, server: LinkServer, tls_link_server: LinkServer
) -> None:
    old = tls_link_server.url(f"/go/301?to={server.url('/doc.pdf')}")
    write_catalog(db, [entry("Secure", (old, "pdf"))])

    kept = cli("check", "--update-moved", "--format", "json")
    link = entries_in(db)["secure"]["links"][0]
    allowed = cli("check", "--update-moved", "--allow-downgrade")

    assert kept.exit_code == 0
    assert "kept 1 https link that moved to http" in kept.stderr
    [row] = json.loads(kept.stdout)
    assert row["warning"] == (
        f"redirected from https to http (301, permanently): {server.url('/doc.pdf')}"
    )
    assert (link["url"], link["check"]["outcome"]) == (old, "moved")
    assert allowed.exit_code == 0
    assert entries_in(db)["secure"]["links"][0]["url"] == server.url("/doc.pdf")


def test_ids_and_filters_select_what_is_checked(cli: RunCli, mixed_db: Path) -> None:
    by_id = cli("check", "gone")
    by_tag = cli("check", "--tag", "reports")

    assert by_id.stderr == "1 link: 1 broken\n"
    assert by_tag.stderr == "2 links: 1 ok, 1 broken\n"
    assert link_check(mixed_db, "webinar") is None
    assert link_check(mixed_db, "moved") is None


def test_a_url_linked_from_several_entries_is_requested_once_and_stored_on_each(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    path = f"/page?{uuid.uuid4().hex}"
    write_catalog(db, [entry(f"Shared {n}", (server.url(path), "page")) for n in range(3)])

    result = cli("check")

    assert result.stderr == "3 links: 3 ok\n"
    assert len(server.seen(path)) == 1
    assert all(link_check(db, f"shared-{n}") is not None for n in range(3))


def test_older_than_checks_only_links_not_checked_since(cli: RunCli, mixed_db: Path) -> None:
    cli("check", "good-report", "soft")

    result = cli("check", "--older-than", "7d")

    assert result.stderr == "3 links: 1 ok, 1 moved, 1 broken\n"


def test_fail_after_fails_only_for_links_that_failed_that_many_checks_in_a_row(
    cli: RunCli, mixed_db: Path
) -> None:
    first = cli("check", "soft", "good-report", "--fail-after", "2")
    second = cli("check", "soft", "good-report", "--fail-after", "2")
    moved = cli("check", "moved", "--fail-on", "moved", "--fail-after", "5")

    assert (first.exit_code, second.exit_code) == (0, 1)
    assert "soft" in first.stdout and first.stderr == "2 links: 1 ok, 1 broken\n"
    assert moved.exit_code == 1


def test_o_makes_a_missing_folder_and_writes_the_report(
    cli: RunCli, mixed_db: Path, tmp_path: Path
) -> None:
    report = tmp_path / "reports" / "nightly" / "links.md"

    result = cli("check", "--format", "markdown", "-o", str(report))

    assert result.exit_code == 1
    assert "| soft |" in report.read_text()


def test_o_in_a_folder_that_cannot_be_made_is_refused_before_any_link_is_asked(
    cli: RunCli, mixed_db: Path, tmp_path: Path, server: LinkServer
) -> None:
    (tmp_path / "reports").write_text("a file where the folder should be")
    asked = len(server.requests)

    result = cli("check", "-o", str(tmp_path / "reports" / "links.md"))

    assert result.exit_code == 2
    assert "cannot make the folder" in result.stderr and "nothing checked" in result.stderr
    assert len(server.requests) == asked
    assert link_check(mixed_db, "soft") is None


@pytest.mark.parametrize(
    ("format_", "empty"),
    [
        ("json", "[]\n"),
        (
            "markdown",
            "| entry | kind | outcome | status | url | detail |\n"
            "|---|---|---|---|---|---|\n\nnothing checked\n",
        ),
        ("csv", None),
    ],
)
def test_a_run_with_nothing_due_still_writes_its_empty_report(
    cli: RunCli, mixed_db: Path, tmp_path: Path, format_: str, empty: str | None
) -> None:
    cli("check")
    report = tmp_path / f"report.{format_}"
    report.write_text("last night's report")

    to_file = cli("check", "--older-than", "7d", "--format", format_, "-o", str(report))
    to_stdout = cli("check", "--older-than", "7d", "--format", format_)

    assert to_file.exit_code == to_stdout.exit_code == 0
    assert to_stdout.stdout == report.read_text()
    if empty is None:
        assert report.read_text().startswith("entry_id,url,kind,outcome")
        assert report.read_text().count("\n") == 1
    else:
        assert report.read_text() == empty


def test_links_of_a_busy_host_not_asked_keep_their_state_and_a_broken_one_is_reported(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    run = uuid.uuid4().hex
    urls = [server.url(f"/always-busy?{run}-{i}") for i in range(8)]
    write_catalog(db, [entry(f"Busy {i}", (url, "page")) for i, url in enumerate(urls)])
    known = {"outcome": "broken", "status": 404, "since": "2026-11-01T02:00:00Z", "failures": 3}
    with change_catalog(db) as catalog:
        for i in range(4):
            stored = catalog.stored(f"busy-{i}")
            link = {**stored["links"][0], "check": {**known, "error": "HTTP 404 Not Found"}}
            catalog.replace_many([{**stored, "links": [link]}], touch=False, validated=True)

    result = cli("check", "--host-wait", "1", "--format", "json", "--per-host", "1")

    assert result.exit_code == 1
    rows = {row["entry_id"]: row for row in json.loads(result.stdout)}
    for i in range(4):
        check = link_check(db, f"busy-{i}")
        assert check is not None and (check["outcome"], check["failures"]) == ("broken", 3)
        assert rows[f"busy-{i}"]["outcome"] == "broken"
    host_busy = [row for row in rows.values() if "not checked: host busy" in str(row["warning"])]
    assert host_busy
    assert result.stderr.startswith("8 links: ")
    assert "4 broken" in result.stderr and "not checked: host busy)" in result.stderr


def test_what_a_fetch_found_wrong_stays_failing_over_a_check_and_is_counted(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(db, [entry("Cut", (server.url(f"/truncated.pdf?{uuid.uuid4().hex}"), "pdf"))])

    fetched = cli("fetch")
    checked = cli("check")

    assert fetched.exit_code == checked.exit_code == 1
    assert checked.stderr == "1 link: 1 broken\n"
    assert "not a readable PDF" in checked.stdout
    check = link_check(db, "cut")
    assert check is not None and check["outcome"] == "broken" and check["failures"] == 2


def test_older_than_reads_the_check_times_beside_the_catalog(cli: RunCli, mixed_db: Path) -> None:
    cli("check", "good-report", "soft")
    times = json.loads((mixed_db.parent / f".{mixed_db.name}.checked").read_bytes())
    (mixed_db.parent / f".{mixed_db.name}.checked").unlink()

    result = cli("check", "--older-than", "7d")

    assert sorted(times) == ["pdf"]
    assert len(times["pdf"]) == 2
    assert result.stderr == "5 links: 2 ok, 1 moved, 2 broken\n"


def test_older_than_takes_the_moments_an_older_catalog_kept_on_its_links(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    recent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    old = {"checked": recent, "outcome": "ok", "failing_since": None, "last_ok": recent}
    write_catalog(db, [entry("Old", (server.url("/doc.pdf"), "pdf"))])
    with change_catalog(db) as catalog:
        stored = catalog.stored("old")
        link = {**stored["links"][0], "check": old}
        catalog.replace_many([{**stored, "links": [link]}], touch=False, validated=True)

    due = cli("check", "--older-than", "7d")
    migrated = cli("check")

    assert due.stderr == "no links to check\n"
    assert migrated.exit_code == 0
    check = link_check(db, "old")
    assert check is not None and "checked" not in check and "failing_since" not in check
    assert check["since"] == recent


def test_a_check_that_finds_every_link_as_it_was_leaves_the_catalog_bytes_equal(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(
        db,
        [
            entry("Good", (server.url("/doc.pdf"), "pdf")),
            entry("Moved", (server.url("/old.pdf"), "pdf")),
            entry("Page", (server.url("/page"), "webinar")),
        ],
    )
    cli("check")
    with change_catalog(db) as catalog:
        for entry_id in ("good", "moved", "page"):
            stored = catalog.stored(entry_id)
            old = {"since": "2026-01-01T02:00:00Z", "last_ok": "2026-01-01T02:00:00Z"}
            links = [{**link, "check": {**link["check"], **old}} for link in stored["links"]]
            catalog.replace_many([{**stored, "links": links}], touch=False, validated=True)
    first = db.read_bytes()
    history = (db.parent / "catalog.history.jsonl").read_bytes()

    again = cli("check")

    assert again.exit_code == 0
    assert db.read_bytes() == first
    assert (db.parent / "catalog.history.jsonl").read_bytes() == history


def test_a_fetch_that_finds_every_document_as_it_was_leaves_the_catalog_bytes_equal(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(
        db, [entry("Doc", (server.url("/doc.pdf"), "pdf"), (server.url("/page"), "page"))]
    )
    cli("fetch", "--kind", "pdf", "--kind", "page")
    with change_catalog(db) as catalog:
        stored = catalog.stored("doc")
        links = [
            {**link, "check": {**link["check"], "fetched": "2026-01-01T02:00:00Z"}}
            for link in stored["links"]
        ]
        catalog.replace_many([{**stored, "links": links}], touch=False, validated=True)
    first = db.read_bytes()

    again = cli("fetch", "--kind", "pdf", "--kind", "page")

    assert again.exit_code == 0
    assert db.read_bytes() == first


def test_a_link_moved_to_a_signed_url_is_not_rewritten_and_the_key_is_not_stored(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    from urllib.parse import quote

    signed = server.url("/doc.pdf?X-Amz-Credential=AKIA1&X-Amz-Signature=deadbeef")
    link = server.url(f"/go/301?to={quote(signed, safe='')}")
    write_catalog(db, [entry("Signed", (link, "pdf"))])

    result = cli("check", "--update-moved", "--all", "--format", "json")

    stored = entries_in(db)["signed"]["links"][0]
    [row] = json.loads(result.stdout)
    assert stored["url"] == link
    for state in (stored["check"], row):
        seen = json.dumps([state["final_url"], state["redirects"], state["moved_to"]])
        assert "deadbeef" not in seen and "AKIA1" not in seen
    assert stored["check"]["moved_to"].endswith("X-Amz-Signature=REDACTED")


def test_each_change_of_a_links_state_is_one_line_of_history(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(
        db,
        [
            entry("Good", (server.url("/doc.pdf"), "pdf")),
            entry("Gone", (server.url("/missing"), "page")),
        ],
    )
    cli("check")
    cli("check")
    lines = (db.parent / "catalog.history.jsonl").read_text().splitlines()

    changes = [json.loads(line) for line in lines]
    assert [(c["entry"], c["from"], c["to"]) for c in changes] == [
        ("good", None, "ok"),
        ("gone", None, "broken"),
    ]
    assert changes[1]["status"] == 404


def test_the_report_goes_to_a_file_in_the_format_asked(
    cli: RunCli, mixed_db: Path, tmp_path: Path
) -> None:
    csv_report, md_report = tmp_path / "report.csv", tmp_path / "report.md"

    to_csv = cli("check", "--format", "csv", "-o", str(csv_report))
    cli("check", "--format", "markdown", "-o", str(md_report))

    assert to_csv.stdout == ""
    csv_lines = csv_report.read_text().splitlines()
    assert csv_lines[0].startswith("entry_id,url,kind,outcome,status,final_url,moved_to")
    assert len(csv_lines) == 4
    markdown = md_report.read_text().splitlines()
    assert markdown[0] == "| entry | kind | outcome | status | url | detail |"
    assert len(markdown) == 5


@pytest.mark.parametrize(
    "options",
    [
        ["--fail-on", "borked"],
        ["--older-than", "7x"],
        ["--format", "xml"],
        ["no-such-entry"],
        ["--concurrency", "0"],
    ],
)
def test_bad_usage_exits_2_and_writes_nothing(
    cli: RunCli, mixed_db: Path, options: list[str]
) -> None:
    before = mixed_db.read_bytes()

    assert cli("check", *options).exit_code == 2
    assert mixed_db.read_bytes() == before


def test_a_catalog_without_links_has_nothing_to_check(cli: RunCli, db: Path) -> None:
    write_catalog(db, [{"title": "No links", "type": "report"}])

    result = cli("check")

    assert (result.exit_code, result.stderr) == (0, "no links to check\n")


def test_fetch_archives_beside_the_catalog_and_reports_a_changed_document(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(db, [entry("Changing", (server.url(f"/changing/{uuid.uuid4().hex}"), "pdf"))])

    first = cli("fetch")
    stored = link_check(db, "changing")
    second = cli("fetch", "--all")
    again = link_check(db, "changing")

    assert first.exit_code == 0 and first.stderr == "1 link: 1 ok\n"
    assert stored is not None and again is not None
    assert stored["pages"] == 2 and again["pages"] == 3
    assert again["outcome"] == "changed" and again["sha256"] != stored["sha256"]
    assert second.exit_code == 0
    assert "changed" in second.stdout
    archive = db.parent / "archive"
    assert (archive / stored["archive_path"]).exists()
    assert (archive / again["archive_path"]).exists()
    assert cli("fetch", "--fail-on", "changed").exit_code == 1


def test_fetch_calls_a_document_over_the_size_limit_too_large_and_takes_document_kinds(
    cli: RunCli, db: Path, server: LinkServer, tmp_path: Path
) -> None:
    write_catalog(
        db,
        [
            entry("Big", (server.url("/big.pdf"), "pdf")),
            entry("Web", (server.url("/page"), "page")),
        ],
    )

    result = cli("fetch", "--max-bytes", "1K", "--archive", str(tmp_path / "docs"))
    pages = cli("fetch", "--kind", "page", "--archive", str(tmp_path / "docs"))

    assert result.exit_code == 0
    assert result.stderr == "1 link: 1 too-large\n"
    assert "larger than 1 KB" in result.stdout
    big = link_check(db, "big")
    assert big is not None and (big["outcome"], big["failures"]) == ("too-large", 0)
    assert pages.stderr == "1 link: 1 ok\n"
    web = link_check(db, "web")
    assert web is not None and web["archive_path"].endswith(".html")


def test_check_from_a_cron_job_shows_no_progress_and_exits_1_on_a_broken_link(
    mixed_db: Path,
) -> None:
    run = subprocess.run(
        [HTCAT, "--db", mixed_db, "check"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=script_env(),
    )

    assert run.returncode == 1
    assert run.stderr == "5 links: 2 ok, 1 moved, 2 broken\n"
    assert "\r" not in run.stdout + run.stderr


def test_check_on_a_terminal_shows_a_progress_bar(mixed_db: Path) -> None:
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(mixed_db), "check"],
        env={**script_env(TERM="xterm"), "CI": ""},
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    child.expect(pexpect.EOF)
    child.close()

    assert "checking" in (child.before or "") and " 5/5" in (child.before or "")
    assert child.exitstatus == 1


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_check_saves_the_results_gathered_so_far_and_exits_130(
    db: Path, server: LinkServer, stop: signal.Signals
) -> None:
    """SIGTERM from a scheduler's time limit, SIGINT from Ctrl-C."""
    token = uuid.uuid4().hex
    write_catalog(
        db,
        [entry(f"Quick {n}", (server.url(f"/doc.pdf?{token}-{n}"), "pdf")) for n in range(3)]
        + [entry(f"Stuck {n}", (server.url(f"/hang?{token}-{n}"), "page")) for n in range(3)],
    )
    with subprocess.Popen(
        [HTCAT, "--db", db, "check"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=script_env(),
    ) as proc:
        deadline = time.monotonic() + TIMEOUT
        while sum(token in r.path for r in server.requests) < 6:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        time.sleep(1.0)
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=TIMEOUT)

    assert proc.returncode == 130, err
    assert err == "interrupted: 3 of 6 links done (3 ok); their results are saved\n"
    entries = entries_in(db)
    assert all(entries[f"quick-{n}"]["links"][0]["check"]["outcome"] == "ok" for n in range(3))
    assert all(entries[f"stuck-{n}"]["links"][0].get("check") is None for n in range(3))


@pytest.mark.slow
def test_a_check_of_500_links_keeps_the_edits_another_process_makes_meanwhile(
    db: Path, server: LinkServer
) -> None:
    """The check holds no lock on the network; it merges into the catalog as it is then."""
    token = uuid.uuid4().hex
    write_catalog(
        db,
        [
            entry(f"Resource {n}", (server.url(f"/entry/{token}/{n}.pdf"), "pdf"))
            for n in range(500)
        ],
    )
    seen = lambda: sum(token in r.path for r in server.requests)  # noqa: E731
    with subprocess.Popen(
        [HTCAT, "--db", db, "check", "--per-host", "2", "--concurrency", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=script_env(),
    ) as proc:
        deadline = time.monotonic() + TIMEOUT
        while seen() < 20:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        for n in range(10):
            with change_catalog(db) as catalog:
                tagged = catalog.get(f"resource-{n}")
                catalog.replace({**tagged, "tags": ["edited"]})
        with change_catalog(db) as catalog:
            catalog.remove_many(["resource-10"])
            relinked = catalog.get("resource-11")
            catalog.replace({**relinked, "links": [{"url": server.url("/page"), "kind": "page"}]})
        during = seen()
        _, err = proc.communicate(timeout=TIMEOUT)

    assert during < 500, "the edits were not made while the check was on the network"
    assert proc.returncode == 0, err
    assert err == (
        "500 links: 500 ok\n"
        "htcat: warning: 2 results not saved: their links were removed or changed meanwhile\n"
    )
    entries = entries_in(db)
    assert "resource-10" not in entries
    assert all(entries[f"resource-{n}"]["tags"] == ["edited"] for n in range(10))
    assert entries["resource-11"]["links"][0].get("check") is None
    stored = [e["links"][0].get("check") for i, e in entries.items() if i != "resource-11"]
    assert len(stored) == 498
    assert all(c is not None and c["outcome"] == "ok" for c in stored)


def test_changed_stays_visible_across_checks_until_a_fetch_finds_it_unchanged(
    cli: RunCli, db: Path, server: LinkServer, tmp_path: Path
) -> None:
    write_catalog(db, [entry("Living", (server.url(f"/changing/{uuid.uuid4().hex}"), "pdf"))])
    archive = ["--archive", str(tmp_path / "docs")]
    changed = ["list", "--link-status", "changed", "--format", "ids"]

    cli("fetch", *archive)
    fetched = cli("fetch", *archive)
    checked = cli("check")

    assert fetched.stderr == "1 link: 1 changed\n"
    assert checked.stderr == "1 link: 1 changed\n"
    assert cli(*changed).stdout == "living\n"
    stored = link_check(db, "living")
    assert stored is not None and stored["outcome"] == "changed"


def test_a_throttled_link_is_no_failure_unless_fail_on_names_it(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(db, [entry("Busy", (server.url("/always-busy"), "page"))])

    default = cli("check", "--timeout", "1.5")
    strict = cli("check", "--timeout", "1.5", "--fail-on", "broken,throttled")

    assert (default.exit_code, default.stderr) == (0, "1 link: 1 throttled\n")
    assert strict.exit_code == 1
    stored = link_check(db, "busy")
    assert stored is not None and (stored["outcome"], stored["failures"]) == ("throttled", 0)


def test_the_policy_beside_the_catalog_accepts_skips_and_names_the_user_agent(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    (db.parent / "htcat.toml").write_text(
        '[links]\nuser_agent = "catalog-bot/1.0"\nskip = ["http://*/page?skipped"]\n'
        '[links.accept]\n"127.0.0.1" = [404]\n'
    )
    gone = server.url(f"/missing?{uuid.uuid4().hex}")
    write_catalog(
        db, [entry("Gone", (gone, "page")), entry("Skipped", (server.url("/page?skipped"), "page"))]
    )

    result = cli("check", "--format", "json")

    assert result.exit_code == 0
    assert "1 link skipped by the policy" in result.stderr
    [row] = json.loads(result.stdout)
    assert (row["outcome"], row["warning"]) == ("ok", "HTTP 404 Not Found, accepted by the policy")
    [request] = server.seen(gone.removeprefix(server.base))
    assert request.headers["user-agent"] == "catalog-bot/1.0"
    assert link_check(db, "skipped") is None


def test_require_https_fails_an_http_link_without_requesting_it(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    path = f"/page?{uuid.uuid4().hex}"
    write_catalog(db, [entry("Plain", (server.url(path), "page"))])

    result = cli("check", "--require-https", "--format", "json")

    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["outcome"] == "invalid"
    assert row["error"] == f"not https, which the policy requires: {server.url(path)}"
    assert server.seen(path) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[links]\nskip = "x"\n', "links.skip = 'x': expected a list of URL or host patterns"),
        (
            '[links.accept]\n"a.org" = ["403"]\n',
            "links.accept.'a.org' = ['403']: expected a list of HTTP statuses (100-599)",
        ),
        ("[links]\nretries = 3\n", "links.retries = 3: expected one of the keys"),
        ("[links\n", "not valid TOML"),
    ],
)
def test_a_bad_policy_file_is_one_line_naming_file_key_and_value_and_exits_2(
    cli: RunCli, mixed_db: Path, text: str, message: str
) -> None:
    policy = mixed_db.parent / "htcat.toml"
    policy.write_text(text)

    result = cli("check")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"htcat: error: {policy}: {message}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_failing_redirect_target_is_named_in_the_table_the_csv_and_the_stored_check(
    cli: RunCli, db: Path, server: LinkServer, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/doc.pdf"
    write_catalog(db, [entry("Hop", (server.url(f"/go/302?to={closed}"), "pdf"))])
    error = f"{closed.split('/')[2]}: connection refused"

    table = cli("check")
    csv_file = tmp_path / "report.csv"
    cli("check", "--format", "csv", "-o", str(csv_file))

    assert table.exit_code == 1
    assert error in table.stdout
    [row] = list(csv.DictReader(csv_file.open()))
    assert (row["error"], row["redirects"], row["final_url"]) == (error, f"302 {closed}", closed)
    stored = link_check(db, "hop")
    assert stored is not None
    assert (stored["error"], stored["redirects"], stored["status"]) == (error, [[302, closed]], 302)


def test_show_says_what_the_last_fetch_kept_of_a_document(
    cli: RunCli, db: Path, server: LinkServer
) -> None:
    write_catalog(db, [entry("Kept", (server.url(f"/changing/{uuid.uuid4().hex}"), "pdf"))])
    assert cli("fetch").exit_code == 0
    stored = link_check(db, "kept")
    assert stored is not None

    shown = " ".join(cli("show", "kept").stdout.split())

    assert f"document: archived {stored['archive_path']}; 2 pages; fetched {stored['fetched']}" in (
        shown
    )
    assert f"sha256 {stored['sha256']}" in shown
