"""Intake settings: the DOI resolver, from ``[intake]`` in htcat.toml or the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from htcat.errors import InputError

DEFAULT_DOI_RESOLVER = "https://doi.org/"
DOI_RESOLVER_VARIABLE = "HTCAT_DOI_RESOLVER"
CSL_JSON = "application/vnd.citationstyles.csl+json"
"""What a DOI resolver is asked for: Crossref, DataCite and mEDRA all answer it."""
CONCURRENCY = 8
PER_HOST = 2
"""Requests in flight at once, and to one host (unless htcat.toml's ``[links.hosts]``
says fewer): ``fetch``'s gentler pace, since each source is read whole."""


@dataclass(frozen=True)
class IntakeConfig:
    """Where DOIs are resolved: ``doi_resolver`` ends in ``/`` and the DOI is appended."""

    doi_resolver: str = DEFAULT_DOI_RESOLVER

    def doi_url(self, doi: str) -> str:
        return self.doi_resolver + doi


def _resolver(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise InputError(f"{where} = {value!r}: expected an http(s) URL such as https://doi.org/")
    return value if value.endswith("/") else value + "/"


def read_intake_config(path: Path) -> IntakeConfig:
    """The ``[intake]`` table of the policy file at ``path``, under ``HTCAT_DOI_RESOLVER``."""
    resolver = DEFAULT_DOI_RESOLVER
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from None
    table = data.get("intake", {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: intake: expected a table, not {table!r}")
    for key in table:
        if key != "doi_resolver":
            raise InputError(f"{path}: intake.{key}: unknown key; expected doi_resolver")
    if "doi_resolver" in table:
        resolver = _resolver(table["doi_resolver"], f"{path}: intake.doi_resolver")
    if os.environ.get(DOI_RESOLVER_VARIABLE):
        resolver = _resolver(os.environ[DOI_RESOLVER_VARIABLE], DOI_RESOLVER_VARIABLE)
    return IntakeConfig(resolver)
