"""make recover's and make destroy's decisions, by value: what the account holds of a stack (by
name and tag, read from moto), which planned create adopts which resource, what is refused, and
what stops a destroy. The runs themselves are in tests/faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scribe_local.emulator.moto_server import MotoServer, moto_client
from scribe_local.terraform import destroy_guard, inventory, recover
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


def test_the_account_listing_knows_the_stacks_own_by_name_and_tag(moto: MotoServer) -> None:
    iam = moto_client("iam", moto.url)
    iam.create_role(
        RoleName="scribe-dev-writer-role",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "Stack", "Value": "scribe-dev"}],
    )
    iam.put_role_policy(RoleName="scribe-dev-writer-role", PolicyName="p", PolicyDocument=READ)
    iam.create_role(RoleName="scribe-dev-intruder", AssumeRolePolicyDocument=TRUST)
    iam.create_role(
        RoleName="scribe-dev-2-writer-role",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "Stack", "Value": "scribe-dev-2"}],
    )
    iam.create_role(
        RoleName="other-writer-role",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "Stack", "Value": "scribe-dev"}],
    )
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
