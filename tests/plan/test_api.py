"""modules/api: routes, integration, stage and the scoped invoke permission, read from the plan."""

from __future__ import annotations

import json
from typing import Any

import pytest
import tftest

from tests import terraform_harness as h

MODULE = "modules/api"
INPUTS = {
    "name": "scribe-plan-api",
    "function_name": "scribe-plan-writer",
    "function_invoke_arn": (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:scribe-plan-writer/invocations"
    ),
}
ROUTES = ("POST /", "POST /{name+}")


@pytest.fixture(scope="module")
def defaults(module_tf: tftest.TerraformTest) -> dict[str, dict[str, Any]]:
    return h.plan_resources(module_tf, INPUTS)


def test_http_api_without_custom_domain(defaults: dict[str, dict[str, Any]]) -> None:
    assert defaults["aws_apigatewayv2_api.this"]["protocol_type"] == "HTTP"
    assert not [a for a in defaults if "domain_name" in a]


def test_exactly_two_post_routes_requiring_iam_by_default(
    defaults: dict[str, dict[str, Any]],
) -> None:
    routes = {a: r for a, r in defaults.items() if a.startswith("aws_apigatewayv2_route.")}
    assert sorted(r["route_key"] for r in routes.values()) == sorted(ROUTES)
    assert {r["authorization_type"] for r in routes.values()} == {"AWS_IAM"}


def test_lambda_proxy_integration_payload_2(defaults: dict[str, dict[str, Any]]) -> None:
    integration = defaults["aws_apigatewayv2_integration.lambda"]
    assert integration["integration_type"] == "AWS_PROXY"
    assert integration["payload_format_version"] == "2.0"
    assert integration["integration_uri"] == INPUTS["function_invoke_arn"]


def test_default_stage_auto_deploys_with_throttling(defaults: dict[str, dict[str, Any]]) -> None:
    stage = defaults["aws_apigatewayv2_stage.default"]
    assert stage["name"] == "$default"
    assert stage["auto_deploy"] is True
    settings = stage["default_route_settings"][0]
    assert (settings["throttling_burst_limit"], settings["throttling_rate_limit"]) == (50, 25)


def test_access_logs_are_json_to_a_group_with_retention(
    defaults: dict[str, dict[str, Any]],
) -> None:
    group = defaults["aws_cloudwatch_log_group.access"]
    assert group["name"] == "/aws/apigateway/scribe-plan-api"
    assert group["retention_in_days"] == 30
    log_format = json.loads(
        defaults["aws_apigatewayv2_stage.default"]["access_log_settings"][0]["format"]
    )
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"
    assert log_format["integrationError"] == "$context.integrationErrorMessage"


def test_invoke_permission_per_route(defaults: dict[str, dict[str, Any]]) -> None:
    permissions = {a: p for a, p in defaults.items() if a.startswith("aws_lambda_permission.")}
    assert len(permissions) == 2
    for permission in permissions.values():
        assert permission["principal"] == "apigateway.amazonaws.com"
        assert permission["action"] == "lambda:InvokeFunction"
        assert permission["function_name"] == INPUTS["function_name"]
    assert sorted(p["statement_id"] for p in permissions.values()) == [
        "AllowPostName",
        "AllowPostRoot",
    ]


def test_public_api_only_when_asked(module_tf: tftest.TerraformTest) -> None:
    resources = h.plan_resources(
        module_tf,
        {**INPUTS, "authorization_type": "NONE", "throttling": {"burst_limit": 5, "rate_limit": 2}},
    )
    routes = [r for a, r in resources.items() if a.startswith("aws_apigatewayv2_route.")]
    assert {r["authorization_type"] for r in routes} == {"NONE"}
    settings = resources["aws_apigatewayv2_stage.default"]["default_route_settings"][0]
    assert (settings["throttling_burst_limit"], settings["throttling_rate_limit"]) == (5, 2)


def test_jwt_authorizer_option(module_tf: tftest.TerraformTest) -> None:
    jwt = {
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
        "audience": ["client-1", "client-2"],
        "scopes": ["scribe/write"],
    }
    resources = h.plan_resources(
        module_tf, {**INPUTS, "authorization_type": "JWT", "jwt_authorizer": jwt}
    )
    authorizer = resources["aws_apigatewayv2_authorizer.jwt[0]"]
    assert authorizer["authorizer_type"] == "JWT"
    assert authorizer["identity_sources"] == ["$request.header.Authorization"]
    assert authorizer["jwt_configuration"] == [
        {"issuer": jwt["issuer"], "audience": jwt["audience"]}
    ]
    routes = [r for a, r in resources.items() if a.startswith("aws_apigatewayv2_route.")]
    assert len(routes) == 2
    for route in routes:
        assert route["authorization_type"] == "JWT"
        assert route["authorization_scopes"] == ["scribe/write"]


def test_no_jwt_authorizer_unless_asked(defaults: dict[str, dict[str, Any]]) -> None:
    assert not [a for a in defaults if "authorizer" in a]
    routes = [r for a, r in defaults.items() if a.startswith("aws_apigatewayv2_route.")]
    assert all(r["authorization_scopes"] is None for r in routes)


def test_no_cors_unless_asked(defaults: dict[str, dict[str, Any]]) -> None:
    assert defaults["aws_apigatewayv2_api.this"]["cors_configuration"] == []


def test_cors_option(module_tf: tftest.TerraformTest) -> None:
    cors = {
        "allow_origins": ["https://app.example.com", "http://localhost:3000"],
        "allow_methods": ["POST"],
        "allow_headers": ["content-type", "x-amz-date"],
        "expose_headers": ["location"],
        "max_age": 600,
        "allow_credentials": True,
    }
    resources = h.plan_resources(module_tf, {**INPUTS, "cors": cors})
    assert resources["aws_apigatewayv2_api.this"]["cors_configuration"] == [
        {
            "allow_origins": ["http://localhost:3000", "https://app.example.com"],  # a set
            "allow_methods": ["POST"],
            "allow_headers": ["content-type", "x-amz-date"],
            "expose_headers": ["location"],
            "max_age": 600,
            "allow_credentials": True,
        }
    ]
    # CORS changes the API only: routes and their authorization stay as they are.
    routes = [r for a, r in resources.items() if a.startswith("aws_apigatewayv2_route.")]
    assert {r["authorization_type"] for r in routes} == {"AWS_IAM"}


def test_cors_attributes_left_out_are_not_sent(module_tf: tftest.TerraformTest) -> None:
    resources = h.plan_resources(module_tf, {**INPUTS, "cors": {"allow_origins": ["*"]}})
    assert resources["aws_apigatewayv2_api.this"]["cors_configuration"] == [
        {
            "allow_origins": ["*"],
            "allow_methods": None,
            "allow_headers": None,
            "expose_headers": None,
            "max_age": None,
            "allow_credentials": None,
        }
    ]
