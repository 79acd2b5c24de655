"""The tooling stays readable: no file of scribe_local/ over 500 lines, and no import cycle among
its modules, nor among its packages (emulator/, iam/, terraform/, aws/, ... and the top-level
modules): each concern can be read, and tested, without the ones that depend on it."""

from __future__ import annotations

import ast
from collections.abc import Mapping

from scribe_local.paths import REPO

TOOLING = REPO / "scribe_local"
MAX_LINES = 500


def module_name(path_parts: tuple[str, ...]) -> str:
    parts = list(path_parts)
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["scribe_local", *parts])


def imports() -> dict[str, set[str]]:
    """Module -> the scribe_local modules it imports (anywhere in it, functions included)."""
    found: dict[str, set[str]] = {}
    modules = {
        module_name(p.relative_to(TOOLING).parts): p
        for p in TOOLING.rglob("*.py")
        if "node_modules" not in p.parts
    }
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` imports the module; `from module import name`
                # the module.
                targets |= {
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                }
        found[name] = {t for t in targets if t in modules and t != name}
    return found


def package_of(module: str) -> str:
    """scribe_local.emulator.gateway.cors -> scribe_local.emulator; a top-level module is its
    own."""
    return ".".join(module.split(".")[:2])


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one node (each a cycle), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, set())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_file_of_the_tooling_is_over_500_lines() -> None:
    sizes = {
        p.relative_to(REPO).as_posix(): len(p.read_text().splitlines())
        for p in TOOLING.rglob("*")
        if p.is_file() and p.suffix in (".py", ".mjs") and "node_modules" not in p.parts
    }
    assert len(sizes) > 50
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_cycle_among_the_modules() -> None:
    graph = imports()
    assert "scribe_local.iam_evaluator" in graph["scribe_local.emulator.gateway.authorization"]
    assert cycles(graph) == []


def test_no_import_cycle_among_the_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, targets in imports().items():
        source = package_of(module)
        packages.setdefault(source, set()).update(
            package_of(t) for t in targets if package_of(t) != source
        )
    assert "scribe_local.iam_evaluator" in packages["scribe_local.emulator"]
    assert "scribe_local.emulator" in packages["scribe_local.iam"]
    assert cycles(packages) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
