"""A corpus of real and damaged PDFs, written by the tests, for judging PDF readers.

Each file is one way a PDF found on the web differs from the textbook: no
cross-reference table, one with wrong offsets, cut short, linearized,
encrypted, version 2.0, compressed into object streams, a scan of many large
images. The damaged ones are what old sites serve; viewers open most of them
by rebuilding the cross-reference table from the objects they find.

Files are built by hand (``PdfBuilder``) so the damage is exact, by Debian's
``qpdf`` for the structures that take a real writer (linearization,
encryption, object streams), and by Chromium, whose printed PDFs are what
many sites now serve.
"""

from __future__ import annotations

import random
import re
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from htcat.links.pdfread import PdfReading

QPDF = "qpdf"
CHROMIUM = "chromium"
PDFINFO = "/usr/bin/pdfinfo"
USER_PASSWORD = "secret"


@dataclass
class PdfBuilder:
    """A PDF of ``pages`` pages with text, as a list of objects written with a classic xref."""

    pages: int = 3
    version: str = "1.7"
    image_bytes: int = 0
    """Size of a noise image drawn on every page, as a scanner would; 0 for text pages."""
    seed: int = 1

    def objects(self) -> list[bytes]:
        """The body objects, numbered from 1: catalog, page tree, font, then the pages."""
        first_page = 4
        per_page = 3 if self.image_bytes else 2
        kids = " ".join(f"{first_page + i * per_page} 0 R" for i in range(self.pages))
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {self.pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        noise = random.Random(self.seed)
        for i in range(self.pages):
            page = first_page + i * per_page
            text = f"BT /F1 24 Tf 72 720 Td (Page {i + 1}) Tj ET\n"
            resources = "/Font << /F1 3 0 R >>"
            if self.image_bytes:
                resources += f" /XObject << /Im1 {page + 2} 0 R >>"
                text = f"q 468 0 0 600 72 72 cm /Im1 Do Q\n{text}"
            objects.append(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << {resources} >> /Contents {page + 1} 0 R >>".encode()
            )
            objects.append(stream(text.encode()))
            if self.image_bytes:
                side = int(self.image_bytes**0.5)
                pixels = noise.randbytes(side * side)
                objects.append(
                    stream(
                        zlib.compress(pixels, 1),
                        f"/Type /XObject /Subtype /Image /Width {side} /Height {side} "
                        "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
                    )
                )
        return objects

    def build(self) -> bytes:
        return write_pdf(self.objects(), self.version)


def stream(data: bytes, entries: str = "") -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries.encode(), len(data), data)


def write_pdf(objects: list[bytes], version: str = "1.7") -> bytes:
    """Objects 1..n with a correct xref table, trailer and ``startxref``."""
    out = bytearray(b"%PDF-" + version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _xref_at(pdf: bytes) -> int:
    return pdf.rindex(b"\nxref\n") + 1


def without_xref(pdf: bytes) -> bytes:
    """The xref table, trailer and ``startxref`` gone: only the objects and ``%%EOF``."""
    return pdf[: _xref_at(pdf)] + b"%%EOF\n"


def without_xref_keeping_trailer(pdf: bytes) -> bytes:
    """The xref table gone, the trailer and a ``startxref`` pointing at nothing kept."""
    at = _xref_at(pdf)
    trailer = pdf.index(b"trailer", at)
    return pdf[:at] + re.sub(rb"startxref\n\d+", b"startxref\n0", pdf[trailer:])


def shifted_offsets(pdf: bytes, by: int = 7) -> bytes:
    """Every xref offset wrong by ``by`` bytes, as after an editor re-saved the body."""
    at = _xref_at(pdf)
    table = re.sub(
        rb"(\d{10}) 00000 n",
        lambda m: b"%010d 00000 n" % (int(m.group(1)) + by),
        pdf[at:],
    )
    return pdf[:at] + table


def wrong_startxref(pdf: bytes) -> bytes:
    """``startxref`` pointing into the middle of an object."""
    return re.sub(rb"startxref\n\d+", b"startxref\n40", pdf)


def inserted_junk(pdf: bytes) -> bytes:
    """A comment line inserted after the header: every offset past it is off."""
    header = pdf.index(b"\n") + 1
    return pdf[:header] + b"% inserted by a content management system\n" + pdf[header:]


def truncated(pdf: bytes, keep: float) -> bytes:
    """The first ``keep`` fraction of the file, as a download cut short."""
    return pdf[: int(len(pdf) * keep)]


def page_count_lies(pages: int, count: int) -> bytes:
    """A page tree whose ``/Count`` says ``count`` but that holds ``pages`` pages."""
    objects = PdfBuilder(pages=pages).objects()
    objects[1] = re.sub(rb"/Count \d+", b"/Count %d" % count, objects[1])
    return write_pdf(objects)


def no_page_tree() -> bytes:
    """A catalog whose ``/Pages`` names an object that is not there."""
    objects = PdfBuilder(pages=1).objects()
    objects[0] = b"<< /Type /Catalog /Pages 99 0 R >>"
    return write_pdf(objects)


def incremental_update(pdf: bytes, prev: int | None = None) -> bytes:
    """``pdf`` with an update appended, as an editor saves: page 1's text replaced,
    a new xref section whose ``/Prev`` points at the first (or at ``prev``)."""
    objects = PdfBuilder(pages=3).objects()
    first_xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    content = stream(b"BT /F1 24 Tf 72 720 Td (Page 1, revised) Tj ET\n")
    out = bytearray(pdf)
    at = len(out)
    out += b"5 0 obj\n%s\nendobj\n" % content
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n5 1\n%010d 00000 n \n" % at
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        first_xref if prev is None else prev,
        xref,
    )
    return bytes(out)


