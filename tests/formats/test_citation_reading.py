"""Citation files read as a person reads them, and a citation's parts kept through every format.

Each test holds one fact: LaTeX read by a real decoder, ``@string`` and ``#``, a
malformed record refused rather than merged, dates (day, month, ranges, 0000, text),
names with particles and suffixes, RIS's author order, URLs and EndNote's headers,
and the ``citation`` part carried through CSL-JSON, RIS and BibTeX.
"""

from __future__ import annotations

import json
from typing import Any

import bibtexparser
import pytest
from bibtexparser import middlewares
from hypothesis import given, settings
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.formats import read_rows, write_entries
from htcat.formats.bibtex_text import escape, latex_decoder, unescape
from htcat.formats.records import SourceRow
from htcat.model import validate_entry


def read_one(text: str, fmt: str) -> SourceRow:
    [row] = read_rows(text.encode(), fmt)
    return row


def entry_of(text: str, fmt: str) -> dict[str, Any]:
    row = read_one(text, fmt)
    assert row.problems == ()
    return validate_entry(row.data)


def bib(fields: str, kind: str = "misc") -> str:
    return f"@{kind}{{k,\n  title = {{T}},\n{fields}\n}}\n"


# --- LaTeX ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\emph{De Anima}", "De Anima"),
        (r"\textit{Natrix} natrix", "Natrix natrix"),
        (r"Jean~Dupont", "Jean Dupont"),
        (r"\dh{}a \TH{}orn", "ða Þorn"),
        (r"it\textquotesingle s", "it's"),
        (r"{\'E}mile \c{c}a \v{s} \k{a} \H{o} \r{a} \u{a} \={a} \.{z} \~{n} \^{o} \`{a}", None),
        (r"\l\o\ss\ae\AE\oe\OE\aa\AA\i", "łøßæÆœŒåÅı"),
        (r"\unknowncommand{Kept} text", "Kept text"),
        (r"\mkbibquote{Quoted} and \autocap{e}xcerpt", "Quoted and excerpt"),
        (r"100\% \& \$5 \#1 a\_b \{x\}", "100% & $5 #1 a_b {x}"),
        ("50% of them", "50% of them"),
        ("pages 12--34, a---b, ``q''", "pages 12\u201334, a\u2014b, \u201cq\u201d"),
        ("two\n   lines", "two lines"),
    ],
)
def test_latex_reads_as_a_person_reads_it(latex: str, text: str | None):
    read = unescape(latex)
    if text is None:
        assert read == "Émile ça š ą ő å ă ā ż ñ ô à"
    else:
        assert read == text


def test_a_bibtex_title_with_text_commands_keeps_their_arguments_only():
    entry = entry_of(r"@book{k, title = {On \emph{De Anima} and \textit{Natrix}}}", "bibtex")
    assert entry["title"] == "On De Anima and Natrix"


def test_string_macros_and_hash_concatenation_are_expanded():
    text = (
        "@string{unodc = {United Nations Office on Drugs and Crime}}\n"
        '@string{vie = "Vienna"}\n'
        "@techreport{k, title = {T}, institution = unodc # { (} # vie # {)}, year = 2020}\n"
    )
    entry = entry_of(text, "bibtex")
    assert entry["publisher"] == "United Nations Office on Drugs and Crime (Vienna)"


def test_an_undefined_macro_is_kept_as_text_with_a_warning():
    row = read_one(bib("  publisher = nowhere"), "bibtex")
    assert row.data["publisher"] == "nowhere"
    assert row.warnings == ("field publisher: @string 'nowhere' is not defined; kept as text",)


def test_line_breaks_inside_values_are_spaces():
    entry = entry_of(
        "@misc{k, title = {A title\n    broken over\n lines}, author = {Doe,\n  John}}", "bibtex"
    )
    assert entry["title"] == "A title broken over lines"
    assert entry["people"][0]["given"] == "John"


def test_a_missing_comma_is_a_malformed_record_not_a_longer_title():
    text = (
        "@article{a, title = {Missing comma}\n  author = {Doe, John}, year = {2019}}\n"
        "@article{b, title = {Next}, year = {2019}}\n"
    )
    first, second = read_rows(text.encode(), "bibtex")
    assert first.data == {}
    [problem] = first.problems
    assert problem.field == "record"
    assert "'author = {Doe, John}' follows its value (a comma missing before it?)" in problem.reason
    assert first.raw.startswith("@article{a,") and "Missing comma" in first.raw
    assert validate_entry(second.data)["title"] == "Next"


