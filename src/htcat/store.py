"""The catalog file: its bytes, its lock, its atomic writes, its schema; nothing of the index.

The file is a TinyDB database — an object of tables, each an object of
documents keyed by TinyDB's document ids — so that a script may open it with
TinyDB's own ``JSONStorage``; htcat reads and writes its bytes itself, in the
canonical form `dump_json` gives. A command reads the file once, works on the
entries in memory, and writes at most once: to a temporary file in the same
folder, flushed and fsynced, then renamed over the old one, all under an
exclusive lock. A file that is not a valid catalog is never overwritten.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from htcat.errors import CatalogError, InputError, NewerSchema
from htcat.model import (
    CITATION_FIELDS,
    Entry,
    migrated_person,
    now_stamp,
    shape_problem,
    slugify,
    unique_id,
    validate_entry,
)

SCHEMA_VERSION = 3
META_TABLE = "_meta"
ENTRIES_TABLE = "entries"
DEFAULT_PATH = Path("data/catalog.json")
DEFAULT_LOCK_TIMEOUT = 10.0
LOCK_POLL = 0.05
"""Seconds between tries for a catalog lock another process holds."""
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

Image = dict[str, dict[str, Any]]
"""The whole file as TinyDB sees it: table name → document id → document."""
Fill = Callable[[int], None]
"""Writes a new file's bytes to the open file descriptor it is given."""

_written: list[Path] = []


def files_written() -> tuple[Path, ...]:
    """The files this process has replaced so far, oldest first.

    An interrupt (Ctrl-C) that lands after a write, while the index is brought
    along or the result printed, must not be reported as "nothing was written".
    """
    return tuple(_written)


def catalog_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Where the catalog is: ``--db``, else ``HTCAT_DB``, else the nearest ``data/catalog.json``.

    Searched like git finds ``.git``: here, then each parent up to the
    repository's root, so any folder of the repository works.
    """
    if db:
        return Path(db)
    if os.environ.get("HTCAT_DB"):
        return Path(os.environ["HTCAT_DB"])
    folders = catalog_search_folders()
    for folder in folders:
        if (folder / DEFAULT_PATH).is_file():
            return (
                DEFAULT_PATH
                if folder == folders[0]
                else Path(os.path.relpath(folder)) / DEFAULT_PATH
            )
    return DEFAULT_PATH


def catalog_search_folders() -> list[Path]:
    """The folders searched for ``data/catalog.json``: here, and up to the repository's root."""
    try:
        here = Path.cwd()
    except OSError:
        return [Path(".")]
    folders = [here, *here.parents]
    root = repo_root(here)
    return folders[: folders.index(root) + 1] if root is not None else folders[:1]


def repo_root(start: Path) -> Path | None:
    """The folder holding ``.git`` at or above ``start``, as git finds it; None outside one."""
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
    return None


def dump_json(data: object) -> bytes:
    """Pretty UTF-8 JSON with sorted keys and a final newline: stable bytes."""
    return orjson.dumps(data, option=_JSON_OPTIONS)


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


def parse_image(raw: bytes, path: Path, *, checked: bool = False) -> Image:
    """The tables of a catalog file, migrated to the current schema.

    Refuses, with the path and position, anything that is not a catalog.
    ``checked`` skips checking each entry's shape, for a file known to pass.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        markers = raw.startswith(b"<<<<<<< ") or b"\n<<<<<<< " in raw
        hint = (
            f"; these are git's conflict markers: run 'htcat git setup', "
            f"then 'git checkout -m {path}'"
            if markers
            else ""
        )
        raise CatalogError(
            f"catalog {path} line {exc.lineno}, column {exc.colno}: {exc.msg} — not overwritten"
            + hint
        ) from exc
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise CatalogError(f"{path} is not an htcat catalog (expected an object of tables)")
    meta = data.get(META_TABLE, {}).get("1", {})
    version = meta.get("schema", 0) if isinstance(meta, dict) else None
    if not isinstance(version, int):
        raise CatalogError(f"{path} is not an htcat catalog (bad schema version {version!r})")
    if version > SCHEMA_VERSION:
        raise NewerSchema(
            f"catalog {path} has schema {version}, newer than this htcat understands "
            f"({SCHEMA_VERSION}); upgrade htcat"
        )
    if version == 0:
        data.setdefault(ENTRIES_TABLE, data.pop("_default", {}))
    entries = data.get(ENTRIES_TABLE, {})
    if version < 2:
        _split_people_names(entries)
    if version < 3:
        _gather_citation_fields(entries)
    if not checked:
        check_entries(entries, path)
    data[ENTRIES_TABLE] = entries
    data[META_TABLE] = {"1": {"schema": SCHEMA_VERSION}}
    return data


def check_entries(entries: dict[str, Any], path: Path) -> None:
    """Refuse, by name, an entry no command could use."""
    for doc_id, doc in entries.items():
        if not doc_id.isdigit() or not isinstance(doc, dict):
            raise CatalogError(f"catalog {path}: entry {doc_id!r} is not an entry object")
        problem = shape_problem(doc)
        if problem:
            shown = doc.get("id") if isinstance(doc.get("id"), str) and doc["id"] else doc_id
            raise CatalogError(
                f"catalog {path}: entry {shown!r}: {problem}; fix it by hand — not overwritten"
            )


def _split_people_names(entries: dict[str, Any]) -> None:
    """Schema 1 held a person's name as one string; schema 2 as family and given names."""
    for doc in entries.values():
        people = doc.get("people") if isinstance(doc, dict) else None
        if isinstance(people, list):
            doc["people"] = [migrated_person(p) if isinstance(p, dict) else p for p in people]


