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
