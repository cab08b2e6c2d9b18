"""People's names: as typed, as shown, as CSL holds them (``family``/``given`` or ``literal``).

One way to read a name and one way to write it back, so that an edit, an
import and an export agree on who is who.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from htcat.errors import FieldProblem, InvalidEntry

PARTICLES = frozenset(
    {"da", "de", "del", "della", "der", "di", "dos", "du", "la", "le", "van", "von"}
)
"""Lower-case words that belong to the family name that follows them (``van Beethoven``)."""
NAME_PARTS = ("family", "given", "literal")
"""A person's name as CSL holds it: ``family`` and ``given``, or one ``literal`` name."""
NAME_AFFIXES = ("non-dropping-particle", "dropping-particle", "suffix")
"""The parts of a family and given name CSL keeps apart (``van`` Gogh, ``de`` La Fontaine,
King ``Jr.``), so that styles sort and print them as they should; stored only when given."""
_FAMILY_FIRST_RE = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
"""Han, kana and hangul: scripts whose names are written family name first."""
_BRACED_FAMILY_RE = re.compile(r"\{(.*)\} ?,(.*)")
"""``{King, Jr.}, Martin Luther``: a family name that holds a comma, braced."""


def split_name(text: str) -> dict[str, str]:
    """A name as typed, as ``family``/``given`` (or ``literal``).

    ``{Office on Trafficking in Persons}`` is an organization, kept whole as
    ``literal``; ``Martinez de Vedia, Gonzalo`` is family, given, as written
    (``Family,`` alone is a family name with no given name; ``{Family, Jr.},
    Given`` for a family name with a comma). Otherwise the
    last word is the family name, with the lower-case particles before it
    (``Ludwig van Beethoven``), except in Chinese, Japanese and Korean script,
    where the first word is. One word is a family name.
    """
    name = " ".join(text.split())
    braced = _BRACED_FAMILY_RE.fullmatch(name)
    if braced:
        return {"family": braced[1].strip(), "given": braced[2].strip()}
    if len(name) > 1 and name.startswith("{") and name.endswith("}"):
        return {"literal": " ".join(name[1:-1].split())}
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given}
    words = name.split(" ")
    if len(words) < 2:
        return {"family": name, "given": ""}
    if _FAMILY_FIRST_RE.search(name):
        return {"family": words[0], "given": " ".join(words[1:])}
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


def name_text(person: Mapping[str, Any]) -> str:
    """A person's name as `split_name` reads it back: ``Family, Given`` or ``{Literal}``."""
    if person.get("literal"):
        return "{" + str(person["literal"]) + "}"
    family, given = str(person.get("family") or ""), str(person.get("given") or "")
    if "," in family or family.startswith("{"):
        return f"{{{family}}}, {given}".rstrip()
    if given:
        return f"{family}, {given}"
    return family + "," if " " in family else family


def display_name(person: Mapping[str, Any]) -> str:
    """A person's name as people read it: ``Gonzalo Martinez de Vedia``, or the literal name."""
    if person.get("literal"):
        return str(person["literal"])
    order = ("given", "dropping-particle", "non-dropping-particle", "family")
    shown = " ".join(str(person[k]) for k in order if person.get(k))
    return f"{shown}, {person['suffix']}" if person.get("suffix") else shown


def person_matches(person: Mapping[str, Any], text: str) -> bool:
    """Whether ``text`` names ``person``: as shown, or in any form `split_name` reads."""
    wanted = " ".join(text.split())
    if wanted in (display_name(person), name_text(person)):
        return True
    parts = split_name(wanted)
    return all(str(person.get(k) or "") == parts.get(k, "") for k in NAME_PARTS)


def parse_person_text(text: str) -> dict[str, Any]:
    """A person from ``name``, ``name|role`` or ``name|role|affiliation`` (see `split_name`)."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) > 3:
        raise InvalidEntry([FieldProblem("people", text, "expected NAME|ROLE|AFFILIATION")])
    person: dict[str, Any] = split_name(parts[0])
    person.update(zip(("role", "affiliation"), parts[1:], strict=False))
    return person


def person_text(person: Mapping[str, Any]) -> str:
    """The ``name|role|affiliation`` form, the inverse of `parse_person_text`."""
    return f"{name_text(person)}|{person.get('role', '')}|{person.get('affiliation', '')}"


def migrated_person(person: Mapping[str, Any]) -> dict[str, Any]:
    """A person stored with one ``name`` (older catalogs), with that name split by `split_name`.

    Anything else is returned as it is, for the shape check to judge.
    """
    name = person.get("name")
    if not isinstance(name, str) or any(k in person for k in NAME_PARTS):
        return dict(person)
    rest = {k: v for k, v in person.items() if k != "name"}
    return split_name(name) | rest
