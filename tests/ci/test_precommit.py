"""The pre-commit hooks and `make lint` are the same checks: one make target per hook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from scribe_local.paths import REPO

CONFIG = REPO / ".pre-commit-config.yaml"


def hooks() -> list[dict[str, Any]]:
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def lint_targets() -> list[str]:
    found = re.search(r"(?m)^lint: ([^#\n]+)", (REPO / "Makefile").read_text())
    assert found, "Makefile has no lint target"
    return found.group(1).split()


def pre_commit(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}  # never the user's ~/.cache
    return subprocess.run(
        [str(executable), *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


def test_each_hook_runs_the_make_target_of_its_id_and_lint_runs_them_all() -> None:
    entries = {hook["id"]: hook["entry"] for hook in hooks()}
    assert entries == {target: f"make {target}" for target in lint_targets()}
    assert all(hook["pass_filenames"] is False for hook in hooks())
    expected = {
        "ruff",
        "mypy",
        "fmt-check",
        "validate",
        "docs-check",
        "circleci-check",
        "github-check",
    }
    assert set(entries) == expected


def test_pre_commit_accepts_the_config_and_runs_a_hook(tmp_path: Path) -> None:
    assert pre_commit("validate-config", str(CONFIG), home=tmp_path).returncode == 0
    result = pre_commit("run", "circleci-check", "--all-files", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"CircleCI config against its schema\.+Passed", result.stdout)
    result = pre_commit("run", "github-check", "--all-files", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"GitHub Actions workflows against their schema\.+Passed", result.stdout)
