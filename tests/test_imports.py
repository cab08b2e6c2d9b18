"""The shape of ``src/``'s imports: htcat's modules import one another in one direction,
and every other package they import is one pyproject.toml declares."""

from __future__ import annotations

import importlib.metadata
import itertools
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.requirements import Requirement

from helpers import ROOT
from helpers.imports import SRC, Import, imports_in, source_modules


def import_graph(src: Path = SRC) -> dict[str, dict[str, int]]:
    """Each module under ``src``, and the modules under ``src`` it imports, with the line."""
    modules = source_modules(src)
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for path in modules.values():
        for found in imports_in(path, modules, src):
            if found.imported in modules and found.imported != found.importer:
                graph[found.importer].setdefault(found.imported, found.line)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One circle through each strongly connected group of modules (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for imported in graph[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return [_circle_in(group, graph) for group in groups]


def _circle_in(group: set[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A path from the group's first module back to itself, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for imported in sorted(graph[module]):
                if imported == start:
                    return [*paths[module], start]
                if imported in group and imported not in paths:
                    paths[imported] = [*paths[module], imported]
                    following.append(imported)
        frontier = following
    raise AssertionError(f"no circle through {start}")  # a group always has one


def describe(circle: list[str], graph: Mapping[str, Mapping[str, int]]) -> str:
    """``a (line 3) → b (line 9) → a``: each hop with the line of its import."""
    hops = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(circle)]
    return " → ".join([*hops, circle[-1]])


def test_no_module_of_htcat_imports_itself_through_others():
    graph = import_graph()
    found = [describe(circle, graph) for circle in cycles(graph)]
    assert not found, "import circles:\n" + "\n".join(found)


def test_the_graph_sees_imports_inside_functions_and_under_type_checking(tmp_path: Path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkg.c import thing
            """
        )
    )
    (package / "c.py").write_text("def late():\n    from . import a\n")
    (package / "d.py").write_text("import pkg.a\n")
    graph = import_graph(tmp_path)
    assert graph["pkg.a"] == {"pkg.b": 1}
    assert graph["pkg.d"] == {"pkg.a": 1}
    assert [describe(c, graph) for c in cycles(graph)] == [
        "pkg.a (line 1) → pkg.b (line 3) → pkg.c (line 2) → pkg.a"
    ]


def test_a_module_that_imports_nothing_circular_passes(tmp_path: Path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.a import x\n")
    (package / "a.py").write_text("import json\nx = 1\n")
    assert cycles(import_graph(tmp_path)) == []


def test_an_import_names_the_module_not_the_attribute(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (tmp_path / "pkg" / "sub.py").write_text("from pkg import VALUE\nfrom . import sub2\n")
    (tmp_path / "pkg" / "sub2.py").write_text("")
    modules = source_modules(tmp_path)
    found = list(imports_in(tmp_path / "pkg" / "sub.py", modules, tmp_path))
    assert found == [Import("pkg.sub", "pkg", 1), Import("pkg.sub", "pkg.sub2", 2)]


def test_the_link_settings_are_a_leaf_that_imports_nothing_else_from_links():
    """Network code imports its settings; settings that imported it back would close a circle."""
    modules = source_modules()
    imported = {found.imported for found in imports_in(modules["htcat.links.config"], modules)}
    assert {m for m in imported if m.startswith("htcat.links")} == set()
    assert {m.partition(".")[0] for m in imported} & {"httpx", "aiohttp", "httpx_aiohttp"} == set()


def third_party_imports(src: Path = SRC) -> dict[str, str]:
    """Each top-level package outside the standard library and htcat that ``src`` imports,
    with the first module that imports it."""
    modules = source_modules(src)
    found: dict[str, str] = {}
    for name, path in modules.items():
        for imported in imports_in(path, modules, src):
            top = imported.imported.partition(".")[0]
            if top and top != "htcat" and top not in sys.stdlib_module_names:
                found.setdefault(top, name)
    return found


def distribution(name: str) -> str:
    """A distribution's name as PyPI compares them: ``Jinja2`` and ``jinja2`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def test_pyproject_declares_exactly_the_packages_src_imports():
    imported = third_party_imports()
    providers = importlib.metadata.packages_distributions()  # import name -> distributions
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {distribution(Requirement(line).name) for line in project["dependencies"]}
    provided_by = {
        name: {distribution(d) for d in providers.get(name, [name])} for name in imported
    }

    undeclared = [
        f"{name} (imported by {imported[name]}; distribution {' or '.join(sorted(dists))})"
        for name, dists in sorted(provided_by.items())
        if not dists & declared
    ]
    unused = sorted(declared - set().union(*provided_by.values()))
    assert undeclared == [], "src/ imports packages pyproject.toml does not declare"
    assert unused == [], "pyproject.toml declares packages src/ never imports"


def test_a_third_party_import_is_found_wherever_it_is(tmp_path: Path):
    package = tmp_path / "htcat"
    package.mkdir()
    (package / "__init__.py").write_text("import json\nfrom htcat import sub\n")
    (package / "sub.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import aiohttp.web\n"
        "def later():\n    from jinja2 import Environment\n"
    )
    assert third_party_imports(tmp_path) == {"aiohttp": "htcat.sub", "jinja2": "htcat.sub"}
