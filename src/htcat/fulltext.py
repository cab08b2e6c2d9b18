"""The index's full-text table: the text it holds, and a process that builds it.

Tokenizing a catalog's text is the largest part of rebuilding the index, so a
rebuild hands the text to a second process (``python -m htcat.fulltext FILE``)
that fills the table in a file of its own, on another core, while the first
prepares every other row; the table is then copied in whole. A thread would
not do: each row it inserts must take the GIL back from the busy main thread.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import re
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO

import orjson

from htcat.model import fold
from htcat.query import searched_text

if TYPE_CHECKING:  # imported where used: most commands never build the index
    import queue
    import sqlite3

WORDS_TABLE = """CREATE VIRTUAL TABLE words USING fts5(
    text, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2')"""
"""Contentless: the text is in the catalog already, and storing it again made the
rebuild slower and the file five times larger. SQLite before 3.43 takes a row out
of such a table only given the text it was indexed with, so a changed entry's text
goes in under a new rowid instead (`htcat.index.rows.reindex`)."""
INSERT_WORDS = "INSERT INTO words(rowid, text) VALUES (?, ?)"
AUTOMERGE = 4
"""FTS5's own default: segments merge four at a time as rows come in."""
BUILD_AUTOMERGE = 16
"""How many segments a fresh build merges at a time (`_build`)."""

_NOT_IN_WORDS = re.compile(r"[\W_]+")
_FOLDED_RUNS: dict[str, bytes] = {}
"""Short runs of non-ASCII characters (an accent, a curly quote) met, already folded."""


def _fold_run(error: UnicodeError) -> tuple[bytes, int]:
    """An encoding error handler: a run of non-ASCII characters, folded as `tokens` folds it."""
    assert isinstance(error, UnicodeEncodeError)
    run = error.object[error.start : error.end]
    folded = _FOLDED_RUNS.get(run)
    if folded is None:
        folded = _NOT_IN_WORDS.sub(" ", fold(run)).encode()
        if len(run) < 8:
            _FOLDED_RUNS[run] = folded
    return folded, error.end


codecs.register_error("htcat-fold-foreign", _fold_run)


FOLDED_ALIKE = (
    (0x00, 0xA9), (0xAB, 0xB1), (0xB4, 0xB8), (0xBB, 0xBB), (0xBF, 0xDE), (0xE0, 0x131),
    (0x134, 0x13E), (0x141, 0x148), (0x14A, 0x1C3), (0x1CD, 0x1DF), (0x1E4, 0x1ED),
    (0x1F0, 0x1F0), (0x1F4, 0x1FB), (0x200, 0x2AF), (0x2B9, 0x2DF), (0x2E5, 0x304),
    (0x306, 0x30C), (0x30F, 0x30F), (0x311, 0x311), (0x31B, 0x31B), (0x323, 0x328),
    (0x32D, 0x32E), (0x330, 0x331), (0x34F, 0x34F), (0x1E00, 0x1E99), (0x1E9B, 0x1E9D),
    (0x1E9F, 0x1EFF), (0x2000, 0x2064), (0x206A, 0x206F), (0x3000, 0x3029), (0x3030, 0x3037),
    (0x303B, 0x303F), (0x4E00, 0x9FFF), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40),
    (0xFF5B, 0xFF65), (0xFFE0, 0xFFE6), (0xFFE8, 0xFFEE),
)  # fmt: skip
"""Ranges of characters FTS5's tokenizer reads exactly as `tokens` does: Latin letters
with their accents, quotes and dashes, CJK ideographs. Found by trying every character
of their blocks, as a test does again against the SQLite at hand."""


@functools.cache
def _not_folded_alike() -> re.Pattern[str]:
    """Any character outside `FOLDED_ALIKE`; compiled when first asked for, not at every
    command's start."""
    return re.compile("[^" + "".join(f"{chr(a)}-{chr(b)}" for a, b in FOLDED_ALIKE) + "]")


def fts_form(text: str) -> str:
    """Searched text (`searched_text`) as FTS5 must see it to find the words `tokens` finds.

    FTS5's unicode61 tokenizer folds most text exactly as `tokens` does, in C
    (`FOLDED_ALIKE`): such text goes as it is. It leaves ß, ligatures, ² and
    Greek accents as they are, so in any other text runs of non-ASCII
    characters are folded here (folding goes character by character), and
    what `tokens` does not count as part of a word becomes a space. The ASCII
    between them, most of any text, is copied by the encoder in C.
    """
    if text.isascii() or not _not_folded_alike().search(text):
        return text
    return text.encode("ascii", "htcat-fold-foreign").decode()


def insert_words(conn: sqlite3.Connection, words: Iterable[tuple[int, str]]) -> None:
    """Index each (rowid, searched text)."""
    conn.executemany(INSERT_WORDS, [(rowid, fts_form(text)) for rowid, text in words])


def scratch_database(path: Path) -> sqlite3.Connection:
    """A new SQLite file with no journal and no syncs: several times faster to fill.

    Its pages of 16 KiB, not 4: fewer, fuller pages, quicker to fill.
    """
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA page_size = 16384")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


