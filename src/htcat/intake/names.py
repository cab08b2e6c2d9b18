"""People as pages name them: a person's name split as htcat stores it, an organization whole."""

from __future__ import annotations

import re

from htcat.people import split_name

NAME_RE = re.compile(
    r"(?:Dr\.\s+)?[A-Z][\w'.-]+(?:\s+(?:de|del|da|van|von|la|le|[A-Z][\w'.-]+)){1,3}"
)
"""A person's name in running text: two to four words, capitalized but for particles."""
_ORGANIZATION_RE = re.compile(
    r"(?i)\b(staff|press|office|department|agency|institute|center|centre|foundation|"
    r"association|council|university|administration|team|news|editors?|inc|ltd|llc)\b"
)


def person_named(name: str, role: str, affiliation: str = "") -> dict[str, str] | None:
    """A person from a name as a page writes it; an organization's name kept whole."""
    text = " ".join(name.split()).strip(" ,;")
    if not text or len(text) > 200 or text.startswith(("http://", "https://")):
        return None
    if _ORGANIZATION_RE.search(text) or len(text.split()) > 5 or re.search(r"[()@]|www\.", text):
        person: dict[str, str] = {"literal": text}
    else:
        person = dict(split_name(text))
    person["role"] = role
    if affiliation:
        person["affiliation"] = affiliation
    return person
