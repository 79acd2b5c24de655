"""The CircleCI pipeline: the schema check (run by `make lint`) bites, and what it cannot check."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scribe_local.paths import REPO

CONFIG_PATH = REPO / ".circleci" / "config.yml"
AWS_JOBS = ("plan", "apply", "smoke", "recover")
ORDER = [
    "test",
    "package",
    "plan-dev",
    "apply-dev",
    "smoke-dev",
    "plan-prod",
    "hold-prod",
    "apply-prod",
    "smoke-prod",
]


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONFIG_PATH.read_text())
    return loaded


@pytest.fixture(scope="module")
def workflow(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Workflow job name -> (job type, parameters), from the single deploy workflow."""
    entries: dict[str, dict[str, Any]] = {}
    for item in config["workflows"]["deploy"]["jobs"]:
        job, params = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        entries[params.get("name", job)] = {"job": job, **params}
    return entries


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    """The check `make lint` runs on .circleci/config.yml (target circleci-check)."""
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(checker), "--builtin-schema", "vendor.circle-ci", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_schema_check_passes_the_config_and_refuses_a_broken_copy(tmp_path: Path) -> None:
    assert schema_check(CONFIG_PATH).returncode == 0
    broken = tmp_path / "config.yml"
    broken.write_text(CONFIG_PATH.read_text().replace("version: 2.1", "version: two", 1))
    result = schema_check(broken)
    assert result.returncode == 1
    assert "version" in result.stdout + result.stderr


def test_every_requires_names_an_earlier_job(workflow: dict[str, dict[str, Any]]) -> None:
    assert [name for name in workflow if name != "release"] == ORDER
    seen: set[str] = set()
    for name, entry in workflow.items():
        for required in entry.get("requires", []):
            assert required in seen, f"{name} requires {required}, which is not an earlier job"
        seen.add(name)