def test_unbalanced_braces_are_a_malformed_record_and_the_neighbour_is_kept():
    text = (
        "@article{a, title = {Unbalanced {brace}, year = {2019}}\n"
        "@article{b, title = {After}, year = {2019}}\n"
    )
    rows = read_rows(text.encode(), "bibtex")
    assert [bool(row.problems) for row in rows] == [True, False]
    assert rows[0].where == "record 1 (line 1)"
    assert validate_entry(rows[1].data)["title"] == "After"


def test_each_record_keeps_its_text_as_written_for_a_rejects_file():
    bib_text = "@misc{a, title = {One}}\n\n@misc{b, title = {Two}\n  year = 2020}\n"
    assert [row.raw for row in read_rows(bib_text.encode(), "bibtex")] == [
        "@misc{a, title = {One}}\n",
        "@misc{b, title = {Two}\n  year = 2020}\n",
    ]
    ris_text = "TY  - GEN\nTI  - One\nER  - \n\nTY  - GEN\nAU  - Doe, J\nER  - \n"
    assert [row.raw for row in read_rows(ris_text.encode(), "ris")] == [
        "TY  - GEN\nTI  - One\nER  - \n",
        "TY  - GEN\nAU  - Doe, J\nER  - \n",
    ]
    csl_text = (
        '[\n  {"type": "report", "title": "One"},\n  {"type": "report",\n   "author": []}\n]\n'
    )
    rows = read_rows(csl_text.encode(), "csl-json")
    assert [row.raw for row in rows] == [
        '{"type": "report", "title": "One"}\n',
        '{"type": "report",\n   "author": []}\n',
    ]
    assert [row.where for row in rows] == ["record 1 (line 2)", "record 2 (line 3)"]


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "date", "warning"),
    [
        ("year = 2020, month = mar, day = 5", "2020-03-05", None),
        ("year = {2020}, month = {March}", "2020-03", None),
        ("year = 2020, month = 11", "2020-11", None),
        ("date = {2019/2020}", "2019", "date range '2019/2020': kept 2019, not 2020"),
        ("year = {2019--2021}", "2019", "date range '2019\u20132021': kept 2019, not 2021"),
        ("date = {2021-02-26/2021-03-01}", "2021-02-26", "kept 2021-02-26, not 2021-03-01"),
    ],
)
def test_bibtex_dates_read_day_month_and_ranges(fields: str, date: str, warning: str | None):
    row = read_one(bib("  " + fields), "bibtex")
    assert validate_entry(row.data)["date"] == date
    if warning is None:
        assert row.warnings == ()
    else:
        [found] = row.warnings
        assert found.startswith("date range") and found.endswith(warning)


@pytest.mark.parametrize(
    ("issued", "date", "warning"),
    [
        ({"raw": "March 2021"}, "2021-03", None),
        ({"raw": "Bogus Date"}, "", "date 'Bogus Date' is not a date htcat reads"),
        ({"literal": "Spring 2020"}, "2020", "date 'Spring 2020': kept the year 2020"),
        ({"date-parts": [[2019], [2020]]}, "2019", "date range 2019 to 2020: kept 2019"),
        ({"date-parts": [["2019", "3", "4"]]}, "2019-03-04", None),
    ],
)
def test_csl_dates_it_cannot_read_give_a_warning(
    issued: dict[str, Any], date: str, warning: str | None
):
    item = {"type": "report", "title": "T", "issued": issued}
    row = read_one(json.dumps([item]), "csl-json")
    assert validate_entry(row.data)["date"] == date
    if warning is None:
        assert row.warnings == ()
    else:
        [found] = row.warnings
        assert found.startswith(warning)


def test_ris_year_0000_is_no_date_without_a_warning():
    row = read_one("TY  - JOUR\nTI  - T\nPY  - 0000\nER  - \n", "ris")
    assert validate_entry(row.data)["date"] == ""
    assert row.warnings == ()


# --- names --------------------------------------------------------------------------------


