"""Each env file plans the whole root, and differs from the others where a team would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tftest

from scribe_local.terraform.envs import env_values
from tests import terraform_harness as h

# env -> (force_destroy, TLS-only policy, log retention, API authorization, burst, rate)
EXPECTED = {
    "local": (True, False, 1, "AWS_IAM", 20, 10),
    "dev": (True, True, 14, "AWS_IAM", 20, 10),
    "prod": (False, True, 365, "AWS_IAM", 200, 100),
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def env_plan(
    request: pytest.FixtureRequest, root_tf: tftest.TerraformTest, package_zip: Path
) -> tuple[str, dict[str, dict[str, Any]]]:
    env: str = request.param
    resources = h.plan_resources(
        root_tf, {"package_path": str(package_zip)}, tf_var_file=f"envs/{env}.tfvars"
    )
    return env, resources


def test_env_plans_the_whole_stack(env_plan: tuple[str, dict[str, dict[str, Any]]]) -> None:
    env, resources = env_plan
    function = resources["module.writer.aws_lambda_function.this"]
    assert function["function_name"] == f"scribe-{env}-writer"
    assert function["memory_size"] == 128
    assert resources["module.api.aws_apigatewayv2_api.this"]["name"] == f"scribe-{env}-api"
    assert "module.bucket.aws_s3_bucket_public_access_block.this" in resources
    assert (
        resources["module.bucket.aws_s3_bucket_versioning.this"]["versioning_configuration"][0][
            "status"
        ]
        == "Enabled"
    )


def test_env_specific_settings(env_plan: tuple[str, dict[str, dict[str, Any]]]) -> None:
    env, resources = env_plan
    force_destroy, tls_only, retention, authorization, burst, rate = EXPECTED[env]
    assert resources["module.bucket.aws_s3_bucket.this"]["force_destroy"] is force_destroy
    assert ("module.bucket.aws_s3_bucket_policy.tls_only[0]" in resources) is tls_only
    assert (
        resources["module.writer.aws_cloudwatch_log_group.this"]["retention_in_days"] == retention
    )
    assert resources["module.api.aws_cloudwatch_log_group.access"]["retention_in_days"] == retention
    routes = [r for a, r in resources.items() if a.startswith("module.api.aws_apigatewayv2_route.")]
    assert {r["authorization_type"] for r in routes} == {authorization}
    settings = resources["module.api.aws_apigatewayv2_stage.default"]["default_route_settings"][0]
    assert (settings["throttling_burst_limit"], settings["throttling_rate_limit"]) == (burst, rate)


def test_every_resource_is_tagged_with_stack_and_env(
    env_plan: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    env, resources = env_plan
    tagged = {a: r["tags_all"] for a, r in resources.items() if r and "tags_all" in r}
    assert len(tagged) >= 6
    for address, tags in tagged.items():
        assert tags.get("Stack") == f"scribe-{env}", address
        assert tags.get("Environment") == env, address


# env -> the API's CORS configuration as planned: local only (a browser app on localhost:3000);
# dev and prod leave cors out, so their APIs keep no CORS configuration.
LOCAL_CORS = {
    "allow_origins": ["http://localhost:3000"],
    "allow_methods": ["POST"],
    "allow_headers": [
        "authorization",
        "content-type",
        "x-amz-content-sha256",
        "x-amz-date",
        "x-amz-security-token",
    ],
    "expose_headers": None,
    "max_age": 300,
    "allow_credentials": None,
}
CORS = {"local": [LOCAL_CORS], "dev": [], "prod": []}


def test_env_cors(env_plan: tuple[str, dict[str, dict[str, Any]]]) -> None:
    env, resources = env_plan
    assert resources["module.api.aws_apigatewayv2_api.this"]["cors_configuration"] == CORS[env]


# env -> reserved concurrency as planned (-1: unreserved, the module's null).
RESERVED = {"local": -1, "dev": 5, "prod": 50}


def test_env_plan_gets_the_module_defaults(
    env_plan: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    """The env files set none of these: the plan holds the modules' defaults, exactly the values
    the root's optional() attributes used to restate (no default lives in the root any more)."""
    env, resources = env_plan
    function = resources["module.writer.aws_lambda_function.this"]
    assert (function["timeout"], function["memory_size"]) == (28, 128)
    assert (function["runtime"], function["architectures"]) == ("python3.13", ["arm64"])
    assert function["handler"] == "scribe.apigw.handler"
    assert function["reserved_concurrent_executions"] == RESERVED[env]
    variables = function["environment"][0]["variables"]
    assert (variables["KEY_PREFIX"], variables["MAX_BODY_BYTES"]) == ("incoming/", "1048576")
    assert not any(a.startswith("module.api.aws_apigatewayv2_authorizer.") for a in resources)
    encryption = resources["module.bucket.aws_s3_bucket_server_side_encryption_configuration.this"]
    rule = encryption["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert rule["sse_algorithm"] == "AES256"


def test_env_plan_has_no_observability_option(
    env_plan: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    """No env file sets tracing, log keys, alarms or access logging: their resources are exactly
    what they were before these inputs existed (no tracing block, no X-Ray grant, unencrypted
    log groups, no alarm, topic or bucket logging)."""
    _, resources = env_plan
    assert "tracing_config" not in resources["module.writer.aws_lambda_function.this"]
    assert "xray" not in resources["module.writer.aws_iam_role_policy.this"]["policy"]
    assert resources["module.writer.aws_cloudwatch_log_group.this"]["kms_key_id"] is None
    assert resources["module.api.aws_cloudwatch_log_group.access"]["kms_key_id"] is None
    added = [a for a in resources if "alarm" in a or "sns" in a or "bucket_logging" in a]
    assert added == []


def test_env_plan_has_no_domain(env_plan: tuple[str, dict[str, dict[str, Any]]]) -> None:
    """No env file sets api.domain: no certificate, record, domain or mapping, and the API keeps
    its execute-api endpoint (disable_execute_api_endpoint false, as before the input existed)."""
    _, resources = env_plan
    added = [a for a in resources if "acm" in a or "route53" in a or "domain_name" in a]
    assert added + [a for a in resources if "api_mapping" in a] == []
    api = resources["module.api.aws_apigatewayv2_api.this"]
    assert api["disable_execute_api_endpoint"] is False


def test_root_passes_api_domain_through(root_tf: tftest.TerraformTest, package_zip: Path) -> None:
    """api.domain reaches modules/api; with the execute-api endpoint off, the stack's api_url
    (what make smoke and CI POST to) is the domain's URL."""
    domain = {
        "name": "texts.example.com",
        "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
        "disable_execute_api_endpoint": True,
    }
    # tftest puts -var before -var-file and Terraform keeps the last: hence a file after dev's.
    domain_file = Path(root_tf.tfdir) / "domain.tfvars.json"
    domain_file.write_text(json.dumps({"api": {**env_values("dev")["api"], "domain": domain}}))
    plan = h.plan(
        root_tf,
        {"package_path": str(package_zip)},
        tf_var_file=["envs/dev.tfvars", domain_file.name],
    )
    resources = h.planned(plan)
    assert resources["module.api.aws_apigatewayv2_domain_name.this[0]"]["domain_name"] == (
        "texts.example.com"
    )
    assert resources["module.api.aws_apigatewayv2_api.this"]["disable_execute_api_endpoint"]
    assert plan.outputs["api_url"] == "https://texts.example.com"
    assert plan.outputs["domain_url"] == "https://texts.example.com"
