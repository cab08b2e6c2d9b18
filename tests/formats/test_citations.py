"""Citation exports (CSL-JSON, RIS, BibTeX), each read back by an independent reader.

CSL-JSON is checked against the required keys and value types of the
CSL-JSON schema (written below), RIS is read by rispy and BibTeX by
bibtexparser; the shipped catalog and hostile text go through all three.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from hypothesis import given, settings
from hypothesis import strategies as st

from htcat.formats import SUFFIXES, write_entries
from htcat.formats.bibtex import bibtex_key
from htcat.formats.bibtex_text import escape, unescape
from htcat.formats.csl import csl_item, csl_name, date_parts, main_link
from htcat.store.file import read_catalog

SEED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
HOSTILE = "Braces {x} } % & # _ $ ~ \\ \"q\" 's' @misc{y, </script> <img src=x onerror=alert(1)>"


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CSL_SCHEMA = json.loads((Path(__file__).parent / "readers" / "csl-data.json").read_text())
"""The official CSL data schema (citation-style-language/schema), vendored with its licence."""


def csl_problems(items: object) -> list[str]:
    """Every way ``items`` breaks the official CSL-JSON schema, and every name without a
    family or literal part (the schema allows one; no processor can print it)."""
    validator = jsonschema.Draft7Validator(CSL_SCHEMA)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(items)]
    for item in items if isinstance(items, list) else ():
        for key, value in item.items() if isinstance(item, dict) else ():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                problems += [f"{key}: {p}" for p in _name_problems(value)]
    return problems


def _name_problems(value: list[dict[str, Any]]) -> list[str]:
    problems = []
    for name in value:
        if not (name.get("family") or name.get("literal")):
            problems.append(f"name without family or literal: {name!r}")
        elif not all(isinstance(v, str) and v for v in name.values()):
            problems.append(f"empty or non-text name part: {name!r}")
    return problems


def seed_entries() -> list[dict[str, Any]]:
    return list(read_catalog(SEED).entries())


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def hostile_entry(**fields: Any) -> dict[str, Any]:
    return {
        "id": "hostile-1",
        "title": HOSTILE + "\nsecond line",
        "type": "report",
        "summary": HOSTILE + "\n\nTY  - JOUR\nER  - \n@misc{injected,\n}",
        "publisher": "A & B, {Inc.} 100%",
        "date": "2021-02-03",
        "people": [
            {"family": HOSTILE, "given": HOSTILE, "role": "author"},
            {"family": "O'Neil", "given": "Ann", "role": "author"},
        ],
        "tags": ["a,b", "c}", "d%"],
        "links": [{"url": "https://x.example/a%20b?q={x}&r=1", "kind": "page", "label": HOSTILE}],
        "notes": "secret plan",
        **fields,
    }


def parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return library


def bib_fields(entry: Any) -> dict[str, str]:
    """An entry's fields as text: BibTeX's outer braces off, LaTeX decoded by htcat's reader."""
    return {field.key: unescape(field.value) for field in entry.fields}


# --- CSL-JSON ---------------------------------------------------------------


def test_the_shipped_catalog_is_valid_csl_json_with_mapped_types() -> None:
    items = json.loads(write_entries(seed_entries(), "csl-json"))
    assert csl_problems(items) == []
    found = by_id(items)
    memo = found["information-memorandum-federal-cases-involving-forced-labor-of-health"]
    assert (memo["type"], memo["genre"]) == ("report", "Information memorandum")
    assert memo["issued"] == {"date-parts": [[2023, 2]]}
    assert memo["author"] == [{"literal": "HHS Office on Trafficking in Persons"}]
    assert memo["publisher"] == "HHS Office on Trafficking in Persons"
    assert memo["URL"].endswith(
        "/information-memorandum-federal-cases-involving-forced-labor-health"
    )
    report = found["htla-class-6-recommendations-report"]
    assert report["type"] == "report" and "genre" not in report
    assert report["issued"] == {"date-parts": [[2021, 2, 26]]}
    assert report["abstract"].startswith("These recommendations were developed")


def test_a_webinar_is_a_speech_with_its_speakers_as_authors() -> None:
    webinar = csl_item(next(e for e in seed_entries() if e["type"] == "webinar"))
    assert (webinar["type"], webinar["genre"]) == ("speech", "Webinar")
    assert webinar["author"][0] == {"family": "Martinez de Vedia", "given": "Gonzalo"}
    assert {"family": "Ponce", "given": "Julissa"} in webinar["author"]
    assert webinar["contributor"] == [{"family": "Novak", "given": "Jenna"}]
    assert webinar["issued"] == {"date-parts": [[2019]]}
    assert webinar["URL"].endswith("webinar-labor-trafficking-foreign-nationals-migrant-workers")


