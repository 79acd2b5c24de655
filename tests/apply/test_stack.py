"""The local env applied to moto: no drift, the real resources, HTTP through the gateway, destroy.

Tests run in file order (the last one destroys a bucket that holds objects and versions).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scribe_local.emulator.gateway import callers, role_credentials
from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, moto_client
from tests.apply.conftest import Stack, http

TEXT = "plain text\n"
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


def test_second_plan_shows_no_changes(stack: Stack) -> None:
    assert stack.second_plan_exitcode == 0


def test_outputs(stack: Stack) -> None:
    assert set(stack.outputs) >= {"api_url", "bucket_name", "function_name"}
    assert not stack.outputs["api_url"].endswith("/")
    assert stack.outputs["function_name"] == "scribe-local-writer"
    assert stack.outputs["bucket_name"] == "scribe-local-123456789012-us-east-1"


def test_named_write_lands_in_s3(stack: Stack) -> None:
    answer = http("POST", f"{stack.url}/notes/first.txt", TEXT.encode(), PLAIN, caller=stack.caller)
    assert answer.status == 201, answer.body
    body = answer.json()
    assert body["key"] == "incoming/notes/first.txt"
    assert body["bucket"] == stack.outputs["bucket_name"]
    assert body["size"] == len(TEXT.encode())
    assert body["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert answer.headers["location"] == f"s3://{body['bucket']}/{body['key']}"
    stored = stack.s3.get_object(Bucket=body["bucket"], Key=body["key"], ChecksumMode="ENABLED")
    assert stored["Body"].read().decode() == TEXT
    assert stored["ContentType"] == "text/plain; charset=utf-8"
    assert (
        stored["ChecksumSHA256"]
        == base64.b64encode(hashlib.sha256(TEXT.encode()).digest()).decode()
    )
    assert stored["VersionId"] == body["version_id"]


def test_generated_key_write(stack: Stack) -> None:
    answer = http(
        "POST",
        stack.url,
        b'{"text": "from json"}',
        {"Content-Type": "application/json"},
        caller=stack.caller,
    )
    assert answer.status == 201, answer.body
    key = answer.json()["key"]
    assert key.startswith("incoming/")
    assert key.endswith(".txt")
    s3 = stack.s3
    assert (
        s3.get_object(Bucket=stack.outputs["bucket_name"], Key=key)["Body"].read() == b"from json"
    )


def test_second_create_of_a_name_is_409_and_overwrite_keeps_versions(stack: Stack) -> None:
    url = f"{stack.url}/notes/once.txt"
    assert http("POST", url, b"one", PLAIN, caller=stack.caller).status == 201
    conflict = http("POST", url, b"two", PLAIN, caller=stack.caller)
    assert conflict.status == 409
    assert conflict.json()["error"] == "already_exists"
    assert http("POST", f"{url}?overwrite=true", b"three", PLAIN, caller=stack.caller).status == 201
    s3 = stack.s3
    bucket = stack.outputs["bucket_name"]
    assert s3.get_object(Bucket=bucket, Key="incoming/notes/once.txt")["Body"].read() == b"three"
    versions = s3.list_object_versions(Bucket=bucket, Prefix="incoming/notes/once.txt")["Versions"]
    assert len(versions) == 2


def test_rejections_write_nothing(stack: Stack) -> None:
    cases = [
        (f"{stack.url}/a/../b", b"x", PLAIN, 400),
        (f"{stack.url}/bad%20name", b"x", PLAIN, 400),
        (f"{stack.url}/empty.txt", b"", PLAIN, 400),
        (f"{stack.url}/big.txt", b"x" * (1048576 + 1), PLAIN, 413),
        (f"{stack.url}/xml.txt", b"<a/>", {"Content-Type": "application/xml"}, 415),
        (f"{stack.url}/json.txt", b"{bad", {"Content-Type": "application/json"}, 400),
    ]
    for url, body, headers, status in cases:
        answer = http("POST", url, body, headers, caller=stack.caller)
        assert answer.status == status, (url, answer.body)
        error = answer.json()
        assert set(error) == {"error", "message", "request_id"}, error
    s3 = stack.s3
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=stack.outputs["bucket_name"]).get("Contents", [])
    ]
    assert not [
        k
        for k in keys
        if k.split("/")[-1] in {"b", "bad name", "empty.txt", "big.txt", "xml.txt", "json.txt"}
    ]


def test_unknown_route_is_404_like_api_gateway(stack: Stack) -> None:
    answer = http("GET", f"{stack.url}/notes/first.txt")
    assert answer.status == 404
    assert answer.json() == {"message": "Not Found"}


def test_function_logs_one_json_line_per_request_without_the_body(stack: Stack) -> None:
    secret = "do-not-log-this-body"
    assert (
        http("POST", f"{stack.url}/logged.txt", secret.encode(), PLAIN, caller=stack.caller).status
        == 201
    )
    lines = [line for line in stack.log_path.read_text().splitlines() if line.startswith("{")]
    assert secret not in stack.log_path.read_text()
    records = [json.loads(line) for line in lines]
    assert any(r.get("key") == "incoming/logged.txt" and r.get("status") == 201 for r in records)


def test_lambda_role_cannot_write_outside_its_prefix(stack: Stack) -> None:
    """Under IAM enforcement, with the function role's credentials (as the gateway gets them)."""
    with stack.enforcement_paused():
        role = stack.client("lambda").get_function_configuration(
            FunctionName=stack.outputs["function_name"]
        )["Role"]
        creds = role_credentials(stack.moto.url, role, "probe")
    s3 = moto_client(
        "s3",
        stack.moto.url,
        creds["AWS_ACCESS_KEY_ID"],
        creds["AWS_SECRET_ACCESS_KEY"],
        creds["AWS_SESSION_TOKEN"],
    )
    bucket = stack.outputs["bucket_name"]
    s3.put_object(Bucket=bucket, Key="incoming/probe.txt", Body=b"ok")
    stack.s3.create_bucket(Bucket="scribe-another-bucket")
    denied: dict[str, Callable[[], Any]] = {
        "put into another bucket": lambda: s3.put_object(
            Bucket="scribe-another-bucket", Key="incoming/p.txt", Body=b"x"
        ),
        "put outside the prefix": lambda: s3.put_object(Bucket=bucket, Key="out/p.txt", Body=b"x"),
        "get": lambda: s3.get_object(Bucket=bucket, Key="incoming/probe.txt"),
        "list": lambda: s3.list_objects_v2(Bucket=bucket),
        "delete": lambda: s3.delete_object(Bucket=bucket, Key="incoming/probe.txt"),
    }
    for name, call in denied.items():
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "AccessDenied", name


