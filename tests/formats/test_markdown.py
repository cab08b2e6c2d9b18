"""Markdown: readable, grouped by type, and no catalog text can break its structure."""

from __future__ import annotations

import html as htmllib
import re
import subprocess

from htcat.formats.markdown import escape_block, escape_inline, link_target, write


def entry(**fields: object) -> dict[str, object]:
    return {"id": "x", "title": "T", "type": "report", "status": "published", **fields}


def test_entries_are_grouped_by_type_in_type_order_with_counts():
    text = write([entry(title="R1"), entry(title="W", type="webinar"), entry(title="R2")]).decode()
    assert text.index("## Reports (2)") < text.index("### R1") < text.index("### R2")
    assert text.index("### R2") < text.index("## Webinars (1)") < text.index("### W")
    assert text.startswith("# Resource library\n\n3 resources.\n")


def test_links_are_listed_with_label_and_kind():
    text = write(
        [entry(links=[{"url": "https://x.example/a.pdf", "label": "Full", "kind": "pdf"}])]
    )
    assert b"- [Full](<https://x.example/a.pdf>) (pdf)" in text


def test_a_title_cannot_inject_html_links_or_emphasis():
    text = write([entry(title="<script>alert(1)</script> [x](http://evil) *b* _i_")]).decode()
    assert "<script>" not in text
    assert "### \\<script\\>alert(1)\\</script\\> \\[x\\](http://evil) \\*b\\* \\_i\\_" in text


def test_a_summary_cannot_start_headings_lists_quotes_or_code():
    text = escape_block(
        "# not a heading\n- not a list\n> not a quote\n    not code\n1. not ordered"
    )
    assert text.split("  \n") == [
        "\\# not a heading",
        "\\- not a list",
        "\\> not a quote",
        "not code",
        "1\\. not ordered",
    ]


def test_a_summary_keeps_its_paragraphs():
    assert escape_block("one\ntwo\n\n\nthree") == "one  \ntwo\n\nthree"


def test_entities_and_table_pipes_are_escaped():
    assert escape_inline("AT&T &amp; a|b") == "AT&T \\&amp; a\\|b"


def test_a_url_cannot_end_its_link_early():
    assert link_target("https://x.example/a b>c<d") == "<https://x.example/a%20b%3Ec%3Cd>"


def test_notes_only_with_include_internal():
    assert b"secret" not in write([entry(notes="secret")])
    assert b"> secret" in write([entry(notes="secret")], include_internal=True)


def test_unpublished_entries_say_so():
    assert b"*2020 \xc2\xb7 HHS \xc2\xb7 draft*" in write(
        [entry(date="2020", publisher="HHS", status="draft")]
    )


PANDOC_TEXT = 'Cost $5 or $x^2$ @SUM(A1) [@doe] it\'s "q" -- a... ^sup^ ~sub~ {.red} 2 < 3 \\(y\\)'


def pandoc_html(markdown: bytes) -> str:
    done = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "html"],
        input=markdown,
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert not done.stderr, done.stderr.decode()
    return done.stdout.decode()


def test_pandoc_renders_every_character_literally_in_its_own_markdown():
    people = [{"family": "Doe", "given": "@jane $1", "role": "author"}]
    summary = f": {PANDOC_TEXT}\n(@) x\n\na. x\n\niv) x\n\n(b) x"
    markdown = write([entry(title=PANDOC_TEXT, summary=summary, people=people)])
    html = pandoc_html(markdown)
    assert 'class="math' not in html and 'class="citation' not in html
    assert "<sup>" not in html and "<sub>" not in html and "<dl>" not in html
    assert "<ol" not in html
    text = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", html)).split())
    assert f": {PANDOC_TEXT}" in text and "(@) x" in text and "@jane $1 Doe" in text
