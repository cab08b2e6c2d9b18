"""Safe file writes and the catalog's lock: a crash leaves the old bytes or the new, never half.

A new file is written beside the old one (beside a symlink's target), flushed
and fsynced, then renamed over it, and the folder synced; every change to the
catalog holds one exclusive lock, taken beside the target too. Nothing here
knows what the bytes mean.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from htcat.errors import CatalogError

DEFAULT_LOCK_TIMEOUT = 10.0
LOCK_POLL = 0.05
"""Seconds between tries for a catalog lock another process holds."""

Fill = Callable[[int], None]
"""Writes a new file's bytes to the open file descriptor it is given."""

_written: list[Path] = []


def files_written() -> tuple[Path, ...]:
    """The files this process has replaced so far, oldest first.

    An interrupt (Ctrl-C) that lands after a write, while the index is brought
    along or the result printed, must not be reported as "nothing was written".
    """
    return tuple(_written)


def write_target(path: Path) -> Path:
    """The file a write to ``path`` changes: a symlink's target, as vim and git do.

    Replacing the link itself would leave the real file unchanged and say nothing;
    the lock, the temporary file and the rename therefore all happen beside the target.
    """
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def write_file_atomically(
    path: Path, data: bytes | Fill, *, what: str = "file"
) -> os.stat_result | None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new bytes.

    ``data`` is the new bytes, or a function that writes them to a file descriptor
    (a catalog change copies most of them from the old file). A symlink is written
    through; a path that is not a regular file (a named pipe, a device) is written
    directly. An existing file keeps its mode, owner and group; where the user may
    not give the new file its owner and group, or other hard links share it, the
    new bytes are copied into it in place (as vim does) so every name and reader
    keeps seeing it. Returns the stat of the new file, or None if another file
    already took its place.
    """
    target = write_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        before: os.stat_result | None = target.stat()
    except FileNotFoundError:
        before = None
    except OSError as exc:
        raise CatalogError(f"cannot write {what} {path}: {exc.strerror}") from exc
    if before is not None and not stat.S_ISREG(before.st_mode):
        _write_directly(path, data, what)
        return None
    mode = 0o644 if before is None else before.st_mode & 0o7777
    # A rename needs only the folder's permission; a read-only file means "keep out",
    # also to root, whom os.access lets write anything: so the mode bits decide too.
    if before is not None and (not os.access(target, os.W_OK) or not mode & 0o222):
        raise CatalogError(f"cannot write {what} {path}: it is read-only — not changed")
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as tmp:
            if isinstance(data, bytes):
                tmp.write(data)
                tmp.flush()
            else:
                data(tmp.fileno())
            os.fsync(tmp.fileno())
            inode = os.fstat(tmp.fileno()).st_ino
            owned = before is None or _give_owner(tmp.fileno(), before)
        os.chmod(tmp_name, mode)
        with _interrupts_held():
            if before is not None and (before.st_nlink > 1 or not owned):
                inode = _copy_in_place(tmp_name, target)
            else:
                os.replace(tmp_name, target)
                tmp_name = ""
            _written.append(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CatalogError(f"cannot write {what} {path}: {reason} — not changed") from exc
    finally:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    # The new file is in place: a folder that cannot be opened or synced must not turn
    # that into a "not changed" error (a script would then add the same entry again).
    with contextlib.suppress(OSError):
        _fsync_folder(folder)
    try:
        written = target.stat()
    except OSError:
        return None
    return written if written.st_ino == inode else None


def _give_owner(fd: int, before: os.stat_result) -> bool:
    """Give the new file the old one's owner and group; False where the user may not.

    (chown clears set-id bits, so the mode is set after this.)
    """
    if (before.st_uid, before.st_gid) == (os.getuid(), os.getgid()):
        return True
    try:
        os.fchown(fd, before.st_uid, before.st_gid)
    except PermissionError:
        return False
    return True


def _copy_in_place(source: str, target: Path) -> int:
    """Copy the finished temporary file into ``target`` itself; returns its inode.

    The bytes are complete and synced before the old file is touched, so only a
    crash during this copy can leave the target half written.
    """
    with open(source, "rb") as new, open(target, "r+b") as old:
        old.truncate(0)
        while chunk := new.read(1 << 20):
            old.write(chunk)
        old.flush()
        os.fsync(old.fileno())
        return os.fstat(old.fileno()).st_ino


def _write_directly(path: Path, data: bytes | Fill, what: str) -> None:
    """Write to what is not a regular file (a named pipe, a terminal, a device) as it is.

    Renaming a file over it would destroy it and the reader would get nothing; a
    folder or a socket cannot be written and says so.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "wb") as out:
            if isinstance(data, bytes):
                out.write(data)
                out.flush()
            else:
                data(out.fileno())
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CatalogError(f"cannot write {what} {path}: {reason}") from exc
    _written.append(path)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back for a few instructions, so that a rename and its record go together."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temp_files(path: Path) -> None:
    """Delete temporary files a killed writer left; called only under the lock."""
    target = write_target(path)
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


@contextlib.contextmanager
def catalog_lock(path: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock that serializes every change to the catalog at ``path``.

    An flock on ``PATH.lock``: the OS releases it when its holder dies, so a
    killed process leaves no stale lock. (The filelock package did the same
    in 35 ms of imports per write; htcat needs its POSIX case only.)
    """
    import fcntl
    import time

    try:
        fd = os.open(f"{write_target(path)}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CatalogError(f"cannot lock catalog {path}: {exc.strerror}") from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CatalogError(
                        f"catalog {path} is locked by another htcat; gave up after {timeout:g} s"
                    ) from None
                time.sleep(LOCK_POLL)
            except OSError as exc:
                raise CatalogError(f"cannot lock catalog {path}: {exc.strerror}") from exc
        yield
    finally:
        os.close(fd)
