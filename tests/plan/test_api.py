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
    assert not [a for a in defaults if "acm" in a or "route53" in a or "api_mapping" in a]
    # The execute-api endpoint stays on, as it was before the domain input existed.
    assert defaults["aws_apigatewayv2_api.this"]["disable_execute_api_endpoint"] is False


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
    assert group["name"] == "/aws/vendedlogs/apigateway/scribe-plan-api"
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


def test_no_access_log_key_and_no_alarms_unless_asked(defaults: dict[str, dict[str, Any]]) -> None:
    assert defaults["aws_cloudwatch_log_group.access"]["kms_key_id"] is None
    assert not [a for a in defaults if "alarm" in a or "sns" in a]


LOG_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TOPIC = "arn:aws:sns:us-east-1:123456789012:on-call"


def test_access_log_key_and_error_rate_alarms(module_tf: tftest.TerraformTest) -> None:
    alarms = {"server_error_rate": 0.02, "client_error_rate": 0.25, "topic_arn": TOPIC}
    plan = h.plan(module_tf, {**INPUTS, "access_log_kms_key_arn": LOG_KEY, "alarms": alarms})
    resources = h.planned(plan)
    assert resources["aws_cloudwatch_log_group.access"]["kms_key_id"] == LOG_KEY
    assert not [a for a in resources if a.startswith("aws_sns_topic")]
    rates = {
        a.split('"')[1]: r
        for a, r in resources.items()
        if a.startswith("aws_cloudwatch_metric_alarm.rate[")
    }
    assert set(rates) == {"5xx-rate", "4xx-rate"}
    for suffix, (metric, share) in {"5xx-rate": ("5xx", 0.02), "4xx-rate": ("4xx", 0.25)}.items():
        alarm = rates[suffix]
        assert alarm["alarm_name"] == f"{INPUTS['name']}-{suffix}"
        assert alarm["threshold"] == share
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert alarm["evaluation_periods"] == 1
        assert alarm["treat_missing_data"] == "notBreaching"
        assert alarm["alarm_actions"] == [TOPIC]
        assert alarm["ok_actions"] == [TOPIC]
        queries = {q["id"]: q for q in alarm["metric_query"]}
        assert queries["rate"]["expression"] == "errors / requests"
        assert queries["rate"]["return_data"] is True
        # The API id is known after apply: the metrics' other fields are planned.
        for query_id, metric_name in (("errors", metric), ("requests", "Count")):
            [planned_metric] = queries[query_id]["metric"]
            assert planned_metric["namespace"] == "AWS/ApiGateway"
            assert planned_metric["metric_name"] == metric_name
            assert (planned_metric["period"], planned_metric["stat"]) == (300, "Sum")
    assert plan.outputs["alarm_topic_arn"] == TOPIC
    # The dimensions name the API and the $default stage (the id is unknown until apply).
    config = plan.configuration["root_module"]["resources"]
    alarm_config = next(r for r in config if r["address"] == "aws_cloudwatch_metric_alarm.rate")
    metric_queries = alarm_config["expressions"]["metric_query"]
    dimensions = [q["metric"][0]["dimensions"] for q in metric_queries if "metric" in q]
    assert len(dimensions) == 2
    for dimension in dimensions:
        assert "aws_apigatewayv2_api.this.id" in dimension["references"]
        assert "local.stage_name" in dimension["references"]


def test_alarms_to_a_created_encrypted_topic(module_tf: tftest.TerraformTest) -> None:
    alarms = {"create_topic": True, "topic_kms_key_arn": LOG_KEY}
    resources = h.plan_resources(module_tf, {**INPUTS, "alarms": alarms})
    topic = resources["aws_sns_topic.alarms[0]"]
    assert topic["name"] == f"{INPUTS['name']}-alarms"
    assert topic["kms_master_key_id"] == LOG_KEY
    thresholds = sorted(
        r["threshold"] for a, r in resources.items() if a.startswith("aws_cloudwatch_metric_alarm.")
    )
    assert thresholds == [0.01, 0.1]  # the defaults: 1% 5xx, 10% 4xx


