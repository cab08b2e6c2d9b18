"""htcat nightly under cron's environment, with real git, a bare remote and an analyst who pushes.

The analyst pushes at a known moment, never by timing: before the job
starts, from the link server's first request (during the check), or from
the nightly clone's pre-push hook (between the job's commit and its push).
"""

from __future__ import annotations

import http.server
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest

from helpers import HTCAT, write_catalog
from helpers.analyst import act
from helpers.gitwork import commit_all, git, isolated_git
from htcat.store.file import change_catalog

CATALOG = "data/catalog.json"
HISTORY = "data/catalog.history.jsonl"
ACTIONS = ("add", "edit", "tag", "relink", "remove")
MOMENTS = ("before the job", "during the check", "before the push")


class _Links(http.server.BaseHTTPRequestHandler):
    """/ok… answers a page, anything else 404; the first request runs ``on_first`` first."""

    on_first: ClassVar[list[Callable[[], None]]] = []

    def do_GET(self) -> None:
        while self.on_first:
            self.on_first.pop()()
        status = 200 if self.path.startswith("/ok") else 404
        body = b"<html><body>page</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Links)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Links.on_first.clear()
    server.shutdown()


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base: str) -> Path:
    """A bare repository with a set-up catalog: two entries, three links, one of them gone."""
    isolated_git(tmp_path, monkeypatch)
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    write_catalog(
        seed / CATALOG,
        [
            {
                "id": "shared",
                "title": "Shared entry",
                "type": "report",
                "tags": ["base"],
                "links": [
                    {"url": f"{base}/ok", "kind": "page"},
                    {"url": f"{base}/gone", "kind": "page"},
                ],
            },
            {"id": "other", "title": "Other", "links": [{"url": f"{base}/ok-too", "kind": "page"}]},
        ],
    )
    assert run_htcat(seed, "git", "setup").returncode == 0
    commit_all(seed, "catalog")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def run_htcat(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HTCAT), *args], cwd=cwd, capture_output=True, text=True, check=False)


def clone(remote: Path, name: str) -> Path:
    folder = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(folder))
    assert run_htcat(folder, "git", "setup").returncode == 0
    return folder


def pre_push_hook(repo: Path, analyst: Path, base: str, *actions: str) -> None:
    """The nightly clone's pre-push hook: the analyst pushes first, one action a push."""
    counter = repo.parent / "analyst-pushes"
    tests = Path(__file__).parent
    hook = repo / ".git" / "hooks" / "pre-push"
    hook.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(tests))} exec {shlex.quote(sys.executable)} "
        f"-m helpers.analyst {counter} {analyst} {base} {' '.join(actions)}\n"
    )
    hook.chmod(0o755)


