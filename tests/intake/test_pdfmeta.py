"""A PDF's document information and the DOI on its first page, from real and written PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.intake_site import pdf_with_text
from htcat.intake.pdfmeta import PdfError, read_pdf_metadata

PDFS = Path(__file__).parent / "pdfs"


def test_a_real_pdf_with_document_information_gives_each_field() -> None:
    found = read_pdf_metadata(PDFS / "metadata.pdf")
    assert found.values == {
        "pdf-info": {
            "title": "The Title",
            "summary": "The Subject",
            "people": [{"family": "Thoma", "given": "Martin", "role": "author"}],
            "date": "2022-04-15",
            "tags": ["Some Keywords", "other keywords", "more keywords"],
        }
    }


def test_a_real_government_pdf_without_a_title_gives_only_its_date() -> None:
    found = read_pdf_metadata(PDFS / "GeoBase_NHNC1_Data_Model_UML_EN.pdf")
    assert found.values == {"pdf-info": {"date": "2014-12-05"}}
    assert found.doi is None


def test_a_real_pdf_without_an_info_dictionary_gives_nothing() -> None:
    found = read_pdf_metadata(PDFS / "missing_info.pdf")
    assert found.values == {} and found.warnings == []


def test_a_title_that_names_the_type_gives_it(tmp_path: Path) -> None:
    path = tmp_path / "im.pdf"
    title = "Information Memorandum: Federal Cases Involving Forced Labor of Health Professionals"
    path.write_bytes(pdf_with_text("IM", {"Title": title}))
    assert read_pdf_metadata(path).values["pdf-info"]["type"] == "information-memorandum"


def test_a_doi_printed_on_the_first_page_is_found(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf_with_text("Published as https://doi.org/10.1093/AJAE/aaq063."))
    assert read_pdf_metadata(path).doi == "10.1093/ajae/aaq063"


def test_garbage_in_the_document_information_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    info = {
        "Title": "Microsoft Word - draft3.docx",
        "Author": "\x01\x02\x03\x04",
        "CreationDate": "D:garbage",
        "Subject": "%%%% 1234 5678",
    }
    path.write_bytes(pdf_with_text("Hello", info))
    found = read_pdf_metadata(path)
    assert found.values == {}
    assert [w.split(" ", 2)[1] for w in found.warnings] == [
        "PDF's",
        "PDF's",
        "PDF's",
        "PDF's",
    ]
    assert "Title 'Microsoft Word - draft3.docx' looks like no title" in found.warnings[0]
    assert "CreationDate 'D:garbage' is no date" in found.warnings[3]


@pytest.mark.parametrize("body", [b"%PDF-1.7\nnothing else", b"not a pdf at all"])
def test_a_file_that_is_no_readable_pdf_is_refused(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(body)
    with pytest.raises(PdfError, match="not a readable PDF"):
        read_pdf_metadata(path)
