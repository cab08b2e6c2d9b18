"""Proposals against the catalog: duplicates, conflicts, and filling only what is empty."""

from __future__ import annotations

from html import escape
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from htcat.intake.adding import Failed, fill_empty, plan_adds
from htcat.intake.decoding import PageError
from htcat.intake.findings import Findings
from htcat.intake.page import read_page
from htcat.intake.propose import Proposal, csl_findings, propose
from htcat.intake.sources import Source

URL = "https://www.acf.hhs.gov/otip/report/htla-class-6"


def proposal(url: str = URL, title: str = "HTLA Class 6", **more: Any) -> Proposal:
    found = Findings()
    found.put("citation", "title", title)
    found.put("citation", "type", "report")
    return propose(Source(url, "url", url), [found], options={}, url=url, **more)


def test_a_new_resource_is_added() -> None:
    (step,) = plan_adds([proposal()], [], "fail")
    assert step.action == "add" and step.entry is not None
    assert [(link["url"], link["kind"]) for link in step.entry["links"]] == [(URL, "page")]


def test_a_matching_entry_refuses_skips_or_updates() -> None:
    stored = {
        "id": "htla",
        "title": "Mine",
        "type": "other",
        "links": [{"url": URL.replace("https://www.acf", "HTTPS://WWW.ACF") + "/"}],
    }
    assert plan_adds([proposal()], [stored], "fail")[0].action == "refuse"
    assert plan_adds([proposal()], [stored], "skip")[0].action == "skip"
    (step,) = plan_adds([proposal()], [stored], "update")
    assert step.action == "update" and step.entry is not None
    assert (step.entry["title"], step.entry["type"]) == ("Mine", "report")
    assert step.changes == [("type", "other", "report")]


def test_an_entry_matching_two_existing_ones_is_refused() -> None:
    doi = "10.5555/x"
    entries = [
        {"id": "a", "title": "A", "links": [{"url": URL}]},
        {"id": "b", "title": "B", "links": [{"url": f"https://doi.org/{doi}"}]},
    ]
    (step,) = plan_adds([proposal(doi=doi)], entries, "update")
    assert step.action == "refuse"
    assert step.duplicates == ["a", "b"]


def test_the_same_document_hash_is_a_duplicate() -> None:
    check = {"sha256": "ab" * 32}
    stored = {"id": "doc", "title": "D", "links": [{"url": "https://x.org/d.pdf", "check": check}]}
    (step,) = plan_adds(
        [proposal(url="https://y.org/copy.pdf", sha256="ab" * 32)], [stored], "fail"
    )
    assert step.duplicates == ["doc"]


def test_two_sources_for_one_resource_add_it_once() -> None:
    steps = plan_adds([proposal(), proposal(url=URL + "/")], [], "fail")
    assert [s.action for s in steps] == ["add", "skip"]
    assert steps[1].reason == "the same resource as source 1"


def test_a_failed_source_is_kept_as_its_reason() -> None:
    (step,) = plan_adds([Failed("x", "x: HTTP 404 Not Found")], [], "fail")
    assert (step.action, step.reason) == ("failed", "x: HTTP 404 Not Found")


def test_fill_empty_keeps_a_person_s_values_unless_named() -> None:
    stored = {"id": "e", "title": "Mine", "summary": "", "tags": [], "status": "draft"}
    proposed = {"title": "Theirs", "summary": "S", "tags": ["a"], "status": "published"}
    new, changes = fill_empty(stored, proposed)
    assert new == {"id": "e", "title": "Mine", "summary": "S", "tags": ["a"], "status": "draft"}
    assert [c[0] for c in changes] == ["summary", "tags"]
    new, _ = fill_empty(stored, proposed, overwrite=["title"])
    assert new["title"] == "Theirs"


def test_the_doi_record_outranks_the_page() -> None:
    page = Findings()
    page.put("citation", "title", "Page title")
    page.put("open-graph", "publisher", "Site")
    record = csl_findings({"type": "article-journal", "title": "Record title", "genre": ""})
    made = propose(Source(URL, "url", URL), [record, page], options={}, url=URL)
    assert made.entry["title"] == "Record title"
    assert made.sources["title"] == "doi"
    assert made.sources["publisher"] == "open-graph"
    assert made.entry["type"] == "research"


@given(
    title=st.text(max_size=80),
    keywords=st.text(max_size=80),
    author=st.text(max_size=40),
    date=st.text(max_size=30),
)
def test_whatever_a_page_says_the_proposal_is_added_or_refused_with_a_reason(
    title: str, keywords: str, author: str, date: str
) -> None:
    html = (
        f'<html><head><meta name="citation_title" content="{escape(title)}">'
        f'<meta name="keywords" content="{escape(keywords)}">'
        f'<meta name="author" content="{escape(author)}">'
        f'<meta name="DC.date" content="{escape(date)}"></head></html>'
    )
    try:
        found = read_page(html.encode("utf-8", "surrogatepass"), URL)
    except PageError as exc:  # NULs enough to be binary
        assert str(exc)
        return
    made = propose(Source(URL, "url", URL), [found], options={}, url=URL)
    (step,) = plan_adds([made], [], "fail")
    assert step.action in ("add", "refuse")
    if step.action == "add":
        assert step.entry is not None and step.entry["title"]
    else:
        assert step.reason


def test_a_crossref_abstract_loses_its_jats_markup() -> None:
    item = {
        "type": "article-journal",
        "title": "T",
        "abstract": "<jats:title>Abstract</jats:title><jats:p>Forced labor &amp; "
        "<jats:italic>agriculture</jats:italic>.</jats:p><jats:p>Second.</jats:p>",
    }
    summary = csl_findings(item).values["doi"]["summary"]
    assert summary == "Forced labor & agriculture.\n\nSecond."


def test_an_update_adds_the_links_the_entry_does_not_hold_and_keeps_its_own() -> None:
    """The page an entry links to now links a PDF: the PDF is added, the page's link (held
    with another spelling and a label a person wrote) is left as it is."""
    own = {"url": "HTTP://Example.org/report/", "label": "Our label", "kind": "page"}
    stored = {"id": "r", "title": "Report", "links": [own]}
    pdf = {"url": "https://example.org/report.pdf", "label": "PDF", "kind": "pdf"}
    page = {"url": "http://example.org/report", "label": "Report", "kind": "page"}
    new, changes = fill_empty(stored, {"links": [page, pdf]})
    assert new["links"] == [own, pdf]
    assert changes == [("links", [own], [own, pdf])]
    assert fill_empty(new, {"links": [page, pdf]}) == (new, [])  # nothing more to add
    replaced, _ = fill_empty(stored, {"links": [pdf]}, overwrite=["links"])
    assert replaced["links"] == [pdf]
