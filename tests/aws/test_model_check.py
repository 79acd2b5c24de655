"""Requests checked against AWS's API model (scribe_local/aws/model_check.py): one case per rule
kind, on each protocol the modules' services speak, and requests moto accepts that moto's model
gate (scribe_local/emulator/model_gate.py) refuses."""

from __future__ import annotations

import urllib.parse
from typing import Any

from scribe_local.aws import name_rules
from scribe_local.aws.model_check import check_records
from scribe_local.aws.operations import service_model
from scribe_local.emulator.moto_server import MotoServer, moto_client
from tests.conftest import refusals
from tests.iam.test_calls import acm_call, logs_call, query_call, record, tagged_form


def violations(*records: Any) -> list[tuple[str, str, str]]:
    return [(v.call, v.member, v.rule) for v in check_records(records)]


def test_a_valid_request_has_no_violation() -> None:
    assert violations(logs_call("CreateLogGroup", {"logGroupName": "/aws/lambda/x-writer"})) == []
    assert violations(query_call("sns", "CreateTopic", **tagged_form(Name="x-alarms"))) == []


def test_a_missing_required_member() -> None:
    assert violations(logs_call("CreateLogGroup", {})) == [
        ("logs.CreateLogGroup", "logGroupName", "required")
    ]
    fields = {"Namespace": "AWS/Lambda", "MetricName": "Errors", "EvaluationPeriods": "1"}
    found = violations(query_call("monitoring", "PutMetricAlarm", **fields))
    assert ("cloudwatch.PutMetricAlarm", "AlarmName", "required") in found


def test_a_string_over_its_length() -> None:
    name = "/aws/lambda/" + "x" * 501
    assert violations(logs_call("CreateLogGroup", {"logGroupName": name})) == [
        ("logs.CreateLogGroup", "logGroupName", "1..512 characters")
    ]


def test_a_string_outside_its_pattern() -> None:
    [found] = violations(logs_call("CreateLogGroup", {"logGroupName": "bad name!"}))
    assert found[:2] == ("logs.CreateLogGroup", "logGroupName")
    assert found[2].startswith("the pattern ")


def test_a_value_outside_its_enum() -> None:
    request = {"DomainName": "texts.example.com", "ValidationMethod": "FAX"}
    assert violations(acm_call("RequestCertificate", request)) == [
        ("acm.RequestCertificate", "ValidationMethod", "one of EMAIL, DNS, HTTP")
    ]


def test_a_number_outside_its_range_and_of_the_wrong_type() -> None:
    assert violations(logs_call("DescribeLogGroups", {"limit": 51})) == [
        ("logs.DescribeLogGroups", "limit", "a value 1..50")
    ]
    fields = {
        "AlarmName": "a",
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "EvaluationPeriods": "one",
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert ("cloudwatch.PutMetricAlarm", "EvaluationPeriods", "a integer") in violations(
        query_call("monitoring", "PutMetricAlarm", **fields)
    )


def test_a_nested_member_of_a_query_list() -> None:
    fields = tagged_form(Name="x-alarms")
    fields["Tags.member.1.Key"] = "k" * 129
    assert violations(query_call("sns", "CreateTopic", **fields)) == [
        ("sns.CreateTopic", "Tags[0].Key", "1..128 characters")
    ]


def test_a_rest_uri_label() -> None:
    name = urllib.parse.quote("bad name", safe="")
    [found] = violations(record("lambda", "GET", f"/2015-03-31/functions/{name}"))
    assert found[:2] == ("lambda.GetFunction", "FunctionName")


def test_moto_accepts_what_aws_refuses(moto: MotoServer) -> None:
    """A log group name with a space, an alarm name over 255 characters and a tag key over 128:
    moto creates all three (botocore's client checks no pattern and no maximum); moto's model
    gate refuses each request, and the test's own check (tests/conftest.py) would fail on them
    with the member and the limit."""
    moto_client("logs", moto.url).create_log_group(logGroupName="bad name")
    moto_client("cloudwatch", moto.url).put_metric_alarm(
        AlarmName="a" * 256,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    topic = moto_client("sns", moto.url).create_topic(
        Name="t", Tags=[{"Key": "k" * 129, "Value": "v"}]
    )
    assert topic["TopicArn"].endswith(":t")
    message = refusals(moto)
    assert refusals(moto) == ""  # drained
    assert message.splitlines()[1:4] == [
        "  logs.CreateLogGroup logGroupName = 'bad name': AWS's model requires the pattern "
        "[\\.\\-_/#A-Za-z0-9]+",
        f"  cloudwatch.PutMetricAlarm AlarmName = {'a' * 80!r}: AWS's model requires "
        "1..255 characters",
        f"  sns.CreateTopic Tags[0].Key = {'k' * 80!r}: AWS's model requires 1..128 characters",
    ]


def test_xml_bodies_are_read_by_their_shape(moto: MotoServer) -> None:
    """S3 and Route 53 send their input as XML: a payload structure (a lifecycle's flattened
    rules), a request element (a change batch): moto accepts an S3 lifecycle rule without its
    Status and a record set of a type Route 53 does not have; the gate names both members."""
    s3 = moto_client("s3", moto.url)
    s3.create_bucket(Bucket="xml-bodies")
    rule = {"ID": "x", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}
    lifecycle = {"Rules": [{**rule, "Status": "Enabled"}, {**rule, "ID": "y", "Status": "On"}]}
    s3.put_bucket_lifecycle_configuration(Bucket="xml-bodies", LifecycleConfiguration=lifecycle)
    route53 = moto_client("route53", moto.url)
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]
    change = {"Name": "a.example.com", "Type": "AAA", "TTL": 300}
    change["ResourceRecords"] = [{"Value": "::1"}]
    batch = {"Changes": [{"Action": "CREATE", "ResourceRecordSet": change}]}
    route53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch=batch)
    found = moto.drain_model_check()
    assert [(v.call, v.member, v.value) for v in found.violations] == [
        ("s3.PutBucketLifecycleConfiguration", "LifecycleConfiguration.Rules[1].Status", "On"),
        (
            "route53.ChangeResourceRecordSets",
            "ChangeBatch.Changes[0].ResourceRecordSet.Type",
            "AAA",
        ),
    ]
    assert found.requests["rest-xml"] == 4


