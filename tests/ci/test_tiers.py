"""The test tiers: `make check` (before each commit) runs every test that applies nothing;
`make test` (CI) runs everything with one case of each fault class; `make faults` runs every
variant of the fault matrix, and both CI configs run it on a schedule on main."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import yaml

from scribe_local.paths import REPO

MAKEFILE = (REPO / "Makefile").read_text()
# Every fault class the matrix proves, and the case that proves it in make test.
FAULT_CLASSES = {
    "SIGINT apply (and destroy)": "test_interrupts.py::test_sigint_apply_then_destroy_converge",
    "SIGKILL apply and destroy": "test_interrupts.py::test_sigkill_apply_recovers_then_destroy_",
    "injected throttling and 500s": "test_injected.py::test_throttling_and_500s_are_absorbed",
    "lost answer and destroy guard": "test_injected.py::test_a_lost_answer_fails_the_apply_and_",
    "recover's refusal": "test_injected.py::test_recover_refuses_a_resource_with_the_stacks_",
}


def recipe(target: str) -> str:
    found = re.search(rf"(?m)^{target}:[^\n]*\n((?:\t[^\n]*\n)+)", MAKEFILE)
    assert found, f"Makefile has no recipe for {target}"
    return found.group(1)


def variable(name: str) -> list[str]:
    found = re.search(rf"(?m)^{name} :?= (.+)$", MAKEFILE)
    assert found, f"Makefile has no {name}"
    return found.group(1).split()


def collected(*args: str) -> list[str]:
    """Node ids pytest collects with args (the tiers' own selections)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_make_check_is_lint_and_the_tests_that_apply_nothing() -> None:
    assert re.search(r"(?m)^check: lint check-tests ##", MAKEFILE)
    tiers = variable("CHECK_TESTS")
    assert "$(CHECK_TESTS)" in recipe("check-tests")
    # Nothing that applies: no apply test, no fault matrix, no bench run (it applies the stack).
    for applying in ("tests/apply", "tests/faults", "tests/bench/test_bench_smoke.py"):
        assert not any(applying.startswith(path) or path.startswith(applying) for path in tiers)
    # Every other test folder is in it: a new plan or unit test runs before each commit.
    folders = {p.name for p in (REPO / "tests").iterdir() if p.is_dir() and p.name[0] != "_"}
    checked = {path.split("/")[1] for path in tiers}
    assert folders - checked == {"apply", "faults", "terraform"}  # terraform: native test data


def test_make_test_leaves_out_only_exhaustive_fault_variants_and_keeps_every_class() -> None:
    command = recipe("test")
    assert '-m "not exhaustive"' in command
    assert "--test-times=build/test-times.json" in command
    left_out = collected("-m", "exhaustive")  # what make test's selection leaves out
    assert left_out, "the exhaustive variants exist"
    assert all(node.startswith("tests/faults/") for node in left_out), left_out
    selected = set(collected("tests/faults")) - set(left_out)
    for fault_class, case in FAULT_CLASSES.items():
        assert any(case in node for node in selected), fault_class


def test_make_faults_runs_every_variant() -> None:
    command = recipe("faults")
    assert "tests/faults" in command
    assert "-m " not in command  # no selection: the exhaustive variants too


def test_circleci_runs_make_faults_nightly_on_main_without_aws() -> None:
    config: dict[str, Any] = yaml.safe_load((REPO / ".circleci" / "config.yml").read_text())
    workflow = config["workflows"]["fault-matrix"]
    (trigger,) = workflow["triggers"]
    assert trigger["schedule"]["filters"] == {"branches": {"only": "main"}}
    assert workflow["jobs"] == ["faults"]  # no context: no role, no AWS
    steps = config["jobs"]["faults"]["steps"]
    commands = [
        step["run"]["command"] for step in steps if isinstance(step, dict) and "run" in step
    ]
    assert commands == ["make faults"]
    assert "assume-deploy-role" not in steps


def test_github_runs_make_faults_nightly_and_on_demand_without_aws() -> None:
    path = REPO / ".github" / "workflows" / "faults.yml"
    workflow: dict[Any, Any] = yaml.safe_load(path.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1: `on` is True
    assert set(triggers) == {"schedule", "workflow_dispatch"}  # scheduled runs use main
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}  # no id-token: no AWS
    assert [step["run"] for step in job["steps"] if "run" in step][-1] == "make faults"
