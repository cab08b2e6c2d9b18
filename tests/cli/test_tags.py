"""tag (many entries, one write), tags (counts) and tags rename (rename or merge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import OLD, entries_in, write_catalog
from htcat.store import fs

ENTRIES = [
    {"title": "Webinar One", "type": "webinar", "date": "2022", "tags": ["draft", "labor"]},
    {"title": "Webinar Two", "type": "webinar", "date": "2020", "tags": ["labor"]},
    {"title": "Report One", "type": "report", "date": "2023", "tags": ["forced-labour"]},
    {
        "title": "Report Two",
        "type": "report",
        "date": "2021",
        "tags": ["forced-labour", "forced-labor"],
    },
]


@pytest.fixture
def tag_db(db: Path) -> Path:
    return write_catalog(db, ENTRIES)


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every catalog write a command makes, counted as it happens."""
    seen: list[Path] = []
    real_write = fs.write_file_atomically

    def counting_write(path: Path, data: bytes, *, what: str = "file") -> None:
        seen.append(path)
        real_write(path, data, what=what)

    monkeypatch.setattr(fs, "write_file_atomically", counting_write)
    return seen


def tags_of(path: Path) -> dict[str, list[str]]:
    return {ident: e["tags"] for ident, e in entries_in(path).items()}


def test_tag_by_ids_and_prefixes_in_one_write(tag_db: Path, cli, writes):
    result = cli("tag", "webinar-o", "report-two", "--add", "Reviewed", "--remove", "draft")
    assert result.exit_code == 0, result.stderr
    assert "changed tags on 2 entries" in result.stderr and result.stdout == ""
    assert writes == [tag_db]
    tags = tags_of(tag_db)
    assert tags["webinar-one"] == ["labor", "reviewed"]
    assert tags["report-two"] == ["forced-labor", "forced-labour", "reviewed"]
    assert tags["webinar-two"] == ["labor"]


def test_tag_by_filters_in_one_write(tag_db: Path, cli, writes):
    result = cli("tag", "--type", "webinar", "--since", "2021", "--add", "training")
    assert result.exit_code == 0
    assert "changed tags on 1 entry" in result.stderr
    assert writes == [tag_db]
    assert [i for i, t in tags_of(tag_db).items() if "training" in t] == ["webinar-one"]


def test_tag_by_keyword_query(tag_db: Path, cli):
    assert cli("tag", "--query", "report", "--add", "reports").exit_code == 0
    assert sorted(i for i, t in tags_of(tag_db).items() if "reports" in t) == [
        "report-one",
        "report-two",
    ]


def test_tag_ids_and_filters_together_take_the_entries_that_pass_both(tag_db: Path, cli):
    assert cli("tag", "webinar-one", "report-one", "--type", "report", "--add", "z").exit_code == 0
    assert [i for i, t in tags_of(tag_db).items() if "z" in t] == ["report-one"]


def test_tag_all(tag_db: Path, cli, writes):
    assert cli("tag", "--all", "--add", "catalogued").exit_code == 0
    assert all("catalogued" in t for t in tags_of(tag_db).values())
    assert len(writes) == 1


def test_tag_that_changes_nothing_writes_nothing(tag_db: Path, cli, writes):
    before = tag_db.read_bytes()
    result = cli("tag", "--type", "webinar", "--add", "labor")
    assert result.exit_code == 0 and "changed tags on 0 entries" in result.stderr
    assert writes == [] and tag_db.read_bytes() == before


def test_tag_updates_the_updated_stamp_only_where_it_changed(tag_db: Path, cli):
    assert cli("tag", "webinar-two", "--add", "new").exit_code == 0
    entries = entries_in(tag_db)
    assert entries["webinar-two"]["updated"] > OLD
    assert entries["webinar-one"]["updated"] == OLD


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["webinar-one"], "give --add TAG or --remove TAG"),
        (["--add", "x"], "name entries by id or filters, or give --all"),
        (["nope", "--add", "x"], "no entry with id 'nope'"),
        (["webinar", "--add", "x"], "ambiguous"),
        (["webinar-one", "nope", "--add", "x"], "'nope'"),
        (["webinar-one", "--add", "bad\x07tag"], "tags 'bad\\x07tag'"),
        (["--type", "podcast", "--add", "x"], "--type 'podcast'"),
    ],
)
def test_tag_refusals_exit_2_and_write_nothing(tag_db: Path, cli, args, message):
    before = tag_db.read_bytes()
    result = cli("tag", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert tag_db.read_bytes() == before


def test_tags_counts_every_tag_most_used_first(tag_db: Path, cli):
    result = cli("tags", "--format", "json")
    assert result.exit_code == 0
    counts = json.loads(result.stdout)
    assert counts == {"forced-labour": 2, "labor": 2, "draft": 1, "forced-labor": 1}
    assert list(counts) == ["forced-labour", "labor", "draft", "forced-labor"]


def test_tags_table(tag_db: Path, cli):
    lines = cli("tags").stdout.splitlines()
    assert lines[0].split() == ["tag", "entries"]
    assert [line.split() for line in lines[2:]] == [
        ["forced-labour", "2"],
        ["labor", "2"],
        ["draft", "1"],
        ["forced-labor", "1"],
    ]


def test_tags_of_the_seed_catalog(seed_db: Path, cli):
    counts = json.loads(cli("tags", "--format", "json").stdout)
    assert counts["labor-trafficking"] == 3
    assert sum(counts.values()) == sum(len(e["tags"]) for e in entries_in(seed_db).values())


def test_tags_unknown_format_exits_2(tag_db: Path, cli):
    assert cli("tags", "--format", "xml").exit_code == 2


def test_tags_rename_renames_everywhere(tag_db: Path, cli, writes):
    result = cli("tags", "rename", "labor", "Labor Trafficking")
    assert result.exit_code == 0, result.stderr
    assert "renamed labor to labor-trafficking on 2 entries" in result.stderr
    assert writes == [tag_db]
    tags = tags_of(tag_db)
    assert tags["webinar-one"] == ["draft", "labor-trafficking"]
    assert tags["webinar-two"] == ["labor-trafficking"]


@pytest.mark.parametrize("new", ["labor", " Labor "])
def test_tags_rename_to_the_same_tag_says_there_is_nothing_to_rename(
    tag_db: Path, cli, writes, new
):
    result = cli("tags", "rename", "labor", new)
    assert result.exit_code == 0
    assert result.stderr == f"nothing to rename: 'labor' and {new!r} are the same tag\n"
    assert writes == []


def test_tags_rename_on_one_entry_is_singular(tag_db: Path, cli):
    result = cli("tags", "rename", "draft", "drafts")
    assert result.stderr == "renamed draft to drafts on 1 entry\n"


def test_tags_rename_merges_into_an_existing_tag(tag_db: Path, cli):
    assert cli("tags", "rename", "forced-labour", "forced-labor").exit_code == 0
    tags = tags_of(tag_db)
    assert tags["report-one"] == ["forced-labor"]
    assert tags["report-two"] == ["forced-labor"], "no duplicate after a merge"
    counts = json.loads(cli("tags", "--format", "json").stdout)
    assert "forced-labour" not in counts and counts["forced-labor"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent", "present"], "no entry has the tag 'absent'"),
        (["labor", "   "], "the new tag name is empty"),
    ],
)
def test_tags_rename_refusals_exit_2_and_write_nothing(tag_db: Path, cli, args, message):
    before = tag_db.read_bytes()
    result = cli("tags", "rename", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert tag_db.read_bytes() == before
