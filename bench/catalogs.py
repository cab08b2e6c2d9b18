"""The benchmark catalogs: generated once, imported with htcat, cached in bench/.cache.

Each size has its JSON Lines and CSV input files, the catalog htcat made of
them, and the picks the scenarios use (a tag carried by about 1% of entries,
the id of the middle entry). A catalog is built with ``htcat import`` when
htcat has that command, else through ``htcat.store`` directly
(``python bench/catalogs.py store JSONL CATALOG``); the cache notes which, and
is built again when the generator changes or ``htcat import`` appears.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
from generate import GENERATOR_VERSION, SEED, EntryMaker, csv_bytes, jsonl_bytes

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
SEARCH_WORDS = "forced labor"
"""The two words every search scenario looks for (in about one entry in ten)."""

Log = Callable[[str], None]


@dataclass(frozen=True)
class Htcat:
    """How to run htcat, and which commands and options this version of it has."""

    argv: tuple[str, ...]
    commands: frozenset[str]

    @classmethod
    def find(cls) -> Htcat:
        script = Path(sys.executable).parent / "htcat"
        argv = (str(script),) if script.exists() else (sys.executable, "-m", "htcat")
        return cls(argv, frozenset(_commands(argv)))

    def has(self, command: str) -> bool:
        return command in self.commands

    def options(self, command: str) -> str:
        """The ``--help`` text of ``command``, to see which options it takes."""
        done = subprocess.run([*self.argv, command, "--help"], capture_output=True, text=True)
        return done.stdout

    def on(self, catalog: Path, *args: str) -> list[str]:
        return [*self.argv, "--db", str(catalog), "--no-input", *args]


def _commands(argv: Sequence[str]) -> list[str]:
    """The command names ``htcat --help`` lists."""
    text = subprocess.run([*argv, "--help"], capture_output=True, text=True).stdout
    names, listing = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            listing = True
        elif listing and line.startswith("  ") and line.strip():
            if not line.startswith("   "):
                names.append(line.split()[0])
        elif listing and line.strip():
            listing = False
    return names


@dataclass(frozen=True)
class Picks:
    """What the scenarios ask of a catalog of one size."""

    tag: str
    tag_count: int
    id: str
    position: int
    """0-based place of the picked entry in the input (buku's bookmark ``position + 1``)."""
    built_with: str


def _stamp() -> dict[str, str]:
    return {"generator": GENERATOR_VERSION, "seed": str(SEED)}


def _fresh_cache(log: Log) -> None:
    """Empty the cache when it was made by another version of the generator."""
    stamp = CACHE / "stamp.json"
    if stamp.exists() and orjson.loads(stamp.read_bytes()) == _stamp():
        return
    if CACHE.exists():
        log("generator changed: emptying bench/.cache")
        shutil.rmtree(CACHE)
    CACHE.mkdir(parents=True)
    stamp.write_bytes(orjson.dumps(_stamp()))


def input_files(size: int, log: Log) -> tuple[Path, Path]:
    """``entries-SIZE.jsonl`` and ``entries-SIZE.csv``, generated on first use."""
    _fresh_cache(log)
    jsonl, csv_file = CACHE / f"entries-{size}.jsonl", CACHE / f"entries-{size}.csv"
    if not (jsonl.exists() and csv_file.exists()):
        log(f"generating {size:,} entries")
        entries = list(EntryMaker().entries(size))
        jsonl.write_bytes(jsonl_bytes(entries))
        csv_file.write_bytes(csv_bytes(entries))
    return jsonl, csv_file


def import_argv(htcat: Htcat, catalog: Path, source: Path) -> list[str]:
    return htcat.on(catalog, "import", str(source))


def build_catalog(htcat: Htcat, jsonl: Path, catalog: Path, log: Log) -> str:
    """A new catalog at ``catalog`` holding the entries of ``jsonl``; returns how it was made."""
    for stale in catalog.parent.glob(f"*{catalog.name}*"):
        stale.unlink()
    subprocess.run(htcat.on(catalog, "init"), check=True, capture_output=True)
    if htcat.has("import"):
        done = subprocess.run(import_argv(htcat, catalog, jsonl), capture_output=True, text=True)
        if done.returncode == 0:
            return "htcat import"
        log(
            f"htcat import of {jsonl.name} failed ({done.stderr.strip()[-300:]}); using htcat.store"
        )
        for stale in catalog.parent.glob(f"*{catalog.name}*"):
            stale.unlink()
        subprocess.run(htcat.on(catalog, "init"), check=True, capture_output=True)
    script = Path(__file__).resolve()
    subprocess.run([sys.executable, str(script), "store", str(jsonl), str(catalog)], check=True)
    return "htcat.store"


def catalog_for(size: int, htcat: Htcat, log: Log) -> tuple[Path, Picks]:
    """The cached catalog of ``size`` entries and its picks, built when missing or stale."""
    jsonl, _ = input_files(size, log)
    catalog = CACHE / f"catalog-{size}" / "catalog.json"
    picks_file = CACHE / f"picks-{size}.json"
    if picks_file.exists() and catalog.exists():
        picks = Picks(**orjson.loads(picks_file.read_bytes()))
        if picks.built_with == "htcat import" or not htcat.has("import"):
            return catalog, picks
    catalog.parent.mkdir(parents=True, exist_ok=True)
    log(f"building the {size:,}-entry catalog")
    built_with = build_catalog(htcat, jsonl, catalog, log)
    picks = _pick(jsonl, catalog, built_with)
    picks_file.write_bytes(orjson.dumps(asdict(picks)))
    return catalog, picks


def _pick(jsonl: Path, catalog: Path, built_with: str) -> Picks:
    counts: collections.Counter[str] = collections.Counter()
    titles = []
    with jsonl.open("rb") as lines:
        for line in lines:
            entry = orjson.loads(line)
            counts.update(entry["tags"])
            titles.append(entry["title"])
    size = len(titles)
    tag, tag_count = min(counts.items(), key=lambda item: (abs(item[1] - size / 100), item[0]))
    position = size // 2
    entries = orjson.loads(catalog.read_bytes())["entries"]
    by_title = {e["title"]: e["id"] for e in entries.values()}
    return Picks(tag, tag_count, by_title[titles[position]], position, built_with)


def copy_catalog(source: Path, target: Path) -> Path:
    """A private copy of a catalog (without its index), for scenarios that change it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(f"*{target.name}*"):
        stale.unlink()
    shutil.copyfile(source, target)
    return target


def merge_sides(source: Path, folder: Path, share: int) -> tuple[Path, Path, Path]:
    """BASE, OURS and THEIRS for a merge: ours retitles one entry in ``share``, theirs
    tags two in ``share`` (half of them ours' entries); each adds one in ``share`` new,
    with document numbers that clash with the other side's. Written as htcat writes."""
    from htcat.store.image import dump_json

    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / f"{side}.json" for side in ("base", "ours", "theirs"))
    shutil.copyfile(source, paths[0])
    maker = EntryMaker()
    for number, (side, path) in enumerate(zip(("ours", "theirs"), paths[1:], strict=True)):
        image = orjson.loads(source.read_bytes())
        entries = image["entries"]
        top = max(map(int, entries))
        for key in list(entries)[:: share // (number + 1)]:
            entry = entries[key]
            if side == "ours":
                entry["title"] = f"{entry['title']} (revised)"
            else:
                entry["tags"] = sorted({*entry["tags"], "merge-bench"})
            entry["updated"] = f"2026-0{number + 1}-01T00:00:00Z"
        for offset in range(len(entries) // share):
            added = maker.entry(10_000_000 * (number + 1) + offset)
            added |= {"id": f"{side}-added-{offset}", "created": "2026-01-01T00:00:00Z"}
            entries[str(top + 1 + offset)] = added | {"updated": added["created"]}
        path.write_bytes(dump_json(image))
    return paths[0], paths[1], paths[2]


def link_catalog(
    htcat: Htcat, urls: list[str], links_per_entry: int, catalog: Path, log: Log
) -> None:
    """A catalog of generated entries whose PDF links are ``urls`` (on the local server)."""
    maker = EntryMaker()
    entries = []
    for number, start in enumerate(range(0, len(urls), links_per_entry)):
        entry = maker.entry(number)
        entry["links"] = [
            {"url": url, "label": f"Document {start + k + 1}", "kind": "pdf"}
            for k, url in enumerate(urls[start : start + links_per_entry])
        ]
        entries.append(entry)
    jsonl = catalog.parent / f"{catalog.stem}-links.jsonl"
    catalog.parent.mkdir(parents=True, exist_ok=True)
    jsonl.write_bytes(jsonl_bytes(entries))
    build_catalog(htcat, jsonl, catalog, log)


def _store_build(jsonl: Path, catalog: Path) -> None:
    """Fill an empty catalog through the library, as ``htcat import`` would, in one write."""
    from htcat.store.file import change_catalog

    raws = [orjson.loads(line) for line in jsonl.read_bytes().splitlines() if line.strip()]
    with change_catalog(catalog) as changing:
        changing.add_many(raws, keep_stamps=True)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "store":
        sys.exit("usage: catalogs.py store ENTRIES.jsonl CATALOG")
    _store_build(Path(sys.argv[2]), Path(sys.argv[3]))
