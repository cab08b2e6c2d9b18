"""The library page as a reader uses it: type, filter, sort, page, with and without a script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from helpers import SEED, entries_in, write_catalog
from htcat.store.file import read_catalog

from .conftest import GENERATED, export_page
from .synthetic import synthetic_entries

pytestmark = pytest.mark.slow  # a real Chromium for each test

Opener = Any


def titles(page: Page) -> list[str]:
    return page.locator("#list article.entry h3").all_inner_texts()


def displaying(page: Page) -> str:
    return page.locator("#displaying").inner_text()


def test_the_shipped_catalog_shows_five_entries(pages: Opener, seed_page: str) -> None:
    page = pages(seed_page)
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 5 of 5")
    assert len(titles(page)) == 5
    expect(
        page.get_by_text("Further refine results by entering a keyword or selecting filters.")
    ).to_be_visible()
    expect(page.locator("#pager")).to_be_hidden()
    webinar = page.locator("article", has_text="NHTTAC Webinar")
    expect(webinar.get_by_role("link", name="View Webinar")).to_be_visible()
    expect(webinar.get_by_role("link", name="Webinar Transcript (PDF)")).to_be_visible()


def test_typing_webinar_leaves_the_one_webinar(pages: Opener, seed_page: str) -> None:
    page = pages(seed_page)
    page.locator("#keyword").press_sequentially("webinar")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    assert titles(page) == [
        "Labor Trafficking Among Foreign Nationals and Migrant Workers: "
        "New Tools and Research (NHTTAC Webinar)"
    ]


def test_keywords_ignore_case_and_accents_and_all_words_must_match(
    pages: Opener, seed_page: str
) -> None:
    page = pages(seed_page)
    keyword = page.locator("#keyword")
    keyword.fill("WÉBINÂR")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    keyword.fill("labor trafficking")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 3 of 3")
    keyword.fill("labor trafficking htla")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    keyword.fill('"leadership academy"')
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    keyword.fill("nothing-like-this")
    expect(page.locator("#displaying")).to_have_text("Displaying 0 of 0")
    expect(page.locator("#list")).to_contain_text("No resources match")


def test_a_type_filter_chosen_from_the_keyboard_narrows_and_recounts(
    pages: Opener, seed_page: str
) -> None:
    page = pages(seed_page)
    types = page.get_by_role("group", name="Type")
    box = types.get_by_role("checkbox", name="Information Memorandum")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 2 of 2")
    assert all(t.startswith("Information Memorandum") for t in titles(page))
    # Other types still count what choosing them would show; years count within the type.
    expect(types.get_by_role("checkbox", name="Webinar (1)")).to_be_visible()
    expect(page.locator("#year option[value='2023']")).to_have_text("2023 (1)")
    expect(page.locator("#year option[value='2019']")).to_have_text("2019 (0)")
    types.get_by_role("checkbox", name="Report").check()
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 3 of 3")


def test_year_and_tag_filters(pages: Opener, seed_page: str) -> None:
    page = pages(seed_page)
    page.get_by_label("Year").select_option("2021")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    page.get_by_label("Year").select_option("")
    tag_group = page.get_by_role("group", name="Tag")
    tag_group.get_by_role("checkbox", name="labor-trafficking").check()
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 3 of 3")
    page.get_by_role("button", name="Show all tags").click()
    tag_group.get_by_role("checkbox", name="webinar (1)").check()
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    page.get_by_role("button", name="Clear keyword and filters").click()
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 5 of 5")


def test_sorting_by_date_and_title(pages: Opener, seed_page: str) -> None:
    page = pages(seed_page)
    newest = titles(page)
    assert newest[0].startswith("Information Memorandum: Federal Cases")  # 2023-02
    assert newest[-1].startswith("Research & Policy")  # 2017-06
    page.get_by_label("Sort Results").select_option("date-asc")
    assert titles(page) == newest[::-1]
    page.get_by_label("Sort Results").select_option("title-asc")
    assert titles(page) == sorted(newest, key=str.casefold)
    page.get_by_label("Sort Results").select_option("title-desc")
    assert titles(page) == sorted(newest, key=str.casefold, reverse=True)


def test_paging_forward_and_back(pages: Opener, generated_page: str) -> None:
    page = pages(generated_page)
    expect(page.locator("#displaying")).to_have_text(f"Displaying 1 - 10 of {GENERATED}")
    first = titles(page)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#displaying")).to_have_text(f"Displaying 11 - 20 of {GENERATED}")
    assert len(titles(page)) == 10 and not set(titles(page)) & set(first)
    expect(page.locator("#results-heading")).to_be_focused()
    expect(page.get_by_role("button", name="Page 2")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Page 3").click()
    expect(page.locator("#displaying")).to_have_text(f"Displaying 21 - {GENERATED} of {GENERATED}")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#displaying")).to_have_text(f"Displaying 11 - 20 of {GENERATED}")
    page.locator("#keyword").press_sequentially("webinar")
    expect(page.locator("#displaying")).to_contain_text("Displaying 1 - ")


def test_without_a_script_every_entry_is_listed_and_the_filters_are_hidden(
    pages: Opener, seed_page: str, generated_page: str
) -> None:
    page = pages(seed_page, script=False)
    expect(page.locator("article.entry")).to_have_count(5)
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 5 of 5")
    expect(page.locator("#refine")).to_be_hidden()
    expect(page.locator("#sorting")).to_be_hidden()
    page = pages(generated_page, script=False)
    expect(page.locator("article.entry")).to_have_count(GENERATED)
    for article in page.locator("article.entry").all()[::9]:
        expect(article).to_be_visible()


def test_hostile_text_shows_as_text_and_never_runs(pages: Opener, tmp_path: Path) -> None:
    hostile = (
        '</script><script>alert(1)</script><img src=x onerror="alert(2)"> {"a": "</noscript>"}'
    )
    entry = {
        "id": "hostile",
        "title": hostile,
        "type": "report",
        "summary": hostile + "\n\n- " + hostile,
        "tags": ["<b>x</b>"],
        "people": [{"literal": hostile, "role": "author"}],
        "links": [{"url": "https://x.example/a.pdf", "label": hostile, "kind": "pdf"}],
    }
    page = pages(export_page(tmp_path / "hostile.html", [entry, {**entry, "id": "second"}]))
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 2 of 2")
    assert titles(page) == [hostile, hostile]
    expect(page.locator("#list img")).to_have_count(0)
    page.locator("#keyword").fill("onerror alert")
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 2 of 2")


def test_a_broken_link_is_marked_in_text(pages: Opener, tmp_path: Path) -> None:
    check = {"outcome": "broken", "status": 404, "checked": "2026-11-02T03:04:05Z"}
    entry = {
        "id": "r",
        "title": "Report",
        "type": "report",
        "links": [
            {"url": "https://x.example/", "kind": "page"},
            {
                "url": "https://x.example/a.pdf",
                "label": "Full report",
                "kind": "pdf",
                "check": check,
            },
        ],
    }
    page = pages(export_page(tmp_path / "broken.html", [entry]))
    item = page.locator(".links li", has_text="Full report")
    expect(item).to_contain_text("Broken link (checked 2026-11-02)")


def test_the_skip_link_and_tab_order_reach_the_results(pages: Opener, seed_page: str) -> None:
    page = pages(seed_page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to results")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#keyword")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_be_focused()


CONTRAST = """
(selectors) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return selectors.map((sel) => {
    const el = document.querySelector(sel);
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    return [sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
"""


def test_text_contrast_is_at_least_7_to_1(pages: Opener, tmp_path: Path) -> None:
    check = {"outcome": "broken", "checked": "2026-11-02T03:04:05Z"}
    entry = {
        "id": "r",
        "title": "Report",
        "type": "report",
        "date": "2021",
        "tags": ["t"],
        "links": [
            {"url": "https://x.example/", "kind": "page"},
            {"url": "https://x.example/a.pdf", "label": "A", "kind": "pdf", "check": check},
        ],
    }
    page = pages(export_page(tmp_path / "contrast.html", [entry]))
    selectors = [
        "body",
        ".banner h1",
        ".banner p",
        "#refine-help",
        ".count",
        "#displaying",
        ".entry h3 a",
        ".meta",
        ".type",
        ".facts",
        ".links a",
        ".broken",
        ".site-footer",
    ]
    ratios = dict(page.evaluate(CONTRAST, selectors))
    assert {sel: r for sel, r in ratios.items() if r < 7} == {}, ratios


def test_deleting_letters_widens_the_matches_again(pages: Opener, generated_page: str) -> None:
    page = pages(generated_page)
    keyword = page.locator("#keyword")
    keyword.press_sequentially("health")
    wide = displaying(page)
    assert wide != f"Displaying 1 - 10 of {GENERATED}"
    keyword.press_sequentially(" qqq")
    expect(page.locator("#displaying")).to_have_text("Displaying 0 of 0")
    for _ in range(4):
        keyword.press("Backspace")
    expect(page.locator("#displaying")).to_have_text(wide)
    keyword.press("Control+A")
    keyword.press("Backspace")
    expect(page.locator("#displaying")).to_have_text(f"Displaying 1 - 10 of {GENERATED}")


SEARCHES = [
    "trafficking OR exploitation",
    '"forced labor" -webinar',
    "survivor leaders",
    "policymakers -research",
    'migrant OR "supply chain" -webinar',
    "labor trafficking OR htla",
    "-health",
    "OR",
    "webinar OR",
    "Q&A",
    "LAW OR enforcement -café",
]
"""Queries with OR, exclusions, phrases, audiences and link labels; the CLI's answers decide."""


def cli_titles(cli: Any, catalog: Path, query: str) -> list[str]:
    result = cli("list", "--sort", "title", "--format", "json", "--query", query, db_path=catalog)
    assert result.exit_code == 0, result.stderr
    return [e["title"] for e in json.loads(result.stdout)]


def test_the_keyword_box_finds_what_htcat_search_finds(
    pages: Opener, cli: Any, tmp_path: Path
) -> None:
    """On the shipped entries and generated ones, in one catalog."""
    entries = [*read_catalog(SEED).entries(), *synthetic_entries(GENERATED)]
    db = write_catalog(tmp_path / "catalog.json", entries)
    page = pages(export_page(tmp_path / "library.html", list(entries_in(db).values())))
    keyword = page.locator("#keyword")
    page.get_by_label("Sort Results").select_option("title-asc")
    for query in SEARCHES:
        keyword.fill(query)
        wanted = cli_titles(cli, db, query)
        count = len(wanted)
        expect(page.locator("#displaying")).to_have_text(
            f"Displaying 1 - {min(count, 10)} of {count}" if count else "Displaying 0 of 0"
        )
        assert titles(page) == wanted[:10], query


def test_typing_a_query_with_or_and_minus_narrows_only_where_it_may(
    pages: Opener, cli: Any, seed_page: str
) -> None:
    page = pages(seed_page)
    query = 'survivor OR migrant -webinar "leaders'
    page.locator("#keyword").press_sequentially(query)
    wanted = cli_titles(cli, SEED, query)
    assert len(wanted) == 1
    expect(page.locator("#displaying")).to_have_text("Displaying 1 - 1 of 1")
    assert titles(page) == wanted
