"""The reference scripts htcat is measured against: the least any JSON-file tool must do.

``load`` reads and parses the catalog with orjson and nothing more. ``load-write``
also writes it back as htcat would (pretty-printed, sorted keys, final newline)
and fsyncs: the floor for any command that changes or exports a JSON catalog.

Usage:

    python bench/reference.py load data/catalog.json
    python bench/reference.py load-write copy-of-catalog.json
"""

from __future__ import annotations

import os
import sys

import orjson

PRETTY = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def load(path: str) -> object:
    with open(path, "rb") as file:
        return orjson.loads(file.read())


def load_write(path: str) -> None:
    data = orjson.dumps(load(path), option=PRETTY)
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("load", "load-write"):
        sys.exit("usage: reference.py load|load-write FILE")
    if sys.argv[1] == "load":
        load(sys.argv[2])
    else:
        load_write(sys.argv[2])


if __name__ == "__main__":
    main()