class WordsBuilder:
    """The parent's end of the builder process: entries' searched text goes in, each with
    its rowid (an entry's document id), or where in the catalog the entries lie.

    It starts up while this side prepares the first batch, and folds the text
    (`fts_form`). Entries of a canonical file it can read from the file itself,
    open as ``catalog`` on both sides, where this side says they lie (16 bytes
    for a few dozen entries), and parse them again to take their searched text:
    a build hands it every other batch so (`htcat.index.build`), which keeps
    both sides about as busy.
    """

    def __init__(self, path: Path, catalog: BinaryIO | None) -> None:
        import subprocess

        fds = () if catalog is None else (catalog.fileno(),)
        command = [sys.executable, "-P", "-m", "htcat.fulltext", str(path), *map(str, fds)]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=fds,
        )
        import queue

        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_WAITING_MOST)
        self._failed: OSError | None = None
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    @property
    def _stdin(self) -> IO[bytes]:
        assert self._process.stdin is not None
        return self._process.stdin

    def put_spans(self, spans: list[tuple[int, int]]) -> None:
        """Hand over the entries the catalog holds between each ``(start, end)``, entries
        one after another as a canonical file holds them, a few dozen to a span (the other
        side parses each at once, in the processor's cache: `htcat.store.layout.canonical_entries`).
        """
        self._send(
            b"S", b"".join(s.to_bytes(8, "little") + e.to_bytes(8, "little") for s, e in spans)
        )

    def put_texts(self, words: list[tuple[int, str]]) -> None:
        """Hand over entries' searched text, each with the rowid of its words."""
        self._send(b"T", orjson.dumps(words))

    def _send(self, kind: bytes, payload: bytes) -> None:
        self._queue.put(kind + len(payload).to_bytes(8, "little") + payload)

    def _write(self) -> None:
        """Write what is put, on a thread of its own: a write the other side is not yet
        ready for waits there, not here (None: no more)."""
        while (message := self._queue.get()) is not None:
            if self._failed is None:  # after a failure, only emptied: no put waits forever
                try:
                    self._stdin.write(message)
                except OSError as exc:
                    self._failed = exc

    def finish(self) -> None:
        """Wait for the table to be complete; raises OSError if the builder failed."""
        self._queue.put(None)
        self._writer.join()
        with contextlib.suppress(OSError):
            self._stdin.close()
        assert self._process.stderr is not None
        with self._process.stderr:
            errors = self._process.stderr.read()
        if self._process.wait() != 0:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise OSError(f"building the full-text index failed: {last[0]}")
        if self._failed is not None:
            raise self._failed

    def abandon(self) -> None:
        """Stop the builder after a failure on this side."""
        self._process.kill()  # a write under way fails at once
        self._queue.put(None)
        self._writer.join()
        for pipe in (self._process.stdin, self._process.stderr):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        self._process.wait()


_WAITING_MOST = 4
"""Messages waiting for the writing thread at most: beyond, the parent waits, and memory
stays flat however far behind the other side is."""


def copy_words(conn: sqlite3.Connection, built: Path) -> None:
    """Put the full-text table built in ``built`` into ``conn``'s database, storage and all.

    FTS5 keeps a table in ordinary "shadow" tables; copying them row for row
    copies the index exactly, without tokenizing anything again.
    """
    conn.execute("ATTACH DATABASE ? AS built", (str(built),))
    conn.execute("BEGIN")
    conn.execute(WORDS_TABLE)
    shadows = conn.execute(
        "SELECT name FROM built.sqlite_master WHERE type = 'table' AND name GLOB 'words_*'"
    ).fetchall()
    if not shadows:
        raise OSError(f"the full-text table built in {built} is gone")
    for (name,) in shadows:
        conn.execute(f"DELETE FROM main.{name}")
        conn.execute(f"INSERT INTO main.{name} SELECT * FROM built.{name}")
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE built")


def _build(path: Path, batches: IO[bytes], catalog: int | None) -> None:
    """The builder process: entries (`WordsBuilder`) until end of input, then commit.

    FTS5 merges its segments as they pile up, four at a time; here sixteen at a
    time (`BUILD_AUTOMERGE`), which merges each word's rows fewer times over
    (measured at 100,000 entries: 4.2 s of CPU against 7.0 s, and against 4.7 s
    when merged once at the end), for an index of the same size whose searches
    take a few milliseconds either way.
    """
    with contextlib.closing(scratch_database(path)) as conn:
        conn.execute("BEGIN")
        conn.execute(WORDS_TABLE)
        conn.execute(f"INSERT INTO words(words, rank) VALUES ('automerge', {BUILD_AUTOMERGE})")
        while head := batches.read(9):
            payload = batches.read(int.from_bytes(head[1:], "little"))
            if head[:1] == b"T":
                insert_words(conn, orjson.loads(payload))
            else:
                assert catalog is not None
                insert_words(conn, _texts_read(catalog, payload))
        # Kept in the table's settings, which the index copies: later rows merge as usual.
        conn.execute(f"INSERT INTO words(words, rank) VALUES ('automerge', {AUTOMERGE})")
        conn.execute("COMMIT")


def _texts_read(catalog: int, spans: bytes) -> list[tuple[int, str]]:
    """The searched text of the entries the catalog holds between each (start, end) of
    ``spans`` (`WordsBuilder.put_spans`), with their document ids."""
    ends = [int.from_bytes(spans[n : n + 8], "little") for n in range(0, len(spans), 8)]
    texts = []
    for start, end in zip(ends[::2], ends[1::2], strict=True):
        entries = orjson.loads(b"{" + os.pread(catalog, end - start, start) + b"}")
        texts += [(int(key), searched_text(entry)) for key, entry in entries.items()]
    return texts


if __name__ == "__main__":
    _build(Path(sys.argv[1]), sys.stdin.buffer, int(sys.argv[2]) if sys.argv[2:] else None)
