"""PDFs as readers see them: every corpus file is judged as poppler's pdfinfo judges it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from htcat.links.config import FetchSettings
from htcat.links.fetch import FetchTarget, run_fetches
from htcat.links.pdfread import PdfReading, read_pdf
from htcat.links.results import FetchResult

from .fake_service import Answer, Request, serving
from .pdf_corpus import no_page_tree, pdfinfo_reading, write_corpus, write_pdf


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    for tool, package in (("qpdf", "qpdf"), ("chromium", "chromium")):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: apt-get install -y {package}")
    return write_corpus(tmp_path_factory.mktemp("pdf-corpus"))


LENIENT = {"object-streams-startxref-wrong": PdfReading("readable", 5)}
"""Files PDFium (and so Chrome) opens though poppler does not: readable, since one
common reader opens them."""


@pytest.mark.slow
def test_pdfinfo_and_htcat_agree_on_every_corpus_file(corpus: dict[str, Path]) -> None:
    """Page counts included: a reader that opens a file but miscounts its pages disagrees."""
    seen = {name: (pdfinfo_reading(path), read_pdf(path)) for name, path in corpus.items()}

    disagree = {
        name: (poppler, ours)
        for name, (poppler, ours) in seen.items()
        if _without_error(ours) != LENIENT.get(name, poppler)
    }
    assert disagree == {}
    assert {name: seen[name][0].state for name in LENIENT} == dict.fromkeys(LENIENT, "unreadable")


def test_the_corpus_holds_each_kind_of_file_readers_must_judge(corpus: dict[str, Path]) -> None:
    """Guards the corpus itself: damaged files viewers open, and files they refuse."""
    truth = {name: pdfinfo_reading(path) for name, path in corpus.items()}

    assert truth["no-eof-marker"] == PdfReading("readable", 3)
    assert truth["xref-offsets-far-off"] == PdfReading("readable", 5)
    assert truth["encrypted-no-user-password"] == PdfReading("readable", 5)
    assert truth["encrypted-with-password"] == PdfReading("locked")
    assert truth["truncated-half"].state == "unreadable"
    assert corpus["linearized"].read_bytes()[:1024].find(b"/Linearized") > 0
    assert b"/ObjStm" in corpus["object-streams"].read_bytes()
    assert corpus["pdf-2.0"].read_bytes().startswith(b"%PDF-2.0")
    assert 1_000_000 < corpus["scan"].stat().st_size < 4_000_000
    assert b"Skia/PDF" in corpus["printed-by-chromium"].read_bytes()
    assert corpus["incremental-update"].read_bytes().count(b"startxref") == 2


def test_an_unreadable_file_says_why_and_a_locked_one_is_no_error(
    corpus: dict[str, Path],
) -> None:
    assert read_pdf(corpus["truncated-half"]) == PdfReading(
        "unreadable", error="damaged beyond repair"
    )
    assert read_pdf(corpus["encrypted-with-password"]) == PdfReading("locked")


def test_each_file_is_judged_on_its_own_after_a_password_protected_one(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    no_pages = tmp_path / "no-pages.pdf"
    no_pages.write_bytes(
        write_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    )
    no_tree = tmp_path / "no-page-tree.pdf"
    no_tree.write_bytes(no_page_tree())

    for broken in (no_pages, no_tree):
        assert read_pdf(corpus["encrypted-with-password"]) == PdfReading("locked")
        assert read_pdf(broken).state == "unreadable"


def test_reading_a_broken_pdf_prints_nothing(corpus: dict[str, Path]) -> None:
    """PDFium and its binding must not write to the terminal of a command that reads a PDF."""
    script = (
        "import sys, pathlib; from htcat.links.pdfread import read_pdf\n"
        "for name in sys.argv[1:]: print(read_pdf(pathlib.Path(name)).state)\n"
    )
    names = ["truncated-half", "xref-offsets-far-off", "no-page-tree"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", script, *(str(corpus[n]) for n in names)],
        capture_output=True,
        text=True,
        env=env,
    )

    assert (run.stdout, run.stderr) == ("unreadable\nreadable\nunreadable\n", "")


@pytest.fixture(scope="module")
def corpus_server(corpus: dict[str, Path]) -> Iterator[str]:
    """The corpus served over HTTP on 127.0.0.1, as a site would serve its PDFs."""
    by_path = {f"/{path.name}": path for path in corpus.values()}

    def serve_file(request: Request) -> Answer:
        return Answer(200, by_path[request.path].read_bytes(), "application/pdf")

    with serving(serve_file) as service:
        yield service.base


def test_fetch_records_what_pdfinfo_says_of_each_corpus_file(
    corpus: dict[str, Path], corpus_server: str, tmp_path: Path
) -> None:
    """Fetched together, so PDFium is asked from several threads at once."""
    settings = FetchSettings(archive=tmp_path / "archive", max_bytes=8 * 1024 * 1024)
    names = [name for name in corpus if corpus[name].read_bytes().startswith(b"%PDF-")]
    targets = [FetchTarget(name, f"{corpus_server}/{name}.pdf", "pdf") for name in names]

    results = run_fetches(targets, settings)

    recorded = {r.entry_id: _recorded(r) for r in results}
    expected = {name: LENIENT.get(name, pdfinfo_reading(corpus[name])) for name in names}
    assert recorded == expected


def _recorded(result: FetchResult) -> PdfReading:
    """What a fetch result tells of the document, in pdfinfo's terms."""
    if result.outcome == "broken":
        assert result.error is not None and result.error.startswith("not a readable PDF: ")
        return PdfReading("unreadable")
    assert result.outcome == "ok" and result.archive_path is not None
    return PdfReading("locked") if result.pages is None else PdfReading("readable", result.pages)


def _without_error(reading: PdfReading) -> PdfReading:
    return PdfReading(reading.state, reading.pages)
