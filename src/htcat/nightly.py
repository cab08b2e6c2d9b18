"""The nightly job of a catalog shared through git: pull, check, commit, push — and never jam.

The check's results are taken out of the catalog as data (each link's new
state, each new history line) and applied to whatever the remote holds when
they are committed: an entry an analyst removed meanwhile loses its results,
a link re-pointed or re-kinded loses its result with a note, every other edit
(added entries, edited fields, tags) is kept as pushed. So no rebase and no
merge is ever left to settle: a refused push starts again from the new remote
head, a bounded number of times. Whatever fails, the clone is put back as it
was found (a rebase it began aborted, the branch at the commit it was on, the
check-times file as it was), so the next night starts clean.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from htcat.catalog import change as change_catalog
from htcat.errors import CatalogError, ExitStatus, GitFailed, InputError
from htcat.gitrepo import in_repo, operation_in_progress, run_git
from htcat.health import history_path
from htcat.links.checktimes import check_times_path
from htcat.store.image import ENTRIES_TABLE, parse_image

DEFAULT_CHECK_ARGS = ("--older-than", "20h")
"""What a night checks unless told otherwise: the links not checked for 20 hours."""
COMMIT_MESSAGE = "nightly link check"
LinkId = tuple[str, str, str]
"""A link of an entry: (entry id, URL, kind)."""


@dataclass(frozen=True)
class Results:
    """What one night's check found, apart from the commit it was made on."""

    states: dict[LinkId, dict[str, Any]]
    history: list[bytes]

    @property
    def empty(self) -> bool:
        return not self.states and not self.history


@dataclass
class NightlyOutcome:
    """How the night went: the check's exit status and report, and what landed."""

    check_status: int
    report: str
    summary: str
    commit: str | None = None
    """The commit that landed on the remote; None when nothing changed."""
    tries: int = 1
    dropped: list[str] = field(default_factory=list)
    """Results not applied, each with why (its entry removed, its link changed)."""


@dataclass(frozen=True)
class Clone:
    """The clone as the job found it: enough to put it back."""

    root: Path
    catalog: Path
    relative: str
    head: str
    local: dict[Path, bytes | None]
    """Files beside the catalog git may not restore (check times, a new history): their bytes."""


def run_nightly(
    catalog: Path, check_args: Sequence[str] = DEFAULT_CHECK_ARGS, *, tries: int = 3
) -> NightlyOutcome:
    """Pull, check, commit and push the night's results; see the module's docstring.

    Raises GitFailed (a git step failed, or the push was refused ``tries``
    times) or CatalogError (the check could not run), the clone put back either way.
    """
    if tries < 1:
        raise InputError(f"--tries {tries}: expected 1 or more")
    clone = _found(catalog)
    try:
        _git(clone, ["pull", "--quiet", "--rebase"], "git pull --rebase before the check")
        done = _check(clone, check_args)
        results = _results(clone)
        outcome = NightlyOutcome(done.returncode, done.stdout, done.stderr.strip())
        if results.empty:
            return outcome
        for attempt in range(1, tries + 1):
            outcome.tries = attempt
            if attempt > 1:
                _git(clone, ["reset", "--quiet", "--hard", "@{upstream}"], "git reset")
                outcome.dropped = _apply(clone, results)
            if not _commit(clone):
                return outcome
            if _pushed(clone):
                outcome.commit = _head(clone.root)
                return outcome
        raise GitFailed(f"git push refused {tries} times: others kept pushing; results not landed")
    except BaseException:
        _put_back(clone)
        raise


def _found(catalog: Path) -> Clone:
    """The clone as found; refuses one a git operation left half done or with uncommitted edits."""
    root, relative = in_repo(catalog)
    if pending := operation_in_progress(root):
        raise GitFailed(
            f"{root}: a git operation is unfinished ({pending} or abort it); nothing done"
        )
    status = run_git(["status", "--porcelain", "--untracked-files=no"], root).stdout
    if status.strip():
        raise GitFailed(f"{root}: uncommitted changes in tracked files; nothing done")
    local = {path: _bytes(path) for path in (check_times_path(catalog), history_path(catalog))}
    return Clone(root, catalog, relative, _head(root), local)


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _head(root: Path) -> str:
    return run_git(["rev-parse", "HEAD"], root).stdout.decode().strip()


