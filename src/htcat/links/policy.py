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

[links.accept]
"www.sec.gov" = [403]

[links.hosts."www.ojp.gov"]
per_host = 1
```

A pattern with ``://`` is matched against the whole URL, any other against
the URL's host name; both are shell-style globs (``*``, ``?``), case-blind.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from htcat.errors import InputError
from htcat.links.archive import SuggestPolicy, suggest_policy
from htcat.links.recordings import DEFAULT_PLATFORMS, Platform, platforms_from_policy

POLICY_FILE = "htcat.toml"
"""The policy's name in the catalog's folder: ``data/htcat.toml`` beside ``data/catalog.json``."""


@dataclass(frozen=True)
class Accept:
    """Statuses a link matching ``pattern`` may answer: ``ok``, with a warning that says so."""

    pattern: str
    statuses: frozenset[int]


@dataclass(frozen=True)
class HostLimit:
    """Requests in flight at once to hosts matching ``pattern``."""

    pattern: str
    per_host: int


@dataclass(frozen=True)
class Policy:
    """What to skip, what to accept, what to require, and per-host limits."""

    require_https: bool = False
    skip: tuple[str, ...] = ()
    accept: tuple[Accept, ...] = ()
    hosts: tuple[HostLimit, ...] = ()

    def skips(self, url: str) -> bool:
        """Whether ``url`` is never to be requested."""
        return any(matches(pattern, url) for pattern in self.skip)

    def accepts(self, url: str, status: int) -> bool:
        """Whether ``status`` from ``url`` is acceptable (a warning, not a failure)."""
        return any(status in a.statuses and matches(a.pattern, url) for a in self.accept)

    def per_host_for(self, host: str, default: int) -> int:
        """The in-flight limit for ``host`` (a host name, no port)."""
        for limit in self.hosts:
            if fnmatch.fnmatchcase(host.lower(), limit.pattern.lower()):
                return limit.per_host
        return default

    def with_options(
        self, *, require_https: bool, skip: tuple[str, ...], accept: tuple[Accept, ...]
    ) -> Policy:
        """This policy with the command line's additions."""
        return Policy(
            require_https=self.require_https or require_https,
            skip=(*self.skip, *skip),
            accept=(*self.accept, *accept),
            hosts=self.hosts,
        )


def matches(pattern: str, url: str) -> bool:
    """Whether ``url`` matches a policy pattern (see the module docstring)."""
    if "://" in pattern:
        return fnmatch.fnmatchcase(url.lower(), pattern.lower())
    host = urlsplit(url).hostname or ""
    return fnmatch.fnmatchcase(host, pattern.lower())


@dataclass(frozen=True)
class LinkConfig:
    """A policy file: the ``[links]`` policy and the settings it overrides, the video
    platforms of ``[oembed]`` and the web archive of ``[suggest]``."""

    policy: Policy = field(default_factory=Policy)
    user_agent: str | None = None
    recordings: tuple[Platform, ...] = DEFAULT_PLATFORMS
    suggest: SuggestPolicy = field(default_factory=SuggestPolicy)


_KEYS = ("user_agent", "require_https", "skip", "accept", "hosts")


def read_config(path: Path) -> LinkConfig:
    """The ``[links]`` table of the policy file at ``path``; the defaults when there is none.

    Raises InputError naming the file, the key and the value for anything it
    cannot use, so a typo is found the first night, not ignored every night.
    """
    import tomllib

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
    unknown = sorted(set(data) - {"links", "oembed", "suggest", "intake"})
    if unknown:
        raise InputError(
            f"{path}: unknown table or key {unknown[0]!r}; "
            "expected [links], [oembed], [suggest], [intake]"
        )
    table = data.get("links", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: links: expected a table, not {table!r}")
    try:
        recordings, suggest = platforms_from_policy(data), suggest_policy(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return replace(_config(path, table), recordings=recordings, suggest=suggest)


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
    policy = Policy(require_https, tuple(skip), tuple(accepted), tuple(limits))
    return LinkConfig(policy=policy, user_agent=user_agent)


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
