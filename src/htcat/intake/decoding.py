"""A landing page's bytes as text, in the charset it declares, or refused."""

from __future__ import annotations

import codecs
import re

from htcat.errors import InputError

MAX_PAGE_BYTES = 5 * 1024 * 1024
"""A landing page larger than this is refused: real ones are well under 1 MiB."""
_CHARSET_RE = re.compile(rb"""(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""")
_HEADER_CHARSET_RE = re.compile(r"(?i)charset\s*=\s*[\"']?([a-z0-9_.:-]+)")


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class PageError(InputError):
    """A page that cannot be read for metadata: the reason names what is wrong with it."""


def decode_page(body: bytes, content_type: str | None) -> str:
    """The page's text in the charset it declares (header, then ``<meta>``), or UTF-8.

    A declared charset that the bytes do not follow is refused, not guessed
    around: a page that lies about its encoding would put mojibake in the
    catalog. With nothing declared, UTF-8 is tried, then Windows-1252 as browsers do.
    """
    if len(body) > MAX_PAGE_BYTES:
        raise PageError(
            f"the page is {len(body):,} bytes, more than a landing page's {MAX_PAGE_BYTES:,}"
        )
    head = body[:4096]
    if head.count(b"\x00") > max(8, len(head) // 100) and not head.startswith(_UTF16_BOMS):
        raise PageError("the body holds binary data, not an HTML page")
    header = _HEADER_CHARSET_RE.search(content_type or "")
    meta = _CHARSET_RE.search(body[:4096])
    declared = header[1] if header else meta[1].decode("ascii") if meta else None
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            declared = name
    if declared is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("cp1252", errors="replace")
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise PageError(f"the page declares charset {declared!r}, which no decoder knows") from None
    codec = "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        raise PageError(
            f"the page says its charset is {declared}, but byte {exc.start:,} is not {declared}"
        ) from None
