"""Telling a URL, a DOI and a local PDF apart; dates as pages write them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.intake.dates import markup_date
from htcat.intake.sources import parse_source, sources_from_lines


@pytest.mark.parametrize(
    ("given", "kind", "value"),
    [
        ("10.1093/ajae/aaq063", "doi", "10.1093/ajae/aaq063"),
        ("doi:10.1093/AJAE/aaq063", "doi", "10.1093/ajae/aaq063"),
        ("DOI: 10.1093/ajae/aaq063.", "doi", "10.1093/ajae/aaq063"),
        ("https://doi.org/10.1093/ajae/aaq063", "doi", "10.1093/ajae/aaq063"),
        ("http://dx.doi.org/10.1093/ajae/aaq063", "doi", "10.1093/ajae/aaq063"),
        ("https://www.acf.hhs.gov/otip/report", "url", "https://www.acf.hhs.gov/otip/report"),
        ("  HTTPS://example.org/a.pdf ", "url", "HTTPS://example.org/a.pdf"),
    ],
)
def test_a_source_is_a_doi_or_a_url(given: str, kind: str, value: str) -> None:
    source = parse_source(given)
    assert (source.kind, source.value) == (kind, value)


def test_an_existing_file_is_a_local_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7")
    assert parse_source(str(path)).kind == "pdf"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("ftp://example.org/x", "only http(s) URLs, DOIs and local PDF files are read"),
        ("no/such/file.pdf", "not a URL, a DOI (10.1234/x) or an existing file"),
        ("10.12/x", "not a URL, a DOI"),
    ],
)
def test_anything_else_is_refused_naming_it(given: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_source(given)


def test_lines_skip_blanks_and_comments() -> None:
    sources = sources_from_lines(["10.1234/a", "", "  # note", "https://example.org/"])
    assert [s.kind for s in sources] == ["doi", "url"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2016-12-23T16:42:59-05:00", "2016-12-23"),
        ("2015/10/30", "2015-10-30"),
        ("2019", "2019"),
        ("2019-07", "2019-07"),
        ("Mon Aug 03 12:45:00 EDT 2015", "2015-08-03"),
        ("February 26, 2021", "2021-02-26"),
        ("26 February 2021", "2021-02-26"),
        ("Sept. 5, 2020", "2020-09-05"),
        ("June 2017", "2017-06"),
        ("12-15-2016", "2016-12-15"),
        ("20210226", "2021-02-26"),
        ("D:20141205192043Z", "2014-12-05"),
        ("D:2014", "2014"),
        ("2021-02-30", ""),
        ("yesterday", ""),
        ("D:garbage", ""),
        ("", ""),
    ],
)
def test_markup_dates_are_read_exactly_or_not_at_all(text: str, date: str) -> None:
    assert markup_date(text) == date


@given(st.text(max_size=60))
def test_any_text_gives_a_calendar_date_or_nothing(text: str) -> None:
    from htcat.model import is_calendar_date

    date = markup_date(text)
    assert date == "" or is_calendar_date(date)
