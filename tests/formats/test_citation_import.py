"""Citation imports (RIS, BibTeX, CSL-JSON) on files as Zotero writes them, and round trips.

The fixtures in ``zotero/`` are written by hand from the formats' specs with
Zotero's habits: ``TY  - RPRT`` and CR LF lines, ``@techreport`` with
protected capitals, CSL ``report``/``speech``/``webpage`` items.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from htcat.formats import read_rows, write_entries
from htcat.model import ROLES, TYPES, validate_entry
from htcat.people import display_name

FIXTURES = Path(__file__).parent / "zotero"
HTLA = {
    "title": "Human Trafficking Leadership Academy Class 6 Recommendations",
    "type": "report",
    "publisher": "National Human Trafficking Training and Technical Assistance Center",
    "summary": "These recommendations were developed by the fellows.",
    "tags": ["leadership", "survivor-informed"],
    "links": [
        ("https://www.acf.hhs.gov/otip/report/htla-class-6", "page"),
        ("https://doi.org/10.1000/htla.6", "page"),
    ],
}


def imported(name: str, fmt: str) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    rows = read_rows((FIXTURES / name).read_bytes(), fmt, source=name)
    assert all(not row.problems for row in rows), [row.problems for row in rows]
    return [(row.where, validate_entry(row.data), row.warnings) for row in rows]


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    found = {k: entry[k] for k in ("title", "type", "publisher", "summary", "tags")}
    return found | {"links": [(link["url"], link["kind"]) for link in entry["links"]]}


def people(entry: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (p.get("family", ""), p.get("given", ""), p.get("literal", ""), p["role"])
        for p in entry["people"]
    ]


@pytest.mark.parametrize(
    ("name", "fmt"), [("zotero.ris", "ris"), ("zotero.bib", "bibtex"), ("zotero.json", "json")]
)
def test_a_zotero_report_comes_across_whole(name, fmt):
    (where, report, warnings), *_ = imported(name, fmt)
    assert where.startswith("record 1 (line ")
    assert summary(report) == HTLA | ({"tags": []} if fmt == "json" else {})
    assert report["date"] in ("2021-02-26", "2021-02")
    assert people(report)[:2] == [
        ("Novak", "Jenna", "", "author"),
        ("", "", "Office on Trafficking in Persons", "author"),
    ]
    assert warnings == ()


@pytest.mark.parametrize(
    ("name", "fmt"), [("zotero.ris", "ris"), ("zotero.bib", "bibtex"), ("zotero.json", "json")]
)
def test_a_webinar_keeps_its_speakers_family_names(name, fmt):
    _, (_, webinar, _), *_ = imported(name, fmt)
    assert webinar["title"] == "Labor Trafficking Among Foreign Nationals"
    speaker = webinar["people"][0]
    assert display_name(speaker) == "Gonzalo Martinez de Vedia"
    # Zotero's BibTeX and CSL-JSON split the name as BibTeX does: "Martinez de" is the particle.
    split = (None, "Martinez de Vedia") if fmt == "ris" else ("Martinez de", "Vedia")
    assert (speaker.get("non-dropping-particle"), speaker["family"]) == split
    assert webinar["date"] == "2019"


def test_ris_editors_and_moderators_keep_their_roles():
    (_, report, _), (_, webinar, _), _ = imported("zotero.ris", "ris")
    assert people(report)[2] == ("Itor", "Ed", "", "editor")
    assert webinar["type"] == "webinar"
    assert people(webinar) == [
        ("Martinez de Vedia", "Gonzalo", "", "speaker"),
        ("Novak", "Jenna", "", "moderator"),
    ]
    assert [(link["url"][-14:], link["kind"]) for link in webinar["links"]] == [
        ("ources/webinar", "webinar"),
        ("transcript.pdf", "pdf"),
    ]


def test_bibtex_accents_are_read_back_as_letters():
    _, (_, webinar, _), _ = imported("zotero.bib", "bibtex")
    assert people(webinar)[1] == ("Durkheim", "Émile", "", "speaker")


@pytest.mark.parametrize(
    ("name", "fmt", "named"),
    [
        ("zotero.ris", "ris", "JOUR"),
        ("zotero.bib", "bibtex", "@article"),
        ("zotero.json", "json", "webpage"),
    ],
)
def test_a_type_with_no_match_is_other_and_said(name, fmt, named):
    where, entry, warnings = imported(name, fmt)[-1]
    assert entry["type"] == ("research" if fmt != "json" else "other")
    if fmt == "json":
        assert warnings == (f"type {named!r} has no htcat type; imported as other",)
        assert where == "record 3 (line 29)"


def test_a_doi_given_as_url_and_as_doi_is_one_link():
    data = b"TY  - RPRT\nTI  - T\nUR  - https://doi.org/10.1000/x\nDO  - 10.1000/x\nER  - \n"
    [row] = read_rows(data, "ris")
    assert row.data["links"] == [{"url": "https://doi.org/10.1000/x", "label": "DOI"}]


def test_broken_ris_records_are_named_by_number_and_line():
    data = b"TY  - RPRT\nTI  - One\nTY  - RPRT\nTI  - Two\nER  - \nAU  - Stray, A\nTY  - GEN\n"
    problems = [(row.where, row.problems) for row in read_rows(data, "ris") if row.problems]
    assert [(where, p[0].reason) for where, p in problems] == [
        ("record 1 (line 1)", "the record has no ER line before line 3"),
        ("record 3 (line 6)", "comes before any TY line"),
        ("record 4 (line 7)", "the file ends before the record's ER line"),
    ]


def test_a_broken_bibtex_record_is_named_and_the_others_read():
    data = b"@misc{a, title={A}}\n\n@misc{b,\n  title = {Open { brace},\n}\n\n@misc{c, title={C}}\n"
    rows = read_rows(data, "bibtex")
    assert [row.where for row in rows if row.problems] == ["record 2 (line 3)"]
    assert [row.data["title"] for row in rows if not row.problems] == ["A", "C"]


# --- round trips --------------------------------------------------------------------------

text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Zs")) | st.just(" "),
        min_size=1,
        max_size=20,
    )
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)
person = st.one_of(
    st.fixed_dictionaries(
        {
            "family": text.filter(lambda t: "," not in t and not t.startswith("{")),
            "given": st.text(
                alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo")), max_size=8
            ),
            "role": st.sampled_from(ROLES),
        }
    ),
    st.fixed_dictionaries(
        {"literal": text.filter(lambda t: "," not in t), "role": st.just("author")}
    ),
)
entry = st.fixed_dictionaries(
    {
        "id": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
        "title": text,
        "type": st.sampled_from(TYPES),
        "summary": text,
        "date": st.sampled_from(["", "2021", "2021-02", "2021-02-26"]),
        "publisher": text,
        "tags": st.lists(st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True), max_size=3, unique=True),
        "people": st.lists(person, max_size=3),
        "citation": st.fixed_dictionaries(
            {},
            optional={
                "container-title": text,
                "collection-title": text,
                "volume": text,
                "issue": text,
                "page": st.from_regex(r"[1-9][0-9]{0,3}(-[1-9][0-9]{0,3})?", fullmatch=True),
                # RIS holds a number, an ISBN and an ISSN each as SN, told apart by shape.
                "number": text.map(lambda t: "No. " + t),
                "ISBN": st.just("978-92-1-130410-4"),
                "ISSN": st.just("0192-8651"),
                "publisher-place": text,
            },
        ),
    }
)


def citation_view(entry: dict[str, Any], fmt: str) -> dict[str, Any]:
    """What a citation format holds of an entry: the roles it tells apart, people by role."""
    webinar = entry["type"] == "webinar"
    shown = []
    for p in entry["people"]:
        role = p["role"]
        if webinar and role in ("author", "speaker"):
            role = "speaker"
        elif role == "speaker" or (fmt == "csl-json" and role == "moderator"):
            role = "contributor"
        person = {k: v for k, v in p.items() if k != "affiliation" and v} | {"role": role}
        if fmt == "bibtex" and "given" not in person and "family" in person:
            person["literal"] = person.pop("family")  # {Family} is all BibTeX has
        shown.append(person)
    shown.sort(key=lambda p: ROLE_ORDER[p["role"]])
    fields = ("id", "title", "type", "summary", "date", "publisher", "tags")
    return {k: entry[k] for k in fields} | {"people": shown, "citation": entry.get("citation")}


ROLE_ORDER = {"author": 0, "speaker": 0, "editor": 1, "moderator": 2, "contributor": 3}
"""The order citation formats list people in: by role, then as the entry has them."""


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "csl-json"])
@settings(max_examples=40, deadline=None)
@given(entry=entry)
def test_export_then_import_keeps_what_the_format_holds(fmt, entry):
    original = validate_entry(entry)
    names = [p.get("literal") or p["family"] for p in original["people"]]
    assume(original["publisher"] not in names)
    rows = read_rows(write_entries([original], fmt), fmt)
    assert [row.problems for row in rows] == [()]
    back = validate_entry(rows[0].data)
    assert citation_view(back, fmt) == citation_view(original, fmt)
