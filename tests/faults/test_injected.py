"""AWS failing halfway: throttling, 500s and timeouts injected by the proxy on the first create of
each resource type (scribe_local/emulator/faults.py), and prod's destroy with objects in its bucket.

- Throttling and 500s: the provider's retries absorb them; the apply succeeds as it is.
- A timeout whose create took effect unseen: the provider's retry meets "already exists" (an IAM
  role, a log group) or creates a second HTTP API. The apply fails; make recover adopts what is
  the stack's and deletes the empty duplicate API; plan and apply converge.
- prod keeps its bucket (force_destroy = false): with objects in it, make destroy stops before
  Terraform deletes anything and says what holds it and how to proceed.

Each case ends with `Bench.settle`: state and account agree, no lock, a plan that plans nothing.
"""

from __future__ import annotations

import json

from scribe_local.emulator.faults import Rule, first_create
from scribe_local.emulator.moto_server import moto_client
from scribe_local.terraform import inventory
from tests.faults.conftest import Bench, Figures, faults

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
# The creates every first apply of the stack sends (the local settings: no reservation, no KMS).
FIRST_CREATES = {
    "apigatewayv2.CreateApi",
    "apigatewayv2.CreateIntegration",
    "apigatewayv2.CreateRoute",
    "apigatewayv2.CreateStage",
    "iam.CreateRole",
    "iam.PutRolePolicy",
    "lambda.AddPermission",
    "lambda.CreateFunction",
    "logs.CreateLogGroup",
    "logs.PutRetentionPolicy",
    "s3.CreateBucket",
    "s3.PutBucketEncryption",
    "s3.PutBucketOwnershipControls",
    "s3.PutBucketTagging",
    "s3.PutBucketVersioning",
    "s3.PutPublicAccessBlock",
}


def test_recover_refuses_a_resource_with_the_stacks_name_but_not_its_tag(bench: Bench) -> None:
    """A role named as the stack names its writer's, made by someone else (no Stack tag)."""
    figures = Figures("recover with an untagged role of the stack's name")
    iam = moto_client("iam", bench.moto.url)
    iam.create_role(RoleName="scribe-dev-writer-role", AssumeRolePolicyDocument=TRUST)
    try:
        code, output = bench.make("recover", "dev", figures)
        assert code != 0, output[-3000:]
        assert "make recover refused, nothing changed" in output
        assert "aws_iam_role scribe-dev-writer-role" in output
        assert "not the tag Stack = scribe-dev" in output
        assert bench.agreement("dev").foreign[0].id == "scribe-dev-writer-role"
        assert inventory.state_resources(bench.tfdir, bench.admin) == {}  # nothing imported
    finally:
        iam.delete_role(RoleName="scribe-dev-writer-role")
    bench.settle("dev", figures, up=False)


def test_throttling_and_500s_are_absorbed_by_the_providers_retries(bench: Bench) -> None:
    """Every first create is throttled, its retry answered 500, and only then served."""
    figures = Figures("apply with throttling then 500 on the first create of each type")
    faults(bench, Rule("throttle", first_create), Rule("error500", first_create))
    try:
        bench.deploy("dev", figures)
    finally:
        faults(bench)
    faulted = set(bench.injector.faulted("throttle"))
    assert faulted == FIRST_CREATES
    assert set(bench.injector.faulted("error500")) == FIRST_CREATES
    figures.injected = sorted(faulted)
    bench.settle("dev", figures)
    code, output = bench.make("destroy", "dev", figures)
    assert code == 0, output[-3000:]
    bench.settle("dev", figures, up=False)


def test_a_lost_answer_fails_the_apply_and_recover_adopts_what_it_left(bench: Bench) -> None:
    """Timeouts on prod's first creates; then prod's destroy with objects stops untouched."""
    figures = Figures("apply with a timeout on the first create of each type")
    faults(bench, Rule("timeout", first_create, hold_s=0.5))
    try:
        code, output = bench.make("plan", "prod", figures)
        assert code == 0, output[-3000:]
        code, output = bench.make("apply", "prod", figures)
    finally:
        faults(bench)
    figures.injected = bench.injector.faulted("timeout")
    assert code != 0
    assert "already exists" in output, output[-3000:]
    figures.orphans_before = bench.orphans("prod")
    apis = moto_client("apigatewayv2", bench.moto.url).get_apis()["Items"]
    assert [api["Name"] for api in apis].count("scribe-prod-api") == 2  # the retried CreateApi
    code, output = bench.make("recover", "prod", figures)
    assert code == 0, output[-4000:]
    assert "deleting aws_apigatewayv2_api scribe-prod-api" in output
    bench.deploy("prod", figures)
    bench.settle("prod", figures)
    apis = moto_client("apigatewayv2", bench.moto.url).get_apis()["Items"]
    assert [api["Name"] for api in apis] == ["scribe-prod-api"]

    figures = Figures("destroy prod with objects in its bucket (force_destroy = false)")
    bucket = bench.stack("prod").bucket
    s3 = moto_client("s3", bench.moto.url)
    s3.put_object(Bucket=bucket, Key="incoming/keep.txt", Body=b"prod data")
    before = bench.holdings("prod")
    code, output = bench.make("destroy", "prod", figures)
    assert code != 0
    assert f"the bucket {bucket} holds 1 object version(s)" in output, output[-3000:]
    assert "incoming/keep.txt" in output
    assert "make destroy ENV=prod again" in output
    assert bench.holdings("prod") == before  # nothing deleted
    assert len(before) == 13
    bench.settle("prod", figures)

    figures = Figures("destroy prod once its bucket is emptied")
    for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    code, output = bench.make("destroy", "prod", figures)
    assert code == 0, output[-3000:]
    bench.settle("prod", figures, up=False)
