"""The pre-commit hooks and `make check` are the same checks: one make target per hook (the lint
targets, then check-tests)."""

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


def prerequisites(target: str) -> list[str]:
    found = re.search(rf"(?m)^{target}: ([^#\n]+)", (REPO / "Makefile").read_text())
    assert found, f"Makefile has no {target} target"
    return found.group(1).split()


def check_targets() -> list[str]:
    """What `make check` runs, in order: lint's targets, then the others of check."""
    targets = []
    for target in prerequisites("check"):
        targets += prerequisites("lint") if target == "lint" else [target]
    return targets


def pre_commit(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}  # never the user's ~/.cache
    return subprocess.run(
        [str(executable), *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


def test_each_hook_runs_the_make_target_of_its_id_and_check_runs_them_all() -> None:
    entries = [(hook["id"], hook["entry"]) for hook in hooks()]
    assert entries == [(target, f"make {target}") for target in check_targets()]
    assert all(hook["pass_filenames"] is False for hook in hooks())
    expected = [
        "ruff",
        "mypy",
        "fmt-check",
        "validate",
        "docs-check",
        "circleci-check",
        "github-check",
        "check-tests",
    ]
    assert [hook_id for hook_id, _ in entries] == expected
    # The tests run on every commit, whatever files it touches.
    assert [hook.get("always_run", False) for hook in hooks()][-1] is True


def test_pre_commit_accepts_the_config_and_runs_a_hook(tmp_path: Path) -> None:
    assert pre_commit("validate-config", str(CONFIG), home=tmp_path).returncode == 0
    result = pre_commit("run", "circleci-check", "--all-files", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"CircleCI config against its schema\.+Passed", result.stdout)
    result = pre_commit("run", "github-check", "--all-files", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"GitHub Actions workflows against their schema\.+Passed", result.stdout)
