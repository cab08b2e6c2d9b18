"""Signed download URLs: their signatures and tokens never go into the catalog a team commits.

A redirect to cloud storage carries a key to the file in its query string
(AWS ``X-Amz-Signature``, Azure SAS ``sig=``/``se=``, Google ``X-Goog-Signature``,
or a plain ``token=``, ``signature=``, ``expires=``). Stored as a link's
``final_url`` it would hand the key to everyone who reads the repository, and
change the catalog every night as the signature does. Such parameters are
replaced by ``REDACTED``; the rest of the URL stays, so a reader still sees
where the link led.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
_PREFIXES = ("x-amz-", "x-goog-")
_NAMES = frozenset(
    {
        "sig",
        "se",
        "st",
        "sv",
        "sp",
        "skoid",
        "sktid",
        "token",
        "signature",
        "expires",
        "googleaccessid",
        "awsaccesskeyid",
        "key-pair-id",
        "policy",
        "access_token",
    }
)


def is_secret(name: str) -> bool:
    """Whether a query parameter named ``name`` carries a signature, key or token."""
    lowered = name.lower()
    return lowered in _NAMES or lowered.startswith(_PREFIXES)


def without_signatures(url: str) -> str:
    """``url`` with the values of its signing parameters replaced; unchanged when it has none."""
    if "?" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(is_secret(name) for name, _ in pairs):
        return url
    kept = [(name, REDACTED if is_secret(name) else value) for name, value in pairs]
    return urlunsplit(parts._replace(query=urlencode(kept, safe="/:")))
