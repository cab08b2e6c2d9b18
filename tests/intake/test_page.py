"""Reading a landing page's metadata: the saved corpus field by field, and hostile pages."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.intake.content import link_kind
from htcat.intake.decoding import PageError, decode_page
from htcat.intake.page import read_page
from htcat.intake.propose import NO_TYPE_WARNING, propose
from htcat.intake.sources import Source
from htcat.intake.titles import split_site_name
from htcat.people import display_name

from .corpus import CHECKED, EXPECTED, PAGES, misses

URL = "https://www.acf.hhs.gov/otip/training/webinar"


def proposal(html: str, url: str = URL) -> dict[str, object]:
    found = read_page(html.encode(), url)
    made = propose(Source(url, "url", url), [found], options={}, url=url)
    return {"entry": made.entry, "sources": made.sources, "warnings": made.warnings}


def test_the_corpus_holds_thirty_saved_pages_each_with_its_expected_entry() -> None:
    saved = {p.name for p in PAGES.glob("*.html")}
    assert len(saved) >= 30
    assert saved == set(EXPECTED)
    sources = (PAGES / "SOURCES.md").read_text()
    assert all(f"`{name}`" in sources for name in saved)


def test_saved_pages_come_out_as_a_careful_person_wrote_them_but_for_the_recorded_misses() -> None:
    recorded = json.loads((PAGES / "misses.json").read_text())
    assert misses() == recorded
    checked = sum(1 for e in EXPECTED.values() for f in CHECKED if f in e)
    wrong = sum(len(fields) for fields in recorded.values())
    assert checked >= 150 and wrong / checked < 0.15


def test_each_value_says_which_layer_it_came_from() -> None:
    made = proposal(
        """<html><head><title>Ignored | Site</title>
        <meta name="citation_title" content="Highwire Title">
        <meta name="DC.date" content="2021-02-26">
        <meta property="og:site_name" content="Open Graph Site">
        <meta name="keywords" content="Labor Trafficking, Research">
        </head><body></body></html>"""
    )
    entry, sources = made["entry"], made["sources"]
    assert entry["title"] == "Highwire Title"  # type: ignore[index]
    assert sources == {
        "title": "citation",
        "date": "dublin-core",
        "publisher": "open-graph",
        "tags": "meta",
        "type": "default",
        "links": "page",
    }
    assert entry["tags"] == ["labor-trafficking", "research"]  # type: ignore[index]


def test_a_more_trusted_layer_wins_every_field_it_has() -> None:
    html = """<html><head><title>T</title>
      <meta property="og:title" content="Open Graph">
      <script type="application/ld+json">{"@type": "Report", "name": "JSON-LD",
        "datePublished": "2023-02-01", "author": {"@type": "Organization", "name": "OTIP"}}</script>
      <meta name="dcterms.title" content="Dublin Core">
      </head></html>"""
    made = proposal(html)
    entry = made["entry"]
    assert entry["title"] == "Dublin Core"  # type: ignore[index]
    assert entry["type"] == "report"  # type: ignore[index]
    assert entry["date"] == "2023-02-01"  # type: ignore[index]
    assert entry["people"] == [{"literal": "OTIP", "role": "author"}]  # type: ignore[index]


LAYERED = {
    "citation": '<meta name="citation_title" content="citation">',
    "dublin-core": '<meta name="DC.title" content="dublin-core">',
    "json-ld": '<script type="application/ld+json">{"@type": "Report", "name": "json-ld"}</script>',
    "open-graph": '<meta property="og:title" content="open-graph">',
    "title": "<title>title</title>",
}


@pytest.mark.parametrize("top", range(len(LAYERED)))
def test_each_layer_outranks_every_layer_after_it_in_the_order_of_trust(top: int) -> None:
    layers = list(LAYERED)[top:]
    html = "<html><head>" + "".join(LAYERED[layer] for layer in reversed(layers)) + "</head></html>"
    made = proposal(html)
    assert made["entry"]["title"] == layers[0]  # type: ignore[index]
    assert made["sources"]["title"] == layers[0]  # type: ignore[index]


def test_a_page_that_says_nothing_of_its_type_is_other_with_a_warning() -> None:
    made = proposal("<html><head><title>Annual Conference Notes</title></head></html>")
    assert made["entry"]["type"] == "other"  # type: ignore[index]
    assert NO_TYPE_WARNING in made["warnings"]  # type: ignore[operator]


def test_a_webinar_page_gives_speakers_and_its_documents_with_kinds() -> None:
    html = """<html><head><title>Labor Trafficking Webinar | NHTTAC</title>
      <script type="application/ld+json">{"@context": "https://schema.org", "@type": "Event",
        "name": "Labor Trafficking Among Foreign Nationals", "startDate": "2019-06-04T14:00",
        "performer": [{"@type": "Person", "name": "Jenna Novak"}]}</script></head>
      <body><nav><a href="/privacy.pdf">Privacy (PDF)</a></nav>
      <main><p>Materials:</p>
        <a href="/sites/default/files/qa_responses.pdf">Q&amp;A Responses (PDF)</a>
        <a href="/sites/default/files/transcript.pdf">Transcript (PDF)</a>
        <a href="slides.pptx">Presentation slides</a>
        <a href="https://www.youtube.com/watch?v=x">View the recording</a>
        <a href="/about">About us</a>
      </main></body></html>"""
    entry = proposal(html)["entry"]
    assert entry["type"] == "webinar"  # type: ignore[index]
    assert entry["date"] == "2019-06-04"  # type: ignore[index]
    assert entry["people"] == [  # type: ignore[index]
        {"family": "Novak", "given": "Jenna", "role": "speaker"}
    ]
    kinds = [(link["kind"], link["url"]) for link in entry["links"]]  # type: ignore[index]
    assert kinds == [
        ("webinar", URL),
        ("qa", "https://www.acf.hhs.gov/sites/default/files/qa_responses.pdf"),
        ("transcript", "https://www.acf.hhs.gov/sites/default/files/transcript.pdf"),
        ("slides", "https://www.acf.hhs.gov/otip/training/slides.pptx"),
        ("video", "https://www.youtube.com/watch?v=x"),
    ]


SEED_WEBINAR_TEXT = (
    "The National Human Trafficking Training and Technical Assistance Center hosted a "
    "90-minute webinar that explored new tools and research. This webinar was moderated by "
    "Jenna Novak and included Gonzalo Martinez de Vedia (Buffett-McCain Institute Initiative "
    "to Combat Modern Slavery), Makini Chisolm-Straker (Mount Sinai Hospital), and Julissa "
    "Ponce (United States Committee for Refugees and Immigrants) as speakers on the topic."
)
"""The webinar's description on ACF's resource library (the seed catalog's summary)."""


def test_a_webinar_s_moderator_and_speakers_are_read_from_its_description() -> None:
    html = f"""<html><head><title>Labor Trafficking Webinar | NHTTAC</title></head>
      <body><main><p>{SEED_WEBINAR_TEXT}</p>
      <a href="https://nhttac.acf.hhs.gov/resources/w">View Webinar</a></main></body></html>"""
    made = proposal(html)
    people = made["entry"]["people"]  # type: ignore[index]
    assert [(display_name(p), p["role"], p.get("affiliation", "")) for p in people] == [
        ("Jenna Novak", "moderator", ""),
        (
            "Gonzalo Martinez de Vedia",
            "speaker",
            "Buffett-McCain Institute Initiative to Combat Modern Slavery",
        ),
        ("Makini Chisolm-Straker", "speaker", "Mount Sinai Hospital"),
        ("Julissa Ponce", "speaker", "United States Committee for Refugees and Immigrants"),
    ]
    assert made["sources"]["people"] == "text"  # type: ignore[index]
    assert made["entry"]["links"][1]["kind"] == "webinar"  # type: ignore[index]


def test_role_lines_name_a_webinar_s_people() -> None:
    html = """<html><head><title>Webinar: Screening for Trafficking</title></head><body><main>
      <p>Moderator: Jenna Novak, NHTTAC</p>
      <ul><li>Speakers: Makini Chisolm-Straker, Mount Sinai Hospital; Julissa Ponce, USCRI</li></ul>
      </main></body></html>"""
    people = proposal(html)["entry"]["people"]  # type: ignore[index]
    assert [(p["family"], p["role"], p["affiliation"]) for p in people] == [
        ("Novak", "moderator", "NHTTAC"),
        ("Chisolm-Straker", "speaker", "Mount Sinai Hospital"),
        ("Ponce", "speaker", "USCRI"),
    ]


def test_speakers_in_words_are_not_read_on_a_page_that_is_no_webinar() -> None:
    html = f"<html><head><title>News</title></head><body><p>{SEED_WEBINAR_TEXT}</p></body></html>"
    assert "people" not in proposal(html)["entry"]  # type: ignore[operator]


def test_a_title_keeps_its_words_when_the_page_names_the_type_in_it() -> None:
    made = proposal("<html><head><title>Information Memorandum: Forced Labor | ACF</title></head>")
    assert made["entry"]["type"] == "information-memorandum"  # type: ignore[index]
    assert made["sources"]["type"] == "title"  # type: ignore[index]


@pytest.mark.parametrize(
    ("title", "names", "expected"),
    [
        (
            "Serve and Remember | whitehouse.gov",
            ["obamawhitehouse.archives.gov"],
            ("Serve and Remember", "whitehouse.gov"),
        ),
        ("Agencies (A): USA.gov", ["usa.gov"], ("Agencies (A)", "USA.gov")),
        (
            "Python Insider: Python 3.6.0 is now available!",
            ["blog.python.org", "python"],
            ("Python 3.6.0 is now available!", "Python Insider"),
        ),
        (
            "Lens Opens (U.S. National Park Service)",
            ["nps.gov", "nps"],
            ("Lens Opens", "U.S. National Park Service"),
        ),
        (
            "Dylann Roof Convicted : The Two-Way : NPR",
            ["npr.org", "npr"],
            ("Dylann Roof Convicted : The Two-Way", "NPR"),
        ),
        ("A report - with a dash", ["example.org"], ("A report - with a dash", "")),
        (
            "Berlin confronts its past | DW | 19.01.2020",
            ["dw.com", "dw"],
            ("Berlin confronts its past", "DW"),
        ),
    ],
)
def test_the_site_name_comes_off_a_title(
    title: str, names: list[str], expected: tuple[str, str]
) -> None:
    assert split_site_name(title, names) == expected


def test_script_in_a_title_is_kept_as_text() -> None:
    made = proposal("<html><head><title><script>alert(1)</script> Report</title></head></html>")
    assert made["entry"]["title"] == "<script>alert(1)</script> Report"  # type: ignore[index]


def test_a_charset_that_lies_is_refused_naming_it() -> None:
    body = '<html><head><meta charset="utf-8"><title>Caf\u00e9</title></head></html>'.encode(
        "cp1252"
    )
    with pytest.raises(PageError, match=r"says its charset is utf-8, but byte 44 is not utf-8"):
        read_page(body, URL)


def test_a_page_with_no_charset_falls_back_as_browsers_do() -> None:
    body = "<html><head><title>Caf\u00e9</title></head></html>".encode("cp1252")
    assert read_page(body, URL).values["title"]["title"] == "Caf\u00e9"


def test_a_header_charset_is_believed_over_the_page() -> None:
    body = '<html><head><meta charset="utf-8"><title>Caf\u00e9</title>'.encode("latin-1")
    assert "Caf\u00e9" in decode_page(body, "text/html; charset=ISO-8859-1")


def test_a_page_of_many_megabytes_is_refused() -> None:
    body = b"<html><head><title>x</title></head><body>" + b"a" * (6 * 1024 * 1024)
    with pytest.raises(PageError, match=r"more than a landing page's 5,242,880"):
        read_page(body, URL)


@pytest.mark.parametrize("body", [b"\x00\x01\x02binary" * 100, b"just words, no markup", b""])
def test_a_body_that_is_no_html_is_refused(body: bytes) -> None:
    with pytest.raises(PageError):
        read_page(body, URL)


def test_a_meta_refresh_is_read_against_the_page() -> None:
    html = '<html><head><meta http-equiv="Refresh" content="0; URL=../new/page"></head></html>'
    assert read_page(html.encode(), URL).refresh == "https://www.acf.hhs.gov/otip/new/page"


def test_a_broken_json_ld_block_is_skipped_with_a_warning() -> None:
    html = '<html><head><title>T</title><script type="application/ld+json">{"@type": </script>'
    found = read_page(html.encode(), URL)
    assert "json-ld" not in found.values
    assert found.warnings == ["a JSON-LD block of the page is not valid JSON; skipped"]


def test_a_doi_in_the_page_is_found() -> None:
    html = '<html><head><meta name="citation_doi" content="doi:10.1093/AJAE/aaq063."></head></html>'
    assert read_page(html.encode(), URL).doi == "10.1093/ajae/aaq063"


@pytest.mark.parametrize(
    ("text", "url", "kind"),
    [
        ("Q&A Responses (PDF)", "/a.pdf", "qa"),
        ("Download", "/webinar_qa_responses.pdf", "qa"),
        ("Transcript", "/t.pdf", "transcript"),
        ("Transcript", "/t.html", "transcript"),
        ("Transcript (Word)", "/t.docx", "other"),
        ("Slides (PDF)", "/deck", "slides"),
        ("Slides", "/deck.pptx", "slides"),
        ("Slides", "/deck.docx", "other"),
        ("Watch the recording", "https://vimeo.com/1", "video"),
        ("View Webinar", "https://nhttac.acf.hhs.gov/resources/webinar", "webinar"),
        ("Report (PDF)", "/report", "pdf"),
        ("Read the Q&A with the author", "/interview", None),
        ("About", "/about", None),
    ],
)
def test_a_link_kind_comes_from_its_text_or_file_name(
    text: str, url: str, kind: str | None
) -> None:
    assert link_kind(text, "https://example.org" + url) == kind


@given(st.binary(max_size=2000))
def test_any_bytes_give_findings_or_a_page_error(body: bytes) -> None:
    try:
        found = read_page(body, URL)
    except PageError:
        return
    assert all(isinstance(values, dict) for values in found.values.values())
