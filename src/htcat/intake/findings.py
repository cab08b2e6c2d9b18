"""What one layer of a source's metadata says, and the order of trust between layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Layer = Literal[
    "option",
    "doi",
    "citation",
    "dublin-core",
    "json-ld",
    "open-graph",
    "meta",
    "title",
    "pdf-info",
    "text",
]
TRUST: tuple[Layer, ...] = get_args(Layer)
"""Most trusted first: what the user typed, the DOI's CSL-JSON record, Highwire
``citation_*``, Dublin Core, schema.org JSON-LD, Open Graph, plain ``<meta>``
(author, description, keywords), the page's ``<title>`` without its site name,
the PDF's document information, and last a date read from the running text."""
FIELDS = ("title", "type", "date", "publisher", "people", "summary", "tags", "citation")
"""The fields a source can fill; links are gathered, not ranked. Only a DOI's record
gives a ``citation`` (journal, volume, pages…)."""


@dataclass
class Findings:
    """What a page or PDF says, layer by layer, before the layers are ranked.

    ``values[layer][field]`` holds one layer's value of a field; ``links`` are
    the documents a landing page links to, each with a kind; ``doi`` is a DOI
    the source names for itself; ``refresh`` is where a meta refresh sends.
    """

    values: dict[Layer, dict[str, Any]] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    doi: str | None = None
    refresh: str | None = None
    warnings: list[str] = field(default_factory=list)

    def put(self, layer: Layer, name: str, value: Any) -> None:
        """Record ``value`` for ``name`` in ``layer`` unless that layer already said it.

        Control characters are dropped on the way in: a page may hold them, but
        no catalog field may, and one stray byte must not refuse the whole entry.
        """
        value = _without_controls(value)
        if value in (None, "", [], ()):
            return
        self.values.setdefault(layer, {}).setdefault(name, value)


_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
"""C0 controls and DEL, but tab and line feed, which text fields may hold."""


def _without_controls(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_CONTROLS).strip()
    if isinstance(value, list):
        return [v for v in (_without_controls(item) for item in value) if v not in ("", None)]
    if isinstance(value, dict):
        return {k: _without_controls(v) for k, v in value.items()}
    return value
