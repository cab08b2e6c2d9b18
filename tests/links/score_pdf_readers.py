"""Scores PDF readers against poppler's ``pdfinfo`` on the test corpus (pdf_corpus.py).

Not a test: run it to choose the library fetch reads PDFs with. For each
corpus file it asks every candidate whether the file opens (``readable``,
``locked`` for a password, ``unreadable``) and how many pages it has, and
counts the files where that matches pdfinfo exactly; then it times each on a
50 MB scan. Candidates that are not installed are skipped.

    pip install pypdfium2 pikepdf pypdf
    PYTHONPATH=src:tests python -m links.score_pdf_readers
"""

from __future__ import annotations

import importlib.util
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from htcat.links.pdfread import PdfReading

from .pdf_corpus import large_scan, pdfinfo_reading, write_corpus

Reader = Callable[[Path], PdfReading]


def with_pypdf(path: Path) -> PdfReading:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return PdfReading("locked")
        return PdfReading("readable", len(reader.pages))
    except FileNotDecryptedError:
        return PdfReading("locked")
    except Exception:
        return PdfReading("unreadable")


def with_pypdfium2(path: Path) -> PdfReading:
    import pypdfium2
    import pypdfium2.raw

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        locked = getattr(exc, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD
        return PdfReading("locked" if locked else "unreadable")
    try:
        return PdfReading("readable", len(document))
    finally:
        document.close()


def with_pikepdf(path: Path) -> PdfReading:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            return PdfReading("readable", len(pdf.pages))
    except pikepdf.PasswordError:
        return PdfReading("locked")
    except Exception:
        return PdfReading("unreadable")


CANDIDATES: dict[str, tuple[str, Reader]] = {
    "pypdf (strict=False)": ("pypdf", with_pypdf),
    "pypdfium2 (PDFium)": ("pypdfium2", with_pypdfium2),
    "pikepdf (qpdf)": ("pikepdf", with_pikepdf),
}


def score(paths: dict[str, Path]) -> None:
    truth = {name: pdfinfo_reading(path) for name, path in paths.items()}
    print(f"{'file':34} {'pdfinfo':14}", *(f"{c[:22]:22}" for c in CANDIDATES))
    rows: dict[str, dict[str, Any]] = {name: {} for name in paths}
    agree = dict.fromkeys(CANDIDATES, 0)
    for candidate, (module, read) in CANDIDATES.items():
        if importlib.util.find_spec(module) is None:
            continue
        for name, path in paths.items():
            got = read(path)
            rows[name][candidate] = got
            agree[candidate] += got == truth[name]
    for name in paths:
        cells = [_cell(rows[name].get(c), truth[name]) for c in CANDIDATES]
        print(f"{name:34} {_cell(truth[name], truth[name]):14}", *(f"{c:22}" for c in cells))
    print(f"{'agrees with pdfinfo':34} {'':14}", *(f"{agree[c]}/{len(paths):<20}" for c in agree))


def _cell(reading: PdfReading | None, truth: PdfReading) -> str:
    if reading is None:
        return "(not installed)"
    text = reading.state if reading.pages is None else f"{reading.state} {reading.pages}"
    return text if reading == truth else f"{text} *"


def time_large(path: Path) -> None:
    print(f"\n{path.stat().st_size / 1e6:.0f} MB scan, median of 3 reads:")
    readers: dict[str, Reader] = {"pdfinfo": pdfinfo_reading}
    readers.update(
        (c, read)
        for c, (module, read) in CANDIDATES.items()
        if importlib.util.find_spec(module) is not None
    )
    for name, read in readers.items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            got = read(path)
            times.append(time.perf_counter() - started)
        print(f"  {name:24} {statistics.median(times) * 1000:8.1f} ms  {got}")


def main() -> None:
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    logging.getLogger("pypdf").propagate = False
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        score(write_corpus(folder / "corpus"))
        time_large(large_scan(folder / "scan-50mb.pdf"))


if __name__ == "__main__":
    main()
