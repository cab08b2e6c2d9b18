"""htcat fetch stores each document's text; htcat search --in-documents finds its pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from links.fake_service import Answer, Request, serving
from links.server import LinkServer, pdf_bytes
from typer.testing import CliRunner, Result

from helpers import HTCAT, entries_in, write_catalog
from helpers.texdocs import IMAGE_ONLY, encrypted, latex_pdf
from htcat.cli.app import app
from htcat.docsearch import documents_of
from htcat.index import doctext
from htcat.index.doctext import doctext_path

REAL = Path(__file__).parents[1] / "documents"
TRANSCRIPT = (
    "<!DOCTYPE html><html><head><title>Transcript</title></head><body><nav>Menu</nav>"
    "<main><h1>Webinar transcript</h1><p>MODERATOR: Workers in agriculture face debt "
    "bondage when recruiters charge fees.</p><p>关于防止人口贩运的讨论</p></main></body></html>"
)


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A report, a transcript page, real PDFs, a scan and a locked PDF on a local server."""
    work = tmp_path_factory.mktemp("served")
    report = latex_pdf(
        work,
        [
            "The counterinterrogation and internationalization of recruitment fees "
            "counterinterrogation internationalization.",
            IMAGE_ONLY,
            "Debt bondage in agriculture is the subject of this page.",
        ],
    )
    files = {
        "/report.pdf": (report.read_bytes(), "application/pdf"),
        "/columns.pdf": ((REAL / "multicolumn.pdf").read_bytes(), "application/pdf"),
        "/locked.pdf": (encrypted(report, user_password="pw").read_bytes(), "application/pdf"),
        "/scan.pdf": (latex_pdf(work, [IMAGE_ONLY], name="scan").read_bytes(), "application/pdf"),
        "/transcript.html": (TRANSCRIPT.encode(), "text/html; charset=utf-8"),
    }

    def route(request: Request) -> Answer:
        body, content_type = files[request.path]
        return Answer(200, body, content_type)

    with serving(route) as service:
        yield {path: service.url(path) for path in files}


