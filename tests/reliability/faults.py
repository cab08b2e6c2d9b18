"""Ways to make a file or folder read-only, or a disk full, that work even for root.

The suite runs as root in CI, and root ignores permission bits. So a
read-only catalog is made in the first of these ways that works here:

- ``permission bits`` when not root: chmod, as a person would;
- ``unprivileged user`` when root: htcat runs as ``nobody`` through
  ``setpriv --reuid=65534 --regid=65534 --clear-groups``, on files that
  ``nobody`` owns, and chmod means what it says again;
- ``immutable flag`` when root and ``setpriv`` cannot run htcat: ``chattr +i``,
  which stops root too.

A full disk is a small tmpfs mounted for the test when the process may mount
(root); otherwise ENOSPC is injected into the catalog write, in-process.
Each is probed once per session before it is trusted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .harness import HTCAT, htcat_env

NOBODY = 65534
SETPRIV = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")


@dataclass
class Confinement:
    """One way to take write permission away from htcat; see the module docstring."""

    name: str
    prefix: tuple[str, ...] = ()
    owner: int | None = None
    _immutable: list[Path] = field(default_factory=list)

    def prepare(self, folder: Path) -> None:
        """Give ``folder`` and everything in it to the user htcat runs as."""
        if self.owner is None:
            return
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, self.owner, self.owner)

    def read_only_file(self, path: Path) -> None:
        if self.name == "immutable flag":
            self._chattr("+i", path)
        else:
            path.chmod(0o444)

    def read_only_folder(self, folder: Path) -> None:
        if self.name == "immutable flag":
            self._chattr("+i", folder)
        else:
            folder.chmod(0o555)

    def write_only_folder(self, folder: Path) -> None:
        """A folder htcat may create files in but not list (a drop box)."""
        folder.chmod(0o333)

    def undo(self) -> None:
        for path in self._immutable:
            subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
        self._immutable.clear()

    def _chattr(self, flag: str, path: Path) -> None:
        subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)
        self._immutable.append(path)


def _htcat_runs_as_nobody(folder: Path) -> bool:
    try:
        done = subprocess.run(
            [*SETPRIV, str(HTCAT), "--version"],
            capture_output=True,
            timeout=30,
            env=htcat_env(),
            cwd=folder,
            check=False,
        )
    except OSError:
        return False
    if done.returncode != 0:
        return False
    probe = folder / "probe"
    probe.write_text("x")
    os.chown(probe, NOBODY, NOBODY)
    probe.chmod(0o444)
    denied = subprocess.run([*SETPRIV, "sh", "-c", f"echo y >> '{probe}'"], check=False)
    probe.unlink()
    return denied.returncode != 0


def _chattr_works(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_text("x")
    try:
        subprocess.run(["chattr", "+i", str(probe)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    try:
        return not os.access(probe, os.W_OK)
    finally:
        subprocess.run(["chattr", "-i", str(probe)], check=False, capture_output=True)
        probe.unlink()


@contextlib.contextmanager
def shared_folder() -> Iterator[Path]:
    """A folder outside pytest's private tmp tree, which ``nobody`` can reach."""
    folder = Path(tempfile.mkdtemp(prefix="htcat-reliability-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            with contextlib.suppress(OSError):
                subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)
                if path.is_dir():
                    path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def choose_confinement(folder: Path) -> Confinement:
    """The first way of making things read-only that actually stops htcat here.

    ``RELIABILITY_CONFINEMENT`` (``unprivileged user`` or ``immutable flag``)
    forces one, to exercise a fallback on a machine where an earlier one works.
    """
    forced = os.environ.get("RELIABILITY_CONFINEMENT")
    if forced == "unprivileged user":
        return Confinement(forced, SETPRIV, NOBODY)
    if forced:
        return Confinement(forced)
    if os.geteuid() != 0:
        return Confinement("permission bits")
    if shutil.which("setpriv") and _htcat_runs_as_nobody(folder):
        return Confinement("unprivileged user", SETPRIV, NOBODY)
    if shutil.which("chattr") and _chattr_works(folder):
        return Confinement("immutable flag")
    raise RuntimeError(
        "running as root, and neither setpriv (to run htcat as nobody) nor chattr +i works "
        "here: no way to make a catalog read-only for htcat"
    )


def can_mount_tmpfs(folder: Path) -> bool:
    """Whether this process may mount a small tmpfs (root with CAP_SYS_ADMIN).

    ``RELIABILITY_FULL_DISK=injected`` forces the in-process ENOSPC instead.
    """
    if os.environ.get("RELIABILITY_FULL_DISK") == "injected":
        return False
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    target = folder / "mount-probe"
    target.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
            capture_output=True,
            check=False,
        )
        if mounted.returncode != 0:
            return False
        subprocess.run(["umount", str(target)], check=True, capture_output=True)
        return True
    finally:
        target.rmdir()


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        check=True,
        capture_output=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system of ``folder`` until at most ``leave`` bytes are free."""
    filler = folder / "filler"
    with open(filler, "wb") as out:
        chunk = b"\0" * 4096
        try:
            while True:
                stat = os.statvfs(folder)
                if stat.f_bavail * stat.f_frsize <= leave:
                    break
                out.write(chunk)
                out.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    return filler
