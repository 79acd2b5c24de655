"""The fault-injecting proxy: each injected failure reaches an AWS SDK as that service's own error,
a timeout's request is carried out by moto but never answered, and the rules count per call."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from scribe_local.emulator.faults import FaultInjector, Rule, first_create
from scribe_local.emulator.moto_server import MotoServer, moto_client
from scribe_local.emulator.recorder import RecordingProxy

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=5)


@pytest.fixture
def proxied(moto: MotoServer) -> Iterator[tuple[RecordingProxy, FaultInjector]]:
    injector = FaultInjector()
    with RecordingProxy(moto.url, faults=injector) as proxy:
        yield proxy, injector


def client(proxy: RecordingProxy, service: str) -> object:
    import boto3

    return boto3.client(
        service,
        endpoint_url=proxy.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRY,
    )


@pytest.mark.parametrize(
    ("service", "call", "status", "code"),
    [
        (
            "iam",
            lambda c: c.create_role(RoleName="r", AssumeRolePolicyDocument="{}"),
            400,
            "Throttling",
        ),
        (
            "lambda",
            lambda c: c.add_permission(
                FunctionName="f",
                StatementId="s",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
            ),
            429,
            "TooManyRequestsException",
        ),
        ("logs", lambda c: c.create_log_group(logGroupName="/g"), 400, "ThrottlingException"),
        (
            "apigatewayv2",
            lambda c: c.create_api(Name="a", ProtocolType="HTTP"),
            429,
            "TooManyRequestsException",
        ),
        ("s3", lambda c: c.create_bucket(Bucket="b-throttled"), 503, "SlowDown"),
    ],
)
def test_throttling_is_each_services_own_error(
    proxied: tuple[RecordingProxy, FaultInjector],
    service: str,
    call: object,
    status: int,
    code: str,
) -> None:
    proxy, injector = proxied
    injector.set([Rule("throttle", first_create)])
    with pytest.raises(ClientError) as raised:
        call(client(proxy, service))  # type: ignore[operator]
    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert proxy.records[-1].fault == "injected throttling"
    assert len(injector.injected) == 1


def test_a_rule_faults_only_the_first_calls_of_each_operation(
    proxied: tuple[RecordingProxy, FaultInjector],
) -> None:
    proxy, injector = proxied
    injector.set([Rule("error500", first_create, times=2)])
    logs = client(proxy, "logs")
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            logs.create_log_group(logGroupName="/a")  # type: ignore[attr-defined]
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert raised.value.response["Error"]["Code"] == "InternalFailure"
    logs.create_log_group(logGroupName="/a")  # type: ignore[attr-defined]
    logs.describe_log_groups()  # type: ignore[attr-defined]  # a read is never faulted
    assert injector.faulted() == ["logs.CreateLogGroup"]
    assert [(i.call, i.attempt) for i in injector.injected] == [
        ("logs.CreateLogGroup", 1),
        ("logs.CreateLogGroup", 2),
    ]
    assert injector.calls == ["logs.CreateLogGroup"] * 3 + ["logs.DescribeLogGroups"]


def test_a_timeout_is_carried_out_but_never_answered(
    proxied: tuple[RecordingProxy, FaultInjector], moto: MotoServer
) -> None:
    proxy, injector = proxied
    injector.set([Rule("timeout", first_create, hold_s=0.2)])
    answered = proxy.when(lambda record: record.fault is not None)
    with pytest.raises((ConnectionClosedError, ReadTimeoutError)):
        client(proxy, "iam").create_role(  # type: ignore[attr-defined]
            RoleName="unseen", AssumeRolePolicyDocument="{}"
        )
    assert answered.wait(5)
    role = moto_client("iam", moto.url).get_role(RoleName="unseen")["Role"]
    assert role["RoleName"] == "unseen"  # the create took effect: the answer was lost
    assert proxy.records[-1].fault == "injected timeout: answer dropped"


def test_the_state_backends_objects_are_never_faulted() -> None:
    assert first_create("s3.PutBucketVersioning")
    assert first_create("iam.CreateRole")
    assert not first_create("s3.PutObject")  # the state and its .tflock
    assert not first_create("s3.GetObject")
    assert not first_create("lambda.GetFunction")


def test_when_fires_once_a_matching_request_is_answered(
    proxied: tuple[RecordingProxy, FaultInjector],
) -> None:
    proxy, _ = proxied
    seen = proxy.when(lambda record: record.path.startswith("/2015-03-31/functions"))
    other = proxy.when(lambda record: record.path == "/never")
    client(proxy, "lambda").list_functions()  # type: ignore[attr-defined]
    assert seen.wait(5)
    assert not other.is_set()
    assert isinstance(seen, threading.Event)
