"""HTML: the public resource library page, one self-contained file.

The page shows every entry without a script (a plain list inside
``<noscript>``) and, with one, lets a reader refine by keyword, type, tag and
year, sort and page through ten entries at a time. Each entry's markup is
written once, in that list: with scripting on, a browser reads ``<noscript>``
as raw text, and the script cuts the current page's entries out of it. What
the script filters on (search text, type, year, tags, the title order) is
embedded as JSON; the search text is folded here by the function ``htcat
search`` uses, so the page finds what the command finds.

Text and layout live in Jinja2 templates beside this module (``templates/``),
with the page's CSS and script inlined from there; this module only turns
entries into what the templates show. Jinja2 is imported when a page is
written, never at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from htcat import __version__
from htcat.filters import ordered
from htcat.formats.csl import main_link
from htcat.model import ROLES, TYPE_LABELS, TYPES, Entry
from htcat.people import display_name
from htcat.query import FAILING_OUTCOMES, Order, search_text

if TYPE_CHECKING:
    from jinja2 import Environment

PAGE_SIZE = 10
TEMPLATE = "library.html.j2"

ROLE_LABELS = {
    "author": ("Author", "Authors"),
    "speaker": ("Speaker", "Speakers"),
    "moderator": ("Moderator", "Moderators"),
    "editor": ("Editor", "Editors"),
    "contributor": ("Contributor", "Contributors"),
}
KIND_NOTES = {
    "pdf": "PDF",
    "transcript": "PDF",
    "qa": "PDF",
    "slides": "PDF",
    "video": "Video",
    "dataset": "Data",
}
"""What a link's kind adds after its text, as ``(PDF)``."""

KIND_TEXTS = {"webinar": "View Webinar", "video": "Watch Video", "dataset": "Get the Data"}
"""The text of a link that has no label, by kind; others show their host name."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_BULLET_RE = re.compile(r"^[-*•]\s+")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_WEB_URL_RE = re.compile(r"^https?://[^/?#\s]", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """A piece of a summary: a paragraph of ``lines`` or a bulleted list of ``lines``."""

    kind: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LinkView:
    url: str
    text: str
    note: str
    """The kind shown after the text (``PDF``), or empty."""
    broken: bool
    checked: str
    """When the check that found the link broken ran (``YYYY-MM-DD``), or empty."""


@dataclass(frozen=True)
class PeopleView:
    role: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class EntryView:
    """One entry as the page shows it: plain text only, escaped by the template."""

    anchor: str
    title: str
    main: LinkView | None
    type_label: str
    date: str
    date_text: str
    publisher: str
    status: str
    summary: tuple[Block, ...]
    people: tuple[PeopleView, ...]
    audiences: tuple[str, ...]
    tags: tuple[str, ...]
    links: tuple[LinkView, ...]


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


def write(
    entries: Iterable[Entry],
    *,
    include_internal: bool = False,
    title: str = "Resource Library",
) -> bytes:
    """The resource library page of ``entries``, newest first.

    Internal ``notes`` never appear: the page is public, so
    ``include_internal`` is accepted only to fit the writer registry.
    """
    del include_internal
    chosen = ordered(entries, Order(sort="date"))
    positions = {id(entry): n for n, entry in enumerate(chosen)}
    by_title = [positions[id(entry)] for entry in ordered(chosen, Order(sort="title"))]
    env = _environment()
    card = env.get_template("entry.html.j2").module.entry  # type: ignore[attr-defined]
    cards: list[str] = [card(entry_view(entry)) for entry in chosen]
    data = {
        "pageSize": PAGE_SIZE,
        "entries": [
            {
                "text": " " + search_text(entry),
                "type": str(entry.get("type") or "other"),
                "year": year_of(entry),
                "tags": [str(t) for t in entry.get("tags") or ()],
            }
            for entry in chosen
        ],
        "order": {"date": list(range(len(chosen))), "title": by_title},
    }
    style, script = _asset("library.css"), _asset("library.js")
    page = env.get_template(TEMPLATE).render(
        title=title,
        cards=cards,
        total=len(chosen),
        types=type_facets(chosen),
        years=year_facets(chosen),
        tags=tag_facets(chosen),
        data_json=script_json(data),
        style=style,
        script=script,
        style_hash=_csp_hash(style),
        script_hash=_csp_hash(script),
        version=__version__,
    )
    return page.encode("utf-8")


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("htcat.formats", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plural"] = lambda n, one, many: one if n == 1 else many
    return env


@cache
def _asset(name: str) -> str:
    return (resources.files("htcat.formats") / "templates" / name).read_text("utf-8")


def _csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def script_json(data: object) -> str:
    """``data`` as JSON that can sit inside ``<script>``: no ``<``, ``>`` or ``&`` in it.

    Inside strings they become ``\\u003c`` and the like, which JSON reads back
    unchanged, so no text can close the element or open a comment.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def year_of(entry: Mapping[str, Any]) -> str:
    match = _DATE_RE.match(str(entry.get("date") or ""))
    return match.group(1) if match else ""


