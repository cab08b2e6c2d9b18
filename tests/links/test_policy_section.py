"""A check policy's sections: tables of known keys, with errors that name the key."""

from __future__ import annotations

import tomllib

import pytest

from htcat.errors import InputError
from htcat.links.policy_section import policy_flag, policy_section


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