def printed_by_chromium(work: Path, pages: int = 3) -> bytes:
    """A PDF as Chrome's own writer (Skia) prints an HTML page of ``pages`` pages."""
    page = '<h1>Page {}</h1><div style="break-after: page"></div>'
    html = work / "print.html"
    html.write_text(
        "<html><body>" + "".join(page.format(i) for i in range(pages)) + "</body></html>"
    )
    target = work / "print.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target.read_bytes()


def qpdf(pdf: bytes, work: Path, *args: str) -> bytes:
    """``pdf`` rewritten by qpdf with ``args`` (linearize, encrypt, object streams)."""
    source = work / "qpdf-in.pdf"
    target = work / "qpdf-out.pdf"
    source.write_bytes(pdf)
    subprocess.run([QPDF, *args, str(source), str(target)], check=True, capture_output=True)
    return target.read_bytes()


def corpus(work: Path) -> dict[str, bytes]:
    """Every corpus file by name; ``work`` is a scratch folder for qpdf."""
    plain = PdfBuilder(pages=3).build()
    five = PdfBuilder(pages=5).build()
    streams = qpdf(five, work, "--object-streams=generate")
    encrypt = ("--encrypt", "", "owner-password", "256", "--")
    return {
        "plain": plain,
        "one-page": PdfBuilder(pages=1).build(),
        "no-xref": without_xref(five),
        "no-xref-trailer-kept": without_xref_keeping_trailer(five),
        "xref-offsets-shifted": shifted_offsets(five),
        "xref-offsets-far-off": shifted_offsets(five, by=-300),
        "startxref-wrong": wrong_startxref(five),
        "junk-after-header": inserted_junk(five),
        "truncated-before-xref": truncated(five, 0.8),
        "truncated-half": truncated(five, 0.5),
        "truncated-to-header": truncated(plain, 0.02),
        "no-eof-marker": plain.removesuffix(b"%%EOF\n"),
        "byte-order-mark-first": b"\xef\xbb\xbf\r\n" + plain,
        "junk-before-header": bytes(600) + plain,
        "trailing-garbage": plain + b"\n<html>an error page appended</html>\n" * 20,
        "incremental-update": incremental_update(plain),
        "incremental-update-prev-wrong": incremental_update(plain, prev=12),
        "printed-by-chromium": printed_by_chromium(work),
        "linearized": qpdf(five, work, "--linearize"),
        "encrypted-no-user-password": qpdf(five, work, *encrypt),
        "encrypted-rc4-no-user-password": qpdf(
            five, work, "--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"
        ),
        "encrypted-with-password": qpdf(
            five, work, "--encrypt", USER_PASSWORD, "owner-password", "256", "--"
        ),
        "pdf-2.0": PdfBuilder(pages=2, version="2.0").build(),
        "pdf-2.0-qpdf": qpdf(five, work, "--force-version=2.0", "--object-streams=generate"),
        "object-streams": streams,
        "object-streams-startxref-wrong": wrong_startxref(streams),
        "object-streams-truncated": truncated(streams, 0.9),
        "page-count-lies": page_count_lies(3, 7),
        "no-page-tree": no_page_tree(),
        "header-then-html": b"%PDF-1.4\n<html><body>Not found</body></html>\n",
        "header-only": b"%PDF-1.7\n",
        "scan": PdfBuilder(pages=12, image_bytes=200_000).build(),
    }


def write_corpus(folder: Path) -> dict[str, Path]:
    """The corpus as files in ``folder``, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in corpus(folder).items():
        path = folder / f"{name}.pdf"
        path.write_bytes(data)
        paths[name] = path
    return paths


def large_scan(path: Path, megabytes: int = 50) -> Path:
    """A scan-like PDF of about ``megabytes`` MB: 100 pages, each one noise image."""
    pages = 100
    path.write_bytes(PdfBuilder(pages=pages, image_bytes=megabytes * 1_000_000 // pages).build())
    return path


def pdfinfo_reading(path: Path) -> PdfReading:
    """What poppler's pdfinfo says of ``path``: its page count, a password, or no document."""
    run = subprocess.run([PDFINFO, str(path)], capture_output=True, text=True, check=False)
    pages = re.search(r"^Pages:\s+(\d+)$", run.stdout, re.MULTILINE)
    if run.returncode == 0 and pages:
        return PdfReading("readable", int(pages.group(1)))
    if "Incorrect password" in run.stderr:
        return PdfReading("locked")
    return PdfReading("unreadable")
