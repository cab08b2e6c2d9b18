"""Read-only catalogs and folders, and full disks: exit 3, a message, the old catalog intact."""

from __future__ import annotations

import errno
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from htcat.cli.app import app

from .faults import (
    Confinement,
    can_mount_tmpfs,
    choose_confinement,
    fill,
    shared_folder,
    tmpfs,
)
from .harness import Ran, entries_of, make_catalog, run, synthetic_entries, temp_files

WRITERS = {
    "add": ("add", "--title", "Written to a full disk"),
    "edit": ("edit", "entry-1", "--set", "summary=changed"),
    "tag": ("tag", "--all", "--add", "new-tag"),
    "remove": ("remove", "entry-2", "--yes"),
    "tags rename": ("tags", "rename", "labor", "work"),
    "import": ("import", "{folder}/rows.jsonl"),
    "check": ("check", "--timeout", "5"),
}
READERS = (("list", "--format", "ids"), ("show", "entry-3"), ("search", "labor"), ("tags",))


def catalog_in(folder: Path, count: int = 30) -> Path:
    """A catalog, a file to import into it, and one link (to a port nobody listens on)."""
    entries = synthetic_entries(count, random.Random(5))
    entries[0]["tags"] = ["labor"]
    entries[1]["links"] = [{"url": "http://127.0.0.1:9/gone.pdf", "kind": "pdf"}]
    (folder / "rows.jsonl").write_text('{"title": "Imported row"}\n')
    return make_catalog(folder / "catalog.json", entries)


def args_for(name: str, db: Path) -> list[str]:
    return [a.replace("{folder}", str(db.parent)) for a in WRITERS[name]]


@pytest.fixture(scope="session")
def shared() -> Iterator[Path]:
    with shared_folder() as folder:
        yield folder


@pytest.fixture(scope="session")
def confinement(shared: Path) -> Confinement:
    return choose_confinement(shared)


@pytest.fixture
def place(shared: Path, confinement: Confinement, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder of its own for the test, reachable by the user htcat runs as."""
    folder = shared / re.sub(r"[^\w-]", "_", request.node.name)
    folder.mkdir()
    yield folder
    confinement.undo()
    folder.chmod(0o755)


def run_confined(confinement: Confinement, db: Path, *args: str, **kwargs: object) -> Ran:
    return run(db, *args, prefix=confinement.prefix, cwd=db.parent, **kwargs)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_read_only_catalog_is_never_written(
    place: Path, confinement: Confinement, name: str
) -> None:
    db = catalog_in(place)
    confinement.prepare(place)
    confinement.read_only_file(db)
    before = db.read_bytes()

    ran = run_confined(confinement, db, *args_for(name, db))

    assert ran.code == 3, f"{confinement.name}: {ran}"
    assert f"cannot write catalog {db}" in ran.err
    assert "read-only" in ran.err
    assert "Traceback" not in ran.err
    assert db.read_bytes() == before
    assert not temp_files(db)


def test_a_read_only_catalog_can_still_be_read(place: Path, confinement: Confinement) -> None:
    db = catalog_in(place)
    confinement.prepare(place)
    confinement.read_only_file(db)
    for args in READERS:
        ran = run_confined(confinement, db, *args)
        assert ran.code == 0, f"{confinement.name}: {ran}"


@pytest.mark.parametrize("lock_file", ["present", "absent"])
@pytest.mark.parametrize("name", ["add", "tag"])
def test_a_read_only_folder_is_never_written(
    place: Path, confinement: Confinement, name: str, lock_file: str
) -> None:
    db = catalog_in(place)
    if lock_file == "absent":
        Path(f"{db}.lock").unlink()
    confinement.prepare(place)
    confinement.read_only_folder(place)
    before = db.read_bytes()

    ran = run_confined(confinement, db, *WRITERS[name])

    assert ran.code == 3, f"{confinement.name}: {ran}"
    what = "cannot lock catalog" if lock_file == "absent" else "cannot write catalog"
    assert f"{what} {db}" in ran.err
    assert re.search("Permission denied|Operation not permitted", ran.err), ran.err
    assert "Traceback" not in ran.err
    assert db.read_bytes() == before
    assert not temp_files(db)


def test_a_read_only_folder_can_still_be_read_even_where_an_index_would_be_built(
    place: Path, confinement: Confinement
) -> None:
    db = catalog_in(place)
    confinement.prepare(place)
    confinement.read_only_folder(place)
    ran = run_confined(
        confinement, db, "list", "--format", "ids", env={"HTCAT_INDEX_MIN_BYTES": "0"}
    )
    assert ran.code == 0, ran
    assert set(ran.out.split()) == set(entries_of(db))


def test_a_folder_that_cannot_be_listed_still_reports_a_write_truthfully(
    place: Path, confinement: Confinement
) -> None:
    """Write and search permission but no read (a drop box): the write works, and says so."""
    db = catalog_in(place)
    confinement.prepare(place)
    confinement.write_only_folder(place)

    ran = run_confined(confinement, db, "add", "--title", "Dropped in")

    place.chmod(0o755)
    found = entries_of(db)
    assert (ran.code == 0) == (ran.out.strip() in found), ran
    assert ran.code == 0, ran


@dataclass
class Disk:
    """A folder on a disk that can be filled: a real tmpfs, or injected ENOSPC in-process."""

    folder: Path
    real: bool
    monkeypatch: pytest.MonkeyPatch

    def fill(self) -> None:
        if self.real:
            fill(self.folder, leave=4096)
            return

        def no_space(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.monkeypatch.setattr(os, "fsync", no_space)

    def free(self) -> None:
        if self.real:
            (self.folder / "filler").unlink()
        else:
            self.monkeypatch.undo()

    def run(self, db: Path, *args: str) -> Ran:
        if self.real:
            return run(db, *args)
        result = CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=True)
        err = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            err += f"\nTraceback: {result.exception!r}"
        return Ran(tuple(args), result.exit_code, result.stdout, err, 0.0)


@pytest.fixture(scope="session")
def real_tmpfs(shared: Path) -> bool:
    return can_mount_tmpfs(shared)


@pytest.fixture
def disk(
    shared: Path, real_tmpfs: bool, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Disk]:
    folder = shared / ("disk-" + re.sub(r"[^\w-]", "_", request.node.name))
    if real_tmpfs:
        with tmpfs(folder, "512k"):
            yield Disk(folder, True, monkeypatch)
    else:
        folder.mkdir()
        yield Disk(folder, False, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_a_full_disk_leaves_the_old_catalog_byte_for_byte(disk: Disk, name: str) -> None:
    db = catalog_in(disk.folder, count=120)
    before = db.read_bytes()
    disk.fill()

    ran = disk.run(db, *args_for(name, db))

    assert ran.code == 3, ran
    assert f"cannot write catalog {db}: No space left on device" in ran.err
    assert "Traceback" not in ran.err
    assert db.read_bytes() == before
    assert not temp_files(db)

    disk.free()
    again = disk.run(db, *args_for(name, db))
    assert again.code == (1 if name == "check" else 0), again
    assert db.read_bytes() != before