def test_invoke_permissions_are_scoped_to_the_routes(stack: Stack) -> None:
    with stack.enforcement_paused():
        lam = stack.client("lambda")
        policy = json.loads(lam.get_policy(FunctionName=stack.outputs["function_name"])["Policy"])
    api_id = stack.outputs["api_id"]
    prefix = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/$default/POST/"
    arns = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"])
    assert arns == [prefix, prefix + "*"]


def test_routes_require_a_signed_caller_whose_policy_allows_the_route(stack: Stack) -> None:
    """As in dev and prod (AWS_IAM): unsigned is 403; a caller issued with a least-privilege
    policy (POST /notes/* only, as `make caller` issues it) gets 201 there and 403 elsewhere."""
    assert stack.gateway is not None
    unsigned = http("POST", f"{stack.url}/notes/unsigned.txt", b"x", PLAIN)
    assert (unsigned.status, unsigned.json()) == (403, {"message": "Forbidden"})
    api_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{stack.outputs['api_id']}"
    notes_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": f"{api_arn}/*/POST/notes/*",
            }
        ],
    }
    with stack.enforcement_paused():
        caller = callers.issue(stack.client("iam"), "notes-only", notes_only)
    stack.gateway.gateway.callers[caller.access_key_id] = caller
    allowed = http("POST", f"{stack.url}/notes/least.txt", b"least", PLAIN, caller=caller)
    assert allowed.status == 201, allowed.body
    for path in ("/elsewhere.txt", "/notesx/a.txt", ""):
        denied = http("POST", f"{stack.url}{path}", b"x", PLAIN, caller=caller)
        assert (denied.status, denied.json()) == (403, {"message": "Forbidden"}), path
    keys = [
        o["Key"] for o in stack.s3.list_objects_v2(Bucket=stack.outputs["bucket_name"])["Contents"]
    ]
    assert "incoming/notes/least.txt" in keys
    assert "incoming/notes/unsigned.txt" not in keys
    assert "incoming/elsewhere.txt" not in keys


def test_the_local_api_carries_envs_local_cors_and_the_gateway_answers_its_preflight(
    stack: Stack,
) -> None:
    """The CORS configuration of envs/local.tfvars, as the deployed API holds it (GetApi), and a
    browser's preflight over HTTP: answered, unsigned, with those headers; another origin none."""
    with stack.enforcement_paused():
        api = stack.client("apigatewayv2").get_api(ApiId=stack.outputs["api_id"])
    configured = api["CorsConfiguration"]
    assert configured["AllowOrigins"] == ["http://localhost:3000"]
    assert configured["AllowMethods"] == ["POST"]
    assert sorted(configured["AllowHeaders"]) == [
        "authorization",
        "content-type",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-security-token",
    ]
    assert configured["MaxAge"] == 300
    assert not configured.get("AllowCredentials")
    preflight = {
        "Origin": "http://localhost:3000",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-date",
    }
    answer = http("OPTIONS", f"{stack.url}/notes/from-browser.txt", headers=preflight)
    assert (answer.status, answer.body) == (204, b"")
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert answer.headers["access-control-allow-methods"] == "POST"
    assert sorted(answer.headers["access-control-allow-headers"].split(",")) == sorted(
        configured["AllowHeaders"]
    )
    assert answer.headers["access-control-max-age"] == "300"
    other = http("OPTIONS", f"{stack.url}/a.txt", headers={**preflight, "Origin": "http://x.test"})
    assert other.status == 204
    assert not [name for name in other.headers if name.startswith("access-control-")]
    signed = http(
        "POST",
        f"{stack.url}/notes/from-browser.txt",
        b"from a browser",
        {**PLAIN, "Origin": "http://localhost:3000"},
        caller=stack.caller,
    )
    assert signed.status == 201, signed.body
    assert signed.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_destroy_removes_a_non_empty_versioned_bucket(stack: Stack) -> None:
    bucket = stack.outputs["bucket_name"]
    s3 = stack.s3
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert len(versions) >= 5  # the writes above, with an overwritten version
    stack.destroy()
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket not in names
    assert stack.client("lambda").list_functions()["Functions"] == []
