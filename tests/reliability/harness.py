"""Running the installed htcat as a real process, and reading what it left behind.

Shared by the reliability tests and ``bench/soak.py``; nothing here imports
pytest, so the soak can drive the very same scenarios for longer.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from htcat.errors import CatalogError
from htcat.store.file import change_catalog, init_catalog, read_catalog
from htcat.store.image import dump_json, empty_image

HTCAT = Path(sys.executable).with_name("htcat")
"""The console script installed beside this Python."""

STAMP_FIELDS = ("created", "updated")


@dataclass(frozen=True)
class Ran:
    """One finished htcat process."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        return f"htcat {' '.join(self.args)[:200]} -> {self.code}\n{self.err[-2000:]}"


def htcat_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a cron job: no terminal, no colour, no catalog from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HTCAT_")}
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    env.pop("VISUAL", None)
    env.pop("EDITOR", None)
    env.update(extra or {})
    return env


def command(db: Path, args: Sequence[str], *, prefix: Sequence[str] = ()) -> list[str]:
    return [*prefix, str(HTCAT), "--db", str(db), *args]


def run(
    db: Path,
    *args: str,
    timeout: float = 120,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
    cwd: Path | None = None,
) -> Ran:
    """Run htcat on the catalog ``db`` to the end; raises if it outlives ``timeout``."""
    started = time.monotonic()
    done = subprocess.run(
        command(db, args, prefix=prefix),
        input=input if input is not None else b"",
        capture_output=True,
        timeout=timeout,
        env=htcat_env(env),
        cwd=cwd,
        check=False,
    )
    return Ran(
        tuple(args),
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def start(
    db: Path, *args: str, env: Mapping[str, str] | None = None, stdin: Any = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """Start htcat and leave it running (to be killed)."""
    return subprocess.Popen(
        command(db, args),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=htcat_env(env),
    )


def temp_files(db: Path) -> list[Path]:
    """Temporary catalog files beside ``db`` (what a killed writer leaves)."""
    return sorted(db.parent.glob(f".{db.name}.*.tmp"))


def entries_of(db: Path) -> dict[str, dict[str, Any]]:
    """The entries of the catalog at ``db`` by id; raises CatalogError when it does not load."""
    return {e["id"]: e for e in read_catalog(db).entries()}


def try_entries(db: Path) -> dict[str, dict[str, Any]] | None:
    """The entries, or None when the catalog does not load (a corrupt catalog)."""
    try:
        return entries_of(db)
    except CatalogError:
        return None


def without_stamps(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in STAMP_FIELDS}


def without_checks(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry without stamps and without its links' check results: what a person edits."""
    plain = without_stamps(entry)
    plain["links"] = [
        {k: v for k, v in link.items() if k != "check"} for link in entry.get("links", ())
    ]
    return plain


WORDS = [
    "trafficking",
    "labor",
    "supply",
    "chains",
    "survivors",
    "health",
    "webinar",
    "report",
    "toolkit",
    "training",
    "guidance",
    "youth",
    "outreach",
    "screening",
    "hotline",
    "research",
    "data",
    "children",
    "rights",
    "law",
]


def synthetic_entries(
    count: int, rng: random.Random, *, prefix: str = "entry", links: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """``count`` valid entries with ids ``{prefix}-{n}`` and summaries of a few hundred bytes."""
    urls = list(links)
    made = []
    for n in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        made.append(
            {
                "id": f"{prefix}-{n}",
                "title": f"{words.capitalize()} {prefix} {n}",
                "type": rng.choice(("report", "webinar", "toolkit", "research")),
                "date": f"{rng.randint(2005, 2025)}-{rng.randint(1, 12):02d}",
                "summary": " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))),
                "tags": sorted({rng.choice(WORDS) for _ in range(rng.randint(0, 3))}),
                "links": [{"url": urls[n % len(urls)], "kind": "pdf"}] if urls else [],
            }
        )
    return made


def make_catalog(db: Path, entries: Iterable[Mapping[str, Any]]) -> Path:
    """A real catalog at ``db`` holding ``entries``, written by htcat's own store."""
    if not db.exists():
        init_catalog(db)
    with change_catalog(db) as catalog:
        catalog.add_many([dict(e) for e in entries])
    return db


def dump_catalog(entries: Iterable[Mapping[str, Any]]) -> bytes:
    """The bytes of a catalog file holding ``entries`` exactly as given, valid or not."""
    image = empty_image()
    image["entries"] = {str(n): dict(e) for n, e in enumerate(entries, 1)}
    return dump_json(image)