@pytest.mark.parametrize(
    ("kind", "csl_type", "genre"),
    [
        ("guidance", "report", "Guidance"),
        ("fact-sheet", "report", "Fact sheet"),
        ("data", "dataset", None),
        ("training", "document", "Training"),
        ("other", "document", None),
    ],
)
def test_types_map_to_csl(kind: str, csl_type: str, genre: str | None) -> None:
    item = csl_item({"id": "x", "title": "T", "type": kind})
    assert (item["type"], item.get("genre")) == (csl_type, genre)
    assert csl_problems([item]) == []


def test_authors_are_people_with_the_author_role_and_editors_stay_editors() -> None:
    item = csl_item(
        {
            "id": "x",
            "title": "T",
            "type": "report",
            "publisher": "Agency",
            "people": [
                {"family": "Doe", "given": "Jane", "role": "author"},
                {"family": "Person", "given": "Speaker", "role": "speaker"},
                {"family": "Itor", "given": "Ed", "role": "editor"},
                {"family": "Novak", "given": "Jenna", "role": "moderator"},
                {"literal": "OTIP", "role": "contributor"},
            ],
        }
    )
    assert item["author"] == [{"family": "Doe", "given": "Jane"}]
    assert item["editor"] == [{"family": "Itor", "given": "Ed"}]
    assert item["contributor"] == [
        {"family": "Person", "given": "Speaker"},
        {"family": "Novak", "given": "Jenna"},
        {"literal": "OTIP"},
    ]


def test_names_dates_and_the_main_link() -> None:
    assert csl_name({"family": "Madonna", "given": ""}) == {"family": "Madonna"}
    assert csl_name({"literal": "OTIP", "role": "author"}) == {"literal": "OTIP"}
    assert date_parts("2021") == [2021]
    assert date_parts("2021-13") == [2021]
    assert date_parts("") is None
    links = [
        {"url": "https://x.example/a.pdf", "kind": "pdf"},
        {"url": "https://x.example/w", "kind": "webinar"},
        {"url": "https://x.example/", "kind": "page"},
    ]
    assert main_link(links) == links[2]
    assert main_link(links[:2]) == links[1]
    assert main_link(links[:1]) == links[0]
    assert main_link([]) is None


def apa_bibliography(items: list[dict[str, Any]]) -> list[str]:
    """``items`` rendered by citeproc-py in APA (the style vendored from the CSL styles)."""
    source = CiteProcJSON(items)
    style = CitationStylesStyle(str(Path(__file__).parent / "readers" / "apa.csl"))
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"]) for item in items]))
    return [str(line) for line in bibliography.bibliography()]


def test_citeproc_renders_apa_with_the_right_family_names() -> None:
    entry = {
        "id": "w",
        "title": "Labor trafficking",
        "type": "webinar",
        "date": "2019-10",
        "publisher": "NHTTAC",
        "people": [
            {"family": "Martinez de Vedia", "given": "Gonzalo", "role": "speaker"},
            {"family": "Nguyễn", "given": "Văn An", "role": "speaker"},
            {"family": "Chisolm-Straker", "given": "Makini", "role": "author"},
        ],
        "links": [{"url": "https://x.example/w", "kind": "webinar"}],
    }
    items = json.loads(write_entries([entry], "csl-json"))
    [line] = apa_bibliography(items)
    assert line.startswith(
        "Martinez de Vedia, G., Nguyễn, V. A., & Chisolm-Straker, M. (2019, October)."
    )
    assert "[Webinar]" in line and "NHTTAC" in line


def test_the_last_good_check_is_the_access_date_and_a_doi_link_the_doi() -> None:
    links = [
        {"url": "https://doi.org/10.1000/a%2Fb", "kind": "page"},
        {
            "url": "https://x.example/w",
            "kind": "page",
            "check": {"last_ok": "2026-01-02T03:04:05Z"},
        },
    ]
    [item] = json.loads(write_entries([{"id": "x", "title": "T", "links": links}], "csl-json"))
    assert item["URL"] == "https://x.example/w"
    assert item["accessed"] == {"date-parts": [[2026, 1, 2]]}
    assert item["DOI"] == "10.1000/a/b"
    assert csl_problems([item]) == []


