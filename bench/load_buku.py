"""Load benchmark entries (JSON Lines) into a buku database, in order, one commit.

Runs with the peers' Python (bench/.venv-peers), where buku is installed. Each
entry becomes one bookmark: its first link's URL, its title, its tags, and its
summary as the description; bookmark N is entry N of the file (1-based), so
``buku -p N`` shows the entry ``htcat show`` is given.

Usage:

    bench/.venv-peers/bin/python bench/load_buku.py entries-100000.jsonl buku.db
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from buku import BukuDb, taglist_str


def bookmarks(jsonl: Path) -> Iterator[tuple[str, str, str, str, int]]:
    with jsonl.open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            tags = taglist_str(",".join(entry.get("tags", [])))
            yield entry["links"][0]["url"], entry["title"], tags, entry.get("summary", ""), 0


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: load_buku.py ENTRIES.jsonl BUKU.db")
    jsonl, db = Path(sys.argv[1]), Path(sys.argv[2])
    db.unlink(missing_ok=True)
    bdb = BukuDb(dbfile=str(db))
    bdb.cur.executemany(
        "INSERT INTO bookmarks(URL, metadata, tags, desc, flags) VALUES (?, ?, ?, ?, ?)",
        bookmarks(jsonl),
    )
    bdb.conn.commit()
    bdb.close()


if __name__ == "__main__":
    main()
