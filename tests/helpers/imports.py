"""What the modules under ``src/`` import, read from their source with ``ast``.

Every import counts: at the top of a module, inside a function (a deferred
import hides a circle, it does not remove it) and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpers import ROOT

SRC = ROOT / "src"


@dataclass(frozen=True)
class Import:
    """One module named by an import statement, and where the statement is."""

    importer: str
    imported: str
    line: int


def module_name(path: Path, src: Path = SRC) -> str:
    """``src/htcat/links/client.py`` → ``htcat.links.client``; a package is its ``__init__``."""
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(src: Path = SRC) -> dict[str, Path]:
    """Every module under ``src``, by dotted name."""
    return {module_name(path, src): path for path in sorted(src.rglob("*.py"))}


def imports_in(path: Path, modules: dict[str, Path], src: Path = SRC) -> Iterator[Import]:
    """The modules ``path`` imports: ``from a import b`` names ``a.b`` when that is a module."""
    importer = module_name(path, src)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield Import(importer, submodule if submodule in modules else base, node.lineno)
