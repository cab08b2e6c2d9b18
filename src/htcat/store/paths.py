"""Where the catalog is: ``--db``, ``HTCAT_DB``, or the nearest ``data/catalog.json``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PATH = Path("data/catalog.json")


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
