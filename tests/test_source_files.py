"""The source stays in files of one concern, and its floors point down only."""

from __future__ import annotations

import ast
from pathlib import Path

import htcat

SOURCE = Path(htcat.__file__).parent
MOST_LINES = 450


def imported_modules(path: Path) -> set[str]:
    """Every htcat module a source file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("htcat")}


def test_no_source_file_is_over_the_most_lines():
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 50
    longer = {
        str(path.relative_to(SOURCE)): n
        for path in files
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert longer == {}


def test_the_store_knows_nothing_of_the_index_or_the_catalog_above_it():
    for path in sorted((SOURCE / "store").glob("*.py")):
        above = {
            name
            for name in imported_modules(path)
            if name.startswith(("htcat.index", "htcat.catalog"))
        }
        assert above == set(), path.name


def test_the_index_depends_on_the_store_never_on_the_catalog_above_it():
    for path in sorted((SOURCE / "index").glob("*.py")):
        above = {name for name in imported_modules(path) if name.startswith("htcat.catalog")}
        assert above == set(), path.name
