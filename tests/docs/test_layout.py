"""docs/development.md ("How the code is laid out") matches the tree: every path it names exists,
and every package and module of the local tooling is named in it."""

from __future__ import annotations

import ast
import re

from scribe_local.paths import REPO

PAGE = REPO / "docs" / "development.md"
DESCRIPTION_INDENT = 34  # where the second column starts


def layout_block() -> str:
    """The page's first code block: the tree."""
    return PAGE.read_text().split("```", 2)[1]


def named_paths(block: str) -> set[str]:
    """Paths the block names: a name in the first column, nested under the folder above it (by
    indentation); `a, b` and `{a,b}` name several."""
    found: set[str] = set()
    parents: list[tuple[int, str]] = []
    for line in block.splitlines():
        column = re.match(r"^( *)(\S.*?)(?:\s{2,}|$)", line)
        if not column or len(column.group(1)) > DESCRIPTION_INDENT // 2:
            continue  # a description's next line
        indent = len(column.group(1))
        parents = [(i, p) for i, p in parents if i < indent]
        prefix = parents[-1][1] if parents else ""
        names: list[str] = []
        for word in re.findall(r"[^\s,{}]*\{[^}]*\}[^\s,]*|[^\s,]+", column.group(2)):
            braces = re.fullmatch(r"(.*)\{(.+)\}(.*)", word)
            if braces:
                names += [braces[1] + part + braces[3] for part in braces[2].split(",")]
            elif re.fullmatch(r"[\w.\-/]+", word) and ("/" in word or "." in word):
                names.append(word)
        for name in names:
            path = prefix + name
            found.add(path)
            found.update(path.rsplit("/", n)[0] for n in range(1, path.count("/") + 1))
        if names and names[-1].endswith("/"):
            parents.append((indent, prefix + names[-1]))
    return {path.rstrip("/") for path in found}


def test_every_path_the_layout_names_exists() -> None:
    paths = named_paths(layout_block())
    assert len(paths) > 30
    assert [p for p in sorted(paths) if not (REPO / p).exists()] == []


def test_every_package_and_module_of_the_tooling_is_named() -> None:
    paths = named_paths(layout_block())
    tooling = REPO / "scribe_local"
    parts = [p for p in tooling.iterdir() if p.name not in ("__init__.py", "__pycache__")]
    parts += [p for sub in tooling.iterdir() if sub.is_dir() for p in sub.iterdir()]
    expected = {
        p.relative_to(REPO).as_posix()
        for p in parts
        if (p.suffix == ".py" and p.name != "__init__.py")
        or (p.is_dir() and p.name not in ("__pycache__", "node_modules"))
    }
    expected = {
        p
        for p in expected
        if not p.startswith(("scribe_local/iam/", "scribe_local/emulator/gateway/"))
    }
    assert sorted(expected - paths) == []


def test_the_parser_reads_nesting_and_lists() -> None:
    block = "a/\n  b/\n    c.py, d.py   x\n  {e,f}.py  y\nmain.tf g.tf   z\n"
    assert named_paths(block) == {
        "a",
        "a/b",
        "a/b/c.py",
        "a/b/d.py",
        "a/e.py",
        "a/f.py",
        "main.tf",
        "g.tf",
    }


def tooling_imports() -> dict[str, set[str]]:
    """Each module of scribe_local -> the modules of scribe_local it imports (those under
    `if TYPE_CHECKING:` too: a cycle there is a cycle of concerns); `from package import module`
    counts as the module."""
    modules = {
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): path
        for path in (REPO / "scribe_local").rglob("*.py")
        if "node_modules" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scribe_local"):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    found.add(submodule if submodule in modules else str(node.module))
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("scribe_local")}
        graph[name] = {target for target in found if target in modules and target != name}
    return graph


def test_the_tooling_has_no_import_cycle() -> None:
    """Imports run one way: the recording proxy, the fault injector, the model check and the IAM
    mapping share scribe_local/aws (which operation a request is) instead of importing each
    other in a circle."""
    graph = tooling_imports()
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(graph[module]):
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []
    assert graph["scribe_local.emulator.faults"] <= {
        "scribe_local.aws.operations",
        "scribe_local.aws.record",
    }


def test_aws_imports_nothing_else_of_the_tooling() -> None:
    """scribe_local/aws is AWS's API as data: the emulator and the IAM tables build on it."""
    for module, targets in tooling_imports().items():
        if module.startswith("scribe_local.aws"):
            assert all(t.startswith("scribe_local.aws") for t in targets), (module, targets)
