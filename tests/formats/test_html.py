"""HTML: one self-contained, escaped library page; every entry listed without a script.

What a reader does with the page (typing, filters, paging) is tested in a real
browser under tests/browser/; these tests read the file itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from htcat.formats import write_entries
from htcat.formats.html import date_text, link_view, summary_blocks, write
from htcat.store.file import read_catalog

SEED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)> \"q\" 's' &amp; <!--"


class Page(HTMLParser):
    """The elements of a page, with their attributes, and the raw text of each script."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def entry(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "title": "T", "type": "report", "status": "published", **fields}


def seed_entries() -> list[dict[str, Any]]:
    return list(read_catalog(SEED).entries())


def page_data(text: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="library-data">(.*?)</script>', text, re.S
    )
    assert match, "the entry data is embedded as JSON"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def noscript_part(text: str) -> str:
    return text[text.index('<noscript id="entries">') : text.index("</noscript>")]


def cards(text: str) -> list[str]:
    """Each entry's markup in the page's list, as the page's script cuts them out."""
    return re.findall(r'<article class="entry".*?</article>', noscript_part(text), re.S)


def test_the_shipped_catalog_page_lists_every_entry_without_a_script() -> None:
    text = write(seed_entries()).decode()
    listed = noscript_part(text)
    assert listed.count('<article class="entry"') == 5
    assert "Displaying 1 - 5 of 5" in text
    for e in seed_entries():
        assert f'id="entry-{e["id"]}"' in listed


def test_the_page_has_landmarks_labels_and_a_live_displaying_line() -> None:
    page = Page(write(seed_entries()).decode())
    names = [tag for tag, _ in page.elements]
    assert {"header", "main", "footer"} <= set(names)
    assert page.tags("nav")[0]["aria-label"] == "Pages of results"
    assert page.tags("form")[0]["role"] == "search"
    labelled = {attrs.get("for") for attrs in page.tags("label")}
    for control in page.tags("input") + page.tags("select"):
        if control.get("type") == "checkbox":
            continue  # each checkbox sits inside its <label>
        assert control["id"] in labelled, control
    status = next(a for a in page.tags("p") if a.get("id") == "displaying")
    assert status["aria-live"] == "polite" and status["role"] == "status"
    assert page.tags("html")[0]["lang"] == "en"


def test_the_refine_form_and_sort_are_hidden_until_the_script_shows_them() -> None:
    page = Page(write(seed_entries()).decode())
    assert "hidden" in page.tags("form")[0]
    assert "hidden" in next(a for a in page.tags("div") if a.get("id") == "sorting")


def test_facets_count_entries_by_type_year_and_tag() -> None:
    text = write(seed_entries()).decode()
    assert re.search(
        r'value="information-memorandum"> <span>Information Memorandum '
        r'<span class="count">\(2\)</span>',
        text,
    )
    assert '<option value="2021" data-label="2021">2021 (1)</option>' in text
    assert re.search(
        r'value="labor-trafficking"> <span>labor-trafficking <span class="count">\(3\)', text
    )


def test_the_page_is_self_contained_and_its_csp_allows_only_its_own_style_and_script() -> None:
    text = write(seed_entries()).decode()
    page = Page(text)
    assert not page.tags("link") and not page.tags("img") and not page.tags("iframe")
    assert all("src" not in attrs for attrs in page.tags("script"))
    assert "@import" not in text and "url(" not in text
    csp = next(a["content"] for a in page.tags("meta") if a.get("http-equiv"))
    assert csp is not None and "default-src 'none'" in csp
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    assert style is not None
    script = page.scripts[-1]
    for source in (style.group(1), script):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_hostile_text_is_escaped_in_the_page_and_in_the_embedded_data() -> None:
    hostile = entry(
        title=HOSTILE,
        summary=HOSTILE + "\n\n- " + HOSTILE,
        publisher=HOSTILE,
        tags=[HOSTILE],
        people=[{"name": HOSTILE, "role": "author", "affiliation": HOSTILE}],
        links=[{"url": 'https://x.example/?a=<b>&c="d"', "label": HOSTILE, "kind": "pdf"}],
        audiences=[HOSTILE],
    )
    text = write([hostile]).decode()
    page = Page(text)
    assert len(page.tags("script")) == 2, "no text can open or close a script element"
    assert not page.tags("img")
    assert "onerror=alert(2)>" not in text.replace("onerror=alert(2)&gt;", "")
    data_source = page.scripts[0]
    assert "</" not in data_source and "<!--" not in data_source
    data = page_data(text)
    [card] = cards(text)
    assert not Page(card).tags("img") and not Page(card).tags("script")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in card
    assert data["entries"][0]["tags"] == [HOSTILE]
    assert "script alert 1 script img src x onerror alert 2 q s amp" in data["entries"][0]["text"]
    assert 'href="https://x.example/?a=&lt;b&gt;&amp;c=&#34;d&#34;"' in card


def test_a_link_that_is_not_http_is_shown_as_text_not_as_a_link() -> None:
    text = write([entry(links=[{"url": "javascript:alert(1)", "label": "Click", "kind": "page"}])])
    assert b"javascript:" not in text
    assert b">Click<" not in text  # not the title's link either
    assert link_view({"url": "javascript:alert(1)", "label": "Click"}).url == ""


