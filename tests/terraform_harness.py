"""Helpers shared by the plan and apply tests: Terraform work dirs wired to moto, via tftest.

tftest parses plans, outputs and state; every command it issues is run by the project's runner
(scribe_local.terraform.runner), like every other Terraform command of the tooling.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tftest

from scribe_local.emulator.moto_server import REGION
from scribe_local.paths import REPO
from scribe_local.terraform import runner
from scribe_local.terraform.cli_config import terraform_binary, terraform_env
from scribe_local.terraform.workdir import copy_module, copy_root

# The CI identity's environments, as bootstrap/accounts/example.tfvars declares them.
CI_ENVIRONMENTS = {
    "dev": {"stack_name": "scribe-dev", "state_key": "scribe/dev.tfstate"},
    "prod": {
        "stack_name": "scribe-prod",
        "state_key": "scribe/prod.tfstate",
        "vcs_ref": "refs/heads/main",
    },
}


class TerraformTest(tftest.TerraformTest):  # type: ignore[misc]
    """tftest's handle, its commands run by the project's runner (tftest's errors kept)."""

    def execute_command(self, cmd: str, *cmd_args: str) -> tftest.TerraformCommandOutput:
        result = runner.run(Path(self.tfdir), cmd, *cmd_args, accept=None, env=self.env)
        if result.returncode in (1, 11):  # what tftest treats as a failure
            raise tftest.TerraformTestError(
                f"Error running command {cmd}: {result.returncode} {result.stdout} {result.stderr}",
                result.stderr,
            )
        return tftest.TerraformCommandOutput(result.returncode, result.stdout, result.stderr)


def terraform(
    tfdir: Path, backend: bool = True, env: dict[str, str] | None = None
) -> tftest.TerraformTest:
    """tftest handle on tfdir, initialised with the project's CLI config (and env on top)."""
    tf = TerraformTest(
        str(tfdir), binary=terraform_binary(), env={**terraform_env(), **(env or {})}
    )
    tf.setup(cleanup_on_exit=False, backend=backend)
    return tf


def root(tmp: Path, moto_url: str, env: dict[str, str] | None = None) -> tftest.TerraformTest:
    return terraform(copy_root(tmp / "root", moto_url), env=env)


def module(
    tmp: Path, relative: str, moto_url: str, env: dict[str, str] | None = None
) -> tftest.TerraformTest:
    return terraform(copy_module(relative, tmp / "work", moto_url), env=env)


def tf_vars(values: dict[str, Any]) -> dict[str, Any]:
    """Variables for tftest: it JSON-encodes only dicts and lists, so encode bools and null too."""
    return {k: json.dumps(v) if isinstance(v, bool) or v is None else v for k, v in values.items()}


def var_args(values: dict[str, Any]) -> list[str]:
    """The same variables as `-var` arguments (for a plan run outside tftest), objects as JSON."""
    return [
        f"-var={name}={json.dumps(value) if isinstance(value, dict | list) else value}"
        for name, value in tf_vars(values).items()
    ]


def plan(tf: tftest.TerraformTest, values: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return tf.plan(output=True, tf_vars=tf_vars(values or {}), **kwargs)


def plan_resources(
    tf: tftest.TerraformTest, values: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, dict[str, Any]]:
    return planned(plan(tf, values, **kwargs))


def planned(plan: Any) -> dict[str, dict[str, Any]]:
    """address -> planned attribute values, for every resource the plan creates."""
    return {
        address: change["change"]["after"]
        for address, change in plan.resource_changes.items()
        if change["change"]["actions"] != ["no-op"]
    }


def plan_error(tf: tftest.TerraformTest, values: dict[str, Any], **kwargs: Any) -> str:
    """Plan that is expected to fail; return Terraform's error text (one line)."""
    try:
        tf.plan(tf_vars=tf_vars(values), **kwargs)
    except tftest.TerraformTestError as error:
        return " ".join(str(error).split())
    raise AssertionError(f"plan succeeded with {kwargs}")


def detailed_exitcode(tf: tftest.TerraformTest, *args: str) -> int:
    """`terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes (an error raises)."""
    return runner.plan_detailed(Path(tf.tfdir), *args, env=tf.env).returncode


def write_env_files(stack_dir: Path, endpoint_url: str, state_bucket: str) -> Path:
    """dev/prod env files for moto: the local settings (no TLS policy) under the dev/prod names
    and state keys (in state_bucket), with AWS_IAM authorization and the CI identity's
    permissions boundary; returns the backend config that points the S3 backend at
    endpoint_url."""
    local = (stack_dir / "envs" / "local.tfvars").read_text()
    for env in ("dev", "prod"):
        tfvars = local.replace('name   = "scribe-local"', f'name   = "scribe-{env}"')
        tfvars = tfvars.replace('"NONE"', '"AWS_IAM"')  # as in dev/prod: SigV4 required
        tfvars += f'\npermissions_boundary_policy_name = "scribe-ci-boundary-{env}"\n'
        tfvars += f'role_path                        = "/scribe-{env}/"\n'
        (stack_dir / "envs" / f"{env}.tfvars").write_text(tfvars)
        backend = (REPO / "envs" / f"{env}.s3.tfbackend").read_text()
        backend = backend.replace("scribe-tfstate-123456789012-eu-west-1", state_bucket)
        (stack_dir / "envs" / f"{env}.s3.tfbackend").write_text(
            backend.replace('"eu-west-1"', f'"{REGION}"')
        )
    extra = stack_dir.parent / "moto.s3.tfbackend"
    extra.write_text(
        f'endpoints = {{ s3 = "{endpoint_url}", sts = "{endpoint_url}", iam = "{endpoint_url}" }}\n'
        "use_path_style              = true\n"
        "skip_credentials_validation = true\n"
        "skip_requesting_account_id  = true\n"
        "skip_metadata_api_check     = true\n"
        "skip_region_validation      = true\n"
    )
    return extra
