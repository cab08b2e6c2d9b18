"""Search inside documents, and the price of reading their text at fetch time.

Two measurements for bench/run.py (group ``documents``):

- ``search --in-documents`` over a text store of 10,000 documents of 30
  pages each (300,000 pages of generated text: words drawn from a made-up
  vocabulary with Zipf's frequencies, about 80 a page, and a rare phrase on
  a few pages), each document linked from its own entry. The store is filled
  through htcat's own store API, as fetch fills it, and cached in bench/.cache.
- ``fetch`` of PDFs served on 127.0.0.1, with the text read (a fresh store)
  against the same fetch whose documents the store already holds (nothing
  read): the ratio is what reading the text costs a fetch. Served at once,
  the ratio is the worst case (no network time at all to set it against);
  served 0.1 s after each request, as the link-check scenarios serve, it is
  nearer a fetch from real servers, which are slower still.
"""

from __future__ import annotations

import hashlib
import http.server
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
DOCUMENTS = 10_000
PAGES = 30
WORDS_A_PAGE = 80
RARE_PHRASE = "debt bondage"
RARE_PAGES = 40
COMMON_WORD_RANK = 3
"""The search for a common word asks the vocabulary's third word: on most pages."""
FETCHED_PDFS = 60
FETCHED_PAGES = 40


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Made-up words of two to four syllables, distinct, most frequent first."""
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    return list(words)


def pages_of_text(seed: int = 7) -> Iterator[tuple[int, list[str]]]:
    """(document number, its pages of text), the rare phrase planted on `RARE_PAGES` pages."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1 / rank for rank in range(1, len(vocab) + 1)]
    cumulative = list(_running_sum(weights))
    planted = set(rng.sample(range(DOCUMENTS * PAGES), RARE_PAGES))
    for number in range(DOCUMENTS):
        pages = []
        for page in range(PAGES):
            words = rng.choices(vocab, cum_weights=cumulative, k=WORDS_A_PAGE)
            if number * PAGES + page in planted:
                words.insert(WORDS_A_PAGE // 2, RARE_PHRASE)
            pages.append(" ".join(words).capitalize() + ".")
        yield number, pages


def _running_sum(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def common_word() -> str:
    return vocabulary(random.Random(7))[COMMON_WORD_RANK - 1]


def document_catalog(log: Callable[[str], None]) -> Path:
    """A catalog whose 10,000 entries each link a document the text store beside it holds."""
    from htcat.index import doctext
    from htcat.store.file import change_catalog, init_catalog

    folder = CACHE / f"documents-{DOCUMENTS}x{PAGES}-store{doctext.STORE_VERSION}"
    catalog, complete = folder / "catalog.json", folder / "complete"
    if complete.exists():
        return catalog
    log(f"generating {DOCUMENTS:,} documents of {PAGES} pages into {folder}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    init_catalog(catalog)
    entries: list[dict[str, Any]] = []
    with doctext.opened(catalog) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        for number, pages in pages_of_text():
            sha256 = hashlib.sha256(f"document {number}".encode()).hexdigest()
            doctext.put(conn, sha256, doctext.DocumentText("read", PAGES, tuple(pages)))
            entries.append(_entry(number, sha256))
    with change_catalog(catalog) as opened:
        opened.add_many(entries)
    complete.touch()
    return catalog


def _entry(number: int, sha256: str) -> dict[str, Any]:
    check = {"outcome": "ok", "sha256": sha256, "archive_path": f"{sha256[:2]}/{sha256}.pdf"}
    return {
        "title": f"Generated report {number:05d}",
        "type": "report" if number % 3 else "webinar",
        "tags": ["even" if number % 2 == 0 else "odd"],
        "links": [{"url": f"https://example.org/r/{number}.pdf", "kind": "pdf", "check": check}],
    }


def store_sizes(catalog: Path) -> tuple[float, float]:
    """Megabytes of text the store holds, and megabytes of the store's file."""
    from htcat.index import doctext

    with doctext.opened(catalog) as conn:
        chars, size = doctext.sizes(conn)
    return chars / 1e6, size / 1e6


def pdf_folder(work: Path) -> Path:
    """`FETCHED_PDFS` PDFs of `FETCHED_PAGES` pages of text, made by the tests' own builder."""
    import sys

    sys.path.insert(0, str(BENCH.parent / "tests"))
    from links.pdf_corpus import PdfBuilder

    folder = work / "served"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(FETCHED_PDFS):
        pdf = PdfBuilder(pages=FETCHED_PAGES, seed=number + 1).build()
        (folder / f"doc-{number}.pdf").write_bytes(pdf + f"%{number}\n".encode())
    return folder


@contextmanager
def serving(folder: Path, delay: float = 0.0) -> Iterator[int]:
    """``folder`` over HTTP on a free 127.0.0.1 port until the block ends; each answer
    ``delay`` seconds after its request, as a distant server's would be."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_GET(self) -> None:
            time.sleep(delay)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def fetch_catalog(folder: Path, port: int) -> Path:
    """A catalog of one entry a PDF, none fetched yet."""
    from htcat.store.file import change_catalog, init_catalog

    catalog = folder / "catalog.json"
    init_catalog(catalog)
    with change_catalog(catalog) as opened:
        opened.add_many(
            {
                "title": f"Served report {number}",
                "type": "report",
                "links": [{"url": f"http://127.0.0.1:{port}/doc-{number}.pdf", "kind": "pdf"}],
            }
            for number in range(FETCHED_PDFS)
        )
    return catalog
