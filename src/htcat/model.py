"""Entries: their vocabulary, validation, slugs, tag normalization.

An entry is a plain JSON-ready ``dict`` so that fields htcat does not know
survive every read and write untouched; this module is the one place that
decides what a valid entry looks like. How a person's name is read and
written is `htcat.people`'s; how a URL is judged and compared, `htcat.urls`'s.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Container, Mapping
from typing import Any

from htcat.citation import citation_parts
from htcat.errors import FieldProblem, InvalidEntry
from htcat.nesting import MAX_NESTING, TOO_DEEP, nested_deeper, too_deep
from htcat.people import NAME_AFFIXES, NAME_PARTS, migrated_person, parse_person_text
from htcat.tags import normalize_tags
from htcat.urls import guess_kind, parse_link_text, url_problem

Entry = dict[str, Any]
"""An entry as stored: known fields validated, unknown fields kept as they are."""

TYPES = (
    "information-memorandum",
    "report",
    "research",
    "webinar",
    "fact-sheet",
    "toolkit",
    "training",
    "guidance",
    "data",
    "other",
)
TYPE_LABELS = {kind: kind.replace("-", " ").title() for kind in TYPES}
"""Each type as the library page shows it; a type may be given by its label, in any case."""
DEFAULT_TYPE = "other"
"""The type of an entry given none, on the command line, in a form or in an import."""
LINK_KINDS = (
    "pdf",
    "webinar",
    "video",
    "page",
    "transcript",
    "slides",
    "qa",
    "dataset",
    "other",
)
ROLES = ("author", "speaker", "moderator", "editor", "contributor")
STATUSES = ("draft", "published", "archived")
LIST_FIELDS = ("people", "audiences", "tags", "links")
TEXT_FIELDS = ("title", "type", "summary", "date", "publisher", "status", "notes")
STAMP_FIELDS = ("created", "updated")
KNOWN_FIELDS = ("id", *TEXT_FIELDS, *LIST_FIELDS, "citation", *STAMP_FIELDS)
"""Known fields in the order people read them (tables, CSV columns, forms)."""

EDITABLE_FIELDS = tuple(f for f in KNOWN_FIELDS if f not in ("id", *STAMP_FIELDS))
MAX_TITLE = 500
MAX_TEXT = 1_000_000
MAX_SLUG = 80

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_STAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_LINE_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_WIDE_SPACE_RE = re.compile(r"\s\s|[^\S ]")
"""White space a name part holds more of than one space between words."""
_SUSPECT_RE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
"""Any character a text check may refuse: most text has none and needs no closer look."""


def close_field(name: str) -> str | None:
    """The known field a mistyped field name (``tittle``) most likely meant, if any."""
    import difflib

    found = difflib.get_close_matches(name.strip().lower(), KNOWN_FIELDS, n=1, cutoff=0.7)
    return found[0] if found else None


def is_unicode_text(text: str) -> bool:
    """False for text with lone surrogates: command-line bytes that were not UTF-8.

    Python keeps such bytes as surrogates; they cannot be written as UTF-8,
    so they must be refused before they reach the catalog or SQLite.
    """
    return not _SURROGATE_RE.search(text)


def is_calendar_date(date: str) -> bool:
    """Whether a ``YYYY[-MM[-DD]]`` string names a real year, month or day."""
    match = _DATE_RE.match(date)
    if not match:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def type_named(text: str) -> str | None:
    """The type ``text`` names, by its name or its label in any case (``Fact Sheet``)."""
    found = _TYPE_NAMES.get(text)  # the common case: a type as htcat writes it
    return found or _TYPE_NAMES.get(" ".join(text.split()).casefold())


_TYPE_NAMES = {name: kind for kind, label in TYPE_LABELS.items() for name in (kind, label.lower())}


def now_stamp() -> str:
    """The UTC timestamp htcat writes into ``created`` and ``updated``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _MarkStripper(dict[int, int | None]):
    """A `str.translate` table that drops combining marks, filled as characters are met.

    Asking `unicodedata.combining` once per distinct character instead of once
    per character makes folding a catalog's text many times faster.
    """

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _MarkStripper()


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, for matching and sorting."""
    if text.isascii():
        return text.lower()
    # Folded again after NFKD, which makes capitals of some letters (script N to N).
    return unicodedata.normalize("NFKD", text.casefold()).casefold().translate(_WITHOUT_MARKS)


def slugify(title: str) -> str:
    """An id made from a title: ``[a-z0-9-]``, at most 80 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title).encode("ascii", "ignore").decode()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    return slug or "entry"


