"""examples/complete applied to moto with a custom domain: everything the example turns on (two
customer-managed keys, encrypted log groups and alarm topic, X-Ray tracing, alarms, the bucket's
server access logs in a log bucket, CORS, a DNS-validated domain with execute-api off) is read back
from the services by value; a second plan is a no-op; destroy leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tftest

from scribe_local.emulator.moto_server import ACCOUNT_ID, REGION, MotoServer, moto_client
from tests import terraform_harness as h

NAME = "scribe-complete"
DOMAIN = "texts.example.com"
BUCKET = f"{NAME}-{ACCOUNT_ID}-{REGION}"
LOG_BUCKET = f"{NAME}-logs-{ACCOUNT_ID}"
FUNCTION = f"{NAME}-writer"


def role_actions(moto: MotoServer, role: str) -> set[str]:
    iam = moto_client("iam", moto.url)
    actions: set[str] = set()
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for statement in document["Statement"]:
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def check_observability(
    moto: MotoServer, outputs: dict[str, Any], key: str, timeout_s: int
) -> None:
    """Logs, topic and alarms encrypted with or notifying what the example wires them to."""
    groups = moto_client("logs", moto.url).describe_log_groups()["logGroups"]
    encrypted = {g["logGroupName"]: g.get("kmsKeyId") for g in groups}
    assert encrypted == {
        f"/aws/lambda/{FUNCTION}": key,
        f"/aws/vendedlogs/apigateway/{NAME}-api": key,
    }
    topic = outputs["alarm_topic_arn"]
    assert topic == f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{FUNCTION}-alarms"
    attributes = moto_client("sns", moto.url).get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["KmsMasterKeyId"] == key
    alarms = moto_client("cloudwatch", moto.url).describe_alarms()["MetricAlarms"]
    by_name = {a["AlarmName"]: a for a in alarms}
    assert sorted(by_name) == sorted(outputs["alarm_names"])
    assert sorted(by_name) == sorted(
        [f"{FUNCTION}-{s}" for s in ("errors", "throttles", "duration")]
        + [f"{NAME}-api-{s}" for s in ("5xx-rate", "4xx-rate")]
    )
    assert {tuple(a["AlarmActions"]) for a in alarms} == {(topic,)}
    assert by_name[f"{FUNCTION}-errors"]["Threshold"] == 5
    assert by_name[f"{FUNCTION}-duration"]["Threshold"] == pytest.approx(0.8 * timeout_s * 1000)
    assert by_name[f"{NAME}-api-4xx-rate"]["Threshold"] == 0.2


def check_bucket_logging(moto: MotoServer) -> None:
    s3 = moto_client("s3", moto.url)
    enabled = s3.get_bucket_logging(Bucket=BUCKET)["LoggingEnabled"]
    assert (enabled["TargetBucket"], enabled["TargetPrefix"]) == (LOG_BUCKET, f"s3/{BUCKET}/")
    policy = json.loads(s3.get_bucket_policy(Bucket=LOG_BUCKET)["Policy"])
    [delivery] = [s for s in policy["Statement"] if s.get("Sid") == "S3ServerAccessLogsDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Resource"] == f"arn:aws:s3:::{LOG_BUCKET}/s3/{BUCKET}/*"
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:s3:::{BUCKET}"
    # The TLS-only deny stays in the log bucket's policy next to the delivery.
    assert "DenyInsecureTransport" in {s.get("Sid") for s in policy["Statement"]}


def check_api(moto: MotoServer, outputs: dict[str, Any]) -> None:
    api = moto_client("apigatewayv2", moto.url).get_api(ApiId=outputs["api_id"])
    assert api["DisableExecuteApiEndpoint"] is True
    cors = api["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://app.example.com"]
    assert cors["AllowMethods"] == ["POST"]
    assert cors["ExposeHeaders"] == ["location"]
    assert cors["MaxAge"] == 3600
    assert outputs["api_url"] == f"https://{DOMAIN}"
    [mapping] = moto_client("apigatewayv2", moto.url).get_api_mappings(DomainName=DOMAIN)["Items"]
    assert (mapping["ApiId"], mapping["Stage"]) == (outputs["api_id"], "$default")


def log_keys(moto: MotoServer) -> list[str]:
    """Keys of every version in the log bucket; each must lie under the text bucket's prefix."""
    listed = moto_client("s3", moto.url).list_object_versions(Bucket=LOG_BUCKET)
    keys = sorted({v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])})
    assert all(key.startswith(f"s3/{BUCKET}/") for key in keys), keys
    return keys


