"""Editing an entry as JSON in the person's own editor, without ever losing their text.

A save that does not parse, validate or store (a link another entry has)
re-opens the editor with every problem at the top of the file; a person who
gives up, an editor that fails, or a catalog that cannot be written leaves the
file in place and its path on the screen, and ``htcat edit ID --from FILE``
takes it back.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from htcat.edits import edited_entry, editor_text, entry_json, without_header
from htcat.errors import HtcatError, InputError
from htcat.model import Entry

Stored = TypeVar("Stored")


def editor_command(environ: dict[str, str] | os._Environ[str]) -> tuple[str, list[str]]:
    """Which variable named the editor (``$VISUAL``, ``$EDITOR``, or none: vi), and its words."""
    for variable in ("VISUAL", "EDITOR"):
        if environ.get(variable):
            try:
                words = shlex.split(environ[variable])
            except ValueError as exc:
                raise InputError(f"${variable} {environ[variable]!r}: {exc}") from None
            if not words:
                raise InputError(f"${variable} {environ[variable]!r} names no program")
            return f"${variable} {environ[variable]!r}", words
    return "the editor 'vi' (set $EDITOR to choose another)", ["vi"]


def edit_in_editor(entry: Entry, save: Callable[[Entry], Stored]) -> Stored | None:
    """Edit ``entry`` until ``save`` stores it; what ``save`` returned, or None if left unchanged.

    ``save`` refusing the entry (an `InputError`, such as a link another entry
    already has) re-opens the editor like any other problem; any other failure
    keeps the file and names it.
    """
    named, words = editor_command(os.environ)
    original = editor_text(entry_json(entry))
    fd, name = tempfile.mkstemp(prefix=f"htcat-{entry['id'][:40]}-", suffix=".json")
    os.close(fd)
    path = Path(name)
    text = original
    again = f"; try again with: htcat edit {entry['id']} --from {path}"
    while True:
        path.write_text(text, encoding="utf-8")
        _run(named, words, path, kept=text != original)
        saved = _saved_text(named, path)
        if saved == text:
            if text == original:
                path.unlink()
                return None
            raise InputError(f"not saved; your text is kept in {path}{again}")
        try:
            stored = save(edited_entry(saved, entry))
        except InputError as exc:
            problems = getattr(exc, "problems", None) or [exc]
            text = editor_text(without_header(saved)[1], [str(p) for p in problems])
            continue
        except HtcatError as exc:
            path.write_text(saved, encoding="utf-8")
            exc.args = (f"{exc}; your text is kept in {path}{again}",)
            raise
        path.unlink()
        return stored


def text_from(path: Path) -> str:
    """The text of an edit file given to ``edit --from``, as the editor would have saved it."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"--from {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"--from {path}: byte {exc.start + 1} is not UTF-8 text") from None


def _saved_text(named: str, path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{named} removed {path}; nothing changed") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} byte {exc.start + 1} is not UTF-8 text; nothing changed; the file is kept"
        ) from None


def _run(named: str, words: list[str], path: Path, *, kept: bool) -> None:
    """Run the editor on ``path``; if it fails, keep the file, which may hold edits.

    While it runs, Ctrl-C belongs to the editor (as git has it): htcat ignores it
    instead of dying and leaving the editor without its terminal.
    """
    try:
        editor = subprocess.Popen([*words, str(path)])
    except OSError as exc:
        where = f"; your text is kept in {path}" if kept else ""
        if not kept:
            path.unlink()
        raise InputError(f"{named}: cannot run it: {exc.strerror or exc}{where}") from None
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = editor.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if status != 0:
        raise InputError(
            f"{named} exited with status {status}; nothing changed; the file is kept in {path}"
        )
