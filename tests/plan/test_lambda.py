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
