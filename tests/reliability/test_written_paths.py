"""A write keeps what a path is: symlinks are written through, named pipes and
standard output are written as they are, a file keeps its owner, group, mode and
hard links, and a failed write is a failure. All through the installed htcat."""

from __future__ import annotations

import grp
import os
import random
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import HTCAT, entries_of, htcat_env, make_catalog, run, synthetic_entries

EVERY_STATUS = ("--status", "draft", "--status", "published", "--status", "archived")
ENTRIES = synthetic_entries(12, random.Random(7))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "catalog.json", ENTRIES)


def exported(db: Path, fmt: str) -> bytes:
    """What ``export`` writes to standard output, to compare the other targets with."""
    done = subprocess.run(
        [HTCAT, "--db", db, "export", "--format", fmt, *EVERY_STATUS],
        capture_output=True,
        env=htcat_env(),
        check=True,
        timeout=120,
    )
    return done.stdout


def test_a_symlinked_catalog_is_changed_through_the_link(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    make_catalog(real / "catalog.json", ENTRIES)
    data = tmp_path / "data"
    data.mkdir()
    link = data / "catalog.json"
    link.symlink_to(Path("..") / "real" / "catalog.json")

    ran = run(link, "add", "--title", "Through the link", "--type", "report")

    assert ran.code == 0, ran
    assert link.is_symlink(), "the link stays a link"
    titles = [e["title"] for e in entries_of(real / "catalog.json").values()]
    assert "Through the link" in titles
    assert (real / "catalog.json.lock").exists(), "the lock is taken beside the target"
    assert not (data / "catalog.json.lock").exists()
    assert sorted(p.name for p in data.iterdir()) == ["catalog.json"]


def test_export_writes_through_a_symlink(db: Path, tmp_path: Path):
    target = tmp_path / "site" / "library.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "library.csv"
    link.symlink_to(target)

    ran = run(db, "export", "-o", str(link), *EVERY_STATUS)

    assert ran.code == 0, ran
    assert link.is_symlink()
    assert target.read_bytes() == exported(db, "csv")


def test_export_into_a_named_pipe_reaches_its_reader(db: Path, tmp_path: Path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()

    ran = run(db, "export", "-o", str(fifo), *EVERY_STATUS)
    reader.join(timeout=120)

    assert ran.code == 0, ran
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the pipe is still a pipe"
    assert received == [exported(db, "json")]


@pytest.mark.parametrize("name", ["-", "/dev/stdout", "/proc/self/fd/1"])
def test_every_name_of_standard_output_is_standard_output(db: Path, name: str):
    ran = subprocess.run(
        [HTCAT, "--db", db, "export", "--format", "ris", "-o", name, "--status", "published"],
        capture_output=True,
        env=htcat_env(),
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert (
        ran.stdout
        == subprocess.run(
            [HTCAT, "--db", db, "export", "--format", "ris", "--status", "published"],
            capture_output=True,
            env=htcat_env(),
            timeout=120,
            check=True,
        ).stdout
    )
    assert b"exported" not in ran.stderr


def test_a_hard_linked_export_is_updated_under_every_name(db: Path, tmp_path: Path):
    first = tmp_path / "library.md"
    first.write_text("old\n")
    second = tmp_path / "published" / "library.md"
    second.parent.mkdir()
    os.link(first, second)

    ran = run(db, "export", "-o", str(first), *EVERY_STATUS)

    assert ran.code == 0, ran
    assert first.stat().st_ino == second.stat().st_ino
    assert second.read_bytes() == exported(db, "markdown")


def test_an_export_keeps_the_files_owner_group_and_mode(db: Path, tmp_path: Path):
    page = tmp_path / "library.html"
    page.write_text("old\n")
    nogroup = grp.getgrnam("nogroup").gr_gid
    os.chown(page, 65534, nogroup)
    page.chmod(0o640)

    ran = run(db, "export", "-o", str(page))

    assert ran.code == 0, ran
    kept = page.stat()
    assert (kept.st_uid, kept.st_gid, stat.S_IMODE(kept.st_mode)) == (65534, nogroup, 0o640)
    assert b"<html" in page.read_bytes()


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder everyone may write, outside pytest's root-only temporary tree."""
    folder = Path(tempfile.mkdtemp(prefix="htcat-shared-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def test_a_file_the_user_may_not_give_away_is_rewritten_in_place(shared: Path):
    """nobody may write root's group-writable file but not make a new one root's."""
    db = make_catalog(shared / "catalog.json", ENTRIES)
    db.chmod(0o666)
    out = shared / "library.json"
    out.write_text("old\n")
    nogroup = grp.getgrnam("nogroup").gr_gid
    os.chown(out, 0, nogroup)
    out.chmod(0o664)
    inode = out.stat().st_ino
    as_nobody = ["setpriv", "--reuid=65534", f"--regid={nogroup}", "--clear-groups"]

    ran = run(db, "export", "-o", str(out), *EVERY_STATUS, prefix=as_nobody)

    assert ran.code == 0, ran
    kept = out.stat()
    assert (kept.st_ino, kept.st_uid, kept.st_gid) == (inode, 0, nogroup)
    assert out.read_bytes() == exported(db, "json")
    assert not [p for p in shared.iterdir() if p.name.startswith(".library")]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_a_full_disk_is_a_failure_and_the_old_export_stays(db: Path, tmp_path: Path):
    """A 16 KiB tmpfs mounted in the test's own user and mount namespace fills up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        'mount -t tmpfs -o size=16k tmpfs "$1" && printf old > "$1/library.html" && '
        '"$2" --db "$3" export --status draft --status published --status archived '
        '-o "$1/library.html"; '
        'code=$?; echo "code=$code"; cat "$1/library.html"; echo; ls -A "$1"'
    )
    big = make_catalog(tmp_path / "big.json", synthetic_entries(80, random.Random(3)))
    done = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", script, "sh", disk, HTCAT, big],
        capture_output=True,
        text=True,
        env=htcat_env(),
        timeout=120,
        check=False,
    )
    assert "code=" in done.stdout, f"no user and mount namespace here: {done.stderr.strip()}"
    code, old, listing = done.stdout.splitlines()[:3]
    assert code == "code=3", done.stderr
    assert "No space left on device — not changed" in done.stderr
    assert (old, listing) == ("old", "library.html")


def test_a_folder_is_refused_with_its_reason(db: Path, tmp_path: Path):
    ran = run(db, "export", "--format", "json", "-o", str(tmp_path))
    assert ran.code == 3
    assert f"cannot write export {tmp_path}: Is a directory" in ran.err
