"""``htcat add --from``: saved pages, PDFs and DOIs from a site on 127.0.0.1, into the catalog."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import HTCAT, RunCli, entries_in, write_catalog
from helpers.intake_site import IntakeSite, pdf_with_text
from htcat.links.config import default_user_agent

PDFS = Path(__file__).parents[1] / "intake" / "pdfs"
DOI = "10.1093/ajae/aaq063"
CSL = {
    "type": "report",
    "container-title": "American Journal of Agricultural Economics",
    "volume": "93",
    "title": "Labor Trafficking in the Agricultural Sector",
    "issued": {"date-parts": [[2011, 3]]},
    "author": [{"family": "Martinez de Vedia", "given": "Gonzalo"}],
    "publisher": "Oxford University Press",
    "DOI": DOI,
    "URL": "https://academic.oup.com/ajae/article/93/2/1/100",
}


@pytest.fixture(scope="module")
def site() -> Iterator[IntakeSite]:
    running = IntakeSite().start()
    running.csl[DOI] = CSL
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _resolver(site: IntakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTCAT_DOI_RESOLVER", site.url("/doi/"))


def records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_a_saved_page_becomes_an_entry_with_its_links(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    url = site.url("/pages/phys.org.tool.html")
    result = cli("add", "--from", url)
    assert result.exit_code == 0, result.stderr
    (entry,) = entries_in(empty_db).values()
    assert entry["title"].startswith("Flint flake tool partially covered by birch tar")
    assert entry["date"] == "2019-10-22"
    assert entry["people"][0]["family"] == "Yirka"
    assert (
        entry["links"][0] == {"url": url, "kind": "page", "label": ""}
        or entry["links"][0]["url"] == url
    )
    assert entry["type"] == "other"
    assert "nothing in the source says what type" in result.stderr
    assert entry["id"] in result.stdout


def test_dry_run_json_shows_each_value_s_source_and_writes_nothing(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    before = empty_db.read_bytes()
    url = site.url("/pages/nature.com.telescope.html")
    result = cli("add", "--from", url, "--dry-run", "--format", "json", "--type", "research")
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["action"] == "add"
    assert record["duplicates"] == []
    assert record["sources"]["type"] == "option"
    assert record["sources"]["date"] == "dublin-core"
    assert record["entry"]["title"] == "Gigantic Chinese telescope opens to astronomers worldwide"
    assert empty_db.read_bytes() == before


def test_several_sources_are_added_in_one_write(
    site: IntakeSite, cli: RunCli, empty_db: Path, count_writes: list[Path]
) -> None:
    pages = ("github.blog.spiceland.html", "salon.com.emissions.html", "theverge.com.ios13.html")
    args = [a for page in pages for a in ("--from", site.url(f"/pages/{page}"))]
    result = cli("add", *args, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["action"] for r in records(result.stdout)] == ["add", "add", "add"]
    assert len(entries_in(empty_db)) == 3
    assert count_writes == [empty_db]


def test_sources_come_one_a_line_from_standard_input(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    lines = f"{site.url('/pages/lemire.me.json.html')}\n# a comment\n\n{DOI}\n"
    result = cli("add", "--from", "-", "--format", "jsonl", input=lines)
    assert result.exit_code == 0, result.stderr
    titles = sorted(e["title"] for e in entries_in(empty_db).values())
    assert titles == [
        "JSON parsing: simdjson vs. JSON for Modern C++",
        "Labor Trafficking in the Agricultural Sector",
    ]


def test_a_doi_is_resolved_to_csl_json_through_the_importer(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    site.accepts.clear()
    result = cli("add", "--from", f"doi:{DOI.upper()}", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    entry = record["entry"]
    assert entry["type"] == "report"
    assert entry["date"] == "2011-03"
    assert entry["people"][0]["family"] == "Martinez de Vedia"
    assert {link["url"] for link in entry["links"]} == {
        "https://academic.oup.com/ajae/article/93/2/1/100",
        f"https://doi.org/{DOI}",
    }
    assert set(record["sources"].values()) == {"doi"}
    assert entry["citation"] == {
        "container-title": "American Journal of Agricultural Economics",
        "volume": "93",
    }
    assert site.accepts == ["application/vnd.citationstyles.csl+json"]


def test_the_resolver_comes_from_htcat_toml_when_the_environment_names_none(
    site: IntakeSite, cli: RunCli, empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTCAT_DOI_RESOLVER")
    (empty_db.parent / "htcat.toml").write_text(f'[intake]\ndoi_resolver = "{site.url("/doi")}"\n')
    result = cli("add", "--from", DOI, "--dry-run", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[0]["entry"]["title"].startswith("Labor Trafficking")


def test_requests_carry_the_link_client_s_user_agent(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    site.agents.clear()
    cli("add", "--from", site.url("/pages/blog.python.org.html"), "--dry-run")
    assert site.agents == [default_user_agent()]
    (empty_db.parent / "htcat.toml").write_text('[links]\nuser_agent = "Library bot 1.0"\n')
    site.agents.clear()
    cli("add", "--from", site.url("/pages/blog.python.org.html"), "--dry-run")
    assert site.agents == ["Library bot 1.0"]


def test_the_policy_s_per_host_limit_holds_across_many_sources(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    (empty_db.parent / "htcat.toml").write_text('[links.hosts]\n"127.0.0.1" = { per_host = 1 }\n')
    site.peak = 0
    pages = sorted(p.name for p in (Path(__file__).parents[1] / "intake" / "pages").glob("*.html"))
    lines = "".join(site.url(f"/slow/{name}") + "\n" for name in pages[:6])
    result = cli("add", "--from", "-", "--dry-run", "--format", "jsonl", input=lines)
    assert result.exit_code == 0, result.stderr
    assert len(records(result.stdout)) == 6
    assert site.peak == 1


def test_a_busy_host_s_retry_after_is_obeyed(site: IntakeSite, cli: RunCli, empty_db: Path) -> None:
    path = "/busy/t1/wikimediafoundation.org.turkey.html"
    result = cli("add", "--from", site.url(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert site.hits[path] == 2


def test_a_permanent_redirect_links_where_the_page_moved(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    result = cli("add", "--from", site.url("/moved/caktusgroup.com.django.html"))
    assert result.exit_code == 0, result.stderr
    (entry,) = entries_in(empty_db).values()
    assert entry["links"][0]["url"] == site.url("/pages/caktusgroup.com.django.html")


def test_a_meta_refresh_is_followed_to_the_page_it_names(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    result = cli("add", "--from", site.url("/refresh-to/lemire.me.json.html"))
    assert result.exit_code == 0, result.stderr
    (entry,) = entries_in(empty_db).values()
    assert entry["title"] == "JSON parsing: simdjson vs. JSON for Modern C++"
    assert entry["links"][0]["url"] == site.url("/pages/lemire.me.json.html")


def test_an_existing_url_refuses_the_add_naming_the_entry(
    site: IntakeSite, cli: RunCli, db: Path
) -> None:
    url = site.url("/pages/reuters.com.parasite.html")
    write_catalog(db, [{"id": "parasite", "title": "Parasite", "links": [{"url": url + "/"}]}])
    before = db.read_bytes()
    dry = cli("add", "--from", url, "--dry-run", "--format", "jsonl")
    assert dry.exit_code == 2
    assert records(dry.stdout)[0]["action"] == "refuse"
    assert records(dry.stdout)[0]["duplicates"] == ["parasite"]
    result = cli("add", "--from", url)
    assert result.exit_code == 2
    assert "already in the catalog as parasite" in result.stderr
    assert "--on-conflict skip or update" in result.stderr
    assert db.read_bytes() == before


def test_on_conflict_skip_leaves_the_entry_and_update_fills_only_empty_fields(
    site: IntakeSite, cli: RunCli, db: Path
) -> None:
    url = site.url("/pages/reuters.com.parasite.html")
    write_catalog(db, [{"id": "parasite", "title": "My own title", "links": [{"url": url}]}])
    skipped = cli("add", "--from", url, "--on-conflict", "skip", "--format", "jsonl")
    assert skipped.exit_code == 0, skipped.stderr
    assert records(skipped.stdout)[0]["action"] == "skip"
    assert records(skipped.stdout)[0]["duplicates"] == ["parasite"]
    updated = cli("add", "--from", url, "--on-conflict", "update", "--format", "jsonl")
    assert updated.exit_code == 0, updated.stderr
    entry = entries_in(db)["parasite"]
    assert entry["title"] == "My own title"
    assert entry["date"] == "2020-01-19"
    assert entry["people"][0]["family"] == "Serjeant"
    changed = {c["field"] for c in records(updated.stdout)[0]["changes"]}
    assert "title" not in changed and "date" in changed


def test_the_same_doi_under_another_url_is_a_duplicate(
    site: IntakeSite, cli: RunCli, db: Path
) -> None:
    write_catalog(
        db, [{"id": "ajae", "title": "Ag", "links": [{"url": f"https://dx.doi.org/{DOI.upper()}"}]}]
    )
    result = cli("add", "--from", DOI)
    assert result.exit_code == 2
    assert "already in the catalog as ajae" in result.stderr


def test_the_same_document_under_another_url_is_a_duplicate(
    site: IntakeSite, cli: RunCli, db: Path
) -> None:
    body = (PDFS / "metadata.pdf").read_bytes()
    site.files["copy.pdf"] = (body, "application/pdf")
    check = {"outcome": "ok", "sha256": hashlib.sha256(body).hexdigest()}
    link = {"url": "https://example.org/original.pdf", "kind": "pdf", "check": check}
    write_catalog(db, [{"id": "orig", "title": "Original", "links": [link]}])
    result = cli("add", "--from", site.url("/files/copy.pdf"))
    assert result.exit_code == 2
    assert "already in the catalog as orig" in result.stderr


def test_a_source_given_twice_is_added_once(site: IntakeSite, cli: RunCli, empty_db: Path) -> None:
    url = site.url("/pages/vice.com.amazon.html")
    result = cli("add", "--from", url, "--from", url + "#top", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["action"] for r in records(result.stdout)] == ["add", "skip"]
    assert len(entries_in(empty_db)) == 1


def test_a_local_pdf_gives_its_information_and_the_user_s_title_wins(
    cli: RunCli, empty_db: Path
) -> None:
    result = cli(
        "add", "--from", str(PDFS / "metadata.pdf"), "--title", "Test PDF", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["entry"]["title"] == "Test PDF"
    assert record["sources"]["title"] == "option"
    assert record["sources"]["date"] == "pdf-info"
    assert record["entry"]["date"] == "2022-04-15"


def test_a_pdf_whose_information_has_no_title_asks_for_one(cli: RunCli, empty_db: Path) -> None:
    before = empty_db.read_bytes()
    result = cli("add", "--from", str(PDFS / "GeoBase_NHNC1_Data_Model_UML_EN.pdf"))
    assert result.exit_code == 2
    assert "no title found" in result.stderr and "--title" in result.stderr
    assert empty_db.read_bytes() == before


def test_a_pdf_with_garbage_in_its_information_is_refused_saying_why(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    info = {"Title": "Microsoft Word - memo_final_v3.docx", "CreationDate": "D:0000garbage"}
    site.files["garbage.pdf"] = (pdf_with_text("Memo", info), "application/pdf")
    before = empty_db.read_bytes()
    result = cli("add", "--from", site.url("/files/garbage.pdf"))
    assert result.exit_code == 2
    assert "no title found in it; give one with --title" in result.stderr
    assert "the PDF's Title 'Microsoft Word - memo_final_v3.docx' looks like no title" in (
        result.stderr
    )
    assert empty_db.read_bytes() == before


def test_a_doi_on_a_pdf_s_first_page_brings_its_record(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    site.files["paper.pdf"] = (pdf_with_text(f"doi:{DOI}"), "application/pdf")
    result = cli("add", "--from", site.url("/files/paper.pdf"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["entry"]["title"] == CSL["title"]
    assert (
        record["entry"]["links"][0]
        == {
            "url": site.url("/files/paper.pdf"),
            "kind": "pdf",
            "label": "",
        }
        or record["entry"]["links"][0]["kind"] == "pdf"
    )


def test_a_doi_on_a_local_pdf_s_first_page_brings_its_record(
    cli: RunCli, empty_db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf_with_text(f"https://doi.org/{DOI}"))
    result = cli("add", "--from", str(path), "--format", "json", "--dry-run")
    assert result.exit_code == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["entry"]["title"] == CSL["title"]
    assert record["sources"]["title"] == "doi"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("/big", "more than a landing page's 5,242,880"),
        ("/lying-charset", "says its charset is utf-8, but byte"),
        ("/refresh/0", "meta refresh loop"),
        ("/missing", "HTTP 404"),
    ],
)
def test_a_hostile_page_names_the_url_and_the_reason_and_writes_nothing(
    site: IntakeSite, cli: RunCli, empty_db: Path, source: str, reason: str
) -> None:
    before = empty_db.read_bytes()
    result = cli("add", "--from", site.url(source))
    assert result.exit_code == 1
    assert reason in result.stderr
    assert site.url(source) in result.stderr
    assert empty_db.read_bytes() == before


@pytest.mark.parametrize(
    ("resolver", "reason"),
    [("/doi-html/", "the resolver answered text/html, not CSL-JSON"), ("/nothing/", "HTTP 404")],
)
def test_a_resolver_that_answers_no_csl_json_fails_the_doi(
    site: IntakeSite,
    cli: RunCli,
    empty_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    resolver: str,
    reason: str,
) -> None:
    monkeypatch.setenv("HTCAT_DOI_RESOLVER", site.url(resolver))
    result = cli("add", "--from", DOI)
    assert result.exit_code == 1
    assert reason in result.stderr and DOI in result.stderr
    assert entries_in(empty_db) == {}


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ('[links]\nskip = ["127.0.0.1"]\n', "skipped by the policy in htcat.toml"),
        ("[links]\nrequire_https = true\n", "not https, which the policy requires"),
    ],
)
def test_the_policy_of_htcat_toml_is_obeyed(
    site: IntakeSite, cli: RunCli, empty_db: Path, policy: str, reason: str
) -> None:
    (empty_db.parent / "htcat.toml").write_text(policy)
    site.hits.clear()
    result = cli("add", "--from", site.url("/pages/blog.python.org.html"))
    assert result.exit_code == 1
    assert reason in result.stderr
    assert not site.hits


def test_broken_html_is_read_as_browsers_read_it(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    site.files["cut.html"] = (
        b'<html><head><title>Broken Report</title><meta name="citation_title" content="Bro',
        "text/html",
    )
    site.files["junk.html"] = (b"<p><<< >>> <div <span", "text/html")
    result = cli("add", "--from", site.url("/files/cut.html"), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[0]["entry"]["title"] == "Broken Report"
    result = cli("add", "--from", site.url("/files/junk.html"))
    assert result.exit_code == 2
    assert "no title found in it; give one with --title" in result.stderr
    assert len(entries_in(empty_db)) == 1


def test_one_failing_source_does_not_stop_the_others(
    site: IntakeSite, cli: RunCli, empty_db: Path
) -> None:
    good = site.url("/pages/creativecommons.org.html")
    result = cli("add", "--from", good, "--from", site.url("/missing"))
    assert result.exit_code == 1
    assert "1 source failed (1 source added or skipped)" in result.stderr
    assert [e["title"] for e in entries_in(empty_db).values()] == ["What we do"]


def test_options_beside_from_need_from(cli: RunCli, empty_db: Path) -> None:
    result = cli("add", "--title", "x", "--dry-run")
    assert result.exit_code == 2
    assert "go with --from" in result.stderr


def test_a_source_that_is_none_of_the_three_is_refused(cli: RunCli, empty_db: Path) -> None:
    result = cli("add", "--from", "ftp://example.org/x")
    assert result.exit_code == 2
    assert "only http(s) URLs, DOIs and local PDF files" in result.stderr


def test_the_installed_htcat_adds_sources_from_standard_input(
    site: IntakeSite, empty_db: Path, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.txt"
    sources.write_text(
        site.url("/pages/github.blog.spiceland.html") + "\n" + site.url("/missing") + "\n"
    )
    env = {**os.environ, "HTCAT_DOI_RESOLVER": site.url("/doi/")}
    with sources.open() as given:
        done = subprocess.run(
            [str(HTCAT), "--db", str(empty_db), "add", "--from", "-", "--format", "jsonl"],
            stdin=given,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert done.returncode == 1
    assert [r["action"] for r in records(done.stdout)] == ["add", "failed"]
    assert f"{site.url('/missing')}: HTTP 404" in done.stderr
    assert [e["title"] for e in entries_in(empty_db).values()] == [
        "Leader spotlight: Erin Spiceland"
    ]
