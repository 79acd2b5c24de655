"""Every make target works on a fresh clone: a target whose recipe runs the venv's tools (the
venv's Python, Terraform with the project's CLI config, .venv/bin/...) depends, directly or
through another target, on the venv stamp that creates the venv."""

from __future__ import annotations

import re

from scribe_local.paths import REPO

NEEDS_VENV = re.compile(r"\$\(PY\)|\$\(TF\)|\$\(VENV\)/bin/")
RULE = re.compile(r"^([A-Za-z0-9_.$()/-]+):(?!=)([^#\n]*)")
VARIABLE = re.compile(r"^([A-Z_]+) *[:?]?= *(.*)$")


def variables() -> dict[str, str]:
    """The Makefile's variables, as written (name -> value)."""
    found = {}
    for line in (REPO / "Makefile").read_text().splitlines():
        match = VARIABLE.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def expanded(text: str, values: dict[str, str]) -> str:
    """text with the variables that hold a recipe's commands (PYTEST_FILES = $(PY) -m pytest
    ...) expanded, so that a recipe calling one counts as running what it runs; the tool
    variables themselves (PY, TF, VENV) stay as written."""
    kept = {"PY", "TF", "VENV"}
    for _ in range(5):
        text = re.sub(
            r"\$\(([A-Z_]+)\)",
            lambda m: m.group(0) if m.group(1) in kept else values.get(m.group(1), m.group(0)),
            text,
        )
    return text


def rules() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), for the Makefile's explicit rules."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in (REPO / "Makefile").read_text().splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line)
            continue
        match = RULE.match(line)
        if match and not line.startswith(".PHONY"):
            prerequisites = match.group(2).split("##")[0].split()
            current = []
            found[match.group(1)] = (prerequisites, current)
        elif not line.strip() or not line.startswith("\t"):
            current = None
    return found


def has_venv(target: str, table: dict[str, tuple[list[str], list[str]]]) -> bool:
    seen: set[str] = set()
    todo = [target]
    while todo:
        name = todo.pop()
        if name == "$(STAMP)":
            return True
        if name in seen or name not in table:
            continue
        seen.add(name)
        todo.extend(table[name][0])
    return False


def test_every_target_that_runs_the_venv_installs_it_first() -> None:
    table = rules()
    values = variables()
    users = [
        t
        for t, (_, recipe) in table.items()
        if NEEDS_VENV.search(expanded("\n".join(recipe), values))
    ]
    assert {"fmt", "test", "check-tests", "up", "plan", "docs"} <= set(users)  # the parse works
    assert [t for t in users if t != "$(STAMP)" and not has_venv(t, table)] == []


def test_the_check_fails_on_a_target_without_the_stamp() -> None:
    table = {"fmt": ([], ["\t@$(TF) fmt -recursive ."]), "lint": (["fmt"], [])}
    assert not has_venv("fmt", table)
    assert not has_venv("lint", table)
    table["fmt"] = (["$(STAMP)"], table["fmt"][1])
    assert has_venv("lint", table)
