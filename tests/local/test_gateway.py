"""The local gateway's API Gateway behaviour, without Terraform: routing, events, responses."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from scribe_local.emulator.function import FunctionError, FunctionSpec
from scribe_local.emulator.gateway import (
    ApiConfig,
    Gateway,
    Request,
    Route,
    build_event,
    callers,
    function_name_from_uri,
    invoke_allowed,
    map_result,
    string_like,
)
from scribe_local.emulator.gateway.callers import Caller, CallersFile
from scribe_local.iam_evaluator import Evaluator

ROUTES = tuple(
    sorted(
        (Route.parse(key, "NONE", "fn") for key in ("POST /", "POST /{name+}", "POST /fixed/path")),
        key=lambda r: r.precedence,
    )
)
CONFIG = ApiConfig(api_id="abc123", stage="$default", routes=ROUTES, functions={})


def first_match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route in ROUTES:
        found = route.match(method, path)
        if found is not None:
            return route.key, found
    return None


def test_literal_routes_win_over_greedy_ones() -> None:
    assert first_match("POST", "/fixed/path") == ("POST /fixed/path", {})
    assert first_match("POST", "/") == ("POST /", {})
    assert first_match("POST", "/a/b.txt") == ("POST /{name+}", {"name": "a/b.txt"})


def test_path_parameters_are_percent_decoded_and_method_must_match() -> None:
    assert first_match("POST", "/a%2E%2E/b%20c") == ("POST /{name+}", {"name": "a../b c"})
    assert first_match("GET", "/a") is None
    assert first_match("POST", "") is None


def test_string_like_is_anchored_with_wildcards() -> None:
    assert string_like("arn:x/$default/POST/*", "arn:x/$default/POST/a/b")
    assert string_like("arn:x/$default/POST/", "arn:x/$default/POST/")
    assert not string_like("arn:x/$default/POST/", "arn:x/$default/POST/a")
    assert not string_like("arn:x/$default/POST/*", "arn:x/$default/GET/a")


def spec_with_policy(statements: list[dict[str, Any]]) -> FunctionSpec:
    return FunctionSpec(
        name="fn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
        role_arn="r",
        handler="h.h",
        runtime="python3.13",
        memory_mb=128,
        timeout_s=3,
        environment={},
        code_sha256="",
        log_group="/aws/lambda/fn",
        resource_policy={"Statement": statements},
    )


def statement(source_arn: str, service: str = "apigateway.amazonaws.com") -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "lambda:InvokeFunction",
        "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}},
    }


def test_invoke_needs_a_matching_permission() -> None:
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/notes/a.txt"
    assert not invoke_allowed(spec_with_policy([]), arn)
    assert invoke_allowed(spec_with_policy([statement(arn.rsplit("/", 2)[0] + "/*")]), arn)
    assert not invoke_allowed(spec_with_policy([statement(arn.replace("abc123", "other"))]), arn)
    assert not invoke_allowed(spec_with_policy([statement(arn, "s3.amazonaws.com")]), arn)


def test_integration_uri_names_the_function() -> None:
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:scribe-writer/invocations"
    )
    assert function_name_from_uri(uri) == "scribe-writer"


def event(headers: list[tuple[str, str]], body: bytes, query: str = "") -> dict[str, Any]:
    target = f"/a.txt?{query}" if query else "/a.txt"
    request = Request.parse("POST", target, headers, body, "127.0.0.1")
    return build_event(CONFIG, ROUTES[-1], {"name": "a.txt"}, request)


def test_event_is_payload_format_2() -> None:
    built = event(
        [("Content-Type", "text/plain"), ("X-Dup", "1"), ("x-dup", "2"), ("Cookie", "a=1; b=2")],
        b"hello",
        "overwrite=true&x=1&x=2",
    )
    assert built["version"] == "2.0"
    assert built["routeKey"] == "POST /{name+}"
    assert built["headers"]["x-dup"] == "1,2"
    assert "cookie" not in built["headers"]
    assert built["cookies"] == ["a=1", "b=2"]
    assert built["queryStringParameters"] == {"overwrite": "true", "x": "1,2"}
    assert built["rawQueryString"] == "overwrite=true&x=1&x=2"
    assert built["pathParameters"] == {"name": "a.txt"}
    assert (built["body"], built["isBase64Encoded"]) == ("hello", False)
    assert len(built["requestContext"]["requestId"]) == 16
    assert built["requestContext"]["http"]["method"] == "POST"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"hello"),
        ("text/plain", b"\xff\xfe"),
    ],
)
def test_binary_or_non_utf8_bodies_are_base64_encoded(content_type: str, body: bytes) -> None:
    built = event([("Content-Type", content_type)], body)
    assert built["isBase64Encoded"] is True
    assert base64.b64decode(built["body"]) == body


def test_empty_body_is_absent() -> None:
    assert "body" not in event([("Content-Type", "text/plain")], b"")


def test_results_map_like_api_gateway() -> None:
    proxied = map_result(
        {"statusCode": 201, "headers": {"Location": "s3://b/k"}, "body": '{"ok": true}'}, "req-1"
    )
    assert proxied.status == 201
    assert ("location", "s3://b/k") in proxied.headers
    assert json.loads(proxied.body) == {"ok": True}
    bare = map_result({"hello": "world"}, "req-1")
    assert (bare.status, json.loads(bare.body)) == (200, {"hello": "world"})
    assert map_result({"statusCode": "not a number"}, "req-1").status == 500
    binary = map_result(
        {
            "statusCode": 200,
            "isBase64Encoded": True,
            "body": base64.b64encode(b"\x00\x01").decode(),
        },
        "req-1",
    )
    assert binary.body == b"\x00\x01"


class StubFunction:
    """Stands in for LocalFunction: returns a payload or raises what it was given."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        self.events.append(event)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def close(self) -> None:
        pass


ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/"


