"""The git repository around a catalog: finding it, reading revisions, installing htcat's drivers.

git merges and diffs the catalog through htcat only when two things agree: the
committed ``.gitattributes`` names the drivers for the catalog's path (shared
by the team), and each clone's ``.git/config`` says which command runs them
(git never takes commands from a repository's content). `setup` writes both,
like ``git lfs install``, and makes git ignore what htcat derives beside the
catalog. The start-up check reads files only, never runs git.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from htcat.errors import CatalogError, InputError
from htcat.health import history_path
from htcat.store.paths import repo_root

DRIVER = "htcat"
ATTRIBUTES = f"merge={DRIVER} diff={DRIVER}"
ENTRY_HEADER = "entry "
"""How the text git diffs begins each entry, so hunk headers can name it."""


def _common_dir(root: Path) -> Path:
    """The folder that holds a clone's config: ``.git``, or a worktree's main ``.git``."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8")
    except OSError:
        return dot_git
    git_dir = Path(text.removeprefix("gitdir:").strip())
    git_dir = git_dir if git_dir.is_absolute() else root / git_dir
    try:
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return git_dir
    return (git_dir / common).resolve()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def unregistered_driver(catalog: Path) -> Path | None:
    """The repository whose ``.gitattributes`` names htcat's driver while this clone lacks it.

    Files only: it runs before every command and must cost next to nothing.
    """
    root = repo_root(catalog.parent)
    if root is None or f"merge={DRIVER}" not in _read(root / ".gitattributes"):
        return None
    home = Path(os.path.expanduser("~"))  # never raises, unlike Path.home() with no HOME
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    configs = (_common_dir(root) / "config", home / ".gitconfig", xdg / "git" / "config")
    if any(f'[merge "{DRIVER}"]' in _read(config) for config in configs):
        return None
    return root


def run_git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run git; raise with git's own first line of complaint when it fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise CatalogError("git is not installed, and this command needs it") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"git {' '.join(args)}: {lines[0] if lines else 'failed'}")
    return done


def in_repo(catalog: Path) -> tuple[Path, str]:
    """The repository root around ``catalog`` and the catalog's path inside it, as git names it."""
    root = repo_root(catalog.parent)
    if root is None:
        raise InputError(f"{catalog} is not inside a git repository")
    return root, Path(os.path.abspath(catalog)).relative_to(root).as_posix()


def revision_bytes(catalog: Path, revision: str) -> bytes:
    """The catalog's bytes as committed in ``revision`` (``git show REV:PATH``)."""
    root, relative = in_repo(catalog)
    return run_git(["show", f"{revision}:{relative}"], root).stdout


def htcat_command() -> str:
    """How git should start this htcat: the console script beside this Python when there is one.

    A full path, so that cron's short PATH or another virtualenv cannot swap it.
    """
    import shlex

    script = Path(sys.executable).with_name("htcat")
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m htcat"


def driver_config(command: str) -> dict[str, str]:
    """The clone's config entries that make htcat git's merge and diff driver."""
    return {
        f"merge.{DRIVER}.name": "htcat catalog merge, entry by entry",
        f"merge.{DRIVER}.driver": f"{command} git merge %O %A %B %P",
        f"diff.{DRIVER}.textconv": f"{command} git textconv",
        f"diff.{DRIVER}.xfuncname": f"^{ENTRY_HEADER}.*$",
        # git log -p renders every revision of the catalog; each blob only once.
        f"diff.{DRIVER}.cachetextconv": "true",
    }


def derived_paths(relative: str) -> list[str]:
    """What htcat keeps beside a catalog that git must not track: samples of each kind."""
    folder, _, name = relative.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    return [
        f"{prefix}{name}.lock",
        f"{prefix}.{name}.x.tmp",
        f"{prefix}.{name}.index.sqlite",
        f"{prefix}.{name}.doctext.sqlite",
        f"{prefix}.{name}.checked",
        f"{prefix}archive/x",
    ]


