"""Real git around a catalog: set-up, the merge driver under merge, rebase, cherry-pick and
stash, the diff driver, and the warning for a clone that lacks the team's driver."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from helpers import HTCAT, RunCli, entries_in, write_catalog
from helpers.gitwork import commit_all, git, isolated_git
from htcat.store.file import change_catalog

pytestmark = pytest.mark.slow  # real git repositories, clones and merges

CATALOG = "data/catalog.json"
HISTORY = "data/catalog.history.jsonl"


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return isolated_git(tmp_path, monkeypatch)


def htcat(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HTCAT), *args], cwd=cwd, capture_output=True, text=True, check=False, stdin=None
    )


@pytest.fixture
def remote(tmp_path: Path, git_env: dict[str, str]) -> Path:
    """A bare repository holding a set-up catalog of two entries."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    write_catalog(
        seed / CATALOG,
        [
            {"id": "shared", "title": "Shared entry", "type": "report", "tags": ["base"]},
            {"id": "other", "title": "Other entry", "type": "webinar"},
        ],
    )
    assert htcat(seed, "git", "setup").returncode == 0
    commit_all(seed, "catalog")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def clone(remote: Path, name: str) -> Path:
    folder = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(folder))
    assert htcat(folder, "git", "setup").returncode == 0
    return folder


def add_entry(repo: Path, ident: str, **fields: object) -> None:
    write_catalog(repo / CATALOG, [{"id": ident, "title": ident.title(), **fields}])


def set_field(repo: Path, ident: str, field: str, value: object) -> None:
    with change_catalog(repo / CATALOG) as catalog:
        entry = catalog.get(ident)
        entry[field] = value
        catalog.replace(entry)