def test_alarms_need_exactly_one_topic(module_tf: tftest.TerraformTest) -> None:
    error = h.plan_error(module_tf, {**INPUTS, "alarms": {"server_error_rate": 0.05}})
    assert "alarms needs exactly one topic" in error


ZONE_ID = "Z0123456789ABCDEFGHIJ"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def test_dns_validated_domain(module_tf: tftest.TerraformTest) -> None:
    domain = {
        "name": "texts.example.com",
        "hosted_zone_id": ZONE_ID,
        "api_mapping_key": "texts/v1",
        "disable_execute_api_endpoint": True,
    }
    plan = h.plan(module_tf, {**INPUTS, "domain": domain})
    resources = h.planned(plan)
    certificate = resources["aws_acm_certificate.domain[0]"]
    assert (certificate["domain_name"], certificate["validation_method"]) == (
        "texts.example.com",
        "DNS",
    )
    validation_record = resources["aws_route53_record.certificate_validation[0]"]
    assert (validation_record["zone_id"], validation_record["ttl"]) == (ZONE_ID, 60)
    assert "aws_acm_certificate_validation.domain[0]" in resources
    served = resources["aws_apigatewayv2_domain_name.this[0]"]
    assert served["domain_name"] == "texts.example.com"
    [configuration] = served["domain_name_configuration"]
    assert (configuration["endpoint_type"], configuration["security_policy"]) == (
        "REGIONAL",
        "TLS_1_2",
    )
    assert resources["aws_apigatewayv2_api_mapping.this[0]"]["api_mapping_key"] == "texts/v1"
    for kind in ("A", "AAAA"):
        record = resources[f'aws_route53_record.alias["{kind}"]']
        assert (record["zone_id"], record["name"], record["type"]) == (
            ZONE_ID,
            "texts.example.com",
            kind,
        )
        assert record["alias"][0]["evaluate_target_health"] is False
    assert resources["aws_apigatewayv2_api.this"]["disable_execute_api_endpoint"] is True
    assert plan.outputs["domain_url"] == "https://texts.example.com/texts/v1"
    assert plan.outputs["api_url"] == "https://texts.example.com/texts/v1"
    # The domain takes the certificate only from its validation (issued), never the request.
    config = plan.configuration["root_module"]["resources"]
    domain_config = next(r for r in config if r["address"] == "aws_apigatewayv2_domain_name.this")
    certificate_refs = domain_config["expressions"]["domain_name_configuration"][0][
        "certificate_arn"
    ]["references"]
    assert "local.domain_certificate_arn" in certificate_refs


def test_domain_with_an_existing_certificate(module_tf: tftest.TerraformTest) -> None:
    plan = h.plan(
        module_tf,
        {**INPUTS, "domain": {"name": "texts.example.com", "certificate_arn": CERTIFICATE}},
    )
    resources = h.planned(plan)
    assert not [a for a in resources if "acm" in a or "route53" in a]
    [configuration] = resources["aws_apigatewayv2_domain_name.this[0]"]["domain_name_configuration"]
    assert configuration["certificate_arn"] == CERTIFICATE
    assert resources["aws_apigatewayv2_api_mapping.this[0]"]["api_mapping_key"] is None
    assert resources["aws_apigatewayv2_api.this"]["disable_execute_api_endpoint"] is False
    assert plan.outputs["certificate_arn"] == CERTIFICATE
    assert plan.outputs["domain_url"] == "https://texts.example.com"


def test_domain_needs_a_certificate_or_a_zone(module_tf: tftest.TerraformTest) -> None:
    error = h.plan_error(module_tf, {**INPUTS, "domain": {"name": "texts.example.com"}})
    assert "domain needs a certificate" in error