def _ignore_patterns(relative: str) -> list[str]:
    folder, _, name = relative.rpartition("/")
    prefix = f"/{folder}/" if folder else "/"
    return [f"{prefix}{name}.lock", f"{prefix}.{name}.*", f"{prefix}archive/"]


@dataclass(frozen=True)
class SetupState:
    """What a clone has of htcat's set-up, and what it lacks."""

    root: Path
    relative: str
    attributes: bool
    history_union: bool
    unregistered: tuple[str, ...]
    unignored: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Each missing piece, in words for people."""
        return (
            *(() if self.attributes else (f".gitattributes: {_attributes_line(self.relative)}",)),
            *(() if self.history_union else (f".gitattributes: {_history_line(self.relative)}",)),
            *(f".git/config: {key}" for key in self.unregistered),
            *(f".gitignore: {path}" for path in self.unignored),
        )


def _attributes_line(relative: str) -> str:
    return f"/{relative} {ATTRIBUTES}"


def history_relative(relative: str) -> str:
    """The link history's path in the repository, beside the catalog's."""
    return history_path(PurePosixPath(relative)).as_posix()


def _history_line(relative: str) -> str:
    """The link history only grows, a line a change: git's union merge keeps both sides' lines."""
    return f"/{history_relative(relative)} merge=union"


def _git_output(args: Sequence[str], root: Path) -> list[str]:
    """The lines git prints, whatever its exit status (these queries exit 1 for "none")."""
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, stdin=subprocess.DEVNULL, check=False
    )
    return done.stdout.decode(errors="replace").splitlines()


def setup_state(catalog: Path) -> SetupState:
    root, relative = in_repo(catalog)
    attributes = _git_output(["check-attr", "merge", "diff", "--", relative], root) == [
        f"{relative}: merge: {DRIVER}",
        f"{relative}: diff: {DRIVER}",
    ]
    history = history_relative(relative)
    history_union = _git_output(["check-attr", "merge", "--", history], root) == [
        f"{history}: merge: union"
    ]
    config = _git_output(["config", "--get-regexp", rf"^(merge|diff)\.{DRIVER}\."], root)
    registered = {line.split(" ", 1)[0] for line in config}
    samples = derived_paths(relative)
    ignored = set(_git_output(["check-ignore", "--no-index", "--", *samples], root))
    return SetupState(
        root,
        relative,
        attributes,
        history_union,
        tuple(key for key in driver_config(htcat_command()) if key not in registered),
        tuple(path for path in samples if path not in ignored),
    )


def _append_lines(path: Path, lines: list[str]) -> None:
    text = _read(path)
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def setup(catalog: Path) -> list[str]:
    """Install what `setup_state` finds missing; the shared files changed, for the user to commit.

    The driver commands are written every time, so a moved htcat is found again.
    """
    state = setup_state(catalog)
    changed = []
    attributes = [] if state.attributes else [_attributes_line(state.relative)]
    if not state.history_union:
        attributes.append(_history_line(state.relative))
    if attributes:
        _append_lines(state.root / ".gitattributes", attributes)
        changed.append(".gitattributes")
    for key, value in driver_config(htcat_command()).items():
        run_git(["config", key, value], state.root)
    if state.unignored:
        _append_lines(state.root / ".gitignore", _ignore_patterns(state.relative))
        changed.append(".gitignore")
    return changed


def operation_in_progress(root: Path) -> str:
    """The git command that finishes what a conflict interrupted: commit, rebase, cherry-pick."""
    git_dir = root / ".git"
    if git_dir.is_file():
        done = run_git(["rev-parse", "--git-dir"], root)
        git_dir = Path(os.fsdecode(done.stdout.strip()))
        git_dir = git_dir if git_dir.is_absolute() else root / git_dir
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        return "git rebase --continue"
    if (git_dir / "CHERRY_PICK_HEAD").exists():
        return "git cherry-pick --continue"
    if (git_dir / "MERGE_HEAD").exists():
        return "git commit --no-edit"
    return ""


def is_unmerged(root: Path, relative: str) -> bool:
    """Whether git still marks the path as conflicted (after ``git stash pop``, say)."""
    return bool(_git_output(["ls-files", "--unmerged", "--", relative], root))
