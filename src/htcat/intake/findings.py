"""What one layer of a source's metadata says, and the order of trust between layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
TRUST: tuple[Layer, ...] = (
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
)
"""Most trusted first: what the user typed, the DOI's CSL-JSON record, Highwire
``citation_*``, Dublin Core, schema.org JSON-LD, Open Graph, plain ``<meta>``
(author, description, keywords), the page's ``<title>`` without its site name,
the PDF's document information, and last a date read from the running text."""
FIELDS = ("title", "type", "date", "publisher", "people", "summary", "tags")
"""The fields a source can fill; links are gathered, not ranked."""


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
        """Record ``value`` for ``name`` in ``layer`` unless that layer already said it."""
        if value in (None, "", [], ()):
            return
        self.values.setdefault(layer, {}).setdefault(name, value)