@pytest.fixture(scope="module")
def fetched(served: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog of three entries whose five documents were fetched."""
    db = tmp_path_factory.mktemp("catalog") / "catalog.json"
    write_catalog(
        db,
        [
            {
                "title": "Agricultural labor report",
                "type": "report",
                "tags": ["agriculture"],
                "links": [{"url": served["/report.pdf"], "kind": "pdf", "label": "Full report"}],
            },
            {
                "title": "Webinar on forced labor",
                "type": "webinar",
                "tags": ["labor"],
                "links": [
                    {"url": served["/transcript.html"], "kind": "page", "label": "Transcript"},
                    {"url": served["/locked.pdf"], "kind": "slides", "label": "Slides"},
                ],
            },
            {
                "title": "Country facts",
                "type": "report",
                "links": [
                    {"url": served["/columns.pdf"], "kind": "pdf"},
                    {"url": served["/scan.pdf"], "kind": "pdf", "label": "Scan"},
                ],
            },
        ],
    )
    result = run(db, "fetch", "--kind", "pdf", "--kind", "slides", "--kind", "page")
    assert result.exit_code == 0, result.stderr
    assert "no text read: needs a password" in result.stderr
    return db


def hashes(db: Path) -> list[str]:
    return [
        link["check"]["sha256"]
        for entry in entries_in(db).values()
        for link in entry.get("links", ())
        if (link.get("check") or {}).get("sha256")
    ]


def test_fetch_stores_each_documents_text_beside_the_catalog(fetched: Path) -> None:
    stored = documents_of(fetched, hashes(fetched))

    assert doctext_path(fetched).exists()
    assert sorted((d.state, d.pages, d.text_pages, d.empty_pages) for d in stored.values()) == [
        ("locked", 0, 0, 0),
        ("no-text", 1, 0, 1),
        ("read", 1, 1, 0),
        ("read", 3, 2, 1),
        ("read", 3, 3, 0),
    ]


def test_a_second_fetch_reads_no_document_again(fetched: Path, tmp_path: Path) -> None:
    copy = tmp_path / "catalog.json"
    shutil.copy(fetched, copy)
    shutil.copy(doctext_path(fetched), doctext_path(copy))
    shutil.copytree(fetched.parent / "archive", tmp_path / "archive")
    for document in (tmp_path / "archive").glob("*/*.html"):
        document.write_text("<p>xylophone</p>", encoding="utf-8")  # read again, it would say so

    result = run(copy, "fetch", "--kind", "pdf", "--kind", "slides", "--kind", "page")

    assert result.exit_code == 0, result.stderr
    assert run(copy, "search", "xylophone", "--in-documents", "--format", "ids").stdout == ""
    assert run(copy, "search", "moderator", "--in-documents", "--format", "ids").stdout != ""


def test_search_in_documents_gives_entry_link_page_and_bracketed_snippet(
    fetched: Path, served: dict[str, str]
) -> None:
    result = run(fetched, "search", '"debt bondage"', "agriculture", "--in-documents")

    assert result.exit_code == 0
    assert result.stdout == (
        "agricultural-labor-report  Agricultural labor report\n"
        f"  p. 3  Full report <{served['/report.pdf']}>\n"
        "  [Debt bondage] in [agriculture] is the subject of this page.\n\n"
        "webinar-on-forced-labor  Webinar on forced labor\n"
        f"  p. 1  Transcript <{served['/transcript.html']}>\n"
        "  Webinar transcript MODERATOR: Workers in [agriculture] face [debt bondage] when "
        "recruiters charge fees. 关于防止人口贩运的讨论\n\n"
    )
    assert result.stderr == "2 pages found\n"


def test_the_catalogs_filters_choose_whose_documents_are_searched(fetched: Path) -> None:
    webinars = run(fetched, "search", "bondage", "--in-documents", "--type", "webinar")
    tagged = run(fetched, "search", "bondage", "--in-documents", "--tag", "agriculture")

    assert webinars.stdout.startswith("webinar-on-forced-labor ")
    assert webinars.stdout.count("p. ") == 1
    assert tagged.stdout.startswith("agricultural-labor-report ")
    assert tagged.stdout.count("p. ") == 1


def test_hyphenated_words_cjk_and_real_pdfs_are_found(fetched: Path) -> None:
    hyphenated = run(fetched, "search", "counterinterrogation", "--in-documents", "--format", "ids")
    chinese = run(fetched, "search", "人口贩运", "--in-documents", "--format", "jsonl")
    real = run(fetched, "search", "helsinki", "--in-documents", "--format", "json")

    assert hyphenated.stdout == "agricultural-labor-report\n"
    assert [json.loads(line)["entry_id"] for line in chinese.stdout.splitlines()] == [
        "webinar-on-forced-labor"
    ]
    assert "[人口贩运]" in chinese.stdout
    records = json.loads(real.stdout)
    assert [(r["entry_id"], r["page"], r["label"]) for r in records] == [("country-facts", 3, "")]
    assert "[Helsinki]" in records[0]["snippet"]


def test_sort_gives_the_pages_entry_by_entry_and_offset_skips_pages(fetched: Path) -> None:
    def ids(*options: str) -> list[str]:
        result = run(fetched, "search", "bondage", "--in-documents", "--format", "ids", *options)
        assert result.exit_code == 0, result.stderr
        return result.stdout.splitlines()

    by_title = ["agricultural-labor-report", "webinar-on-forced-labor"]
    assert ids("--sort", "title") == by_title
    assert ids("--sort", "title", "--reverse") == by_title[::-1]
    assert ids("--sort", "title", "--reverse", "--offset", "1") == by_title[:1]
    assert ids("--offset", "1") == [entry for entry in ids() if entry != ids("--limit", "1")[0]]


def test_reverse_without_sort_is_refused_since_pages_come_best_first(fetched: Path) -> None:
    result = run(fetched, "search", "bondage", "--in-documents", "--reverse")

    assert result.exit_code == 2
    assert "--reverse with --in-documents reverses --sort" in result.stderr
    assert result.stdout == ""


def test_csv_has_a_header_and_a_row_per_page(fetched: Path) -> None:
    result = run(fetched, "search", "bondage", "-moderator", "--in-documents", "--format", "csv")

    lines = result.stdout.splitlines()
    assert lines[0] == "entry_id,title,label,url,page,sha256,snippet"
    assert len(lines) == 2 and lines[1].startswith("agricultural-labor-report,")


def test_nothing_found_says_so_and_a_query_of_only_excluded_words_is_refused(
    fetched: Path,
) -> None:
    nothing = run(fetched, "search", "xylophone", "--in-documents")
    refused = run(fetched, "search", "-bondage", "--in-documents")
    bad_format = run(fetched, "search", "bondage", "--in-documents", "--format", "bibtex")

    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (0, "", "no page found\n")
    assert refused.exit_code == 2 and "at least one word" in refused.stderr
    assert bad_format.exit_code == 2 and "--in-documents" in bad_format.stderr


def test_show_gives_each_documents_hash_pages_and_pages_with_text(fetched: Path) -> None:
    report = run(fetched, "show", "agricultural-labor-report").stdout
    webinar = run(fetched, "show", "webinar-on-forced-labor").stdout
    facts = run(fetched, "show", "country-facts").stdout

    assert re.search(r"sha256 [0-9a-f]{64}: 3 pages, 2 with text; 1 of 3 pages has no text", report)
    assert re.search(r"sha256 [0-9a-f]{64}: 1 page, 1 with text\n", webinar)
    assert re.search(r"sha256 [0-9a-f]{64}: no text: needs a password\n", webinar)
    assert re.search(r": 3 pages, 3 with text\n", facts)
    assert re.search(r"sha256 [0-9a-f]{64}: no text on any of its 1 page\n", facts)


def test_doctor_lists_the_documents_search_cannot_see_and_fails_nothing(fetched: Path) -> None:
    result = run(fetched, "doctor", "--format", "json")

    found = {
        (f["kind"], f["ids"][0], f["detail"].split(": ", 1)[1]) for f in json.loads(result.stdout)
    }
    assert found == {
        ("no-text", "webinar-on-forced-labor", "no text: needs a password"),
        ("no-text", "country-facts", "no text on any of its 1 page"),
    }
    assert result.exit_code == 0
    assert result.stderr == "no problems found\n2 documents with text search cannot see\n"


@pytest.fixture
def without_store(fetched: Path, tmp_path: Path) -> Path:
    """A clone of the fetched catalog with its archive, and no text store."""
    copy = tmp_path / "catalog.json"
    shutil.copy(fetched, copy)
    shutil.copytree(fetched.parent / "archive", tmp_path / "archive")
    return copy


def test_rebuild_text_restores_the_store_from_the_archive_alone(without_store: Path) -> None:
    before = run(without_store, "search", "bondage", "--in-documents", "--format", "ids")
    assert "htcat rebuild-text, after a clone" in before.stderr

    result = run(without_store, "rebuild-text")
    again = run(without_store, "rebuild-text")

    assert before.stdout == ""
    assert result.exit_code == 0
    assert "read 5 documents; 0 already stored" in result.stderr
    assert "no text read: needs a password" in result.stderr
    assert "read 0 documents; 5 already stored" in again.stderr
    found = run(without_store, "search", "bondage", "--in-documents", "--format", "ids")
    assert found.stdout == "agricultural-labor-report\nwebinar-on-forced-labor\n"


def test_a_damaged_store_stops_show_with_what_to_do_not_a_bug(without_store: Path) -> None:
    doctext_path(without_store).write_bytes(b"\x00 damaged \x00" * 512)

    shown = run(without_store, "show", "agricultural-labor-report")
    searched = run(without_store, "search", "bondage", "--in-documents")

    for result in (shown, searched):
        assert result.exit_code == 3
        assert "is damaged" in result.stderr and "htcat rebuild-text" in result.stderr
    doctext_path(without_store).unlink()
    assert run(without_store, "rebuild-text").exit_code == 0
    assert "bondage" in run(without_store, "search", "bondage", "--in-documents").stdout


def test_rebuild_text_shows_progress_on_a_terminal(without_store: Path) -> None:
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(without_store), "rebuild-text"],
        env={**os.environ, "TERM": "xterm", "CI": ""},
        encoding="utf-8",
        timeout=60,
    )
    child.expect("reading documents")
    child.expect("read 5 documents")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_matches_are_highlighted_on_a_terminal_and_never_bracketed(fetched: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(fetched), "search", "helsinki", "--in-documents"],
        env={**env, "TERM": "xterm"},
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert "\x1b[1;33mHelsinki\x1b[0m" in (child.before or "")
    assert "[Helsinki]" not in (child.before or "")


def test_a_document_that_changed_replaces_its_text(tmp_path: Path) -> None:
    server = LinkServer(pdf_bytes(3)).start()
    try:
        db = tmp_path / "catalog.json"
        url = server.url(f"/changing/{uuid.uuid4().hex}")
        link = {"url": url, "kind": "pdf"}
        write_catalog(db, [{"title": "Changing", "type": "report", "links": [link]}])
        first = run(db, "fetch")
        old = hashes(db)
        second = run(db, "fetch")
    finally:
        server.stop()

    assert first.exit_code == 0 and second.exit_code == 0, second.stderr
    new = hashes(db)
    assert new != old
    with doctext.opened(db) as conn:
        assert doctext.stored_hashes(conn) == set(new)
    pages = entries_in(db)["changing"]["links"][0]["check"]["pages"]
    assert [d.pages for d in documents_of(db, new).values()] == [pages]  # blank pages: no text