def test_each_step_requires_the_one_before(workflow: dict[str, dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(ORDER):
        assert workflow[after]["requires"] == [before]


def test_prod_apply_waits_for_a_human_approval(workflow: dict[str, dict[str, Any]]) -> None:
    assert workflow["hold-prod"]["type"] == "approval"
    assert workflow["apply-prod"]["requires"] == ["hold-prod"]


def test_deploys_run_only_on_main(workflow: dict[str, dict[str, Any]]) -> None:
    for name in ORDER[3:]:
        assert workflow[name]["filters"] == {"branches": {"only": "main"}}, name


def test_applies_use_the_saved_plan(config: dict[str, Any]) -> None:
    commands = [
        s["run"]["command"]
        for s in config["jobs"]["apply"]["steps"]
        if isinstance(s, dict) and "run" in s
    ]
    assert commands == ["make apply ENV=<< parameters.env >>"]
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\napply:", 1)[1].split("\n\n", 1)[0]
    assert "apply -input=false $(PLAN_FILE)" in recipe
    assert "-auto-approve" not in recipe
    plan_paths = next(
        s["persist_to_workspace"]["paths"]
        for s in config["jobs"]["plan"]["steps"]
        if isinstance(s, dict) and "persist_to_workspace" in s
    )
    assert {
        "build/<< parameters.env >>.tfplan",
        ".terraform",
        ".terraform.lock.hcl",
        "build/scribe.zip",
    } <= set(plan_paths)


def test_each_plan_runs_the_preflight_first(config: dict[str, Any]) -> None:
    """The reserved concurrency is checked against the account before any plan (make preflight),
    with the same plan role."""
    steps = config["jobs"]["plan"]["steps"]
    commands = [s["run"]["command"] for s in steps if isinstance(s, dict) and "run" in s]
    assert commands == [
        "make preflight ENV=<< parameters.env >>",
        "make plan ENV=<< parameters.env >>",
    ]
    assert steps.index("assume-plan-role") < next(
        i for i, s in enumerate(steps) if isinstance(s, dict) and "run" in s
    )


def test_plan_text_is_stored_as_an_artifact(config: dict[str, Any]) -> None:
    artifacts = [
        s["store_artifacts"]["path"]
        for s in config["jobs"]["plan"]["steps"]
        if isinstance(s, dict) and "store_artifacts" in s
    ]
    assert artifacts == ["build/<< parameters.env >>.plan.txt"]


def test_no_aws_key_anywhere_in_the_config() -> None:
    text = CONFIG_PATH.read_text()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert name not in text
    assert not re.search(r"AKIA[0-9A-Z]{16}", text)


def test_every_aws_job_assumes_its_role_through_oidc(
    config: dict[str, Any], workflow: dict[str, dict[str, Any]]
) -> None:
    """Plan jobs assume the environment's plan role (reads only), apply and smoke its deploy
    role; both from the environment's context."""
    roles = {"assume-plan-role": "${AWS_PLAN_ROLE_ARN}", "assume-deploy-role": "${AWS_ROLE_ARN}"}
    for command, role_arn in roles.items():
        assume = config["commands"][command]["steps"][0]["aws-cli/setup"]
        assert assume["role_arn"] == role_arn
    for job in AWS_JOBS:
        steps = config["jobs"][job]["steps"]
        expected = "assume-plan-role" if job == "plan" else "assume-deploy-role"
        assert [step for step in steps if isinstance(step, str) and step in roles] == [expected]
    for name, entry in workflow.items():
        if entry["job"] in AWS_JOBS:
            assert entry["context"] == f"scribe-{entry['env']}", name
        elif name == "release":  # GITHUB_TOKEN, no AWS role
            assert entry["context"] == "scribe-release"
        else:
            assert "context" not in entry, name


def test_terraform_version_is_pinned(config: dict[str, Any]) -> None:
    assert config["executors"]["python"]["environment"]["TERRAFORM_VERSION"] == "1.11.4"
    assert re.fullmatch(r"circleci/aws-cli@\d+\.\d+\.\d+", config["orbs"]["aws-cli"])


def steps_of(job: dict[str, Any]) -> list[tuple[str, Any]]:
    """A job's steps in order, each (kind, step); a `when` step's steps as ("when:<condition>",
    step)."""
    found: list[tuple[str, Any]] = []
    for step in job["steps"]:
        if isinstance(step, dict) and "when" in step:
            found += [
                (f"when:{step['when']['condition']}", inner) for inner in step["when"]["steps"]
            ]
        else:
            found.append(("", step))
    return found


def test_the_deploy_pipeline_runs_unless_a_recovery_is_asked_for(config: dict[str, Any]) -> None:
    parameters = config["parameters"]
    assert parameters["recover"] == {
        "description": parameters["recover"]["description"],
        "type": "enum",
        "enum": ["", "dev", "prod"],
        "default": "",
    }
    assert parameters["lock-id"]["type"] == "string"
    assert parameters["lock-id"]["default"] == ""
    assert config["workflows"]["deploy"]["when"] == {
        "equal": ["", "<< pipeline.parameters.recover >>"]
    }
    assert "when" not in config["workflows"]["fault-matrix"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_recovery_job_unlocks_then_recovers_as_the_deploy_role_on_main(
    config: dict[str, Any], env: str
) -> None:
    """Triggered by hand (recover = <env>): on main, in the environment's context (prod's deploy
    role trusts only pipelines a release manager triggered), make unlock only when a lock id is
    given, then make recover; the typed lock id never enters a command's text."""
    workflow = config["workflows"][f"recover-{env}"]
    assert workflow["when"] == {"equal": [env, "<< pipeline.parameters.recover >>"]}
    assert workflow["jobs"] == [
        {
            "recover": {
                "name": f"recover-{env}",
                "env": env,
                "context": f"scribe-{env}",
                "filters": {"branches": {"only": "main"}},
            }
        }
    ]
    job = config["jobs"]["recover"]
    assert job["environment"] == {"LOCK_ID": "<< pipeline.parameters.lock-id >>"}
    steps = steps_of(job)
    runs = [(when, step["run"]["command"]) for when, step in steps if isinstance(step, dict)]
    commands = [(when, c) for when, c in runs if isinstance(c, str)]
    assert commands == [
        ("", "make package"),
        (
            "when:<< pipeline.parameters.lock-id >>",
            'make unlock ENV=<< parameters.env >> LOCK_ID="$LOCK_ID"',
        ),
        ("", "make recover ENV=<< parameters.env >>"),
    ]
    kinds = [step if isinstance(step, str) else next(iter(step)) for _, step in steps]
    # The role is assumed after the zip is built, before unlock and recover.
    assert kinds == ["checkout", "install-terraform", "run", "assume-deploy-role", "run", "run"]
    for _, command in commands:
        assert "pipeline.parameters" not in command


def test_the_release_job_runs_make_release_on_main_after_the_tests(
    config: dict[str, Any], workflow: dict[str, dict[str, Any]]
) -> None:
    """Its logic is tests/ci/test_release_job.py; here: where and with what it runs."""
    assert workflow["release"] == {
        "job": "release",
        "context": "scribe-release",
        "requires": ["test"],
        "filters": {"branches": {"only": "main"}},
    }
    steps = config["jobs"]["release"]["steps"]
    assert steps[0] == "checkout"
    assert [s for s in steps if isinstance(s, str)] == ["checkout"]  # no AWS role
    command = steps[1]["run"]["command"]
    assert command.splitlines() == [
        'export GITHUB_REPOSITORY="${CIRCLE_PROJECT_USERNAME}/${CIRCLE_PROJECT_REPONAME}"',
        'export RELEASE_REMOTE="https://github.com/${GITHUB_REPOSITORY}.git"',
        "make release",
    ]
