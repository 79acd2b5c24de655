"""The pipeline's own steps against moto, as the deploy roles themselves: bootstrap (by an
administrator), `make create-api` of dev and prod by the administrator (the API alone), their
api ids pinned in bootstrap, then for each `make preflight` and `make plan` (S3 state in the
bootstrap bucket) -> `make apply` of the saved plan, a no-op plan, `make smoke` and `make
destroy`, each with the temporary credentials of the role its CI job assumes. dev's stack is the
plain one; prod's turns every optional feature on (alarms, encrypted logs, tracing, a custom
domain, access logging), which its roles are granted by bootstrap. Every AWS request of those
steps goes through a recording proxy; the last test maps each to the IAM request(s) AWS would
authorize and has the IAM evaluator decide them against the policies in force
(scribe_local/iam/sufficiency.py). Also: the state lock and the deploy role's state access
under moto's IAM enforcement.

Tests run in file order on one worker (the module fixture holds the applied stacks).
"""

from __future__ import annotations

import functools
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

from scribe_local.aws import model_check
from scribe_local.emulator.gateway import callers, serving
from scribe_local.emulator.moto_server import (
    ACCOUNT_ID,
    FAKE_CREDENTIALS,
    REGION,
    MotoServer,
    lambda_account_settings,
    moto_client,
)
from scribe_local.emulator.recorder import RecordingProxy
from scribe_local.iam import sufficiency
from scribe_local.iam.calls import MappedCall, map_records
from scribe_local.paths import REPO
from scribe_local.terraform import runner
from scribe_local.terraform.endpoint import endpoint_environment
from scribe_local.terraform.workdir import copy_module, copy_root
from tests import terraform_harness as h
from tests.apply.conftest import http

ORG = "0a1b2c3d-0000-4000-8000-00000000000a"
PROJECT = "0a1b2c3d-0000-4000-8000-00000000000b"
STATE_BUCKET = "scribe-tfstate-pipeline"
ENVS = ("dev", "prod")
STEPS = ("plan", "apply", "output", "recover", "noop", "smoke", "destroy")  # the evaluated phases
# What a killed run of dev left out of state (taken out by the administrator before the recovery
# job): make recover, as dev's deploy role, adopts both.
LOST = ("module.writer.aws_cloudwatch_log_group.this", "module.writer.aws_iam_role_policy.this")
VCS_ORIGIN = "github.com/acme/scribe"
RELEASE_MANAGER = "0a1b2c3d-0000-4000-8000-0000000000c1"  # a CircleCI user id
BOOTSTRAP_VARS = {
    "region": REGION,
    "state_bucket_name": STATE_BUCKET,
    "enforce_tls": False,
    "circleci_org_id": ORG,
    "circleci_project_id": PROJECT,
    "vcs_origin": VCS_ORIGIN,
    "circleci_release_user_ids": [RELEASE_MANAGER],
}
# prod protected, as in the example account files: its deploy role trusts the release managers only.
ENVIRONMENTS: dict[str, dict[str, Any]] = {
    **h.CI_ENVIRONMENTS,
    "prod": {**h.CI_ENVIRONMENTS["prod"], "protected": True},
}
# prod's stack turns every optional feature on (dev none): alarms with their topics, log groups
# encrypted with a key, X-Ray tracing, a custom domain with a DNS-validated certificate, and the
# bucket's server access logs. The zone, the key and the log bucket are the account's, made by
# the administrator (provide_feature_resources).
FEATURED = "prod"
ZONE = "example.com"
DOMAIN = f"texts.{ZONE}"
MAPPING_KEY = "texts/v1"  # the API under https://<domain>/texts/v1
# moto's regional API Gateway target zone of us-east-1, as AWS's (scribe_local/emulator).
REGIONAL_ZONE_US_EAST_1 = "Z1UJRXOUMOOFQ8"
LOG_BUCKET = "acme-access-logs-pipeline"
LOG_PREFIX = f"s3/scribe-{FEATURED}/"  # where prod's bucket's access logs go
# The resources each stack's plan adds (all but its API, which make create-api made): dev's
# 16; prod's features add the access logging, 2 topics and 5 alarms, and the domain's 7
# (certificate, validation record and wait, domain name, mapping, A and AAAA).
PLANNED = {"dev": 16, "prod": 31}
# Resources of state that make recover compares with the account (inventory.NAMED_TYPES).
STATE_COUNT = {"dev": 13, "prod": 13}


@dataclass(frozen=True)
class FeatureResources:
    """What prod's features use that is the account's, not the stack's."""

    zone_id: str
    log_key_arn: str
    log_bucket: str


def provide_feature_resources(url: str) -> FeatureResources:
    """As the administrator: the Route 53 zone of the domain, a KMS key whose policy lets
    CloudWatch Logs encrypt this account's log groups and CloudWatch publish to the encrypted
    alarm topics, and a log bucket whose policy lets S3's logging service deliver prod's
    bucket's access logs."""
    zone = moto_client("route53", url).create_hosted_zone(Name=ZONE, CallerReference="pipeline")
    account = f"arn:aws:iam::{ACCOUNT_ID}:root"
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "kms:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            },
        ],
    }
    key = moto_client("kms", url).create_key(Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
    s3 = moto_client("s3", url)
    s3.create_bucket(Bucket=LOG_BUCKET)
    delivery = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{LOG_BUCKET}/{LOG_PREFIX}*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=LOG_BUCKET, Policy=json.dumps(delivery))
    return FeatureResources(zone["HostedZone"]["Id"].rsplit("/", 1)[-1], key, LOG_BUCKET)