def cron_job(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``htcat nightly`` as cron runs it: env -i with a short PATH."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [str(HTCAT), "--db", str(repo / CATALOG), "nightly", *args],
        cwd="/",
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def landed(remote: Path) -> dict[str, dict[str, Any]]:
    raw = git(remote, "show", f"main:{CATALOG}").stdout
    return {e["id"]: e for e in orjson.loads(raw)["entries"].values()}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_nightly_job_lands_its_results_on_whatever_the_analyst_pushed(
    remote: Path, base: str, action: str, moment: str
) -> None:
    nightly = clone(remote, "nightly")
    analyst = clone(remote, "analyst")
    if moment == "before the job":
        act(analyst, action, base)
    elif moment == "during the check":
        _Links.on_first[:] = [lambda: act(analyst, action, base)]
    else:
        pre_push_hook(nightly, analyst, base, action)

    job = cron_job(nightly)

    said = job.stdout + job.stderr
    entries = landed(remote)
    assert git(remote, "log", "-1", "--format=%s", "main").stdout.strip() == "nightly link check", (
        said
    )
    assert "rejected" not in said and "error" not in said, said
    assert git(nightly, "status", "--porcelain").stdout == ""
    assert git(nightly, "rev-parse", "HEAD").stdout == git(remote, "rev-parse", "main").stdout
    assert entries["other"]["links"][0]["check"]["outcome"] == "ok"
    analyst_saw = {
        "add": lambda: "added" in entries,
        "edit": lambda: entries["shared"]["title"] == "The analyst's title",
        "tag": lambda: entries["shared"]["tags"] == ["base", "reviewed"],
        "relink": lambda: entries["shared"]["links"][1]["url"] == f"{base}/ok-new",
        "remove": lambda: "shared" not in entries,
    }
    assert analyst_saw[action]()
    gone_checked = action not in ("relink", "remove") or moment != "before the job"
    assert job.returncode == (1 if gone_checked else 0), said
    if action in ("relink", "remove") and moment != "before the job":
        why = "link changed meanwhile" if action == "relink" else "entry removed meanwhile"
        assert why in job.stderr
    if "shared" in entries:
        outcomes = [(link.get("check") or {}).get("outcome") for link in entries["shared"]["links"]]
        expected = {"relink": ["ok", "ok" if moment == "before the job" else None]}
        assert outcomes == expected.get(action, ["ok", "broken"])
    history = git(remote, "show", f"main:{HISTORY}").stdout.splitlines()
    assert any("/ok-too" in line for line in history)


def test_a_quiet_night_commits_nothing(remote: Path, base: str) -> None:
    act(clone(remote, "analyst"), "relink", base)
    nightly = clone(remote, "nightly")
    first = cron_job(nightly, "--", "--fail-on", "none")
    head = git(remote, "rev-parse", "main").stdout

    second = cron_job(nightly, "--", "--fail-on", "none")

    assert (first.returncode, second.returncode) == (0, 0)
    assert (first.stdout, second.stdout, second.stderr) == ("", "", "")
    assert git(remote, "rev-parse", "main").stdout == head


def test_pushes_refused_every_time_leave_the_clone_as_found_and_the_next_night_works(
    remote: Path, base: str
) -> None:
    nightly = clone(remote, "nightly")
    analyst = clone(remote, "analyst")
    pre_push_hook(nightly, analyst, base, "edit", "tag")
    start = git(nightly, "rev-parse", "HEAD").stdout
    times = nightly / "data" / ".catalog.json.checked"

    job = cron_job(nightly, "--tries", "2")

    assert job.returncode == 4, job.stderr
    assert job.stderr.strip().endswith(
        "git push refused 2 times: others kept pushing; results not landed"
    )
    assert git(nightly, "rev-parse", "HEAD").stdout == start
    assert git(nightly, "status", "--porcelain").stdout == ""
    assert not times.exists()
    assert not (nightly / HISTORY).exists()
    again = cron_job(nightly)
    assert again.returncode == 1, again.stderr
    assert landed(remote)["shared"]["links"][1]["check"]["outcome"] == "broken"


def test_an_unreachable_remote_fails_with_status_4_and_touches_nothing(
    remote: Path, base: str
) -> None:
    nightly = clone(remote, "nightly")
    before = (nightly / CATALOG).read_bytes()
    git(nightly, "remote", "set-url", "origin", str(remote.parent / "nowhere.git"))

    job = cron_job(nightly)

    assert job.returncode == 4
    assert "git pull --rebase before the check failed" in job.stderr
    assert (nightly / CATALOG).read_bytes() == before


def test_a_clone_left_mid_rebase_is_refused_with_what_to_do(remote: Path, base: str) -> None:
    nightly = clone(remote, "nightly")
    analyst = clone(remote, "analyst")
    act(analyst, "edit", base)
    with change_catalog(nightly / CATALOG) as catalog:
        entry = catalog.get("shared")
        catalog.replace({**entry, "title": "A clashing title"})
    commit_all(nightly, "clash")
    git(nightly, "-c", "merge.htcat.driver=false", "pull", "-q", "--rebase", ok=False)

    job = cron_job(nightly)

    assert job.returncode == 4
    assert "a git operation is unfinished (git rebase --continue or abort it)" in job.stderr
