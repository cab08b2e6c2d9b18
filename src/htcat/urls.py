"""A link's URL and its text form: normalized, judged, its kind guessed, read and written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from htcat.errors import FieldProblem, InvalidEntry

_URL_REFUSED_RE = re.compile(r"[\s\x00-\x1f\x7f]")
_PLAIN_URL_RE = re.compile(
    r"(?i)(https?)://([a-z0-9.-]+)(?::(\d{1,5}))?(/[^\s#?]*)?(\?[^\s#]*)?(#\S*)?"
)
"""The common URL shape, handled without `urlsplit`; anything else takes the slow path."""
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalize_url(url: str) -> str:
    """The form used to decide that two links point at the same thing.

    Scheme and host lower-cased, default port, fragment and a trailing slash
    dropped. A URL too broken to split is compared as written.
    """
    plain = _PLAIN_URL_RE.fullmatch(url.strip())
    if plain:
        scheme, host, port, path, query, _ = plain.groups()
        scheme = scheme.lower()
        netloc = host.lower() + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")
        return f"{scheme}://{netloc}{(path or '').rstrip('/')}{query or ''}"
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, {"http": 80, "https": 443}.get(scheme)) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a link, or None when it can."""
    if not url:
        return "is empty"
    plain = _PLAIN_URL_RE.fullmatch(url)
    if plain and "." in plain[2] and int(plain[3] or 0) <= 65535:
        return None
    if _URL_REFUSED_RE.search(url):
        return "contains white space or control characters"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an absolute http or https URL"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "has an invalid port"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password"
    return None


def guess_kind(url: str) -> str:
    """The kind of a link given without one: a PDF by its path, else a page."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return "page"
    return "pdf" if path.lower().endswith(".pdf") else "page"


def parse_link_text(text: str) -> dict[str, Any]:
    """A link from ``url``, ``label|url``, ``url|kind`` or ``label|url|kind`` (CLI options,
    CSV cells and the form), the label-less forms told apart by where the ``://`` is."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) == 1:
        return {"url": parts[0]}
    if len(parts) == 2 and "://" in parts[0] and "://" not in parts[1]:
        return {"url": parts[0], "kind": parts[1]}
    if len(parts) == 2:
        return {"label": parts[0], "url": parts[1]}
    if len(parts) == 3:
        return {"label": parts[0], "url": parts[1], "kind": parts[2]}
    raise InvalidEntry([FieldProblem("links", text, "expected URL or LABEL|URL|KIND")])


def link_text(link: Mapping[str, Any]) -> str:
    """The ``label|url|kind`` form of a link, the inverse of `parse_link_text`: without
    a label, ``url|kind`` (or the URL alone), never a bare ``|`` in front."""
    if not link.get("label"):
        return f"{link['url']}|{link['kind']}" if link.get("kind") else link["url"]
    return f"{link['label']}|{link['url']}|{link.get('kind', '')}"