def _gather_citation_fields(entries: dict[str, Any]) -> None:
    """Schema 3 holds a citation's journal, volume, pages… in one ``citation`` object.

    Before, such values could only be kept as fields of their own (``--keep-unknown``);
    those named as CSL names them (``volume``, ``container-title``…) and holding text
    move into ``citation``, so that every citation export finds them.
    """
    for doc in entries.values():
        if not isinstance(doc, dict) or "citation" in doc:
            continue
        found = {k: doc[k] for k in CITATION_FIELDS if isinstance(doc.get(k), str) and doc[k]}
        if found:
            for key in found:
                del doc[key]
            doc["citation"] = found


def empty_image() -> Image:
    return {META_TABLE: {"1": {"schema": SCHEMA_VERSION}}, ENTRIES_TABLE: {}}


def resolve_id(prefix: str, found: list[str], every_id: Callable[[], Iterable[str]] = tuple) -> str:
    """The one id among ``found`` (the ids that begin with ``prefix``, once per entry
    holding each) that ``prefix`` names; an id two entries hold names neither.

    When none does, the message offers the ids of ``every_id()`` closest to ``prefix``.
    """
    distinct = list(dict.fromkeys(found))
    if prefix in distinct:
        ident = prefix
    elif len(distinct) == 1:
        ident = distinct[0]
    elif not distinct:
        close = close_ids(prefix, every_id())
        offered = " or ".join(filter(None, (", ".join(close[:-1]), *close[-1:])))
        hint = f"; did you mean {offered}?" if close else ""
        raise InputError(f"no entry with id {prefix!r}{hint}")
    else:
        shown = ", ".join(distinct[:10]) + (", …" if len(distinct) > 10 else "")
        raise InputError(f"id {prefix!r} is ambiguous: {shown}")
    if found.count(ident) > 1:
        raise shared_id_error(ident, found.count(ident))
    return ident


def shared_id_error(ident: str, count: int) -> CatalogError:
    """Two entries with one id (a hand edit): acting on either could lose the other."""
    return CatalogError(
        f"id {ident!r} is held by {count} entries; give one of them another id by hand "
        "('htcat doctor' lists such problems) — nothing done"
    )


CLOSE_IDS = 3
CLOSE_ENOUGH = 0.75
"""How alike (difflib's ratio) a mistyped id and the start of an id must be to be offered."""


def close_ids(prefix: str, ids: Iterable[str]) -> list[str]:
    """The ids (at most `CLOSE_IDS`) that ``prefix`` most looks like a mistyped start of.

    A user types the start of an id, so each id is compared by as much of its
    start as was typed (and one character more, for a letter left out):
    ``htla-clas-6`` is close to ``htla-class-6-recommendations-report``.
    """
    import difflib

    by_start: dict[str, list[str]] = {}
    for ident in ids:
        for start in {ident[: len(prefix)], ident[: len(prefix) + 1]}:
            by_start.setdefault(start, []).append(ident)
    starts = difflib.get_close_matches(prefix, by_start, CLOSE_IDS, CLOSE_ENOUGH)
    close = dict.fromkeys(ident for start in starts for ident in sorted(by_start[start]))
    return list(close)[:CLOSE_IDS]


