"""Telling a PDF from the HTML a server answers 200 with, from the first bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from htcat.links.sniff import archive_extension, describe_body, is_pdf, needs_document


@given(st.binary(max_size=2048))
def test_any_body_starting_with_the_pdf_magic_is_a_pdf(rest: bytes) -> None:
    assert is_pdf(b"%PDF-" + rest)


def test_a_little_leading_junk_before_the_magic_is_tolerated_as_readers_do() -> None:
    assert is_pdf(b"\xef\xbb\xbf%PDF-1.7\n")
    assert is_pdf(b"\r\n\r\n%PDF-1.4")
    assert is_pdf(b" " * 1000 + b"%PDF-1.4")


def test_the_magic_past_the_first_kilobyte_or_after_markup_is_not_a_pdf() -> None:
    assert not is_pdf(b" " * 1024 + b"%PDF-1.4")
    assert not is_pdf(b"<html><body>File %PDF-1.4 not found</body></html>")
    assert not is_pdf(b"")
    assert not is_pdf(b"%PDF")


def test_only_pdf_transcript_and_slides_links_need_a_document() -> None:
    assert [k for k in ("pdf", "transcript", "slides") if needs_document(k)] == [
        "pdf",
        "transcript",
        "slides",
    ]
    assert not any(needs_document(k) for k in ("webinar", "video", "page", "dataset", "other"))


def test_a_body_is_described_by_what_it_is_not_only_what_it_claims() -> None:
    assert describe_body(b"<!DOCTYPE html><html>", "text/html; charset=utf-8") == "text/html"
    assert describe_body(b"<html><body>oops", "application/pdf") == "HTML served as application/pdf"
    assert describe_body(b"  <html>", None) == "HTML"
    assert describe_body(b"PK\x03\x04", "application/zip") == "application/zip"
    assert describe_body(b"\x00\x01", None) == "a body of unknown type"
    assert describe_body(b"", "application/pdf") == "an empty body"


def test_the_archive_extension_comes_from_the_bytes_and_type_never_a_name() -> None:
    assert archive_extension(b"%PDF-1.4", "application/octet-stream") == ".pdf"
    assert archive_extension(b"<!doctype html>", None) == ".html"
    assert archive_extension(b"a,b\n", "text/csv") == ".csv"
    assert archive_extension(b"\x00", "application/x-evil; name=../../x.sh") == ".bin"