def empty_log_bucket(moto: MotoServer) -> None:
    """What the operator does before the log bucket can go: delete every version in it."""
    s3 = moto_client("s3", moto.url)
    # moto serves plain HTTP, which the bucket's TLS-only deny refuses (AWS's operator uses TLS).
    s3.delete_bucket_policy(Bucket=LOG_BUCKET)
    listed = s3.list_object_versions(Bucket=LOG_BUCKET)
    for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        s3.delete_object(Bucket=LOG_BUCKET, Key=version["Key"], VersionId=version["VersionId"])


def destroy(tf: tftest.TerraformTest, values: dict[str, Any], moto: MotoServer) -> None:
    """destroy keeps the log bucket while it holds logs (force_destroy false), and the destroy's
    own refresh of the text bucket is logged: it removes everything else and stops there. The
    operator empties the log bucket and destroys again."""
    try:
        tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))
        return
    except tftest.TerraformTestError as error:
        stopped = str(error)
    assert f"deleting S3 Bucket ({LOG_BUCKET})" in stopped, stopped
    assert "BucketNotEmpty" in stopped, stopped
    empty_log_bucket(moto)
    tf.destroy(auto_approve=True, tf_vars=h.tf_vars(values))


def test_complete_example_applies_with_everything_on_and_plans_no_change(
    tmp_path: Path, moto: MotoServer, package_zip: Path, terraform_ready: None
) -> None:
    route53 = moto_client("route53", moto.url)
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="scribe-complete-test")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    values: dict[str, Any] = {
        "region": REGION,
        "package_path": str(package_zip),
        "domain": {"name": DOMAIN, "hosted_zone_id": zone_id},
    }
    tf = h.module(tmp_path, "examples/complete", moto.url)
    print(f"[complete] applying examples/complete with {DOMAIN} to moto", flush=True)
    tf.apply(auto_approve=True, tf_vars=h.tf_vars(values))
    try:
        outputs = tf.output()
        kms = moto_client("kms", moto.url)
        texts_key = kms.describe_key(KeyId=outputs["kms_key_arn"])["KeyMetadata"]
        assert texts_key["KeyState"] == "Enabled"
        assert kms.get_key_rotation_status(KeyId=texts_key["KeyId"])["KeyRotationEnabled"]
        keys = {k["KeyArn"] for k in kms.list_keys()["Keys"]}
        [observability_key] = keys - {outputs["kms_key_arn"]}
        encryption = moto_client("s3", moto.url).get_bucket_encryption(Bucket=BUCKET)
        [rule] = encryption["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == texts_key["Arn"]

        function = moto_client("lambda", moto.url).get_function_configuration(FunctionName=FUNCTION)
        assert function["TracingConfig"] == {"Mode": "Active"}
        assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= role_actions(
            moto, f"{FUNCTION}-role"
        )
        check_observability(moto, outputs, observability_key, function["Timeout"])
        check_bucket_logging(moto)
        check_api(moto, outputs)
        assert h.detailed_exitcode(tf, *h.var_args(values)) == 0
        assert log_keys(moto), "no access log of the text bucket was delivered"
    finally:
        destroy(tf, values, moto)
    assert moto_client("lambda", moto.url).list_functions()["Functions"] == []
    assert moto_client("apigatewayv2", moto.url).get_domain_names()["Items"] == []
    assert moto_client("cloudwatch", moto.url).describe_alarms()["MetricAlarms"] == []
    assert moto_client("sns", moto.url).list_topics()["Topics"] == []
    left = {b["Name"] for b in moto_client("s3", moto.url).list_buckets()["Buckets"]}
    assert not left & {BUCKET, LOG_BUCKET}