class Catalog:
    """The catalog's entries in memory, with entry-level operations.

    Document ids are TinyDB's: a new entry takes one more than the largest,
    so that htcat and a TinyDB script agree on them. Obtain one from
    `read_catalog` (to look) or `change_catalog` (to change), or through
    `htcat.catalog`, which also keeps the index.
    """

    def __init__(self, path: Path, image: Image) -> None:
        self.path = path
        self._image = image
        self._doc_ids: MutableMapping[str, int] | None = None
        self._shared_ids: dict[str, int] = {}
        """Ids more than one entry holds (a hand edit), with how many hold each."""
        self.changed: set[int] = set()
        """Ids of the TinyDB documents added, changed or removed: what a write must carry."""
        self.tables_changed: set[str] = set()
        """Other tables changed in the image (a merge's conflicts): a write must carry them too."""

    @property
    def image(self) -> Image:
        """Every table of the file, as parsed."""
        return self._image

    def entries(self) -> list[Entry]:
        """Every entry: the stored dicts themselves, not copies, so never change them.

        Copying 100,000 entries would cost more than the change a command makes;
        changes go through `add_many`, `replace_many` and `remove_many`.
        """
        return list(self.image[ENTRIES_TABLE].values())

    def _id_map(self) -> MutableMapping[str, int]:
        """Each entry's id → its document id; ids more than one entry holds are noted."""
        raw = self.image[ENTRIES_TABLE]
        ids = {doc.get("id", ""): int(key) for key, doc in raw.items()}
        self._shared_ids = {}
        if len(ids) < len(raw):
            held = Counter(doc.get("id", "") for doc in raw.values())
            self._shared_ids = {ident: n for ident, n in held.items() if n > 1}
        return ids

    def _entry(self, doc_id: int) -> Entry:
        """The stored entry under this document id."""
        entry: Entry = self.image[ENTRIES_TABLE][str(doc_id)]
        return entry

    def _put(self, doc_id: int, entry: Entry | None) -> None:
        """Store ``entry`` under ``doc_id``, or remove the document when None."""
        table = self.image[ENTRIES_TABLE]
        if entry is None:
            del table[str(doc_id)]
        else:
            table[str(doc_id)] = entry
        self.changed.add(doc_id)

    def _next_doc_id(self) -> int:
        return max(map(int, self.image[ENTRIES_TABLE]), default=0) + 1

    def _ids(self) -> MutableMapping[str, int]:
        if self._doc_ids is None:
            self._doc_ids = self._id_map()
        return self._doc_ids

    def ids(self) -> set[str]:
        return set(self._ids())

    def resolve(self, prefix: str) -> str:
        """The id that ``prefix`` names: itself, or the one id it begins."""
        ids = self._ids()
        if prefix in ids:
            ident = prefix
        else:
            found = sorted(i for i in ids if prefix and i.startswith(prefix))
            ident = resolve_id(prefix, found, ids.keys)
        if ident in self._shared_ids:
            raise shared_id_error(ident, self._shared_ids[ident])
        return ident

    def get(self, prefix: str) -> Entry:
        """A copy of the entry whose id is or begins with ``prefix``, free to change."""
        return copy.deepcopy(self.stored(self.resolve(prefix)))

    def stored(self, ident: str) -> Entry:
        """The stored entry with this full id itself, not a copy: never change it."""
        return self._entry(self._ids()[ident])

    def add_many(
        self, raws: Iterable[Entry], *, keep_stamps: bool = False, validated: bool = False
    ) -> list[Entry]:
        """Validate and insert new entries; ids made from titles.

        ``validated`` entries already came out of `validate_entry` (an import
        checks every row before it writes) and are not validated twice.
        """
        prepared = [dict(raw) if validated else validate_entry(raw) for raw in raws]
        ids = self._ids()
        doc_id = self._next_doc_id()
        stamp = now_stamp()
        for entry in prepared:
            entry["id"] = unique_id(entry.get("id") or slugify(entry["title"]), ids)
            if not keep_stamps or "created" not in entry:
                entry["created"] = stamp
            if not keep_stamps or "updated" not in entry:
                entry["updated"] = stamp
            ids[entry["id"]] = doc_id
            self._put(doc_id, entry)
            doc_id += 1
        return prepared

    def add(self, raw: Entry) -> Entry:
        return self.add_many([raw])[0]

    def replace_many(
        self, entries: Iterable[Entry], *, touch: bool = True, validated: bool = False
    ) -> list[Entry]:
        """Validate and store new versions of existing entries, all or none.

        An entry whose content did not change is left as it was. ``touch=False``
        keeps ``updated`` (link check results are not an edit of the entry);
        ``validated`` is as for `add_many`.
        """
        ids = self._ids()
        changes: dict[str, Entry] = {}
        stamp = now_stamp()
        for new in entries:
            entry = dict(new) if validated else validate_entry(new, where=new["id"])
            old = self._entry(ids[new["id"]])
            entry["created"] = old.get("created", stamp)
            entry["updated"] = old.get("updated", stamp)
            if entry == old:
                continue
            if touch:
                entry["updated"] = stamp
            changes[entry["id"]] = entry
        for ident, entry in changes.items():
            self._put(ids[ident], entry)
        return list(changes.values())

    def replace(self, entry: Entry) -> Entry:
        """Store a new version of one entry; return it as stored."""
        changed = self.replace_many([entry])
        return changed[0] if changed else self.get(entry["id"])

    def remove_many(self, idents: Iterable[str]) -> None:
        """Remove the entries with these (full) ids."""
        ids = self._ids()
        for doc_id in [ids.pop(i) for i in idents]:
            self._put(doc_id, None)


