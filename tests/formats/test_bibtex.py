"""BibTeX export fed to the real readers: BibTeX 0.99d with natbib, Biber with biblatex, pybtex.

A hostile catalog (every type, every special character, unbalanced braces,
non-ASCII and organization names) is written once and compiled once per
reader for the whole session; each test then reads what the run left.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser
import pybtex.database
import pytest

from htcat.formats import write_entries
from htcat.formats.bibtex import bibtex_name
from htcat.formats.bibtex_text import unescape
from htcat.model import TYPES, validate_entry

SPECIAL = 'Open { brace, close } brace & % $ # _ ^ ~ \\ < > | "q" @misc{x, and AND'
PEOPLE = [
    {"family": "Martinez de Vedia", "given": "Gonzalo", "role": "speaker"},
    {"family": "Durkheim", "given": "Émile", "role": "author"},
    {"family": "Núñez", "given": "Ángel-Émile Ølaf", "role": "author"},
    {"family": "Nguyễn", "given": "Văn An", "role": "author"},
    {"literal": "Office of Trafficking, Inc. and Partners", "role": "author"},
    {"family": "O'Neil { x", "given": "Ann } and \\ Bob, Jr", "role": "editor"},
    {"family": "Novak", "given": "Jenna", "role": "moderator"},
]
PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{url}
\DeclareUnicodeCharacter{1EC5}{\^e}
"""


def hostile_entries() -> list[dict[str, Any]]:
    entries = []
    for n, kind in enumerate(TYPES):
        entry: dict[str, Any] = {
            "id": f"e{n}-{kind}",
            "title": f"{kind} {SPECIAL}",
            "type": kind,
            "summary": f"{SPECIAL}\n\n@para $x$ {SPECIAL}",
            "tags": ["a b", "c&d"],
            "links": [
                {
                    "url": f"https://example.org/{n}/a%20b_c~d#frag",
                    "kind": "page",
                    "check": {"last_ok": "2026-01-02T03:04:05Z"},
                },
                {"url": "https://doi.org/10.1000/a_b", "kind": "page"},
            ],
        }
        if n % 2 == 0:
            entry["date"] = "2021-02-26"
            entry["citation"] = {
                "container-title": f"Journal {SPECIAL}",
                "collection-title": f"Series {SPECIAL}",
                "volume": "19",
                "issue": "4",
                "page": "377-395",
                "ISBN": "978-92-1-130410-4",
                "publisher-place": f"Vienna {SPECIAL}",
            }
        if n % 4 == 0:
            entry["citation"]["number"] = f"E.20.IV.{n} {SPECIAL}"
        if n % 3 != 2:
            entry["publisher"] = f"National Human Trafficking Training and Technical {SPECIAL}"
        if n % 4 != 1:
            entry["people"] = PEOPLE
        entries.append(validate_entry(entry))
    entries.append(validate_entry({"id": "bare", "title": "Bare } one"}))
    return entries


@dataclass(frozen=True)
class Run:
    """What one compile left: its log, the bibliography LaTeX read, the PDF's text."""

    log: str
    bbl: str
    text: str


def _run(folder: Path, *commands: list[str]) -> None:
    for command in commands:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout[-3000:]}"