def test_setup_registers_both_drivers_ignores_derived_files_and_is_idempotent(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    write_catalog(repo / CATALOG, [{"title": "One"}])
    (repo / "data" / "sub").mkdir()
    missing = htcat(repo / "data" / "sub", "git", "setup", "--check")
    assert missing.returncode == 1
    assert "missing .gitattributes: /data/catalog.json merge=htcat diff=htcat" in missing.stdout
    assert "missing .git/config: merge.htcat.driver" in missing.stdout
    assert "missing .gitignore: data/catalog.json.lock" in missing.stdout
    assert "missing .gitattributes: /data/catalog.history.jsonl merge=union" in missing.stdout
    assert "missing .gitignore: data/.catalog.json.checked" in missing.stdout
    assert htcat(repo, "git", "setup").returncode == 0
    names = (".gitattributes", ".gitignore", ".git/config")
    files = [(repo / name).read_text() for name in names]
    again = htcat(repo, "git", "setup")
    assert again.returncode == 0 and "set up:" in again.stderr
    assert files == [(repo / name).read_text() for name in names]
    assert htcat(repo, "git", "setup", "--check").returncode == 0
    (repo / "data" / "archive").mkdir()
    (repo / "data" / "archive" / "doc.pdf").write_bytes(b"%PDF-")
    htcat(repo, "list")
    assert git(repo, "status", "--porcelain").stdout.split() == [
        "??",
        ".gitattributes",
        "??",
        ".gitignore",
        "??",
        "data/",
    ]
    assert git(repo, "status", "--porcelain", "-uall").stdout.count("data/") == 1


def test_two_clones_link_histories_merge_keeping_both_sides_lines(remote: Path) -> None:
    first = '{"at":"2026-12-01T02:00:00Z","entry":"shared","from":null,"to":"ok"}'
    alices = first.replace("01T", "02T").replace('"ok"', '"broken"')
    bobs = first.replace("01T", "03T").replace('"ok"', '"timeout"')
    night_one = clone(remote, "night-one")
    (night_one / HISTORY).write_text(first + "\n")
    commit_all(night_one, "first night")
    git(night_one, "push", "-q")
    alice, bob = clone(remote, "alice"), clone(remote, "bob")
    for repo, line in ((alice, alices), (bob, bobs)):
        with (repo / HISTORY).open("a") as history:
            history.write(line + "\n")
        commit_all(repo, "a night")
    git(alice, "push", "-q")

    merged = git(bob, "pull", "-q", "--no-rebase", "--no-edit", ok=False)

    assert merged.returncode == 0, merged.stderr
    lines = (bob / HISTORY).read_text().splitlines()
    assert sorted(lines) == sorted([first, alices, bobs])


def test_a_clone_without_the_driver_warns_once_on_every_command_and_in_doctor(
    remote: Path,
) -> None:
    bare_clone = remote.parent / "fresh"
    git(remote.parent, "clone", "-q", str(remote), str(bare_clone))
    listed = htcat(bare_clone / "data", "list", "--format", "ids")
    assert listed.returncode == 0 and sorted(listed.stdout.split()) == ["other", "shared"]
    warnings = [line for line in listed.stderr.splitlines() if "htcat git setup" in line]
    assert len(warnings) == 1 and "has not registered it" in warnings[0]
    doctor = htcat(bare_clone, "doctor")
    assert doctor.returncode == 1 and "git-setup" in doctor.stdout
    assert htcat(bare_clone, "git", "setup").returncode == 0
    assert "htcat git setup" not in htcat(bare_clone, "list").stderr


def test_concurrent_additions_and_edits_merge_through_pull_and_pull_rebase(
    remote: Path,
) -> None:
    alice, bob = clone(remote, "alice"), clone(remote, "bob")
    add_entry(alice, "alice-report", type="report")
    set_field(alice, "shared", "summary", "Alice's summary")
    set_field(alice, "shared", "links", ["https://example.org/a.pdf"])
    set_field(alice, "other", "audiences", ["policymakers"])
    commit_all(alice, "alice")
    git(alice, "push", "-q")
    add_entry(bob, "bob-webinar", type="webinar")
    set_field(bob, "shared", "tags", ["base", "bob"])
    set_field(bob, "shared", "links", ["https://example.org/b"])
    set_field(bob, "other", "audiences", ["survivors"])
    commit_all(bob, "bob")
    git(bob, "pull", "-q", "--no-rebase", "--no-edit")
    merged = entries_in(bob / CATALOG)
    assert {"alice-report", "bob-webinar", "shared", "other"} == set(merged)
    assert merged["shared"]["summary"] == "Alice's summary"
    assert merged["shared"]["tags"] == ["base", "bob"]
    assert sorted(link["url"] for link in merged["shared"]["links"]) == [
        "https://example.org/a.pdf",
        "https://example.org/b",
    ]
    assert sorted(merged["other"]["audiences"]) == ["policymakers", "survivors"]
    assert htcat(bob, "doctor").returncode == 0
    git(bob, "push", "-q")
    add_entry(alice, "alice-second")
    commit_all(alice, "alice again")
    git(alice, "pull", "-q", "--rebase")
    rebased = entries_in(alice / CATALOG)
    assert {"alice-second", "bob-webinar"} <= set(rebased)
    assert git(alice, "status", "--porcelain").stdout == ""


def test_true_conflicts_leave_a_readable_catalog_settled_with_resolve(
    remote: Path, cli: RunCli
) -> None:
    alice, bob = clone(remote, "alice"), clone(remote, "bob")
    set_field(alice, "shared", "title", "Alice's title")
    set_field(alice, "other", "summary", "Alice's summary")
    add_entry(alice, "twice", summary="Alice's")
    commit_all(alice, "alice")
    git(alice, "push", "-q")
    set_field(bob, "shared", "title", "Bob's title")
    set_field(bob, "shared", "tags", ["base", "bob"])
    with change_catalog(bob / CATALOG) as catalog:
        catalog.remove_many(["other"])
    add_entry(bob, "twice", summary="Bob's")
    commit_all(bob, "bob")
    pulled = git(bob, "pull", "--no-rebase", "--no-edit", ok=False)
    assert pulled.returncode != 0 and "3 conflicts" in pulled.stderr + pulled.stdout
    assert "<<<<<<<" not in (bob / CATALOG).read_text()
    listed = orjson.loads(htcat(bob, "conflicts", "--format", "json").stdout)
    by_id = {c["id"]: c for c in listed}
    assert {(c["id"], c["field"]) for c in listed} == {
        ("shared", "title"),
        ("other", None),
        ("twice", None),
    }
    assert (by_id["shared"]["ours"], by_id["shared"]["theirs"]) == ("Bob's title", "Alice's title")
    assert by_id["other"]["ours"] is None and by_id["twice"]["theirs"]["summary"] == "Alice's"
    merged = entries_in(bob / CATALOG)
    assert merged["shared"]["title"] == "Bob's title" and merged["shared"]["tags"] == [
        "base",
        "bob",
    ]
    assert "other" not in merged and merged["twice"]["summary"] == "Bob's"
    doctor = htcat(bob, "doctor")
    assert doctor.returncode == 1 and doctor.stdout.count("merge-conflict") == 3
    assert cli("resolve", "other", "--theirs", db_path=bob / CATALOG).exit_code == 0
    assert cli("resolve", "twice", "--ours", db_path=bob / CATALOG).exit_code == 0
    settled = htcat(bob, "resolve", "shared", "title", "--theirs")
    assert settled.returncode == 0
    assert "git add data/catalog.json && git commit --no-edit" in settled.stderr
    git(bob, "add", CATALOG)
    git(bob, "commit", "-q", "--no-edit")
    settled_entries = entries_in(bob / CATALOG)
    assert settled_entries["shared"]["title"] == "Alice's title"
    assert settled_entries["other"]["summary"] == "Alice's summary"
    assert "conflicts" not in orjson.loads((bob / CATALOG).read_bytes())
    assert htcat(bob, "doctor").returncode == 0


def test_cherry_pick_and_stash_pop_go_through_the_driver(remote: Path) -> None:
    repo = clone(remote, "repo")
    git(repo, "checkout", "-q", "-b", "side")
    add_entry(repo, "picked")
    commit_all(repo, "side")
    git(repo, "checkout", "-q", "main")
    add_entry(repo, "on-main")
    commit_all(repo, "main")
    git(repo, "cherry-pick", "side")
    assert {"picked", "on-main"} <= set(entries_in(repo / CATALOG))
    add_entry(repo, "stashed")
    git(repo, "stash", "-q")
    add_entry(repo, "meanwhile")
    commit_all(repo, "meanwhile")
    git(repo, "stash", "pop", "-q")
    assert {"stashed", "meanwhile", "picked"} <= set(entries_in(repo / CATALOG))


def test_git_diff_and_log_name_each_changed_entry_by_id_and_title(remote: Path) -> None:
    repo = clone(remote, "repo")
    set_field(repo, "other", "summary", "A new summary")
    diff = git(repo, "diff").stdout
    assert "entry other — Other entry" in diff
    assert "+  summary: A new summary" in diff
    commit_all(repo, "summary")
    log = git(repo, "log", "-p", "-1").stdout
    assert "entry other — Other entry" in log and "+  summary: A new summary" in log
    ours = htcat(repo, "diff", "HEAD~1", "--format", "json", "--exit-code")
    assert ours.returncode == 1
    assert orjson.loads(ours.stdout) == [
        {
            "id": "other",
            "title": "Other entry",
            "change": "changed",
            "fields": [
                {"field": "summary", "old": "", "new": "A new summary"},
                {"field": "updated", "old": "2020-01-01T00:00:00Z", "new": ours_updated(repo)},
            ],
        }
    ]
    assert htcat(repo, "diff", "--exit-code").returncode == 0


def ours_updated(repo: Path) -> str:
    return str(entries_in(repo / CATALOG)["other"]["updated"])
