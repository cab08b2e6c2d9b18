"""Signed download URLs lose their signatures and tokens before they are stored."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from htcat.links.results import CheckResult, merge_check
from htcat.links.signed import REDACTED, is_secret, without_signatures

AWS = (
    "https://bucket.s3.amazonaws.com/slides.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261207&X-Amz-Expires=3600&X-Amz-Signature=abc123&inline=1"
)


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        (AWS, ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Expires", "X-Amz-Signature"]),
        (
            "https://acct.blob.core.windows.net/c/a.pdf?sv=2024&se=2026-12-08&sp=r&sig=QkFE",
            ["sv", "se", "sp", "sig"],
        ),
        (
            "https://storage.googleapis.com/b/a.pdf?X-Goog-Signature=ff&X-Goog-Date=1",
            ["X-Goog-Signature", "X-Goog-Date"],
        ),
        ("https://cdn.example.org/a.pdf?token=s3cr3t&page=2", ["token"]),
        (
            "https://cdn.example.org/a.pdf?Expires=17&Signature=zz&Key-Pair-Id=K1",
            ["Expires", "Signature", "Key-Pair-Id"],
        ),
    ],
)
def test_each_kind_of_signed_url_keeps_its_place_and_loses_its_key(
    url: str, secrets: list[str]
) -> None:
    stripped = without_signatures(url)

    pairs = dict(parse_qsl(urlsplit(stripped).query))
    assert stripped.split("?")[0] == url.split("?")[0]
    assert all(pairs[name] == REDACTED for name in secrets)
    assert {name for name in pairs if pairs[name] != REDACTED} == {
        name for name in dict(parse_qsl(urlsplit(url).query)) if name not in secrets
    }


def test_a_url_without_secrets_is_left_exactly_as_it_was() -> None:
    url = "https://example.org/a.pdf?page=2&lang=en%20GB"

    assert without_signatures(url) == url


def test_a_stored_state_never_carries_a_signature() -> None:
    result = CheckResult(
        entry_id="e",
        url="https://example.org/slides",
        kind="slides",
        outcome="ok",
        status=200,
        final_url=AWS,
        redirects=((302, AWS),),
        checked="2026-12-07T02:00:00Z",
    )

    state = merge_check(None, result)

    assert "abc123" not in str(state) and "AKIA" not in str(state)
    assert state["final_url"].startswith("https://bucket.s3.amazonaws.com/slides.pdf?")


@given(st.text(), st.dictionaries(st.text(min_size=1), st.text(), max_size=5))
def test_any_url_with_any_query_never_keeps_a_secret_value(
    path: str, query: dict[str, str]
) -> None:
    from urllib.parse import urlencode

    url = f"https://example.org/{path}?{urlencode(query)}"

    stripped = without_signatures(url)

    for name, value in parse_qsl(urlsplit(stripped).query, keep_blank_values=True):
        assert not is_secret(name) or value == REDACTED
