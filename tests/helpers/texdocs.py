"""PDFs with known text on known pages, typeset by pdfTeX as many reports are.

Latin Modern fonts, so ligatures (fi, ffi) map back to their letters as in
most PDFs made today; a narrow column, so TeX hyphenates long words at line
ends; no page numbers, so a page with nothing on it has no text at all.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PREAMBLE = r"""\documentclass{article}
\usepackage{lmodern}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage[paperwidth=10cm,paperheight=12cm,textwidth=%s]{geometry}
\pagestyle{empty}
\begin{document}
"""
IMAGE_ONLY = r"\null\vfill\rule{5cm}{5cm}\vfill"
"""A page that shows a black square and holds no text, as a scanned page holds none."""


def latex_pdf(folder: Path, pages: list[str], *, name: str = "doc", width: str = "6cm") -> Path:
    """``pages`` (LaTeX, one string a page) typeset into ``folder/name.pdf``."""
    if shutil.which("pdflatex") is None:
        pytest.fail("pdflatex is not installed: apt-get install -y texlive-latex-recommended")
    folder.mkdir(parents=True, exist_ok=True)
    source = PREAMBLE % width + "\n\\newpage\n".join(pages) + "\n\\end{document}\n"
    (folder / f"{name}.tex").write_text(source, encoding="utf-8")
    subprocess.run(
        ["pdflatex", "-interaction=batchmode", "-halt-on-error", f"{name}.tex"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder / f"{name}.pdf"


def encrypted(pdf: Path, *, user_password: str) -> Path:
    """A copy of ``pdf`` encrypted by qpdf (AES-256) that opens only with ``user_password``."""
    out = pdf.with_name(f"{pdf.stem}-locked.pdf")
    subprocess.run(
        ["qpdf", "--encrypt", user_password, "owner", "256", "--", str(pdf), str(out)],
        check=True,
        capture_output=True,
    )
    return out


def cjk_pdf(folder: Path, text: str) -> Path:
    """A one-page PDF showing ``text`` (CJK) as most Chinese and Japanese PDFs hold it: a
    CID font with Identity-H codes and a ToUnicode map that says what each code is.

    No glyphs are embedded (this machine has no CJK font): a viewer shows boxes,
    but the text layer — what search reads — is whole, as in a real document.
    """
    from links.pdf_corpus import stream, write_pdf

    codes = "".join(f"{n:04X}" for n in range(1, len(text) + 1))
    mapping = "".join(f"<{n:04X}> <{ord(c):04X}>\n" for n, c in enumerate(text, start=1))
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(text)} beginbfchar\n{mapping}endbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        stream(f"BT /F1 24 Tf 72 720 Td <{codes}> Tj ET\n".encode()),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJK /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJK /DW 1000 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 8 0 R >>",
        stream(cmap.encode()),
        b"<< /Type /FontDescriptor /FontName /NotoSansCJK /Flags 4 "
        b"/FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 700 /StemV 80 >>",
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cjk.pdf"
    path.write_bytes(write_pdf(objects))
    return path