def with_features(features: FeatureResources) -> dict[str, dict[str, Any]]:
    """ENVIRONMENTS with prod's features declared to bootstrap, as its env file turns them on."""
    declared = {
        "tracing": True,
        "alarms": {"create_topic": True},
        "log_kms_key_arns": [features.log_key_arn],
        "domain": {"name": DOMAIN, "hosted_zone_id": features.zone_id},
        "access_log_bucket": features.log_bucket,
    }
    return {**ENVIRONMENTS, FEATURED: {**ENVIRONMENTS[FEATURED], **declared}}


def turn_features_on(tfvars: Path, features: FeatureResources) -> None:
    """prod's env file (the local settings under prod's names) with every feature on."""
    alarm = f'{{ create_topic = true, topic_kms_key_arn = "{features.log_key_arn}" }}'
    settings = {
        "bucket = {\n": [
            f'access_logging = {{ target_bucket = "{features.log_bucket}", '
            f'target_prefix = "{LOG_PREFIX}" }}'
        ],
        "writer = {\n": [
            'tracing_mode = "Active"',
            f'log_kms_key_arn = "{features.log_key_arn}"',
            f"alarms = {alarm}",
        ],
        "api = {\n": [
            f'access_log_kms_key_arn = "{features.log_key_arn}"',
            f"alarms = {alarm}",
            f'domain = {{ name = "{DOMAIN}", hosted_zone_id = "{features.zone_id}", '
            f'api_mapping_key = "{MAPPING_KEY}" }}',
        ],
    }
    text = tfvars.read_text()
    for block, lines in settings.items():
        assert text.count(block) == 1, block
        text = text.replace(block, block + "".join(f"  {line}\n" for line in lines))
    tfvars.write_text(text)


