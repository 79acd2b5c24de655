"""CORS in the local gateway, as an HTTP API applies its CORS configuration (cors.py cites AWS):
the API answers preflights itself, before any authorization, and puts the configured headers on
the function's responses in place of its own."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from scribe_local.emulator.gateway import Gateway, cors
from scribe_local.emulator.gateway.cors import CorsConfig
from scribe_local.emulator.gateway.routes import Route, load_api
from scribe_local.emulator.moto_server import MotoServer, moto_client
from scribe_local.stack import jwt_api_settings
from scribe_local.terraform.workdir import load_test_api
from tests.local.test_gateway import CALLER, HOST, iam_gateway, signed
from tests.local.test_moto_server import tiny_zip

APP = "http://localhost:3000"
SIGV4_HEADERS = (
    "content-type",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
)
# What envs/local.tfvars configures (and GetApi answers for it).
LOCAL = CorsConfig(
    allow_origins=(APP,), allow_methods=("POST",), allow_headers=SIGV4_HEADERS, max_age=300
)
BROWSER_PREFLIGHT = [
    ("Host", HOST),
    ("Origin", APP),
    ("Access-Control-Request-Method", "POST"),
    ("Access-Control-Request-Headers", "authorization,content-type,x-amz-date"),
]


def cors_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {n.lower(): v for n, v in headers if n.lower().startswith("access-control-")}


def lowered(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in pairs}


# --- cors.py on its own -----------------------------------------------------------------------


def test_get_api_s_configuration_is_read_and_its_absence_is_no_cors() -> None:
    answer = {
        "CorsConfiguration": {
            "AllowOrigins": [APP],
            "AllowMethods": ["POST"],
            "AllowHeaders": ["content-type"],
            "ExposeHeaders": ["location"],
            "MaxAge": 600,
            "AllowCredentials": True,
        }
    }
    assert CorsConfig.from_api(answer) == CorsConfig(
        (APP,), ("POST",), ("content-type",), ("location",), 600, True
    )
    assert CorsConfig.from_api({"Name": "no-cors"}) is None
    assert CorsConfig.from_api({"CorsConfiguration": {"AllowOrigins": ["*"]}}) == CorsConfig(
        allow_origins=("*",)
    )


def test_a_preflight_needs_options_an_origin_and_a_requested_method() -> None:
    both = {"origin": APP, "access-control-request-method": "POST"}
    assert cors.is_preflight("OPTIONS", both)
    assert not cors.is_preflight("OPTIONS", {"origin": APP})
    assert not cors.is_preflight("OPTIONS", {"access-control-request-method": "POST"})
    assert not cors.is_preflight("POST", both)


def test_an_allowed_preflight_gets_the_configured_headers() -> None:
    request = lowered(BROWSER_PREFLIGHT)
    assert cors.preflight_headers(LOCAL, request) == [
        ("access-control-allow-origin", APP),
        ("access-control-allow-methods", "POST"),
        ("access-control-allow-headers", ",".join(SIGV4_HEADERS)),
        ("access-control-max-age", "300"),
    ]
    with_credentials = CorsConfig((APP,), ("POST",), allow_credentials=True)
    simple = {"origin": APP, "access-control-request-method": "POST"}  # no requested headers
    answer = dict(cors.preflight_headers(with_credentials, simple))
    assert answer["access-control-allow-credentials"] == "true"
    assert "access-control-max-age" not in answer  # not configured: not sent
    assert "access-control-allow-headers" not in answer


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"origin": "http://localhost:3001"}, "another port"),
        ({"origin": "https://localhost:3000"}, "another scheme"),
        ({"origin": "http://localhost:3000.evil.example"}, "a longer host"),
        ({"origin": "null"}, "an opaque origin"),
        ({"access-control-request-method": "PUT"}, "a method not allowed"),
        ({"access-control-request-headers": "content-type,x-secret"}, "a header not allowed"),
    ],
)
def test_a_preflight_not_allowed_gets_no_cors_header(change: dict[str, str], why: str) -> None:
    assert cors.preflight_headers(LOCAL, {**lowered(BROWSER_PREFLIGHT), **change}) == [], why


def test_origins_headers_and_methods_match_case_insensitively() -> None:
    request = {
        "origin": "HTTP://LocalHost:3000",
        "access-control-request-method": "post",
        "access-control-request-headers": "Content-Type, X-Amz-Date",
    }
    answer = dict(cors.preflight_headers(LOCAL, request))
    assert answer["access-control-allow-origin"] == "HTTP://LocalHost:3000"  # as sent


def test_a_star_allows_any_origin_method_and_header() -> None:
    anything = CorsConfig(("*",), ("*",), ("*",))
    request = {
        "origin": "https://anywhere.example",
        "access-control-request-method": "DELETE",
        "access-control-request-headers": "x-whatever",
    }
    assert cors.preflight_headers(anything, request) == [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-methods", "*"),
        ("access-control-allow-headers", "*"),
    ]


def test_integration_headers_are_replaced_only_when_cors_is_configured() -> None:
    from_function = [
        ("content-type", "application/json"),
        ("Access-Control-Allow-Origin", "*"),
        ("access-control-allow-credentials", "true"),
    ]
    assert cors.integration_headers(None, {"origin": APP}, from_function) == from_function
    exposing = CorsConfig((APP,), ("POST",), expose_headers=("location",))
    assert cors.integration_headers(exposing, {"origin": APP}, from_function) == [
        ("content-type", "application/json"),
        ("access-control-allow-origin", APP),
        ("access-control-expose-headers", "location"),
    ]
    other = cors.integration_headers(exposing, {"origin": "https://evil.example"}, from_function)
    assert other == [("content-type", "application/json")]
    assert cors.integration_headers(exposing, {}, from_function) == other  # no Origin


def test_the_summary_names_what_a_browser_may_do() -> None:
    assert LOCAL.summary() == (
        "origins http://localhost:3000; methods POST; headers "
        "content-type, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256; "
        "preflight cached 300 s"
    )


# --- through the gateway ----------------------------------------------------------------------

OK_WITH_CORS = {
    "statusCode": 201,
    "headers": {"Location": "s3://b/k", "Access-Control-Allow-Origin": "*"},
    "body": "{}",
}


def cors_gateway(config: CorsConfig | None = LOCAL, outcome: Any = OK_WITH_CORS) -> Gateway:
    """The AWS_IAM gateway of test_gateway.py with this CORS configuration."""
    gateway = iam_gateway(outcome)
    gateway.config = dataclasses.replace(gateway.config, cors=config)
    return gateway


def test_a_browser_preflight_is_answered_by_the_api_before_authorization() -> None:
    """Unsigned, as browsers send preflights: 204 with the configured headers; the caller check
    and the function never see it."""
    gateway = cors_gateway()
    answer = gateway.handle("OPTIONS", "/notes/a.txt", BROWSER_PREFLIGHT, b"", "ip")
    assert (answer.status, answer.body) == (204, b"")
    assert cors_headers(answer.headers) == {
        "access-control-allow-origin": APP,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": ",".join(SIGV4_HEADERS),
        "access-control-max-age": "300",
    }
    assert len([v for k, v in answer.headers if k == "apigw-requestid"]) == 1
    assert gateway.functions["fn"].events == []  # type: ignore[attr-defined]


def test_without_cors_a_preflight_gets_no_route_404_and_no_cors_header() -> None:
    answer = cors_gateway(config=None).handle(
        "OPTIONS", "/notes/a.txt", BROWSER_PREFLIGHT, b"", "ip"
    )
    assert (answer.status, json.loads(answer.body)) == (404, {"message": "Not Found"})
    assert cors_headers(answer.headers) == {}


def test_a_disallowed_origin_s_preflight_gets_no_cors_header() -> None:
    evil = [(k, "https://evil.example" if k == "Origin" else v) for k, v in BROWSER_PREFLIGHT]
    answer = cors_gateway().handle("OPTIONS", "/notes/a.txt", evil, b"", "ip")
    assert answer.status == 204
    assert cors_headers(answer.headers) == {}


def test_an_options_request_that_is_no_preflight_still_has_no_route() -> None:
    plain = [("Host", HOST), ("Origin", APP)]  # no Access-Control-Request-Method
    answer = cors_gateway().handle("OPTIONS", "/notes/a.txt", plain, b"", "ip")
    assert answer.status == 404
    assert cors_headers(answer.headers) == {}


def test_an_unsigned_post_is_still_403_and_carries_no_cors_header() -> None:
    gateway = cors_gateway()
    headers = [("Host", HOST), ("Origin", APP), ("Content-Type", "text/plain")]
    answer = gateway.handle("POST", "/notes/a.txt", headers, b"x", "ip")
    assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})
    assert cors_headers(answer.headers) == {}
    assert gateway.functions["fn"].events == []  # type: ignore[attr-defined]


def test_a_signed_post_from_an_allowed_origin_gets_the_configured_allow_origin() -> None:
    """The function's own Access-Control-Allow-Origin: * is replaced by the configured answer."""
    gateway = cors_gateway()
    headers = signed("/notes/a.txt", b"hello", CALLER, extra={"Origin": APP})
    answer = gateway.handle("POST", "/notes/a.txt", headers, b"hello", "ip")
    assert answer.status == 201, answer.body
    assert cors_headers(answer.headers) == {"access-control-allow-origin": APP}
    assert ("location", "s3://b/k") in answer.headers
    other = signed("/notes/b.txt", b"hello", CALLER, extra={"Origin": "https://evil.example"})
    denied_origin = gateway.handle("POST", "/notes/b.txt", other, b"hello", "ip")
    assert denied_origin.status == 201  # CORS is for browsers: the API still serves the request
    assert cors_headers(denied_origin.headers) == {}