def gateway_with(
    outcome: Any,
    authorization: str = "NONE",
    permissions: tuple[str, ...] = (ARN_PREFIX, ARN_PREFIX + "*"),
) -> Gateway:
    spec = spec_with_policy([statement(arn) for arn in permissions])
    routes = tuple(
        sorted(
            (Route.parse(k, authorization, "fn") for k in ("POST /", "POST /{name+}")),
            key=lambda r: r.precedence,
        )
    )
    config = ApiConfig(api_id="abc123", stage="$default", routes=routes, functions={"fn": spec})
    return Gateway(config, {"fn": StubFunction(outcome)})  # type: ignore[dict-item]


OK = {"statusCode": 201, "body": "{}"}


def test_function_errors_and_timeouts_are_500_like_api_gateway() -> None:
    for error_type in ("ValueError", "Sandbox.Timedout", "Runtime.OutOfMemory"):
        answer = gateway_with(FunctionError(error_type, "x")).handle("POST", "/a", [], b"x", "ip")
        assert (answer.status, json.loads(answer.body)) == (
            500,
            {"message": "Internal Server Error"},
        )


def test_missing_invoke_permission_is_500_and_never_reaches_the_function() -> None:
    gateway = gateway_with(OK, permissions=(ARN_PREFIX,))  # only the root route is allowed
    assert gateway.handle("POST", "/", [], b"x", "ip").status == 201
    assert gateway.handle("POST", "/named.txt", [], b"x", "ip").status == 500
    assert len(gateway.functions["fn"].events) == 1  # type: ignore[attr-defined]


def test_iam_routes_refuse_unsigned_requests_and_jwt_routes_need_a_token() -> None:
    """(JWT routes are tested in test_jwt.py; this one has no authorizer at all.)"""
    answer = gateway_with(OK, authorization="AWS_IAM").handle("POST", "/a", [], b"x", "ip")
    assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    answer = gateway_with(OK, authorization="JWT").handle("POST", "/a", [], b"x", "ip")
    assert (answer.status, json.loads(answer.body)) == (401, {"message": "Unauthorized"})