def test_hostile_text_survives_csl_json_unchanged_and_notes_stay_out() -> None:
    text = write_entries([hostile_entry()], "csl-json", include_internal=True)
    assert b"secret plan" not in text
    items = json.loads(text)
    assert csl_problems(items) == []
    assert items[0]["title"] == HOSTILE + "\nsecond line"
    assert items[0]["URL"] == "https://x.example/a%20b?q={x}&r=1"


def test_an_entry_without_date_people_publisher_or_links_is_still_a_valid_item() -> None:
    items = json.loads(
        write_entries([{"id": "bare", "title": "Bare", "type": "other"}], "csl-json")
    )
    assert items == [{"id": "bare", "type": "document", "title": "Bare"}]
    assert csl_problems(items) == []


def test_the_schema_check_itself_finds_broken_items() -> None:
    bad = [
        {"type": "report"},
        {"id": "x", "type": "webinar"},
        {
            "id": "x",
            "type": "report",
            "author": [{"given": "Only"}],
            "issued": {"date-parts": [[True]]},
        },
        {"id": "x", "type": "report", "colour": "red"},
    ]
    assert len(csl_problems(bad)) == 5


# --- RIS --------------------------------------------------------------------


def test_the_shipped_catalog_reads_back_with_rispy() -> None:
    entries = seed_entries()
    records = rispy.loads(write_entries(entries, "ris").decode())
    assert len(records) == 5
    found = {r["id"]: r for r in records}
    for entry in entries:
        record = found[entry["id"]]
        assert record["title"] == entry["title"]
        assert record["urls"][0] == main_link(entry["links"])["url"]  # type: ignore[index]
        assert sorted(record["urls"]) == sorted(link["url"] for link in entry["links"])
        assert record["keywords"] == entry["tags"]
    memo = found["information-memorandum-federal-cases-involving-forced-labor-of-health"]
    assert memo["type_of_reference"] == "RPRT"
    assert memo["authors"] == ["HHS Office on Trafficking in Persons"]
    assert (memo["year"], memo["date"]) == ("2023", "2023/02")
    assert memo["type_of_work"] == "Information memorandum"
    assert memo["publisher"] == "HHS Office on Trafficking in Persons"
    webinar = found["labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"]
    assert webinar["type_of_reference"] == "SLIDE"
    assert webinar["authors"][0] == "Martinez de Vedia, Gonzalo"


def test_ris_keeps_organizations_whole_and_writes_every_role() -> None:
    entry = {
        "id": "w",
        "title": "W",
        "type": "webinar",
        "people": [
            {"literal": "Office of Trafficking, Inc. and Partners", "role": "speaker"},
            {"family": "Martinez de Vedia", "given": "Gonzalo", "role": "speaker"},
            {"family": "Madonna", "given": "", "role": "speaker"},
            {"family": "Itor", "given": "Ed", "role": "editor"},
            {"family": "Novak", "given": "Jenna", "role": "moderator"},
            {"literal": "OTIP", "role": "contributor"},
        ],
        "links": [
            {
                "url": "https://x.example/w",
                "kind": "webinar",
                "check": {"last_ok": "2026-01-02T03:04:05Z"},
            },
            {"url": "https://x.example/t.pdf", "kind": "transcript"},
            {"url": "https://doi.org/10.1000/xyz", "kind": "page"},
        ],
    }
    text = write_entries([entry], "ris").decode()
    [record] = rispy.loads(text)
    assert record["authors"] == [
        "Office of Trafficking Inc. and Partners",
        "Martinez de Vedia, Gonzalo",
        "Madonna,",
    ]
    assert record["unknown_tag"]["ED"] == ["Itor, Ed"]
    assert record["tertiary_authors"] == ["Novak, Jenna"]
    assert record["subsidiary_authors"] == ["OTIP"]
    assert record["urls"] == ["https://x.example/w", "https://x.example/t.pdf"]
    assert (record["access_date"], record["doi"]) == ("2026/01/02", "10.1000/xyz")


def test_ris_lines_cannot_be_injected_by_line_breaks() -> None:
    text = write_entries([hostile_entry()], "ris").decode()
    assert "secret plan" not in text
    records = rispy.loads(text)
    assert len(records) == 1
    record = records[0]
    assert record["title"] == HOSTILE + " second line"
    assert record["abstract"].endswith("TY - JOUR ER - @misc{injected, }")
    assert record["type_of_reference"] == "RPRT"
    assert record["keywords"] == ["a,b", "c}", "d%"]
    assert all(line[:2].isupper() and line[2:6] == "  - " for line in text.splitlines() if line)


