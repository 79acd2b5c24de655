"""modules/lambda: sizing, logging and a least-privilege role, read from the plan."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import tftest

from tests import terraform_harness as h

MODULE = "modules/lambda"
FUNCTION = "scribe-plan-writer"
BUCKET = "scribe-plan-bucket"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def inputs(package_zip: Path) -> dict[str, Any]:
    return {"function_name": FUNCTION, "package_path": str(package_zip), "bucket_name": BUCKET}


@pytest.fixture(scope="module")
def default_plan(module_tf: tftest.TerraformTest, inputs: dict[str, Any]) -> Any:
    return h.plan(module_tf, inputs)


@pytest.fixture(scope="module")
def defaults(default_plan: Any) -> dict[str, dict[str, Any]]:
    return h.planned(default_plan)


def role_policy(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(resources["aws_iam_role_policy.this"]["policy"])
    return document


def test_function_defaults_are_small_and_bounded(defaults: dict[str, dict[str, Any]]) -> None:
    function = defaults["aws_lambda_function.this"]
    assert function["memory_size"] == 128
    assert function["timeout"] == 28
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "scribe.apigw.handler"
    assert function["reserved_concurrent_executions"] == -1


def test_function_environment_carries_bucket_prefix_and_limit(
    defaults: dict[str, dict[str, Any]],
) -> None:
    variables = defaults["aws_lambda_function.this"]["environment"][0]["variables"]
    assert variables == {
        "BUCKET_NAME": BUCKET,
        "KEY_PREFIX": "incoming/",
        "MAX_BODY_BYTES": "1048576",
    }


def test_code_hash_is_the_zip_content_hash(
    defaults: dict[str, dict[str, Any]], package_zip: Path
) -> None:
    expected = base64.b64encode(hashlib.sha256(package_zip.read_bytes()).digest()).decode()
    assert defaults["aws_lambda_function.this"]["source_code_hash"] == expected


def test_log_group_is_terraform_managed_with_retention(defaults: dict[str, dict[str, Any]]) -> None:
    group = defaults["aws_cloudwatch_log_group.this"]
    assert group["name"] == f"/aws/lambda/{FUNCTION}"
    assert group["retention_in_days"] == 30


def test_log_group_is_created_before_the_function(default_plan: Any) -> None:
    config = default_plan.configuration["root_module"]["resources"]
    function = next(r for r in config if r["address"] == "aws_lambda_function.this")
    assert "aws_cloudwatch_log_group.this" in function["depends_on"]


def test_role_is_assumable_by_lambda_only(defaults: dict[str, dict[str, Any]]) -> None:
    trust = json.loads(defaults["aws_iam_role.this"]["assume_role_policy"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    assert [s["Action"] for s in trust["Statement"]] == ["sts:AssumeRole"]


def test_role_may_only_append_logs_put_and_list_one_entry_under_the_prefix(
    defaults: dict[str, dict[str, Any]],
) -> None:
    statements = {s["Sid"]: s for s in role_policy(defaults)["Statement"]}
    assert set(statements) == {
        "WriteOwnLogs",
        "PutObjectsUnderPrefix",
        "ListOneVersionEntryUnderPrefix",
    }
    logs = statements["WriteOwnLogs"]
    assert sorted(logs["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == (
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/{FUNCTION}:*"
    )
    put = statements["PutObjectsUnderPrefix"]
    assert put["Action"] == "s3:PutObject"
    assert put["Resource"] == f"arn:aws:s3:::{BUCKET}/incoming/*"
    assert "Condition" not in put
    # the lookup after a retried create-only write: one version entry per call, under the prefix
    listing = statements["ListOneVersionEntryUnderPrefix"]
    assert listing["Action"] == "s3:ListBucketVersions"
    assert listing["Resource"] == f"arn:aws:s3:::{BUCKET}"
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": "incoming/*"},
        "NumericLessThanEquals": {"s3:max-keys": "1"},
    }
    assert all(s["Effect"] == "Allow" for s in statements.values())


def test_role_has_no_create_log_group_and_no_wildcard_action(
    defaults: dict[str, dict[str, Any]],
) -> None:
    text = defaults["aws_iam_role_policy.this"]["policy"]
    assert "logs:CreateLogGroup" not in text
    actions = [
        a
        for s in role_policy(defaults)["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert not [a for a in actions if "*" in a]


def test_kms_key_adds_generate_data_key_on_that_key_only(
    module_tf: tftest.TerraformTest, inputs: dict[str, Any]
) -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-0000-1111-2222-333344445555"
    resources = h.plan_resources(module_tf, {**inputs, "kms_key_arn": key, "key_prefix": ""})
    statements = {s["Sid"]: s for s in role_policy(resources)["Statement"]}
    assert statements["EncryptWithBucketKey"]["Action"] == "kms:GenerateDataKey"
    assert statements["EncryptWithBucketKey"]["Resource"] == key
    assert statements["PutObjectsUnderPrefix"]["Resource"] == f"arn:aws:s3:::{BUCKET}/*"
    listing = statements["ListOneVersionEntryUnderPrefix"]
    assert listing["Condition"]["StringLike"] == {"s3:prefix": "*"}


def test_tracing_log_encryption_and_alarms_are_off_by_default(
    defaults: dict[str, dict[str, Any]], default_plan: Any
) -> None:
    # no tracing_config block: the attribute is left to Lambda (known after apply), as before
    assert "tracing_config" not in defaults["aws_lambda_function.this"]
    assert defaults["aws_cloudwatch_log_group.this"]["kms_key_id"] is None
    assert "xray" not in defaults["aws_iam_role_policy.this"]["policy"]
    assert not [a for a in defaults if "alarm" in a or "sns" in a]
    assert default_plan.outputs["alarm_names"] == []
    assert default_plan.outputs["alarm_topic_arn"] is None


LOG_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
TOPIC_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"


@pytest.fixture(scope="module")
def observed(module_tf: tftest.TerraformTest, inputs: dict[str, Any]) -> Any:
    """Every issue-14 option on: Active tracing, a log key, alarms to a created topic."""
    alarms = {
        "errors_threshold": 3,
        "duration_share": 0.5,
        "period": 300,
        "evaluation_periods": 2,
        "create_topic": True,
        "topic_kms_key_arn": TOPIC_KEY,
    }
    values = {
        **inputs,
        "tracing_mode": "Active",
        "log_kms_key_arn": LOG_KEY,
        "alarms": alarms,
        "timeout": 30,
    }
    return h.plan(module_tf, values)


def test_active_tracing_grants_exactly_the_xray_writes(observed: Any) -> None:
    resources = h.planned(observed)
    assert resources["aws_lambda_function.this"]["tracing_config"] == [{"mode": "Active"}]
    statements = {s["Sid"]: s for s in role_policy(resources)["Statement"]}
    assert set(statements) == {
        "WriteOwnLogs",
        "PutObjectsUnderPrefix",
        "ListOneVersionEntryUnderPrefix",
        "WriteXRayTraces",
    }
    xray = statements["WriteXRayTraces"]
    assert sorted(xray["Action"]) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert xray["Resource"] == "*"  # X-Ray has no resource-level permissions
    assert xray["Effect"] == "Allow"
    assert "Condition" not in xray


def test_pass_through_tracing_also_grants_the_xray_writes(
    module_tf: tftest.TerraformTest, inputs: dict[str, Any]
) -> None:
    resources = h.plan_resources(module_tf, {**inputs, "tracing_mode": "PassThrough"})
    assert resources["aws_lambda_function.this"]["tracing_config"] == [{"mode": "PassThrough"}]
    sids = [s["Sid"] for s in role_policy(resources)["Statement"]]
    assert "WriteXRayTraces" in sids


def test_log_group_is_encrypted_with_the_given_key(observed: Any) -> None:
    assert h.planned(observed)["aws_cloudwatch_log_group.this"]["kms_key_id"] == LOG_KEY


def test_alarms_on_errors_throttles_and_duration_to_the_created_topic(observed: Any) -> None:
    resources = h.planned(observed)
    topic = resources["aws_sns_topic.alarms[0]"]
    assert topic["name"] == f"{FUNCTION}-alarms"
    assert topic["kms_master_key_id"] == TOPIC_KEY
    alarms = {
        a.split('"')[1]: r
        for a, r in resources.items()
        if a.startswith("aws_cloudwatch_metric_alarm.this[")
    }
    assert set(alarms) == {"errors", "throttles", "duration"}
    expected = {
        # suffix: (metric, statistic, extended statistic, threshold)
        "errors": ("Errors", "Sum", None, 3),
        "throttles": ("Throttles", "Sum", None, 0),
        "duration": ("Duration", None, "p99", 15000),  # half of a 30 s timeout, in ms
    }
    for suffix, (metric, statistic, extended, threshold) in expected.items():
        alarm = alarms[suffix]
        assert alarm["alarm_name"] == f"{FUNCTION}-{suffix}"
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
        assert alarm["dimensions"] == {"FunctionName": FUNCTION}
        assert (alarm["statistic"], alarm["extended_statistic"]) == (statistic, extended)
        assert alarm["threshold"] == threshold
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert (alarm["period"], alarm["evaluation_periods"]) == (300, 2)
        assert alarm["treat_missing_data"] == "notBreaching"
    # The created topic's ARN is known after apply: the actions refer to it in the configuration.
    config = observed.configuration["root_module"]["resources"]
    alarm_config = next(r for r in config if r["address"] == "aws_cloudwatch_metric_alarm.this")
    assert "local.alarm_topic" in alarm_config["expressions"]["alarm_actions"]["references"]


def test_alarms_to_a_given_topic_create_none(
    module_tf: tftest.TerraformTest, inputs: dict[str, Any]
) -> None:
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:on-call"
    plan = h.plan(module_tf, {**inputs, "alarms": {"topic_arn": topic}})
    resources = h.planned(plan)
    assert not [a for a in resources if a.startswith("aws_sns_topic")]
    alarms = [r for a, r in resources.items() if a.startswith("aws_cloudwatch_metric_alarm.")]
    assert len(alarms) == 3
    for alarm in alarms:
        assert alarm["alarm_actions"] == [topic]
        assert alarm["ok_actions"] == [topic]
        assert (alarm["period"], alarm["evaluation_periods"]) == (60, 1)  # the defaults
    thresholds = {r["metric_name"]: r["threshold"] for r in alarms}
    assert thresholds == {"Errors": 0, "Throttles": 0, "Duration": 22400}  # 0.8 of 28 s, in ms
    assert plan.outputs["alarm_topic_arn"] == topic
    assert sorted(plan.outputs["alarm_names"]) == sorted(
        f"{FUNCTION}-{s}" for s in ("errors", "throttles", "duration")
    )
    assert "xray" not in resources["aws_iam_role_policy.this"]["policy"]  # tracing stays off


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"tracing_mode": "On"}, "tracing_mode must be null"),
        (
            {"alarms": {"create_topic": True, "topic_kms_key_arn": "alias/aws/sns"}},
            "topic_kms_key_arn is required",
        ),
        ({"alarms": {}}, "alarms needs exactly one topic"),
    ],
)
def test_observability_inputs_are_validated(
    module_tf: tftest.TerraformTest, inputs: dict[str, Any], values: dict[str, Any], message: str
) -> None:
    assert message in h.plan_error(module_tf, {**inputs, **values})
