"""Gathering sources through the link client: timeouts and failures at the core's level."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.intake_site import IntakeSite
from htcat.errors import InputError
from htcat.intake.config import IntakeConfig, read_intake_config
from htcat.intake.fetching import gather_sources
from htcat.intake.sources import parse_source
from htcat.links.config import NetworkSettings, RetryPolicy, Timeouts

QUICK = NetworkSettings(
    timeouts=Timeouts(connect=2.0, read=0.5, total=2.0), retry=RetryPolicy(retries=0)
)


def test_a_resolver_that_does_not_answer_times_out_naming_the_doi(site: IntakeSite) -> None:
    config = IntakeConfig(site.url("/doi-hang/"))
    (got,) = gather_sources([parse_source("10.1234/slow")], QUICK, config)
    assert got.error is not None
    assert got.error.startswith(site.url("/doi-hang/10.1234/slow") + ": ")
    assert "within" in got.error


def test_a_doi_the_page_names_but_the_resolver_lacks_is_a_warning_not_a_failure(
    site: IntakeSite,
) -> None:
    config = IntakeConfig(site.url("/doi/"))
    source = parse_source(site.url("/pages/nature.com.telescope.html"))
    (got,) = gather_sources([source], QUICK, config)
    assert got.error is None and got.csl is None
    assert got.doi == "10.1038/d41586-019-02790-3"
    assert got.warnings and "HTTP 404" in got.warnings[0]


def test_the_resolver_is_read_from_the_file_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "htcat.toml"
    monkeypatch.delenv("HTCAT_DOI_RESOLVER", raising=False)
    assert read_intake_config(policy).doi_resolver == "https://doi.org/"
    policy.write_text('[intake]\ndoi_resolver = "http://127.0.0.1:9/doi"\n')
    assert read_intake_config(policy).doi_resolver == "http://127.0.0.1:9/doi/"
    monkeypatch.setenv("HTCAT_DOI_RESOLVER", "http://127.0.0.1:8/r/")
    assert read_intake_config(policy).doi_resolver == "http://127.0.0.1:8/r/"
    policy.write_text('[intake]\nresolver = "x"\n')
    with pytest.raises(InputError, match=r"intake\.resolver: unknown key"):
        read_intake_config(policy)