def test_links_show_their_kind_and_a_label_s_own_pdf_note_is_not_repeated() -> None:
    pdf = link_view(
        {"url": "https://x.example/qa.pdf", "label": "Q&A Responses (PDF)", "kind": "pdf"}
    )
    assert (pdf.text, pdf.note) == ("Q&A Responses", "PDF")
    transcript = link_view(
        {"url": "https://x.example/t.pdf", "label": "Webinar Transcript", "kind": "transcript"}
    )
    assert (transcript.text, transcript.note) == ("Webinar Transcript", "PDF")
    webinar = link_view({"url": "https://x.example/w", "label": "", "kind": "webinar"})
    assert (webinar.text, webinar.note) == ("View Webinar", "")
    unlabelled = link_view({"url": "https://files.example.org/a", "label": "", "kind": "other"})
    assert unlabelled.text == "files.example.org"


def test_the_webinar_of_the_seed_shows_its_pdfs_and_view_webinar() -> None:
    webinar = next(e for e in seed_entries() if e["type"] == "webinar")
    card = cards(write([webinar]).decode())[0]
    assert re.search(r'>Q&amp;A Responses <span class="kind">\(PDF\)</span></a>', card)
    assert re.search(r'>Webinar Transcript <span class="kind">\(PDF\)</span></a>', card)
    assert ">View Webinar</a>" in card
    assert "<dt>Speakers</dt><dd>Gonzalo Martinez de Vedia (Buffett-McCain" in card
    assert "<dt>Moderator</dt><dd>Jenna Novak" in card
    assert card.count("<li>Identify person-centered") == 1, "the summary's bullets are a list"


def test_a_broken_link_is_marked_in_words() -> None:
    check = {"outcome": "broken", "status": 404, "checked": "2026-11-02T03:04:05Z"}
    links = [
        {"url": "https://x.example/", "label": "Page", "kind": "page"},
        {"url": "https://x.example/a.pdf", "label": "Report", "kind": "pdf", "check": check},
        {
            "url": "https://x.example/b.pdf",
            "label": "Fine",
            "kind": "pdf",
            "check": {"outcome": "ok"},
        },
    ]
    card = cards(write([entry(links=links)]).decode())[0]
    assert card.count("Broken link") == 1
    assert re.search(
        r"Report <span class=\"kind\">\(PDF\)</span></a> <strong class=\"broken\">"
        r".*Broken link \(checked 2026-11-02\)</strong>",
        card,
    )


@pytest.mark.parametrize("outcome", ["too-large", "throttled", "changed", "moved"])
def test_a_link_that_is_not_a_failure_is_not_marked_broken(outcome: str) -> None:
    check = {"outcome": outcome, "checked": "2026-11-02T03:04:05Z"}
    link = {"url": "https://x.example/big.pdf", "label": "Scan", "kind": "pdf", "check": check}
    card = cards(write([entry(links=[link])]).decode())[0]
    assert "Broken link" not in card


def test_a_broken_main_link_is_marked_under_the_title() -> None:
    check = {"outcome": "timeout", "checked": "2026-11-02T03:04:05Z"}
    card = cards(
        write(
            [entry(links=[{"url": "https://x.example/", "kind": "page", "check": check}])]
        ).decode()
    )[0]
    assert re.search(r'<p class="title-note"><strong class="broken">.*Broken link', card)


def test_summary_paragraphs_line_breaks_and_bullets() -> None:
    blocks = summary_blocks("One\nline two\n\nIntro:\n- a\n* b\n\n\n• c")
    assert [(b.kind, b.lines) for b in blocks] == [
        ("p", ("One", "line two")),
        ("p", ("Intro:",)),
        ("ul", ("a", "b")),
        ("ul", ("c",)),
    ]


def test_dates_read_as_people_write_them() -> None:
    assert date_text("2021-02-26") == "February 26, 2021"
    assert date_text("2023-02") == "February 2023"
    assert date_text("2020") == "2020"
    assert date_text("") == ""


def test_entries_are_newest_first_and_the_title_order_is_precomputed() -> None:
    entries = [
        entry(id="a", title="Zebra", date="2019"),
        entry(id="b", title="apple", date="2023-01"),
        entry(id="c", title="Émigré", date=""),
    ]
    text = write(entries).decode()
    data = page_data(text)
    assert [e["year"] for e in data["entries"]] == ["2023", "2019", ""]
    titles = [re.search(r"<h3[^>]*>(.*?)</h3>", card, re.S) for card in cards(text)]
    listed = [t.group(1) for t in titles if t]
    assert listed == ["apple", "Zebra", "Émigré"]
    assert [listed[i] for i in data["order"]["title"]] == ["apple", "Émigré", "Zebra"]


def test_internal_notes_never_reach_the_public_page() -> None:
    for include_internal in (False, True):
        text = write([entry(notes="secret plan")], include_internal=include_internal)
        assert b"secret plan" not in text


def test_an_empty_selection_is_still_a_page() -> None:
    text = write([]).decode()
    assert "Displaying 0 of 0" in text
    assert page_data(text)["entries"] == []


def test_the_registry_exports_html_and_knows_its_suffix() -> None:
    from htcat.formats import SUFFIXES

    assert write_entries([entry()], "html").startswith(b"<!doctype html>")
    assert SUFFIXES[".html"] == "html"


def test_starting_htcat_does_not_import_jinja2() -> None:
    code = "import sys, htcat.cli.app, htcat.formats; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["library.html.j2", "entry.html.j2", "library.css", "library.js"])
def test_templates_are_package_data(name: str) -> None:
    from importlib import resources

    assert (resources.files("htcat.formats") / "templates" / name).is_file()


def test_htcat_export_writes_the_page_named_by_the_file_suffix(
    seed_db: Path, cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "library.html"
    result = cli("export", "-o", str(out), "--type", "webinar")
    assert result.exit_code == 0, result.stderr
    text = out.read_text("utf-8")
    assert "Displaying 1 - 1 of 1" in text
    assert noscript_part(text).count('<article class="entry"') == 1
