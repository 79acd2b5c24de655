"""build/test-times.json (tests/timing.py): each file's seconds and the Terraform commands it ran,
by kind, counted by the shim whoever runs Terraform; a table of the longest files at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scribe_local.paths import REPO

TESTS = """
import os
import subprocess


def terraform(*args: str) -> None:
    subprocess.run(["terraform", *args], check=True, capture_output=True)


def test_init_and_two_other_commands(tmp_path):
    terraform(f"-chdir={tmp_path}", "init", "-backend=false", "-input=false")
    terraform("version")
    binary = os.environ.get("TERRAFORM", "terraform")  # the shim, when counting
    subprocess.run([binary, "version", "-json"], check=True, capture_output=True)


def test_without_terraform():
    assert True
"""


def pytest_with_the_plugin(tests: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in the folder of sample tests, tests/timing.py loaded as a plugin."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.timing", "-q", *args],
        cwd=tests,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTEST_ADDOPTS": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_each_file_gets_its_seconds_and_terraform_commands_by_kind(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(TESTS)
    (tmp_path / "test_quiet.py").write_text("def test_nothing():\n    assert True\n")
    output = tmp_path / "out" / "times.json"
    result = pytest_with_the_plugin(tmp_path, f"--test-times={output}")
    data = json.loads(output.read_text())
    sample = data["files"]["test_sample.py"]
    assert sample["tests"] == 2
    assert sample["wall_seconds"] > 0
    assert sample["terraform_commands"] == {
        "init": 1,
        "plan": 0,
        "apply": 0,
        "destroy": 0,
        "import": 0,
        "test": 0,
        "other": 2,
        "total": 3,
    }
    assert data["files"]["test_quiet.py"]["terraform_commands"]["total"] == 0
    assert next(iter(data["files"])) == "test_sample.py"  # the longest first
    assert data["totals"]["files"] == 2
    assert data["totals"]["tests"] == 3
    assert data["totals"]["terraform_commands"]["total"] == 3
    assert data["session_wall_seconds"] >= sample["wall_seconds"]
    assert "test times (top 15 files" in result.stdout
    assert "test_sample.py" in result.stdout.split("test times", 1)[1]


def test_without_the_option_nothing_is_counted_or_written(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(TESTS)
    result = pytest_with_the_plugin(tmp_path)
    assert "test times" not in result.stdout
    assert not list(tmp_path.rglob("*.json"))