def test_ris_records_end_with_er_and_crlf() -> None:
    text = write_entries([{"id": "a", "title": "A"}, {"id": "b", "title": "B"}], "ris")
    assert text.count(b"ER  - \r\n") == 2
    assert text.startswith(b"TY  - GEN\r\n")


# --- BibTeX -----------------------------------------------------------------


def test_the_shipped_catalog_reads_back_with_bibtexparser() -> None:
    entries = seed_entries()
    library = parse_bibtex(write_entries(entries, "bibtex").decode())
    assert [e.key for e in library.entries] == [e["id"] for e in entries]
    found = {e.key: e for e in library.entries}
    memo = found["information-memorandum-federal-cases-involving-forced-labor-of-health"]
    fields = bib_fields(memo)
    assert memo.entry_type == "techreport"
    assert (
        fields["title"]
        == "Information Memorandum: Federal Cases Involving Forced Labor of Health Professionals"
    )
    assert fields["institution"] == fields["author"] == "HHS Office on Trafficking in Persons"
    assert (fields["type"], fields["year"], fields["month"]) == (
        "Information memorandum",
        "2023",
        "feb",
    )
    webinar = found["labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"]
    fields = bib_fields(webinar)
    assert webinar.entry_type == "misc"
    assert fields["howpublished"] == "Webinar, " + fields["publisher"]
    assert fields["author"].startswith("Martinez de Vedia, Gonzalo and Chisolm-Straker, Makini")


def test_bibtex_escapes_every_special_character_and_reads_back_the_same() -> None:
    text = write_entries([hostile_entry()], "bibtex", include_internal=True).decode()
    assert "secret plan" not in text
    library = parse_bibtex(text)
    assert [e.key for e in library.entries] == ["hostile-1"], "no text can open another record"
    fields = bib_fields(library.entries[0])
    assert fields["title"] == HOSTILE + " second line"
    assert fields["institution"] == "A & B, {Inc.} 100%"
    assert fields["abstract"].startswith(HOSTILE + "\n\nTY - JOUR")
    assert fields["keywords"] == "a,b, c}, d%"
    raw = bibtexparser.parse_string(text).entries[0]
    assert bib_fields(raw)["url"] == "https://x.example/a%20b?q=%7Bx%7D&r=1"


def test_escape_covers_latex_specials() -> None:
    assert escape("100% & $5 #1 a_b {x} } ~ ^ \\ <|> -- '' ``") == (
        r"100\% \& \$5 \#1 a\_b \{x\} \textbraceright{} \textasciitilde{} "
        r"\textasciicircum{} \textbackslash{} \textless{}\textbar{}\textgreater{} -{}- '{}' `{}`"
    )
    assert bibtex_key("a b/c{d}") == "a-b-c-d"
    assert bibtex_key("") == "entry"


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip()))
def test_any_title_stays_one_field_in_every_format(title: str) -> None:
    entry = {"id": "t", "title": title, "type": "report", "summary": title, "publisher": title}
    items = json.loads(write_entries([entry], "csl-json"))
    assert items[0]["title"] == title and csl_problems(items) == []
    records = rispy.loads(write_entries([entry], "ris").decode())
    assert len(records) == 1 and records[0]["title"] == " ".join(title.split())
    library = bibtexparser.parse_string(write_entries([entry], "bibtex").decode())
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == ["t"]
    fields = bib_fields(library.entries[0])
    assert {"title", "abstract", "author", "publisher"} <= set(fields)
    assert fields["title"] == " ".join(title.split())


# --- Registry and command ---------------------------------------------------


def test_the_formats_are_registered_with_their_suffixes() -> None:
    assert SUFFIXES[".ris"] == "ris" and SUFFIXES[".bib"] == "bibtex"
    for fmt in ("csl-json", "ris", "bibtex"):
        assert write_entries([], fmt) in (b"[]\n", b"")


def test_htcat_export_writes_citations(seed_db: Path, cli: Any, tmp_path: Path) -> None:
    result = cli("export", "--format", "csl-json", "--type", "report")
    assert result.exit_code == 0, result.stderr
    items: list[Mapping[str, Any]] = json.loads(result.stdout)
    assert [i["id"] for i in items] == ["htla-class-6-recommendations-report"]
    out = tmp_path / "library.bib"
    assert cli("export", "-o", str(out)).exit_code == 0
    assert len(parse_bibtex(out.read_text("utf-8")).entries) == 5