def _compile(folder: Path, name: str, body: str, reader: list[str]) -> Run:
    (folder / f"{name}.tex").write_text(PREAMBLE + body)
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name]
    _run(folder, latex, [*reader, name], latex, latex)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", f"{name}.pdf", "-"], cwd=folder, capture_output=True
    ).stdout.decode()
    log = (folder / f"{name}.log").read_text(errors="replace")
    bbl = (folder / f"{name}.bbl").read_text()
    return Run(log, bbl, unicodedata.normalize("NFC", " ".join(text.split())))


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    folder = tmp_path_factory.mktemp("latex")
    (folder / "refs.bib").write_bytes(write_entries(hostile_entries(), "bibtex"))
    natbib = r"""\usepackage[authoryear]{natbib}
\begin{document}
\nocite{*}\citet{e8-data}
\bibliographystyle{abbrvnat}
\bibliography{refs}
\end{document}
"""
    # Biber reads ``\textless{}`` as ``<`` and hands LaTeX the character, which the old OT1
    # font encoding prints as ``¡``: biblatex documents use T1 (or XeLaTeX and LuaLaTeX).
    biblatex = r"""\usepackage[T1]{fontenc}\usepackage{lmodern}
\usepackage[backend=biber,giveninits,style=authoryear,maxbibnames=9]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}\textcite{e8-data}
\printbibliography
\end{document}
"""
    return {
        "bibtex": _compile(folder, "natbib", natbib, ["bibtex"]),
        "biber": _compile(folder, "biblatex", biblatex, ["biber", "--quiet"]),
        "bib": Run("", (folder / "refs.bib").read_text(), ""),
    }


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["bibtex", "biber"])
def test_every_entry_of_a_hostile_catalog_compiles_into_the_bibliography(compiled, reader):
    run = compiled[reader]
    assert "Warning--to sort" not in run.log and "empty institution" not in run.bbl
    items = re.findall(r"\\bibitem\[|\\entry\{", run.bbl)
    assert len(items) == len(TYPES) + 1
    printed = run.text.replace("\u02c6", "^").replace("\u02dc", "~")
    # OT1 (the BibTeX document) draws ``_`` as a rule, which pdftotext does not read.
    underscore = "_ " if reader == "biber" else ""
    assert f"Open {{ brace, close }} brace & % $ # {underscore}^ ~ \\ < > | " in printed


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["bibtex", "biber"])
def test_initials_and_family_names_print_whole(compiled, reader):
    text = compiled[reader].text
    assert "Durkheim" in text and "É." in text and "Á.-É." in text
    assert "Martinez de Vedia" in text and "Office of Trafficking, Inc. and Partners" in text
    assert "National Human Trafficking Training and Technical" in text


@pytest.mark.slow
def test_biblatex_prints_the_access_date_and_the_doi(compiled):
    text = compiled["biber"].text
    assert "visited on 01/02/2026" in text and "10.1000/a_b" in text


@pytest.mark.slow
def test_bibtex_prints_a_publisher_for_every_type_that_has_one(compiled):
    bbl = compiled["bibtex"].bbl
    for item in re.split(r"\\bibitem", bbl)[1:]:
        key = re.search(r"\]\{([^}]+)\}", item)[1]  # type: ignore[index]
        n = int(key[1]) if key[0] == "e" else None
        if n is not None and n % 3 != 2:
            assert "National Human Trafficking" in " ".join(item.split()), key


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["bibtex", "biber"])
def test_an_article_prints_its_journal_and_a_report_its_number(compiled, reader):
    text = compiled[reader].text
    assert "Journal Open { brace, close } brace" in text
    assert "E.20.IV.0 Open { brace" in text and "377" in text


@pytest.mark.slow
def test_bibtexparser_reads_every_entry_back_as_written(compiled):
    library = bibtexparser.parse_string(compiled["bib"].bbl)
    assert not library.failed_blocks
    found = {e.key: {f.key: unescape(f.value) for f in e.fields} for e in library.entries}
    assert len(found) == len(TYPES) + 1
    assert found["e0-information-memorandum"]["title"] == f"information-memorandum {SPECIAL}"
    assert found["bare"]["title"] == "Bare } one"


@pytest.mark.slow
def test_pybtex_reads_every_entry_with_its_names(compiled):
    data = pybtex.database.parse_string(compiled["bib"].bbl, "bibtex")
    assert len(data.entries) == len(TYPES) + 1
    authors = data.entries["e0-information-memorandum"].persons["author"]
    assert [unescape(" ".join(p.last_names)) for p in authors[:2]] == ["Durkheim", "Núñez"]
    assert unescape(" ".join(authors[-1].last_names)) == "Office of Trafficking, Inc. and Partners"


def test_names_are_protected_for_splitting_and_initials():
    assert bibtex_name({"family": "Martinez de Vedia", "given": "Gonzalo"}) == (
        "{Martinez de Vedia}, Gonzalo"
    )
    assert bibtex_name({"family": "Durkheim", "given": "Émile"}) == r"{Durkheim}, {\'E}mile"
    assert bibtex_name({"family": "Ørsted", "given": "Øle Çelik"}) == (
        r"{Ørsted}, {\O}le {\c{C}}elik"
    )
    assert bibtex_name({"family": "Παπας", "given": "Γιώργος"}) == "{Παπας}, Γιώργος"
    assert bibtex_name({"family": "王", "given": "小"}) == "{王}, 小"
    assert bibtex_name({"literal": "A and B, Inc."}) == "{A and B, Inc.}"
    assert bibtex_name({"family": "Doe", "given": "} x"}) == r"{\textbraceright{} x Doe}"
