"""The GitHub Actions pipeline (.github/workflows/deploy.yml): the schema check (run by
`make lint`, target github-check) bites, and what it cannot check: the same make targets in the
same order as the CircleCI pipeline, deploys only from main, prod applied (and smoke-tested) by
the one job that names the environment "prod" from its saved plan, AWS only through the job's
OIDC token."""

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

WORKFLOW_PATH = REPO / ".github" / "workflows" / "deploy.yml"
CIRCLECI_PATH = REPO / ".circleci" / "config.yml"
ORDER = [
    "test",
    "package",
    "plan-dev",
    "apply-dev",
    "smoke-dev",
    "plan-prod",
    "apply-prod",  # in the environment prod: its approval, then apply and smoke
]
RECOVERY = ["recover-dev", "recover-prod"]  # run by hand (workflow_dispatch), not in the pipeline
AWS_JOBS = [n for n in ORDER + RECOVERY if n.split("-")[0] in ("plan", "apply", "smoke", "recover")]
ON_MAIN = "github.ref == 'refs/heads/main'"
CONFIGURE_AWS = "aws-actions/configure-aws-credentials@"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW_PATH.read_text())
    return loaded


@pytest.fixture(scope="module")
def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = workflow["jobs"]
    return found


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def make_commands(job: dict[str, Any]) -> list[str]:
    return [command for command in runs(job) if command.startswith("make ")]


def schema_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    """The check `make lint` runs on .github/workflows/*.yml (target github-check)."""
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_schema_check_passes_the_workflow_and_refuses_a_broken_copy(tmp_path: Path) -> None:
    assert schema_check(WORKFLOW_PATH).returncode == 0
    broken = tmp_path / "deploy.yml"
    broken.write_text(WORKFLOW_PATH.read_text().replace("runs-on: ubuntu-24.04", "runs_on: x", 1))
    result = schema_check(broken)
    assert result.returncode == 1
    assert "runs_on" in result.stdout + result.stderr


def test_the_make_target_checks_every_workflow() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ngithub-check:", 1)[1].split("\n\n", 1)[0]
    assert (
        "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml"
        in recipe
    )
    assert "github-check" in re.findall(r"(?m)^lint: ([^#\n]+)", makefile)[0].split()


def test_jobs_run_in_the_pipeline_order(jobs: dict[str, dict[str, Any]]) -> None:
    assert list(jobs) == [*ORDER, "release", *RECOVERY]
    assert "needs" not in jobs["test"]
    assert jobs["test"]["if"] == "github.event_name == 'push'"  # so the whole pipeline
    for before, after in itertools.pairwise(ORDER):
        assert jobs[after]["needs"] == [before], after
    assert jobs["release"]["needs"] == ["test"]


def circleci_make_sequence() -> list[str]:
    """The make commands the CircleCI workflow runs, job by job, with each job's env."""
    config: dict[str, Any] = yaml.safe_load(CIRCLECI_PATH.read_text())
    sequence: list[str] = []
    for item in config["workflows"]["deploy"]["jobs"]:
        job, params = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        steps = config["jobs"].get(job, {}).get("steps", [])
        for step in steps:
            if isinstance(step, dict) and "run" in step:
                command = step["run"]["command"]
                command = command.replace("<< parameters.env >>", params.get("env", ""))
                if command.startswith("make "):
                    sequence.append(command)
    return sequence


def test_the_same_make_targets_in_the_same_order_as_circleci(
    jobs: dict[str, dict[str, Any]],
) -> None:
    sequence = [command for name in ORDER for command in make_commands(jobs[name])]
    assert sequence == [
        "make test",
        "make package",
        "make preflight ENV=dev",
        "make plan ENV=dev",
        "make apply ENV=dev",
        "make smoke ENV=dev",
        "make preflight ENV=prod",
        "make plan ENV=prod",
        "make apply ENV=prod",
        "make smoke ENV=prod",
    ]
    assert sequence == circleci_make_sequence()


def test_every_make_target_called_exists(jobs: dict[str, dict[str, Any]]) -> None:
    targets = set(re.findall(r"(?m)^([a-z][a-z-]*):", (REPO / "Makefile").read_text()))
    called = {command.split()[1] for job in jobs.values() for command in make_commands(job)}
    assert called == {
        *("test", "package", "preflight", "plan", "apply", "smoke"),
        *("unlock", "recover", "release"),
    }
    assert called <= targets


