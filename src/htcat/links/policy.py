"""The check policy a team keeps beside its catalog: ``htcat.toml`` in the catalog's folder.

A nightly job lives on its false alarms, and some are known in advance: a
host that answers bots 403, links nobody should request, a host that wants
one request at a time. The policy says so once, in the repository, for
``check`` and ``fetch`` alike; command-line options add to it. Read with the
standard library's tomllib; a bad file is refused with the file, key and
value named.

```toml
[links]
user_agent = "htcat (catalog-team@example.org)"
require_https = true
skip = ["*.linkedin.com", "https://example.org/private/*"]
fail_after = 3      # check fails only for links failed 3 checks in a row

[links.accept]
"www.sec.gov" = [403]

[links.hosts."www.ojp.gov"]
per_host = 1
```

A pattern with ``://`` is matched against the whole URL, any other against
the URL's host name; both are shell-style globs (``*``, ``?``), case-blind
(`htcat.links.config.Policy`). The ``[oembed]`` and ``[suggest]`` sections
(and ``[documents]``, the limits on a document's text: ``max_pages``,
``max_chars``) and the options that add to the policy are read here too, into the plain
settings of `htcat.links.config`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from htcat.errors import InputError
from htcat.links.config import (
    DEFAULT_ARCHIVE,
    DEFAULT_PLATFORMS,
    GONE_STATUSES,
    Accept,
    DocumentLimits,
    HostLimit,
    LinkConfig,
    Platform,
    Policy,
    SuggestPolicy,
    WebArchive,
)

POLICY_FILE = "htcat.toml"
"""The policy's name in the catalog's folder: ``data/htcat.toml`` beside ``data/catalog.json``."""


_KEYS = ("user_agent", "require_https", "skip", "accept", "hosts", "fail_after")


def read_config(path: Path) -> LinkConfig:
    """The ``[links]`` table of the policy file at ``path``; the defaults when there is none.

    Raises InputError naming the file, the key and the value for anything it
    cannot use, so a typo is found the first night, not ignored every night.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LinkConfig()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the policy: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"links", "oembed", "suggest", "intake", "documents"})
    if unknown:
        raise InputError(
            f"{path}: unknown table or key {unknown[0]!r}; "
            "expected [links], [oembed], [suggest], [intake], [documents]"
        )
    table = data.get("links", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: links: expected a table, not {table!r}")
    try:
        recordings, suggest = platforms_from_policy(data), suggest_policy(data)
        documents = document_limits(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return replace(
        _config(path, table), recordings=recordings, suggest=suggest, documents=documents
    )


def _config(path: Path, table: Mapping[str, Any]) -> LinkConfig:
    def bad(key: str, value: object, expected: str) -> InputError:
        return InputError(f"{path}: links.{key} = {value!r}: expected {expected}")

    for key in table:
        if key not in _KEYS:
            raise bad(key, table[key], f"one of the keys {', '.join(_KEYS)}")
    user_agent = table.get("user_agent")
    if user_agent is not None and (not isinstance(user_agent, str) or not user_agent.strip()):
        raise bad("user_agent", user_agent, "a non-empty string")
    require_https = table.get("require_https", False)
    if not isinstance(require_https, bool):
        raise bad("require_https", require_https, "true or false")
    skip = table.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(p, str) and p for p in skip):
        raise bad("skip", skip, "a list of URL or host patterns")
    accept = table.get("accept", {})
    if not isinstance(accept, dict):
        raise bad("accept", accept, 'a table of patterns and statuses: "host" = [403]')
    accepted = []
    for pattern, statuses in accept.items():
        if (
            not isinstance(statuses, list)
            or not statuses
            or not all(_is_status(s) for s in statuses)
        ):
            raise bad(f"accept.{pattern!r}", statuses, "a list of HTTP statuses (100-599)")
        accepted.append(Accept(pattern, frozenset(statuses)))
    hosts = table.get("hosts", {})
    if not isinstance(hosts, dict):
        raise bad("hosts", hosts, "a table of host patterns")
    limits = []
    for pattern, limit in hosts.items():
        per_host = limit.get("per_host") if isinstance(limit, dict) else None
        if not isinstance(limit, dict) or set(limit) != {"per_host"}:
            raise bad(f"hosts.{pattern!r}", limit, "a table with per_host = N")
        if not isinstance(per_host, int) or isinstance(per_host, bool) or per_host < 1:
            raise bad(f"hosts.{pattern!r}.per_host", per_host, "a whole number of at least 1")
        limits.append(HostLimit(pattern, per_host))
    fail_after = table.get("fail_after", 1)
    if not isinstance(fail_after, int) or isinstance(fail_after, bool) or fail_after < 1:
        raise bad("fail_after", fail_after, "a whole number of at least 1")
    policy = Policy(require_https, tuple(skip), tuple(accepted), tuple(limits))
    return LinkConfig(policy=policy, user_agent=user_agent, fail_after=fail_after)


def _is_status(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


def parse_accept(text: str) -> Accept:
    """``--accept www.sec.gov=403,429`` as an Accept; InputError naming the value otherwise."""
    pattern, _, statuses = text.rpartition("=")
    parts = [s.strip() for s in statuses.split(",")]
    if not pattern or not all(p.isdigit() and 100 <= int(p) <= 599 for p in parts):
        raise InputError(
            f"--accept {text!r}: expected PATTERN=STATUS[,STATUS], e.g. www.sec.gov=403"
        )
    return Accept(pattern, frozenset(int(p) for p in parts))


def archive_url(text: str, where: str = "--archive") -> WebArchive:
    """A WebArchive from a user's URL; InputError unless it is an absolute http(s) URL."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{where} {text!r}: expected an http or https URL of a web archive")
    return WebArchive(text.strip())


def suggest_policy(policy: Mapping[str, Any]) -> SuggestPolicy:
    """``[suggest]`` of a parsed check policy: ``enabled`` (default false) and ``archive``."""
    section = policy_section(policy, "suggest", ("enabled", "archive"))
    enabled = policy_flag(section, "suggest", "enabled", False)
    url = section.get("archive", DEFAULT_ARCHIVE)
    if not isinstance(url, str):
        raise InputError(f"[suggest] archive {url!r}: expected a URL")
    return SuggestPolicy(enabled, archive_url(url, "[suggest] archive"))


def platforms_from_policy(policy: Mapping[str, Any]) -> tuple[Platform, ...]:
    """The platform table a parsed check policy asks for.

    ``[oembed]`` may say ``enabled = false`` (no platform is asked) and list
    ``[[oembed.platforms]]`` tables with ``name``, ``match`` (a regular
    expression), ``endpoint`` (with ``{url}``) and optionally ``gone`` (the
    statuses that mean removed). A platform named like a default one replaces
    it; others are added after the defaults. Raises InputError naming the key.
    """
    section = policy_section(policy, "oembed", ("enabled", "platforms"))
    if not policy_flag(section, "oembed", "enabled", True):
        return ()
    listed = section.get("platforms", [])
    if not isinstance(listed, list):
        raise InputError("[oembed] platforms: expected an array of tables [[oembed.platforms]]")
    table = {p.name.casefold(): p for p in DEFAULT_PLATFORMS}
    for index, item in enumerate(listed, start=1):
        platform = _platform(item, f"[[oembed.platforms]] #{index}")
        table[platform.name.casefold()] = platform
    return tuple(table.values())


def _platform(item: object, where: str) -> Platform:
    if not isinstance(item, Mapping):
        raise InputError(f"{where}: expected a table with name, match and endpoint")
    unknown = sorted(set(item) - {"name", "match", "endpoint", "gone"})
    if unknown:
        raise InputError(f"{where} {unknown[0]}: unknown key; expected name, match, endpoint, gone")
    text = {}
    for key in ("name", "match", "endpoint"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where} {key} {value!r}: expected a non-empty string")
        text[key] = value
    try:
        match = re.compile(text["match"], re.IGNORECASE)
    except re.error as exc:
        raise InputError(
            f"{where} match {text['match']!r}: not a regular expression: {exc}"
        ) from None
    endpoint = text["endpoint"]
    if "{url}" not in endpoint or not endpoint.startswith(("http://", "https://")):
        raise InputError(f"{where} endpoint {endpoint!r}: expected an http(s) URL with {{url}}")
    gone = item.get("gone", sorted(GONE_STATUSES))
    if not (
        isinstance(gone, list)
        and gone
        and all(isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in gone)
    ):
        raise InputError(f"{where} gone {gone!r}: expected a list of 4xx/5xx statuses")
    return Platform(text["name"], match, endpoint, frozenset(gone))


MAX_PAGES = 1_000_000
"""The most pages of a document the text store has room to number."""


def document_limits(policy: Mapping[str, Any]) -> DocumentLimits:
    """``[documents]`` of a parsed policy: ``max_pages`` (up to a million) and ``max_chars``."""
    section = policy_section(policy, "documents", ("max_pages", "max_chars"))
    found: dict[str, int] = {}
    for key, value in section.items():
        most = MAX_PAGES if key == "max_pages" else None
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or value < 1 or (most is not None and value > most):
            upto = f" and at most {most:,}" if most else ""
            raise InputError(
                f"[documents] {key} {value!r}: expected a whole number of at least 1{upto}"
            )
        found[key] = value
    return DocumentLimits(**found)


def policy_section(
    policy: Mapping[str, Any], name: str, keys: tuple[str, ...]
) -> Mapping[str, Any]:
    """``policy[name]`` (empty when absent); InputError unless it is a table of ``keys`` only."""
    section = policy.get(name, {})
    if not isinstance(section, Mapping):
        raise InputError(f"[{name}]: expected a table")
    unknown = sorted(set(section) - set(keys))
    if unknown:
        raise InputError(f"[{name}] {unknown[0]}: unknown key; expected {' or '.join(keys)}")
    return section


def policy_flag(section: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
    """``section[key]`` as a boolean, ``default`` when absent."""
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"[{name}] {key} {value!r}: expected true or false")
    return value
