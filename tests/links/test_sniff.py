"""Telling a PDF from the HTML a server answers 200 with, from the first bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.links.sniff import (
    accepts,
    archive_extension,
    describe_body,
    is_pdf,
    mislabelled_pdf,
    needs_document,
)


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


PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODP_HEAD = b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.presentation"


@pytest.mark.parametrize(
    ("kind", "head", "content_type", "accepted"),
    [
        ("slides", b"%PDF-1.7", "application/pdf", True),
        ("slides", b"PK\x03\x04[Content_Types].xml", PPTX, True),
        ("slides", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/octet-stream", True),
        ("slides", ODP_HEAD, "application/octet-stream", True),
        ("slides", b"PK\x03\x04word/", "application/zip", False),
        ("slides", b"<html>", "text/html", False),
        ("transcript", b"<!doctype html><html>", "text/html", True),
        ("transcript", b"WEBVTT\n\n00:00.000 --> 00:01.000 Hello", "text/plain", True),
        ("transcript", b"\x00\x01binary", "text/plain", False),
        ("transcript", b"PK\x03\x04", PPTX, False),
        ("pdf", b"<html>", "text/html", False),
        ("pdf", b"PK\x03\x04", PPTX, False),
    ],
)
def test_each_document_kind_accepts_what_it_can_honestly_be(
    kind: str, head: bytes, content_type: str, accepted: bool
) -> None:
    assert accepts(kind, head, content_type) is accepted


def test_what_was_received_is_named_by_its_bytes() -> None:
    assert describe_body(b"\x1f\x8b\x08\x00", "application/pdf") == (
        "a gzip stream served as application/pdf (compressed without saying so in Content-Encoding)"
    )
    assert describe_body(b"<<junk>> %PDF-1.4", "application/pdf") == (
        "a body served as application/pdf whose %PDF- header comes after other bytes"
    )
    assert describe_body(b"\x00" * 10, "application/pdf") == (
        "a body served as application/pdf with no %PDF- header in its first 1,024 bytes"
    )


def test_a_pdf_served_as_html_is_named_in_a_warning() -> None:
    assert mislabelled_pdf(b"%PDF-1.4", "text/html; charset=utf-8") == (
        "a PDF served as text/html: a browser may show it as text"
    )
    assert mislabelled_pdf(b"%PDF-1.4", "application/pdf") is None
