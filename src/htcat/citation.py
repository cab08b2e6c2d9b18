"""An entry's ``citation``: what a citation needs beyond title, people, date and publisher.

Held by CSL's own names, so that CSL-JSON, RIS and BibTeX write and read it
one way (`htcat.formats.csl`). `htcat.model` checks each part as text.
"""

from __future__ import annotations

import json

from htcat.errors import FieldProblem

CITATION_FIELDS = (
    "container-title",
    "collection-title",
    "volume",
    "issue",
    "page",
    "number",
    "ISBN",
    "ISSN",
    "publisher-place",
)
"""The journal (``container-title``) or series (``collection-title``), its volume and issue,
the pages, a report's or document's number, ISBN, ISSN and place of publication. A DOI is
not among them: it is a link (``https://doi.org/…``), where `check` watches it."""
_SHAPE = 'must be an object such as {"volume": "12"}'


def citation_parts(value: object) -> tuple[dict[str, object], list[FieldProblem]]:
    """The parts of a citation given as an object, or as JSON text (a CSV cell, ``--set``),
    in `CITATION_FIELDS` order; a problem for each part htcat does not know.

    A number (CSL allows ``"volume": 19``) is its text. The parts' text is left to the
    caller's checks.
    """
    if isinstance(value, str):
        if not value.strip():
            return {}, []
        try:
            value = json.loads(value)
        except ValueError:
            return {}, [FieldProblem("citation", value, _SHAPE)]
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, [FieldProblem("citation", value, _SHAPE)]
    problems = [
        FieldProblem(f"citation.{key}", part, "unknown; expected " + ", ".join(CITATION_FIELDS))
        for key, part in value.items()
        if key not in CITATION_FIELDS
    ]
    parts = {
        key: str(value[key]) if type(value[key]) in (int, float) else value[key]
        for key in CITATION_FIELDS
        if key in value
    }
    return parts, problems