# One value each documented rule accepts and one it refuses (scribe_local/aws/name_rules.py).
NAME_CASES = {
    ("s3.CreateBucket", "Bucket"): ("scribe-dev-123456789012-eu-west-1", "sthree-texts"),
    ("s3.PutBucketTagging", "Tagging.TagSet[*].Key"): ("Stack", "aws:stack"),
    ("s3.PutBucketTagging", "Tagging.TagSet[*].Value"): ("scribe-dev", "v" * 257),
    ("lambda.CreateFunction", "FunctionName"): ("scribe-dev-writer", "w" * 65),
    ("logs.CreateLogGroup", "logGroupName"): ("/aws/lambda/scribe-dev-writer", "aws/texts"),
    ("apigatewayv2.CreateApi", "Name"): ("scribe-dev-api", "a" * 129),
    ("apigatewayv2.CreateStage", "StageName"): ("$default", "$latest"),
    ("apigatewayv2.CreateApiMapping", "ApiMappingKey"): ("texts/v1", "texts/~v1"),
    ("apigatewayv2.CreateDomainName", "DomainName"): ("texts.example.com", "a" * 64 + ".com"),
    ("acm.RequestCertificate", "DomainName"): ("texts.example.com", "t" * 61 + ".com"),
    ("cloudwatch.PutMetricAlarm", "AlarmName"): ("scribe-dev-writer-errors", "errors\n"),
    ("logs.PutRetentionPolicy", "retentionInDays"): ("30", "42"),
    ("sns.CreateTopic", "Name"): ("scribe-dev-alarms", "scribe dev alarms"),
}


def test_every_documented_name_rule_accepts_and_refuses() -> None:
    """Each rule (tag rules of API Gateway's four taggers aside, which share the S3 ones' text)
    refuses a value AWS's documentation refuses and that the model lets through, and accepts the
    name the modules send."""
    named = {(rule.call, rule.member) for rule in name_rules.RULES}
    assert set(NAME_CASES) <= named
    assert {k for k in named if not k[0].startswith("apigatewayv2.") or "Tags" not in k[1]} == set(
        NAME_CASES
    )
    for (call, member), (good, bad) in NAME_CASES.items():
        rules = name_rules.rules_for(call, member.replace("[*]", "[0]"))
        assert rules, (call, member)
        assert all(rule.accepts(good) for rule in rules), (call, member, good)
        assert not all(rule.accepts(bad) for rule in rules), (call, member, bad)


def test_every_name_rule_names_a_member_of_the_model() -> None:
    """A rule whose operation or member path the model does not have would never apply."""
    for rule in name_rules.RULES:
        service, operation = rule.call.split(".")
        shape = service_model(service).operation_model(operation).input_shape
        for step in rule.member.replace("[*]", ".[*]").split("."):
            if step == "[*]":
                shape = shape.member if shape.type_name == "list" else shape.value
            elif step == "<key>":
                shape = shape.key
            else:
                shape = shape.members[step]
        assert shape.type_name in ("string", "integer"), rule


def test_the_gate_reports_a_documented_rule_with_its_source(moto: MotoServer) -> None:
    """A bucket named with S3's reserved prefix: moto creates it, the model has no rule for
    bucket names, the gate refuses it citing S3's naming rules."""
    moto_client("s3", moto.url).create_bucket(Bucket="sthree-texts")
    [found] = moto.drain_model_check().violations
    assert (found.call, found.member, found.source) == (
        "s3.CreateBucket",
        "Bucket",
        "documentation",
    )
    assert found.describe().startswith(
        "s3.CreateBucket Bucket = 'sthree-texts': AWS's documentation requires a bucket name"
    )
    assert found.rule.endswith(
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)"
    )


def test_a_documented_value_of_a_number(moto: MotoServer) -> None:
    """The model types a log group's retention as any integer; CloudWatch Logs offers a list of
    periods (modules/lambda and modules/api validate the same list). moto keeps 42 days."""
    logs = moto_client("logs", moto.url)
    logs.create_log_group(logGroupName="/aws/lambda/retention")
    logs.put_retention_policy(logGroupName="/aws/lambda/retention", retentionInDays=42)
    [found] = moto.drain_model_check().violations
    assert (found.call, found.member, found.value) == (
        "logs.PutRetentionPolicy",
        "retentionInDays",
        "42",
    )
    assert found.rule.startswith("one of the retention periods CloudWatch Logs offers")
