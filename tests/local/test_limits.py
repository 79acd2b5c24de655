"""The local gateway's throttling and size limits, as API Gateway and Lambda apply them."""

from __future__ import annotations

import http.client
import io
import json
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scribe_local.emulator.function import FunctionSpec
from scribe_local.emulator.gateway import ApiConfig, Gateway, GatewayServer, Route
from scribe_local.emulator.gateway.payload import (
    MAX_PAYLOAD_BYTES,
    Request,
    build_event,
    invocation_bytes,
)
from scribe_local.emulator.gateway.routes import load_api
from scribe_local.emulator.gateway.throttling import (
    ACCOUNT_THROTTLE,
    Throttle,
    TokenBucket,
    route_throttles,
)
from scribe_local.emulator.moto_server import MotoServer, moto_client

MIB = 1024 * 1024
# Lambda's own numbers: "Request must be smaller than 6291456 bytes for the InvokeFunction
# operation", "Response payload size exceeded maximum allowed payload size (6291556 bytes)".
LAMBDA_REQUEST_MAX_BYTES = 6_291_456
LAMBDA_RESPONSE_MAX_BYTES = 6_291_556


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- the token bucket -------------------------------------------------------------------------


def takes(bucket: TokenBucket, attempts: int) -> int:
    return sum(bucket.take() for _ in range(attempts))


def test_a_full_bucket_admits_exactly_the_burst() -> None:
    bucket = TokenBucket(Throttle(burst_limit=5, rate_limit=2.0), FakeClock())
    assert takes(bucket, 20) == 5
    assert bucket.tokens == 0.0


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Throttle(burst_limit=5, rate_limit=2.0), clock)
    assert takes(bucket, 5) == 5
    clock.advance(0.4)  # 0.8 of a token: not yet one
    assert not bucket.take()
    clock.advance(0.1)  # 1.0
    assert bucket.take()
    clock.advance(1.5)  # 3 tokens
    assert takes(bucket, 10) == 3
    clock.advance(3600)  # an idle hour fills the bucket, and no further
    assert takes(bucket, 100) == 5


def test_refused_requests_take_nothing_and_tokens_never_go_negative() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Throttle(burst_limit=2, rate_limit=1.0), clock)
    assert takes(bucket, 1000) == 2
    assert bucket.tokens == 0.0
    clock.advance(1.0)  # a second after 998 refusals: one token, as after none
    assert bucket.take()
    clock.advance(-50)  # a clock that steps back refills nothing and takes nothing
    assert not bucket.take()
    assert bucket.tokens == 0.0


def test_a_burst_of_zero_refuses_everything() -> None:
    clock = FakeClock()
    bucket = TokenBucket(Throttle(burst_limit=0, rate_limit=100.0), clock)
    clock.advance(10)
    assert takes(bucket, 10) == 0


def test_concurrent_takers_get_exactly_the_burst() -> None:
    bucket = TokenBucket(Throttle(burst_limit=50, rate_limit=1.0), FakeClock())
    start = threading.Barrier(8)

    def hammer() -> int:
        start.wait()
        return takes(bucket, 100)

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(lambda _: hammer(), range(8))) == 50


# --- which limits apply -------------------------------------------------------------------------


def test_route_settings_override_the_stage_default_value_by_value() -> None:
    stage = {
        "StageName": "$default",
        "DefaultRouteSettings": {"ThrottlingBurstLimit": 20, "ThrottlingRateLimit": 10.0},
        "RouteSettings": {
            "POST /{name+}": {"ThrottlingBurstLimit": 3},
            "POST /other": {"ThrottlingBurstLimit": 7, "ThrottlingRateLimit": 1.5},
        },
    }
    throttles = route_throttles(stage, ["POST /", "POST /{name+}"])
    assert throttles == {"POST /": Throttle(20, 10.0), "POST /{name+}": Throttle(3, 10.0)}
    assert route_throttles({"StageName": "s"}, ["POST /"]) == {"POST /": ACCOUNT_THROTTLE}


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def test_load_api_reads_the_stage_throttling_from_moto(moto: MotoServer) -> None:
    """What Terraform's default_route_settings and route_settings write, as moto answers it."""
    role = moto_client("iam", moto.url).create_role(
        RoleName="throttled", AssumeRolePolicyDocument="{}"
    )
    function = moto_client("lambda", moto.url).create_function(
        FunctionName="throttled",
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": tiny_zip()},
    )
    apis = moto_client("apigatewayv2", moto.url)
    api_id = apis.create_api(Name="throttled", ProtocolType="HTTP")["ApiId"]
    integration = apis.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function["FunctionArn"],
        PayloadFormatVersion="2.0",
    )
    for key in ("POST /", "POST /{name+}"):
        apis.create_route(
            ApiId=api_id, RouteKey=key, Target=f"integrations/{integration['IntegrationId']}"
        )
    apis.create_stage(
        ApiId=api_id,
        StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 20, "ThrottlingRateLimit": 10.0},
        RouteSettings={"POST /": {"ThrottlingBurstLimit": 4, "ThrottlingRateLimit": 2.0}},
    )
    config = load_api(moto.url, api_id)
    assert config.throttles == {"POST /": Throttle(4, 2.0), "POST /{name+}": Throttle(20, 10.0)}
    assert config.default_throttle == Throttle(20, 10.0)


