"""Requests checked against AWS's API model (scribe_local/iam/model_check.py): one case per rule
kind, on each protocol the modules' services speak, and a request moto accepts that AWS's model
refuses."""

from __future__ import annotations

import urllib.parse
from typing import Any

from scribe_local.emulator.moto_server import MotoServer, moto_client
from scribe_local.iam.model_check import Violation, check_records
from scribe_local.iam.recorder import RecordingProxy
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
    moto creates all three (botocore's client checks no pattern and no maximum), the model
    check refuses each request."""
    with RecordingProxy(moto.url) as proxy:
        moto_client("logs", proxy.url).create_log_group(logGroupName="bad name")
        moto_client("cloudwatch", proxy.url).put_metric_alarm(
            AlarmName="a" * 256,
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        topic = moto_client("sns", proxy.url).create_topic(
            Name="t", Tags=[{"Key": "k" * 129, "Value": "v"}]
        )
        records = proxy.records
    assert [r.status for r in records] == [200, 200, 200]
    assert topic["TopicArn"].endswith(":t")
    found: list[Violation] = check_records(records)
    assert [(v.call, v.member, v.rule.split(" ")[0]) for v in found] == [
        ("logs.CreateLogGroup", "logGroupName", "the"),  # the pattern ...
        ("cloudwatch.PutMetricAlarm", "AlarmName", "1..255"),
        ("sns.CreateTopic", "Tags[0].Key", "1..128"),
    ]
    assert found[1].describe() == (
        f"cloudwatch.PutMetricAlarm AlarmName = {'a' * 80!r}: AWS's model requires "
        "1..255 characters"
    )