def unique_id(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever is free."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


_SHAPE_TEXT = frozenset((*TEXT_FIELDS, *STAMP_FIELDS))
_TEXT_ONLY = {str}
_PERSON_TEXT = frozenset((*NAME_PARTS, *NAME_AFFIXES, "role", "affiliation"))


def shape_problem(doc: Mapping[str, Any], *, nesting_checked: bool = False) -> str | None:
    """What makes ``doc`` unusable as an entry at all (no id, a field of the wrong type).

    Wrong values (an unknown type, a bad date) are for `validate_entry` and
    ``htcat doctor``; a wrong shape would break every command that reads it.
    Runs on every entry of every file read, so it is kept cheap. ``nesting_checked``
    when its bytes already showed it nests no deeper than allowed
    (`htcat.store.layout.nested_too_deep`).
    """
    ident = doc.get("id")
    if not ident:
        return "has no id"
    if type(ident) is not str:
        return f"id must be text, not {type(ident).__name__}"
    if "title" not in doc:
        return "has no title"
    # Each field present is looked at once: most are text, which needs no lookup.
    for key, value in doc.items():
        if type(value) is not str and key in _SHAPE_TEXT:
            return f"{key} must be text, not {type(value).__name__}"
    for key in ("tags", "audiences"):
        items = doc.get(key, [])
        if type(items) is not list or not set(map(type, items)) <= _TEXT_ONLY:
            return f"{key} must be a list of text"
    people = doc.get("people", [])
    if type(people) is not list:
        return "people must be a list"
    for person in people:
        if type(person) is not dict or not (
            type(person.get("family")) is str or type(person.get("literal")) is str
        ):
            return "people must be objects with a family or literal name"
        if any(type(v) is not str and k in _PERSON_TEXT for k, v in person.items()):
            return "people: names, role and affiliation must be text"
    citation = doc.get("citation", {})
    if type(citation) is not dict or not set(map(type, citation.values())) <= _TEXT_ONLY:
        return "citation must be an object of text"
    links = doc.get("links", [])
    if type(links) is not list:
        return "links must be a list"
    for link in links:
        if type(link) is not dict or type(link.get("url")) is not str:
            return "links must be objects with a url"
        if type(link.get("label", "")) is not str or type(link.get("kind", "")) is not str:
            return "links: label and kind must be text"
        check = link.get("check") or {}
        if type(check) is not dict:
            return "links: check must be an object"
        if type(check.get("outcome") or "") is not str:
            return "links: a check's outcome must be text"
    if not nesting_checked and nested_deeper(doc, TOO_DEEP):  # the field is named only then
        # JSON writers give up at a depth reading accepts: such an entry could
        # be read but never written, exported or indexed.
        return f"{too_deep(doc)[0]} is nested more than {MAX_NESTING} levels deep"
    return None


class _Checker:
    """Collects every problem of one entry instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, field: str, value: object, reason: str) -> None:
        self.problems.append(FieldProblem(field, value, reason))

    def text(self, field: str, value: object, *, multiline: bool = True) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(field, value, "must be text")
            return ""
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _SUSPECT_RE.search(value):
            if not is_unicode_text(value):
                self.fail(field, value, "is not valid UTF-8 text")
            if (_CONTROL_RE if multiline else _LINE_CONTROL_RE).search(value):
                self.fail(field, value, "contains control characters")
        if len(value) > MAX_TEXT:
            self.fail(field, value[:40], f"is longer than {MAX_TEXT:,} characters")
        return value if multiline else value.strip()

    def choice(self, field: str, value: object, choices: tuple[str, ...], default: str) -> str:
        text = self.text(field, value, multiline=False).lower() or default
        if text not in choices:
            self.fail(field, value, "must be one of " + ", ".join(choices))
        return text

    def entry_type(self, value: object) -> str:
        text = self.text("type", value, multiline=False)
        kind = type_named(text) if text else DEFAULT_TYPE
        if kind is None:
            self.fail("type", value, "must be one of " + ", ".join(TYPES))
            return text.lower()
        return kind

    def items(self, field: str, value: object) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(field, value, "must be a list")
            return []
        return value


def _check_date(c: _Checker, value: object) -> str:
    date = c.text("date", value, multiline=False)
    if not date:
        return ""
    match = _DATE_RE.match(date)
    if not match:
        c.fail("date", value, "must be YYYY, YYYY-MM or YYYY-MM-DD")
        return date
    if not is_calendar_date(date):
        c.fail("date", value, "is not a calendar date")
    return date


def _check_person(c: _Checker, raw: object) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = parse_person_text(raw)
    if not isinstance(raw, dict):
        c.fail("people", raw, "each person must be an object with family, given, role, affiliation")
        return None
    if "name" in raw:
        raw = migrated_person(raw)
    person = dict(raw)
    for part in NAME_PARTS:
        value = raw.get(part)
        text = (
            "" if value is None or value == "" else c.text(f"people.{part}", value, multiline=False)
        )
        person[part] = " ".join(text.split()) if _WIDE_SPACE_RE.search(text) else text
    for part in NAME_AFFIXES:
        affix = c.text(f"people.{part}", raw.get(part), multiline=False) if raw.get(part) else ""
        if affix:
            person[part] = " ".join(affix.split())
        else:
            person.pop(part, None)
    if person["literal"]:
        if person["family"] or person["given"]:
            c.fail(
                "people.literal",
                person["literal"],
                "an organization's one name cannot come with a family or given name",
            )
        del person["family"], person["given"]
    else:
        del person["literal"]
        if not person["family"]:
            c.fail(
                "people.family", raw.get("family"), "is required (or literal, for an organization)"
            )
    person["role"] = c.choice("people.role", raw.get("role"), ROLES, "author")
    person["affiliation"] = c.text("people.affiliation", raw.get("affiliation"), multiline=False)
    return person


def _check_link(c: _Checker, raw: object) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = parse_link_text(raw)
    if not isinstance(raw, dict):
        c.fail("links", raw, "each link must be an object with url, label, kind")
        return None
    link = dict(raw)
    url = c.text("links.url", raw.get("url"), multiline=False)
    problem = url_problem(url)
    if problem:
        c.fail("links.url", raw.get("url"), problem)
    link["url"] = url
    link["label"] = c.text("links.label", raw.get("label"), multiline=False)
    kind = raw.get("kind") or guess_kind(url)
    link["kind"] = c.choice("links.kind", kind, LINK_KINDS, "page")
    check = raw.get("check")
    if check is not None and not isinstance(check, dict):
        c.fail("links.check", check, "must be an object")
    elif check is not None and not isinstance(check.get("outcome", ""), str | None):
        c.fail("links.check.outcome", check["outcome"], "must be text")
    link["check"] = check
    return link


def _check_citation(c: _Checker, value: object) -> dict[str, str]:
    """The ``citation`` object, each part one line of text, empty parts left out."""
    parts, problems = citation_parts(value)
    c.problems += problems
    checked = {
        k: " ".join(c.text(f"citation.{k}", v, multiline=False).split()) for k, v in parts.items()
    }
    return {key: text for key, text in checked.items() if text}


def _check_strings(c: _Checker, field: str, value: object) -> list[str]:
    seen: dict[str, None] = {}
    for item in c.items(field, value):
        text = c.text(field, item, multiline=False)
        if text:
            seen.setdefault(text, None)
    return list(seen)


def validate_entry(raw: Mapping[str, Any], *, where: str = "") -> Entry:
    """The entry ``raw`` describes, normalized; raises `InvalidEntry` naming every problem.

    ``id``, ``created`` and ``updated`` are checked when present; assigning
    them is the store's job. Unknown fields are kept as they are.
    """
    c = _Checker()
    deep = too_deep(raw)
    for key in deep:
        c.fail(key, type(raw[key]).__name__, f"is nested more than {MAX_NESTING} levels deep")
    if deep:
        raw = {key: value for key, value in raw.items() if key not in deep}
    entry: Entry = dict(raw)
    if raw.get("id") not in (None, ""):
        ident = raw["id"]
        if not isinstance(ident, str) or not _ID_RE.match(ident):
            c.fail("id", ident, "must be lower-case letters, digits and single hyphens")
        entry["id"] = ident
    else:
        entry.pop("id", None)
    title = " ".join(c.text("title", raw.get("title")).split())
    if not title:
        c.fail("title", raw.get("title"), "is required")
    elif len(title) > MAX_TITLE:
        c.fail("title", title[:40] + "...", f"is longer than {MAX_TITLE} characters")
    entry["title"] = title
    entry["type"] = c.entry_type(raw.get("type"))
    entry["summary"] = c.text("summary", raw.get("summary")).strip()
    entry["date"] = _check_date(c, raw.get("date"))
    entry["publisher"] = c.text("publisher", raw.get("publisher"), multiline=False)
    entry["status"] = c.choice("status", raw.get("status"), STATUSES, "published")
    entry["notes"] = c.text("notes", raw.get("notes")).strip()
    people = (_check_person(c, p) for p in c.items("people", raw.get("people")))
    entry["people"] = [p for p in people if p is not None]
    entry["audiences"] = _check_strings(c, "audiences", raw.get("audiences"))
    entry["tags"] = normalize_tags(_check_strings(c, "tags", raw.get("tags")))
    links = (_check_link(c, link) for link in c.items("links", raw.get("links")))
    entry["links"] = [link for link in links if link is not None]
    entry["citation"] = _check_citation(c, raw.get("citation"))
    if not entry["citation"]:
        del entry["citation"]
    for field in STAMP_FIELDS:
        stamp = raw.get(field)
        if stamp in (None, ""):
            entry.pop(field, None)
        elif not isinstance(stamp, str) or not _STAMP_RE.match(stamp):
            c.fail(field, stamp, "must be a UTC timestamp like 2026-01-31T12:00:00Z")
    if c.problems:
        raise InvalidEntry(c.problems, where)
    return entry