def test_csl_suffix_and_particles_are_kept_and_written_back_in_every_format():
    name = {
        "family": "Gogh",
        "given": "Vincent",
        "non-dropping-particle": "van",
        "suffix": "III",
    }
    entry = entry_of(json.dumps([{"type": "report", "title": "T", "author": [name]}]), "csl-json")
    [person] = entry["people"]
    assert person == name | {"role": "author", "affiliation": ""}
    assert json.loads(write_entries([entry], "csl-json"))[0]["author"] == [name]
    for fmt in ("csl-json", "ris", "bibtex"):
        back = validate_entry(read_rows(write_entries([entry], fmt), fmt)[0].data)
        [again] = back["people"]
        kept = {k: again.get(k) for k in ("family", "given", "suffix")}
        assert kept == {"family": "van Gogh" if fmt == "ris" else "Gogh", "given": "Vincent"} | {
            "suffix": "III"
        }, fmt


def test_a_dropping_particle_stays_apart_in_csl_json():
    name = {"family": "La Fontaine", "given": "Jean", "dropping-particle": "de"}
    entry = entry_of(json.dumps([{"type": "report", "title": "T", "author": [name]}]), "csl-json")
    assert entry["people"][0]["dropping-particle"] == "de"
    assert json.loads(write_entries([entry], "csl-json"))[0]["author"] == [name]


@pytest.mark.parametrize("written", ["Doe, Jeffrey, Jr.", "Doe, Jr., Jeffrey"])
def test_ris_reads_a_suffix_in_either_place(written: str):
    entry = entry_of(f"TY  - JOUR\nTI  - T\nAU  - {written}\nER  - \n", "ris")
    person = entry["people"][0]
    assert (person["family"], person["given"], person["suffix"]) == ("Doe", "Jeffrey", "Jr.")


def test_ris_round_trip_keeps_doe_jr():
    entry = validate_entry(
        {
            "id": "t",
            "title": "T",
            "people": [{"family": "Doe", "given": "Jeffrey", "suffix": "Jr."}],
        }
    )
    text = write_entries([entry], "ris").decode()
    assert "AU  - Doe, Jeffrey, Jr.\r\n" in text
    back = validate_entry(read_rows(text.encode(), "ris")[0].data)
    assert back["people"] == entry["people"]


def test_a_bibtex_suffix_is_not_part_of_the_family_name():
    entry = entry_of(bib("  author = {Doe, III, John and van Gogh, Jr., Vincent}"), "bibtex")
    assert [(p["family"], p["given"], p.get("suffix")) for p in entry["people"]] == [
        ("Doe", "John", "III"),
        ("Gogh", "Vincent", "Jr."),
    ]
    assert entry["people"][1]["non-dropping-particle"] == "van"


def test_ris_authors_stay_in_file_order_whatever_their_tags():
    text = "TY  - JOUR\nTI  - T\nA1  - First, A\nAU  - Second, B\nA1  - Third, C\nER  - \n"
    entry = entry_of(text, "ris")
    assert [p["family"] for p in entry["people"]] == ["First", "Second", "Third"]


# --- RIS links and EndNote --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "UR  - http://example.com; http://www.example.com",
        "UR  - http://example.com;http://www.example.com",
        "UR  - http://example.com http://www.example.com",
    ],
)
def test_several_urls_on_one_ur_line_are_several_links(line: str):
    entry = entry_of(f"TY  - JOUR\nTI  - T\n{line}\nER  - \n", "ris")
    assert [link["url"] for link in entry["links"]] == [
        "http://example.com",
        "http://www.example.com",
    ]


def test_a_semicolon_inside_a_url_does_not_split_it():
    url = "https://doi.org/10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P"
    entry = entry_of(f"TY  - JOUR\nTI  - T\nUR  - {url}\nER  - \n", "ris")
    assert [link["url"] for link in entry["links"]] == [url]


def test_a_url_without_a_scheme_is_read_as_https_with_a_warning():
    row = read_one("TY  - RPRT\nTI  - T\nUR  - www.unodc.org/documents/x.pdf\nER  - \n", "ris")
    assert validate_entry(row.data)["links"][0]["url"] == "https://www.unodc.org/documents/x.pdf"
    assert row.warnings == (
        "URL 'www.unodc.org/documents/x.pdf' has no scheme; read as "
        "https://www.unodc.org/documents/x.pdf",
    )