def test_deploys_run_only_on_main(jobs: dict[str, dict[str, Any]]) -> None:
    assert "if" not in jobs["plan-dev"]  # every branch is planned against dev, as on CircleCI
    for name in ORDER[3:]:
        assert jobs[name]["if"] == ON_MAIN, name


def test_prod_apply_is_the_one_job_in_the_prod_environment(
    jobs: dict[str, dict[str, Any]],
) -> None:
    """prod's deploy role trusts only a job that names the environment prod (bootstrap:
    protected): the apply job itself names it, and smoke-tests in the same job (each job that
    names the environment waits for its own review); no other job names an environment."""
    apply = jobs["apply-prod"]
    assert apply["environment"] == "prod"
    assert apply["needs"] == ["plan-prod"]
    assert make_commands(apply) == ["make apply ENV=prod", "make smoke ENV=prod"]
    assert [name for name, job in jobs.items() if "environment" in job] == [
        "apply-prod",
        "recover-prod",
    ]
    assert "hold-prod" not in jobs
    assert "smoke-prod" not in jobs


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_applies_use_the_saved_plan(jobs: dict[str, dict[str, Any]], env: str) -> None:
    plan, apply = jobs[f"plan-{env}"], jobs[f"apply-{env}"]
    assert make_commands(apply)[0] == f"make apply ENV={env}"
    bundle = f"tar -czf plan-{env}.tgz build/{env}.tfplan"
    assert [c for c in runs(plan) if c.startswith(bundle)] == [
        f"{bundle} build/{env}.plan.txt build/scribe.zip .terraform .terraform.lock.hcl"
    ]
    uploads = [s["with"] for s in plan["steps"] if "upload-artifact@" in s.get("uses", "")]
    assert {"name": f"plan-{env}", "path": f"plan-{env}.tgz", "if-no-files-found": "error"} in (
        uploads
    )
    assert {
        "name": f"plan-{env}.txt",
        "path": f"build/{env}.plan.txt",
        "if-no-files-found": "error",
    } in uploads
    downloads = [s["with"] for s in apply["steps"] if "download-artifact@" in s.get("uses", "")]
    assert downloads == [{"name": f"plan-{env}"}]
    assert f"tar -xzf plan-{env}.tgz" in runs(apply)
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\napply:", 1)[1].split("\n\n", 1)[0]
    assert "apply -input=false $(PLAN_FILE)" in recipe
    assert "-auto-approve" not in recipe


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_each_plan_runs_the_preflight_first_as_the_plan_role(
    jobs: dict[str, dict[str, Any]], env: str
) -> None:
    steps = jobs[f"plan-{env}"]["steps"]
    assert make_commands(jobs[f"plan-{env}"]) == [
        f"make preflight ENV={env}",
        f"make plan ENV={env}",
    ]
    assume = next(i for i, s in enumerate(steps) if CONFIGURE_AWS in s.get("uses", ""))
    first_make = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("make "))
    assert assume < first_make


def test_permissions_are_least_privilege(
    workflow: dict[str, Any], jobs: dict[str, dict[str, Any]]
) -> None:
    assert workflow["permissions"] == {}
    for name, job in jobs.items():
        if name in AWS_JOBS:
            assert job["permissions"] == {"id-token": "write", "contents": "read"}, name
        elif name == "release":  # it pushes a tag and creates a release: nothing more
            assert job["permissions"] == {"contents": "write"}
        else:
            assert job["permissions"] == {"contents": "read"}, name


def test_every_aws_job_assumes_its_role_through_oidc(jobs: dict[str, dict[str, Any]]) -> None:
    for name, job in jobs.items():
        assumes = [s for s in job["steps"] if CONFIGURE_AWS in s.get("uses", "")]
        if name not in AWS_JOBS:
            assert not assumes, name
            continue
        step, env = name.split("-")
        assert len(assumes) == 1, name
        inputs = assumes[0]["with"]
        # The role ARN comes from a repository variable (not a secret: it is no credential), and
        # no key input is ever given: the action exchanges the job's OIDC token. Plan jobs take
        # the plan role (reads only), apply and smoke the deploy role.
        role = "PLAN_ROLE" if step == "plan" else "ROLE"
        assert inputs == {
            "role-to-assume": f"${{{{ vars.SCRIBE_{env.upper()}_{role}_ARN }}}}",
            "aws-region": "${{ vars.AWS_REGION }}",
            "role-session-name": "scribe-${{ github.run_id }}",
        }, name


