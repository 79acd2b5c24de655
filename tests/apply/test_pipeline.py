"""The pipeline's own steps against moto: bootstrap, then for dev and prod `make plan` (S3 state
in the bootstrap bucket) -> `make apply` of the saved plan -> `make smoke` with the deploy role's
credentials; then the state lock and the deploy role's state access under IAM enforcement.

Tests run in file order on one worker (the module fixture holds the applied stacks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scribe_local.gateway import GatewayServer, start_gateway
from scribe_local.moto_server import FAKE_CREDENTIALS, REGION, MotoServer, moto_client
from scribe_local.paths import REPO
from scribe_local.sigv4 import Caller
from scribe_local.tfcli import terraform_binary, terraform_env
from scribe_local.workdir import copy_module, copy_root
from tests import terraform_harness as h
from tests.apply.conftest import api_id_of, http

ORG = "0a1b2c3d-0000-4000-8000-00000000000a"
PROJECT = "0a1b2c3d-0000-4000-8000-00000000000b"
STATE_BUCKET = "scribe-tfstate-pipeline"
ENVS = ("dev", "prod")


@dataclass
class Pipeline:
    moto: MotoServer
    stack_dir: Path
    backend_config: Path
    role_arns: dict[str, str]
    admin_env: dict[str, str]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def make(
        self, target: str, env: str, extra_env: dict[str, str] | None = None, **variables: str
    ) -> subprocess.CompletedProcess[str]:
        args = [f"ENV={env}", f"TF_DIR={self.stack_dir}", f"BACKEND_CONFIG={self.backend_config}"]
        args += [f"{name}={value}" for name, value in variables.items()]
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(REPO), target, *args],
            env={**os.environ, **self.admin_env, **(extra_env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def terraform(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [terraform_binary(), f"-chdir={self.stack_dir}", *args],
            env={**os.environ, **terraform_env(), **self.admin_env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def select(self, env: str) -> None:
        """Point the working dir at env's state, as each CI job's `terraform init` does."""
        init = self.terraform(
            "init",
            "-reconfigure",
            "-input=false",
            f"-backend-config=envs/{env}.s3.tfbackend",
            f"-backend-config={self.backend_config}",
        )
        output = init.communicate(timeout=300)[0]
        assert init.returncode == 0, output

    def client_as(self, credentials: dict[str, str], service: str) -> Any:
        return moto_client(
            service,
            self.moto.url,
            credentials["AWS_ACCESS_KEY_ID"],
            credentials["AWS_SECRET_ACCESS_KEY"],
            credentials["AWS_SESSION_TOKEN"],
        )

    def role_credentials(self, env: str) -> dict[str, str]:
        """The deploy role's keys, obtained the way CircleCI gets them (web identity)."""
        sts = moto_client("sts", self.moto.url)
        creds = sts.assume_role_with_web_identity(
            RoleArn=self.role_arns[env],
            RoleSessionName="circleci",
            WebIdentityToken="moto-does-not-check-the-token",
        )["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }


def write_env_files(stack_dir: Path, moto_url: str) -> Path:
    """dev/prod env files for moto: the local settings (no TLS policy) under the dev/prod names
    and state keys, with AWS_IAM authorization and the CI identity's permissions boundary."""
    local = (stack_dir / "envs" / "local.tfvars").read_text()
    for env in ENVS:
        tfvars = local.replace('name   = "scribe-local"', f'name   = "scribe-{env}"')
        tfvars = tfvars.replace('"NONE"', '"AWS_IAM"')  # as in dev/prod: SigV4 required
        tfvars += '\npermissions_boundary_policy_name = "scribe-ci-boundary"\n'
        (stack_dir / "envs" / f"{env}.tfvars").write_text(tfvars)
        backend = (REPO / "envs" / f"{env}.s3.tfbackend").read_text()
        backend = backend.replace("scribe-tfstate-123456789012-eu-west-1", STATE_BUCKET)
        (stack_dir / "envs" / f"{env}.s3.tfbackend").write_text(
            backend.replace('"eu-west-1"', f'"{REGION}"')
        )
    extra = stack_dir.parent / "moto.s3.tfbackend"
    extra.write_text(
        f'endpoints = {{ s3 = "{moto_url}", sts = "{moto_url}", iam = "{moto_url}" }}\n'
        "use_path_style              = true\n"
        "skip_credentials_validation = true\n"
        "skip_requesting_account_id  = true\n"
        "skip_metadata_api_check     = true\n"
        "skip_region_validation      = true\n"
    )
    return extra


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    package_zip: Path,
    terraform_ready: None,
) -> Iterator[Pipeline]:
    moto_server.reset()
    moto_server.configure_lambda_without_docker()
    tmp = tmp_path_factory.mktemp("pipeline")
    bootstrap = h.terraform(copy_module("bootstrap", tmp / "bootstrap", moto_server.url))
    bootstrap.apply(
        auto_approve=True,
        tf_vars=h.tf_vars(
            {
                "region": REGION,
                "state_bucket_name": STATE_BUCKET,
                "enforce_tls": False,
                "circleci_org_id": ORG,
                "circleci_project_id": PROJECT,
                "environments": h.CI_ENVIRONMENTS,
            }
        ),
    )
    role_arns = bootstrap.output()["deploy_role_arns"]
    stack_dir = copy_root(tmp / "stack", moto_server.url, backend="s3")
    admin = {**FAKE_CREDENTIALS, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
    run = Pipeline(
        moto_server, stack_dir, write_env_files(stack_dir, moto_server.url), role_arns, admin
    )
    run.results["package"] = run.make("package", "dev")  # the package job
    (stack_dir / "build").mkdir()
    shutil.copy2(REPO / "build" / "scribe.zip", stack_dir / "build" / "scribe.zip")
    for env in ENVS:
        run.results[f"plan-{env}"] = run.make("plan", env)
        run.results[f"apply-{env}"] = run.make("apply", env)
        run.outputs[env] = json.loads(run.terraform("output", "-json").communicate()[0])
    try:
        yield run
    finally:
        moto_server.set_iam_enforcement(False)
        if "destroyed" not in run.outputs:
            destroy_all(run)


def destroy_all(run: Pipeline) -> dict[str, tuple[int, str]]:
    """terraform destroy of each env, from that env's working dir (its state)."""
    results = {}
    for env in ENVS:
        run.select(env)
        destroy = run.terraform(
            "destroy", "-auto-approve", "-input=false", f"-var-file=envs/{env}.tfvars"
        )
        output = destroy.communicate()[0]
        results[env] = (destroy.returncode, output)
    run.outputs["destroyed"] = {}
    return results


def test_package_step_builds_the_deployed_zip(pipeline: Pipeline, package_zip: Path) -> None:
    assert pipeline.results["package"].returncode == 0, pipeline.results["package"].stderr
    built = (pipeline.stack_dir / "build" / "scribe.zip").read_bytes()
    assert built == package_zip.read_bytes()  # byte-identical to an independent build


@pytest.mark.parametrize("env", ENVS)
def test_plan_saves_the_plan_and_its_text(pipeline: Pipeline, env: str) -> None:
    result = pipeline.results[f"plan-{env}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert (pipeline.stack_dir / "build" / f"{env}.tfplan").is_file()
    text = (pipeline.stack_dir / "build" / f"{env}.plan.txt").read_text()
    assert f'function_name                  = "scribe-{env}-writer"' in text
    assert "17 to add, 0 to change, 0 to destroy" in text


@pytest.mark.parametrize("env", ENVS)
def test_apply_applies_the_saved_plan(pipeline: Pipeline, env: str) -> None:
    result = pipeline.results[f"apply-{env}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Apply complete! Resources: 17 added" in result.stdout
    assert pipeline.outputs[env]["function_name"]["value"] == f"scribe-{env}-writer"


def test_states_live_under_separate_keys_of_the_state_bucket(pipeline: Pipeline) -> None:
    s3 = moto_client("s3", pipeline.moto.url)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET)["Contents"])
    assert keys == ["scribe/dev.tfstate", "scribe/prod.tfstate"]  # no lock left behind
    for env in ENVS:
        state = json.loads(
            s3.get_object(Bucket=STATE_BUCKET, Key=f"scribe/{env}.tfstate")["Body"].read()
        )
        assert state["outputs"]["function_name"]["value"] == f"scribe-{env}-writer"


def test_writer_role_carries_the_ci_boundary(pipeline: Pipeline) -> None:
    iam = moto_client("iam", pipeline.moto.url)
    role = iam.get_role(RoleName="scribe-dev-writer-role")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        ":policy/scribe-ci-boundary"
    )