def date_text(date: str) -> str:
    """``2021-02-26`` as ``February 26, 2021``; ``2023-02`` as ``February 2023``."""
    match = _DATE_RE.match(date)
    if not match:
        return date
    year, month, day = match.groups()
    if not month or not 1 <= int(month) <= 12:
        return year
    if not day:
        return f"{MONTHS[int(month) - 1]} {year}"
    return f"{MONTHS[int(month) - 1]} {int(day)}, {year}"


def summary_blocks(text: str) -> tuple[Block, ...]:
    """Paragraphs split at blank lines; lines starting ``-``, ``*`` or ``•`` become a list."""
    blocks: list[Block] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        run: list[str] = []
        bulleted = False
        for line in lines:
            is_bullet = bool(_BULLET_RE.match(line))
            if run and is_bullet != bulleted:
                blocks.append(Block("ul" if bulleted else "p", tuple(run)))
                run = []
            bulleted = is_bullet
            run.append(_BULLET_RE.sub("", line) if is_bullet else line)
        if run:
            blocks.append(Block("ul" if bulleted else "p", tuple(run)))
    return tuple(blocks)


def link_view(link: Mapping[str, Any]) -> LinkView:
    """A link's text and kind note; a label's own trailing ``(PDF)`` is not repeated."""
    url = str(link.get("url") or "")
    kind = str(link.get("kind") or "")
    note = KIND_NOTES.get(kind, "")
    text = " ".join(str(link.get("label") or "").split())
    if note and text.lower().endswith(f"({note.lower()})"):
        text = text[: -len(note) - 2].rstrip()
    if not text:
        text = KIND_TEXTS.get(kind) or _host(url) or url
    if not _WEB_URL_RE.match(url):
        url = ""  # not http(s): shown as text, never as a link a reader could follow
    if note and note.lower() in text.lower().split():
        note = ""
    check = link.get("check")
    check = check if isinstance(check, Mapping) else {}
    broken = check.get("outcome") in FAILING_OUTCOMES
    checked = str(check.get("since") or check.get("checked") or "")[:10] if broken else ""
    return LinkView(url=url, text=text, note=note, broken=broken, checked=checked)


def _host(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://([^/?#]+)", url, re.IGNORECASE)
    return match.group(1) if match else ""


def people_views(people: Iterable[Any]) -> tuple[PeopleView, ...]:
    """People grouped by role, roles in the order of `ROLES`, each ``Name (Affiliation)``."""
    groups: dict[str, list[str]] = {}
    for person in people:
        if not isinstance(person, Mapping) or not display_name(person):
            continue
        name = display_name(person)
        if person.get("affiliation"):
            name += f" ({person['affiliation']})"
        groups.setdefault(str(person.get("role") or "author"), []).append(name)
    order = [r for r in ROLES if r in groups] + sorted(r for r in groups if r not in ROLES)
    views = []
    for role in order:
        one, many = ROLE_LABELS.get(role, (role.capitalize(), role.capitalize()))
        views.append(PeopleView(one if len(groups[role]) == 1 else many, tuple(groups[role])))
    return tuple(views)


def entry_view(entry: Mapping[str, Any]) -> EntryView:
    links = [link for link in entry.get("links") or () if isinstance(link, Mapping)]
    main = main_link(links)
    kind = str(entry.get("type") or "other")
    date = str(entry.get("date") or "")
    status = str(entry.get("status") or "published")
    return EntryView(
        anchor="entry-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(entry.get("id") or "")),
        title=str(entry.get("title") or ""),
        main=link_view(main) if main is not None else None,
        type_label=TYPE_LABELS.get(kind, kind.replace("-", " ").title()),
        date=date,
        date_text=date_text(date),
        publisher=str(entry.get("publisher") or ""),
        status="" if status == "published" else status.capitalize(),
        summary=summary_blocks(str(entry.get("summary") or "")),
        people=people_views(entry.get("people") or ()),
        audiences=tuple(str(a) for a in entry.get("audiences") or ()),
        tags=tuple(str(t) for t in entry.get("tags") or ()),
        links=tuple(link_view(link) for link in links if link is not main),
    )


def type_facets(entries: Sequence[Mapping[str, Any]]) -> list[Facet]:
    """The types present, in the order of `TYPES`, with their counts."""
    counts = Counter(str(e.get("type") or "other") for e in entries)
    order = [t for t in TYPES if t in counts] + sorted(t for t in counts if t not in TYPES)
    return [Facet(t, TYPE_LABELS.get(t, t.replace("-", " ").title()), counts[t]) for t in order]


def year_facets(entries: Sequence[Mapping[str, Any]]) -> list[Facet]:
    """The years present, newest first, with their counts."""
    counts = Counter(year for year in map(year_of, entries) if year)
    return [Facet(y, y, counts[y]) for y in sorted(counts, reverse=True)]


def tag_facets(entries: Sequence[Mapping[str, Any]]) -> list[Facet]:
    """Every tag, the most used first (ties A to Z), with its count."""
    counts = Counter(str(t) for e in entries for t in set(e.get("tags") or ()))
    return [Facet(t, t, n) for t, n in sorted(counts.items(), key=lambda tn: (-tn[1], tn[0]))]