def test_a_disabled_execute_api_endpoint_refuses_everything() -> None:
    """disable_execute_api_endpoint: the gateway stands for that endpoint, which answers 403 to
    every request, a preflight included, and never reaches the function."""
    gateway = gateway_with(OK)
    gateway.config = dataclasses.replace(gateway.config, execute_api_endpoint_disabled=True)
    preflight = [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "POST")]
    for method, target, headers in (("POST", "/a", []), ("OPTIONS", "/a", preflight)):
        answer = gateway.handle(method, target, headers, b"", "ip")
        assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    assert gateway.functions["fn"].events == []  # type: ignore[attr-defined]


def test_answers_carry_an_api_gateway_request_id() -> None:
    answer = gateway_with(OK).handle("POST", "/a", [], b"x", "ip")
    request_ids = [v for k, v in answer.headers if k == "apigw-requestid"]
    assert len(request_ids) == 1


# --- AWS_IAM routes: SigV4 verified as API Gateway does ----------------------------------------

API_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123"


def allow(*resources: str, effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    statement = {"Effect": effect, "Action": "execute-api:Invoke", "Resource": list(resources)}
    return {"Version": "2012-10-17", "Statement": [{**statement, **extra}]}


INVOKE_ALL = {"user/c/invoke": allow(f"{API_ARN}/*")}
CALLER = Caller(
    "AKIDLOCALCALLER",
    "local-caller-secret",
    "arn:aws:iam::123456789012:user/c",
    policies=INVOKE_ALL,
)
HOST = "127.0.0.1:8080"
EVALUATOR = Evaluator()  # one Node process for the module's gateways


def signed(
    path: str,
    body: bytes,
    caller: Caller = CALLER,
    service: str = "execute-api",
    region: str = "us-east-1",
    extra: dict[str, str] | None = None,
    host: str = HOST,
) -> list[tuple[str, str]]:
    """Headers of a request signed by botocore, the signer every AWS SDK uses."""
    request = AWSRequest(
        method="POST",
        url=f"http://{host}{path}",
        data=body,
        headers={"Content-Type": "text/plain", **(extra or {})},
    )
    credentials = Credentials(caller.access_key_id, caller.secret_access_key, caller.session_token)
    SigV4Auth(credentials, service, region).add_auth(request)
    return [("Host", host), *request.headers.items()]


def iam_gateway(outcome: Any = OK) -> Gateway:
    gateway = gateway_with(outcome, authorization="AWS_IAM")
    gateway.callers = {CALLER.access_key_id: CALLER}
    gateway.hosts.add(HOST)  # where a GatewayServer would serve it
    gateway.evaluator = EVALUATOR
    return gateway


@pytest.mark.parametrize("path", ["/", "/notes/a.txt", "/notes/a%20b.txt?overwrite=true"])
def test_a_signed_request_reaches_the_function_with_its_identity(path: str) -> None:
    gateway = iam_gateway()
    answer = gateway.handle("POST", path, signed(path, b"hello"), b"hello", "ip")
    assert answer.status == 201, answer.body
    event_sent = gateway.functions["fn"].events[0]  # type: ignore[attr-defined]
    assert event_sent["requestContext"]["authorizer"]["iam"]["userArn"] == CALLER.arn


def test_temporary_credentials_need_their_session_token() -> None:
    temporary = Caller(
        "ASIATEMP",
        "temp-secret",
        "arn:aws:sts::123456789012:assumed-role/r/s",
        session_token="token-1",
        principal_arn="arn:aws:iam::123456789012:role/r",
        policies={"role/r/invoke": allow(f"{API_ARN}/$default/POST/*")},
    )
    gateway = iam_gateway()
    gateway.callers = {temporary.access_key_id: temporary}
    good = signed("/a", b"x", temporary)
    assert gateway.handle("POST", "/a", good, b"x", "ip").status == 201
    forged = [(k, "token-2" if k.lower() == "x-amz-security-token" else v) for k, v in good]
    assert gateway.handle("POST", "/a", forged, b"x", "ip").status == 403


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unsigned", "Forbidden"),
        ("unknown key", "The security token included in the request is invalid."),
        ("wrong secret", "The request signature we calculated does not match"),
        ("tampered body", "The request signature we calculated does not match"),
        ("other path", "The request signature we calculated does not match"),
        ("other service", "Credential should be scoped to a valid region and service."),
        ("other region", "Credential should be scoped to a valid region and service."),
        ("expired", "Signature expired."),
    ],
)
def test_unsigned_or_wrongly_signed_requests_are_403(case: str, message: str) -> None:
    gateway = iam_gateway()
    body, path = b"hello", "/notes/a.txt"
    headers = {
        "unsigned": [("Host", HOST), ("Content-Type", "text/plain")],
        "unknown key": signed(path, body, Caller("AKIDOTHER", "s", "arn:x")),
        "wrong secret": signed(path, body, Caller(CALLER.access_key_id, "guess", CALLER.arn)),
        "tampered body": signed(path, b"other body"),
        "other path": signed("/notes/b.txt", body),
        "other service": signed(path, body, service="s3"),
        "other region": signed(path, body, region="eu-west-1"),
        "expired": [
            (k, "20200101T000000Z" if k.lower() == "x-amz-date" else v)
            for k, v in signed(path, body)
        ],
    }[case]
    answer = gateway.handle("POST", path, headers, body, "ip")
    assert answer.status == 403
    assert json.loads(answer.body)["message"].startswith(message)
    assert gateway.functions["fn"].events == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "target",
    [
        "/notes/a.txt?x=a+b",  # botocore signs the + as sent
        "/notes/a.txt?b=2&a=1&a=0",
        "/notes//a.txt",
        "/notes/./a.txt",
        "/notes/a%20b.txt?q=%2B%20",
        "/notes/a.txt?flag",
    ],
)
def test_every_request_botocore_signs_is_accepted(target: str) -> None:
    gateway = iam_gateway()
    answer = gateway.handle("POST", target, signed(target, b"hello"), b"hello", "ip")
    assert answer.status == 201, answer.body