def test_without_cors_the_function_s_headers_pass_unchanged() -> None:
    gateway = cors_gateway(config=None)
    headers = signed("/notes/a.txt", b"hello", CALLER, extra={"Origin": APP})
    answer = gateway.handle("POST", "/notes/a.txt", headers, b"hello", "ip")
    assert cors_headers(answer.headers) == {"access-control-allow-origin": "*"}


def test_a_route_that_takes_options_wins_over_the_automatic_answer() -> None:
    """AWS: "The $default route catches requests for all methods and routes that you haven't
    explicitly defined, including OPTIONS requests": its authorization applies to the preflight."""
    gateway = cors_gateway()
    default = Route.parse("$default", "AWS_IAM", "fn")
    routes = tuple(sorted((*gateway.config.routes, default), key=lambda r: r.precedence))
    gateway.config = dataclasses.replace(gateway.config, routes=routes)
    answer = gateway.handle("OPTIONS", "/notes/a.txt", BROWSER_PREFLIGHT, b"", "ip")
    assert (answer.status, json.loads(answer.body)) == (403, {"message": "Forbidden"})


def test_load_api_reads_the_cors_configuration_from_moto(moto: MotoServer) -> None:
    """moto 5.2.5 stores CreateApi's CorsConfiguration and answers it in GetApi, as AWS does."""
    role = moto_client("iam", moto.url).create_role(
        RoleName="cors-fn", AssumeRolePolicyDocument="{}"
    )
    function = moto_client("lambda", moto.url).create_function(
        FunctionName="cors-fn",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    apis = moto_client("apigatewayv2", moto.url)
    ids: dict[str, str] = {}
    for name, extra in (
        (
            "with-cors",
            {"CorsConfiguration": {"AllowOrigins": [APP], "AllowMethods": ["POST"], "MaxAge": 300}},
        ),
        ("without-cors", {}),
    ):
        api_id = apis.create_api(Name=name, ProtocolType="HTTP", **extra)["ApiId"]
        integration = apis.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=function["FunctionArn"],
            PayloadFormatVersion="2.0",
        )
        apis.create_route(
            ApiId=api_id, RouteKey="POST /", Target=f"integrations/{integration['IntegrationId']}"
        )
        apis.create_stage(ApiId=api_id, StageName="$default")
        ids[name] = api_id
    assert load_api(moto.url, ids["with-cors"]).cors == CorsConfig((APP,), ("POST",), max_age=300)
    assert load_api(moto.url, ids["without-cors"]).cors is None


def test_the_local_stack_s_other_api_settings_keep_the_cors_of_envs_local() -> None:
    """make up AUTH=jwt and the apply tests' load settings replace the api object: both carry
    envs/local.tfvars' CORS over, with its strings as written."""
    expected = {
        "allow_origins": [APP],
        "allow_methods": ["POST"],
        "allow_headers": list(SIGV4_HEADERS),
        "max_age": 300,
    }
    assert jwt_api_settings("https://127.0.0.1:8443")["cors"] == expected
    assert load_test_api()["cors"] == expected
