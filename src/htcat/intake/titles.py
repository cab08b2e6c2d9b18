"""A page's title without its site's name, and the type a title names."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from htcat.intake.findings import Findings

_SEPARATORS_RE = re.compile("\\s+(?:\\||-|\u2013|\u2014|\u00b7|\u00bb|::|:)\\s+")
_DOMAIN_RE = re.compile(r"(?i)^[a-z0-9-]+(\.[a-z0-9-]+)*\.(gov|com|org|net|edu|mil|int|[a-z]{2})$")
_DATED_RE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_PARENTHESIS_TAIL_RE = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")
_COLON_TAIL_RE = re.compile(r"^(.*\S):\s+([^:]+)$")
_COLON_HEAD_RE = re.compile(r"^([^:]+):\s+(.*\S)$")
TITLE_KINDS = (
    (re.compile(r"(?i)\binformation memorand(um|a)\b"), "information-memorandum"),
    (re.compile(r"(?i)\bwebinar\b"), "webinar"),
    (re.compile(r"(?i)\bfact ?sheet\b"), "fact-sheet"),
    (re.compile(r"(?i)\btool ?kit\b"), "toolkit"),
    (re.compile(r"(?i)\breport$"), "report"),
)
"""Words in a title that say what the resource is, as its publisher named it."""


def site_names(found: Findings, url: str) -> list[str]:
    """Names the site goes by: its Open Graph site name, publishers, and its host's words."""
    names = [str(v["publisher"]) for v in found.values.values() if v.get("publisher")]
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if host:
        names.append(host)
        names.extend(label for label in host.split(".")[:-1] if len(label) >= 3)
    return names


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _initials(text: str) -> str:
    """``nps`` for ``U.S. National Park Service``: a site's name as its host abbreviates it."""
    return "".join(word[0] for word in re.findall(r"[A-Z][a-z]+", text)).lower()


def split_site_name(title: str, names: list[str]) -> tuple[str, str]:
    """``title`` without the site name a ``<title>`` puts before or after it, and that name.

    A part is the site's name when it is a domain name, holds (or is held in)
    one of ``names``, or is spelled out by the host's letters (``National Park
    Service`` on nps.gov). The title itself is never dropped whole.
    """
    keys = [k for k in (_squash(n) for n in names) if len(k) >= 3]

    def is_site(part: str) -> bool:
        squashed = _squash(part)
        initials = _initials(part)
        return bool(
            _DOMAIN_RE.match(part.strip())
            or (squashed and any(k in squashed or squashed in k for k in keys))
            or (len(initials) >= 2 and initials in keys)
        )

    site = ""
    # A colon's tail is the site only when shorter than the title before it.
    bracketed = _PARENTHESIS_TAIL_RE.match(title)
    if bracketed and is_site(bracketed[2]):
        title, site = bracketed[1], bracketed[2].strip()
    tail = _COLON_TAIL_RE.match(title)
    if tail and len(tail[2]) < len(tail[1]) and is_site(tail[2]):
        title, site = tail[1], site or tail[2].strip()
    head = _COLON_HEAD_RE.match(title)
    if head and len(head[1]) < len(head[2]) and is_site(head[1]):
        title, site = head[2], site or head[1].strip()
    parts = _SEPARATORS_RE.split(title)
    separators = _SEPARATORS_RE.findall(title)
    first, last = 0, len(parts)
    while last - first > 1 and _DATED_RE.match(parts[last - 1]):
        last -= 1  # "Title | Site | 19.01.2020": the date of the page, not its title
    while last - first > 1 and is_site(parts[last - 1]):
        last -= 1
        site = site or parts[last]
    while last - first > 1 and is_site(parts[first]):
        site = site or parts[first]
        first += 1
    kept = [parts[first]]
    for index in range(first + 1, last):
        kept += [separators[index - 1], parts[index]]
    return "".join(kept), site


def type_named_in(title: str) -> str:
    """The type a title names ("Information Memorandum: …", "… Fact Sheet"), or ""."""
    return next((kind for pattern, kind in TITLE_KINDS if pattern.search(title)), "")