def test_endnote_record_headers_and_numbers_between_records_are_accepted():
    text = (
        "Record #1 of 2\nProvider: Provider\n1.\nTY  - JOUR\nTI  - One\nER  - \n\n"
        "Record #2 of 2\n2.\nTY  - JOUR\nTI  - Two\nER  - \n"
    )
    rows = read_rows(text.encode(), "ris")
    assert [validate_entry(row.data)["title"] for row in rows] == ["One", "Two"]
    assert rows[1].where == "record 2 (line 10)"
    assert rows[1].raw == "TY  - JOUR\nTI  - Two\nER  - \n"


# --- the citation part ----------------------------------------------------------------


ARTICLE = {
    "id": "sigfridsson",
    "title": "Comparison of methods for deriving atomic charges",
    "type": "research",
    "date": "1998",
    "people": [{"family": "Sigfridsson", "given": "Emma"}],
    "citation": {
        "container-title": "Journal of Computational Chemistry",
        "volume": "19",
        "issue": "4",
        "page": "377-395",
        "ISSN": "0192-8651",
    },
}
REPORT = {
    "id": "unodc-2020",
    "title": "Global Report on Trafficking in Persons 2020",
    "type": "report",
    "date": "2021-02",
    "publisher": "United Nations Office on Drugs and Crime",
    "citation": {
        "collection-title": "Global Reports",
        "number": "E.20.IV.3",
        "ISBN": "978-92-1-130410-4",
        "publisher-place": "Vienna",
    },
}


def test_a_journal_article_goes_out_as_an_article_with_its_journal():
    entry = validate_entry(ARTICLE)
    bibtex = write_entries([entry], "bibtex").decode()
    assert bibtex.startswith("@article{sigfridsson,")
    for line in (
        "journal = {Journal of Computational Chemistry}",
        "volume = {19}",
        "number = {4}",
        "pages = {377-395}",
        "issn = {0192-8651}",
    ):
        assert line in bibtex
    ris = write_entries([entry], "ris").decode()
    assert ris.startswith("TY  - JOUR\r\n")
    for line in ("T2  - Journal of Computational Chemistry", "VL  - 19", "IS  - 4", "SP  - 377"):
        assert line + "\r\n" in ris
    assert "EP  - 395\r\n" in ris and "SN  - 0192-8651\r\n" in ris
    [item] = json.loads(write_entries([entry], "csl-json"))
    assert item["type"] == "article-journal"
    assert {k: item[k] for k in ARTICLE["citation"]} == ARTICLE["citation"]


def test_a_report_goes_out_as_a_techreport_with_its_number():
    entry = validate_entry(REPORT)
    bibtex = write_entries([entry], "bibtex").decode()
    assert bibtex.startswith("@techreport{unodc-2020,")
    for line in ("number = {E.20.IV.3}", "isbn = {978-92-1-130410-4}", "address = {Vienna}"):
        assert line in bibtex
    ris = write_entries([entry], "ris").decode()
    assert ris.startswith("TY  - RPRT\r\n")
    assert "SN  - E.20.IV.3\r\nSN  - 978-92-1-130410-4\r\n" in ris and "CY  - Vienna\r\n" in ris
    [item] = json.loads(write_entries([entry], "csl-json"))
    assert (item["type"], item["number"], item["collection-title"]) == (
        "report",
        "E.20.IV.3",
        "Global Reports",
    )


@pytest.mark.parametrize("fmt", ["csl-json", "ris", "bibtex"])
@pytest.mark.parametrize("raw", [ARTICLE, REPORT], ids=["article", "report"])
def test_each_citation_format_reads_back_the_citation_it_wrote(fmt: str, raw: dict[str, Any]):
    entry = validate_entry(raw)
    [row] = read_rows(write_entries([entry], fmt), fmt)
    back = validate_entry(row.data)
    assert back["citation"] == entry["citation"]
    assert (back["type"], back["title"], back["date"]) == (entry["type"], raw["title"], raw["date"])


# --- what htcat writes, other readers read back ----------------------------------------

SPECIALS = "a | b > c < d ^ e ~ f -- g '' h `` { } \\ & % $ # _ ,, !` Émile Γιώργος"


