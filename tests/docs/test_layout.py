"""The README's "How the code is laid out" matches the tree: every path it names exists, and every
package and module of the local tooling is named in it."""

from __future__ import annotations

import re

from scribe_local.paths import REPO

HEADING = "## How the code is laid out"
DESCRIPTION_INDENT = 34  # where the second column starts


def layout_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


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
        or (p.is_dir() and p.name != "__pycache__")
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
