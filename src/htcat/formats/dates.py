"""Dates as citation files write them (``2021/02/26/``, ``March 2021``, ``2019--2020``, CSL's
date-parts), read as the ``YYYY[-MM[-DD]]`` an entry holds, with a warning for what is not kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_RAW_DATE_RE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
MONTH_NUMBERS = {
    word: number
    for number, words in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for word in words
}
"""Month names and abbreviations as BibTeX, RIS and CSL ``raw`` dates write them."""
_WORDED_DATE_RE = re.compile(r"(?i)^(?:(\d{1,2})\s+)?([a-z]+)\.?,?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")


def _iso(numbers: Sequence[int]) -> str:
    """Date parts as ``YYYY[-MM[-DD]]``, stopping at the first part that is not a date's."""
    year, *rest = numbers
    if year <= 0:
        return ""
    text = f"{year:04d}"
    for part, top in zip(rest, (12, 31), strict=False):
        if not 1 <= part <= top:
            break
        text += f"-{part:02d}"
    return text


def _one_date(text: str) -> str:
    """One date written as ``2021-03-04``, ``2021/3``, ``March 2021``, ``4 Mar 2021``; or ""."""
    text = text.strip().rstrip("/")
    match = _RAW_DATE_RE.fullmatch(text)
    if match:
        return _iso([int(p) for p in match.groups() if p])
    worded = _WORDED_DATE_RE.match(text)
    month = MONTH_NUMBERS.get(worded[2].lower()) if worded else None
    if worded and month:
        day = worded[1] or worded[3]
        return _iso([int(worded[4]), month, *([int(day)] if day else [])])
    return ""


def date_text(value: object) -> tuple[str, list[str]]:
    """A CSL date (``date-parts``, or ``raw``/``literal`` text) as ``YYYY[-MM[-DD]]``.

    A range keeps its first date, with a warning that names the rest; a date that
    cannot be read (``Bogus Date``) is left out with a warning, never silently. A year
    0000 (Scopus's "no year") is no date.
    """
    if not isinstance(value, Mapping):
        return "", []
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            dates = [_iso([int(p) for p in part[:3]]) for part in parts if part]
        except (TypeError, ValueError):
            return "", [f"date {parts!r} is not a date; left out"]
        if len(dates) > 1 and dates[1] and dates[1] != dates[0]:
            return dates[0], [f"date range {dates[0]} to {dates[1]}: kept {dates[0]}"]
        return dates[0], []
    text = str(value.get("raw") or value.get("literal") or "").strip()
    if not text:
        return "", []
    pieces = [p for p in re.split(r"\s*(?:/(?=\s*\d{4}(?:\D|$))|--|\u2013)\s*", text) if p]
    dates = [_one_date(piece) for piece in pieces]
    if not dates or not dates[0]:
        if re.fullmatch(r"0{4}(?:\D.*)?", text):
            return "", []
        year = re.search(r"(?<!\d)([12]\d{3})(?!\d)", text)
        if year:
            return year[1], [f"date {text!r}: kept the year {year[1]}"]
        return "", [f"date {text!r} is not a date htcat reads (YYYY-MM-DD); left out"]
    if len(pieces) > 1:
        return dates[0], [f"date range {text!r}: kept {dates[0]}, not {', '.join(pieces[1:])}"]
    return dates[0], []
