"""Issue 14's inputs default to nothing: a dev or prod stack applied from the tree before them
(BEFORE_ISSUE_14), then planned with this tree and the same env file, plans no change but the
one the CHANGELOG's Upgrading notes announce (the access-log group's new name).

The same zip is deployed by both trees, so what is compared is the Terraform alone. The baseline
comes from git history (a full clone has it; a shallow one is told how to get it)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.paths import REPO
from scribe_local.terraform.workdir import copy_root
from tests import terraform_harness as h

# main just before issue 14's first commit (CORS, custom domain, alarms, encrypted logs, tracing,
# access logs and GitHub Actions came after it).
BEFORE_ISSUE_14 = "4500328f05a5c07d941ff8e7016d2d56c7d84a76"
ACCESS_LOG_GROUP = "module.api.aws_cloudwatch_log_group.access"
STAGE = "module.api.aws_apigatewayv2_stage.default"
STACK_PATHS = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "providers.tf", "modules")


def baseline_tree(dest: Path) -> Path:
    """The stack root (its .tf files, lock file, modules/ and envs/) as BEFORE_ISSUE_14 had it."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "--name-only", BEFORE_ISSUE_14],
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        pytest.fail(
            f"commit {BEFORE_ISSUE_14} is not in this clone ({listed.stderr.strip()}): the test "
            "needs main's history; run `git fetch --unshallow` (or clone without --depth)"
        )
    wanted = [
        name
        for name in listed.stdout.split()
        if name.endswith(".tf") or name in {"modules", "envs", ".terraform.lock.hcl"}
    ]
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", BEFORE_ISSUE_14, *wanted],
        capture_output=True,
        check=True,
    )
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def holds_unknown(value: object) -> bool:
    """after_unknown marks a value known after apply with true, at any depth."""
    if isinstance(value, dict):
        return any(holds_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_unknown(item) for item in value)
    return value is True


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_env_file_plans_no_change_to_a_stack_applied_before_issue_14(
    tmp_path: Path, moto: MotoServer, package_zip: Path, terraform_ready: None, env: str
) -> None:
    before = h.terraform(copy_root(tmp_path / "before", moto.url, baseline_tree(tmp_path / "old")))
    before.apply(
        auto_approve=True,
        tf_var_file=f"envs/{env}.tfvars",
        tf_vars=h.tf_vars({"package_path": str(package_zip)}),
    )
    now_dir = copy_root(tmp_path / "now", moto.url)
    shutil.copy2(Path(before.tfdir) / "terraform.tfstate", now_dir / "terraform.tfstate")
    now = h.terraform(now_dir)
    plan = now.plan(
        output=True,
        tf_var_file=f"envs/{env}.tfvars",
        tf_vars=h.tf_vars({"package_path": str(package_zip)}),
    )
    changes = {
        address: change["change"]["actions"]
        for address, change in plan.resource_changes.items()
        if change["change"]["actions"] != ["no-op"]
    }
    # The one change since: the access-log group's new name (CHANGELOG, Unreleased, Upgrading),
    # the group replaced and the stage pointed at it, nothing else of the stage.
    assert changes == {ACCESS_LOG_GROUP: ["delete", "create"], STAGE: ["update"]}
    stage = plan.resource_changes[STAGE]["change"]
    changed = {key for key in stage["after"] if stage["before"].get(key) != stage["after"][key]}
    unknown = {key for key, value in stage["after_unknown"].items() if holds_unknown(value)}
    assert changed | unknown == {"access_log_settings"}
    # Not an empty comparison: every resource of the stack was planned, as a no-op.
    assert len(plan.resource_changes) >= 13