def test_no_aws_key_anywhere_in_the_workflow() -> None:
    text = WORKFLOW_PATH.read_text()
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
    ):
        assert name not in text
    assert "secrets." not in text
    assert not re.search(r"AKIA[0-9A-Z]{16}", text)


def test_only_pushes_and_the_recovery_dispatch_trigger_it(workflow: dict[str, Any]) -> None:
    """No pull_request(_target) trigger: a fork's code never runs with a token of this
    repository (and the roles refuse a pull request's subject anyway)."""
    loaded: dict[Any, Any] = workflow
    triggers: dict[str, Any] = loaded[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"push", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["**"]}
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"recover", "lock_id"}
    assert (inputs["recover"]["type"], inputs["recover"]["options"]) == ("choice", ["dev", "prod"])
    assert (inputs["lock_id"]["type"], inputs["lock_id"]["default"]) == ("string", "")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_recovery_job_unlocks_then_recovers_as_the_deploy_role_on_main(
    jobs: dict[str, dict[str, Any]], env: str
) -> None:
    """Started by hand for one environment, on main only; prod's names the environment prod
    (the approval its deploy role trusts); make unlock only when a lock id is given, then make
    recover; the typed lock id reaches make through the environment, never the script's text."""
    job = jobs[f"recover-{env}"]
    assert job["if"] == (
        f"github.event_name == 'workflow_dispatch' && inputs.recover == '{env}' && {ON_MAIN}"
    )
    assert "needs" not in job
    assert job.get("environment") == ("prod" if env == "prod" else None)
    assert job["env"] == {"LOCK_ID": "${{ inputs.lock_id }}"}
    assert make_commands(job) == [
        "make package",
        f'make unlock ENV={env} LOCK_ID="$LOCK_ID"',
        f"make recover ENV={env}",
    ]
    unlock = next(s for s in job["steps"] if s.get("run", "").startswith("make unlock"))
    assert unlock["if"] == "env.LOCK_ID != ''"
    assert not [command for command in runs(job) if "${{" in command]
    steps = job["steps"]
    assume = next(i for i, s in enumerate(steps) if CONFIGURE_AWS in s.get("uses", ""))
    assert assume < steps.index(unlock)


def test_every_action_is_pinned_to_a_commit(jobs: dict[str, dict[str, Any]]) -> None:
    used = [s["uses"] for job in jobs.values() for s in job["steps"] if "uses" in s]
    assert used
    for action in used:
        assert re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+@[0-9a-f]{40}", action), action
    text = WORKFLOW_PATH.read_text()
    for line in text.splitlines():
        if "uses: " in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_versions_match_the_circleci_pipeline(workflow: dict[str, Any]) -> None:
    circleci: dict[str, Any] = yaml.safe_load(CIRCLECI_PATH.read_text())
    version = circleci["executors"]["python"]["environment"]["TERRAFORM_VERSION"]
    assert workflow["env"] == {"TERRAFORM_VERSION": version, "PYTHON_VERSION": "3.12"}
    assert circleci["executors"]["python"]["docker"][0]["image"] == "cimg/python:3.12"


def test_the_release_job_runs_make_release_on_main_after_the_tests(
    jobs: dict[str, dict[str, Any]],
) -> None:
    """Its logic is tests/ci/test_release_job.py; here: where and with what it runs."""
    job = jobs["release"]
    assert job["if"] == f"github.event_name == 'push' && {ON_MAIN}"
    assert make_commands(job) == ["make release"]
    step = next(s for s in job["steps"] if s.get("run") == "make release")
    assert step["env"] == {
        "GITHUB_TOKEN": "${{ github.token }}",
        "RELEASE_REMOTE": "https://github.com/${{ github.repository }}.git",
    }
    checkout = next(s for s in job["steps"] if "actions/checkout@" in s.get("uses", ""))
    assert checkout["with"] == {"persist-credentials": False}  # the token stays in that step
    assert "environment" not in job