def _git_status(clone: Clone, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    """Run git in the clone, its output kept and its exit status left to the caller: for
    commands whose failure answers a question, or does no harm."""
    return subprocess.run(
        ["git", *args], cwd=clone.root, capture_output=True, stdin=subprocess.DEVNULL, check=False
    )


def _git(clone: Clone, args: list[str], what: str) -> None:
    try:
        run_git(args, clone.root)
    except InputError as exc:
        raise GitFailed(f"{what} failed: {exc}") from None


def _check(clone: Clone, check_args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run ``htcat check`` on the catalog with ``check_args``, its output captured."""
    command = [sys.executable, "-m", "htcat", "--no-input", "--db", str(clone.catalog)]
    done = subprocess.run(
        [*command, "check", *check_args],
        cwd=clone.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode not in (ExitStatus.OK, ExitStatus.FOUND, ExitStatus.INTERRUPTED):
        said = done.stderr.strip().splitlines()
        raise CatalogError(
            f"htcat check exited {done.returncode}: {said[-1] if said else 'no message'}"
        )
    return done


def _results(clone: Clone) -> Results:
    """The check's new link states and history lines: the working tree less the commit."""
    committed = _committed(clone, clone.relative)
    old = _link_states(parse_image(committed, clone.catalog)) if committed else {}
    new = _link_states(parse_image(clone.catalog.read_bytes(), clone.catalog))
    states = {link: state for link, state in new.items() if old.get(link) != state}
    history = history_path(clone.catalog)
    before = set(_committed(clone, history_path(Path(clone.relative)).as_posix()).splitlines())
    try:
        lines = history.read_bytes().splitlines()
    except FileNotFoundError:
        lines = []
    return Results(states, [line for line in lines if line and line not in before])


def _committed(clone: Clone, relative: str) -> bytes:
    """A file's bytes in HEAD; empty when HEAD has no such file."""
    done = _git_status(clone, ["show", f"HEAD:{relative}"])
    return done.stdout if done.returncode == 0 else b""


def _link_states(image: Mapping[str, Any]) -> dict[LinkId, dict[str, Any]]:
    states = {}
    for entry in image[ENTRIES_TABLE].values():
        for link in entry.get("links", ()):
            if isinstance(link.get("check"), dict):
                states[(entry["id"], str(link.get("url")), str(link.get("kind") or "other"))] = (
                    link["check"]
                )
    return states


def _apply(clone: Clone, results: Results) -> list[str]:
    """Apply the night's results to the catalog as the remote now has it; what was dropped."""
    by_entry: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for (entry_id, url, kind), state in results.states.items():
        by_entry.setdefault(entry_id, {})[(url, kind)] = state
    dropped = []
    with change_catalog(clone.catalog, 60.0) as catalog:
        present = catalog.ids()
        changed = []
        for entry_id, states in by_entry.items():
            if entry_id not in present:
                dropped += [f"{entry_id} {url}: entry removed meanwhile" for url, _ in states]
                continue
            entry = catalog.stored(entry_id)
            links, applied = [], set()
            for link in entry.get("links", ()):
                key = (str(link.get("url")), str(link.get("kind") or "other"))
                if key in states:
                    link = {**link, "check": states[key]}
                    applied.add(key)
                links.append(link)
            dropped += [
                f"{entry_id} {url}: link changed meanwhile"
                for url, kind in states
                if (url, kind) not in applied
            ]
            changed.append({**entry, "links": links})
        catalog.replace_many(changed, touch=False, validated=True)
    history = history_path(clone.catalog)
    try:
        have = set(history.read_bytes().splitlines())
    except FileNotFoundError:
        have = set()
    new = [line for line in results.history if line not in have]
    if new:
        with history.open("ab") as out:
            out.write(b"".join(line + b"\n" for line in new))
    return dropped


def _commit(clone: Clone) -> bool:
    """Commit the catalog and its history when they changed; False when nothing did."""
    paths = [clone.relative, history_path(Path(clone.relative)).as_posix()]
    present = [p for p in paths if (clone.root / p).exists()]
    _git(clone, ["add", "--", *present], "git add")
    if _git_status(clone, ["diff", "--cached", "--quiet", "--", *present]).returncode == 0:
        return False
    _git(clone, ["commit", "--quiet", "-m", COMMIT_MESSAGE, "--", *present], "git commit")
    return True


def _pushed(clone: Clone) -> bool:
    """Push; False when the remote moved on meanwhile, GitFailed for any other refusal.

    Whether the remote moved is asked of git, not read from its messages:
    after a fetch, the remote's head is no longer an ancestor of ours.
    """
    done = _git_status(clone, ["push", "--quiet"])
    if done.returncode == 0:
        return True
    _git(clone, ["fetch", "--quiet"], "git fetch after a refused push")
    if _git_status(clone, ["merge-base", "--is-ancestor", "@{upstream}", "HEAD"]).returncode == 1:
        return False
    lines = [line for line in done.stderr.decode(errors="replace").splitlines() if line.strip()]
    raise GitFailed(f"git push failed: {lines[0] if lines else 'no message'}")


def _put_back(clone: Clone) -> None:
    """The clone as found: no rebase or merge under way, HEAD and files at the commit it was on."""
    pending = operation_in_progress(clone.root)
    if pending.startswith("git rebase"):
        _git_status(clone, ["rebase", "--abort"])
    elif pending:
        _git_status(clone, ["merge", "--abort"])
    _git_status(clone, ["reset", "--quiet", "--hard", clone.head])
    for path, data in clone.local.items():
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)
