"""modules/bucket: the plan carries every secure default, and each input is validated."""

from __future__ import annotations

from typing import Any

import pytest
import tftest

from tests import terraform_harness as h

MODULE = "modules/bucket"
NAME = "scribe-plan-test-bucket"


KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555"
# Every optional input changed at once: one plan (each plan costs several provider starts).
OPTIONS = {
    "name": NAME,
    "enforce_tls": False,
    "kms_key_arn": KEY,
    "noncurrent_version_expiration_days": 30,
}


@pytest.fixture(scope="module")
def default_plan(module_tf: tftest.TerraformTest) -> Any:
    return h.plan(module_tf, {"name": NAME})


@pytest.fixture(scope="module")
def defaults(default_plan: Any) -> dict[str, dict[str, Any]]:
    return h.planned(default_plan)


@pytest.fixture(scope="module")
def options(module_tf: tftest.TerraformTest) -> dict[str, dict[str, Any]]:
    return h.plan_resources(module_tf, OPTIONS)


def test_public_access_is_blocked_by_all_four_flags(defaults: dict[str, dict[str, Any]]) -> None:
    block = defaults["aws_s3_bucket_public_access_block.this"]
    flags = (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    )
    assert {flag: block[flag] for flag in flags} == dict.fromkeys(flags, True)


def test_acls_are_disabled_by_bucket_owner_enforced(defaults: dict[str, dict[str, Any]]) -> None:
    rules = defaults["aws_s3_bucket_ownership_controls.this"]["rule"]
    assert rules == [{"object_ownership": "BucketOwnerEnforced"}]


def test_sse_s3_is_the_default_encryption(defaults: dict[str, dict[str, Any]]) -> None:
    rule = defaults["aws_s3_bucket_server_side_encryption_configuration.this"]["rule"][0]
    default = rule["apply_server_side_encryption_by_default"]
    assert len(default) == 1
    assert default[0]["sse_algorithm"] == "AES256"
    assert not default[0]["kms_master_key_id"]  # the provider plans "" for null
    assert rule["bucket_key_enabled"] is False


def test_versioning_is_enabled(defaults: dict[str, dict[str, Any]]) -> None:
    config = defaults["aws_s3_bucket_versioning.this"]["versioning_configuration"]
    assert config[0]["status"] == "Enabled"


def test_force_destroy_is_off_by_default(defaults: dict[str, dict[str, Any]]) -> None:
    assert defaults["aws_s3_bucket.this"]["force_destroy"] is False
    assert defaults["aws_s3_bucket.this"]["bucket"] == NAME


def test_tls_only_policy_is_on_by_default(default_plan: Any) -> None:
    plan = default_plan
    assert "aws_s3_bucket_policy.tls_only[0]" in h.planned(plan)
    # The policy JSON depends on the bucket ARN, unknown at plan time: check the document's
    # configuration instead, which the plan records with its condition.
    config = plan.configuration["root_module"]["resources"]
    document = next(r for r in config if r["address"] == "data.aws_iam_policy_document.tls_only")
    statement = document["expressions"]["statement"][0]
    assert statement["effect"]["constant_value"] == "Deny"
    assert statement["actions"]["constant_value"] == ["s3:*"]
    condition = statement["condition"][0]
    assert (
        condition["test"]["constant_value"],
        condition["variable"]["constant_value"],
        condition["values"]["constant_value"],
    ) == ("Bool", "aws:SecureTransport", ["false"])


def test_tls_only_policy_can_be_switched_off(options: dict[str, dict[str, Any]]) -> None:
    assert not [a for a in options if a.startswith("aws_s3_bucket_policy")]


def test_kms_key_switches_to_sse_kms_with_bucket_key(options: dict[str, dict[str, Any]]) -> None:
    rule = options["aws_s3_bucket_server_side_encryption_configuration.this"]["rule"][0]
    assert rule["apply_server_side_encryption_by_default"] == [
        {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}
    ]
    assert rule["bucket_key_enabled"] is True


def test_noncurrent_versions_expire_only_when_asked(
    defaults: dict[str, dict[str, Any]], options: dict[str, dict[str, Any]]
) -> None:
    assert not [a for a in defaults if "lifecycle" in a]
    rule = options["aws_s3_bucket_lifecycle_configuration.this[0]"]["rule"][0]
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30


def test_outputs_are_named_after_what_they_are(default_plan: Any) -> None:
    assert set(default_plan.outputs) == {"bucket_name", "bucket_arn", "kms_key_arn"}
    assert default_plan.outputs["bucket_name"] == NAME  # known at plan time


def test_no_access_logging_unless_asked(defaults: dict[str, dict[str, Any]]) -> None:
    assert not [a for a in defaults if "logging" in a]


SOURCE = "scribe-plan-source-bucket"


def test_access_logging_and_log_delivery(module_tf: tftest.TerraformTest) -> None:
    values = {
        "name": NAME,
        "access_logging": {"target_bucket": "scribe-plan-logs", "target_prefix": "s3/texts/"},
        "log_delivery": {"source_bucket_arns": [f"arn:aws:s3:::{SOURCE}"], "target_prefix": "s3/"},
    }
    plan = h.plan(module_tf, values)
    resources = h.planned(plan)
    logging = resources["aws_s3_bucket_logging.this[0]"]
    assert (logging["target_bucket"], logging["target_prefix"]) == ("scribe-plan-logs", "s3/texts/")
    # The delivery statement's resource is built from the bucket ARN (known after apply): read
    # its configuration, with the conditions AWS recommends for server access logs.
    config = plan.configuration["root_module"]["resources"]
    document = next(
        r for r in config if r["address"] == "data.aws_iam_policy_document.log_delivery"
    )
    statement = document["expressions"]["statement"][0]
    assert statement["effect"]["constant_value"] == "Allow"
    assert statement["actions"]["constant_value"] == ["s3:PutObject"]
    assert statement["principals"][0]["identifiers"]["constant_value"] == [
        "logging.s3.amazonaws.com"
    ]
    conditions = {c["variable"]["constant_value"]: c for c in statement["condition"]}
    assert set(conditions) == {"aws:SourceArn", "aws:SourceAccount"}
    assert conditions["aws:SourceArn"]["test"]["constant_value"] == "ArnLike"
    assert (
        "var.log_delivery.source_bucket_arns" in conditions["aws:SourceArn"]["values"]["references"]
    )
    assert "aws_s3_bucket_policy.tls_only[0]" in resources  # TLS-only and delivery: one policy


def test_log_delivery_keeps_a_policy_without_tls(module_tf: tftest.TerraformTest) -> None:
    values = {
        "name": NAME,
        "enforce_tls": False,
        "log_delivery": {"source_bucket_arns": [f"arn:aws:s3:::{SOURCE}"]},
    }
    resources = h.plan_resources(module_tf, values)
    assert "aws_s3_bucket_policy.tls_only[0]" in resources


def test_access_logging_into_itself_is_refused(module_tf: tftest.TerraformTest) -> None:
    error = h.plan_error(module_tf, {"name": NAME, "access_logging": {"target_bucket": NAME}})
    assert "access_logging.target_bucket must be another bucket" in error
