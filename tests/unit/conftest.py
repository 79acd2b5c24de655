"""Unit-test fixtures: moto S3 in-process (one versioned bucket) and API Gateway 2.0 events."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from moto import mock_aws

from scribe import apigw

BUCKET = "scribe-unit-bucket"
PREFIX = "incoming/"
MAX_BODY = 64
PLAIN = "text/plain; charset=utf-8"


class FakeContext:
    """The part of the Lambda context the handler reads."""

    aws_request_id = "context-request-id"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def event(
    body: str | None = "hello",
    *,
    name: str | None = None,
    content_type: str | None = PLAIN,
    query: str = "",
    base64_encoded: bool = False,
    route: str | None = None,
    request_id: str | None = "req-1",
) -> dict[str, Any]:
    """A payload format 2.0 event as an HTTP API sends it (a name selects POST /{name+})."""
    route = route or ("POST /{name+}" if name is not None else "POST /")
    headers = {"host": "api.example.test", "user-agent": "pytest"}
    if content_type is not None:
        headers["content-type"] = content_type
    path = "/" + (name or "")
    context: dict[str, Any] = {"http": {"method": "POST", "path": path}, "routeKey": route}
    if request_id is not None:
        context["requestId"] = request_id
    result: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": base64_encoded,
    }
    if query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        result["queryStringParameters"] = params
    if name is not None:
        result["pathParameters"] = {"name": name}
    if body is not None:
        result["body"] = body
    return result


def invoke(request: dict[str, Any]) -> Reply:
    response = apigw.handler(request, FakeContext())
    assert set(response) >= {"statusCode", "headers", "body"}
    return Reply(response["statusCode"], response["headers"], json.loads(response["body"]))


def stored(s3: Any, key: str) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def all_keys(s3: Any) -> list[str]:
    return [v["Key"] for v in s3.list_object_versions(Bucket=BUCKET).get("Versions", [])]


def versions(s3: Any, key: str) -> list[dict[str, Any]]:
    found = s3.list_object_versions(Bucket=BUCKET, Prefix=key).get("Versions", [])
    return [v for v in found if v["Key"] == key]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, us-east-1, no endpoint override or profile, the function's settings."""
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("KEY_PREFIX", PREFIX)
    monkeypatch.setenv("MAX_BODY_BYTES", str(MAX_BODY))


def versioned_bucket() -> Any:
    """An S3 client on the active moto mock, with the test bucket created and versioned; the
    handler's cached settings and client start afresh (a cold start)."""
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    apigw.reset()
    return client


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    """A versioned bucket in a moto mock of its own."""
    with mock_aws():
        yield versioned_bucket()
    apigw.reset()
