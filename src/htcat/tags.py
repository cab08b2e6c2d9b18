"""Tags as every entry stores them: trimmed, lower case, hyphenated, never holding a comma.

One rule for every way a tag comes in (``--tag``, the form, an import, a
rename), so that a tag typed ``Labor Trafficking`` is found as
``labor-trafficking`` everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TAG_COMMA_RE = re.compile(r"-*,-*")
"""A comma between tags, with the hyphens an older htcat made of the spaces around it."""


def normalize_tag(tag: str) -> str:
    """Trimmed, lower case, inner white space (and any comma) to ``-``."""
    return re.sub(r"\s+", "-", tag.replace(",", " ").strip().lower())


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Normalized, unique and sorted, as every entry stores them.

    A tag holding a comma is the tags it separates: ``labor trafficking,
    agriculture`` is two tags, wherever it was typed; no tag ever holds a comma.
    """
    split = (part for tag in tags for part in _TAG_COMMA_RE.split(tag))
    return sorted({t for t in map(normalize_tag, split) if t})