def test_bibtex_export_uses_text_mode_commands_not_math():
    written = escape("| < > ^ ~")
    assert written == (
        r"\textbar{} \textless{} \textgreater{} \textasciicircum{} \textasciitilde{}"
    )
    assert "ensuremath" not in written


def test_export_then_import_through_bibtexparser_gives_back_the_text():
    entry = validate_entry(
        {
            "id": "t",
            "title": SPECIALS,
            "people": [
                {"family": "Durkheim", "given": "Émile"},
                {"family": "Παπαδόπουλος", "given": "Γιώργος"},
            ],
        }
    )
    text = write_entries([entry], "bibtex").decode()
    assert "\\relax" not in text
    decoding = middlewares.LatexDecodingMiddleware(decoder=latex_decoder())
    library = bibtexparser.parse_string(text, append_middleware=[decoding])
    [found] = library.entries
    assert found["title"] == SPECIALS
    names = bibtexparser.parse_string(
        text,
        append_middleware=[decoding, middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    authors = names.entries[0]["author"]
    assert [(" ".join(a.first), " ".join(a.last)) for a in authors] == [
        ("Émile", "Durkheim"),
        ("Γιώργος", "Παπαδόπουλος"),
    ]
    assert validate_entry(read_rows(text.encode(), "bibtex")[0].data)["title"] == SPECIALS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_escaped_reads_back_as_it_was(text: str):
    assert unescape(escape(text)) == " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\{}$%#~^&_-'` \n\"@=,aZé")), max_size=60))
def test_any_latex_is_read_without_an_error(text: str):
    assert isinstance(unescape(text), str)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('@{}=,#"\\ \nabkt1')), max_size=80))
def test_a_broken_bibtex_file_gives_rows_never_an_exception(text: str):
    source = "@misc{k, title = {T}}\n" + text
    rows = read_rows(source.encode(), "bibtex")
    assert rows and validate_entry(rows[0].data)["title"] == "T"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("TYAUERPI - 0:;./hw\n")), max_size=30)))
def test_a_broken_ris_file_gives_rows_or_one_clear_refusal(lines: list[str]):
    text = "\n".join(lines)
    try:
        rows = read_rows(text.encode(), "ris")
    except InputError as exc:  # no record at all: not an RIS file
        assert "expected a tag line like 'TY  - RPRT'" in str(exc)
    else:
        assert all(isinstance(row, SourceRow) for row in rows)


def test_a_key_used_twice_gives_two_entries_and_a_string_defined_twice_the_later_value():
    text = (
        "@string{j = {Old}}\n@string{j = {New}}\n"
        "@misc{a, title = {One}, publisher = j}\n@misc{a, title = {Two}}\n"
    )
    first, second = read_rows(text.encode(), "bibtex")
    assert (first.data["id"], first.data["publisher"]) == ("a", "New")
    assert "id" not in second.data and second.data["title"] == "Two"
    assert second.warnings == ("key 'a' is used by an earlier record; id made from the title",)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("@misc{a, title = {A},\n\n", "Expected a `=` after entry key, but found `@misc`."),
        ('@misc{a, title = "A}\n', 'Was still looking for field-value closing `"`'),
        ("@misc{a title = {A}}\n", "Expected comma after entry key, but found ="),
    ],
)
def test_a_broken_record_is_named_with_bibtexparsers_reason_and_nothing_is_logged(
    record: str, reason: str, capfd: pytest.CaptureFixture[str]
):
    broken, after = read_rows((record + "@misc{b, title = {B}}\n").encode(), "bibtex")
    [problem] = broken.problems
    assert reason in problem.reason
    assert validate_entry(after.data)["title"] == "B"
    assert capfd.readouterr() == ("", "")


def test_a_file_with_no_ris_record_at_all_is_refused_naming_its_first_line():
    with pytest.raises(
        InputError, match=r"x.ris line 2: expected a tag line like 'TY  - RPRT', not 'title,type'"
    ):
        read_rows(b"\ntitle,type\nA,report\n", "ris", source="x.ris")
    assert read_rows(b"\n\n", "ris") == []


def test_a_file_with_no_bibtex_record_is_refused():
    with pytest.raises(InputError, match=r"x.bib: no BibTeX record \(like @misc"):
        read_rows(b"title,type\nA,report\n", "bibtex", source="x.bib")
    assert read_rows(b"\n", "bibtex") == []