def catalog_bytes(path: Path) -> bytes:
    """The catalog file's bytes, for a reader that parses them itself (``doctor``)."""
    with opened(path) as file:
        return read_bytes(file, path)[0]


@contextlib.contextmanager
def opened(path: Path) -> Iterator[BinaryIO]:
    """The catalog file open for reading, or the error that names why it cannot be."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, after the errors are named
    except FileNotFoundError:
        looked = ""
        if path == DEFAULT_PATH:
            folders = catalog_search_folders()
            looked = f" (looked in {folders[0]}" + (
                f" and its parents up to {folders[-1]})" if len(folders) > 1 else ")"
            )
        raise CatalogError(
            f"no catalog at {path}{looked}; create one with 'htcat init' or choose one with --db"
        ) from None
    except IsADirectoryError:
        raise CatalogError(f"catalog {path} is a folder, not a file") from None
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror}") from exc
    with file:
        yield file


def read_bytes(file: BinaryIO, path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes and the stat of the very file they came from, taken after reading.

    A change while the bytes were read moves the file's change time past the stat
    an index recorded, so that index cannot vouch for them.
    """
    try:
        return file.read(), os.fstat(file.fileno())
    except IsADirectoryError:
        raise CatalogError(f"catalog {path} is a folder, not a file") from None
    except OSError as exc:
        raise CatalogError(f"cannot read catalog {path}: {exc.strerror}") from exc


def read_catalog(path: Path) -> Catalog:
    """The catalog at ``path``, for reading, every entry checked. Needs no lock."""
    with opened(path) as file:
        raw, _ = read_bytes(file, path)
    return Catalog(path, parse_image(raw, path))


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


@contextlib.contextmanager
def change_catalog(path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[Catalog]:
    """Read, change and write the whole catalog under its lock, at most one write.

    If the block raises, nothing is written; if it changes nothing, the file is
    left as it was. An index beside the file is not told: it finds out from the
    file. Commands use `htcat.catalog.change`, which keeps the index along.
    """
    with catalog_lock(path, lock_timeout):
        remove_stale_temp_files(path)
        catalog = read_catalog(path)
        yield catalog
        if catalog.changed or catalog.tables_changed:
            write_file_atomically(path, dump_json(catalog.image), what="catalog")


def ctime_is_fine(folder: Path) -> bool:
    """Whether a file's change time in ``folder`` moves on at every change once it was read.

    Linux's multigrain timestamps do so (ext4, xfs, btrfs, tmpfs since 6.13):
    then a stat taken after a write tells any later change apart, however soon.
    Elsewhere a change within the same clock tick keeps the change time, and only
    the bytes can tell (git's "racy" files).
    """
    try:
        # Nameless where the system allows (O_TMPFILE), so a kill meanwhile leaves nothing.
        probe = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by the with below
    except OSError:
        return False  # a folder htcat cannot write to: assume the coarse clock
    with probe:
        moved = []
        for mode in (0o640, 0o600):
            before = os.fstat(probe.fileno()).st_ctime_ns
            os.fchmod(probe.fileno(), mode)
            moved.append(os.fstat(probe.fileno()).st_ctime_ns != before)
        return all(moved)


def init_catalog(path: Path) -> None:
    """Create an empty catalog at ``path``; refuse to overwrite anything."""
    if path.exists():
        raise InputError(f"{path} already exists; not overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    with catalog_lock(path):
        if path.exists():
            raise InputError(f"{path} already exists; not overwritten")
        write_file_atomically(path, dump_json(empty_image()), what="catalog")