def test_smoke_step_with_the_deploy_role_credentials(
    pipeline: Pipeline, tmp_path: Path, package_zip: Path
) -> None:
    """`make smoke` through the local gateway, with the role's keys under IAM enforcement: the
    POST is SigV4-signed (the routes require AWS_IAM; an unsigned POST is refused) and the deploy
    role may read the smoke text back (and only smoke/* texts)."""
    pipeline.select("dev")  # the smoke job's working dir: dev's state, as in CI
    api_id = api_id_of(pipeline.outputs["dev"]["api_url"]["value"])
    role = pipeline.role_credentials("dev")
    # The gateway accepts the role's temporary keys on the AWS_IAM routes, as API Gateway would.
    callers = {
        role["AWS_ACCESS_KEY_ID"]: Caller(
            role["AWS_ACCESS_KEY_ID"],
            role["AWS_SECRET_ACCESS_KEY"],
            pipeline.role_arns["dev"],
            role["AWS_SESSION_TOKEN"],
        )
    }
    server = GatewayServer(
        start_gateway(pipeline.moto.url, api_id, package_zip, tmp_path / "function.log", callers)
    )
    server.start_in_thread()
    try:
        pipeline.moto.set_iam_enforcement(True)
        unsigned = http(
            "POST", f"{server.url}/smoke/unsigned.txt", b"x", {"Content-Type": "text/plain"}
        )
        smoke_env = {**role, "AWS_ENDPOINT_URL": pipeline.moto.url}
        result = pipeline.make("smoke", "dev", extra_env=smoke_env, API_URL=server.url)
        s3 = pipeline.client_as(role, "s3")
        bucket = pipeline.outputs["dev"]["bucket_name"]["value"]
        with pytest.raises(ClientError) as denied:
            s3.get_object(Bucket=bucket, Key="incoming/not-smoke.txt")
    finally:
        pipeline.moto.set_iam_enforcement(False)
        server.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke test passed: s3://scribe-dev-" in result.stdout
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert unsigned.status == 403


