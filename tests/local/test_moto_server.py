"""The session moto server behaves as AWS where Terraform depends on it."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scribe_local.emulator.moto_launcher import LOST_ANSWER_WINDOW_S
from scribe_local.emulator.moto_server import MotoServer, moto_client


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def test_removing_a_permission_leaves_no_copy_of_its_statement(moto: MotoServer) -> None:
    """moto keeps a second AddPermission with the same id (AWS refuses it; a retried create sends
    one). After RemovePermission no statement with the id may remain, or `terraform destroy` waits
    for it until it fails (seen once in the pipeline test); other statements stay."""
    iam = moto_client("iam", moto.url)
    role = iam.create_role(RoleName="policy-copies", AssumeRolePolicyDocument=json.dumps({}))
    lam = moto_client("lambda", moto.url)
    lam.create_function(
        FunctionName="policy-copies",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    for sid in ("AllowPostRoot", "AllowPostRoot", "AllowPostName"):
        lam.add_permission(
            FunctionName="policy-copies",
            StatementId=sid,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
        )
    lam.remove_permission(FunctionName="policy-copies", StatementId="AllowPostRoot")
    policy = json.loads(lam.get_policy(FunctionName="policy-copies")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["AllowPostName"]
    with pytest.raises(ClientError) as gone:
        lam.remove_permission(FunctionName="policy-copies", StatementId="AllowPostRoot")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_identical_create_retried_at_once_gets_the_function(moto: MotoServer) -> None:
    """moto's threaded server sometimes loses a CreateFunction answer under load, and the
    provider then retries the 409 for 5 minutes. The same create retried within
    LOST_ANSWER_WINDOW_S gets the function; a different one, or a later one, still gets 409."""
    iam = moto_client("iam", moto.url)
    role = iam.create_role(RoleName="lost-answer", AssumeRolePolicyDocument=json.dumps({}))
    lam = moto_client("lambda", moto.url)
    spec: dict[str, Any] = {
        "FunctionName": "lost-answer",
        "Runtime": "python3.13",
        "Role": role["Role"]["Arn"],
        "Handler": "index.handler",
        "Code": {"ZipFile": tiny_zip()},
    }
    first = lam.create_function(**spec)
    again = lam.create_function(**spec)
    assert again["FunctionArn"] == first["FunctionArn"]
    with pytest.raises(ClientError) as other:
        lam.create_function(**{**spec, "Handler": "other.handler"})
    assert other.value.response["Error"]["Code"] == "ResourceConflictException"
    time.sleep(LOST_ANSWER_WINDOW_S + 0.1)
    with pytest.raises(ClientError) as later:
        lam.create_function(**spec)
    assert later.value.response["Error"]["Code"] == "ResourceConflictException"


def test_an_identical_record_change_retried_at_once_is_the_same_change(moto: MotoServer) -> None:
    """The same lost answer in Route 53: ChangeResourceRecordSets retried within
    LOST_ANSWER_WINDOW_S gets the first answer (one record); retried later it is refused as
    AWS refuses a CREATE of a record that exists."""
    route53 = moto_client("route53", moto.url)
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="lost-answer")
    zone_id = zone["HostedZone"]["Id"]
    record = {"Name": "texts.example.com", "Type": "A", "TTL": 60}
    batch = {
        "Changes": [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {**record, "ResourceRecords": [{"Value": "192.0.2.1"}]},
            }
        ]
    }
    first = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    again = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    assert again["ChangeInfo"]["Id"] == first["ChangeInfo"]["Id"]
    listed = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert [r["Type"] for r in listed if r["Name"] == "texts.example.com."] == ["A"]
    time.sleep(LOST_ANSWER_WINDOW_S + 0.1)
    with pytest.raises(ClientError) as later:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
    assert later.value.response["Error"]["Code"] == "InvalidChangeBatch"


def test_http_api_ids_have_the_shape_aws_gives_them(moto: MotoServer) -> None:
    """10 characters of a-z and 0-9, as the CI identity's api_id validation and policies expect;
    the API's tags, its reads and its ARN follow the id."""
    apis = moto_client("apigatewayv2", moto.url)
    created = apis.create_api(Name="x", ProtocolType="HTTP", Tags={"Stack": "scribe-dev"})
    api_id = created["ApiId"]
    assert re.fullmatch(r"[a-z0-9]{10}", api_id)
    assert created["ApiEndpoint"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com"
    assert apis.get_api(ApiId=api_id)["Tags"] == {"Stack": "scribe-dev"}
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    assert apis.get_tags(ResourceArn=arn)["Tags"] == {"Stack": "scribe-dev"}


def test_bucket_logging_to_a_tls_only_log_bucket(moto: MotoServer) -> None:
    """A log bucket's policy holds the TLS-only deny ("Principal": "*") and the logging
    service's statement: PutBucketLogging is accepted (moto 5.2.5 answered 500), and still
    refused when no statement lets the logging service in."""
    s3 = moto_client("s3", moto.url)
    for name in ("texts", "logs"):
        s3.create_bucket(Bucket=name)
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    delivery = {
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::logs/s3/texts/*",
    }
    logging = {"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "s3/texts/"}}
    s3.put_bucket_policy(
        Bucket="logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_logging(Bucket="texts", BucketLoggingStatus=logging)
    assert refused.value.response["Error"]["Code"] == "InvalidTargetBucketForLogging"
    both = {"Version": "2012-10-17", "Statement": [deny, delivery]}
    s3.put_bucket_policy(Bucket="logs", Policy=json.dumps(both))
    s3.put_bucket_logging(Bucket="texts", BucketLoggingStatus=logging)
    enabled = s3.get_bucket_logging(Bucket="texts")["LoggingEnabled"]
    assert (enabled["TargetBucket"], enabled["TargetPrefix"]) == ("logs", "s3/texts/")


def test_a_reset_keeps_lambda_without_docker(moto: MotoServer) -> None:
    """moto forgets its configuration on reset; the server's reset sets Lambda without Docker
    again, so no caller has to (a moto trying Docker fails every function create here)."""
    moto.reset()
    with urllib.request.urlopen(f"{moto.url}/moto-api/config", timeout=10) as answer:  # noqa: S310
        config = json.loads(answer.read())
    assert config["lambda"]["use_docker"] is False


def test_a_bucket_created_again_has_no_tags(moto: MotoServer) -> None:
    """A deleted bucket's tags go with it (moto 5.2.5 kept them for the next bucket of the name,
    which hid an apply killed between CreateBucket and PutBucketTagging)."""
    s3 = moto_client("s3", moto.url)
    s3.create_bucket(Bucket="tagged-then-gone")
    tags = {"TagSet": [{"Key": "Stack", "Value": "scribe-dev"}]}
    s3.put_bucket_tagging(Bucket="tagged-then-gone", Tagging=tags)
    s3.delete_bucket(Bucket="tagged-then-gone")
    s3.create_bucket(Bucket="tagged-then-gone")
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_tagging(Bucket="tagged-then-gone")
    assert missing.value.response["Error"]["Code"] == "NoSuchTagSet"
