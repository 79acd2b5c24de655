"""examples/: complete plans against moto with the values a consumer would pass; a missing bucket
fails the plan of existing-bucket. (existing-bucket and multi-tenant are applied: tests/apply.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tftest

from scribe_local.emulator.moto_server import MotoServer
from scribe_local.paths import REPO
from tests import terraform_harness as h

Resources = dict[str, dict[str, Any]]
MODULE = "examples/complete"  # module_tf: initialised once for its plans


def of_type(resources: Resources, kind: str) -> dict[str, dict[str, Any]]:
    """Planned resources of one type and name, e.g. "aws_lambda_function.this", in any module."""
    return {
        address: r
        for address, r in resources.items()
        if address.endswith(kind) or f".{kind}[" in address or address.startswith(f"{kind}[")
    }


def test_complete_sets_the_production_options(
    module_tf: tftest.TerraformTest, moto: MotoServer, package_zip: Path
) -> None:
    resources = h.plan_resources(module_tf, {"package_path": str(package_zip)})
    assert resources["aws_kms_key.texts"]["enable_key_rotation"] is True
    # The key's ARN is known after apply only, and so is the SSE rule that uses it.
    assert "module.bucket.aws_s3_bucket_server_side_encryption_configuration.this" in resources
    assert "module.bucket.aws_s3_bucket_policy.tls_only[0]" in resources  # TLS-only stays on
    function = resources["module.writer.aws_lambda_function.this"]
    # Unreserved unless asked: a reservation fails on an account with a low concurrency quota.
    assert function["reserved_concurrent_executions"] == -1
    assert function["environment"][0]["variables"]["MAX_BODY_BYTES"] == "262144"
    routes = of_type(resources, "aws_apigatewayv2_route.this")
    assert {r["authorization_type"] for r in routes.values()} == {"AWS_IAM"}
    stage = resources["module.api.aws_apigatewayv2_stage.default"]["default_route_settings"][0]
    assert (stage["throttling_burst_limit"], stage["throttling_rate_limit"]) == (100, 50)
    cors = resources["module.api.aws_apigatewayv2_api.this"]["cors_configuration"]
    assert cors == [
        {
            "allow_origins": ["https://app.example.com"],
            "allow_methods": ["POST"],
            "allow_headers": sorted(
                [
                    "content-type",
                    "authorization",
                    "x-amz-date",
                    "x-amz-security-token",
                    "x-amz-content-sha256",
                ]
            ),
            "expose_headers": ["location"],
            "max_age": 3600,
            "allow_credentials": None,
        }
    ]
    assert "aws_iam_policy.callers" in resources
    assert "module.writer.aws_iam_role_policy.this" in resources
    # Observability: tracing, encrypted log groups and topic, alarms, access logs.
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert resources["aws_kms_key.observability"]["enable_key_rotation"] is True
    # The key's ARN is known after apply: the groups and the topic refer to it.
    for group in (
        "module.writer.aws_cloudwatch_log_group.this",
        "module.api.aws_cloudwatch_log_group.access",
    ):
        assert "kms_key_id" not in resources[group]  # unknown until the key exists
    assert "module.writer.aws_sns_topic.alarms[0]" in resources
    assert not [a for a in resources if a.startswith("module.api.aws_sns_topic")]
    alarms = {
        r["alarm_name"]: r for r in of_type(resources, "aws_cloudwatch_metric_alarm.this").values()
    }
    alarms |= {
        r["alarm_name"]: r for r in of_type(resources, "aws_cloudwatch_metric_alarm.rate").values()
    }
    assert sorted(alarms) == sorted(
        [
            "scribe-complete-writer-errors",
            "scribe-complete-writer-throttles",
            "scribe-complete-writer-duration",
            "scribe-complete-api-5xx-rate",
            "scribe-complete-api-4xx-rate",
        ]
    )
    assert alarms["scribe-complete-writer-errors"]["threshold"] == 5
    assert alarms["scribe-complete-writer-duration"]["threshold"] == 22400  # 0.8 of 28 s, in ms
    assert alarms["scribe-complete-api-5xx-rate"]["threshold"] == 0.01
    assert alarms["scribe-complete-api-4xx-rate"]["threshold"] == 0.2
    logging = resources["module.bucket.aws_s3_bucket_logging.this[0]"]
    assert logging["target_bucket"] == "scribe-complete-logs-123456789012"
    assert (
        logging["target_prefix"] == f"s3/{function['environment'][0]['variables']['BUCKET_NAME']}/"
    )
    assert "module.log_bucket.aws_s3_bucket_policy.tls_only[0]" in resources


def test_complete_serves_the_api_on_a_dns_validated_domain(
    module_tf: tftest.TerraformTest, moto: MotoServer, package_zip: Path
) -> None:
    domain = {"name": "texts.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"}
    plan = h.plan(module_tf, {"package_path": str(package_zip), "domain": domain})
    resources = h.planned(plan)
    certificate = resources["module.api.aws_acm_certificate.domain[0]"]
    assert (certificate["domain_name"], certificate["validation_method"]) == (
        "texts.example.com",
        "DNS",
    )
    assert "module.api.aws_acm_certificate_validation.domain[0]" in resources
    served = resources["module.api.aws_apigatewayv2_domain_name.this[0]"]
    [configuration] = served["domain_name_configuration"]
    assert (configuration["endpoint_type"], configuration["security_policy"]) == (
        "REGIONAL",
        "TLS_1_2",
    )
    assert resources["module.api.aws_apigatewayv2_api_mapping.this[0]"]["api_mapping_key"] is None
    aliases = of_type(resources, "aws_route53_record.alias")
    assert sorted((r["type"], r["name"], r["zone_id"]) for r in aliases.values()) == [
        ("A", "texts.example.com", "Z0123456789ABCDEFGHIJ"),
        ("AAAA", "texts.example.com", "Z0123456789ABCDEFGHIJ"),
    ]
    # The example turns the execute-api endpoint off: api_url is the domain's.
    assert resources["module.api.aws_apigatewayv2_api.this"]["disable_execute_api_endpoint"]
    assert plan.outputs["api_url"] == "https://texts.example.com"


def test_existing_bucket_refuses_a_bucket_that_does_not_exist(
    tmp_path: Path, moto: MotoServer, plan_provider: dict[str, str]
) -> None:
    tf = h.module(tmp_path, "examples/existing-bucket", moto.url, plan_provider)
    values = {"region": "us-east-1", "bucket_name": "no-such-bucket", "package_path": "x.zip"}
    error = h.plan_error(tf, values)
    assert "no-such-bucket" in error
    assert "reading S3 Bucket (no-such-bucket)" in error


@pytest.mark.parametrize("example", ["complete", "existing-bucket", "multi-tenant"])
def test_readme_shows_the_git_ref_source_of_every_module_the_example_calls(example: str) -> None:
    """The .tf files use relative paths (tested); the README shows what a consumer writes."""
    folder = REPO / "examples" / example
    text = "\n".join(p.read_text() for p in folder.glob("*.tf"))
    modules = {
        line.split("modules/")[1].rstrip('"')
        for line in text.splitlines()
        if line.strip().startswith('source = "../../modules/')
    }
    readme = (folder / "README.md").read_text()
    assert modules
    for name in modules:
        assert f"//modules/{name}?ref=v" in readme, f"{example}: README lacks the git ref of {name}"
