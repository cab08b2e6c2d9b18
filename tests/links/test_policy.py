"""The check policy: what its patterns match, and how a bad htcat.toml is refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htcat.errors import InputError
from htcat.links.config import Accept, DocumentLimits, HostLimit, Policy
from htcat.links.policy import parse_accept, policy_flag, policy_section, read_config


def test_a_pattern_without_a_scheme_matches_the_host_and_one_with_matches_the_url() -> None:
    policy = Policy(skip=("*.linkedin.com", "https://example.org/members/*"))

    assert policy.skips("https://www.LinkedIn.com/in/someone")
    assert policy.skips("https://example.org/members/area")
    assert not policy.skips("https://example.org/public/members/")
    assert not policy.skips("https://linkedin.com.evil.example/")


def test_accepted_statuses_apply_to_their_pattern_only() -> None:
    policy = Policy(accept=(Accept("www.sec.gov", frozenset({403})),))

    assert policy.accepts("https://www.sec.gov/x.pdf", 403)
    assert not policy.accepts("https://www.sec.gov/x.pdf", 404)
    assert not policy.accepts("https://other.gov/x.pdf", 403)


def test_a_host_limit_overrides_the_default_for_its_hosts() -> None:
    policy = Policy(hosts=(HostLimit("*.ojp.gov", 1),))

    assert policy.per_host_for("www.ojp.gov", 4) == 1
    assert policy.per_host_for("example.org", 4) == 4


def test_a_full_policy_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text(
        '[links]\nuser_agent = "bot (a@example.org)"\nrequire_https = true\nskip = ["x.org"]\n'
        "fail_after = 3\n"
        '[links.accept]\n"www.sec.gov" = [403, 429]\n'
        '[links.hosts."www.ojp.gov"]\nper_host = 1\n'
    )

    config = read_config(path)

    assert config.user_agent == "bot (a@example.org)"
    assert config.fail_after == 3
    assert config.policy == Policy(
        require_https=True,
        skip=("x.org",),
        accept=(Accept("www.sec.gov", frozenset({403, 429})),),
        hosts=(HostLimit("www.ojp.gov", 1),),
    )


def test_no_policy_file_is_the_defaults(tmp_path: Path) -> None:
    config = read_config(tmp_path / "htcat.toml")

    assert (config.policy, config.user_agent, config.fail_after) == (Policy(), None, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[links.hosts."a.org"]\nper_host = 0\n', "links.hosts.'a.org'.per_host = 0"),
        ('[links.hosts."a.org"]\nlimit = 1\n', "links.hosts.'a.org' = {'limit': 1}"),
        ("[links]\nrequire_https = 1\n", "links.require_https = 1: expected true or false"),
        ('[links]\nuser_agent = ""\n', "links.user_agent = '': expected a non-empty string"),
        ("[check]\n", "unknown table or key 'check'"),
        (
            "[links]\nfail_after = 0\n",
            "links.fail_after = 0: expected a whole number of at least 1",
        ),
        ("[links]\nfail_after = true\n", "links.fail_after = True: expected a whole number"),
    ],
)
def test_a_bad_value_is_refused_naming_file_key_and_value(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text(text)

    with pytest.raises(InputError, match="^" + str(path).replace(".", r"\.")) as raised:
        read_config(path)

    assert message in str(raised.value)


TOML_ISH = st.text(alphabet="[]=\"'\n .,{}0123456789abcdeknrstuvx_-", max_size=120)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), TOML_ISH.map(str.encode)))
def test_anything_in_a_policy_file_is_read_or_refused_in_one_line_naming_it(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("policy") / "htcat.toml"
    path.write_bytes(b"[links]\n" + raw)
    try:
        read_config(path)
    except InputError as error:
        assert str(error).startswith(f"{path}: ")
        assert "\n" not in str(error)


@pytest.mark.parametrize("text", ["403", "www.sec.gov=", "www.sec.gov=abc", "x=99"])
def test_a_bad_accept_option_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="expected PATTERN=STATUS"):
        parse_accept(text)


def test_an_accept_option_names_a_pattern_and_statuses() -> None:
    assert parse_accept("www.sec.gov=403,429") == Accept("www.sec.gov", frozenset({403, 429}))


def test_the_oembed_and_suggest_sections_are_read_with_the_links_table(tmp_path: Path) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text(
        '[links]\nuser_agent = "team"\n\n[oembed]\nenabled = false\n\n'
        '[suggest]\nenabled = true\narchive = "http://127.0.0.1:9/timemap/link/"\n'
    )
    config = read_config(path)
    assert config.user_agent == "team"
    assert config.recordings == ()
    assert config.suggest.enabled
    assert config.suggest.archive.url == "http://127.0.0.1:9/timemap/link/"


def test_the_documents_limits_are_read_and_default_when_absent(tmp_path: Path) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text("[documents]\nmax_pages = 40\n")

    assert read_config(path).documents == DocumentLimits(max_pages=40, max_chars=5_000_000)
    assert read_config(tmp_path / "none.toml").documents == DocumentLimits()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_pages = 0", r"max_pages 0: expected a whole number of at least 1 and at most"),
        ("max_pages = 1000001", r"max_pages 1000001: expected"),
        ("max_chars = true", r"max_chars True: expected a whole number of at least 1$"),
        ("pages = 3", r"pages: unknown key"),
    ],
)
def test_a_bad_documents_limit_is_refused_naming_the_file(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text(f"[documents]\n{line}\n")
    with pytest.raises(InputError, match=rf"^{path}: \[documents\] {message}"):
        read_config(path)


def test_a_bad_suggest_section_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "htcat.toml"
    path.write_text("[suggest]\narchive = 3\n")
    with pytest.raises(InputError, match=rf"^{path}: \[suggest\] archive 3"):
        read_config(path)


def test_an_absent_section_is_empty_and_a_flag_takes_its_default() -> None:
    section = policy_section({}, "suggest", ("enabled",))

    assert section == {}
    assert policy_flag(section, "suggest", "enabled", True) is True


def test_a_section_and_its_flag_are_read_as_written() -> None:
    policy = tomllib.loads("[oembed]\nenabled = false\n")

    assert (
        policy_flag(policy_section(policy, "oembed", ("enabled",)), "oembed", "enabled", True)
        is False
    )


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("oembed = 1", "[oembed]: expected a table"),
        (
            "[oembed]\nplatform = []",
            "[oembed] platform: unknown key; expected enabled or platforms",
        ),
        ("[oembed]\nenabled = 'no'", "[oembed] enabled 'no': expected true or false"),
    ],
)
def test_a_bad_section_is_refused_naming_the_key(policy: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        section = policy_section(tomllib.loads(policy), "oembed", ("enabled", "platforms"))
        policy_flag(section, "oembed", "enabled", True)

    assert str(refused.value) == message


def test_host_patterns_are_case_blind_in_skip_accept_and_host_limits() -> None:
    policy = Policy(
        skip=("*.LinkedIn.COM", "HTTPS://Example.ORG/Members/*"),
        accept=(Accept("WWW.Sec.Gov", frozenset({403})),),
        hosts=(HostLimit("*.OJP.gov", 1),),
    )

    assert policy.skips("https://www.linkedin.com/in/someone")
    assert policy.skips("https://example.org/members/area")
    assert policy.accepts("https://www.sec.gov/x.pdf", 403)
    assert policy.per_host_for("www.ojp.gov", 4) == 1
    assert policy.per_host_for("WWW.OJP.GOV", 4) == 1


_HOST = st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z]{2,6}){1,2}", fullmatch=True)


@given(host=_HOST, flips=st.lists(st.booleans(), min_size=30, max_size=30))
def test_a_host_pattern_matches_its_host_however_either_is_cased(
    host: str, flips: list[bool]
) -> None:
    pattern = "".join(c.upper() if flip else c for c, flip in zip(host, flips, strict=False))
    url = f"https://{host.upper()}/a.pdf"
    policy = Policy(
        skip=(pattern,), accept=(Accept(pattern, frozenset({403})),), hosts=(HostLimit(pattern, 1),)
    )

    assert policy.skips(url)
    assert policy.accepts(url, 403)
    assert policy.per_host_for(host.upper(), 4) == 1
    assert policy.per_host_for(host, 4) == 1
