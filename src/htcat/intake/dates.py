"""Dates as pages write them, read into the catalog's ``YYYY[-MM[-DD]]``.

Markup dates (``2016-12-23T16:42:59-05:00``, ``2015/10/30``, ``Mon Aug 03
12:45:00 EDT 2015``, ``February 26, 2021``, PDF's ``D:20210226``) are read
exactly or not at all.
"""

from __future__ import annotations

import re

from htcat.formats.dates import MONTH_NUMBERS
from htcat.model import is_calendar_date

_MONTH = "(" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?"
_ISO_RE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?=$|[T\s+Z])")
_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:$|T|\d)")
_US_RE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_MONTH_DAY_YEAR_RE = re.compile(rf"(?i)\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")
_DAY_MONTH_YEAR_RE = re.compile(rf"(?i)\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b")
_TIMESTAMP_RE = re.compile(
    rf"(?i)\b{_MONTH}\s+(\d{{1,2}})\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s+(?:[a-z]+\s+)?(\d{{4}})\b"
)
"""``Aug 03 12:45:00 EDT 2015``, as JavaScript's Date prints itself."""
_MONTH_YEAR_RE = re.compile(rf"(?i)^{_MONTH}\s+(\d{{4}})$")
_PDF_DATE_RE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")


def _joined(year: str, month: str | int | None = None, day: str | int | None = None) -> str:
    parts = [year]
    if month:
        parts.append(f"{int(month):02d}")
        if day:
            parts.append(f"{int(day):02d}")
    text = "-".join(parts)
    return text if is_calendar_date(text) else ""


def markup_date(text: str) -> str:
    """The date a metadata value holds, or "" when it holds none this reader is sure of."""
    value = " ".join(str(text).split())
    if not value:
        return ""
    pdf = _PDF_DATE_RE.match(value)
    if pdf:
        return _joined(pdf[1], pdf[2], pdf[3] if pdf[2] else None)
    iso = _ISO_RE.match(value)
    if iso:
        return _joined(iso[1], iso[2], iso[3])
    compact = _COMPACT_RE.match(value)
    if compact:
        return _joined(compact[1], compact[2], compact[3])
    us = _US_RE.match(value)
    if us:
        return _joined(us[3], us[1], us[2])
    named = _MONTH_DAY_YEAR_RE.search(value) or _TIMESTAMP_RE.search(value)
    if named:
        return _joined(named[3], MONTH_NUMBERS[named[1].lower()], named[2])
    named = _DAY_MONTH_YEAR_RE.search(value)
    if named:
        return _joined(named[3], MONTH_NUMBERS[named[2].lower()], named[1])
    month_year = _MONTH_YEAR_RE.match(value)
    if month_year:
        return _joined(month_year[2], MONTH_NUMBERS[month_year[1].lower()])
    return ""
