"""``htcat enrich``: empty fields filled from each entry's page, DOI or PDF, read again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import RunCli, entries_in, write_catalog
from helpers.intake_site import IntakeSite

DOI = "10.5555/enrich"


@pytest.fixture(scope="module")
def site() -> Iterator[IntakeSite]:
    running = IntakeSite().start()
    running.csl[DOI] = {"type": "report", "title": "Resolved", "issued": {"date-parts": [[2020]]}}
    yield running
    running.stop()


@pytest.fixture
def catalog(site: IntakeSite, db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HTCAT_DOI_RESOLVER", site.url("/doi/"))
    page = site.url("/pages/reuters.com.parasite.html")
    return write_catalog(
        db,
        [
            {"id": "parasite", "title": "Parasite at the SAG awards", "links": [{"url": page}]},
            {"id": "by-doi", "title": "By DOI", "links": [{"url": f"https://doi.org/{DOI}"}]},
            {"id": "no-link", "title": "Nothing to read"},
        ],
    )


def test_dry_run_shows_each_change_field_by_field_and_writes_nothing(
    cli: RunCli, catalog: Path
) -> None:
    before = catalog.read_bytes()
    result = cli("enrich", "parasite", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "parasite  date: (empty) -> 2020-01-19" in result.stdout.splitlines()
    assert "parasite  title:" not in result.stdout
    assert "would change 1 entry of 1 selected" in result.stderr
    assert catalog.read_bytes() == before


def test_enrich_fills_empty_fields_and_keeps_what_a_person_wrote(
    cli: RunCli, catalog: Path
) -> None:
    result = cli("enrich", "parasite", "by-doi")
    assert result.exit_code == 0, result.stderr
    entries = entries_in(catalog)
    assert entries["parasite"]["title"] == "Parasite at the SAG awards"
    assert entries["parasite"]["date"] == "2020-01-19"
    assert entries["parasite"]["people"][0]["family"] == "Serjeant"
    assert entries["by-doi"]["title"] == "By DOI"
    assert entries["by-doi"]["type"] == "report"
    assert entries["by-doi"]["date"] == "2020"


def test_overwrite_replaces_a_named_field(cli: RunCli, catalog: Path) -> None:
    result = cli("enrich", "parasite", "--overwrite", "title")
    assert result.exit_code == 0, result.stderr
    title = entries_in(catalog)["parasite"]["title"]
    assert title == "'Parasite' scores historic upset at SAG awards, boosting Oscar chances"


def test_an_entry_without_a_link_to_read_is_left_as_it_is(cli: RunCli, catalog: Path) -> None:
    result = cli("enrich", "no-link")
    assert result.exit_code == 0
    assert "no-link: no page, DOI or PDF link to read; left as it is" in result.stderr


def test_a_source_that_fails_names_the_entry_and_changes_nothing(
    site: IntakeSite, cli: RunCli, db: Path
) -> None:
    write_catalog(db, [{"id": "gone", "title": "Gone", "links": [{"url": site.url("/x")}]}])
    before = db.read_bytes()
    result = cli("enrich", "gone")
    assert result.exit_code == 1
    assert f"gone: {site.url('/x')}: HTTP 404" in result.stderr
    assert db.read_bytes() == before


def test_an_unknown_field_to_overwrite_is_refused(cli: RunCli, catalog: Path) -> None:
    result = cli("enrich", "parasite", "--overwrite", "colour")
    assert result.exit_code == 2
    assert "--overwrite 'colour'" in result.stderr