def test_a_second_concurrent_apply_is_refused_by_the_lock_file(pipeline: Pipeline) -> None:
    pipeline.select("dev")
    s3 = moto_client("s3", pipeline.moto.url)
    first = pipeline.terraform(
        "apply", "-auto-approve", "-input=false", "-var-file=envs/dev.tfvars"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="scribe/dev.tfstate.tflock")
        if listed.get("KeyCount"):
            break
        time.sleep(0.05)
    else:
        first.kill()
        pytest.fail("the first apply never took the lock")
    second = pipeline.terraform(
        "apply", "-auto-approve", "-input=false", "-var-file=envs/dev.tfvars"
    )
    second_out = second.communicate(timeout=300)[0]
    first_out = first.communicate(timeout=300)[0]
    assert second.returncode == 1
    assert "Error acquiring the state lock" in second_out
    assert first.returncode == 0, first_out
    listed = s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="scribe/dev.tfstate.tflock")
    assert listed["KeyCount"] == 0  # released


@pytest.mark.parametrize("env", ENVS)
def test_deploy_role_reaches_only_its_own_state(pipeline: Pipeline, env: str) -> None:
    role = pipeline.role_credentials(env)
    other = "prod" if env == "dev" else "dev"
    s3 = pipeline.client_as(role, "s3")
    own, lock = f"scribe/{env}.tfstate", f"scribe/{env}.tfstate.tflock"
    pipeline.moto.set_iam_enforcement(True)
    try:
        state = s3.get_object(Bucket=STATE_BUCKET, Key=own)["Body"].read()
        s3.put_object(Bucket=STATE_BUCKET, Key=own, Body=state)
        s3.put_object(Bucket=STATE_BUCKET, Key=lock, Body=b"{}")
        s3.delete_object(Bucket=STATE_BUCKET, Key=lock)
        refused: dict[str, Callable[[], Any]] = {
            "read another env's state": lambda: s3.get_object(
                Bucket=STATE_BUCKET, Key=f"scribe/{other}.tfstate"
            ),
            "write another key": lambda: s3.put_object(
                Bucket=STATE_BUCKET, Key="scribe/other.tfstate", Body=b"x"
            ),
            "delete its own state": lambda: s3.delete_object(Bucket=STATE_BUCKET, Key=own),
            "another bucket": lambda: s3.put_object(
                Bucket=pipeline.outputs[env]["bucket_name"]["value"], Key=own, Body=b"x"
            ),
        }
        for what, call in refused.items():
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == "AccessDenied", what
    finally:
        pipeline.moto.set_iam_enforcement(False)


def test_destroy_empties_both_stacks(pipeline: Pipeline) -> None:
    results = destroy_all(pipeline)
    for env, (code, output) in results.items():
        assert code == 0, output
        assert "Destroy complete! Resources: 17 destroyed." in output, env
    buckets = [b["Name"] for b in moto_client("s3", pipeline.moto.url).list_buckets()["Buckets"]]
    assert buckets == [STATE_BUCKET]
