"""The catalog file whole: open it, read it, create it, change it under its lock.

A command reads the file once, works on the entries in memory, and writes at
most once, atomically, under the lock (`htcat.store.fs`). A file that is not
a valid catalog is never overwritten. This knows nothing of the index:
commands use `htcat.catalog`, which keeps the index along.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from htcat.errors import CatalogError, InputError
from htcat.store import fs
from htcat.store.fs import DEFAULT_LOCK_TIMEOUT, catalog_lock, remove_stale_temp_files
from htcat.store.image import dump_json, empty_image, not_overwritten, parse_image
from htcat.store.memory import Catalog
from htcat.store.paths import DEFAULT_PATH, catalog_search_folders


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
def change_catalog(path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[Catalog]:
    """Read, change and write the whole catalog under its lock, at most one write.

    If the block raises, nothing is written; if it changes nothing, the file is
    left as it was. An index beside the file is not told: it finds out from the
    file. Commands use `htcat.catalog.change`, which keeps the index along.
    """
    with catalog_lock(path, lock_timeout):
        remove_stale_temp_files(path)
        with not_overwritten():
            catalog = read_catalog(path)
        yield catalog
        if catalog.changed or catalog.tables_changed:
            fs.write_file_atomically(path, dump_json(catalog.image), what="catalog")


def init_catalog(path: Path) -> None:
    """Create an empty catalog at ``path``; refuse to overwrite anything."""
    if path.exists():
        raise InputError(f"{path} already exists; not overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    with catalog_lock(path):
        if path.exists():
            raise InputError(f"{path} already exists; not overwritten")
        fs.write_file_atomically(path, dump_json(empty_image()), what="catalog")
