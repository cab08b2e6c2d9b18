"""The merge driver's files and exit statuses, resolving conflicts, diffs of files, and
finding the catalog from any folder of a repository."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers import RunCli, entries_in, write_catalog
from htcat.store.file import read_catalog
from htcat.store.image import dump_json


def catalog_file(path: Path, *entries: dict[str, Any]) -> Path:
    return write_catalog(path, [{"type": "report", **e} for e in entries])


def conflicted(tmp_path: Path, cli: RunCli) -> Path:
    """A catalog a merge left with a title conflict on ``a`` and an entry conflict on ``b``."""
    base = catalog_file(
        tmp_path / "base.json", {"id": "a", "title": "Base"}, {"id": "b", "title": "B"}
    )
    ours = catalog_file(tmp_path / "ours.json", {"id": "a", "title": "Ours"})
    theirs = catalog_file(
        tmp_path / "theirs.json", {"id": "a", "title": "Theirs"}, {"id": "b", "title": "B2"}
    )
    assert (
        cli("git", "merge", str(base), str(ours), str(theirs), "data/catalog.json").exit_code == 1
    )
    return ours


def test_the_driver_writes_ours_with_the_stores_own_bytes(tmp_path: Path, cli: RunCli) -> None:
    base = catalog_file(tmp_path / "base.json", {"id": "a", "title": "A"})
    ours = catalog_file(
        tmp_path / "ours.json", {"id": "a", "title": "A"}, {"id": "o", "title": "O"}
    )
    theirs = catalog_file(
        tmp_path / "theirs.json", {"id": "a", "title": "A"}, {"id": "t", "title": "T"}
    )
    result = cli("git", "merge", str(base), str(ours), str(theirs))
    assert result.exit_code == 0, result.stderr
    assert set(entries_in(ours)) == {"a", "o", "t"}
    assert ours.read_bytes() == dump_json(read_catalog(ours).image)


def test_the_driver_migrates_an_older_schema_and_refuses_a_newer_one(
    tmp_path: Path, cli: RunCli
) -> None:
    base = catalog_file(tmp_path / "base.json", {"id": "a", "title": "A"})
    old = orjson.loads(base.read_bytes())
    old_file = tmp_path / "old.json"
    old_file.write_bytes(orjson.dumps({"_default": old["entries"]}))
    ours = catalog_file(
        tmp_path / "ours.json", {"id": "a", "title": "A"}, {"id": "o", "title": "O"}
    )
    assert cli("git", "merge", str(base), str(ours), str(old_file)).exit_code == 0
    assert set(entries_in(ours)) == {"a", "o"}
    newer = copy.deepcopy(old)
    newer["_meta"]["1"]["schema"] = 99
    newer_file = tmp_path / "newer.json"
    newer_file.write_bytes(orjson.dumps(newer))
    before = ours.read_bytes()
    refused = cli("git", "merge", str(base), str(ours), str(newer_file))
    assert refused.exit_code == 2 and "schema 99" in refused.stderr
    assert ours.read_bytes() == before


def test_conflicts_list_and_resolve_settles_fields_and_whole_entries(
    tmp_path: Path, cli: RunCli
) -> None:
    ours = conflicted(tmp_path, cli)
    listed = cli("conflicts", db_path=ours)
    assert "a" in listed.stdout and "Theirs" in listed.stdout and "(entry)" in listed.stdout
    (entry_row,) = [line for line in listed.stdout.splitlines() if "(entry)" in line]
    assert entry_row.split()[:2] == ["b", "(entry)"]
    assert "entry 'B'" in entry_row and "removed here" in entry_row
    assert "changed there" in entry_row and "{" not in entry_row
    assert cli("resolve", "a", "summary", "--ours", db_path=ours).exit_code == 2
    assert cli("resolve", "a", "title", "--value", "Both", db_path=ours).exit_code == 0
    assert "no merge conflict on entry 'a'" in cli("resolve", "a", "--ours", db_path=ours).stderr
    assert entries_in(ours)["a"]["title"] == "Both"
    settled = cli("resolve", "b", "--theirs", db_path=ours)
    assert settled.exit_code == 0 and "no conflicts left" in settled.stderr
    assert entries_in(ours)["b"]["title"] == "B2"
    assert "conflicts" not in orjson.loads(ours.read_bytes())
    assert cli("conflicts", "--format", "json", db_path=ours).stdout == "[]\n"


def test_a_public_export_warns_while_conflicts_remain(tmp_path: Path, cli: RunCli) -> None:
    ours = conflicted(tmp_path, cli)
    assert "merge conflicts" in cli("export", "--format", "markdown", db_path=ours).stderr
    assert "merge conflicts" not in cli("export", "--format", "json", db_path=ours).stderr
    cli("resolve", "a", "title", "--ours", db_path=ours)
    cli("resolve", "b", "--ours", db_path=ours)
    assert "merge conflicts" not in cli("export", "--format", "markdown", db_path=ours).stderr


def test_diff_of_two_files_entry_by_entry(tmp_path: Path, cli: RunCli) -> None:
    old = catalog_file(
        tmp_path / "old.json", {"id": "a", "title": "A"}, {"id": "gone", "title": "G"}
    )
    new = catalog_file(
        tmp_path / "new.json",
        {"id": "a", "title": "A2", "links": ["https://x.org/r.pdf"]},
        {"id": "new", "title": "N"},
    )
    result = cli("diff", str(old), str(new), "--exit-code")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "~ a  A2",
        "    title: A → A2",
        '    links[https://x.org/r.pdf]: (none) → {"check":null,"kind":"pdf","label":"","url":"https://x.org/…',
        "+ new  N",
        "- gone  G",
    ]
    assert cli("diff", str(old), str(old), "--exit-code").exit_code == 0


def test_diff_says_which_tags_were_added_and_removed(tmp_path: Path, cli: RunCli) -> None:
    tags = [f"a-rather-long-tag-{n}" for n in range(6)]
    old = catalog_file(tmp_path / "old.json", {"id": "a", "title": "A", "tags": tags})
    new = catalog_file(
        tmp_path / "new.json", {"id": "a", "title": "A", "tags": [*tags[:5], "added-one"]}
    )
    assert cli("diff", str(old), str(new)).stdout.splitlines() == [
        "~ a  A",
        "    tags: removed a-rather-long-tag-5",
        "    tags: added added-one",
    ]


def test_the_catalog_is_found_in_a_parent_up_to_the_repository_root(
    tmp_path: Path, cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    catalog_file(tmp_path / "repo" / "data" / "catalog.json", {"id": "a", "title": "A"})
    deep = tmp_path / "repo" / "docs" / "deep"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert cli("list", "--format", "ids", db_path=None).stdout == "a\n"
    outside = tmp_path / "repo2" / "sub"
    (tmp_path / "repo2" / ".git").mkdir(parents=True)
    outside.mkdir()
    catalog_file(tmp_path / "data" / "catalog.json", {"id": "beyond-the-root", "title": "B"})
    monkeypatch.chdir(outside)
    missing = cli("list", db_path=None)
    assert missing.exit_code == 3
    assert f"looked in {outside} and its parents up to {tmp_path / 'repo2'}" in missing.stderr


def test_the_driver_exits_1_while_an_earlier_merges_conflicts_remain(
    tmp_path: Path, cli: RunCli
) -> None:
    pending = conflicted(tmp_path, cli)
    base = catalog_file(tmp_path / "base2.json", {"id": "a", "title": "Ours"})
    theirs = catalog_file(tmp_path / "theirs2.json", {"id": "a", "title": "Ours"})
    result = cli("git", "merge", str(base), str(pending), str(theirs))
    assert result.exit_code == 1 and "2 conflicts (2 from an earlier merge)" in result.stderr