@dataclass
class Pipeline:
    moto: MotoServer
    proxy: RecordingProxy  # the stack's Terraform and the smoke talk to moto through it
    bootstrap: Any  # tftest handle on the applied bootstrap/
    stack_dirs: dict[str, Path]  # one working dir per environment, as each CI job has
    backend_config: Path
    role_arns: dict[tuple[str, str], str]  # (env, "plan" or "deploy") -> role ARN
    admin_env: dict[str, str]
    features: FeatureResources  # the account's resources that prod's features use
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    # The CI identity's documents, by name of the bootstrap apply that set them ("pinned": the
    # one every evaluated phase runs under, since the API ids are pinned before the first plan).
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (env, role) -> that role's credentials
    role_keys: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    smoke_invocations: list[MappedCall] = field(default_factory=list)

    def phase(self, name: str | None) -> None:
        """Label the requests that follow (None: not part of the evaluated pipeline)."""
        self.proxy.mark(name)

    def as_role(self, env: str, role: str = sufficiency.DEPLOY) -> dict[str, str]:
        """The environment of a CI job of env: the keys of its role (plan jobs: the plan role;
        the others: the deploy role), as CircleCI gets them."""
        if (env, role) not in self.role_keys:
            self.role_keys[(env, role)] = self.role_credentials(env, role)
        keys = self.role_keys[(env, role)]
        return {**keys, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}

    def make(
        self, target: str, env: str, extra_env: dict[str, str] | None = None, **variables: str
    ) -> subprocess.CompletedProcess[str]:
        tf_dir = self.stack_dirs[env]
        args = [f"ENV={env}", f"TF_DIR={tf_dir}", f"BACKEND_CONFIG={self.backend_config}"]
        args += [f"{name}={value}" for name, value in variables.items()]
        return subprocess.run(
            ["make", "--no-print-directory", "-C", str(REPO), target, *args],
            env={**os.environ, **self.admin_env, **(extra_env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def terraform(self, stack: str, *args: str, env: dict[str, str] | None = None) -> runner.Result:
        """terraform <args> in stack's working dir (initialised on its state by `make plan`),
        as an administrator unless env gives a role's keys; every exit code is returned."""
        environment = {**self.admin_env, **(env or {})}
        return runner.run(self.stack_dirs[stack], *args, accept=None, env=environment)

    def stack_outputs(self, env: str) -> dict[str, Any]:
        """`terraform output -json` of env's stack, as its deploy role."""
        output = self.terraform(env, "output", "-json", env=self.as_role(env))
        assert output.returncode == 0, output.stdout + output.stderr
        outputs: dict[str, Any] = json.loads(output.stdout)
        return outputs

    def start_terraform(self, stack: str, *args: str) -> subprocess.Popen[str]:
        """terraform <args> as an administrator, not waited for (stdout and stderr merged)."""
        return runner.start(self.stack_dirs[stack], *args, env=self.admin_env)

    def client_as(self, credentials: dict[str, str], service: str) -> Any:
        return moto_client(
            service,
            self.moto.url,
            credentials["AWS_ACCESS_KEY_ID"],
            credentials["AWS_SECRET_ACCESS_KEY"],
            credentials["AWS_SESSION_TOKEN"],
        )

    def role_credentials(self, env: str, role: str = sufficiency.DEPLOY) -> dict[str, str]:
        """A role's keys, obtained the way CircleCI gets them (web identity)."""
        sts = moto_client("sts", self.moto.url)
        creds = sts.assume_role_with_web_identity(
            RoleArn=self.role_arns[(env, role)],
            RoleSessionName="circleci",
            WebIdentityToken="moto-does-not-check-the-token",
        )["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    def session_arn(self, env: str, role: str = sufficiency.DEPLOY) -> str:
        name = self.role_arns[(env, role)].rsplit("/", 1)[1]
        return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{name}/circleci"

    def read_policies(self, name: str) -> None:
        """The CI identity's documents as IAM (moto) holds them now, under policies[name]."""
        iam = moto_client("iam", self.moto.url)
        docs: dict[str, Any] = {}
        for env, config in ENVIRONMENTS.items():
            for kind, trust in (
                (sufficiency.DEPLOY, f"trust-{env}"),
                ("plan", f"trust-plan-{env}"),
            ):
                role = self.role_arns[(env, kind)].rsplit("/", 1)[1]
                docs[trust] = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
                docs[f"{kind}-{env}"] = iam.get_role_policy(
                    RoleName=role, PolicyName=f"{kind}-{config['stack_name']}"
                )["PolicyDocument"]
            arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/scribe-ci-boundary-{env}"
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            docs[f"boundary-{env}"] = iam.get_policy_version(PolicyArn=arn, VersionId=version)[
                "PolicyVersion"
            ]["Document"]
        self.policies[name] = docs


def pinned(environments: dict[str, dict[str, Any]], api_ids: dict[str, str]) -> dict[str, Any]:
    """environments with each environment's api_id, as a shared account pins them."""
    return {env: {**config, "api_id": api_ids[env]} for env, config in environments.items()}


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory,
    moto_server: MotoServer,
    package_zip: Path,
    terraform_ready: None,
) -> Iterator[Pipeline]:
    moto_server.reset()
    tmp = tmp_path_factory.mktemp("pipeline")
    features = provide_feature_resources(moto_server.url)
    environments = with_features(features)
    bootstrap = h.terraform(copy_module("bootstrap", tmp / "bootstrap", moto_server.url))
    bootstrap.apply(
        auto_approve=True,
        tf_vars=h.tf_vars({**BOOTSTRAP_VARS, "environments": environments}),
    )
    outputs = bootstrap.output()
    role_arns = {
        (env, kind): arn
        for kind, output in ((sufficiency.DEPLOY, "deploy_role_arns"), ("plan", "plan_role_arns"))
        for env, arn in outputs[output].items()
    }
    # moto lacks Lambda GetAccountSettings (make preflight): the proxy answers it, in AWS's shape.
    settings = functools.partial(lambda_account_settings, moto_server.url)
    proxy = RecordingProxy(moto_server.url, account_settings=settings).start()
    # No static keys in the provider: every call carries the credentials of the job's role.
    stack_dirs = {
        env: copy_root(tmp / f"stack-{env}", proxy.url, backend="s3", static_keys=False)
        for env in ENVS
    }
    backend_config = [
        h.write_env_files(stack_dir, proxy.url, STATE_BUCKET) for stack_dir in stack_dirs.values()
    ]
    turn_features_on(stack_dirs[FEATURED] / "envs" / f"{FEATURED}.tfvars", features)
    admin = {
        **FAKE_CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        **endpoint_environment(stack_dirs["dev"]),  # the proxy, for make's Terraform runs
    }
    run = Pipeline(
        moto_server, proxy, bootstrap, stack_dirs, backend_config[0], role_arns, admin, features
    )
    # First deploy: the administrator creates each environment's API alone and pins its id,
    # before any package exists (a deploy role has no API Gateway right until then).
    for env in ENVS:
        assert not (stack_dirs[env] / "build" / "scribe.zip").exists()
        created = run.make("create-api", env)
        assert created.returncode == 0, created.stdout + created.stderr
        run.results[f"create-api-{env}"] = created
        run.outputs[env] = run.stack_outputs(env)
    run.results["package"] = run.make("package", "dev")  # the package job
    for stack_dir in stack_dirs.values():  # its artifact, handed to each later job
        (stack_dir / "build").mkdir(exist_ok=True)
        shutil.copy2(REPO / "build" / "scribe.zip", stack_dir / "build" / "scribe.zip")
    api_ids = {env: run.outputs[env]["api_id"]["value"] for env in ENVS}
    bootstrap.apply(
        auto_approve=True,
        tf_vars=h.tf_vars({**BOOTSTRAP_VARS, "environments": pinned(environments, api_ids)}),
    )
    run.read_policies("pinned")
    for env in ENVS:
        run.phase(f"plan-{env}")  # the plan job, as the plan role: preflight, then plan
        plan_role = run.as_role(env, "plan")
        preflight_env = {**plan_role, "AWS_ENDPOINT_URL": proxy.url}
        run.results[f"preflight-{env}"] = run.make("preflight", env, extra_env=preflight_env)
        run.results[f"plan-{env}"] = run.make("plan", env, extra_env=plan_role)
        run.phase(f"apply-{env}")
        run.results[f"apply-{env}"] = run.make("apply", env, extra_env=run.as_role(env))
        run.phase(f"output-{env}")
        run.outputs[env] = run.stack_outputs(env)
        run.phase(None)
        if env == "dev":
            forgotten = run.terraform(env, "state", "rm", *LOST)
            assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
        run.phase(f"recover-{env}")  # the recovery job, as the deploy role
        run.results[f"recover-{env}"] = run.make("recover", env, extra_env=run.as_role(env))
    run.phase(None)
    try:
        yield run
    finally:
        moto_server.set_iam_enforcement(False)
        if "destroyed" not in run.outputs:
            destroy_all(run)
        proxy.close()


def destroy_all(run: Pipeline) -> dict[str, tuple[int, str]]:
    """`make destroy` of each env, from that env's working dir (its state), as its deploy role
    (the destroy job's)."""
    results = {}
    for env in ENVS:
        run.phase(f"destroy-{env}")
        destroy = run.make("destroy", env, extra_env=run.as_role(env))
        results[env] = (destroy.returncode, destroy.stdout + destroy.stderr)
    run.phase(None)
    run.outputs["destroyed"] = {}
    return results


@pytest.mark.parametrize("env", ENVS)
def test_create_api_creates_the_api_alone_and_names_the_id_to_pin(
    pipeline: Pipeline, env: str
) -> None:
    """The administrator's part of a first deploy: the API alone, tagged, and its id to pin."""
    result = pipeline.results[f"create-api-{env}"]
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in result.stdout
    api_id = pipeline.outputs[env]["api_id"]["value"]
    assert f'[scribe] {env}\'s HTTP API is {api_id}. Next: set api_id = "{api_id}" for {env}' in (
        result.stdout
    )
    api = moto_client("apigatewayv2", pipeline.moto.url).get_api(ApiId=api_id)
    assert (api["Name"], api["Tags"]["Stack"]) == (f"scribe-{env}-api", f"scribe-{env}")


def test_bootstrap_holds_the_account_wide_settings(pipeline: Pipeline) -> None:
    """Account-wide settings are bootstrap's (the administrator's): S3 Block Public Access for
    the account and API Gateway's service-linked role, which no CI role may change or create."""
    s3control = moto_client("s3control", pipeline.moto.url)
    config = s3control.get_public_access_block(AccountId=ACCOUNT_ID)
    assert config["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    assert pipeline.bootstrap.output()["account_public_access_blocked"] is True
    linked = moto_client("iam", pipeline.moto.url).list_roles(
        PathPrefix="/aws-service-role/ops.apigateway.amazonaws.com/"
    )["Roles"]
    assert len(linked) == 1


def test_package_step_builds_the_deployed_zip(pipeline: Pipeline, package_zip: Path) -> None:
    assert pipeline.results["package"].returncode == 0, pipeline.results["package"].stderr
    for stack_dir in pipeline.stack_dirs.values():
        built = (stack_dir / "build" / "scribe.zip").read_bytes()
        assert built == package_zip.read_bytes()  # byte-identical to an independent build


@pytest.mark.parametrize("env", ENVS)
def test_preflight_runs_before_the_first_plan(pipeline: Pipeline, env: str) -> None:
    """make preflight as the deploy role, on the first deploy (no function yet): the env files
    here are envs/local.tfvars' (no reservation), so it fits."""
    result = pipeline.results[f"preflight-{env}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (
        f"[scribe] preflight {env}: scribe-{env}-writer fits: writer.reserved_concurrency is "
        "null (unreserved), so the function shares the unreserved pool of the account's 1000 "
        f"concurrent executions in {REGION} and reserves nothing (first deploy: no function "
        "yet).\n"
    )


@pytest.mark.parametrize("env", ENVS)
def test_plan_saves_the_plan_and_its_text(pipeline: Pipeline, env: str) -> None:
    result = pipeline.results[f"plan-{env}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert (pipeline.stack_dirs[env] / "build" / f"{env}.tfplan").is_file()
    text = (pipeline.stack_dirs[env] / "build" / f"{env}.plan.txt").read_text()
    assert f'function_name                  = "scribe-{env}-writer"' in text
    # all but the API (make create-api)
    assert f"{PLANNED[env]} to add, 0 to change, 0 to destroy" in text


@pytest.mark.parametrize("env", ENVS)
def test_apply_applies_the_saved_plan(pipeline: Pipeline, env: str) -> None:
    result = pipeline.results[f"apply-{env}"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Apply complete! Resources: {PLANNED[env]} added" in result.stdout
    assert pipeline.outputs[env]["function_name"]["value"] == f"scribe-{env}-writer"


@pytest.mark.parametrize("env", ENVS)
def test_the_recovery_job_runs_as_the_deploy_role(pipeline: Pipeline, env: str) -> None:
    """make recover with the deploy role's keys (the CI configs' recovery job): dev's adopts
    what a killed run left out of state; prod's finds state and account agreeing. Its calls are
    evaluated with the others (test_every_call_of_the_pipeline_is_allowed_and_every_grant_used)."""
    result = pipeline.results[f"recover-{env}"]
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    adopted = [line.split(" <- ")[0].split()[-1] for line in said.splitlines() if " <- " in line]
    assert adopted == (sorted(LOST) if env == "dev" else []), said
    assert f"state and account agree: {STATE_COUNT[env]} resources of scribe-{env}" in said


def test_prods_roles_deploy_every_feature(pipeline: Pipeline) -> None:
    """What prod's deploy role made, read back as the administrator: the alarms on the created
    (encrypted) topics, both log groups under the account's key, tracing, the DNS-validated
    certificate, the domain mapped to the API with its alias records, and the bucket's access
    logging; dev's stack has none of them."""
    url = pipeline.moto.url
    stack = f"scribe-{FEATURED}"
    alarms = moto_client("cloudwatch", url).describe_alarms()["MetricAlarms"]
    topics = {f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{stack}-{m}-alarms" for m in ("writer", "api")}
    assert {a["AlarmName"] for a in alarms} == {
        f"{stack}-writer-errors",
        f"{stack}-writer-throttles",
        f"{stack}-writer-duration",
        f"{stack}-api-5xx-rate",
        f"{stack}-api-4xx-rate",
    }
    assert {action for a in alarms for action in a["AlarmActions"]} == topics
    sns = moto_client("sns", url)
    assert {t["TopicArn"] for t in sns.list_topics()["Topics"]} == topics
    for topic in topics:
        attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        assert attributes["KmsMasterKeyId"] == pipeline.features.log_key_arn
    groups = moto_client("logs", url).describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
    keys = {g["logGroupName"]: g.get("kmsKeyId") for g in groups}
    assert keys[f"/aws/lambda/{stack}-writer"] == pipeline.features.log_key_arn
    assert keys[f"/aws/vendedlogs/apigateway/{stack}-api"] == pipeline.features.log_key_arn
    assert keys["/aws/lambda/scribe-dev-writer"] is None
    function = moto_client("lambda", url).get_function_configuration(FunctionName=f"{stack}-writer")
    assert function["TracingConfig"] == {"Mode": "Active"}
    check_domain(pipeline)
    s3 = moto_client("s3", url)
    logging = s3.get_bucket_logging(Bucket=pipeline.outputs[FEATURED]["bucket_name"]["value"])
    assert logging["LoggingEnabled"] == {"TargetBucket": LOG_BUCKET, "TargetPrefix": LOG_PREFIX}
    assert "LoggingEnabled" not in s3.get_bucket_logging(
        Bucket=pipeline.outputs["dev"]["bucket_name"]["value"]
    )


def zone_records(pipeline: Pipeline) -> dict[tuple[str, str], dict[str, Any]]:
    route53 = moto_client("route53", pipeline.moto.url)
    answer = route53.list_resource_record_sets(HostedZoneId=pipeline.features.zone_id)
    return {(r["Name"], r["Type"]): r for r in answer["ResourceRecordSets"]}


def check_domain(pipeline: Pipeline) -> None:
    """prod's custom domain: the certificate issued once its DNS validation record is in the
    zone, the domain created with it (regional, TLS 1.2), the API mapped under MAPPING_KEY, and
    A and AAAA aliases to the domain's regional target."""
    url, outputs = pipeline.moto.url, pipeline.outputs[FEATURED]
    acm = moto_client("acm", url)
    [summary] = acm.list_certificates()["CertificateSummaryList"]
    certificate = acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
    assert (certificate["DomainName"], certificate["Status"]) == (DOMAIN, "ISSUED")
    [option] = certificate["DomainValidationOptions"]
    assert option["ValidationMethod"] == "DNS"
    validation = option["ResourceRecord"]
    in_zone = zone_records(pipeline)
    assert in_zone[(validation["Name"], "CNAME")]["ResourceRecords"] == [
        {"Value": validation["Value"]}
    ]
    api = moto_client("apigatewayv2", url)
    [configuration] = api.get_domain_name(DomainName=DOMAIN)["DomainNameConfigurations"]
    assert (
        configuration["CertificateArn"],
        configuration["EndpointType"],
        configuration["SecurityPolicy"],
        configuration["IpAddressType"],  # the AAAA alias below leads somewhere
    ) == (summary["CertificateArn"], "REGIONAL", "TLS_1_2", "dualstack")
    target = configuration["ApiGatewayDomainName"]
    assert target.endswith(f".execute-api.{REGION}.amazonaws.com")
    assert outputs["domain_target_domain_name"]["value"] == target
    assert outputs["domain_target_hosted_zone_id"]["value"] == REGIONAL_ZONE_US_EAST_1
    [mapping] = api.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert (mapping["ApiId"], mapping["Stage"], mapping["ApiMappingKey"]) == (
        outputs["api_id"]["value"],
        "$default",
        MAPPING_KEY,
    )
    for kind in ("A", "AAAA"):
        alias = in_zone[(f"{DOMAIN}.", kind)]["AliasTarget"]
        assert (alias["DNSName"].rstrip("."), alias["HostedZoneId"]) == (
            target,
            REGIONAL_ZONE_US_EAST_1,
        )
        assert alias["EvaluateTargetHealth"] is False
    assert outputs["domain_url"]["value"] == f"https://{DOMAIN}/{MAPPING_KEY}"


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
    assert role["Path"] == "/scribe-dev/"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        ":policy/scribe-ci-boundary-dev"
    )


@pytest.mark.parametrize("env", ENVS)
def test_a_plan_after_pinning_has_no_changes(pipeline: Pipeline, env: str) -> None:
    """As the plan role: nothing to change (and every read allowed)."""
    pipeline.phase(f"noop-{env}")
    plan = runner.plan_detailed(
        pipeline.stack_dirs[env],
        f"-var-file=envs/{env}.tfvars",
        env={**pipeline.admin_env, **pipeline.as_role(env, "plan")},
    )
    pipeline.phase(None)
    assert plan.returncode == 0, plan.stdout


@pytest.mark.parametrize("env", ENVS)
def test_smoke_step_with_the_deploy_role_credentials(
    pipeline: Pipeline, env: str, tmp_path: Path, package_zip: Path
) -> None:
    """`make smoke` through the local gateway, with the role's keys under IAM enforcement: the
    POST is SigV4-signed (the routes require AWS_IAM; an unsigned POST is refused) and the deploy
    role may read the smoke text back (and only smoke/* texts)."""
    pipeline.phase(f"smoke-{env}")  # in env's working dir, on env's state, as in CI
    api_id = pipeline.outputs[env]["api_id"]["value"]
    role = pipeline.as_role(env)
    # The gateway accepts the role's temporary keys on the AWS_IAM routes, and evaluates the
    # role's own policies and boundary for execute-api:Invoke, as API Gateway asks IAM to.
    session = pipeline.client_as(role, "sts").get_caller_identity()["Arn"]
    caller = callers.with_identity(
        moto_client("iam", pipeline.moto.url),
        role["AWS_ACCESS_KEY_ID"],
        role["AWS_SECRET_ACCESS_KEY"],
        session,
        role["AWS_SESSION_TOKEN"],
    )
    accepted = {caller.access_key_id: caller}
    log = tmp_path / "function.log"
    with serving(pipeline.moto.url, api_id, package_zip, log, accepted) as server:
        try:
            pipeline.moto.set_iam_enforcement(True)
            unsigned = http(
                "POST", f"{server.url}/smoke/unsigned.txt", b"x", {"Content-Type": "text/plain"}
            )
            smoke_env = {**role, "AWS_ENDPOINT_URL": pipeline.proxy.url}
            result = pipeline.make("smoke", env, extra_env=smoke_env, API_URL=server.url)
            pipeline.phase(None)
            s3 = pipeline.client_as(role, "s3")
            bucket = pipeline.outputs[env]["bucket_name"]["value"]
            with pytest.raises(ClientError) as denied:
                s3.get_object(Bucket=bucket, Key="incoming/not-smoke.txt")
        finally:
            pipeline.phase(None)
            pipeline.moto.set_iam_enforcement(False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"smoke test passed: s3://scribe-{env}-" in result.stdout
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert unsigned.status == 403
    # API Gateway authorized the signed POST as execute-api:Invoke on its route: evaluated too.
    key = result.stdout.split("smoke test passed: s3://", 1)[1].split()[0].split("/", 1)[1]
    path = key.removeprefix("incoming/")
    pipeline.smoke_invocations.append(
        MappedCall(
            call="execute-api.Invoke (the smoke POST)",
            action="execute-api:Invoke",
            resource=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/$default/POST/{path}",
            phase=f"smoke-{env}",
            access_key_id=role["AWS_ACCESS_KEY_ID"],
        )
    )


def test_a_second_concurrent_apply_is_refused_by_the_lock_file(pipeline: Pipeline) -> None:
    pipeline.phase(None)  # an administrator's runs: not part of the evaluated pipeline
    s3 = moto_client("s3", pipeline.moto.url)
    first = pipeline.start_terraform(
        "dev", "apply", "-auto-approve", "-input=false", "-var-file=envs/dev.tfvars"
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
    second = pipeline.start_terraform(
        "dev", "apply", "-auto-approve", "-input=false", "-var-file=envs/dev.tfvars"
    )
    second_out = second.communicate(timeout=300)[0]
    first_out = first.communicate(timeout=300)[0]
    assert second.returncode == 1
    assert "Error acquiring the state lock" in second_out
    assert first.returncode == 0, first_out
    listed = s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix="scribe/dev.tfstate.tflock")
    assert listed["KeyCount"] == 0  # released


def test_a_lock_left_behind_is_named_and_only_its_own_id_clears_it(pipeline: Pipeline) -> None:
    """A plan killed while it holds dev's lock (a cancelled CI job) leaves the .tflock behind:
    `make plan` names the lock, its holder and age, and the command that clears it; `make
    unlock` refuses without LOCK_ID, with another id, and for prod; with the id it clears it."""
    pipeline.phase(None)  # an administrator's runs: not part of the evaluated pipeline
    s3 = moto_client("s3", pipeline.moto.url)
    lock_key = "scribe/dev.tfstate.tflock"
    killed = pipeline.start_terraform("dev", "plan", "-input=false", "-var-file=envs/dev.tfvars")
    deadline = time.monotonic() + 60
    while not s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=lock_key).get("KeyCount"):
        if time.monotonic() > deadline:
            killed.kill()
            pytest.fail("the plan never took the lock")
        time.sleep(0.05)
    killed.kill()  # SIGKILL: no chance to release the lock
    killed.communicate(timeout=60)
    held = json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=lock_key)["Body"].read())

    def still_locked() -> bool:
        body = s3.get_object(Bucket=STATE_BUCKET, Key=lock_key)["Body"].read()
        return bool(json.loads(body)["ID"] == held["ID"])

    plan = pipeline.make("plan", "dev")
    said = plan.stdout + plan.stderr
    assert plan.returncode != 0, said
    assert "Error acquiring the state lock" in said  # Terraform's own error is still shown
    assert f"lock id    {held['ID']}" in said
    assert f"held by    {held['Who']}" in said
    assert f"since      {held['Created'][:10]}" in said
    assert " ago)" in said
    assert f"state      {STATE_BUCKET}/scribe/dev.tfstate" in said
    assert f"make unlock ENV=dev LOCK_ID={held['ID']}" in said

    refusals = {
        "no LOCK_ID": (pipeline.make("unlock", "dev"), "name the lock: make unlock ENV=dev"),
        "another id": (
            pipeline.make("unlock", "dev", LOCK_ID="0a1b2c3d-0000-4000-8000-0000000000ff"),
            f"the dev state's lock is {held['ID']}, not 0a1b2c3d-",
        ),
        "prod's env": (
            pipeline.make("unlock", "prod", LOCK_ID=held["ID"]),
            "the prod state is not locked",
        ),
        "an env of no pipeline": (  # dev's working dir; the later ENV= on make's line wins
            pipeline.make("unlock", "dev", ENV="local", LOCK_ID=held["ID"]),
            "ENV names one of the pipeline's environments (dev prod)",
        ),
    }
    for what, (refused, message) in refusals.items():
        assert refused.returncode != 0, what
        assert message in refused.stderr, f"{what}: {refused.stdout}{refused.stderr}"
        assert still_locked(), what

    unlocked = pipeline.make("unlock", "dev", LOCK_ID=held["ID"])
    assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
    assert f"cleared the dev state lock {held['ID']}" in unlocked.stdout
    assert not s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=lock_key).get("KeyCount")
    replan = pipeline.make("plan", "dev")
    assert replan.returncode == 0, replan.stdout + replan.stderr
    assert "No changes." in replan.stdout


def assert_access_denied(refused: dict[str, Callable[[], Any]]) -> None:
    """Each call (what it tries -> the call) is refused with AccessDenied."""
    for what, call in refused.items():
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "AccessDenied", what


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
        assert_access_denied(refused)
    finally:
        pipeline.moto.set_iam_enforcement(False)


@pytest.mark.parametrize("env", ENVS)
def test_plan_role_reads_its_state_and_takes_its_lock_but_writes_nothing(
    pipeline: Pipeline, env: str
) -> None:
    """Under moto's IAM enforcement: what a plan job's credentials reach in the state bucket
    and the stack's bucket."""
    role = pipeline.role_credentials(env, "plan")
    other = "prod" if env == "dev" else "dev"
    s3 = pipeline.client_as(role, "s3")
    own, lock = f"scribe/{env}.tfstate", f"scribe/{env}.tfstate.tflock"
    bucket = pipeline.outputs[env]["bucket_name"]["value"]
    pipeline.moto.set_iam_enforcement(True)
    try:
        state = s3.get_object(Bucket=STATE_BUCKET, Key=own)["Body"].read()
        s3.put_object(Bucket=STATE_BUCKET, Key=lock, Body=b"{}")
        s3.delete_object(Bucket=STATE_BUCKET, Key=lock)
        refused: dict[str, Callable[[], Any]] = {
            "write its state": lambda: s3.put_object(Bucket=STATE_BUCKET, Key=own, Body=state),
            "delete its state": lambda: s3.delete_object(Bucket=STATE_BUCKET, Key=own),
            "read another env's state": lambda: s3.get_object(
                Bucket=STATE_BUCKET, Key=f"scribe/{other}.tfstate"
            ),
            "put a text": lambda: s3.put_object(Bucket=bucket, Key="incoming/x.txt", Body=b"x"),
            "change its bucket's versioning": lambda: s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
            ),
        }
        assert_access_denied(refused)
    finally:
        pipeline.moto.set_iam_enforcement(False)


def test_destroy_empties_both_stacks(pipeline: Pipeline) -> None:
    results = destroy_all(pipeline)
    for env, (code, output) in results.items():
        assert code == 0, output
        assert f"Destroy complete! Resources: {PLANNED[env] + 1} destroyed." in output, env
    url = pipeline.moto.url
    buckets = [b["Name"] for b in moto_client("s3", url).list_buckets()["Buckets"]]
    assert sorted(buckets) == sorted([STATE_BUCKET, LOG_BUCKET])  # the account's stay
    # prod's features are gone with it; the zone's own records and the account's key stay
    assert moto_client("apigatewayv2", url).get_domain_names()["Items"] == []
    assert {kind for _, kind in zone_records(pipeline)} == {"NS", "SOA"}
    assert moto_client("acm", url).list_certificates()["CertificateSummaryList"] == []
    assert moto_client("cloudwatch", url).describe_alarms()["MetricAlarms"] == []
    assert moto_client("sns", url).list_topics()["Topics"] == []
    key = moto_client("kms", url).describe_key(KeyId=pipeline.features.log_key_arn)
    assert key["KeyMetadata"]["KeyState"] == "Enabled"


def test_every_call_of_the_pipeline_is_allowed_and_every_grant_used(pipeline: Pipeline) -> None:
    """Each request the provider, the S3 backend and the smoke sent as a deploy role, mapped to
    what AWS authorizes and decided by the evaluator: none denied (sufficiency); every action
    the deploy policies grant is used or kept for a stated reason (minimality)."""
    assert "destroyed" in pipeline.outputs, "runs after test_destroy_empties_both_stacks"
    records = [r for r in pipeline.proxy.records if r.phase is not None]
    calls = map_records(records)
    assert not calls.unmapped, [f"{c.call}: {c.note}" for c in calls.unmapped]
    mapped = calls.calls + pipeline.smoke_invocations
    keys = {role: creds["AWS_ACCESS_KEY_ID"] for role, creds in pipeline.role_keys.items()}

    def signer(phase: str) -> str:  # the key of the role the phase's CI job assumes
        return keys[(sufficiency.env_of(phase), sufficiency.role_of(phase))]

    strangers = [c for c in mapped if c.access_key_id != signer(str(c.phase))]
    assert not strangers, [f"{c.phase} {c.call} signed by {c.access_key_id}" for c in strangers]
    phases = {str(c.phase) for c in mapped}
    assert phases == {f"{step}-{env}" for step in STEPS for env in ENVS}
    evaluated = sufficiency.evaluate_calls(
        mapped,
        {role: pipeline.session_arn(*role) for role in pipeline.role_arns},
        dict.fromkeys(phases, pipeline.policies["pinned"]),
    )
    denied = [sufficiency.describe_denial(c) for c in evaluated if c.decision != "Allowed"]
    assert not denied, "\n".join(denied)
    assert len(evaluated) > 300
    reads = ("Get", "List", "Describe", "Head")
    writes_in_plans = [
        f"{c.phase} {c.call}"
        for c in evaluated
        if c.phase.startswith(("plan-", "noop-", "output-"))
        and c.action != "apigateway:GET"
        and not c.call.split(".", 1)[1].startswith(reads)
        and "(404 needs" not in c.call
        and not c.resource.endswith(".tflock")  # a plan holds the state lock
    ]
    assert not writes_in_plans, "a plan only reads"
    assert {c.action for c in evaluated} >= {
        "s3:CreateBucket",
        "iam:CreateRole",
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:AddPermission",
        "logs:CreateLogGroup",
        "apigateway:POST",
        "apigateway:DELETE",
        "execute-api:Invoke",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    in_force = pipeline.policies["pinned"]
    granted = {(env, role): in_force[f"{role}-{env}"] for env, role in pipeline.role_arns}
    unused = sufficiency.unused_actions(granted, evaluated)
    unexplained = [f"{u.role}-{u.env}: {u.action}" for u in unused if u.reason is None]
    assert not unexplained, "\n".join(unexplained)
    if target := os.environ.get("SCRIBE_IAM_CALLS"):  # make iam collects them for its report
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(
            json.dumps(
                {
                    "requests": [
                        {**c.to_json(), "stack": ENVIRONMENTS[c.env]["stack_name"]}
                        for c in evaluated
                    ],
                    "unused_actions": [u.to_json() for u in unused],
                },
                indent=1,
            )
        )


def test_every_request_of_the_pipeline_is_one_aws_accepts(pipeline: Pipeline) -> None:
    """Every request the provider, the S3 backend and the smoke sent (both stacks, every phase,
    the administrator's included), checked against AWS's API model: moto accepting a request
    is not AWS accepting it (scribe_local/aws/model_check.py)."""
    assert "destroyed" in pipeline.outputs, "runs after test_destroy_empties_both_stacks"
    records = pipeline.proxy.records
    examined = model_check.examine(records)
    print(
        f"\n[model] {sum(examined.requests.values())} requests checked "
        f"({dict(sorted(examined.requests.items()))}), {examined.members} members"
    )
    found = examined.violations
    assert not found, "\n".join(f"{v.phase}: {v.describe()}" for v in found)
    # every protocol the stacks' services speak was checked, member by member
    assert set(examined.requests) == {"query", "json", "rest-json", "rest-xml"}
    assert sum(examined.requests.values()) > 500  # 660 on 2026-12-07, with 1604 members
    assert examined.members > 1200


def test_prods_deploy_role_trusts_only_the_release_managers(pipeline: Pipeline) -> None:
    """As applied (IAM holds it): prod's deploy role trusts the listed release manager's main
    pipelines only; its plan role any member's main pipeline; dev's roles any branch."""
    docs = pipeline.policies["pinned"]
    issuer = f"oidc.circleci.com/org/{ORG}"
    project = f"org/{ORG}/project/{PROJECT}/user"
    main = f"vcs-origin/{VCS_ORIGIN}/vcs-ref/refs/heads/main"
    release = RELEASE_MANAGER

    def subject(trust: str) -> tuple[str, Any]:
        [(test, keys)] = [
            (test, keys[f"{issuer}:sub"])
            for test, keys in docs[trust]["Statement"][0]["Condition"].items()
            if f"{issuer}:sub" in keys
        ]
        return test, keys

    assert subject("trust-prod") == ("StringEquals", f"{project}/{release}/{main}")
    assert subject("trust-plan-prod") == (
        "StringLike",
        f"{project}/????????-????-????-????-????????????/{main}",
    )
    assert subject("trust-dev")[1].endswith("/vcs-ref/refs/heads/*")
