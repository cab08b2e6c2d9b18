"""htcat import and export of citation files: the citation part, malformed records, warnings."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import entries_in

ARTICLE_BIB = r"""@string{jcc = {Journal of Computational Chemistry}}
@article{sigfridsson,
  author  = {Sigfridsson, Emma and Ryde, Ulf},
  title   = {Comparison of methods for deriving atomic charges from the
             electrostatic potential and \emph{moments}},
  journal = jcc,
  year    = 1998,
  month   = mar,
  volume  = 19,
  number  = 4,
  pages   = {377--395},
}
"""


def test_a_journal_article_imports_with_its_citation_and_exports_as_an_article(
    empty_db: Path, tmp_path: Path, cli
):
    source = tmp_path / "article.bib"
    source.write_text(ARTICLE_BIB)
    result = cli("import", str(source))
    assert result.exit_code == 0, result.stderr
    entry = entries_in(empty_db)["sigfridsson"]
    assert entry["title"] == (
        "Comparison of methods for deriving atomic charges from the electrostatic potential "
        "and moments"
    )
    assert (entry["type"], entry["date"]) == ("research", "1998-03")
    assert entry["citation"] == {
        "container-title": "Journal of Computational Chemistry",
        "volume": "19",
        "issue": "4",
        "page": "377-395",
    }
    shown = cli("show", "sigfridsson").stdout
    assert "\ncitation:\n  container-title:  Journal of Computational Chemistry\n" in shown
    assert "  page:             377-395\n" in shown
    bibtex = cli("export", "--format", "bibtex").stdout
    assert bibtex.startswith("@article{sigfridsson,")
    assert "journal = {Journal of Computational Chemistry}" in bibtex
    ris = cli("export", "--format", "ris").stdout
    assert "TY  - JOUR" in ris and "T2  - Journal of Computational Chemistry" in ris
    [item] = json.loads(cli("export", "--format", "csl-json").stdout)
    assert (item["type"], item["container-title"], item["page"]) == (
        "article-journal",
        "Journal of Computational Chemistry",
        "377-395",
    )


def test_a_missing_comma_refuses_the_file_naming_the_record_and_writes_nothing(
    empty_db: Path, tmp_path: Path, cli
):
    source = tmp_path / "broken.bib"
    source.write_text(
        "@misc{fine, title = {Fine}}\n\n@misc{broken, title = {Broken}\n  year = {2020}}\n"
    )
    before = empty_db.read_bytes()
    result = cli("import", str(source))
    assert result.exit_code == 2
    assert "record 2 (line 3)" in result.stderr
    assert "'year = {2020}' follows its value (a comma missing before it?)" in result.stderr
    assert empty_db.read_bytes() == before


def test_ris_warnings_name_the_record_and_what_was_read(empty_db: Path, tmp_path: Path, cli):
    source = tmp_path / "endnote.ris"
    source.write_text(
        "Record #1 of 1\nProvider: EndNote\n1.\n"
        "TY  - RPRT\nTI  - Global Report\nPY  - 2019/2020\n"
        "UR  - www.unodc.org/report.pdf; https://example.org/page\nER  - \n"
    )
    result = cli("import", str(source))
    assert result.exit_code == 0, result.stderr
    assert "record 1 (line 4): URL 'www.unodc.org/report.pdf' has no scheme" in result.stderr
    assert "date range '2019/2020': kept 2019, not 2020" in result.stderr
    entry = entries_in(empty_db)["global-report"]
    assert [link["url"] for link in entry["links"]] == [
        "https://www.unodc.org/report.pdf",
        "https://example.org/page",
    ]
    assert entry["date"] == "2019"


def test_edit_sets_the_citation_as_json_and_refuses_an_unknown_part(
    empty_db: Path, tmp_path: Path, cli
):
    assert cli("add", "--title", "Global Report", "--type", "report").exit_code == 0
    result = cli("edit", "global-report", "--set", 'citation={"page": "1-2", "volume": "20"}')
    assert result.exit_code == 0, result.stderr
    assert entries_in(empty_db)["global-report"]["citation"] == {"volume": "20", "page": "1-2"}
    shown = cli("show", "global-report").stdout
    assert "citation:\n  volume:           20\n  page:             1-2\n" in shown
    before = empty_db.read_bytes()
    result = cli("edit", "global-report", "--set", 'citation={"journal": "J"}')
    assert result.exit_code == 2
    assert "citation.journal 'J': unknown; expected container-title" in result.stderr
    assert empty_db.read_bytes() == before


def test_a_citation_survives_csv_and_json_exports_and_imports(empty_db: Path, tmp_path: Path, cli):
    source = tmp_path / "article.bib"
    source.write_text(ARTICLE_BIB)
    assert cli("import", str(source)).exit_code == 0
    citation = entries_in(empty_db)["sigfridsson"]["citation"]
    for fmt in ("csv", "json", "jsonl"):
        out = tmp_path / f"all.{fmt}"
        assert cli("export", "--format", fmt, "--output", str(out)).exit_code == 0
        other = tmp_path / f"other-{fmt}.json"
        assert cli("init", db_path=other).exit_code == 0
        result = cli("import", str(out), db_path=other)
        assert result.exit_code == 0, result.stderr
        assert entries_in(other)["sigfridsson"]["citation"] == citation, fmt
