"""Real citation files nobody here wrote (``corpora/``, sources in ``corpora/SOURCES.md``).

Biblatex's examples, Zotero's own RIS, BibTeX and CSL-JSON translator test cases,
rispy's test files and the CSL test suite's inputs: every record a person would call
valid is imported, no LaTeX is left in what is, and what htcat then exports in each
citation format reads back as the same entries, ``citation`` included.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from htcat.errors import InputError, InvalidEntry
from htcat.formats import read_rows, write_entries
from htcat.model import slugify, unique_id, validate_entry
from htcat.people import display_name

CORPORA = Path(__file__).parent / "corpora"
FORMATS = {".bib": "bibtex", ".ris": "ris", ".json": "csl-json"}
MALFORMED = {
    ("zotero/bib/009.bib", "record 6 (line 27)"): "'file = ",
    ("zotero/bib/010.bib", "record 1 (line 1)"): "its braces do not add up",
}
"""Records that are broken as written, with what the refusal says.

The first has no comma between ``title`` and ``file``; the second is Zotero's
escape test, whose ``\\\\{`` bibtexparser (unlike BibTeX) reads as an escaped brace,
so its value ends early."""
LATEX_LEFT_RE = re.compile(r"\\[A-Za-z]+|\\[^A-Za-z\s]|[{}]|(?<![\w&])#(?![\w#])")
"""A LaTeX command, an escaped character, a brace, or BibTeX's ``#`` joining values."""


NOT_RIS = "rispy/example_wos.ris"
"""Web of Science's own tagged format (``PT J``, no ``TY  -``), which rispy reads too."""


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPORA.rglob("*") if p.suffix in FORMATS)


def test_a_web_of_science_file_is_refused_whole_as_not_ris():
    with pytest.raises(InputError, match="line 1: expected a tag line like 'TY  - RPRT'"):
        read_rows((CORPORA / NOT_RIS).read_bytes(), "ris", source=NOT_RIS)


@cache
def read_corpus() -> tuple[tuple[str, str, Any, tuple[str, ...]], ...]:
    """(file, where, the validated entry or the `InvalidEntry`, warnings) of every record."""
    found = []
    for path in corpus_files():
        name = path.relative_to(CORPORA).as_posix()
        if name == NOT_RIS:
            continue
        for row in read_rows(path.read_bytes(), FORMATS[path.suffix], source=name):
            try:
                if row.problems:
                    raise InvalidEntry(list(row.problems), row.where)
                result: Any = validate_entry(row.data)
            except InvalidEntry as exc:
                result = exc
            found.append((name, row.where, result, row.warnings))
    return tuple(found)


def imported_entries() -> list[dict[str, Any]]:
    """The valid records, each with an id of its own, as an import would store them."""
    taken: set[str] = set()
    entries = []
    for _, _, entry, _ in read_corpus():
        if isinstance(entry, dict):
            entry = dict(entry, id=unique_id(entry.get("id") or slugify(entry["title"]), taken))
            taken.add(entry["id"])
            entries.append(entry)
    return entries


def test_the_corpora_are_there_with_their_sources():
    assert len(corpus_files()) >= 50
    sources = (CORPORA / "SOURCES.md").read_text()
    for folder in ("biblatex", "rispy", "zotero", "csl-test-suite"):
        assert f"`{folder}/" in sources
    assert len(read_corpus()) > 500


def test_every_record_a_person_would_call_valid_is_imported():
    refused = {
        (name, where): exc.problems
        for name, where, exc, _ in read_corpus()
        if isinstance(exc, InvalidEntry)
    }
    for key, reason in MALFORMED.items():
        assert reason in refused.pop(key)[0].reason, key
    # What is left has no title at all: biblatex's @set and @xdata entries, the CSL
    # suite's name and date tests, rispy's and Zotero's records of a DOI or notes alone.
    untitled = {key for key, problems in refused.items() if problems[0].field == "title"}
    assert untitled == set(refused)
    assert all(len(problems) == 1 for problems in refused.values())
    assert len(imported_entries()) >= 320


def texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def test_no_latex_command_brace_or_hash_is_left_in_any_imported_text():
    left = [
        (entry["title"], text)
        for entry in imported_entries()
        for field in ("title", "summary", "publisher", "people", "citation", "tags")
        for text in texts(entry.get(field))
        if LATEX_LEFT_RE.search(text)
    ]
    assert left == []


def test_biblatex_examples_read_as_printed():
    read = [
        entry
        for name, _, entry, _ in read_corpus()
        if name == "biblatex/biblatex-examples.bib" and isinstance(entry, dict)
    ]
    by_title = {entry["title"]: entry for entry in read}
    assert len(read) >= 85
    sigfridsson = by_title[
        "Comparison of methods for deriving atomic charges from the electrostatic potential "
        "and moments"
    ]
    assert sigfridsson["type"] == "research" and sigfridsson["date"] == "1998"
    assert sigfridsson["citation"] == {
        "container-title": "Journal of Computational Chemistry",
        "volume": "19",
        "issue": "4",
        "page": "377-395",
    }
    assert [display_name(p) for p in sigfridsson["people"]] == ["Emma Sigfridsson", "Ulf Ryde"]
    nietzsche = by_title["Sämtliche Werke"]
    assert nietzsche["publisher"] == "Deutscher Taschenbuch-Verlag and Walter de Gruyter"
    assert nietzsche["citation"]["publisher-place"] == "München and Berlin and New York"
    assert "Angew. Chem. Int. Ed." in {e.get("citation", {}).get("container-title") for e in read}


def comparable(entry: dict[str, Any], fmt: str) -> dict[str, Any]:
    """What a citation format holds of an entry (docs/import-export.md, "Round trips").

    CSL-JSON and BibTeX hold one link besides the DOI; CSL-JSON holds moderators as
    contributors; RIS holds a summary on one line, no particles (they stay in the
    names) and no commas in an organization's name; BibTeX holds a dropping
    particle in the given name.
    """
    people = []
    for person in entry["people"]:
        person = {k: v for k, v in person.items() if k != "affiliation" and v}
        if fmt == "csl-json" and person["role"] == "moderator":
            person["role"] = "contributor"
        if fmt in ("ris", "bibtex") and "dropping-particle" in person:
            given = (person.get("given", ""), person.pop("dropping-particle"))
            person["given"] = " ".join(p for p in given if p)
        if fmt == "ris" and "non-dropping-particle" in person:
            person["family"] = f"{person.pop('non-dropping-particle')} {person['family']}"
        if fmt == "ris" and "literal" in person:
            person["literal"] = " ".join(person["literal"].replace(",", " ").split())
        people.append(person)
    links = [(link["url"], link["label"]) for link in entry["links"]]
    if fmt in ("csl-json", "bibtex"):
        links = links[:1] + [link for link in links[1:] if link[1] == "DOI"]
    summary = " ".join(entry["summary"].split()) if fmt == "ris" else entry["summary"]
    kept = ("id", "title", "type", "date", "publisher", "tags", "citation")
    return {k: entry.get(k) for k in kept} | {
        "people": people,
        "links": links,
        "summary": summary,
    }


@pytest.mark.parametrize("fmt", ["csl-json", "ris", "bibtex"])
def test_export_then_import_of_the_corpora_gives_the_same_entries(fmt: str):
    entries = imported_entries()
    rows = read_rows(write_entries(entries, fmt), fmt)
    assert [row.problems for row in rows] == [()] * len(entries)
    back = [validate_entry(row.data) for row in rows]
    differing = [
        (a["id"], comparable(a, fmt), comparable(b, fmt))
        for a, b in zip(entries, back, strict=True)
        if comparable(a, fmt) != comparable(b, fmt)
    ]
    assert differing == []
    assert sum(1 for entry in back if entry.get("citation")) > 100
