"""make recover's and make destroy's decisions, by value: what the account holds of a stack (by
name and tag, read from moto), which planned create adopts which resource, what is refused, and
what stops a destroy. The runs themselves are in tests/faults."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from scribe_local.emulator.moto_server import FAKE_CREDENTIALS, MotoServer, moto_client
from scribe_local.terraform import destroy_guard, intent, inventory, recover
from scribe_local.terraform.inventory import Resource, Stack

STACK = Stack("scribe-dev", "us-east-1", "scribe-dev-123456789012-us-east-1")
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

READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def create(kind: str, after: dict[str, Any], address: str = "module.x.thing") -> dict[str, Any]:
    """A planned create as `terraform show -json` gives it (unknown values left out)."""
    return {
        "address": address,
        "type": kind,
        "mode": "managed",
        "change": {"actions": ["create"], "after": after},
    }


def clients(moto: MotoServer) -> dict[str, Any]:
    services = ("s3", "iam", "lambda", "logs", "apigatewayv2", "sts")
    return {service: moto_client(service, moto.url) for service in services}


def role(iam: Any, name: str, stack: str | None = None) -> None:
    """A role of that name, tagged Stack = stack (untagged without one)."""
    tags = [] if stack is None else [{"Key": "Stack", "Value": stack}]
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=tags)


def test_the_account_listing_knows_the_stacks_own_by_name_and_tag(moto: MotoServer) -> None:
    iam = moto_client("iam", moto.url)
    role(iam, "scribe-dev-writer-role", "scribe-dev")
    iam.put_role_policy(RoleName="scribe-dev-writer-role", PolicyName="p", PolicyDocument=READ)
    role(iam, "scribe-dev-intruder")
    role(iam, "scribe-dev-2-writer-role", "scribe-dev-2")
    role(iam, "other-writer-role", "scribe-dev")
    apigw = moto_client("apigatewayv2", moto.url)
    api = apigw.create_api(
        Name="scribe-dev-api", ProtocolType="HTTP", Tags={"Stack": "scribe-dev"}
    )["ApiId"]
    route = apigw.create_route(ApiId=api, RouteKey="POST /")["RouteId"]
    s3 = moto_client("s3", moto.url)
    s3.create_bucket(Bucket=STACK.bucket)  # not tagged yet: CreateBucket and its tags are 2 calls

    found = {(r.type, r.id): r.tagged for r in inventory.account(STACK, clients(moto))}
    assert found == {
        ("aws_iam_role", "scribe-dev-writer-role"): True,
        ("aws_iam_role_policy", "scribe-dev-writer-role:p"): True,
        ("aws_iam_role", "scribe-dev-intruder"): False,  # no Stack tag: foreign, never adopted
        ("aws_apigatewayv2_api", api): True,
        ("aws_apigatewayv2_route", f"{api}/{route}"): True,  # owned through its API
        ("aws_s3_bucket", STACK.bucket): False,
    }  # scribe-dev-2's role is another stack's; other-writer-role lacks the name


def test_recover_looks_up_what_it_plans_to_create_by_identity(moto: MotoServer) -> None:
    """make recover reads each planned create by its identity (the reads the deploy role is
    given), a child through its parent, an API by name only when a create names it."""
    iam = moto_client("iam", moto.url)
    role(iam, "scribe-dev-writer-role", "scribe-dev")
    iam.put_role_policy(RoleName="scribe-dev-writer-role", PolicyName="p", PolicyDocument=READ)
    role(iam, "scribe-dev-old", "scribe-dev")  # named like the stack's, not planned: not looked up
    logs = moto_client("logs", moto.url)
    logs.create_log_group(
        logGroupName="/aws/lambda/scribe-dev-writer", tags={"Stack": "scribe-dev"}
    )
    logs.create_log_group(
        logGroupName="/aws/lambda/scribe-dev-writer-2", tags={"Stack": "scribe-dev"}
    )
    apigw = moto_client("apigatewayv2", moto.url)
    tags = {"Stack": "scribe-dev"}
    api = apigw.create_api(Name="scribe-dev-api", ProtocolType="HTTP", Tags=tags)["ApiId"]
    route = apigw.create_route(ApiId=api, RouteKey="POST /")["RouteId"]
    again = apigw.create_api(Name="scribe-dev-api", ProtocolType="HTTP", Tags=tags)["ApiId"]

    creates = [
        create("aws_iam_role_policy", {"role": "scribe-dev-writer-role", "name": "p"}),
        create("aws_cloudwatch_log_group", {"name": "/aws/lambda/scribe-dev-writer"}),
        create("aws_apigatewayv2_route", {"api_id": api, "route_key": "POST /"}),
        create("aws_lambda_function", {"function_name": "scribe-dev-writer"}),  # not made yet
    ]
    looked_up = recover.wanted(creates)
    assert looked_up.parents("aws_iam_role") == ["scribe-dev-writer-role"]
    assert looked_up.api_names == frozenset()  # no create names an API: GetApis is not asked
    found = {(r.type, r.id) for r in inventory.lookup(STACK, clients(moto), looked_up)}
    assert found == {
        ("aws_iam_role", "scribe-dev-writer-role"),
        ("aws_iam_role_policy", "scribe-dev-writer-role:p"),
        ("aws_cloudwatch_log_group", "/aws/lambda/scribe-dev-writer"),
        ("aws_apigatewayv2_api", api),
        ("aws_apigatewayv2_route", f"{api}/{route}"),
    }
    by_name = recover.wanted([create("aws_apigatewayv2_api", {"name": "scribe-dev-api"})])
    assert by_name.api_names == frozenset({"scribe-dev-api"})
    apis = {r.id for r in inventory.lookup(STACK, clients(moto), by_name)}
    assert apis == {api, f"{api}/{route}", again}  # both of the name: recover picks one


def test_state_and_account_are_compared_both_ways() -> None:
    role = Resource("aws_iam_role", "scribe-dev-writer-role", True, "scribe-dev-writer-role")
    api = Resource("aws_apigatewayv2_api", "a1", True, "scribe-dev-api")
    foreign = Resource("aws_iam_role", "scribe-dev-x", False, "scribe-dev-x")
    state = {
        ("aws_iam_role", "scribe-dev-writer-role"): "module.writer.aws_iam_role.this",
        ("aws_lambda_function", "scribe-dev-writer"): "module.writer.aws_lambda_function.this",
    }
    agreement = inventory.compare([role, api, foreign], state)
    assert agreement.orphans == [api]
    assert agreement.ghosts == ["module.writer.aws_lambda_function.this"]
    assert agreement.foreign == [foreign]
    assert not agreement.agree
    assert inventory.compare([role], {role.key: "x"}).agree


def test_a_planned_create_adopts_the_resource_of_its_identity() -> None:
    role = Resource("aws_iam_role", "scribe-dev-writer-role", True, "scribe-dev-writer-role")
    policy = Resource(
        "aws_iam_role_policy",
        "scribe-dev-writer-role:p",
        True,
        "p",
        parent="scribe-dev-writer-role",
    )
    route = Resource("aws_apigatewayv2_route", "a1/r1", True, "POST /", parent="a1")
    other_route = Resource("aws_apigatewayv2_route", "a2/r2", True, "POST /", parent="a2")
    integration = Resource(
        "aws_apigatewayv2_integration",
        "a1/i1",
        True,
        "uri",
        parent="a1",
        detail={"uri": "arn:fn/invocations"},
    )
    found = [role, policy, route, other_route, integration]
    assert recover.pair(create("aws_iam_role", {"name": "scribe-dev-writer-role"}), found) == [role]
    # The policy's role is unknown until the role is in state: the next round adopts it.
    assert recover.pair(create("aws_iam_role_policy", {"name": "p"}), found) == []
    both = {"name": "p", "role": "scribe-dev-writer-role"}
    assert recover.pair(create("aws_iam_role_policy", both), found) == [policy]
    assert recover.pair(create("aws_apigatewayv2_route", {"route_key": "POST /"}), found) == []
    keyed = {"route_key": "POST /", "api_id": "a1"}
    assert recover.pair(create("aws_apigatewayv2_route", keyed), found) == [route]
    wired = {"api_id": "a1", "integration_uri": "arn:fn/invocations"}
    assert recover.pair(create("aws_apigatewayv2_integration", wired), found) == [integration]
    assert recover.pair(create("aws_iam_role", {"name": "scribe-dev-other"}), found) == []


def test_a_resource_without_the_stacks_tag_is_refused_before_anything_is_imported() -> None:
    foreign = Resource("aws_iam_role", "scribe-dev-writer-role", False, "scribe-dev-writer-role")
    ours = Resource("aws_cloudwatch_log_group", "/aws/lambda/scribe-dev-writer", True, "g")
    creates = [
        create("aws_cloudwatch_log_group", {"name": "/aws/lambda/scribe-dev-writer"}, "m.g"),
        create(
            "aws_iam_role", {"name": "scribe-dev-writer-role"}, "module.writer.aws_iam_role.this"
        ),
    ]
    with pytest.raises(recover.Refused) as refused:
        recover.adoptions(creates, [foreign, ours])
    message = str(refused.value)
    assert "aws_iam_role scribe-dev-writer-role" in message
    assert "not the tag Stack = <stack name>" in message
    assert "make recover again" in message


def test_of_duplicate_apis_the_fullest_is_adopted_and_only_an_empty_one_deleted() -> None:
    empty = Resource(
        "aws_apigatewayv2_api",
        "e1",
        True,
        "scribe-dev-api",
        detail={"children": 0, "created": "2026-12-01 10:00:00"},
    )
    full = Resource(
        "aws_apigatewayv2_api",
        "f1",
        True,
        "scribe-dev-api",
        detail={"children": 4, "created": "2026-12-01 10:00:01"},
    )
    chosen = recover.choose(
        create("aws_apigatewayv2_api", {"name": "scribe-dev-api"}), [empty, full]
    )
    assert chosen == full
    state = {full.key: "module.api.aws_apigatewayv2_api.this"}
    assert recover.duplicates([empty, full], state) == [empty]
    busy = Resource("aws_apigatewayv2_api", "b1", True, "scribe-dev-api", detail={"children": 1})
    assert recover.duplicates([busy, full], state) == []  # not empty: reported, not deleted
    assert recover.duplicates([empty], {}) == []  # nothing of that name in state: adopt instead


def test_import_blocks_name_the_address_and_the_import_id() -> None:
    adopted = [
        recover.Adoption(
            'module.api.aws_apigatewayv2_route.this["POST /"]',
            Resource("aws_apigatewayv2_route", "a1/r1", True, "POST /"),
        )
    ]
    text = recover.import_blocks(adopted)
    assert 'to = module.api.aws_apigatewayv2_route.this["POST /"]\n  id = "a1/r1"\n' in text


def test_a_kept_bucket_with_objects_stops_the_destroy_and_says_how_to_proceed() -> None:
    shown = {
        "values": {
            "root_module": {
                "child_modules": [
                    {
                        "resources": [
                            {
                                "type": "aws_s3_bucket",
                                "values": {"bucket": "kept", "force_destroy": False},
                            },
                            {
                                "type": "aws_s3_bucket",
                                "values": {"bucket": "emptied", "force_destroy": True},
                            },
                        ]
                    }
                ]
            }
        }
    }
    assert destroy_guard.kept_buckets(shown) == ["kept"]
    message = destroy_guard.held_message("prod", "kept", 2, 1, ["a.txt", "b.txt"])
    assert "stopped before deleting anything" in message
    assert "holds 2 object version(s) and 1 delete marker(s) (keys: a.txt, b.txt)" in message
    assert "bucket.force_destroy = true in envs/prod.tfvars" in message
    assert "make destroy ENV=prod again" in message


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The records of intent are read with the caller's credentials, as the state is."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def s3_backend(tfdir: Path, moto: MotoServer, key: str) -> Path:
    """A working dir initialised (as terraform init records it) with the S3 backend on moto."""
    config = {
        "bucket": STATE_BUCKET,
        "key": key,
        "region": "us-east-1",
        "use_lockfile": True,
        "endpoints": {"s3": moto.url},
        "use_path_style": True,
    }
    (tfdir / ".terraform").mkdir(parents=True)
    recorded = {"backend": {"type": "s3", "config": config}}
    (tfdir / ".terraform" / "terraform.tfstate").write_text(json.dumps(recorded))
    return tfdir


STATE_BUCKET = "scribe-tfstate-123456789012-us-east-1"
BUCKET_CREATE = create(
    "aws_s3_bucket", {"bucket": STACK.bucket}, "module.bucket.aws_s3_bucket.this"
)


def untagged_bucket(moto: MotoServer) -> Resource:
    moto_client("s3", moto.url).create_bucket(Bucket=STACK.bucket)
    [bucket] = [r for r in inventory.account(STACK, clients(moto)) if r.type == "aws_s3_bucket"]
    assert not bucket.tagged
    return bucket


def test_an_untagged_resource_a_run_of_this_environment_meant_to_create_is_adopted(
    moto: MotoServer, tmp_path: Path, credentials: None
) -> None:
    """A run killed between CreateBucket and PutBucketTagging: its record of intent names the
    bucket and S3 created the bucket after the record was written."""
    moto_client("s3", moto.url).create_bucket(Bucket=STATE_BUCKET)
    dev = s3_backend(tmp_path / "dev", moto, "scribe/dev.tfstate")
    run_id = intent.put(dev, "dev", STACK.name, [("aws_s3_bucket", STACK.bucket)])
    time.sleep(1.1)  # S3 reports both times to the second
    bucket = untagged_bucket(moto)
    [record] = intent.read(dev, "dev")
    assert (record.run_id, record.stack, record.creates) == (
        run_id,
        "scribe-dev",
        frozenset({("aws_s3_bucket", STACK.bucket)}),
    )
    [adopted] = recover.adoptions([BUCKET_CREATE], [bucket], STACK.name, [record])
    assert adopted.resource == bucket
    intent.clear(dev, [record])
    assert intent.read(dev, "dev") == []


def test_an_untagged_resource_without_a_records_evidence_is_still_refused(
    moto: MotoServer, tmp_path: Path, credentials: None
) -> None:
    """Made before the run's record (someone else's, or an older run's), not named by it, or
    named only by another environment's record: refused, saying which evidence is missing."""
    s3 = moto_client("s3", moto.url)
    s3.create_bucket(Bucket=STATE_BUCKET)
    bucket = untagged_bucket(moto)
    time.sleep(1.1)
    dev = s3_backend(tmp_path / "dev", moto, "scribe/dev.tfstate")
    prod = s3_backend(tmp_path / "prod", moto, "scribe/prod.tfstate")
    intent.put(dev, "dev", STACK.name, [("aws_s3_bucket", STACK.bucket)])
    intent.put(prod, "prod", STACK.name, [("aws_s3_bucket", STACK.bucket)])
    intent.put(dev, "dev", STACK.name, [("aws_iam_role", "scribe-dev-writer-role")])
    records = intent.read(dev, "dev")
    assert [r.env for r in records] == ["dev", "dev"]  # prod's record lies next to prod's state
    with pytest.raises(recover.Refused, match="before the run that meant to create it started"):
        recover.adoptions([BUCKET_CREATE], [bucket], STACK.name, records)
    not_named = [r for r in records if ("aws_s3_bucket", STACK.bucket) not in r.creates]
    with pytest.raises(recover.Refused, match="none of the 1 record"):
        recover.adoptions([BUCKET_CREATE], [bucket], STACK.name, not_named)
    with pytest.raises(recover.Refused, match="no run of this environment left a record"):
        recover.adoptions([BUCKET_CREATE], [bucket], STACK.name, [])
    # A record of prod's, copied next to dev's state, is still prod's: not read for dev.
    body = {"run_id": "x", "env": "prod", "creates": [["aws_s3_bucket", STACK.bucket]]}
    s3.put_object(
        Bucket=STATE_BUCKET, Key="scribe/dev.tfstate.intents/x.json", Body=json.dumps(body)
    )
    assert len(intent.read(dev, "dev")) == 2