# --- throttling through the gateway ----------------------------------------------------------

ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/"
CREATED = {"statusCode": 201, "body": "{}"}


def spec() -> FunctionSpec:
    return FunctionSpec(
        name="fn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
        role_arn="r",
        handler="h.h",
        runtime="python3.13",
        memory_mb=128,
        timeout_s=3,
        environment={},
        code_sha256="",
        log_group="/aws/lambda/fn",
        resource_policy={
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                    "Condition": {"ArnLike": {"AWS:SourceArn": arn}},
                }
                for arn in (ARN_PREFIX, ARN_PREFIX + "*")
            ]
        },
    )


class StubFunction:
    """Stands in for LocalFunction: answers `outcome` after `delay` seconds, counting calls."""

    def __init__(self, outcome: Any, delay: float = 0.0) -> None:
        self.outcome = outcome
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        return self.outcome

    def close(self) -> None:
        pass


def gateway(
    outcome: Any = CREATED,
    throttles: dict[str, Throttle] | None = None,
    authorization: str = "NONE",
    clock: Any = time.monotonic,
    delay: float = 0.0,
) -> Gateway:
    routes = tuple(
        sorted(
            (Route.parse(k, authorization, "fn") for k in ("POST /", "POST /{name+}")),
            key=lambda r: r.precedence,
        )
    )
    config = ApiConfig(
        api_id="abc123",
        stage="$default",
        routes=routes,
        functions={"fn": spec()},
        throttles=throttles or {},
    )
    function = StubFunction(outcome, delay)
    return Gateway(config, {"fn": function}, clock=clock)  # type: ignore[dict-item]


def calls(gw: Gateway) -> int:
    return gw.functions["fn"].calls  # type: ignore[attr-defined,no-any-return]


Answer = tuple[int, dict[str, str], bytes]


def post(url: str, path: str) -> Answer:
    host = url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request("POST", path, body=b"hello", headers={"Content-Type": "text/plain"})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def fire(url: str, count: int, path: str = "/notes/a.txt") -> list[Answer]:
    """`count` POSTs at once, one thread and one connection each."""
    start = threading.Barrier(count)

    def one(_: int) -> Answer:
        start.wait()
        return post(url, path)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def served(gw: Gateway) -> GatewayServer:
    server = GatewayServer(gw)
    server.start_in_thread()
    return server


def test_more_concurrent_requests_than_the_burst_get_429s_and_no_5xx() -> None:
    """40 POSTs at one instant (a clock that does not move) on a burst of 5: exactly 5 reach the
    function, 35 get API Gateway's 429, and none a 5xx."""
    burst = Throttle(burst_limit=5, rate_limit=1.0)
    gw = gateway(throttles={"POST /{name+}": burst}, clock=FakeClock(), delay=0.05)
    server = served(gw)
    try:
        answers = fire(server.url, 40)
    finally:
        server.close()
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [201] * 5 + [429] * 35
    assert calls(gw) == 5
    for status, headers, body in answers:
        if status == 429:
            assert json.loads(body) == {"message": "Too Many Requests"}
            assert headers["content-type"] == "application/json"
            assert headers["apigw-requestid"]


def test_the_burst_holds_on_the_real_clock_within_a_second() -> None:
    gw = gateway(throttles={"POST /{name+}": Throttle(burst_limit=5, rate_limit=1.0)})
    server = served(gw)
    try:
        started = time.monotonic()
        answers = fire(server.url, 30)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {201, 429}
    # The burst, and what the rate (1 a second) refilled while they were sent: 5 in well under 1 s.
    assert 5 <= statuses.count(201) <= 5 + int(elapsed * 1.0)


