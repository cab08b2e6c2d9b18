"""Safe file writes and the catalog's lock: a crash leaves the old bytes or the new, never half.

A new file is written beside the old one, flushed and fsynced, then renamed
over it, and the folder synced; every change to the catalog holds one
exclusive lock. Nothing here knows what the bytes mean.
"""

from __future__ import annotations

import contextlib
import os
import signal
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


def write_file_atomically(
    path: Path, data: bytes | Fill, *, what: str = "file"
) -> os.stat_result | None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new bytes.

    ``data`` is the new bytes, or a function that writes them to a file descriptor
    (a catalog change copies most of them from the old file). Returns the stat of
    the new file, taken after the rename, or None if another file already took
    its place.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    except OSError as exc:
        raise CatalogError(f"cannot write {what} {path}: {exc.strerror}") from exc
    else:
        # A rename needs only the folder's permission; a read-only file means "keep out",
        # also to root, whom os.access lets write anything: so the mode bits decide too.
        if not os.access(path, os.W_OK) or not mode & 0o222:
            raise CatalogError(f"cannot write {what} {path}: it is read-only — not changed")
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as tmp:
            if isinstance(data, bytes):
                tmp.write(data)
                tmp.flush()
            else:
                data(tmp.fileno())
            os.fsync(tmp.fileno())
            inode = os.fstat(tmp.fileno()).st_ino
        os.chmod(tmp_name, mode)
        with _interrupts_held():
            os.replace(tmp_name, path)
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
        written = path.stat()
    except OSError:
        return None
    return written if written.st_ino == inode else None


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
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
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
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
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