def test_a_signed_payload_hash_must_be_the_body_s() -> None:
    """A captured request whose signature covers x-amz-content-sha256 replays with another body:
    the hash is the body's own, so the replay is refused; the original is accepted."""
    body = b"the text that was signed"
    digest = hashlib.sha256(body).hexdigest()
    headers = signed("/notes/a.txt", body, extra={"X-Amz-Content-SHA256": digest})
    gateway = iam_gateway()
    assert gateway.handle("POST", "/notes/a.txt", headers, body, "ip").status == 201
    replay = gateway.handle("POST", "/notes/a.txt", headers, b"another text", "ip")
    assert replay.status == 403
    assert json.loads(replay.body)["message"].startswith("The request signature we calculated")
    unsigned = signed("/notes/a.txt", body, extra={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert gateway.handle("POST", "/notes/a.txt", unsigned, body, "ip").status == 403
    assert len(gateway.functions["fn"].events) == 1  # type: ignore[attr-defined]


def test_a_request_signed_for_another_host_is_refused() -> None:
    gateway = iam_gateway()
    other = signed("/notes/a.txt", b"x", host="other.execute-api.us-east-1.amazonaws.com")
    answer = gateway.handle("POST", "/notes/a.txt", other, b"x", "ip")
    assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    own = signed("/notes/a.txt", b"x", host="abc123.execute-api.us-east-1.amazonaws.com")
    assert gateway.handle("POST", "/notes/a.txt", own, b"x", "ip").status == 201


# --- AWS_IAM routes: the caller's own IAM policy, decided by the IAM evaluator --------------


def caller_with(policies: dict[str, Any], boundary: dict[str, Any] | None = None) -> Caller:
    return Caller(
        CALLER.access_key_id,
        CALLER.secret_access_key,
        CALLER.arn,
        None,
        CALLER.arn,
        policies,
        boundary,
    )


def status_as(caller: Caller, target: str, method: str = "POST") -> int:
    gateway = iam_gateway()
    gateway.callers = {caller.access_key_id: caller}
    headers = signed(target, b"x", caller)
    answer = gateway.handle(method, target, headers, b"x", "203.0.113.7")
    if answer.status == 403:
        assert json.loads(answer.body) == {"message": "Forbidden"}
        assert gateway.functions["fn"].events == []  # type: ignore[attr-defined]
    return answer.status


NOTES_ONLY = {"user/c/notes": allow(f"{API_ARN}/$default/POST/notes/*")}


@pytest.mark.parametrize(
    ("policies", "target", "status"),
    [
        (NOTES_ONLY, "/notes/a.txt", 201),
        (NOTES_ONLY, "/notes/deep/er/a.txt", 201),  # IAM's * spans /
        (NOTES_ONLY, "/other.txt", 403),
        (NOTES_ONLY, "/", 403),
        (NOTES_ONLY, "/notesx/a.txt", 403),
        ({}, "/notes/a.txt", 403),  # no identity policy: implicit deny
        (
            {"user/c/other-api": allow("arn:aws:execute-api:us-east-1:123456789012:zzz/*")},
            "/notes/a.txt",
            403,
        ),
        ({"user/c/other-stage": allow(f"{API_ARN}/prod/*")}, "/notes/a.txt", 403),
        ({"user/c/get-only": allow(f"{API_ARN}/*/GET/*")}, "/notes/a.txt", 403),
        (
            {**NOTES_ONLY, "user/c/deny": allow(f"{API_ARN}/*/*/notes/secret*", effect="Deny")},
            "/notes/secret.txt",
            403,
        ),
        (
            {**NOTES_ONLY, "user/c/deny": allow(f"{API_ARN}/*/*/notes/secret*", effect="Deny")},
            "/notes/public.txt",
            201,
        ),
        (
            {
                "user/c/from-ip": allow(
                    f"{API_ARN}/*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
                )
            },
            "/a.txt",
            201,
        ),
        (
            {
                "user/c/from-ip": allow(
                    f"{API_ARN}/*", Condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}
                )
            },
            "/a.txt",
            403,
        ),
        (
            {
                "user/c/tls": allow(
                    f"{API_ARN}/*", Condition={"Bool": {"aws:SecureTransport": "true"}}
                )
            },
            "/a.txt",
            201,
        ),
    ],
)
def test_the_caller_s_identity_policy_decides_the_invoke(
    policies: dict[str, Any], target: str, status: int
) -> None:
    assert status_as(caller_with(policies), target) == status


def test_the_permissions_boundary_must_allow_the_invoke_too() -> None:
    boundary = allow(f"{API_ARN}/$default/POST/public/*")
    assert status_as(caller_with(INVOKE_ALL, boundary), "/public/a.txt") == 201
    assert status_as(caller_with(INVOKE_ALL, boundary), "/notes/a.txt") == 403
    assert status_as(caller_with({}, boundary), "/public/a.txt") == 403


def test_a_caller_issued_while_the_gateway_runs_is_accepted(tmp_path: Path) -> None:
    gateway = iam_gateway()
    gateway.callers = {}
    gateway.callers_file = CallersFile(tmp_path / "callers.json")
    headers = signed("/notes/a.txt", b"x", CALLER)
    assert gateway.handle("POST", "/notes/a.txt", headers, b"x", "ip").status == 403
    callers.add(tmp_path / "callers.json", caller_with(NOTES_ONLY))
    assert gateway.handle("POST", "/notes/a.txt", headers, b"x", "ip").status == 201
    assert gateway.handle("POST", "/a.txt", signed("/a.txt", b"x"), b"x", "ip").status == 403