def test_each_route_has_its_own_bucket_and_throttling_precedes_authorization() -> None:
    clock = FakeClock()
    gw = gateway(
        throttles={"POST /": Throttle(1, 1.0), "POST /{name+}": Throttle(2, 1.0)},
        authorization="AWS_IAM",
        clock=clock,
    )
    named = [gw.handle("POST", "/a.txt", [], b"x", "ip").status for _ in range(4)]
    root = [gw.handle("POST", "/", [], b"x", "ip").status for _ in range(3)]
    assert named == [403, 403, 429, 429]  # unsigned requests take tokens too
    assert root == [403, 429, 429]
    assert gw.handle("GET", "/a.txt", [], b"", "ip").status == 404  # no route: no token taken
    clock.advance(1.0)
    assert gw.handle("POST", "/", [], b"x", "ip").status == 403  # refilled: past the throttle
    assert calls(gw) == 0


def test_without_stage_settings_the_account_limits_apply() -> None:
    gw = gateway(clock=FakeClock())
    statuses = [gw.handle("POST", "/a.txt", [], b"x", "ip").status for _ in range(50)]
    assert statuses == [201] * 50
    assert gw.throttler.bucket("POST /{name+}").throttle == ACCOUNT_THROTTLE


# --- size limits ----------------------------------------------------------------------------


def test_the_api_gateway_quota_is_10_mib() -> None:
    gw = gateway()
    answer = gw.handle("POST", "/a.bin", [], b"x" * (MAX_PAYLOAD_BYTES + 1), "ip")
    assert (answer.status, json.loads(answer.body)) == (
        413,
        {"message": "Request Entity Too Large"},
    )
    assert calls(gw) == 0


@pytest.mark.parametrize(
    ("content_type", "size", "status"),
    [
        ("application/octet-stream", 4 * MIB, 201),  # base64: 5.33 MiB of event
        ("application/octet-stream", 5 * MIB, 500),  # base64: 6.67 MiB, over Lambda's 6 MiB
        ("text/plain", 5 * MIB, 201),  # sent as text: 5 MiB of event
        ("text/plain", 6 * MIB, 500),  # the event's envelope takes it over
    ],
)
def test_an_event_over_lambda_s_6_mb_is_refused_before_the_function_runs(
    content_type: str, size: int, status: int
) -> None:
    gw = gateway()
    body = b"a" * size
    answer = gw.handle("POST", "/a.bin", [("Content-Type", content_type)], body, "ip")
    assert answer.status == status
    if status == 500:
        assert json.loads(answer.body) == {"message": "Internal Server Error"}
        assert calls(gw) == 0
    else:
        assert calls(gw) == 1


def test_the_event_limit_is_lambda_s_6_mib_to_the_byte() -> None:
    headers = [("Content-Type", "text/plain")]
    gw = gateway()
    route, parameters = gw.config.route_for("POST", "/a.txt")
    one_byte = build_event(
        gw.config, route, parameters, Request.parse("POST", "/a.txt", headers, b"a", "ip")
    )
    fits = LAMBDA_REQUEST_MAX_BYTES - (len(invocation_bytes(one_byte)) - 1)
    assert gw.handle("POST", "/a.txt", headers, b"a" * fits, "ip").status == 201
    assert gw.handle("POST", "/a.txt", headers, b"a" * (fits + 1), "ip").status == 500
    assert calls(gw) == 1


def result_of(body_bytes: int) -> dict[str, Any]:
    """A proxy result whose JSON is exactly `body_bytes` + the envelope's bytes."""
    return {"statusCode": 200, "body": "r" * body_bytes}


def test_a_result_over_lambda_s_6_mb_is_a_500() -> None:
    envelope = len(json.dumps(result_of(0), separators=(",", ":")))
    fits = gateway(result_of(LAMBDA_RESPONSE_MAX_BYTES - envelope)).handle(
        "POST", "/a", [], b"x", "ip"
    )
    assert (fits.status, len(fits.body)) == (200, LAMBDA_RESPONSE_MAX_BYTES - envelope)
    too_large = gateway(result_of(LAMBDA_RESPONSE_MAX_BYTES - envelope + 1)).handle(
        "POST", "/a", [], b"x", "ip"
    )
    assert (too_large.status, json.loads(too_large.body)) == (
        500,
        {"message": "Internal Server Error"},
    )
